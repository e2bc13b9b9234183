"""consultation attachments

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

Reviewed by hand: one table of files published with a consultation. Rows go with their
consultation (ON DELETE CASCADE); `path` is the server's random name under the data directory,
unique; `filename` is the client's name, cleaned, for display only; datetimes are aware (UTC).

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "consultation_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_consultation_attachments_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_consultation_attachments_created_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_attachments")),
        sa.UniqueConstraint("path", name=op.f("uq_consultation_attachments_path")),
    )
    with op.batch_alter_table("consultation_attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_attachments_consultation_id"),
            ["consultation_id"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("consultation_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_attachments_consultation_id"))

    op.drop_table("consultation_attachments")
