"""The suite's split of its tests between the two GraphQL executors (conftest.executor_for):
a test on both backends runs under one executor on SQLite and the other on PostgreSQL,
wherever the backend stands among its parameters, and SMOOTH_EXECUTOR overrides the split."""

from __future__ import annotations

import pytest

from conftest import EXECUTORS, executor_for

PAIRS = [
    ("tests/a.py::test_one[sqlite]", "tests/a.py::test_one[postgres]"),
    ("tests/a.py::test_two[sqlite-ToolItem]", "tests/a.py::test_two[postgres-ToolItem]"),
    ("tests/a.py::test_three[ToolSet-sqlite]", "tests/a.py::test_three[ToolSet-postgres]"),
    ("tests/a.py::test_four[sqlite-ToolUsage-3]", "tests/a.py::test_four[postgres-ToolUsage-3]"),
]


@pytest.mark.parametrize(("on_sqlite", "on_postgres"), PAIRS)
def test_a_test_on_both_backends_runs_under_both_executors(
    on_sqlite: str, on_postgres: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SMOOTH_EXECUTOR", raising=False)
    assert {executor_for(on_sqlite), executor_for(on_postgres)} == set(EXECUTORS)


def test_both_executors_get_tests_on_each_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMOOTH_EXECUTOR", raising=False)
    names = [f"tests/a.py::test_{n}[sqlite]" for n in range(40)]
    assert {executor_for(name) for name in names} == set(EXECUTORS)


def test_the_environment_names_one_executor_for_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMOOTH_EXECUTOR", "graphql-core")
    assert {executor_for(name) for pair in PAIRS for name in pair} == {"graphql-core"}
