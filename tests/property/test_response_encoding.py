"""Values the encoders and drivers refuse are still answered, exactly.

Responses are encoded with orjson, which refuses integers beyond 64 bits and
lone surrogates; such answers must fall back to the standard library instead
of failing or rounding. Stored JSON is decoded with orjson too, which would
read such an integer as a float: those must come back exact. Ids that no
driver can send (NUL, lone surrogates) must read as missing rather than fail.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_property_mutations import JSON_VALUES, fuzzing

from conftest import Api
from smooth_gql.json_codec import dumps, loads
from support.factories import item

HUGE = 2**70 + 1
# Around the edges of what orjson reads exactly (-2**63 .. 2**64 - 1), and the longest
# integers that are not past them.
EDGES = [-(2**63) - 1, -(2**63), 2**63 - 1, 2**63, 2**64 - 1, 2**64, 10**18, -(10**18), 10**19, HUGE]


async def test_a_huge_integer_in_a_blob_round_trips_through_graphql_and_rest(api: Api) -> None:
    item_id = await item(api, geometry={"serial": HUGE, "name": "Ø 6 × 50"})
    data = await api.gql("query($id: ID!) { toolItem(id: $id) { geometry } }", {"id": item_id})
    assert data["toolItem"]["geometry"] == {"serial": HUGE, "name": "Ø 6 × 50"}
    response = await api.client.get(f"/api/v1/tool-items/{item_id}")
    assert response.status_code == 200
    assert response.json()["geometry"] == {"serial": HUGE, "name": "Ø 6 × 50"}
    assert "Ø 6 × 50".encode() in response.content  # UTF-8 as written, like the legacy server


async def test_an_error_echoing_a_lone_surrogate_is_still_answered(api: Api) -> None:
    """orjson cannot encode a lone surrogate; the message that echoes one must still go out."""
    request = {
        "query": "mutation($input: [ToolInstanceCreateInput!]!) { createToolInstances(input: $input) { successCount } }",
        "variables": {"input": [{"serialNumber": "SN-1", "purchaseDate": "\ud800"}]},
    }
    # json.dumps escapes the surrogate, as a hostile client's body would carry it.
    response = await api.client.post(
        "/graphql", content=json.dumps(request), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200
    body = response.json()
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "\ud800" in error["message"]
    assert await api.scalar("SELECT count(*) FROM tool_instances") == 0


async def test_a_tool_set_id_that_is_no_id_at_all_reads_as_missing(api: Api) -> None:
    """A NUL or a lone surrogate cannot even be sent to the database: such an id is simply a miss."""
    for bad in ("\x00", "\ud800", "x" * 5000):
        request = {
            "query": "mutation($id: ID!) { restoreToolSetVersion(toolSetId: $id, version: 1) { id } }",
            "variables": {"id": bad},
        }
        response = await api.client.post(
            "/graphql", content=json.dumps(request), headers={"content-type": "application/json"}
        )
        [error] = response.json()["errors"]
        assert error["extensions"]["code"] == "NOT_FOUND", (bad, error)


async def test_integers_at_the_edge_of_64_bits_come_back_exact_in_a_rest_list(api: Api) -> None:
    """The list route reads through the same JSON decoding as everything else: no integer may
    come back as a float, and floats keep every digit."""
    geometry = {"edges": EDGES, "diameter": 6.35, "tiny": 5e-324, "serial": "12345678901234567890"}
    item_id = await item(api, geometry=geometry)
    response = await api.client.get("/api/v1/tool-items?limit=10")
    assert response.status_code == 200
    [shown] = [i for i in response.json()["items"] if i["id"] == item_id]
    assert shown["geometry"] == geometry
    assert all(type(n) is int for n in shown["geometry"]["edges"])


def _same(a: object, b: object) -> bool:
    """Equal, and of the same types all the way down (1 is not 1.0; NaN equals NaN)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


NUMBER_TEXT = st.from_regex(r"-?(0|[1-9][0-9]{0,24})(\.[0-9]{1,20})?([eE][+-]?[0-9]{1,3})?", fullmatch=True)
STORED_TEXT = (
    JSON_VALUES.map(json.dumps)  # as the database holds what the services wrote
    | st.recursive(
        st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(EDGES), st.lists, max_leaves=5
    ).map(json.dumps)  # NaN and Infinity: json.dumps writes them, orjson refuses them
    | NUMBER_TEXT
    | st.sampled_from(['"\\ud800"', "[1e400]", '{"a": 1, "a": 2}', " null ", "-0", "-0.0", "[]"])
)


@fuzzing(400)
@given(STORED_TEXT)
def test_stored_json_decodes_to_what_the_standard_library_reads(text: str) -> None:
    assert _same(loads(text), json.loads(text))


@fuzzing(200)
@given(st.datetimes(timezones=st.just(UTC)) | st.datetimes() | st.dates(), st.booleans())
def test_times_are_written_as_isoformat_writes_them(moment: date, beyond_64_bits: bool) -> None:
    """Responses carry times as they are: orjson writes them, or the standard library when
    something else in the answer (an integer beyond 64 bits) needs it; the text is the same."""
    document = {"at": moment, "n": 2**64 if beyond_64_bits else 1}
    assert (
        dumps(document)
        == json.dumps({"at": moment.isoformat(), "n": document["n"]}, separators=(",", ":")).encode()
    )


def test_what_neither_encoder_knows_is_still_refused() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        dumps({"at": object()})
