"""Values a client may send for a GraphQL input type, as Hypothesis strategies: mostly well
formed, now and then wrong in one place (a wrong type, a null, an unknown or a missing field,
a bad enum name, a number out of range, a lone value for a list). For the tests that hold
the plan executor's input coercion to graphql-core's."""

from __future__ import annotations

from typing import Any

import graphql
from hypothesis import strategies as st

# Wrong somewhere: a wrong type, a null, a bad enum name, numbers out of range or not whole.
# Or right for GraphQL and wrong for the services: an empty text, a NUL.
WRONG = st.sampled_from(
    [None, 7, -1.5, "text", True, [], {}, 2**31, 2**40, ["a"], {"x": 1}, "2024-02-30", "", "a\x00"]
)
IDS = [f"00000000-0000-4000-8000-00000000000{n}" for n in range(2, 6)]
SCALARS: dict[str, st.SearchStrategy[Any]] = {
    "String": st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=5),
    # A few ids again and again, so that a later request finds what an earlier one created.
    "ID": st.one_of(st.sampled_from(IDS), st.uuids().map(str), st.integers(0, 99)),
    "Int": st.one_of(st.integers(-5, 5), st.just(2**31 - 1), st.just(3.0)),  # a whole float is an Int
    "Float": st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-3, 3)),
    "Boolean": st.booleans(),
    "JSON": st.recursive(st.none() | st.integers() | st.text(max_size=3), lambda s: st.lists(s, max_size=2)),
    "Date": st.sampled_from(["2024-01-01", "2024-12-31"]),
    "DateTime": st.sampled_from(["2024-01-01T00:00:00Z", "2024-03-01T12:30:00+02:00", "2024-01-01"]),
}


def raw_value(type_: graphql.GraphQLInputType, rare: int = 16) -> st.SearchStrategy[Any]:
    """Values a client may send for `type_`: mostly right; each value, field and element is
    wrong about once in `rare` (a wrong value, a missing required field, an unknown one)."""
    if isinstance(type_, graphql.GraphQLNonNull):
        return raw_value(type_.of_type, rare)
    right: st.SearchStrategy[Any]
    if isinstance(type_, graphql.GraphQLList):
        item = raw_value(type_.of_type, rare)
        right = st.one_of(st.lists(item, max_size=3), item)  # a lone value is a list of one
    elif isinstance(type_, graphql.GraphQLInputObjectType):
        right = input_object(type_, rare)
    elif isinstance(type_, graphql.GraphQLEnumType):
        right = st.sampled_from(list(type_.values))  # a bad name is among the wrong values
    else:
        right = SCALARS.get(type_.name, st.text(max_size=3))
    # Hypothesis favours the ends of a range: the wrong value sits in its middle.
    return st.integers(1, rare).flatmap(lambda roll: WRONG if roll == rare // 2 else right)


def input_object(type_: graphql.GraphQLInputObjectType, rare: int) -> st.SearchStrategy[dict[str, Any]]:
    fields = {name: raw_value(field.type, rare) for name, field in type_.fields.items()}
    required = [name for name, field in type_.fields.items() if graphql.is_required_input_field(field)]
    optional = [name for name in fields if name not in required]

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        names = [
            n for n in required if draw(st.integers(1, rare)) != rare // 2
        ]  # now and then one is missing
        names += draw(st.lists(st.sampled_from(optional), max_size=4, unique=True)) if optional else []
        value = {name: draw(fields[name]) for name in names}
        if draw(st.integers(1, rare)) == rare // 2:
            value["notAField"] = 1
        return value

    return build()
