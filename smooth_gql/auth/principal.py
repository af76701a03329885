"""The authenticated caller, as every service sees it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

# The single user that `AUTH_ENABLED=false` acts as; a real row, so foreign keys hold.
LOCAL_ADMIN_ID = "00000000-0000-4000-8000-000000000001"
LOCAL_ADMIN_EMAIL = "admin@localhost"


class PrincipalKind(StrEnum):
    LOCAL = "local"
    SESSION = "session"
    API_KEY = "api_key"
    # No credentials: may register and log in, nothing else.
    ANONYMOUS = "anonymous"
    # Credentials were sent but are unknown, expired or revoked. Kept apart from
    # ANONYMOUS so a bad key is an error, never a silent fall-back; login and
    # register still work, so a browser with a stale cookie can log in again.
    INVALID = "invalid"


@dataclass(frozen=True)
class Principal:
    user_id: str
    kind: PrincipalKind
    is_admin: bool = False
    # None means every scope (a logged-in user over data they may reach).
    scopes: frozenset[str] | None = None
    # A key with tags reaches only resources sharing one of them (contract §13).
    tags: frozenset[str] = field(default_factory=frozenset)
    machine_id: str | None = None
    session_id: str | None = None
    api_key_id: str | None = None
    # When the key expires (None: never, or not a key); a key it makes cannot outlive it.
    expires_at: datetime | None = None
    # The key may run registered (trusted) documents only (trusted_gate.py).
    trusted_documents_only: bool = False
    # The key's own budget (services/rate_limits.py); None: the server's.
    points_per_minute: int | None = None
    requests_per_second: int | None = None
    # Why an INVALID principal was refused (never contains the credential itself).
    problem: str | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.kind not in (PrincipalKind.ANONYMOUS, PrincipalKind.INVALID)

    @property
    def is_restricted_key(self) -> bool:
        """A key narrowed below its owner's tenant by tags or a machine."""
        return bool(self.tags) or self.machine_id is not None

    def has_scope(self, scope: str) -> bool:
        if not self.is_authenticated:
            return False
        if self.scopes is None:
            return True
        family = scope.split(":", 1)[0]
        return bool({scope, f"{family}:*", "admin:*"} & self.scopes)


def local_admin() -> Principal:
    return Principal(user_id=LOCAL_ADMIN_ID, kind=PrincipalKind.LOCAL, is_admin=True)


def anonymous() -> Principal:
    return Principal(user_id="", kind=PrincipalKind.ANONYMOUS, scopes=frozenset())


def invalid(problem: str) -> Principal:
    return Principal(user_id="", kind=PrincipalKind.INVALID, scopes=frozenset(), problem=problem)
