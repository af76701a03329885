"""Per-request DataLoaders for every relation (DESIGN §1).

Each loader batches one relation into one `IN (...)` query; each batch runs in
its own short session. Loaders are made on first use and live for one request,
so one request never serves another's cached rows.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from aiodataloader import DataLoader

from .auth.principal import Principal
from .enums import EntityType
from .runtime import Runtime
from .services import keyed_reads
from .services.entity_spec import Join

Row = Mapping[str, Any]


class Loaders:
    def __init__(self, runtime: Runtime, principal: Principal) -> None:
        self._sessions = runtime.sessions
        self._principal = principal
        self._made: dict[Hashable, DataLoader[Any, Any]] = {}

    def _get(self, key: Hashable, batch: Any) -> DataLoader[Any, Any]:
        loader = self._made.get(key)
        if loader is None:
            loader = self._made[key] = DataLoader(batch)
        return loader

    def by_id(self, entity: EntityType) -> DataLoader[Any, Any]:
        """id -> row or None."""

        async def batch(ids: Sequence[str]) -> list[Row | None]:
            return await keyed_reads.by_ids(self._sessions, self._principal, entity, ids)

        return self._get(("id", entity), batch)

    def by_column(self, entity: EntityType, column: str) -> DataLoader[Any, Any]:
        """key -> rows of `entity` whose `column` holds the key."""

        async def batch(keys: Sequence[str]) -> list[list[Row]]:
            return await keyed_reads.by_column(self._sessions, self._principal, entity, column, keys)

        return self._get(("column", entity, column), batch)

    def join_rows(self, join: Join, column: str) -> DataLoader[Any, Any]:
        """key -> raw join-table rows (assembly components)."""

        async def batch(keys: Sequence[str]) -> list[list[Row]]:
            return await keyed_reads.join_rows(self._sessions, join, column, keys)

        return self._get(("join", join.name, column), batch)

    def through(
        self, join: Join, from_column: str, to_column: str, to_entity: EntityType
    ) -> DataLoader[Any, Any]:
        """key -> entities on the far side of a join table."""

        async def batch(keys: Sequence[str]) -> list[list[Row]]:
            return await keyed_reads.through_join(
                self._sessions, self._principal, join, from_column, to_column, to_entity, keys
            )

        return self._get(("through", join.name, from_column), batch)
