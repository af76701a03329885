"""Which part of a package imports which, read with `ast`, checked against a declared table.

A *part* is a top-level module or sub-package of the package (`config`, `auth`,
`services`, ...; the package's own `__init__.py` is the part `__init__`).
tests/ops/test_layers.py declares smooth_gql's table; this module only reads
and compares, so the same checker can be pointed at a small fake package to
show that it catches what it must (the test of the test). Every import
counts: absolute and relative, at module level, inside functions and under
`if TYPE_CHECKING:` — a cycle that only the type checker sees is still a
cycle in the design.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping, Set
from dataclasses import dataclass
from pathlib import Path

Table = Mapping[str, Set[str]]
INIT = "__init__"


@dataclass(frozen=True)
class Import:
    """One module named by an import statement, made absolute, and where the statement stands."""

    where: str  # "smooth_gql/auth/policy.py:33"
    source: str  # the importing part: "auth"
    module: str  # "smooth_gql.errors"


def parts_of(package: Path) -> set[str]:
    """Every part the table must place: top-level modules and folders holding Python files."""
    return {_part(path.relative_to(package).parts[0]) for path in package.rglob("*.py")}


def imports(package: Path) -> Iterator[Import]:
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package.parent)
        home = list(relative.parts[:-1])  # the package a relative import starts from
        source = _part(relative.parts[1])
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            for module in _modules(node, home):
                yield Import(f"{relative.as_posix()}:{getattr(node, 'lineno', 0)}", source, module)


def _part(top: str) -> str:
    return top.removesuffix(".py")


def _modules(node: ast.AST, home: list[str]) -> list[str]:
    """The absolute modules an import statement names.

    `from pkg import x` may name the part `x` or an attribute of pkg's
    `__init__`, so for the package itself each imported name is kept.
    """
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level == 0:
        base = node.module or ""
    else:
        anchor = home[: len(home) - node.level + 1]
        base = ".".join([*anchor, node.module] if node.module else anchor)
    if base == home[0]:
        return [f"{base}.{alias.name}" for alias in node.names]
    return [base]


def part_named(module: str, package: str, parts: Set[str]) -> str | None:
    """The part of `package` that `module` lies in; None for a module of another package."""
    names = module.split(".")
    if names[0] != package:
        return None
    if len(names) == 1 or names[1] not in parts:
        return INIT  # the package itself, or a name its __init__ defines
    return names[1]


def wrong_directions(package: Path, table: Table) -> list[str]:
    """Each import of another part that the table does not allow, as "file:line: a -> b (...)"."""
    parts = parts_of(package)
    found = []
    for item in imports(package):
        target = part_named(item.module, package.name, parts)
        allowed = table.get(item.source, frozenset())
        if target is not None and target != item.source and target not in allowed:
            may = ", ".join(sorted(allowed)) or "no other part"
            found.append(f"{item.where}: {item.source} -> {target} ({item.source} may import {may})")
    return found


def forbidden_libraries(package: Path, rules: Table) -> list[str]:
    """Each import of a third-party library that `rules` keeps away from its part."""
    return [
        f"{item.where}: {item.source} imports {item.module.split('.')[0]}"
        for item in imports(package)
        if item.module.split(".")[0] in rules.get(item.source, frozenset())
    ]


def unplaced(package: Path, table: Table) -> list[str]:
    """Parts the table does not place, and parts it names that the package does not have."""
    parts = parts_of(package)
    named = set(table).union(*table.values())
    missing = [
        f"{package.name}/{part} is not in the layer table: place it" for part in sorted(parts - set(table))
    ]
    stale = [
        f"the layer table names {part}, which {package.name}/ does not have" for part in sorted(named - parts)
    ]
    return missing + stale


def cycles(table: Table) -> list[str]:
    """Each group of parts the allowed edges would let import one another, as "a -> b -> a".

    The table must be a one-way order: an allowed edge that closes a loop,
    directly or through other parts, is reported even while no import uses it.
    """
    reach = {part: _reachable(table, part) for part in table}
    found: list[str] = []
    seen: set[str] = set()
    for part in sorted(table):
        if part in reach[part] and part not in seen:
            group = {other for other in reach[part] if part in reach.get(other, set())}
            seen |= group
            found.append(" -> ".join(_loop(table, part, group)))
    return found


def _reachable(table: Table, start: str) -> set[str]:
    found: set[str] = set()
    todo = list(table.get(start, ()))
    while todo:
        part = todo.pop()
        if part not in found:
            found.add(part)
            todo.extend(table.get(part, ()))
    return found


def _loop(table: Table, start: str, group: Set[str]) -> list[str]:
    """A shortest way from `start` back to itself inside its group (breadth first)."""
    came_from: dict[str, str] = {}
    todo = [start]
    while todo:
        part = todo.pop(0)
        for target in sorted(table.get(part, ())):
            if target == start:
                path = [part]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if target in group and target not in came_from:
                came_from[target] = part
                todo.append(target)
    return [start]
