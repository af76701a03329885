"""Malformed and hostile input to every write path (create/update/delete of the six entities).

Two kinds of refusal:
- GraphQL refuses the request before any resolver runs (wrong types, missing
  non-null inputs, unknown enum values, 32-bit overflow, oversized batches):
  one request error with extensions.code and no row of any table written,
  not even an audit row.
- The service refuses one element (blank or over-long strings, NUL
  characters, JSON too deep or not finite, malformed ids): a per-item
  VALIDATION error naming the field; the only trace is one audit row with
  result 'error' per refused element.
Either way every row stored before is still there, unchanged.

The world the cases that ask for it start from is built once per module and database
(tests/support/snapshot.py) and put back as built before each of them; the other
cases start from an empty database, as before.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from conftest import Api, PostgresReset, make_settings
from smooth_gql.app import create_app
from support.bulk import (
    CHANGE,
    ENTITIES,
    JSON_FIELD,
    NAMES,
    OPERATIONS,
    REQUIRED_FIELD,
    STRING_FIELD,
    DbState,
    World,
    assert_unchanged,
    audit_rows,
    bulk,
    db_state,
    error,
    make_world,
    mutation,
    new_id,
    one_request_error,
    read,
    seed,
    valid_input,
)
from support.snapshot import CASE_FIXTURES, Built, built_once

Build = Callable[[str], Any]  # target id -> the `input` variable


@pytest.fixture(scope="module")
async def built(module_database_url: str, module_reset: PostgresReset | None) -> AsyncIterator[Built[World]]:
    async with built_once(module_database_url, module_reset, make_world) as built:
        yield built


case_db, database_url, engine = CASE_FIXTURES


@pytest.fixture
def world(built: Built[World]) -> World:
    return built.world


async def assert_only_failures_audited(api: Api, before: DbState, failures: int) -> None:
    """Nothing changed but `failures` new audit rows, each with result 'error'."""
    after = await db_state(api)
    assert after.counts == {**before.counts, "audit_log": before.counts["audit_log"] + failures}
    assert {k: v for k, v in after.rows.items() if k != "audit_log"} == {
        k: v for k, v in before.rows.items() if k != "audit_log"
    }
    assert set(before.rows["audit_log"]) <= set(after.rows["audit_log"])
    new_rows = [row for row in after.rows["audit_log"] if row not in set(before.rows["audit_log"])]
    assert len(new_rows) == failures
    assert all("'error'" in row for row in new_rows), new_rows


def assert_bad_user_input(err: dict[str, Any], *fragments: str) -> None:
    assert err["extensions"]["code"] == "BAD_USER_INPUT", err
    for fragment in fragments:
        assert fragment in err["message"], (fragment, err["message"])


def update_input(entity: str, target: str, version: int = 1, **extra: Any) -> dict[str, Any]:
    field, value = CHANGE[entity]
    return {"id": target, "expectedVersion": version, field: f"{value} {new_id()[:8]}", **extra}


# --- GraphQL type errors: the whole request is refused ----------------------------------


@dataclass(frozen=True)
class Case:
    label: str
    op: str
    build: Build  # target id -> the `input` variable
    fragments: tuple[str, ...]  # parts of the expected error message


async def check_request_errors(api: Api, entity: str, cases: list[Case]) -> None:
    """Run each case against a stored row; every one must be refused whole with
    BAD_USER_INPUT and leave the database exactly as it was. Reports all failing cases."""
    [target] = await seed(api, entity)
    row = await read(api, entity, target)
    before = await db_state(api)
    problems: list[str] = []
    for case in cases:
        try:
            err = await one_request_error(
                api, mutation(case.op, entity), {"input": case.build(target), "atomic": False}
            )
            assert_bad_user_input(err, "Variable '$input'", *case.fragments)
            await assert_unchanged(api, before)
        except AssertionError as exc:
            problems.append(f"{case.label}: {exc}".splitlines()[0])
    assert not problems, "\n".join(problems)
    assert await read(api, entity, target) == row


def _wrong_type_cases(entity: str) -> list[Case]:
    names = NAMES[entity]
    required = REQUIRED_FIELD[entity]
    change_field = CHANGE[entity][0]
    return [
        Case(
            f"create: Int for {required}",
            "create",
            lambda t: [valid_input(entity), {**valid_input(entity), required: 12345}],
            (f"at [1].{required}", "12345"),
        ),
        Case(
            "create: list where an object is expected",
            "create",
            lambda t: [valid_input(entity), [valid_input(entity)]],
            ("at [1]", f"Expected value of type '{names.create_input}' to be an object"),
        ),
        Case(
            "create: object where a list of strings is expected",
            "create",
            lambda t: [valid_input(entity), {**valid_input(entity), "tags": {"a": 1}}],
            ("at [1].tags", "String cannot represent a non string value"),
        ),
        Case(
            "update: String for expectedVersion",
            "update",
            lambda t: [update_input(entity, t, version="1")],  # type: ignore[arg-type]
            ("at [0].expectedVersion", "Int cannot represent non-integer value: '1'"),
        ),
        Case(
            f"update: list for {change_field}",
            "update",
            lambda t: [{**update_input(entity, t), change_field: ["renamed"]}],
            (f"at [0].{change_field}", "cannot represent"),
        ),
        Case(
            "update: list where an object is expected",
            "update",
            lambda t: [[update_input(entity, t)]],
            ("at [0]", f"Expected value of type '{names.update_input}' to be an object"),
        ),
        Case(
            "delete: String for expectedVersion",
            "delete",
            lambda t: [{"id": t, "expectedVersion": "1"}],
            ("at [0].expectedVersion", "Int cannot represent non-integer value: '1'"),
        ),
        Case(
            "delete: object for id",
            "delete",
            lambda t: [{"id": {"id": t}}],
            ("at [0].id", "ID cannot represent value"),
        ),
        Case(
            "delete: list where an object is expected",
            "delete",
            lambda t: [[{"id": t}]],
            ("at [0]", "Expected value of type 'DeleteInput' to be an object"),
        ),
    ]


@pytest.mark.parametrize("entity", ENTITIES)
async def test_wrong_type_in_variables_is_a_request_error(api: Api, entity: str) -> None:
    await check_request_errors(api, entity, _wrong_type_cases(entity))


@pytest.mark.parametrize("entity", ENTITIES)
async def test_wrong_type_for_atomic_flag_is_a_request_error(api: Api, entity: str) -> None:
    [target] = await seed(api, entity)
    before = await db_state(api)
    for op, inputs in [
        ("create", [valid_input(entity)]),
        ("update", [update_input(entity, target)]),
        ("delete", [{"id": target}]),
    ]:
        err = await one_request_error(api, mutation(op, entity), {"input": inputs, "atomic": "yes"})
        assert_bad_user_input(
            err, "Variable '$atomic'", "Boolean cannot represent a non boolean value: 'yes'"
        )
    await assert_unchanged(api, before)


@pytest.mark.parametrize(
    ("entity", "literal", "fragment"),
    [
        ("ToolItem", "{name: 12345}", "String cannot represent a non string value: 12345"),
        ("ToolAssembly", '{name: ["a"]}', 'String cannot represent a non string value: ["a"]'),
        ("ToolInstance", "{serialNumber: true}", "String cannot represent a non string value: true"),
        (
            "ToolPreset",
            '{name: "T1", machineId: "m", toolNumber: "7"}',
            'Int cannot represent non-integer value: "7"',
        ),
        ("ToolUsage", '{startTime: "yesterday"}', "Value cannot represent a DateTime"),
        (
            "ToolSet",
            '{name: "s", type: "MACHINE_SETUP"}',
            "Enum 'ToolSetType' cannot represent non-enum value: \"MACHINE_SETUP\"",
        ),
    ],
)
async def test_wrong_type_in_a_literal_is_a_request_error(
    api: Api, entity: str, literal: str, fragment: str
) -> None:
    before = await db_state(api)
    err = await one_request_error(
        api, f"mutation {{ {NAMES[entity].create}(input: [{literal}]) {{ successCount }} }}"
    )
    assert_bad_user_input(err, fragment)
    await assert_unchanged(api, before)


# --- missing non-null inputs ------------------------------------------------------------


def _missing_cases(entity: str) -> list[Case]:
    names = NAMES[entity]
    required = REQUIRED_FIELD[entity]

    def without(values: dict[str, Any], key: str) -> dict[str, Any]:
        return {k: v for k, v in values.items() if k != key}

    return [
        Case(
            f"create without {required}",
            "create",
            lambda t: [valid_input(entity), without(valid_input(entity), required)],
            (
                "at [1]",
                f"Expected value of type '{names.create_input}' to include required field '{required}'",
            ),
        ),
        Case(
            f"create with null {required}",
            "create",
            lambda t: [{**valid_input(entity), required: None}],
            (f"at [0].{required}: Expected value of non-null type",),
        ),
        Case(
            "create with a null element",
            "create",
            lambda t: [valid_input(entity), None],
            (f"at [1]: Expected value of non-null type '{names.create_input}!'",),
        ),
        Case(
            "update without expectedVersion",
            "update",
            lambda t: [without(update_input(entity, t), "expectedVersion")],
            ("at [0]", "required field 'expectedVersion'"),
        ),
        Case(
            "update without id",
            "update",
            lambda t: [without(update_input(entity, t), "id")],
            ("at [0]", "required field 'id'"),
        ),
        Case(
            "delete without id",
            "delete",
            lambda t: [{"id": t}, {"expectedVersion": 1}],
            ("at [1]", "Expected value of type 'DeleteInput' to include required field 'id'"),
        ),
        Case(
            "delete with null input",
            "delete",
            lambda t: None,
            ("Expected value of non-null type '[DeleteInput!]!'",),
        ),
    ]


@pytest.mark.parametrize("entity", ENTITIES)
async def test_missing_required_input_is_a_request_error(api: Api, entity: str) -> None:
    await check_request_errors(api, entity, _missing_cases(entity))


@pytest.mark.parametrize(
    ("entity", "literal", "missing"),
    [
        ("ToolItem", '{description: "x"}', "name"),
        ("ToolAssembly", '{description: "x"}', "name"),
        ("ToolInstance", "{status: IN_USE}", "serialNumber"),
        ("ToolPreset", '{name: "T1"}', "machineId"),
        ("ToolUsage", '{notes: "x"}', "startTime"),
        ("ToolSet", '{name: "s"}', "type"),
    ],
)
async def test_missing_required_field_in_a_literal_is_a_request_error(
    api: Api, entity: str, literal: str, missing: str
) -> None:
    before = await db_state(api)
    err = await one_request_error(
        api, f"mutation {{ {NAMES[entity].create}(input: [{literal}]) {{ successCount }} }}"
    )
    assert_bad_user_input(
        err, f"Expected value of type '{NAMES[entity].create_input}' to include required field '{missing}'"
    )
    await assert_unchanged(api, before)


# --- blank required strings: refused per element by the service --------------------------


def _blank_cases() -> list[Any]:
    return [
        pytest.param("ToolItem", "name", "  ", id="ToolItem-name-spaces"),
        pytest.param("ToolItem", "name", "", id="ToolItem-name-empty"),
        pytest.param("ToolAssembly", "name", "\t\n", id="ToolAssembly-name-whitespace"),
        pytest.param("ToolPreset", "name", " ", id="ToolPreset-name-space"),
        pytest.param("ToolPreset", "machineId", "  ", id="ToolPreset-machineId-spaces"),
        pytest.param("ToolSet", "name", "   ", id="ToolSet-name-spaces"),
        pytest.param("ToolInstance", "serialNumber", "  ", id="ToolInstance-serialNumber-spaces"),
    ]


@pytest.mark.parametrize(("entity", "field", "blank"), _blank_cases())
async def test_blank_required_string_on_create_is_refused_per_item(
    api: Api, entity: str, field: str, blank: str
) -> None:
    before = await db_state(api)
    bad_id = new_id()

    result = await bulk(api, "create", entity, [{**valid_input(entity), "id": bad_id, field: blank}])

    assert result["successCount"] == 0
    assert result["errors"] == [error(0, bad_id, "VALIDATION", field, f"{field}: must not be empty")]
    await assert_only_failures_audited(api, before, 1)
    assert await audit_rows(api, bad_id) == [("CREATE", "error", f"{field}: must not be empty")]


@pytest.mark.parametrize(("entity", "field", "blank"), _blank_cases())
async def test_blank_required_string_on_update_is_refused_per_item(
    api: Api, entity: str, field: str, blank: str
) -> None:
    [target] = await seed(api, entity)
    row = await read(api, entity, target)
    before = await db_state(api)

    result = await bulk(api, "update", entity, [{"id": target, "expectedVersion": 1, field: blank}])

    assert result["errors"] == [error(0, target, "VALIDATION", field, f"{field}: must not be empty")]
    await assert_only_failures_audited(api, before, 1)
    assert await read(api, entity, target) == row


# --- unknown enum values --------------------------------------------------------------------


def _enum_cases(entity: str) -> list[Case]:
    def case(op: str, build: Build, where: str, enum: str) -> Case:
        return Case(f"{op} {where}", op, build, (f"at {where}", f"does not exist in '{enum}' enum"))

    return {
        "ToolItem": [
            case(
                "create",
                lambda t: [{**valid_input("ToolItem"), "category": "SPOON"}],
                "[0].category",
                "ItemCategory",
            ),
            case(
                "update",
                lambda t: [{"id": t, "expectedVersion": 1, "toolType": "SPOON"}],
                "[0].toolType",
                "ToolType",
            ),
        ],
        "ToolAssembly": [
            case(
                "create",
                lambda t: [
                    {**valid_input("ToolAssembly"), "components": [{"itemId": new_id(), "role": "SPOON"}]}
                ],
                "[0].components[0].role",
                "ComponentRole",
            ),
            case(
                "update",
                lambda t: [
                    {"id": t, "expectedVersion": 1, "components": [{"itemId": new_id(), "role": "holder"}]}
                ],
                "[0].components[0].role",
                "ComponentRole",
            ),
        ],
        "ToolInstance": [
            case(
                "create",
                lambda t: [{**valid_input("ToolInstance"), "status": "BROKEN"}],
                "[0].status",
                "InstanceStatus",
            ),
            case(
                "update",
                lambda t: [{"id": t, "expectedVersion": 1, "status": "available"}],
                "[0].status",
                "InstanceStatus",
            ),
        ],
        "ToolSet": [
            case(
                "create", lambda t: [{**valid_input("ToolSet"), "type": "SPOON"}], "[0].type", "ToolSetType"
            ),
            case(
                "update",
                lambda t: [{"id": t, "expectedVersion": 1, "status": "DELETED"}],
                "[0].status",
                "ToolSetStatus",
            ),
        ],
    }[entity]


@pytest.mark.parametrize("entity", ["ToolItem", "ToolAssembly", "ToolInstance", "ToolSet"])
async def test_unknown_enum_value_in_variables_is_a_request_error(api: Api, entity: str) -> None:
    await check_request_errors(api, entity, _enum_cases(entity))


@pytest.mark.parametrize(
    ("entity", "literal", "enum", "value"),
    [
        ("ToolItem", '{name: "x", category: SPOON}', "ItemCategory", "SPOON"),
        (
            "ToolAssembly",
            '{name: "x", components: [{itemId: "00000000-0000-4000-8000-0000000000aa", role: SPOON}]}',
            "ComponentRole",
            "SPOON",
        ),
        ("ToolInstance", '{serialNumber: "x", status: BROKEN}', "InstanceStatus", "BROKEN"),
        ("ToolSet", '{name: "x", type: SPOON}', "ToolSetType", "SPOON"),
    ],
)
async def test_unknown_enum_value_in_a_literal_is_a_request_error(
    api: Api, entity: str, literal: str, enum: str, value: str
) -> None:
    before = await db_state(api)
    err = await one_request_error(
        api, f"mutation {{ {NAMES[entity].create}(input: [{literal}]) {{ successCount }} }}"
    )
    assert_bad_user_input(err, f"Value '{value}' does not exist in '{enum}' enum.")
    await assert_unchanged(api, before)


# --- integers beyond 32 bits and non-finite floats ---------------------------------------------


def _int_cases(entity: str) -> list[Case]:
    big, small = 2**31, -(2**31) - 1

    def case(op: str, build: Build, where: str, value: int) -> Case:
        return Case(
            f"{op} {where}",
            op,
            build,
            (f"at {where}", f"Int cannot represent non 32-bit signed integer value: {value}"),
        )

    cases = [
        case("update", lambda t: [update_input(entity, t, version=big)], "[0].expectedVersion", big),
        case("delete", lambda t: [{"id": t, "expectedVersion": small}], "[0].expectedVersion", small),
    ]
    cases += {
        "ToolPreset": [
            case(
                "create", lambda t: [{**valid_input("ToolPreset"), "toolNumber": big}], "[0].toolNumber", big
            ),
            case("update", lambda t: [{"id": t, "expectedVersion": 1, "pocket": small}], "[0].pocket", small),
        ],
        "ToolUsage": [
            case(
                "create",
                lambda t: [{**valid_input("ToolUsage"), "cycleCount": 2**53}],
                "[0].cycleCount",
                2**53,
            ),
            case(
                "update",
                lambda t: [{"id": t, "expectedVersion": 1, "cycleCount": big}],
                "[0].cycleCount",
                big,
            ),
        ],
        "ToolAssembly": [
            case(
                "create",
                lambda t: [
                    {
                        **valid_input("ToolAssembly"),
                        "components": [{"itemId": new_id(), "role": "HOLDER", "position": big}],
                    }
                ],
                "[0].components[0].position",
                big,
            ),
        ],
    }.get(entity, [])
    return cases


@pytest.mark.parametrize("entity", ENTITIES)
async def test_integer_beyond_32_bits_is_a_request_error(api: Api, entity: str) -> None:
    await check_request_errors(api, entity, _int_cases(entity))


async def test_integer_beyond_32_bits_in_a_literal_is_a_request_error(api: Api) -> None:
    before = await db_state(api)
    err = await one_request_error(
        api,
        'mutation { createToolPresets(input: [{name: "T", machineId: "m", toolNumber: 2147483648}]) { successCount } }',
    )
    assert_bad_user_input(err, "Int cannot represent non 32-bit signed integer value: 2147483648")
    await assert_unchanged(api, before)


async def test_largest_32_bit_integers_are_accepted(api: Api) -> None:
    result = await bulk(
        api,
        "create",
        "ToolPreset",
        [{**valid_input("ToolPreset"), "toolNumber": 2**31 - 1, "pocket": -(2**31)}],
    )
    assert result["errors"] == []
    [row] = result["results"]
    assert (row["toolNumber"], row["pocket"]) == (2**31 - 1, -(2**31))
    assert await read(api, "ToolPreset", row["id"]) == row


async def _raw_post(api: Api, body: str) -> httpx.Response:
    return await api.client.post("/graphql", content=body, headers={"content-type": "application/json"})


@pytest.mark.parametrize("literal", ["Infinity", "-Infinity", "NaN"])
async def test_non_finite_float_is_a_request_error(api: Api, literal: str) -> None:
    """Python's JSON parser accepts NaN/Infinity; GraphQL's Float must still refuse them."""
    before = await db_state(api)
    body = '{{"query": {}, "variables": {{"input": [{{"startTime": "2024-05-01T08:00:00Z", "cutTime": {}}}], "atomic": false}}}}'.format(
        json.dumps(mutation("create", "ToolUsage")),
        literal,
    )
    response = await _raw_post(api, body)
    assert response.status_code == 200, response.text
    [err] = response.json()["errors"]
    assert_bad_user_input(
        err, "Variable '$input'", "at [0].cutTime", "Float cannot represent non numeric value"
    )
    await assert_unchanged(api, before)


@pytest.mark.parametrize("entity", ENTITIES)
async def test_non_finite_number_inside_json_is_refused_per_item(api: Api, world: World, entity: str) -> None:
    before = await db_state(api)
    field = JSON_FIELD[entity]
    nan_id, inf_id = new_id(), new_id()
    good = json.dumps({**valid_input(entity), "id": new_id()})
    nan = json.dumps({**valid_input(entity), "id": nan_id})[:-1] + f', "{field}": {{"x": [1, NaN]}}}}'
    inf = json.dumps({**valid_input(entity), "id": inf_id})[:-1] + f', "{field}": -Infinity}}'
    body = '{{"query": {}, "variables": {{"input": [{}], "atomic": true}}}}'.format(
        json.dumps(mutation("create", entity)),
        ", ".join([good, nan, inf]),
    )

    response = await _raw_post(api, body)

    assert response.status_code == 200, response.text
    result = response.json()["data"]["result"]
    assert result["successCount"] == 0
    message = f"{field}: must not contain NaN or infinite numbers"
    assert result["errors"] == [
        error(1, nan_id, "VALIDATION", field, message),
        error(2, inf_id, "VALIDATION", field, message),
    ]
    await assert_unchanged(api, before)  # atomic: not even an audit row


# --- oversized batches ----------------------------------------------------------------------------


@pytest.fixture
async def small_api(engine: AsyncEngine, database_url: str) -> AsyncIterator[Api]:
    """The app with a bulk limit of 3 elements per request."""
    settings = make_settings(database_url, max_bulk_items=3)
    app = create_app(settings, engine=engine)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Api(client, engine, settings)


def _batch(op: str, entity: str, ids: list[str]) -> list[dict[str, Any]]:
    """A valid batch: one element per id (create ignores the ids)."""
    if op == "create":
        return [valid_input(entity) for _ in ids]
    if op == "update":
        return [{**update_input(entity, i), "expectedVersion": 1} for i in ids]
    return [{"id": i} for i in ids]


@pytest.mark.parametrize("entity", ENTITIES)
async def test_batch_over_the_limit_is_refused_whole(small_api: Api, entity: str) -> None:
    api = small_api
    targets = await seed(api, entity, 3) + await seed(api, entity, 1)
    table = NAMES[entity].table
    for op in OPERATIONS:
        rows = [await read(api, entity, t) for t in targets]
        before = await db_state(api)

        for atomic in (False, True):
            err = await one_request_error(
                api, mutation(op, entity), {"input": _batch(op, entity, targets), "atomic": atomic}
            )
            assert err["message"] == "input: 4 elements exceed the limit of 3 per request", op
            assert err["extensions"] == {
                "code": "LIMIT",
                "field": "input",
                "limit": {"name": "maxBulkItems", "value": 3},
            }, op
            assert err["path"] == ["result"], op
        await assert_unchanged(api, before)
        assert [await read(api, entity, t) for t in targets] == rows

        # the limit itself is allowed
        result = await bulk(api, op, entity, _batch(op, entity, targets[:3]))
        assert result["errors"] == [], op
        assert result["successCount"] == 3, op
        expected = before.counts[table] + {"create": 3, "update": 0, "delete": -3}[op]
        assert await api.scalar(f"SELECT count(*) FROM {table}") == expected, op


# --- NUL characters, over-long strings, deep JSON, tags ---------------------------------------------


def _deep(levels: int) -> Any:
    """`levels` nested objects around a scalar leaf."""
    value: Any = "leaf"
    for _ in range(levels):
        value = {"k": value}
    return value


def _service_cases(entity: str) -> list[tuple[str, Any, str]]:
    """(field, bad value, expected message): values GraphQL lets through and the service refuses."""
    s, j = STRING_FIELD[entity], JSON_FIELD[entity]
    return [
        (s, "T1\x00; DROP TABLE tool_items", f"{s}: must not contain NUL characters"),
        (s, "x" * 256, f"{s}: must be at most 255 characters (got 256)"),
        (s, "\U0001d11e" * 300, f"{s}: must be at most 255 characters (got 300)"),
        (s, "y" * 100_000, f"{s}: must be at most 255 characters (got 100000)"),
        (j, {"note": "a\x00b"}, f"{j}: must not contain NUL characters"),
        (j, {"a\x00b": 1}, f"{j}: must not contain NUL characters"),
        (j, _deep(33), f"{j}: nested deeper than 32 levels"),
        (j, [_deep(400)], f"{j}: nested deeper than 32 levels"),
        ("tags", ["ok", "b\x00d"], "tags: must not contain NUL characters"),
        ("tags", ["ok", "  "], "tags: must not be empty"),
        ("tags", ["t" * 65], "tags: must be at most 64 characters (got 65)"),
        ("tags", [f"t{i}" for i in range(51)], "tags: at most 50 tags"),
    ]


@pytest.mark.parametrize("entity", ENTITIES)
async def test_bad_values_on_create_are_refused_per_item(api: Api, world: World, entity: str) -> None:
    """One batch, one bad value per element: each refused at its index, naming its field."""
    cases = _service_cases(entity)
    ids = [new_id() for _ in cases]
    inputs = [
        {**valid_input(entity), "id": i, field: value}
        for i, (field, value, _) in zip(ids, cases, strict=False)
    ]
    expected = [
        error(n, i, "VALIDATION", field, message)
        for n, (i, (field, _, message)) in enumerate(zip(ids, cases, strict=False))
    ]
    before = await db_state(api)

    result = await bulk(api, "create", entity, [*inputs, valid_input(entity)], atomic=True)
    assert result["successCount"] == 0
    assert result["errors"] == expected
    await assert_unchanged(api, before)  # atomic: not even an audit row

    result = await bulk(api, "create", entity, inputs)
    assert result["successCount"] == 0
    assert result["errors"] == expected
    await assert_only_failures_audited(api, before, len(cases))
    for i, (_, _, message) in zip(ids, cases, strict=False):
        assert await audit_rows(api, i) == [("CREATE", "error", message)]


@pytest.mark.parametrize("entity", ENTITIES)
async def test_bad_values_on_update_are_refused_per_item(api: Api, world: World, entity: str) -> None:
    """Each element updates the same row at version 1 with one bad value; none applies."""
    [target] = await seed(api, entity)
    row = await read(api, entity, target)
    cases = _service_cases(entity)
    inputs = [{"id": target, "expectedVersion": 1, field: value} for field, value, _ in cases]
    expected = [error(n, target, "VALIDATION", field, message) for n, (field, _, message) in enumerate(cases)]
    before = await db_state(api)

    result = await bulk(api, "update", entity, inputs)

    assert result["successCount"] == 0
    assert result["errors"] == expected
    await assert_only_failures_audited(api, before, len(cases))
    assert await read(api, entity, target) == row
    assert await audit_rows(api, target) == [("CREATE", "success", None)] + [
        ("UPDATE", "error", m) for _, _, m in cases
    ]


@pytest.mark.parametrize("entity", ENTITIES)
async def test_values_at_the_limits_are_accepted(api: Api, entity: str) -> None:
    s, j = STRING_FIELD[entity], JSON_FIELD[entity]
    longest = "\U0001d11e" * 255  # 255 characters, 1020 bytes in UTF-8
    tags = [f"t{i}" for i in range(49)] + ["x" * 64]
    result = await bulk(
        api, "create", entity, [{**valid_input(entity), s: longest, j: [_deep(31)], "tags": tags}]
    )
    assert result["errors"] == []
    [row] = result["results"]
    assert row[s] == longest
    assert row[j] == [_deep(31)]
    assert row["tags"] == tags
    assert await read(api, entity, row["id"]) == row


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "tool \ud800"), ("geometry", {"note": "\udfff"}), ("tags", ["\ud83d"])],
)
async def test_lone_surrogate_is_refused_per_item(api: Api, world: World, field: str, value: Any) -> None:
    """A JSON body may carry "\\ud800" escapes that are no valid Unicode text; neither
    database can store them, so the service must refuse them like NUL characters."""
    before = await db_state(api)
    bad_id = new_id()

    result = await bulk(api, "create", "ToolItem", [{**valid_input("ToolItem"), "id": bad_id, field: value}])

    [err] = result["errors"]
    assert {k: err[k] for k in ("index", "id", "code", "field")} == {
        "index": 0,
        "id": bad_id,
        "code": "VALIDATION",
        "field": field,
    }
    assert err["message"].startswith(f"{field}: ")
    await assert_only_failures_audited(api, before, 1)


async def test_json_nested_beyond_the_parser_limit_is_a_client_error(api: Api) -> None:
    """Thousands of nested arrays make Python's JSON decoder raise RecursionError; the
    server must answer 400 like for any unparsable body, not crash."""
    before = await db_state(api)
    deep = "[" * 100_000 + "]" * 100_000
    body = '{{"query": {}, "variables": {{"input": [{{"name": "x", "geometry": {}}}], "atomic": false}}}}'.format(
        json.dumps(mutation("create", "ToolItem")),
        deep,
    )

    response = await _raw_post(api, body)

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["message"] == "Unable to parse request body as JSON"
    assert error["extensions"]["code"] == "BAD_REQUEST"
    await assert_unchanged(api, before)


# --- malformed ids ------------------------------------------------------------------------------


BAD_IDS = [
    "not-a-uuid",
    "",
    "00000000-0000-4000-8000-00000000000g",
    "1; DROP TABLE tool_items",
    "{}",
]  # longer ones: below


@pytest.mark.parametrize("entity", ENTITIES)
async def test_malformed_id_is_refused_per_item(api: Api, entity: str) -> None:
    [target] = await seed(api, entity)
    row = await read(api, entity, target)
    expected = [
        error(n, bad, "VALIDATION", "id", f"id: {bad[:60]!r} is not a valid id (UUID)")
        for n, bad in enumerate(BAD_IDS)
    ]
    for op, inputs in [
        ("create", [{**valid_input(entity), "id": bad} for bad in BAD_IDS]),
        ("update", [update_input(entity, bad) for bad in BAD_IDS]),
        ("delete", [{"id": bad} for bad in BAD_IDS]),
    ]:
        before = await db_state(api)

        result = await bulk(api, op, entity, inputs)

        assert result["successCount"] == 0, op
        assert result["errors"] == expected, op
        await assert_only_failures_audited(api, before, len(BAD_IDS))
        assert await read(api, entity, target) == row


@pytest.mark.parametrize("op", OPERATIONS)
async def test_overlong_malformed_id_does_not_sink_the_rest_of_the_batch(
    api: Api, world: World, op: str
) -> None:
    """The refused element's id goes into its audit row; an id longer than the audit
    column must not turn the whole batch into a server error."""
    entity = "ToolSet"
    [target] = await seed(api, entity)
    bad = "z" * 100
    good = {
        "create": {**valid_input(entity), "id": new_id()},
        "update": update_input(entity, target),
        "delete": {"id": target},
    }[op]
    bad_element = {
        "create": {**valid_input(entity), "id": bad},
        "update": update_input(entity, bad),
        "delete": {"id": bad},
    }[op]

    result = await bulk(api, op, entity, [good, bad_element])

    assert result["successCount"] == 1
    assert result["errors"] == [
        error(1, bad, "VALIDATION", "id", f"id: {bad[:60]!r} is not a valid id (UUID)")
    ]
    written = good["id"] if op != "delete" else target
    expected_version = {"create": 1, "update": 2, "delete": 1}[op]
    assert [r["id"] for r in result["results"]] == [written]
    assert (await read(api, entity, written) or {}).get("version") == (
        None if op == "delete" else expected_version
    )
