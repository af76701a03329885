"""The printed table and the JSON file: same figures, one for people, one for tools."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .dataset import Dataset
from .measure import Result, Series

NOISE_NOTE = (
    "note: this machine is shared (other jobs run beside the benchmark), so the figures are noisy;"
    " compare ratios, and rerun before trusting a difference of less than ~20%."
)


@dataclass(frozen=True)
class Environment:
    cpus: int | None
    python: str
    platform: str
    dialect: str
    driver: str
    database: str

    @classmethod
    def current(cls, dialect: str, driver: str, database: str) -> Environment:
        return cls(
            cpus=os.cpu_count(),
            python=f"{platform.python_version()} ({platform.python_implementation()})",
            platform=f"{platform.system()} {platform.release()} {platform.machine()}",
            dialect=dialect,
            driver=driver,
            database=database,
        )

    def lines(self) -> list[str]:
        return [
            f"machine:  os.cpu_count()={self.cpus}, Python {self.python}, {self.platform}",
            f"database: {self.dialect} (driver {self.driver}): {self.database}",
            NOISE_NOTE,
        ]


def _range(values: list[int]) -> str:
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}–{high}"


def _timing(series: Series) -> str:
    return f"{series.median:9.1f} ({series.min:.1f}–{series.max:.1f})"


def table(results: list[Result]) -> str:
    header = f"{'workload':<32} {'GraphQL ms: median (min–max)':>30} {'floor ms: median (min–max)':>28} {'ratio':>7} {'target':>7}  {'verdict':<7}"
    lines = [header, "-" * len(header)]
    for r in results:
        w = r.workload
        if not r.complete:
            lines.append(f"{w.title:<32} FAILED: {r.error}")
            continue
        ratio = r.ratio
        assert ratio is not None
        verdict = "ok" if r.within_target else "MISS"
        lines.append(
            f"{w.title:<32} {_timing(r.graphql):>30} {_timing(r.floor):>28} {ratio:6.2f}× {'≤ ' + format(w.target, 'g') + '×':>7}  {verdict:<7}"
        )
    lines.append("")
    lines.append(
        "per call: SQL statements sent (BEGIN excluded) / connection-pool checkouts (sessions opened)"
    )
    for r in results:
        if r.graphql.statements and r.floor.statements:
            lines.append(
                f"  {r.workload.title:<32} GraphQL {_range(r.graphql.statements):>3} / {_range(r.graphql.checkouts):<3}"
                f"  floor {_range(r.floor.statements):>3} / {_range(r.floor.checkouts)}"
            )
    lines.append("")
    lines.append(
        "CPU ms per call of this process (all threads; a PostgreSQL server's own CPU is not in it): median"
    )
    for r in results:
        cpu_ratio = r.cpu_ratio
        if cpu_ratio is not None:
            lines.append(
                f"  {r.workload.title:<32} GraphQL {r.graphql.cpu_median:8.1f}  floor {r.floor.cpu_median:8.1f}  {cpu_ratio:5.2f}×"
            )
    return "\n".join(lines)


def _series(series: Series) -> dict[str, Any] | None:
    if not series.times_ms:
        return None
    return {
        "median_ms": round(series.median, 3),
        "min_ms": round(series.min, 3),
        "max_ms": round(series.max, 3),
        "runs_ms": [round(t, 3) for t in series.times_ms],
        "cpu_median_ms": round(series.cpu_median, 3),
        "cpu_runs_ms": [round(t, 3) for t in series.cpu_ms],
        "statements": series.statements,
        "pool_checkouts": series.checkouts,
    }


def as_json(
    environment: Environment, dataset: Dataset, results: list[Result], settings: dict[str, Any]
) -> dict[str, Any]:
    return {
        "machine": {
            "cpu_count": environment.cpus,
            "python": environment.python,
            "platform": environment.platform,
        },
        "database": {
            "dialect": environment.dialect,
            "driver": environment.driver,
            "description": environment.database,
        },
        "settings": settings,
        "dataset": {
            "row_counts": dataset.row_counts,
            "build_seconds": round(dataset.build_seconds, 3),
            "machines": dataset.machines,
        },
        "results": [
            {
                "key": r.workload.key,
                "workload": r.workload.title,
                "target_ratio": r.workload.target,
                "graphql": _series(r.graphql),
                "floor": _series(r.floor),
                "ratio": None if r.ratio is None else round(r.ratio, 3),
                "cpu_ratio": None if r.cpu_ratio is None else round(r.cpu_ratio, 3),
                "within_target": r.within_target,
                "error": r.error,
            }
            for r in results
        ],
        "note": NOISE_NOTE,
    }


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2) + "\n")
