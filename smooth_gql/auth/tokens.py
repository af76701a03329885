"""Session tokens and API-key secrets: how they are made, shown once and stored.

Only SHA-256 digests are stored. The secrets are 256 random bits, so a fast
digest is as good as a slow one here (nobody can guess their way to a
preimage), and it lets a key be checked with one indexed lookup instead of a
bcrypt comparison against every key.

An API key reads `smk_<32 hex: key id>_<43 characters: secret>`: the prefix
makes leaked keys easy to spot (and to scan for), the id finds the one row to
compare against.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

SESSION_COOKIE = "session"
SESSION_SECONDS = 24 * 60 * 60
KEY_PREFIX = "smk_"
_ID_HEX = 32


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def same_digest(secret: str, stored: str) -> bool:
    return hmac.compare_digest(digest(secret), stored)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class NewKey:
    id: str  # the row id (a UUID)
    secret: str  # the whole key, shown once
    display_prefix: str  # stored and listed, so owners can tell their keys apart


def new_api_key() -> NewKey:
    key_id = uuid.uuid4()
    secret = f"{KEY_PREFIX}{key_id.hex}_{secrets.token_urlsafe(32)}"
    return NewKey(str(key_id), secret, secret[: len(KEY_PREFIX) + 8])


def api_key_id(secret: str) -> str | None:
    """The key id a presented secret names, or None if it is not shaped like one of ours."""
    start, end = len(KEY_PREFIX), len(KEY_PREFIX) + _ID_HEX
    if not secret.startswith(KEY_PREFIX) or len(secret) <= end + 1 or secret[end] != "_":
        return None
    try:
        return str(uuid.UUID(hex=secret[start:end]))
    except ValueError:
        return None
