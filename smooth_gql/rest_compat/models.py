"""Request models built from the collection table, so FastAPI validates each body the
way the legacy server did (lax pydantic types, 422 detail lists) and documents it."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model
from pydantic_core import PydanticCustomError

from ..legacy.wire import Collection
from ..services.fields import INT64_MAX

LIMIT_MAX = 1000  # the legacy bound, part of the wire contract


def _not_a_boolean(kind: str, noun: str) -> BeforeValidator:
    """Lax pydantic reads `true`/`false` as 1/0; a client that sends `"version": false` has a bug,
    and taking it as version 0 would hide it (and write a tool number 0). Refused like any
    other wrong type: the legacy 422 with pydantic's own strict wording."""

    def check(value: Any) -> Any:
        if isinstance(value, bool):
            raise PydanticCustomError(kind, f"Input should be a valid {noun}")
        return value

    return BeforeValidator(check)


WireInt = Annotated[int, _not_a_boolean("int_type", "integer")]
WireFloat = Annotated[float, _not_a_boolean("float_type", "number")]
NUMBERS: dict[Any, Any] = {int: WireInt, float: WireFloat}


def _optional(collection: Collection) -> dict[str, Any]:
    return {
        wf.wire: (NUMBERS.get(wf.annotation, wf.annotation) | None, None) for wf in collection.wire_fields()
    }


def create_body(collection: Collection) -> type[BaseModel]:
    item = create_model(f"{collection.title}Create", **_optional(collection))
    return create_model(f"{collection.title}CreateBody", items=(list[item], ...))  # type: ignore[valid-type]


def update_body(collection: Collection) -> type[BaseModel]:
    item = create_model(
        f"{collection.title}Update", id=(str, ...), version=(WireInt, ...), **_optional(collection)
    )
    return create_model(f"{collection.title}UpdateBody", items=(list[item], ...))  # type: ignore[valid-type]


class DeleteBody(BaseModel):
    ids: list[str]


def list_query(collection: Collection) -> type[BaseModel]:
    filters: dict[str, Any] = {name: (str | None, None) for name in collection.filters}
    return create_model(
        f"{collection.title}ListQuery",
        __config__=ConfigDict(extra="ignore"),
        limit=(int, Field(100, ge=1, le=LIMIT_MAX)),
        offset=(int, Field(0, ge=0, le=INT64_MAX)),
        all_users=(bool, False),
        **filters,
    )
