"""Every error a client can see, as data: why (a `Reason`), about what (the field) and the
problem in words, without the field in front. Each door renders its own words from these:
GraphQL puts the label in front of the problem, the legacy REST door renders the contract's
strings from the reason (rest_compat/messages.py). Nobody parses a message.

A leaf module (it imports nothing of smooth_gql), so `auth/`, `changes/` and the services
can all raise these.

ClientError                  the one base: reason, field, label, problem
├── ServiceError             request-level; GraphQL puts `code` in extensions.code
│   ├── BadInput             BAD_USER_INPUT   (names the field)
│   ├── NotFound             NOT_FOUND        (missing and foreign look the same)
│   ├── Forbidden            FORBIDDEN        (names the scope or rule)
│   ├── Unauthenticated      UNAUTHENTICATED  (no, or no longer valid, credentials)
│   ├── RateLimited          RATE_LIMITED     (extensions.retryAfter in seconds)
│   ├── LimitExceeded        LIMIT            (refused before anything is written)
│   ├── IdempotencyKeyReused     IDEMPOTENCY_KEY_REUSED  (the key came with another request)
│   ├── IdempotencyInProgress    IDEMPOTENCY_IN_PROGRESS (the key's first request still runs)
│   └── PersistedQueryNotFound PERSISTED_QUERY_NOT_FOUND (a hash no trusted document has)
└── FieldError               one element's bad field; becomes an ItemError

ItemError                    one failed element of a bulk write (not raised)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Self


class Reason(StrEnum):
    """Why a request or an element was refused, for machines (GraphQL: extensions.reason)."""

    INVALID = "INVALID"  # a value of the wrong kind, shape or range (the problem says which)
    REQUIRED = "REQUIRED"  # missing, null or empty where a value is needed
    NOT_A_TIME = "NOT_A_TIME"  # text that is not an ISO 8601 date-time
    UNKNOWN_FIELD = "UNKNOWN_FIELD"
    NOT_FOUND = "NOT_FOUND"  # missing, or not the caller's: the two look the same
    DUPLICATE_IN_BATCH = "DUPLICATE_IN_BATCH"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    STILL_REFERENCED = "STILL_REFERENCED"
    CONSTRAINT = "CONSTRAINT"  # the database refused the element
    VERSION_CONFLICT = "VERSION_CONFLICT"
    TAGS_REFUSED = "TAGS_REFUSED"  # tags a restricted key does not hold
    OUT_OF_REACH = "OUT_OF_REACH"  # a row a restricted key could not read back
    SCOPE_REQUIRED = "SCOPE_REQUIRED"
    ADMIN_REQUIRED = "ADMIN_REQUIRED"
    SESSION_REQUIRED = "SESSION_REQUIRED"  # not with an API key
    RESTRICTED_KEY = "RESTRICTED_KEY"  # closed to keys restricted by tags or machine
    TRUSTED_DOCUMENTS_ONLY = "TRUSTED_DOCUMENTS_ONLY"  # an ad-hoc document sent with such a key
    GRANT_EXCEEDED = "GRANT_EXCEEDED"  # a key cannot hand out more than it holds
    AUTHENTICATION_REQUIRED = "AUTHENTICATION_REQUIRED"
    CREDENTIALS_INVALID = "CREDENTIALS_INVALID"
    LOGIN_FAILED = "LOGIN_FAILED"
    EMAIL_TAKEN = "EMAIL_TAKEN"
    REGISTRATION_CLOSED = "REGISTRATION_CLOSED"
    ACCOUNT_GONE = "ACCOUNT_GONE"
    RATE_LIMITED = "RATE_LIMITED"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
    CURSOR_EXPIRED = "CURSOR_EXPIRED"
    INVALID_BACKUP = "INVALID_BACKUP"
    INCOMPATIBLE_BACKUP = "INCOMPATIBLE_BACKUP"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"  # the key came with another request
    IDEMPOTENCY_IN_PROGRESS = "IDEMPOTENCY_IN_PROGRESS"  # the key's first request still runs


def limit_extension(name: str, value: int) -> dict[str, Any]:
    """`extensions.limit` of an error refused for going over a configured limit: which one
    (its setting's name, e.g. maxPageSize for SMOOTH_MAX_PAGE_SIZE) and its value, so a
    client can tell "too much" from "wrong" whatever the code."""
    return {"limit": {"name": name, "value": value}}


def labelled(label: str | None, problem: str) -> str:
    """GraphQL's words: the label in front of the problem, when there is one."""
    return f"{label}: {problem}" if label else problem


class ClientError(Exception):
    """The one base. `field` is the input field the error is about (GraphQL's
    extensions.field); `label` is what GraphQL's message puts in front of the problem,
    the field unless told otherwise (a position such as `tags[2]`, or nothing)."""

    default_reason = Reason.INVALID

    def __init__(
        self,
        problem: str,
        *,
        reason: Reason | None = None,
        field: str | None = None,
        label: str | None = None,
        prefixed: bool = True,
    ) -> None:
        self.problem = problem
        self.reason = reason if reason is not None else self.default_reason
        self.field = field
        self.label = (label if label is not None else field) if prefixed else None
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return labelled(self.label, self.problem)


class ServiceError(ClientError):
    code = "INTERNAL"

    def __init__(
        self,
        problem: str,
        *,
        reason: Reason | None = None,
        field: str | None = None,
        label: str | None = None,
        prefixed: bool = True,
        limit: tuple[str, int] | None = None,
    ) -> None:
        super().__init__(problem, reason=reason, field=field, label=label, prefixed=prefixed)
        self.limit = limit

    @classmethod
    def of(cls, error: ClientError, *, field: str | None = None) -> Self:
        """The request-level refusal of a value a field checker refused: the same problem,
        reason and label, about `field` (by default the checked one)."""
        return cls(error.problem, reason=error.reason, field=field or error.field, label=error.label)

    @property
    def extensions(self) -> dict[str, Any]:
        extensions: dict[str, Any] = {"code": self.code}
        if self.field is not None:
            extensions["field"] = self.field
        if self.limit is not None:
            extensions.update(limit_extension(*self.limit))
        return extensions


class BadInput(ServiceError):
    code = "BAD_USER_INPUT"


class NotFound(ServiceError):
    code = "NOT_FOUND"
    default_reason = Reason.NOT_FOUND


class Forbidden(ServiceError):
    code = "FORBIDDEN"


class Unauthenticated(ServiceError):
    code = "UNAUTHENTICATED"
    default_reason = Reason.AUTHENTICATION_REQUIRED


class RateLimited(ServiceError):
    code = "RATE_LIMITED"
    default_reason = Reason.RATE_LIMITED

    def __init__(self, problem: str, *, retry_after: int) -> None:
        super().__init__(problem)
        self.retry_after = retry_after

    @property
    def extensions(self) -> dict[str, Any]:
        return {**super().extensions, "retryAfter": self.retry_after}


class LimitExceeded(ServiceError):
    code = "LIMIT"
    default_reason = Reason.LIMIT_EXCEEDED


class IdempotencyKeyReused(ServiceError):
    code = "IDEMPOTENCY_KEY_REUSED"
    default_reason = Reason.IDEMPOTENCY_KEY_REUSED


class IdempotencyInProgress(ServiceError):
    code = "IDEMPOTENCY_IN_PROGRESS"
    default_reason = Reason.IDEMPOTENCY_IN_PROGRESS


class PersistedQueryNotFound(ServiceError):
    """Its message is Apollo's: Apollo clients retry with the full text when they read it."""

    code = "PERSISTED_QUERY_NOT_FOUND"
    default_reason = Reason.NOT_FOUND

    def __init__(self) -> None:
        super().__init__("PersistedQueryNotFound")


class ItemErrorCode(StrEnum):
    VALIDATION = "VALIDATION"
    NOT_FOUND = "NOT_FOUND"
    VERSION_CONFLICT = "VERSION_CONFLICT"
    FORBIDDEN = "FORBIDDEN"
    CONSTRAINT = "CONSTRAINT"
    LIMIT = "LIMIT"


@dataclass(frozen=True)
class ItemError:
    index: int
    id: str | None
    code: ItemErrorCode
    reason: Reason
    field: str | None
    problem: str
    current_version: int | None = None
    current: Mapping[str, Any] | None = None

    @property
    def message(self) -> str:
        return labelled(self.field, self.problem)


class FieldError(ClientError, ValueError):
    """Raised inside validation; becomes an ItemError at the element's index. `field` is the
    label of the input field (or its position, `members[2]`)."""

    field: str

    def __init__(
        self,
        field: str,
        problem: str,
        code: ItemErrorCode = ItemErrorCode.VALIDATION,
        reason: Reason = Reason.INVALID,
    ) -> None:
        super().__init__(problem, reason=reason, field=field)
        self.code = code
