"""the change log remembers how far a full restore emptied it

Revision ID: 0003_change_log_floor
Revises: 0002_change_seq
Create Date: 2026-11-30 23:00:00

A full restore replaces the change log. When neither the database nor the
document holds a tool row it writes no change row, and an empty log gave no
way to tell a cursor from before the restore (which may have missed changes)
from a current one. One row keeps that floor.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_change_log_floor"
down_revision = "0002_change_seq"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "change_log_floor",
        sa.Column(
            "seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_change_log_floor")),
    )


def downgrade() -> None:
    op.drop_table("change_log_floor")
