"""entity rows get an insertion sequence, the creation-order tie-break

Revision ID: 0005_insert_seq
Revises: 0004_login_failures
Create Date: 2026-12-07 15:30:00

Rows made by one bulk call share their `created_at`, and lists broke that tie
by the random id, so six presets posted as T1..T6 listed in any order. Each
row now carries `insert_seq`: new rows take the seq of their first change
(services/journal.stamp_rows). Rows that exist already are numbered here in
the order they listed before, (created_at, id), and below every seq the change
log can still hand out (ending at its current head), so they stay before every
row made after the upgrade. The list index gains the column, so a list still
reads its page in index order.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_insert_seq"
down_revision = "0004_login_failures"
branch_labels = None
depends_on = None

TABLES = ("tool_items", "tool_assemblies", "tool_instances", "tool_presets", "tool_usages", "tool_sets")


def upgrade() -> None:
    bind = op.get_bind()
    head = bind.execute(
        sa.text(
            "SELECT max(s) FROM (SELECT max(seq) AS s FROM change_log "
            "UNION ALL SELECT max(seq) FROM change_log_floor) AS heads"
        )
    ).scalar()
    head = int(head or 0)
    for table in TABLES:
        op.add_column(table, sa.Column("insert_seq", sa.BigInteger(), nullable=True))
        count = int(bind.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())
        # UPDATE ... FROM: PostgreSQL, and SQLite since 3.33.
        op.execute(
            sa.text(
                f"UPDATE {table} SET insert_seq = numbered.n FROM "
                f"(SELECT id, :base + row_number() OVER (ORDER BY created_at, id) AS n FROM {table}) "
                f"AS numbered WHERE {table}.id = numbered.id"
            ).bindparams(base=head - count)
        )
        op.drop_index(f"ix_{table}_owner_created", table_name=table)
        op.create_index(
            f"ix_{table}_owner_created", table, ["owner_id", "created_at", "insert_seq", "id"], unique=False
        )


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_owner_created", table_name=table)
        op.create_index(f"ix_{table}_owner_created", table, ["owner_id", "created_at", "id"], unique=False)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("insert_seq")
