"""What pricing an operation (issue 15's query cost) adds to a request, in the same run.

Every operation is priced in the linear walk that measured the document's size before
the cost existed (`document_cost`); the app has no switch to leave the price out, so the
with/without comparison is that walk with and without the price, on each measured
workload's own document and variables, against the workload's GraphQL median. (The
other part of the feature, `extensions.cost` in the response, is one small object.)
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from graphql import parse

from smooth_gql.config import Settings
from smooth_gql.document_cost import document_cost
from smooth_gql.graphql_limits import selected_operation
from smooth_gql.query_cost import Pricing
from smooth_gql.schema import schema

from .measure import Result
from .workloads import TrustedDocument

REPEATS = 201


def _median_us(work: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6


def pricing_cost(query: str, variables: dict[str, Any], settings: Settings) -> tuple[float, float]:
    """Median µs of the walk with the price (as every request now runs it) and without."""
    document = parse(query)
    graphql_schema = schema._schema

    def priced() -> object:
        _, operation = selected_operation(document, None)
        pricing = Pricing.of(
            graphql_schema,
            operation,
            variables,
            default_page=settings.default_page_size,
            max_page=settings.max_page_size,
        )
        return document_cost(document, pricing)

    return _median_us(priced), _median_us(lambda: document_cost(document))


def report(results: list[Result]) -> str:
    """One line per workload with a document: what the price adds, in µs and in per cent of the
    median of the request that sends the document as text."""
    settings = Settings()
    lines = ["query cost (issue 15): the document walk with / without the price, median of 201"]
    for result in results:
        workload = result.workload
        # A trusted-document workload prices its read's document; its text side is the read.
        source, series = (
            (workload.base, result.floor)
            if isinstance(workload, TrustedDocument)
            else (workload, result.graphql)
        )
        query, variables = getattr(source, "query", None), getattr(source, "variables", None)
        if not isinstance(query, str) or variables is None or not result.complete:
            continue
        with_price, without = pricing_cost(query, variables(), settings)
        added_ms = (with_price - without) / 1000
        share = 100 * added_ms / series.median
        lines.append(
            f"  {workload.title:<32} {with_price:8.1f} / {without:8.1f} µs: +{added_ms:.3f} ms, "
            f"{share:.3f} % of its median"
        )
    return "\n".join(lines)
