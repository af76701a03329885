"""A bulk write as a door asks for it, the checks made before anything is parsed, and its outcome."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..auth import policy
from ..auth.principal import Principal
from ..enums import EntityType
from ..errors import ItemError, LimitExceeded
from ..runtime import Runtime
from .entities import SPECS
from .entity_spec import EntitySpec
from .unit_of_work import UnitOfWork

Row = dict[str, Any]


@dataclass(frozen=True)
class WriteRequest:
    """The elements to write and every option a caller may set, by name.

    The options are what differs between the callers of the one write path;
    each verb reads the ones that apply to it and refuses the others.
    """

    entity: EntityType
    items: Sequence[Mapping[str, Any]]
    # All or nothing: one failing element and nothing is written, not even audit rows.
    atomic: bool = False
    # The caller's unit of work (several writes in one transaction, as an import needs),
    # which the caller commits; without it the write commits its own.
    within: UnitOfWork | None = None
    # Creates only: fields a door demands beyond the entity's own rules (the legacy REST
    # contract requires e.g. a tool item's category), checked first, in that order.
    required: Sequence[str] = ()
    # Updates only: a tool-set restore names its two history snapshots (before, after)
    # and sends no expected version.
    history_summary: tuple[str, str] | None = None
    # A retry with the same key and request gets the first outcome back, unwritten
    # (services/idempotency.py); None writes every time.
    idempotency_key: str | None = None

    @property
    def spec(self) -> EntitySpec:
        return SPECS[self.entity]

    @property
    def needs_expected_version(self) -> bool:
        """An update must name the version it changes, except a restore, which writes
        over whatever the current version is (under the row lock)."""
        return self.history_summary is None

    def refuse_options(self, verb: str, *names: str) -> None:
        """A caller passing an option its verb ignores has a bug: say so, do not drop it."""
        for name in names:
            if getattr(self, name):
                raise TypeError(f"{verb} does not take the option {name}")


@dataclass
class BulkOutcome:
    results: list[Row] = field(default_factory=list)
    errors: list[ItemError] = field(default_factory=list)


def check_bulk_request(
    runtime: Runtime, principal: Principal, entity: EntityType, count: int, *, deleting: bool
) -> None:
    """The checks every bulk write makes first, which need only the number of elements:
    the caller's right to write (or delete) the entity, then the size limit.

    The GraphQL door calls it before the input is coerced: coercing 90,000
    elements held the event loop for seconds just to refuse them afterwards.
    The write functions make the same checks again, in the same order.
    """
    spec = SPECS[entity]
    if deleting:
        policy.require_delete(principal, spec.type)
    else:
        policy.require(principal, policy.WRITE_SCOPES[spec.type])
    _check_size(runtime, count)


def _check_size(runtime: Runtime, count: int) -> None:
    limit = runtime.settings.max_bulk_items
    if count > limit:
        raise LimitExceeded(
            f"{count} elements exceed the limit of {limit} per request",
            field="input",
            limit=("maxBulkItems", limit),
        )
