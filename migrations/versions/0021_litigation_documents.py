"""litigation documents: the files a handling unit hands over with its answer to a litigation request

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08

Written by hand. One new table, nothing existing changes: litigation_documents, the files (PDFs as
cleaned, images re-encoded) a handling unit attached to its answer to a litigation request. Rows go with
their request (ON DELETE CASCADE); `path` is the server's random name under the data directory, unique;
`filename` is the client's name, cleaned, for display to the organisation and the unit only; datetimes
are aware (UTC). The columns are those of the other attachment tables (models/records.py's mixin).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "litigation_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["litigation_requests.id"],
            name=op.f("fk_litigation_documents_request_id_litigation_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_litigation_documents_created_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_litigation_documents")),
        sa.UniqueConstraint("path", name=op.f("uq_litigation_documents_path")),
    )
    op.create_index(
        op.f("ix_litigation_documents_request_id"),
        "litigation_documents",
        ["request_id"],
        unique=False,
    )


def downgrade():
    op.drop_index(op.f("ix_litigation_documents_request_id"), table_name="litigation_documents")
    op.drop_table("litigation_documents")
