"""The README's walkthrough runs as written, and the README links nothing outside the repository.

Every ```graphql block of README.md is run in the order it appears, through the real app,
with authentication on as a first reader has it: queries and mutations over HTTP (must answer
without errors, every bulk write without a per-item error), subscriptions checked against the
schema (the change-feed tests run them for real). A block fenced ```graphql fragment is shown
but not run, for a piece that cannot stand alone.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from graphql import OperationDefinitionNode, OperationType, parse, validate

from conftest import Api
from smooth_gql.schema import schema

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", ROOT / "bench" / "RESULTS.md"]
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
# Hosts an address may name: this machine, and names reserved for examples (RFC 2606), which
# can never lead outside. A shop network may be cut off from the internet; the docs must not.
LOCAL_HOSTS = {"127.0.0.1", "localhost", "…"}  # "ws://…/graphql": the reader's own server, elided
EXAMPLE_HOSTS = re.compile(r"(^|\.)(example\.(com|net|org)|[a-z0-9-]+\.example)$")


def graphql_blocks(markdown: str) -> list[str]:
    """The walkthrough's documents, in order; `graphql fragment` fences are left out."""
    return [body for info, body in FENCE.findall(markdown) if info.split() == ["graphql"]]


def _bulk_errors(data: Any) -> list[Any]:
    """Per-item errors anywhere in a response: a walkthrough write must succeed whole."""
    if isinstance(data, dict):
        found = [data] if data.get("errorCount") or data.get("errors") else []
        return found + [e for value in data.values() for e in _bulk_errors(value)]
    if isinstance(data, list):
        return [e for value in data for e in _bulk_errors(value)]
    return []


def _operation(document: str) -> OperationDefinitionNode:
    operations = [d for d in parse(document).definitions if isinstance(d, OperationDefinitionNode)]
    assert len(operations) == 1, f"one operation per block, so it can be run as it stands:\n{document}"
    return operations[0]


def test_the_walkthrough_has_the_steps_a_reader_needs() -> None:
    blocks = graphql_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    text = "\n".join(blocks)
    for step in ("register(", "login(", "createToolItems(", "createToolPresets(", "toolPresets(", "changes("):
        assert step in text, f"the walkthrough lost its {step} step"
    presets = next(b for b in blocks if "createToolPresets(" in b)
    assert "name:" in presets, "a preset needs its name"


@pytest.mark.settings(auth_enabled=True)
async def test_the_graphql_walkthrough_runs_as_written(api: Api) -> None:
    blocks = graphql_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(blocks) >= 8
    for index, document in enumerate(blocks):
        if _operation(document).operation is OperationType.SUBSCRIPTION:
            problems = validate(schema._schema, parse(document))
            assert not problems, f"README block {index}: {problems}\n{document}"
            continue
        response = await api.client.post("/graphql", json={"query": document})
        assert response.status_code == 200, f"README block {index}: {response.text}\n{document}"
        body = response.json()
        assert "errors" not in body, f"README block {index}: {body['errors']}\n{document}"
        assert not _bulk_errors(body["data"]), f"README block {index}: {body['data']}\n{document}"
    view = next(b for b in blocks if b.lstrip().startswith("{\n  toolPresets("))
    machine = (await api.gql(view))["toolPresets"]
    assert machine["totalCount"] == 1
    assert machine["edges"][0]["node"]["toolInstance"]["toolAssembly"]["components"]


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+ (.+)$", markdown, re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_links_stay_inside_the_repository(document: Path) -> None:
    markdown = document.read_text(encoding="utf-8")
    for url in re.findall(r"\b(?:https?|wss?|ftp)://[^\s)`'\">]+", markdown):
        host = urlsplit(url).hostname or url.split("://", 1)[1].split("/", 1)[0]
        assert host in LOCAL_HOSTS or EXAMPLE_HOSTS.search(host), f"{document.name} links out: {url}"
    for mention in re.findall(r"(?<![\w.])((?:\.\./)+[\w./-]+)", markdown):  # `../x` in prose, too
        escapes = not (document.parent / mention).resolve().is_relative_to(ROOT)
        assert not escapes, f"{document.name} names a file outside the repository: {mention}"
    for target in re.findall(r"\]\(([^)\s]+)\)", markdown):
        path, _, anchor = target.partition("#")
        assert "://" not in path and not path.startswith(("/", "mailto:")), target
        linked = (document.parent / path).resolve() if path else document
        assert linked.is_relative_to(ROOT), f"{document.name} links outside the repository: {target}"
        assert linked.exists(), f"{document.name} links to a missing file: {target}"
        if anchor and linked.suffix == ".md":
            assert anchor in _anchors(linked.read_text(encoding="utf-8")), f"no heading for {target}"
