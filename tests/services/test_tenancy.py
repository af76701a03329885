"""Every read and write is scoped to the principal's tenant (DESIGN §5).

Logins arrive with the identity work, so these tests call the services with a
second tenant's principal directly; the GraphQL resolvers pass the request's
principal to the same functions.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from smooth_gql.auth.principal import Principal, PrincipalKind, local_admin
from smooth_gql.config import Settings
from smooth_gql.db.engine import session_factory
from smooth_gql.enums import EntityType
from smooth_gql.errors import Forbidden, ItemErrorCode, NotFound
from smooth_gql.runtime import Runtime
from smooth_gql.services import bulk_create, bulk_delete, bulk_update, keyed_reads, reads, tool_sets
from smooth_gql.services.reads import ListQuery
from smooth_gql.services.users import ensure_local_admin
from smooth_gql.services.write_request import WriteRequest
from support.users import user_principal


@pytest.fixture
async def runtime(engine: AsyncEngine, database_url: str) -> AsyncIterator[Runtime]:
    runtime = Runtime(session_factory(engine), Settings(database_url=database_url))
    await ensure_local_admin(runtime)
    yield runtime


async def test_another_tenant_can_neither_see_nor_change_my_rows(
    runtime: Runtime, engine: AsyncEngine
) -> None:
    alice, bob = await user_principal(engine), await user_principal(engine)
    created = await bulk_create.create_entities(
        runtime, alice, WriteRequest(EntityType.TOOL_ITEM, [{"name": "alice's drill"}])
    )
    [item_id] = [row["id"] for row in created.results]

    assert await keyed_reads.by_ids(runtime.sessions, bob, EntityType.TOOL_ITEM, [item_id]) == [None]
    page = await reads.list_page(runtime, bob, ListQuery(EntityType.TOOL_ITEM, {}), first=10, after=None)
    assert page.rows == []
    assert await reads.count(runtime, bob, ListQuery(EntityType.TOOL_ITEM, {})) == 0

    update = await bulk_update.update_entities(
        runtime,
        bob,
        WriteRequest(EntityType.TOOL_ITEM, [{"id": item_id, "expected_version": 1, "name": "bob's now"}]),
    )
    delete = await bulk_delete.delete_entities(
        runtime, bob, WriteRequest(EntityType.TOOL_ITEM, [{"id": item_id}])
    )
    missing = str(uuid.uuid4())
    update_missing = await bulk_update.update_entities(
        runtime,
        bob,
        WriteRequest(EntityType.TOOL_ITEM, [{"id": missing, "expected_version": 1, "name": "x"}]),
    )
    # A foreign id reads exactly like a missing one, message aside from the id itself.
    for outcome, row_id in ((update, item_id), (delete, item_id), (update_missing, missing)):
        [error] = outcome.errors
        assert error.code is ItemErrorCode.NOT_FOUND
        assert error.message == f"id: no ToolItem with id {row_id}"

    [row] = await keyed_reads.by_ids(runtime.sessions, alice, EntityType.TOOL_ITEM, [item_id])
    assert row is not None and row["name"] == "alice's drill" and row["version"] == 1


async def test_references_must_name_rows_of_the_same_tenant(runtime: Runtime, engine: AsyncEngine) -> None:
    alice, bob = await user_principal(engine), await user_principal(engine)
    [assembly] = (
        await bulk_create.create_entities(
            runtime, alice, WriteRequest(EntityType.TOOL_ASSEMBLY, [{"name": "a"}])
        )
    ).results
    outcome = await bulk_create.create_entities(
        runtime,
        bob,
        WriteRequest(
            EntityType.TOOL_INSTANCE, [{"serial_number": "B-1", "tool_assembly_id": assembly["id"]}]
        ),
    )
    [error] = outcome.errors
    assert (error.code, error.field) == (ItemErrorCode.NOT_FOUND, "toolAssemblyId")


async def test_admins_reach_every_tenant_only_when_they_ask(runtime: Runtime, engine: AsyncEngine) -> None:
    alice = await user_principal(engine)
    [item] = (
        await bulk_create.create_entities(
            runtime, alice, WriteRequest(EntityType.TOOL_ITEM, [{"name": "alice's"}])
        )
    ).results
    admin = local_admin()

    own = await reads.list_page(runtime, admin, ListQuery(EntityType.TOOL_ITEM, {}), first=10, after=None)
    everyone = await reads.list_page(
        runtime, admin, ListQuery(EntityType.TOOL_ITEM, {}, all_tenants=True), first=10, after=None
    )
    assert own.rows == []
    assert [r["id"] for r in everyone.rows] == [item["id"]]

    updated = await bulk_update.update_entities(
        runtime,
        admin,
        WriteRequest(
            EntityType.TOOL_ITEM, [{"id": item["id"], "expected_version": 1, "name": "fixed by admin"}]
        ),
    )
    [row] = updated.results
    assert (row["owner_id"], row["updated_by"]) == (alice.user_id, admin.user_id)


async def test_a_tenant_cannot_read_another_tenants_tool_set_history(
    runtime: Runtime, engine: AsyncEngine
) -> None:
    alice, bob = await user_principal(engine), await user_principal(engine)
    [tool_set] = (
        await bulk_create.create_entities(
            runtime, alice, WriteRequest(EntityType.TOOL_SET, [{"name": "s", "type": "TEMPLATE"}])
        )
    ).results
    with pytest.raises(NotFound):
        await tool_sets.history(runtime, bob, tool_set["id"])
    with pytest.raises(NotFound):
        await tool_sets.restore(runtime, bob, tool_set["id"], 1)


async def test_a_principal_without_the_write_scope_is_refused(runtime: Runtime, engine: AsyncEngine) -> None:
    alice = await user_principal(engine)
    reader = Principal(user_id=alice.user_id, kind=PrincipalKind.API_KEY, scopes=frozenset({"read"}))
    with pytest.raises(Forbidden, match="write:presets"):
        await bulk_create.create_entities(
            runtime, reader, WriteRequest(EntityType.TOOL_PRESET, [{"name": "T1", "machine_id": "m"}])
        )
    writer = Principal(user_id=alice.user_id, kind=PrincipalKind.API_KEY, scopes=frozenset({"write:*"}))
    with pytest.raises(Forbidden, match="'read'"):
        await reads.count(runtime, writer, ListQuery(EntityType.TOOL_ITEM, {}))
    created = await bulk_create.create_entities(
        runtime, writer, WriteRequest(EntityType.TOOL_PRESET, [{"name": "T1", "machine_id": "m"}])
    )
    assert not created.errors
