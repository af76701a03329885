"""JSON with orjson for speed, the standard library wherever orjson would answer differently.

Large answers (a page of 1,000 items, a machine view) spend a good share of
their time in JSON: encoding the response, and decoding each row's JSON
columns as the database driver hands them over. orjson does both several
times faster.

Encoding: orjson writes the same compact UTF-8 text Starlette's JSONResponse
writes, and writes dates and times itself as the text `isoformat()` gives
(with the offset of an aware time), several times faster; so a response may
carry them as they are. It refuses integers beyond 64 bits, which a client
may have stored inside a JSON blob, and lone surrogates, which an error
message may echo from a client's input; those answers fall back to
`json.dumps` rather than failing: UTF-8 text like orjson's, or ASCII with
escapes when the text cannot be UTF-8 at all.

Decoding: orjson refuses what `json.loads` accepts beyond strict JSON (NaN,
Infinity, numbers past the double range, lone surrogates), and reads an
integer beyond 64 bits as a float, silently losing its digits. Such text goes
to `json.loads`: on an error, and whenever the text holds 19 digits in a row,
which every integer outside orjson's exact range does (a long serial number
in a string costs only the slower path). Everything else decodes the same
either way. The digits are looked for with `bytes.translate` and `in`, not a
regular expression: on a typical blob of a hundred characters the regular
expression took longer than orjson's whole parse. Text shorter than 19
characters (the JSON `null` of an empty column, `[]`, a short list of tags:
most of a row's JSON columns) cannot hold such a run and goes to orjson
directly; the check cost more than orjson's parse of it.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import orjson

# Integers orjson reads exactly: -2**63 .. 2**64 - 1. Any integer outside has 19+ digits,
# which survive this table as b"0" * 19 (every other byte becomes a space).
_DIGITS_AS_ZEROS = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_MAYBE_BEYOND_64_BITS = b"0" * 19


def dumps(value: object) -> bytes:
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        pass
    try:
        return json.dumps(
            value, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_iso
        ).encode()
    except UnicodeEncodeError:
        return json.dumps(value, allow_nan=False, separators=(",", ":"), default=_iso).encode()


def _iso(value: object) -> str:
    """The standard library's encoder, for what orjson writes natively: dates and times."""
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def loads(text: str) -> Any:
    """The value `json.loads(text)` returns (its exceptions too), usually by orjson."""
    if not isinstance(text, str):  # SQLite may hand over a number: json.loads' TypeError
        return json.loads(text)
    if len(text) < len(_MAYBE_BEYOND_64_BITS):  # `null`, `[]`, a short list of tags
        try:  # too short for 19 digits; a lone surrogate is orjson's JSONDecodeError
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            return json.loads(text)
    try:
        data = text.encode()
    except UnicodeEncodeError:  # a lone surrogate, which orjson refuses anyway
        return json.loads(text)
    if _MAYBE_BEYOND_64_BITS in data.translate(_DIGITS_AS_ZEROS):
        return json.loads(text)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(text)
