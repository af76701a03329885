"""failed logins in the database, so every worker counts them together

Revision ID: 0004_login_failures
Revises: 0003_change_log_floor
Create Date: 2026-11-30 23:00:00

The login throttle counted in each worker's memory, so N workers allowed N
times the attempts. The failures now live in this table, read and written by
every worker.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import smooth_gql.db.types

revision = "0004_login_failures"
down_revision = "0003_change_log_floor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failed_at", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_login_failures_failed_at", "login_failures", ["failed_at"], unique=False)
    op.create_index("ix_login_failures_key_failed_at", "login_failures", ["key", "failed_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_login_failures_key_failed_at", table_name="login_failures")
    op.drop_index("ix_login_failures_failed_at", table_name="login_failures")
    op.drop_table("login_failures")
