"""JSON with orjson for speed, the standard library wherever orjson would answer differently.

Large answers (a page of 1,000 items, a machine view) spend a good share of
their time in JSON: encoding the response, and decoding each row's JSON
columns as the database driver hands them over. orjson does both several
times faster.

Encoding: orjson writes the same compact UTF-8 text Starlette's JSONResponse
writes. It refuses integers beyond 64 bits, which a client may have stored
inside a JSON blob, and lone surrogates, which an error message may echo from
a client's input; those answers fall back to `json.dumps` rather than
failing: UTF-8 text like orjson's, or ASCII with escapes when the text cannot
be UTF-8 at all.

Decoding: orjson refuses what `json.loads` accepts beyond strict JSON (NaN,
Infinity, numbers past the double range, lone surrogates), and reads an
integer beyond 64 bits as a float, silently losing its digits. Such text goes
to `json.loads`: on an error, and whenever the text holds 19 digits in a row,
which every integer outside orjson's exact range does (a long serial number
in a string costs only the slower path). Everything else decodes the same
either way.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

# Integers orjson reads exactly: -2**63 .. 2**64 - 1. Any integer outside has 19+ digits.
_MAYBE_BEYOND_64_BITS = re.compile(r"[0-9]{19}")


def dumps(value: object) -> bytes:
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        pass
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    except UnicodeEncodeError:
        return json.dumps(value, allow_nan=False, separators=(",", ":")).encode()


def loads(text: str) -> Any:
    """The value `json.loads(text)` returns (its exceptions too), usually by orjson."""
    if isinstance(text, str) and _MAYBE_BEYOND_64_BITS.search(text):
        return json.loads(text)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
