"""Errors are data (issue 14): the doors render their words from a reason and a field, never
from a message's text, and the error tree is a leaf anyone may import."""

from __future__ import annotations

import ast
from pathlib import Path

from smooth_gql.errors import (
    BadInput,
    FieldError,
    Forbidden,
    ItemError,
    ItemErrorCode,
    Reason,
    Unauthenticated,
)
from smooth_gql.legacy.collections import TOOL_USAGE as USAGE
from smooth_gql.rest_compat.messages import detail_of, item_message

ERRORS = Path(__file__).parents[2] / "smooth_gql" / "errors.py"


def _item(
    reason: Reason, field: str, problem: str, code: ItemErrorCode = ItemErrorCode.VALIDATION
) -> ItemError:
    return ItemError(0, None, code, reason, field, problem)


def test_the_error_tree_imports_nothing_of_the_package() -> None:
    imported = [
        node
        for node in ast.walk(ast.parse(ERRORS.read_text()))
        if isinstance(node, ast.ImportFrom)
        and (node.level > 0 or (node.module or "").startswith("smooth_gql"))
    ]
    assert imported == []


def test_graphql_words_are_the_label_and_the_problem() -> None:
    assert str(BadInput("expected a string", field="email")) == "email: expected a string"
    assert str(BadInput("x", field="tags", label="tags[2]")) == "tags[2]: x"
    assert BadInput("x", field="tags", label="tags[2]").extensions == {
        "code": "BAD_USER_INPUT",
        "field": "tags",
    }
    assert str(Forbidden("no", field="version", prefixed=False)) == "no"
    refused = FieldError("startTime", "'x' is not an ISO 8601 date-time", reason=Reason.NOT_A_TIME)
    assert (str(refused), refused.problem, refused.reason) == (
        "startTime: 'x' is not an ISO 8601 date-time",
        "'x' is not an ISO 8601 date-time",
        Reason.NOT_A_TIME,
    )


def test_rest_request_words_come_from_the_reason_whatever_the_problem_says() -> None:
    assert detail_of(Unauthenticated("reworded", reason=Reason.LOGIN_FAILED)) == "Invalid email or password"
    assert (
        detail_of(BadInput("reworded", field="email", reason=Reason.EMAIL_TAKEN))
        == "Email already registered"
    )
    assert detail_of(Unauthenticated("reworded")) == "Authentication required"
    assert detail_of(Forbidden("reworded", reason=Reason.SCOPE_REQUIRED)) == "Permission denied: reworded"
    assert detail_of(Forbidden("any words", field="expiresAt")) == "expires_at: any words"
    # A label that is not the field stays as GraphQL spells it.
    assert detail_of(Forbidden("any words", label="machineId")) == "machineId: any words"


def test_rest_item_words_come_from_the_reason_whatever_the_problem_says() -> None:
    sent = {"start_time": "garbage"}
    assert item_message(USAGE, _item(Reason.REQUIRED, "startTime", "reworded"), sent) == (
        "Field 'start_time' is required"
    )
    assert item_message(USAGE, _item(Reason.NOT_A_TIME, "startTime", "reworded"), sent) == (
        "Invalid isoformat string: 'garbage'"
    )
    assert item_message(USAGE, _item(Reason.INVALID, "startTime", "reworded"), sent) == "start_time: reworded"
    tags = _item(Reason.TAGS_REFUSED, "tags", "API key not authorized for tags: zz", ItemErrorCode.FORBIDDEN)
    assert item_message(USAGE, tags, {}) == "API key not authorized for tags: zz"
