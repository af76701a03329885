"""The change feed over Server-Sent Events, for bridges with only the standard library (DESIGN §4).

The client is urllib in a thread: it POSTs the subscription with
`Accept: text/event-stream` (GraphQL over SSE, "distinct connections" mode),
reads `event: next` / `data: {...}` frames line by line, and hangs up after
the number of changes it wants. A socket timeout bounds every read.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from conftest import LiveServer
from support.feed import (
    Progress,
    Served,
    SSEStream,
    bulk_ok,
    head_cursor,
    log_after,
    prune_oldest_changes,
    read_sse,
    serve,
)


def assert_event_stream(stream: SSEStream) -> None:
    assert stream.status == 200 and stream.content_type.startswith("text/event-stream"), (
        f"not an event stream: HTTP {stream.status} {stream.content_type!r} {stream.body[:300]!r}"
    )


async def reached(
    progress: Progress, reader: asyncio.Task[SSEStream], count: int, timeout: float = 10
) -> None:
    """Until the reader has `count` changes; fails at once if its stream ends sooner."""
    waiter = asyncio.ensure_future(progress.reached(count, timeout))
    await asyncio.wait({waiter, reader}, return_when=asyncio.FIRST_COMPLETED)
    if waiter.done() and waiter.exception() is None:
        return
    waiter.cancel()
    if not reader.done():
        raise AssertionError(f"fewer than {count} changes within {timeout} s")
    stream = reader.result()
    assert_event_stream(stream)
    raise AssertionError(f"the stream ended before {count} changes: {stream}")


def pairs(changes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(c["entityId"], c["operation"]) for c in changes]


async def test_sse_replays_then_streams_live_in_order(live: LiveServer) -> None:
    api = live.api
    start = await head_cursor(api)
    a, b = (r["id"] for r in await bulk_ok(api, "TOOL_ITEM", "create", [{"name": "a"}, {"name": "b"}]))
    [kit] = await bulk_ok(api, "TOOL_SET", "create", [{"name": "kit", "type": "TEMPLATE"}])

    progress = Progress()
    reader = asyncio.create_task(
        asyncio.to_thread(read_sse, live.http_url, start, count=7, timeout=10, on_change=progress.report)
    )
    await reached(progress, reader, 3)  # the replay has arrived: what follows is live
    await bulk_ok(api, "TOOL_ITEM", "update", [{"id": a, "expectedVersion": 1, "name": "a v2"}])
    await bulk_ok(api, "TOOL_ITEM", "delete", [{"id": b}])
    [serial] = await bulk_ok(api, "TOOL_INSTANCE", "create", [{"serialNumber": "SN-1", "toolItemId": a}])
    await bulk_ok(api, "TOOL_SET", "update", [{"id": kit["id"], "expectedVersion": 1, "status": "ACTIVE"}])
    stream = await asyncio.wait_for(reader, 20)

    assert_event_stream(stream)
    assert stream.ended == "count"  # the reader hung up itself after 7 changes
    assert pairs(stream.changes) == [
        (a, "CREATED"),
        (b, "CREATED"),
        (kit["id"], "CREATED"),
        (a, "UPDATED"),
        (b, "DELETED"),
        (serial["id"], "CREATED"),
        (kit["id"], "UPDATED"),
    ]
    log = await log_after(api, start)
    assert [c["cursor"] for c in stream.changes] == [c["cursor"] for c in log]  # in order, no gap
    assert len({c["cursor"] for c in stream.changes}) == 7  # no duplicate
    assert all(event == "next" for event, _ in stream.events)


async def test_sse_resumes_from_the_last_cursor_after_hanging_up(live: LiveServer) -> None:
    api = live.api
    start = await head_cursor(api)
    made = [r["id"] for r in await bulk_ok(api, "TOOL_ITEM", "create", [{"name": f"i{n}"} for n in range(5)])]

    first = await asyncio.to_thread(read_sse, live.http_url, start, count=2, timeout=10)
    assert_event_stream(first)
    assert pairs(first.changes) == [(made[0], "CREATED"), (made[1], "CREATED")]

    progress = Progress()
    reader = asyncio.create_task(
        asyncio.to_thread(
            read_sse,
            live.http_url,
            first.changes[-1]["cursor"],
            count=4,
            timeout=10,
            on_change=progress.report,
        )
    )
    await reached(progress, reader, 3)
    await bulk_ok(api, "TOOL_ITEM", "delete", [{"id": made[0]}])
    second = await asyncio.wait_for(reader, 20)

    assert_event_stream(second)
    assert pairs(second.changes) == [
        (made[2], "CREATED"),
        (made[3], "CREATED"),
        (made[4], "CREATED"),
        (made[0], "DELETED"),
    ]
    log = await log_after(api, start)
    assert [c["cursor"] for c in first.changes + second.changes] == [c["cursor"] for c in log]


async def test_sse_reports_malformed_and_expired_cursors(live: LiveServer) -> None:
    api = live.api
    start = await head_cursor(api)
    await bulk_ok(api, "TOOL_ITEM", "create", [{"name": f"i{n}"} for n in range(3)])
    await prune_oldest_changes(api.engine, 2)

    for cursor, code in [
        ("nonsense", "BAD_USER_INPUT"),
        (base64.urlsafe_b64encode(b"chg:-1").decode(), "BAD_USER_INPUT"),
        (start, "CURSOR_EXPIRED"),
    ]:
        stream = await asyncio.to_thread(read_sse, live.http_url, cursor, count=10, timeout=10)
        assert_event_stream(stream)
        assert stream.ended in ("complete", "eof"), stream  # the stream ends after the error
        [error] = stream.errors
        assert error["extensions"] == {"code": code, "field": "after"}, (cursor, error)
        assert [data.get("data") for event, data in stream.events if event == "next"] == [None]


@pytest.fixture
async def stoppable(engine: AsyncEngine, database_url: str) -> AsyncIterator[Served]:
    async with serve(engine, database_url) as served:
        yield served


async def test_server_shutdown_ends_an_open_sse_stream(stoppable: Served) -> None:
    api = stoppable.live.api
    start = await head_cursor(api)
    progress = Progress()
    reader = asyncio.create_task(
        asyncio.to_thread(
            read_sse, stoppable.live.http_url, start, count=100, timeout=10, on_change=progress.report
        )
    )
    await bulk_ok(api, "TOOL_ITEM", "create", [{"name": "before shutdown"}])
    await reached(progress, reader, 1)  # the stream is open and live

    stopped = await stoppable.stop(timeout=15)
    stream = await asyncio.wait_for(reader, 20)
    assert_event_stream(stream)
    # `complete` or a plain end of the response; "timeout" means the client was left hanging.
    assert stream.ended in ("complete", "eof"), stream.ended
    assert len(stream.changes) == 1
    assert stopped, "the server did not finish shutting down while an SSE stream was open"
