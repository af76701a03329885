"""The closed vocabularies of the domain, stored as their string values."""

from __future__ import annotations

import enum


class EntityType(enum.StrEnum):
    TOOL_ITEM = "ToolItem"
    TOOL_ASSEMBLY = "ToolAssembly"
    TOOL_INSTANCE = "ToolInstance"
    TOOL_PRESET = "ToolPreset"
    TOOL_USAGE = "ToolUsage"
    TOOL_SET = "ToolSet"


class ItemCategory(enum.StrEnum):
    CUTTING_TOOL = "CUTTING_TOOL"
    HOLDER = "HOLDER"
    INSERT = "INSERT"
    ADAPTER = "ADAPTER"
    PROBE = "PROBE"
    OTHER = "OTHER"


class ToolType(enum.StrEnum):
    DRILL = "DRILL"
    END_MILL = "END_MILL"
    BALL_END_MILL = "BALL_END_MILL"
    BULL_NOSE_END_MILL = "BULL_NOSE_END_MILL"
    CHAMFER_MILL = "CHAMFER_MILL"
    FACE_MILL = "FACE_MILL"
    SLOT_CUTTER = "SLOT_CUTTER"
    THREAD_MILL = "THREAD_MILL"
    TAP = "TAP"
    REAMER = "REAMER"
    CENTER_DRILL = "CENTER_DRILL"
    SPOT_DRILL = "SPOT_DRILL"
    COUNTERSINK = "COUNTERSINK"
    BORING_BAR = "BORING_BAR"
    ENGRAVER = "ENGRAVER"
    V_BIT = "V_BIT"
    TURNING = "TURNING"
    PROBE = "PROBE"
    OTHER = "OTHER"


class ComponentRole(enum.StrEnum):
    HOLDER = "HOLDER"
    CUTTER = "CUTTER"
    INSERT = "INSERT"
    ADAPTER = "ADAPTER"
    EXTENSION = "EXTENSION"
    COLLET = "COLLET"
    OTHER = "OTHER"


class InstanceStatus(enum.StrEnum):
    AVAILABLE = "AVAILABLE"
    IN_USE = "IN_USE"
    MAINTENANCE = "MAINTENANCE"
    NEEDS_INSPECTION = "NEEDS_INSPECTION"
    RETIRED = "RETIRED"
    OTHER = "OTHER"  # a legacy status text no member names; the text is kept beside it


class ToolSetType(enum.StrEnum):
    MACHINE_SETUP = "MACHINE_SETUP"
    JOB_SPECIFIC = "JOB_SPECIFIC"
    TEMPLATE = "TEMPLATE"
    PROJECT = "PROJECT"
    OTHER = "OTHER"  # a legacy type text no member names; the text is kept beside it


class ToolSetStatus(enum.StrEnum):
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    ARCHIVED = "ARCHIVED"
    OTHER = "OTHER"  # a legacy status text no member names; the text is kept beside it


class Operation(enum.StrEnum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    DELETED = "DELETED"
