"""idempotency keys: the caller's expired keys are found through an index of their own

Revision ID: 0008_idempotency_caller_expiry
Revises: 0007_idempotency_keys
Create Date: 2026-12-07 21:00:00

Every keyed write first deletes its caller's expired keys (services/idempotency.py).
That DELETE went through the primary key (caller, key) and checked `expires_at` in
each of the caller's rows; on SQLite reaching that column meant walking the overflow
pages of the outcome stored before it, so a keyed write cost about 0.6 ms more for
every live key its caller held (a bridge with a day of keys: seconds per write). An
index on (caller, expires_at) finds the expired keys alone. It replaces the index on
`expires_at` by itself, which no query used.
"""

from __future__ import annotations

from alembic import op

revision = "0008_idempotency_caller_expiry"
down_revision = "0007_idempotency_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_idempotency_keys_expires_at", table_name="idempotency_keys")
    op.create_index(
        "ix_idempotency_keys_caller",
        "idempotency_keys",
        ["principal_kind", "principal_id", "expires_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_idempotency_keys_caller", table_name="idempotency_keys")
    op.create_index("ix_idempotency_keys_expires_at", "idempotency_keys", ["expires_at"], unique=False)
