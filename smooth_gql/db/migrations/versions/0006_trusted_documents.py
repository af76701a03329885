"""trusted documents (persisted queries), and API keys that may run only them

Revision ID: 0006_trusted_documents
Revises: 0005_insert_seq
Create Date: 2026-12-07 18:40:00

Admins register GraphQL documents; a request may then name one by the SHA-256
of its exact text (the persisted-query extension). A key created with
`trustedDocumentsOnly` runs registered documents only. Existing keys keep
running any document (the column defaults to false).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import smooth_gql.db.types

revision = "0006_trusted_documents"
down_revision = "0005_insert_seq"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trusted_documents",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column(
            "operation_names",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("created_at", smooth_gql.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name="fk_trusted_documents_created_by_users", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("sha256", name="pk_trusted_documents"),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("trusted_documents_only", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("trusted_documents_only")
    op.drop_table("trusted_documents")
