"""Dependencies point one way (DESIGN §1): the GraphQL and REST skins never touch storage."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[2] / "smooth_gql"
SKIN = ["resolvers", "types", "rest_compat"]
FORBIDDEN_IN_SKIN = ("sqlalchemy", "smooth_gql.db", "..db")


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.append("." * node.level + (node.module or ""))
    return names


@pytest.mark.parametrize("folder", SKIN)
def test_graphql_skin_does_not_import_storage(folder: str) -> None:
    offenders = {
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in (PACKAGE / folder).rglob("*.py")
        for name in _imports(path)
        if name.startswith(FORBIDDEN_IN_SKIN)
    }
    assert not offenders


def test_storage_knows_nothing_of_graphql_or_http() -> None:
    offenders = {
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in (PACKAGE / "db").rglob("*.py")
        for name in _imports(path)
        if name.startswith(("strawberry", "starlette", "graphql", "..types", "..resolvers", "..services"))
    }
    assert not offenders


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("services", ("smooth_gql.backup", "..backup", "smooth_gql.legacy", "..legacy")),
        ("legacy", ("smooth_gql.backup", "..backup", ".backup")),
    ],
)
def test_the_backup_package_sits_above_services_and_legacy(folder: str, forbidden: tuple[str, ...]) -> None:
    """backup/ writes legacy-shaped rows checked by services' rules, so it imports both; services
    (the rules) import neither it nor the legacy wire shapes, and legacy/ does not import it."""
    offenders = {
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in (PACKAGE / folder).rglob("*.py")
        for name in _imports(path)
        if name.startswith(forbidden)
    }
    assert not offenders
