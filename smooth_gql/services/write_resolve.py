"""Stage 2 of the write pipeline: the rows a batch references, loaded once and checked per element.

Every id an element names (references, join rows, ids in its legacy arrays)
is loaded with one `IN (...)` per referenced entity for the whole batch; each
element is then checked against what was found, without another round trip.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from ..auth.principal import Principal
from ..enums import EntityType
from .entity_spec import EntitySpec, Row, Targets, kept_links
from .references import Wanted, check_targets, load_targets, wanted_ids
from .unit_of_work import UnitOfWork
from .write_pipeline import Element


@dataclass(frozen=True)
class References:
    """What the elements of a batch name, and the rows found for them."""

    wanted: dict[int, list[Wanted]]  # per element index: the ids it must be able to reference
    targets: Targets

    def check(self, spec: EntitySpec, element: Element, owner_id: str) -> None:
        """Refuse an element naming a missing row (or another owner's); link the rows its
        legacy arrays name where they resolve."""
        check_targets(self.wanted[element.index], self.targets)

        def owned(entity: EntityType, row_id: str) -> bool:
            target = self.targets.get(entity, {}).get(row_id)
            return target is not None and target["owner_id"] == owner_id

        element.joins.update(kept_links(spec, element.links, owned))

    def derive(self, spec: EntitySpec, row: Row, sent: Collection[str]) -> None:
        """The entity's own values that follow from the rows referenced (its hook, if any)."""
        if spec.derive_from_references is not None:
            spec.derive_from_references(row, sent, self.targets)


async def load_references(
    uow: UnitOfWork, principal: Principal, spec: EntitySpec, owned: Sequence[tuple[Element, str]]
) -> References:
    """Load the rows named by each (element, owner of the row it writes)."""
    wanted = {e.index: wanted_ids(spec, owner_id, e.values, e.joins) for e, owner_id in owned}
    linked = [w for e, owner_id in owned for w in _link_wanted(spec, owner_id, e)]
    targets = await load_targets(
        uow.session, principal, [*(w for ws in wanted.values() for w in ws), *linked]
    )
    return References(wanted, targets)


def _link_wanted(spec: EntitySpec, owner_id: str, element: Element) -> list[Wanted]:
    return [
        Wanted(join.label, join.target, row[join.ref_column], owner_id)
        for name, rows in element.links.items()
        for join in (spec.join(name),)
        for row in rows
    ]
