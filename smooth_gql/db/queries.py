"""SQL fragments whose spelling differs between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Boolean, ColumnElement, Result, exists, func, literal, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB, array
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler


def tags_match(dialect: str, column: Any, tags: Sequence[str], *, match_all: bool) -> ColumnElement[bool]:
    """Rows whose JSON `tags` list holds any (or all) of `tags`."""
    if dialect == "postgresql":
        as_jsonb = type_coerce(column, JSONB)
        wanted = array(list(tags))
        matched: ColumnElement[bool] = as_jsonb.has_all(wanted) if match_all else as_jsonb.has_any(wanted)
        return matched
    each = func.json_each(column).table_valued("value")
    if match_all:
        found = select(func.count(func.distinct(each.c.value))).where(each.c.value.in_(list(tags)))
        return found.scalar_subquery() == literal(len(set(tags)))
    return exists(select(1).select_from(each).where(each.c.value.in_(list(tags))))


class TagsOverlap(ColumnElement[bool]):
    """`column` (a JSON tag list) shares at least one of `tags`, in any dialect.

    The access policy builds conditions without knowing the database; this
    element picks the dialect's spelling (`tags_match`) only when compiled.
    """

    type = Boolean()
    inherit_cache = False  # the tag list is part of the statement text

    def __init__(self, column: Any, tags: Sequence[str]) -> None:
        self.column = column
        self.tags = sorted(tags)


@compiles(TagsOverlap)
def _compile_tags_overlap(element: TagsOverlap, compiler: SQLCompiler, **kw: Any) -> str:
    condition = tags_match(compiler.dialect.name, element.column, element.tags, match_all=False)
    return compiler.process(condition, **kw)


def mappings(result: Result[Any]) -> list[Mapping[str, Any]]:
    """Rows as mappings keyed by column name.

    Plain dicts rather than SQLAlchemy's RowMapping: building one costs about
    as much as a few lookups in a RowMapping (whose `get` is pure Python), and
    a row is looked up a dozen times or more on its way to a response.
    """
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result]


def first_mapping(result: Result[Any]) -> Mapping[str, Any] | None:
    """The first row as a read-only mapping, or None."""
    return cast("Mapping[str, Any] | None", result.mappings().first())
