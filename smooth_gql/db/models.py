"""Tables of the domain model (DESIGN §2).

Relations are real foreign keys and join tables so that loaders, where-used queries and referential checks
are single indexed lookups. The services read and write these tables with Core statements (bulk, bounded
round trips); no ORM relationship is declared, so nothing can lazy-load behind a resolver's back.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .types import JSONText, JSONValue, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(36)
NAME = String(255)
SHORT = String(64)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def table_of(model: type[Base]) -> Table:
    """The Core table of a model (services write with Core statements)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


# --- identity ---------------------------------------------------------------


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-cased
    password_hash: Mapped[str | None] = mapped_column(String(100))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Session(Base):
    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginFailure(Base):
    """A failed login, counted by every worker alike (services/login_throttle.py); kept one window long."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    # SHA-256 of "account:<e-mail as typed>" or "address:<client address>": what was typed
    # into the e-mail field (sometimes a password) is never stored.
    key: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    __table_args__ = (Index("ix_login_failures_key_failed_at", "key", "failed_at"),)


class IdempotencyKey(Base):  # a keyed write's first outcome, for its retries (services/idempotency.py)
    __tablename__ = "idempotency_keys"
    principal_kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # "user" or "api_key"
    principal_id: Mapped[str] = mapped_column(ID, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_digest: Mapped[str] = mapped_column(String(64))  # sha256 of the canonical request
    state: Mapped[str] = mapped_column(String(16))  # "in_progress" inside its transaction, then "done"
    outcome: Mapped[Any | None] = mapped_column(JSONText)  # the BulkOutcome, once done
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)  # a claim's DELETE of expired keys: 0008
    __table_args__ = (Index("ix_idempotency_keys_caller", "principal_kind", "principal_id", "expires_at"),)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(NAME)
    prefix: Mapped[str] = mapped_column(String(32))
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSONValue)
    tags: Mapped[list[str]] = mapped_column(JSONValue)
    machine_id: Mapped[str | None] = mapped_column(NAME)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The key may run registered documents only (services/trusted_documents.py).
    trusted_documents_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    points_per_minute: Mapped[int | None] = mapped_column(BigInteger)  # its own budget; None: the server's
    requests_per_second: Mapped[int | None] = mapped_column(Integer)


class RateWindow(Base):  # a caller's minute of budget, every worker's (services/rate_windows.py); UNLOGGED
    __tablename__ = "rate_windows"
    caller: Mapped[str] = mapped_column(String(80), primary_key=True)  # "key:<id>", "address:<ip>", …
    minute: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # Unix time // 60
    points: Mapped[int] = mapped_column(BigInteger)  # spent in the minute
    second: Mapped[int] = mapped_column(BigInteger)  # Unix time of the latest request
    requests: Mapped[int] = mapped_column(Integer)  # in that second
    refused: Mapped[bool] = mapped_column(Boolean)  # the latest request was refused


class TrustedDocument(Base):
    """A GraphQL document an admin registered; requests may name it by `sha256` (its exact text's)."""

    __tablename__ = "trusted_documents"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    operation_names: Mapped[list[str]] = mapped_column(JSONValue)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


# --- the six tool entities ----------------------------------------------------


class EntityColumns:
    """Columns every tool entity carries (DESIGN §2)."""

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    updated_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    version: Mapped[int] = mapped_column(Integer)
    tags: Mapped[list[str]] = mapped_column(JSONValue)
    # The change-log `seq` of the row's latest change, kept beside the row so that
    # "rows changed after seq N" stays answerable once the log itself is pruned
    # (the legacy since-version sync, contract §0.1 item 8). NULL: no change recorded.
    change_seq: Mapped[int | None] = mapped_column(BigInteger, index=True)
    # Creation order, the tie-break after `created_at` (rows made by one bulk call share
    # it): the seq of the row's first change, stamped with `change_seq` in the write's own
    # transaction (services/journal.stamp_rows), so it follows input order within a call and
    # commit order across calls on both databases. Backups carry it; migration 0005 numbered
    # the rows that existed before. NULL only inside the transaction that inserts the row.
    insert_seq: Mapped[int | None] = mapped_column(BigInteger)


class ToolItem(EntityColumns, Base):
    __tablename__ = "tool_items"
    name: Mapped[str] = mapped_column(NAME)
    description: Mapped[str | None] = mapped_column(Text)
    manufacturer: Mapped[str | None] = mapped_column(NAME)
    part_number: Mapped[str | None] = mapped_column(NAME)
    category: Mapped[str] = mapped_column(SHORT)
    legacy_category: Mapped[str | None] = mapped_column(NAME)
    tool_type: Mapped[str | None] = mapped_column(SHORT)
    geometry: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    material: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    capabilities: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    shape_data: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    iso13399_reference: Mapped[str | None] = mapped_column(NAME)
    parent_tool_id: Mapped[str | None] = mapped_column(ForeignKey("tool_items.id"), index=True)

    __table_args__ = (Index("ix_tool_items_owner_created", "owner_id", "created_at", "insert_seq", "id"),)


class ToolAssembly(EntityColumns, Base):
    __tablename__ = "tool_assemblies"
    name: Mapped[str] = mapped_column(NAME)
    description: Mapped[str | None] = mapped_column(Text)
    assembly_data: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    computed_geometry: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    # The legacy free-form `components` array, kept verbatim for REST clients.
    legacy_components: Mapped[Any] = mapped_column(JSONValue, nullable=True)

    __table_args__ = (
        Index("ix_tool_assemblies_owner_created", "owner_id", "created_at", "insert_seq", "id"),
    )


class AssemblyComponent(Base):
    __tablename__ = "assembly_components"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assembly_id: Mapped[str] = mapped_column(ForeignKey("tool_assemblies.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("tool_items.id"), index=True)
    role: Mapped[str] = mapped_column(SHORT)
    position: Mapped[int | None] = mapped_column(Integer)
    gauge_offset: Mapped[float | None] = mapped_column(Float)


class ToolInstance(EntityColumns, Base):
    __tablename__ = "tool_instances"
    tool_item_id: Mapped[str | None] = mapped_column(ForeignKey("tool_items.id"), index=True)
    tool_assembly_id: Mapped[str | None] = mapped_column(ForeignKey("tool_assemblies.id"), index=True)
    serial_number: Mapped[str | None] = mapped_column(NAME)
    status: Mapped[str] = mapped_column(SHORT)
    legacy_status: Mapped[str | None] = mapped_column(NAME)
    measurements: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    location: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    lifecycle: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    purchase_date: Mapped[date | None] = mapped_column(Date)
    last_calibration: Mapped[date | None] = mapped_column(Date)
    calibration_due: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        # NULL serials are distinct on both databases, so legacy rows without one coexist.
        UniqueConstraint("owner_id", "serial_number", name="uq_tool_instances_owner_serial"),
        Index("ix_tool_instances_owner_created", "owner_id", "created_at", "insert_seq", "id"),
    )


class ToolPreset(EntityColumns, Base):
    __tablename__ = "tool_presets"
    name: Mapped[str] = mapped_column(NAME)
    description: Mapped[str | None] = mapped_column(Text)
    tool_instance_id: Mapped[str | None] = mapped_column(ForeignKey("tool_instances.id"), index=True)
    machine_id: Mapped[str] = mapped_column(NAME)
    tool_number: Mapped[int | None] = mapped_column(BigInteger)
    pocket: Mapped[int | None] = mapped_column(BigInteger)
    parameters: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    offsets: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    orientation: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    limits: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    is_default: Mapped[bool] = mapped_column(Boolean)
    loaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    loaded_by: Mapped[str | None] = mapped_column(NAME)

    __table_args__ = (
        UniqueConstraint(
            "owner_id", "machine_id", "tool_number", name="uq_tool_presets_owner_machine_number"
        ),
        Index("ix_tool_presets_owner_created", "owner_id", "created_at", "insert_seq", "id"),
        Index("ix_tool_presets_machine", "owner_id", "machine_id"),
    )


class ToolUsage(EntityColumns, Base):
    __tablename__ = "tool_usages"
    tool_instance_id: Mapped[str | None] = mapped_column(ForeignKey("tool_instances.id"), index=True)
    preset_id: Mapped[str | None] = mapped_column(ForeignKey("tool_presets.id"), index=True)
    machine_id: Mapped[str | None] = mapped_column(NAME)
    program_name: Mapped[str | None] = mapped_column(NAME)
    operator: Mapped[str | None] = mapped_column(NAME)
    start_time: Mapped[datetime] = mapped_column(UTCDateTime)
    end_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cycle_count: Mapped[int | None] = mapped_column(BigInteger)
    cut_time: Mapped[float | None] = mapped_column(Float)
    usage_metrics: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    wear_measurements: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    events: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_tool_usages_owner_created", "owner_id", "created_at", "insert_seq", "id"),)


class ToolSet(EntityColumns, Base):
    __tablename__ = "tool_sets"
    name: Mapped[str] = mapped_column(NAME)
    description: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str] = mapped_column(SHORT)
    legacy_type: Mapped[str | None] = mapped_column(NAME)
    status: Mapped[str] = mapped_column(SHORT)
    legacy_status: Mapped[str | None] = mapped_column(NAME)
    is_global: Mapped[bool] = mapped_column(Boolean)
    machine_id: Mapped[str | None] = mapped_column(NAME)
    job_id: Mapped[str | None] = mapped_column(NAME)
    members: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    capacity: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    activation: Mapped[Any] = mapped_column(JSONValue, nullable=True)

    __table_args__ = (Index("ix_tool_sets_owner_created", "owner_id", "created_at", "insert_seq", "id"),)


class ToolSetInstance(Base):
    __tablename__ = "tool_set_instances"
    tool_set_id: Mapped[str] = mapped_column(ForeignKey("tool_sets.id", ondelete="CASCADE"), primary_key=True)
    tool_instance_id: Mapped[str] = mapped_column(
        ForeignKey("tool_instances.id"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer)


class ToolSetPreset(Base):
    __tablename__ = "tool_set_presets"
    tool_set_id: Mapped[str] = mapped_column(ForeignKey("tool_sets.id", ondelete="CASCADE"), primary_key=True)
    tool_preset_id: Mapped[str] = mapped_column(ForeignKey("tool_presets.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)


class ToolSetVersion(Base):
    """An immutable snapshot of a tool set at one version (contract §11)."""

    __tablename__ = "tool_set_versions"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tool_set_id: Mapped[str] = mapped_column(ForeignKey("tool_sets.id", ondelete="CASCADE"))
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[Any] = mapped_column(JSONValue)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    change_summary: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("tool_set_id", "version", name="uq_tool_set_versions_set_version"),)


# --- history ------------------------------------------------------------------


class AuditLog(Base):
    """One immutable record per element of every write, failures included."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    id: Mapped[str] = mapped_column(ID, unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    owner_id: Mapped[str | None] = mapped_column(ID, index=True)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    operation: Mapped[str] = mapped_column(String(20))
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(ID)
    changes: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    result: Mapped[str] = mapped_column(String(20))
    error_message: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_audit_log_entity", "entity_type", "entity_id"),
        {"sqlite_autoincrement": True},
    )


class ChangeLog(Base):
    """The change feed's source of truth (DESIGN §4): one row per committed change."""

    __tablename__ = "change_log"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(ID)
    operation: Mapped[str] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer)
    owner_id: Mapped[str] = mapped_column(ID, index=True)
    tags: Mapped[list[str]] = mapped_column(JSONValue)
    machine_id: Mapped[str | None] = mapped_column(NAME)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str] = mapped_column(ID)

    __table_args__ = ({"sqlite_autoincrement": True},)


class ChangeLogFloor(Base):
    """The highest seq a full restore took out of the change log (one row, or none yet): a cursor
    below it may have missed a change (CURSOR_EXPIRED). While the log holds rows its oldest says as
    much (retention keeps the newest); this row keeps the mark when a restore empties the log."""

    __tablename__ = "change_log_floor"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
