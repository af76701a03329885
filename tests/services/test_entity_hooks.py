"""Each entity's own write rules, as the hooks on its spec state them (services/entities.py).

The write pipeline calls these hooks and nothing else that is particular to one
entity; the doors' tests cover them end to end, these pin each rule alone.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from smooth_gql.enums import EntityType
from smooth_gql.errors import FieldError
from smooth_gql.services.entities import SPECS, TOOL_ASSEMBLY, TOOL_SET, TOOL_USAGE
from smooth_gql.services.entity_spec import kept_links
from smooth_gql.services.write_parse import parse_fields
from smooth_gql.services.write_request import WriteRequest

PRESET, INSTANCE, OTHER = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
TARGETS = {
    EntityType.TOOL_PRESET: {PRESET: {"id": PRESET, "tool_instance_id": INSTANCE, "machine_id": "mill-1"}}
}


def test_only_the_assembly_has_a_create_shorthand() -> None:
    assert [spec.type for spec in SPECS.values() if spec.expand_create] == [EntityType.TOOL_ASSEMBLY]


def test_assembly_holder_and_cutter_ids_become_components_after_the_listed_ones() -> None:
    expand = TOOL_ASSEMBLY.expand_create
    assert expand is not None
    listed = {"item_id": OTHER, "role": "OTHER"}
    item = {"name": "a", "holder_id": INSTANCE, "cutter_id": PRESET, "components": [listed]}
    assert expand(item) == {
        "name": "a",
        "components": [
            listed,
            {"item_id": INSTANCE, "role": "HOLDER"},
            {"item_id": PRESET, "role": "CUTTER"},
        ],
    }
    assert item["components"] == [listed]  # the caller's input is left as it was
    plain = {"name": "a"}
    assert expand(plain) is plain


def test_only_the_usage_record_derives_values_from_its_references() -> None:
    derives = [spec.type for spec in SPECS.values() if spec.derive_from_references]
    assert derives == [EntityType.TOOL_USAGE]


def _derive(row: dict[str, Any], sent: Any) -> dict[str, Any]:
    hook = TOOL_USAGE.derive_from_references
    assert hook is not None
    hook(row, sent, TARGETS)
    return row


def test_a_created_usage_record_takes_instance_and_machine_from_its_preset() -> None:
    row = {"preset_id": PRESET, "tool_instance_id": None, "machine_id": None}
    assert _derive(row, set(row)) == {
        "preset_id": PRESET,
        "tool_instance_id": INSTANCE,
        "machine_id": "mill-1",
    }
    kept = {"preset_id": PRESET, "tool_instance_id": INSTANCE, "machine_id": "lathe"}
    assert _derive(dict(kept), set(kept)) == kept  # a machine the client gave stays
    none = {"preset_id": None, "tool_instance_id": None, "machine_id": None}
    assert _derive(dict(none), set(none)) == none


def test_a_usage_record_may_not_name_another_instance_than_its_preset() -> None:
    row = {"preset_id": PRESET, "tool_instance_id": OTHER, "machine_id": None}
    with pytest.raises(FieldError, match="toolInstanceId: differs from the instance of the given preset"):
        _derive(row, set(row))


def test_an_update_naming_a_new_preset_drops_the_old_presets_instance_and_machine() -> None:
    row = {"preset_id": PRESET, "tool_instance_id": OTHER, "machine_id": "old"}
    assert _derive(row, {"preset_id"}) == {
        "preset_id": PRESET,
        "tool_instance_id": INSTANCE,
        "machine_id": "mill-1",
    }
    cleared = {"preset_id": None, "tool_instance_id": OTHER, "machine_id": "old"}
    assert _derive(cleared, {"preset_id"}) == {
        "preset_id": None,
        "tool_instance_id": None,
        "machine_id": None,
    }
    untouched = {"preset_id": PRESET, "tool_instance_id": OTHER, "machine_id": "old"}
    assert _derive(dict(untouched), {"machine_id"}) == untouched  # no preset sent: nothing derived


def test_a_tool_set_lists_a_member_once_an_assembly_may_repeat_a_component() -> None:
    with pytest.raises(FieldError, match=r"toolPresetIds\[1\]: .* is listed twice"):
        parse_fields(TOOL_SET, {"tool_preset_ids": [PRESET, PRESET]}, creating=False)
    twice = [{"item_id": OTHER, "role": "INSERT"}, {"item_id": OTHER, "role": "INSERT"}]
    _, joins = parse_fields(TOOL_ASSEMBLY, {"components": twice}, creating=False)
    assert [row["item_id"] for row in joins["components"]] == [OTHER, OTHER]


def test_legacy_links_keep_unique_members_once_and_every_component() -> None:
    members = [{"tool_preset_id": PRESET, "position": 0}, {"tool_preset_id": PRESET, "position": 1}]
    kept = kept_links(TOOL_SET, {"tool_preset_ids": members}, lambda _entity, _id: True)
    assert kept == {"tool_preset_ids": [{"tool_preset_id": PRESET, "position": 0}]}
    components = [{"item_id": OTHER, "position": 3}, {"item_id": OTHER, "position": 3}]
    kept = kept_links(TOOL_ASSEMBLY, {"components": components}, lambda _entity, _id: True)
    assert kept == {"components": components}


def test_relations_are_found_by_name() -> None:
    assert TOOL_SET.join("tool_preset_ids").table.name == "tool_set_presets"
    assert TOOL_ASSEMBLY.join("components").table.name == "assembly_components"
    with pytest.raises(KeyError, match="ToolSet has no relation 'presets'"):
        TOOL_SET.join("presets")


def test_a_request_refuses_an_option_its_verb_does_not_take() -> None:
    request = WriteRequest(EntityType.TOOL_SET, [], history_summary=("before", "after"))
    assert not request.needs_expected_version
    with pytest.raises(TypeError, match="create does not take the option history_summary"):
        request.refuse_options("create", "history_summary")
    WriteRequest(EntityType.TOOL_SET, []).refuse_options("create", "history_summary")
