"""An id check's answer is the uuid module's, whichever path gives it (services/fields.py reads
an id already in the stored form by matching it, any other text through `uuid.UUID`)."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_property_mutations import fuzzing

from smooth_gql.errors import FieldError
from smooth_gql.services.fields import check_id

HEX = "0123456789abcdefABCDEF"
# Stored ids, their other spellings, and near misses (a digit short, a stray character).
ID_TEXT = st.uuids().map(str).flatmap(
    lambda text: st.sampled_from(
        [
            text,
            text.upper(),
            text.replace("-", ""),
            "{" + text + "}",
            "urn:uuid:" + text,
            text + "\n",
            text[:-1],
            text[:8] + "_" + text[9:],
            " " + text,
            text[:35] + "g",
        ]
    )
) | st.text(alphabet=HEX + "-{}:urnid \n", min_size=30, max_size=40)


@fuzzing(300)
@given(ID_TEXT)
def test_an_id_reads_as_the_uuid_module_reads_it(text: str) -> None:
    try:
        expected = str(uuid.UUID(text))
    except ValueError:
        with pytest.raises(FieldError):
            check_id("id", text)
    else:
        assert check_id("id", text) == expected
