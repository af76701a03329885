"""idempotency keys: a retried bulk write returns its first outcome instead of writing twice

Revision ID: 0007_idempotency_keys
Revises: 0006_trusted_documents
Create Date: 2026-12-07 19:00:00

A CNC bridge whose connection drops cannot know whether its bulk write was
stored (issue 15). It sends a key with the write; the first completed outcome
is kept here under (caller, key), in the write's own transaction, and a retry
with the same key and request gets it back without writing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import smooth_gql.db.types

revision = "0007_idempotency_keys"
down_revision = "0006_trusted_documents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("principal_kind", sa.String(length=16), nullable=False),
        sa.Column("principal_id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("outcome", smooth_gql.db.types.JSONText(), nullable=True),
        sa.Column("created_at", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("principal_kind", "principal_id", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_index(op.f("ix_idempotency_keys_expires_at"), "idempotency_keys", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_idempotency_keys_expires_at"), table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
