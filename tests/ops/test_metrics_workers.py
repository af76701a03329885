"""`/metrics` of `smooth-gql serve --workers 2`: one scrape answers for every worker.

Each worker writes its metrics to files in a private directory that `serve`
makes for the run (prometheus-client's multiprocess mode); the worker that
answers the scrape sums them. The test reads each worker's own counter file
to know that both served requests, then checks that one scrape shows the sum.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import tempfile
from pathlib import Path

import httpx
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from smooth_gql.observability import MULTIPROC_ENV
from support.feed_client import FeedClient
from support.serve_process import ServeProcess, serve

HEALTH = ("smooth_gql_http_requests_total", (("method", "GET"), ("route", "/health"), ("status", "200")))


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _workers(server: ServeProcess) -> dict[int, Path]:
    """Each worker process of the server, with the metrics directory it was started with."""
    children: list[int] = []
    for task in Path(f"/proc/{server.process.pid}/task").iterdir():
        children += [int(pid) for pid in (task / "children").read_text().split()]
    found: dict[int, Path] = {}
    for pid in children:
        if b"spawn_main" not in Path(f"/proc/{pid}/cmdline").read_bytes():
            continue  # multiprocessing's resource tracker, not a worker
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        for entry in environ:
            name, _, value = entry.decode(errors="replace").partition("=")
            if name == MULTIPROC_ENV:
                found[pid] = Path(value)
    return found


def _own(directory: Path, kind: str, pid: int, sample: tuple[str, tuple[tuple[str, str], ...]]) -> float:
    """One sample as one worker alone has it, read from its own file."""
    own = directory / f"{kind}_{pid}.db"
    if not own.exists():
        return 0.0
    with tempfile.TemporaryDirectory() as alone:
        shutil.copy(own, alone)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=alone)
        return _samples(generate_latest(registry).decode()).get(sample, 0.0)


def _served_by(directory: Path, pid: int) -> float:
    """/health requests one worker has counted."""
    return _own(directory, "counter", pid, HEALTH)


async def test_one_scrape_sums_the_counters_of_every_worker(database_url: str) -> None:
    with serve(database_url, "--workers", "2") as server:
        async with httpx.AsyncClient(timeout=30) as client:
            await server.wait_ready(client)
            workers: dict[int, Path] = {}
            for _ in range(100):  # bounded: the workers start their lifespans on their own
                workers = _workers(server)
                if len(workers) == 2:
                    break
                await asyncio.sleep(0.1)
            assert len(workers) == 2, f"expected two workers in multiprocess mode, found {workers}"
            [directory] = set(workers.values())
            assert directory.is_dir()

        # A new connection per request, a few at once, until both workers have answered some.
        async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_keepalive_connections=0)) as spread:
            for _ in range(50):
                await asyncio.gather(*(spread.get(f"{server.base_url}/health") for _ in range(10)))
                if all(_served_by(directory, pid) > 0 for pid in workers):
                    break
        per_worker = {pid: _served_by(directory, pid) for pid in workers}
        assert all(count > 0 for count in per_worker.values()), per_worker

        async with httpx.AsyncClient(timeout=30) as client:
            scraped = _samples((await client.get(f"{server.base_url}/metrics")).text)
        assert scraped[HEALTH] == sum(per_worker.values()) >= 10
        # Live gauges are summed over the workers: each keeps its own pool.
        assert scraped[("smooth_gql_db_pool_size", ())] > 0
        assert scraped[("smooth_gql_active_subscriptions", ())] == 0

    assert not directory.exists(), "serve removes its metrics directory when it stops"


async def test_a_killed_worker_stops_counting_in_the_live_gauges(database_url: str) -> None:
    """A worker that dies without shutting down cannot mark itself dead: the next scrape
    does, so its open subscription no longer shows once it is gone."""
    subscriptions = ("smooth_gql_active_subscriptions", ())
    with serve(database_url, "--workers", "2") as server:
        async with httpx.AsyncClient(timeout=30) as client:
            await server.wait_ready(client)
            workers = _workers(server)
            assert len(workers) == 2
            [directory] = set(workers.values())
            subscriber = await FeedClient.open(server.ws_url)
            try:
                await subscriber.subscribe(None)
                holding: list[int] = []
                for _ in range(100):  # bounded wait for the worker to count it
                    holding = [pid for pid in workers if _own(directory, "gauge_livesum", pid, subscriptions)]
                    if holding:
                        break
                    await asyncio.sleep(0.1)
                assert len(holding) == 1, holding
                scraped = _samples((await client.get(f"{server.base_url}/metrics")).text)
                assert scraped[subscriptions] == 1

                os.kill(holding[0], signal.SIGKILL)
                for _ in range(100):  # until the process is gone (reaped by uvicorn's supervisor)
                    if not Path(f"/proc/{holding[0]}").exists():
                        break
                    await asyncio.sleep(0.1)
                scraped = _samples((await client.get(f"{server.base_url}/metrics")).text)
            finally:
                await subscriber.close()
    assert scraped[subscriptions] == 0


async def test_one_worker_keeps_its_metrics_in_memory(database_url: str, tmp_path: Path) -> None:
    """Even with the variable left in the environment: one process needs no files."""
    left_over = tmp_path / "metrics"
    left_over.mkdir()
    with serve(database_url, env={MULTIPROC_ENV: str(left_over)}) as server:
        async with httpx.AsyncClient(timeout=30) as client:
            await server.wait_ready(client)
            await client.get(f"{server.base_url}/health")
            scraped = _samples((await client.get(f"{server.base_url}/metrics")).text)
    assert scraped[HEALTH] >= 1
    assert list(left_over.iterdir()) == []
