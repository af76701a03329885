"""The load test as a gate: a small run of bench/load.py must come out clean.

Eight clients for four seconds against a real `smooth-gql serve` on 127.0.0.1
(one worker on SQLite, two workers sharing one database on PostgreSQL): one
follows the change feed over graphql-transport-ws, seven mix page reads,
machine views and bulk creates, updates and deletes. The harness then reads
the database directly. The gate is what `python -m bench --load` reports as
CLEAN: no request failed, every acknowledged write is stored at exactly its
acknowledged version (deletes gone), and the subscriber received every change
of the log since the start, in order, once. Latency is reported by the bench,
never asserted here.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bench.load import render, run_load

CLIENTS = 8
SUBSCRIBERS = 1
SECONDS = 4.0


async def test_a_small_load_run_loses_nothing_and_fails_nothing(
    engine: AsyncEngine, database_url: str
) -> None:
    """`engine` is asked for so PostgreSQL's shared test database starts empty (conftest)."""
    workers = 1 if engine.dialect.name == "sqlite" else 2
    report = await run_load(
        database_url,
        f"gate, {engine.dialect.name}",
        workers=workers,
        clients=CLIENTS,
        subscribers=SUBSCRIBERS,
        duration=SECONDS,
    )
    summary = render(report)
    assert report.errors == [], summary
    assert report.lost_writes == [], summary
    assert report.feed_errors == [] and report.feed_missing == 0, summary
    # The run did mix reads and writes, and the feed had something to deliver.
    assert {"list items", "machine view", "create 5"} <= set(report.latencies_ms), summary
    assert report.writes_acknowledged > 0 and report.log_changes >= report.writes_acknowledged, summary
    assert report.clean, summary
