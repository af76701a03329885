"""Rows to Strawberry objects (types/common.py `from_row`): the object its class builds."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest

from smooth_gql.schema import schema  # noqa: F401 - the types resolved as the app has them
from smooth_gql.types.bulk import ENTITY_TYPES
from smooth_gql.types.common import _COLUMNS, from_row


@pytest.mark.parametrize("cls", sorted(set(ENTITY_TYPES.values()), key=lambda c: c.__name__))
def test_a_row_builds_the_object_its_class_would(cls: type[Any]) -> None:
    """Each entity's fields are set in one update (no dataclass `__init__` call): the same
    attributes, in the same order, as `cls(**row)`; extra columns are left out."""
    row = {f.name: object() for f in fields(cls) if f.init} | {"not_a_field": 1}
    built = from_row(cls, row)
    expected = cls(**{k: v for k, v in row.items() if k != "not_a_field"})
    assert type(built) is cls
    assert list(vars(built).items()) == list(vars(expected).items())
    assert built == expected
    assert _COLUMNS[cls][1], f"{cls.__name__} is built through its __init__"
