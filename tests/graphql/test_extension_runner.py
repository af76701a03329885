"""The schema's extension runner (extension_runner.py) skips only per-result work that does nothing.

A subscription here yields a clean event, one whose resolver fails unexpectedly,
and a clean one again: the failure must still be masked by ErrorCodes, every
event must still carry every extension's results, and an extension with a
stream hook of its own must still see every event, clean ones included.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator
from typing import Any

import pytest
import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult
from strawberry.types.execution import StreamExecutionResult

from smooth_gql.extension_runner import ExtensionsRunner
from smooth_gql.schema import ErrorCodes, Schema


@strawberry.type
class Event:
    number: int

    @strawberry.field
    def checked(self) -> int:
        if self.number == 2:
            raise RuntimeError("a resolver's own bug, with a secret")
        return self.number


@strawberry.type
class Query:
    ping: int = 1


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def events(self) -> AsyncGenerator[Event, None]:
        for number in (1, 2, 3):
            yield Event(number=number)


class Results(SchemaExtension):
    def get_results(self) -> dict[str, Any]:
        return {"seen": "yes"}


class Watcher(SchemaExtension):
    """A stream hook that is not MaskErrors: it must be run for every result."""

    seen: list[bool] = []  # noqa: RUF012 (one test at a time; reset by the test)

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        Watcher.seen.append(bool(getattr(result, "errors", None)))
        yield


async def _events(extensions: list[type[SchemaExtension]]) -> list[ExecutionResult]:
    schema = Schema(query=Query, subscription=Subscription, extensions=extensions)
    stream = await schema.subscribe("subscription { events { number checked } }")
    results = []
    async for result in stream:
        assert isinstance(result, ExecutionResult)
        results.append(result)
    return results


async def test_an_unexpected_error_in_an_event_is_still_masked_and_results_still_come() -> None:
    results = await _events([Results, ErrorCodes])
    assert [r.data for r in results] == [
        {"events": {"number": 1, "checked": 1}},
        None,
        {"events": {"number": 3, "checked": 3}},
    ]
    assert [r.errors for r in results[::2]] == [None, None]
    errors = results[1].errors
    assert errors is not None and len(errors) == 1
    assert errors[0].message == "Internal server error."
    assert errors[0].extensions == {"code": "INTERNAL"}
    assert all(r.extensions == {"seen": "yes"} for r in results)


async def test_a_stream_hook_other_than_masking_sees_every_event() -> None:
    Watcher.seen = []
    results = await _events([Watcher, ErrorCodes])
    assert len(results) == 3
    assert Watcher.seen == [False, True, False]


@pytest.mark.parametrize("errors", [None, []])
def test_a_clean_result_enters_no_hook_when_only_masking_has_one(errors: list[Any] | None) -> None:
    runner = ExtensionsRunner(None, [ErrorCodes()])  # type: ignore[arg-type]
    assert runner.on_stream_result(ExecutionResult(data={"a": 1}, errors=errors)).hooks == []
    with_errors = ExecutionResult(data=None, errors=[RuntimeError("x")])  # type: ignore[list-item]
    assert len(runner.on_stream_result(with_errors).hooks) == 1
