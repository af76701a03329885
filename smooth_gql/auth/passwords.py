"""Password policy and bcrypt hashing, off the event loop.

bcrypt reads at most 72 bytes; rather than let a longer password be silently
cut (so that any password sharing its first 72 bytes would log in), longer
ones are refused with a message that says so.
"""

from __future__ import annotations

import asyncio
import functools

import bcrypt

from ..errors import FieldError

MAX_PASSWORD_BYTES = 72


def check_password(password: object, *, minimum: int, field: str = "password") -> str:
    """The password if it meets the policy; otherwise FieldError (a ValueError) naming the field."""
    if not isinstance(password, str):
        raise FieldError(field, "expected a string")
    if len(password) < minimum:
        raise FieldError(field, f"must be at least {minimum} characters long")
    try:
        size = len(password.encode("utf-8"))
    except UnicodeEncodeError:
        raise FieldError(field, "must be valid Unicode (it contains a lone surrogate)") from None
    if size > MAX_PASSWORD_BYTES:
        raise FieldError(
            field,
            f"must be at most {MAX_PASSWORD_BYTES} bytes in UTF-8 "
            "(bcrypt ignores anything longer; use a shorter passphrase)",
        )
    if "\x00" in password:
        raise FieldError(field, "must not contain NUL characters")
    return password


async def hash_password(password: str, rounds: int) -> str:
    salt = bcrypt.gensalt(rounds)
    hashed = await asyncio.to_thread(bcrypt.hashpw, password.encode("utf-8"), salt)
    return hashed.decode("ascii")


def _verify(password: str, hashed: str) -> bool:
    try:
        encoded = password.encode("utf-8")
    except UnicodeEncodeError:
        return False  # a lone surrogate: never stored, so never right
    if len(encoded) > MAX_PASSWORD_BYTES:
        return False  # never stored, so never right; bcrypt 5 would raise
    try:
        return bcrypt.checkpw(encoded, hashed.encode("ascii"))
    except ValueError:
        return False  # a malformed stored hash authenticates nobody


async def verify_password(password: str, hashed: str | None, rounds: int) -> bool:
    """Check `password`; with no hash, check against a dummy one of the same cost.

    Unknown e-mails, inactive users and password-less accounts therefore cost
    one bcrypt check like everyone else, so timing does not tell them apart.
    """
    if hashed is None:
        await asyncio.to_thread(lambda: _verify(password, _dummy_hash(rounds)))
        return False
    return await asyncio.to_thread(_verify, password, hashed)


@functools.lru_cache(maxsize=4)
def _dummy_hash(rounds: int) -> str:
    return bcrypt.hashpw(b"no account has this password", bcrypt.gensalt(rounds)).decode("ascii")
