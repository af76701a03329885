"""Opaque change-feed cursors. They encode the log's global `seq`; clients must not parse them."""

from __future__ import annotations

import base64
import binascii
import functools
import re

from ..errors import BadInput
from ..services.fields import INT64_MAX

PREFIX = "chg:"
# ASCII digits only (str.isdigit also takes '²'), at most 19 of them: the seq is a 64-bit number.
_SEQ = re.compile(re.escape(PREFIX) + "([0-9]{1,19})")


@functools.lru_cache(maxsize=4096)
def encode(seq: int) -> str:
    """Cached: every follower of a worker encodes the same new changes (a few thousand kept)."""
    return base64.urlsafe_b64encode(f"{PREFIX}{seq}".encode()).decode()


def decode(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        text = ""
    found = _SEQ.fullmatch(text)
    if found is not None and int(found.group(1)) <= INT64_MAX:
        return int(found.group(1))
    raise BadInput(
        "not a change-feed cursor; resynchronize in full and start from a new cursor", field="after"
    )
