"""Every error a client can see.

ServiceError                 request-level; GraphQL puts `code` in extensions.code
├── BadInput                 BAD_USER_INPUT   (names the field)
├── NotFound                 NOT_FOUND        (missing and foreign look the same)
├── Forbidden                FORBIDDEN        (names the scope or rule)
├── Unauthenticated          UNAUTHENTICATED  (no, or no longer valid, credentials)
├── RateLimited              RATE_LIMITED     (extensions.retryAfter in seconds)
├── LimitExceeded            LIMIT            (refused before anything is written)
└── PersistedQueryNotFound   PERSISTED_QUERY_NOT_FOUND (a hash no trusted document has)

ItemError                    one failed element of a bulk write (not raised)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


def limit_extension(name: str, value: int) -> dict[str, Any]:
    """`extensions.limit` of an error refused for going over a configured limit: which one
    (its setting's name, e.g. maxPageSize for SMOOTH_MAX_PAGE_SIZE) and its value, so a
    client can tell "too much" from "wrong" whatever the code."""
    return {"limit": {"name": name, "value": value}}


class ServiceError(Exception):
    code = "INTERNAL"

    def __init__(
        self, message: str, *, field: str | None = None, limit: tuple[str, int] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.limit = limit

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


class Forbidden(ServiceError):
    code = "FORBIDDEN"


class Unauthenticated(ServiceError):
    code = "UNAUTHENTICATED"


class RateLimited(ServiceError):
    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    @property
    def extensions(self) -> dict[str, Any]:
        return {**super().extensions, "retryAfter": self.retry_after}


class LimitExceeded(ServiceError):
    code = "LIMIT"


class PersistedQueryNotFound(ServiceError):
    """Its message is Apollo's: Apollo clients retry with the full text when they read it."""

    code = "PERSISTED_QUERY_NOT_FOUND"

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
    message: str
    field: str | None = None
    current_version: int | None = None
    current: Mapping[str, Any] | None = None


class FieldError(ValueError):
    """Raised inside validation; becomes an ItemError at the element's index."""

    def __init__(self, field: str, problem: str, code: ItemErrorCode = ItemErrorCode.VALIDATION) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem
        self.code = code
