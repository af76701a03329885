"""budgets per caller: the windows every worker counts in, and an API key's own budget

Revision ID: 0009_rate_limits
Revises: 0008_idempotency_caller_expiry
Create Date: 2026-12-07 21:00:00

A caller (an API key, a session, or the client address of an anonymous call)
spends points (the static cost of its operations) per minute and requests per
second (issue 15). On PostgreSQL the workers count in `rate_windows`, one row
per caller and minute; a key may carry its own budget (NULL: the server's).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_rate_limits"
down_revision = "0008_idempotency_caller_expiry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # UNLOGGED on PostgreSQL: a window lives a minute and is written on every request, so it is
    # kept out of the WAL (no flush to disk per request; after a crash the table starts empty,
    # which only forgives the current minute).
    unlogged = ["UNLOGGED"] if op.get_bind().dialect.name == "postgresql" else []
    op.create_table(
        "rate_windows",
        sa.Column("caller", sa.String(length=80), nullable=False),
        sa.Column("minute", sa.BigInteger(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("second", sa.BigInteger(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("caller", "minute", name=op.f("pk_rate_windows")),
        prefixes=unlogged,
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("points_per_minute", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("requests_per_second", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("requests_per_second")
        batch_op.drop_column("points_per_minute")
    op.drop_table("rate_windows")
