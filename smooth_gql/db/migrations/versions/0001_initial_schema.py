"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 09:41:31.785855
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import smooth_gql.db.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "change_log",
        sa.Column(
            "seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("entity_type", sa.String(length=50), nullable=False),
        sa.Column("entity_id", sa.String(length=36), nullable=False),
        sa.Column("operation", sa.String(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("machine_id", sa.String(length=255), nullable=True),
        sa.Column("changed_at", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_change_log")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_change_log_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=100), nullable=True),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("prefix", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "scopes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("machine_id", sa.String(length=255), nullable=True),
        sa.Column("expires_at", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_keys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_user_id"), ["user_id"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column(
            "seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=True),
        sa.Column("timestamp", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("operation", sa.String(length=20), nullable=False),
        sa.Column("entity_type", sa.String(length=50), nullable=False),
        sa.Column("entity_id", sa.String(length=36), nullable=False),
        sa.Column(
            "changes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_audit_log_user_id_users")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("id", name=op.f("uq_audit_log_id")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_entity", ["entity_type", "entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_timestamp"), ["timestamp"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_user_id"), ["user_id"], unique=False)

    op.create_table(
        "sessions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sessions_token_hash")),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "tool_assemblies",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "assembly_data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "computed_geometry",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "legacy_components",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_tool_assemblies_created_by_users")
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_tool_assemblies_owner_id_users")),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users.id"], name=op.f("fk_tool_assemblies_updated_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tool_assemblies")),
    )
    with op.batch_alter_table("tool_assemblies", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tool_assemblies_owner_created", ["owner_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_tool_assemblies_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tool_assemblies_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "tool_items",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("manufacturer", sa.String(length=255), nullable=True),
        sa.Column("part_number", sa.String(length=255), nullable=True),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("legacy_category", sa.String(length=255), nullable=True),
        sa.Column("tool_type", sa.String(length=64), nullable=True),
        sa.Column(
            "geometry",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "material",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "capabilities",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "shape_data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("iso13399_reference", sa.String(length=255), nullable=True),
        sa.Column("parent_tool_id", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_tool_items_created_by_users")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_tool_items_owner_id_users")),
        sa.ForeignKeyConstraint(
            ["parent_tool_id"], ["tool_items.id"], name=op.f("fk_tool_items_parent_tool_id_tool_items")
        ),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], name=op.f("fk_tool_items_updated_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tool_items")),
    )
    with op.batch_alter_table("tool_items", schema=None) as batch_op:
        batch_op.create_index("ix_tool_items_owner_created", ["owner_id", "created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tool_items_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tool_items_parent_tool_id"), ["parent_tool_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tool_items_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "tool_sets",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("legacy_type", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=64), nullable=False),
        sa.Column("legacy_status", sa.String(length=255), nullable=True),
        sa.Column("is_global", sa.Boolean(), nullable=False),
        sa.Column("machine_id", sa.String(length=255), nullable=True),
        sa.Column("job_id", sa.String(length=255), nullable=True),
        sa.Column(
            "members",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "capacity",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "activation",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_tool_sets_created_by_users")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_tool_sets_owner_id_users")),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], name=op.f("fk_tool_sets_updated_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tool_sets")),
    )
    with op.batch_alter_table("tool_sets", schema=None) as batch_op:
        batch_op.create_index("ix_tool_sets_owner_created", ["owner_id", "created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tool_sets_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tool_sets_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "assembly_components",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("assembly_id", sa.String(length=36), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("gauge_offset", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assembly_id"],
            ["tool_assemblies.id"],
            name=op.f("fk_assembly_components_assembly_id_tool_assemblies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["tool_items.id"], name=op.f("fk_assembly_components_item_id_tool_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assembly_components")),
    )
    with op.batch_alter_table("assembly_components", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assembly_components_assembly_id"), ["assembly_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assembly_components_item_id"), ["item_id"], unique=False)

    op.create_table(
        "tool_instances",
        sa.Column("tool_item_id", sa.String(length=36), nullable=True),
        sa.Column("tool_assembly_id", sa.String(length=36), nullable=True),
        sa.Column("serial_number", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=64), nullable=False),
        sa.Column("legacy_status", sa.String(length=255), nullable=True),
        sa.Column(
            "measurements",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "location",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "lifecycle",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("purchase_date", sa.Date(), nullable=True),
        sa.Column("last_calibration", sa.Date(), nullable=True),
        sa.Column("calibration_due", sa.Date(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_tool_instances_created_by_users")
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_tool_instances_owner_id_users")),
        sa.ForeignKeyConstraint(
            ["tool_assembly_id"],
            ["tool_assemblies.id"],
            name=op.f("fk_tool_instances_tool_assembly_id_tool_assemblies"),
        ),
        sa.ForeignKeyConstraint(
            ["tool_item_id"], ["tool_items.id"], name=op.f("fk_tool_instances_tool_item_id_tool_items")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users.id"], name=op.f("fk_tool_instances_updated_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tool_instances")),
        sa.UniqueConstraint("owner_id", "serial_number", name="uq_tool_instances_owner_serial"),
    )
    with op.batch_alter_table("tool_instances", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tool_instances_owner_created", ["owner_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_tool_instances_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_tool_instances_tool_assembly_id"), ["tool_assembly_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_tool_instances_tool_item_id"), ["tool_item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tool_instances_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "tool_set_versions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tool_set_id", sa.String(length=36), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "snapshot",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("changed_at", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=36), nullable=False),
        sa.Column("change_summary", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["changed_by"], ["users.id"], name=op.f("fk_tool_set_versions_changed_by_users")
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_tool_set_versions_owner_id_users")),
        sa.ForeignKeyConstraint(
            ["tool_set_id"],
            ["tool_sets.id"],
            name=op.f("fk_tool_set_versions_tool_set_id_tool_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tool_set_versions")),
        sa.UniqueConstraint("tool_set_id", "version", name="uq_tool_set_versions_set_version"),
    )
    op.create_table(
        "tool_presets",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("tool_instance_id", sa.String(length=36), nullable=True),
        sa.Column("machine_id", sa.String(length=255), nullable=False),
        sa.Column("tool_number", sa.BigInteger(), nullable=True),
        sa.Column("pocket", sa.BigInteger(), nullable=True),
        sa.Column(
            "parameters",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "offsets",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "orientation",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "limits",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("loaded_at", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("loaded_by", sa.String(length=255), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_tool_presets_created_by_users")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_tool_presets_owner_id_users")),
        sa.ForeignKeyConstraint(
            ["tool_instance_id"],
            ["tool_instances.id"],
            name=op.f("fk_tool_presets_tool_instance_id_tool_instances"),
        ),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], name=op.f("fk_tool_presets_updated_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tool_presets")),
        sa.UniqueConstraint(
            "owner_id", "machine_id", "tool_number", name="uq_tool_presets_owner_machine_number"
        ),
    )
    with op.batch_alter_table("tool_presets", schema=None) as batch_op:
        batch_op.create_index("ix_tool_presets_machine", ["owner_id", "machine_id"], unique=False)
        batch_op.create_index("ix_tool_presets_owner_created", ["owner_id", "created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tool_presets_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_tool_presets_tool_instance_id"), ["tool_instance_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_tool_presets_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "tool_set_instances",
        sa.Column("tool_set_id", sa.String(length=36), nullable=False),
        sa.Column("tool_instance_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tool_instance_id"],
            ["tool_instances.id"],
            name=op.f("fk_tool_set_instances_tool_instance_id_tool_instances"),
        ),
        sa.ForeignKeyConstraint(
            ["tool_set_id"],
            ["tool_sets.id"],
            name=op.f("fk_tool_set_instances_tool_set_id_tool_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tool_set_id", "tool_instance_id", name=op.f("pk_tool_set_instances")),
    )
    with op.batch_alter_table("tool_set_instances", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tool_set_instances_tool_instance_id"), ["tool_instance_id"], unique=False
        )

    op.create_table(
        "tool_set_presets",
        sa.Column("tool_set_id", sa.String(length=36), nullable=False),
        sa.Column("tool_preset_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tool_preset_id"],
            ["tool_presets.id"],
            name=op.f("fk_tool_set_presets_tool_preset_id_tool_presets"),
        ),
        sa.ForeignKeyConstraint(
            ["tool_set_id"],
            ["tool_sets.id"],
            name=op.f("fk_tool_set_presets_tool_set_id_tool_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tool_set_id", "tool_preset_id", name=op.f("pk_tool_set_presets")),
    )
    with op.batch_alter_table("tool_set_presets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tool_set_presets_tool_preset_id"), ["tool_preset_id"], unique=False
        )

    op.create_table(
        "tool_usages",
        sa.Column("tool_instance_id", sa.String(length=36), nullable=True),
        sa.Column("preset_id", sa.String(length=36), nullable=True),
        sa.Column("machine_id", sa.String(length=255), nullable=True),
        sa.Column("program_name", sa.String(length=255), nullable=True),
        sa.Column("operator", sa.String(length=255), nullable=True),
        sa.Column("start_time", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_time", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cycle_count", sa.BigInteger(), nullable=True),
        sa.Column("cut_time", sa.Float(), nullable=True),
        sa.Column(
            "usage_metrics",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "wear_measurements",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "events",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_tool_usages_created_by_users")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_tool_usages_owner_id_users")),
        sa.ForeignKeyConstraint(
            ["preset_id"], ["tool_presets.id"], name=op.f("fk_tool_usages_preset_id_tool_presets")
        ),
        sa.ForeignKeyConstraint(
            ["tool_instance_id"],
            ["tool_instances.id"],
            name=op.f("fk_tool_usages_tool_instance_id_tool_instances"),
        ),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], name=op.f("fk_tool_usages_updated_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tool_usages")),
    )
    with op.batch_alter_table("tool_usages", schema=None) as batch_op:
        batch_op.create_index("ix_tool_usages_owner_created", ["owner_id", "created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tool_usages_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tool_usages_preset_id"), ["preset_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_tool_usages_tool_instance_id"), ["tool_instance_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_tool_usages_updated_at"), ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tool_usages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tool_usages_updated_at"))
        batch_op.drop_index(batch_op.f("ix_tool_usages_tool_instance_id"))
        batch_op.drop_index(batch_op.f("ix_tool_usages_preset_id"))
        batch_op.drop_index(batch_op.f("ix_tool_usages_owner_id"))
        batch_op.drop_index("ix_tool_usages_owner_created")

    op.drop_table("tool_usages")
    with op.batch_alter_table("tool_set_presets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tool_set_presets_tool_preset_id"))

    op.drop_table("tool_set_presets")
    with op.batch_alter_table("tool_set_instances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tool_set_instances_tool_instance_id"))

    op.drop_table("tool_set_instances")
    with op.batch_alter_table("tool_presets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tool_presets_updated_at"))
        batch_op.drop_index(batch_op.f("ix_tool_presets_tool_instance_id"))
        batch_op.drop_index(batch_op.f("ix_tool_presets_owner_id"))
        batch_op.drop_index("ix_tool_presets_owner_created")
        batch_op.drop_index("ix_tool_presets_machine")

    op.drop_table("tool_presets")
    op.drop_table("tool_set_versions")
    with op.batch_alter_table("tool_instances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tool_instances_updated_at"))
        batch_op.drop_index(batch_op.f("ix_tool_instances_tool_item_id"))
        batch_op.drop_index(batch_op.f("ix_tool_instances_tool_assembly_id"))
        batch_op.drop_index(batch_op.f("ix_tool_instances_owner_id"))
        batch_op.drop_index("ix_tool_instances_owner_created")

    op.drop_table("tool_instances")
    with op.batch_alter_table("assembly_components", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assembly_components_item_id"))
        batch_op.drop_index(batch_op.f("ix_assembly_components_assembly_id"))

    op.drop_table("assembly_components")
    with op.batch_alter_table("tool_sets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tool_sets_updated_at"))
        batch_op.drop_index(batch_op.f("ix_tool_sets_owner_id"))
        batch_op.drop_index("ix_tool_sets_owner_created")

    op.drop_table("tool_sets")
    with op.batch_alter_table("tool_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tool_items_updated_at"))
        batch_op.drop_index(batch_op.f("ix_tool_items_parent_tool_id"))
        batch_op.drop_index(batch_op.f("ix_tool_items_owner_id"))
        batch_op.drop_index("ix_tool_items_owner_created")

    op.drop_table("tool_items")
    with op.batch_alter_table("tool_assemblies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tool_assemblies_updated_at"))
        batch_op.drop_index(batch_op.f("ix_tool_assemblies_owner_id"))
        batch_op.drop_index("ix_tool_assemblies_owner_created")

    op.drop_table("tool_assemblies")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sessions_user_id"))

    op.drop_table("sessions")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_user_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_timestamp"))
        batch_op.drop_index(batch_op.f("ix_audit_log_owner_id"))
        batch_op.drop_index("ix_audit_log_entity")

    op.drop_table("audit_log")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_user_id"))

    op.drop_table("api_keys")
    op.drop_table("users")
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_log_owner_id"))

    op.drop_table("change_log")
