"""Dependencies point one way (DESIGN §1, issue 14), and this test is what keeps them so.

LAYERS says, for every part of smooth_gql/ (each top-level module and
package), which other parts it may import. The test reads every import with
`ast` (support/layering.py) and fails on each one the table does not allow,
naming file and line. It fails the other way too: when a part is missing from
the table (a new package must be placed before it is used), when the table
names a part that is gone, and when the allowed edges close a loop — the
table is a one-way order, so two parts can never import each other, not even
through a third. The test of the test below points the same checker at small
fake packages and at a copy of smooth_gql with one wrong import added.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from support.layering import Table, cycles, forbidden_libraries, unplaced, wrong_directions

PACKAGE = Path(__file__).parents[2] / "smooth_gql"


def may(parts: str) -> frozenset[str]:
    """The parts a line of the table allows, written as words so that a line reads as a sentence."""
    return frozenset(parts.split())


# Bottom to top. A part may import only the parts named on its line.
LAYERS: Table = {
    # Leaves: they import no other part.
    "__init__": frozenset(),
    "config": frozenset(),
    "enums": frozenset(),
    "errors": frozenset(),  # the error tree: errors are data every layer raises and each door renders
    "json_codec": frozenset(),
    "query_cost": frozenset(),  # the price rule of an operation (README "Query cost")
    "document_cost": may("query_cost"),
    "cors": frozenset(),
    "ide": frozenset(),
    "observability": frozenset(),
    # Storage, and what the process hands every layer that touches data.
    "db": may("config json_codec"),
    "runtime": may("config"),
    # Rules. auth is policy (who may touch what) and knows nothing above db.
    "auth": may("db enums errors"),
    "services": may("auth db enums errors runtime"),
    # The legacy wire mapping is read off the services' entity specs; services never read it.
    "legacy": may("enums services"),
    "changes": may("auth db enums errors runtime services"),
    # Backup writes the legacy wire format, so it sits above both services and legacy.
    "backup": may("auth db enums errors legacy runtime services"),
    "interchange": may("auth changes enums errors runtime services"),
    # One request: its DataLoaders, its context, and the guards every door shares.
    "loaders": may("auth enums runtime services"),
    "session_cookie": may("auth"),
    "context": may("auth changes errors loaders observability runtime services session_cookie"),
    "http_guards": may("errors observability"),
    "graphql_read_rule": may("auth"),
    "graphql_bulk_guard": may("enums errors services"),
    "graphql_budget": may("auth errors services"),
    "graphql_limits": may(
        "config document_cost errors graphql_budget graphql_bulk_guard observability query_cost"
    ),
    "trusted_gate": may("auth config document_cost errors graphql_limits runtime services"),
    # The GraphQL door. Types resolve their relations through the context's loaders (the context
    # builds the loaders, which know neither); resolvers return types, types never call resolvers.
    "types": may("changes context enums errors interchange loaders services"),
    "resolvers": may(
        "auth backup changes context enums graphql_bulk_guard interchange loaders services trusted_gate types"
    ),
    # The query-plan executor: graphql-core's executor class for the schema (issue 18).
    "planner": may("config graphql_bulk_guard"),
    # Each change-feed event executed once per (document, variables, access), shared by its subscribers.
    "feed_executor": may("auth context planner types"),
    "extension_runner": frozenset(),  # Strawberry's per-result extension hooks, found once
    "schema": may(
        "errors extension_runner feed_executor graphql_limits graphql_read_rule observability planner resolvers trusted_gate types"
    ),
    "ws_handlers": may("context trusted_gate"),
    "graphql_http": may("context http_guards ide json_codec ws_handlers"),
    # The REST door.
    "rest_compat": may(
        "auth backup changes errors ide json_codec legacy observability runtime services session_cookie"
    ),
    # The web front end's page (the app itself talks to the GraphQL door only, from the browser).
    "web_ui": may("ide services"),
    # The composition roots: the ASGI app and the command line.
    "app": may(
        "auth changes config context cors db graphql_http http_guards ide loaders observability "
        "rest_compat runtime schema services web_ui"
    ),
    "cli_console": may("auth config db errors runtime services"),
    "cli_backup": may("auth backup cli_console config errors services"),
    "cli_documents": may("auth cli_console config errors schema services trusted_gate"),
    "cli_tool_library": may("cli_console config errors interchange"),
    "cli_tool_table": may("cli_console config errors interchange"),
    "cli": may(
        "cli_backup cli_console cli_documents cli_tool_library cli_tool_table config db errors observability "
        "schema services"
    ),
}

# Third-party libraries kept out of a part: the skins never touch storage, and
# the rules and storage know nothing of GraphQL or HTTP (the two older checks).
STORAGE = frozenset({"sqlalchemy", "alembic", "aiosqlite", "asyncpg"})
WEB = frozenset({"strawberry", "graphql", "starlette", "fastapi", "uvicorn", "cross_web"})
SKINS = ("types", "resolvers", "rest_compat")
RULES = ("db", "runtime", "errors", "enums", "auth", "services", "legacy", "changes", "backup", "interchange")
LIBRARIES: Table = {**dict.fromkeys(SKINS, STORAGE), **dict.fromkeys(RULES, WEB)}


def test_every_part_of_the_package_is_placed_in_the_table() -> None:
    problems = unplaced(PACKAGE, LAYERS)
    assert not problems, "\n".join(problems)


def test_the_table_is_one_way() -> None:
    problems = cycles(LAYERS)
    assert not problems, "\n".join(problems)


def test_every_import_follows_the_table() -> None:
    problems = wrong_directions(PACKAGE, LAYERS)
    assert not problems, "\n".join(problems)


def test_skins_and_rules_keep_to_their_libraries() -> None:
    problems = forbidden_libraries(PACKAGE, LIBRARIES)
    assert not problems, "\n".join(problems)


def test_storage_and_the_skins_stay_apart_in_the_table() -> None:
    """The two rules the first layering test held, kept so that widening the table cannot drop them."""
    assert all("db" not in LAYERS[skin] for skin in SKINS)
    assert LAYERS["db"] <= {"config", "json_codec"}


# The test of the test: the checker reports exactly the imports it must, and nothing else.

FAKE_LAYERS: Table = {
    "__init__": frozenset(),
    "low": frozenset(),
    "mid": frozenset({"low"}),
    "high": frozenset({"low", "mid"}),
}
CLEAN = {
    "__init__.py": "",
    "low.py": "import json\n\nVALUE = json.dumps(1)\n",
    "mid/__init__.py": "from ..low import VALUE\nfrom . import parts\n",
    "mid/parts.py": "from fake.low import VALUE as V\nfrom .. import low\n",
    "high.py": (
        "from typing import TYPE_CHECKING\n\nfrom .mid import parts\n\n"
        "if TYPE_CHECKING:\n    from fake import low\n\n\ndef later() -> None:\n    import fake.mid.parts\n"
    ),
}


def fake_package(tmp_path: Path, files: dict[str, str]) -> Path:
    package = tmp_path / "fake"
    for name, text in files.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)
    return package


def test_checker_passes_a_clean_package(tmp_path: Path) -> None:
    package = fake_package(tmp_path, CLEAN)
    assert wrong_directions(package, FAKE_LAYERS) == []
    assert unplaced(package, FAKE_LAYERS) == []
    assert cycles(FAKE_LAYERS) == []


def test_checker_reports_each_wrong_direction_with_file_and_line(tmp_path: Path) -> None:
    """Relative and absolute, at module level, under TYPE_CHECKING and inside a function."""
    wrong = {
        "low.py": (
            "from typing import TYPE_CHECKING\n\n"
            "if TYPE_CHECKING:\n    from fake import high\n\n\n"
            "def later() -> None:\n    import fake.mid.parts\n"
        ),
        "mid/parts.py": "from .. import low\nfrom ..high import later\n",
    }
    package = fake_package(tmp_path, CLEAN | wrong)
    assert wrong_directions(package, FAKE_LAYERS) == [
        "fake/low.py:4: low -> high (low may import no other part)",
        "fake/low.py:8: low -> mid (low may import no other part)",
        "fake/mid/parts.py:2: mid -> high (mid may import low)",
    ]


def test_checker_reports_a_part_missing_from_the_table_and_one_gone(tmp_path: Path) -> None:
    package = fake_package(tmp_path, CLEAN | {"extra/__init__.py": ""})
    table = {**FAKE_LAYERS, "gone": frozenset({"low"})}
    assert unplaced(package, table) == [
        "fake/extra is not in the layer table: place it",
        "the layer table names gone, which fake/ does not have",
    ]


def test_checker_reports_an_allowed_edge_that_closes_a_loop() -> None:
    table = {**FAKE_LAYERS, "low": frozenset({"high"}), "lone": frozenset({"lone"})}
    assert cycles(table) == ["high -> low -> high", "lone -> lone"]


def test_checker_reports_a_forbidden_library(tmp_path: Path) -> None:
    package = fake_package(tmp_path, CLEAN | {"mid/store.py": "\nimport sqlalchemy.orm\n"})
    assert forbidden_libraries(package, {"mid": STORAGE}) == ["fake/mid/store.py:2: mid imports sqlalchemy"]


@pytest.mark.parametrize(
    ("path", "line", "edge"),
    [
        ("auth/policy.py", "    from ..services import writes", "auth -> services"),
        ("db/models.py", "    from smooth_gql.types import tool_item", "db -> types"),
    ],
)
def test_the_real_table_catches_a_wrong_import_added_to_smooth_gql(
    tmp_path: Path, path: str, line: str, edge: str
) -> None:
    """A copy of smooth_gql with one import in the wrong direction: exactly that import is reported."""
    copy = tmp_path / "smooth_gql"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "static"))
    target = copy / path
    lines = [*target.read_text().splitlines(), "", "", "def later() -> None:", line]
    target.write_text("\n".join(lines) + "\n")
    added = set(wrong_directions(copy, LAYERS)) - set(wrong_directions(PACKAGE, LAYERS))
    assert [entry.split(" (")[0] for entry in added] == [f"smooth_gql/{path}:{len(lines)}: {edge}"]
