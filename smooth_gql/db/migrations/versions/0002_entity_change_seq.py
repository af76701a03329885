"""entity rows remember the change-log seq of their latest change

Revision ID: 0002_change_seq
Revises: 0001
Create Date: 2026-11-30 20:50:00

The legacy REST sync (contract §0.1 item 8) asks for "rows changed after seq
N"; the change log answers that only while it still holds those changes, so
each row keeps the seq of its latest change itself. Existing rows take it
from the log; a row whose history was already pruned keeps NULL (treated as
"before every retained change": a full sync returns it).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_change_seq"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = {
    "tool_items": "ToolItem",
    "tool_assemblies": "ToolAssembly",
    "tool_instances": "ToolInstance",
    "tool_presets": "ToolPreset",
    "tool_usages": "ToolUsage",
    "tool_sets": "ToolSet",
}


def upgrade() -> None:
    for table, entity_type in TABLES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("change_seq", sa.BigInteger(), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_{table}_change_seq"), ["change_seq"], unique=False)
        op.execute(
            sa.text(
                f"UPDATE {table} SET change_seq = (SELECT max(c.seq) FROM change_log c "
                f"WHERE c.entity_id = {table}.id AND c.entity_type = :entity_type)"
            ).bindparams(entity_type=entity_type)
        )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_change_seq"))
            batch_op.drop_column("change_seq")
