"""The plan executor's short way for bulk inputs against the long one, value by value.

Two steps replace graphql-core's and Strawberry's work for the `input` of a bulk write
(planner/mutation.py): a coercer built once per input type (planner/inputs.py) instead of
graphql-core's `coerce_input_value`, and `service_form` (types/common.py) instead of
Strawberry's `convert_argument` followed by `to_service`. Hypothesis sends both ways the same
raw values — well formed, and with wrong types, nulls, unknown and missing fields, bad enum
names, numbers out of range, lone objects for lists — for the input of each of the 18 bulk
mutations, and the answers must be equal: the same coerced value or the same refusal, the
same dictionaries for the services. No database; the HTTP answers of both executors are
compared in tests/property/test_property_plan_mutations.py.
"""

from __future__ import annotations

from typing import Any

import graphql
import pytest
from graphql.pyutils import Undefined
from graphql.utilities import coerce_input_value
from hypothesis import given, settings
from hypothesis import strategies as st
from strawberry.types.arguments import convert_argument

from smooth_gql.graphql_bulk_guard import BULK_WRITE
from smooth_gql.planner.inputs import Coercers
from smooth_gql.schema import schema
from smooth_gql.types.common import service_form, to_service
from support.input_values import raw_value

GRAPHQL = schema._schema
MUTATION = GRAPHQL.mutation_type
assert MUTATION is not None
BULK = sorted(
    name
    for name, field in MUTATION.fields.items()
    if BULK_WRITE in field.extensions["strawberry-definition"].metadata
)


@st.composite
def bulk_inputs(draw: st.DrawFn) -> tuple[str, Any]:
    name = draw(st.sampled_from(BULK))
    return name, draw(raw_value(MUTATION.fields[name].args["input"].type))


@settings(max_examples=200, derandomize=True, deadline=None, database=None)
@given(case=bulk_inputs())
def test_the_coercers_and_service_form_give_what_graphql_core_and_strawberry_give(
    case: tuple[str, Any],
) -> None:
    name, raw = case
    field = MUTATION.fields[name]
    argument_type = field.args["input"].type
    type_node = graphql.parse_type(str(argument_type))
    theirs = coerce_input_value(raw, argument_type)
    mine = Coercers(GRAPHQL).for_variable(type_node)
    assert mine is not None, name
    assert mine(raw) == theirs or (mine(raw) is Undefined and theirs is Undefined), (name, raw)
    if theirs is Undefined:
        return
    strawberry_field = field.extensions["strawberry-definition"]
    [argument] = [a for a in strawberry_field.arguments if a.python_name == "input"]
    converted = convert_argument(
        theirs, argument.type, schema.schema_converter.scalar_registry, schema.config
    )
    form = service_form(argument.type.of_type)
    assert [form(item) for item in theirs] == to_service(converted), (name, raw)


def test_a_coercer_is_built_once_per_type_and_only_for_lists_of_input_objects() -> None:
    coercers = Coercers(GRAPHQL)
    one = coercers.for_variable(graphql.parse_type("[ToolItemCreateInput!]!"))
    assert one is not None and coercers.for_variable(graphql.parse_type("[ToolItemCreateInput!]!")) is one
    assert coercers.for_variable(graphql.parse_type("[ToolItemCreateInput]")) is not one
    for left_to_graphql_core in ("ToolItemCreateInput!", "[String!]", "[[ToolItemCreateInput]]", "Int"):
        assert coercers.for_variable(graphql.parse_type(left_to_graphql_core)) is None


@pytest.mark.parametrize(
    "input_type", ["ToolItemCreateInput", "ToolItemUpdateInput", "ToolAssemblyCreateInput"]
)
def test_service_form_keeps_an_explicit_null_only_where_it_means_clear(input_type: str) -> None:
    """`Maybe` fields (updates): null clears, absent leaves alone; plain optional fields
    (creates): null and absent are the same, both left out."""
    type_ = GRAPHQL.get_type(input_type)
    assert isinstance(type_, graphql.GraphQLInputObjectType)
    strawberry_type = schema.get_type_by_name(input_type)
    assert strawberry_type is not None
    form = service_form(strawberry_type.origin)  # type: ignore[union-attr]
    coerced = coerce_input_value({"id": "x", "expectedVersion": 1, "name": "n", "description": None}, type_)
    if input_type == "ToolItemUpdateInput":
        assert form(coerced) == {"id": "x", "expected_version": 1, "name": "n", "description": None}
    else:
        coerced = coerce_input_value({"name": "n", "description": None}, type_)
        assert form(coerced) == {"name": "n"}
