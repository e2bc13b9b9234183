"""residents add their voice to an open report; staff merge duplicates

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07

Written by hand. Three new tables, nothing on `reports` changes (a batch copy of `reports` on SQLite would
drop the table events, copies and evidence refer to):

- report_supporters: a resident who added their voice (支持/附议) to an open report, with the hash of their
  own receipt code and an optional note for the unit; or a voice a merge carried over (merged_from_id);
- supporter_identities: who they are, encrypted like reporter_identities and kept apart from the row;
- report_merges: which duplicate was merged into which report, by whom and when.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_supporters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("submission_key", sa.String(length=64), nullable=True),
        sa.Column("receipt_hash", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("merged_from_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merged_from_id"],
            ["reports.id"],
            name=op.f("fk_report_supporters_merged_from_id_reports"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_report_supporters_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_supporters")),
        sa.UniqueConstraint("submission_key", name=op.f("uq_report_supporters_submission_key")),
    )
    op.create_index(
        op.f("ix_report_supporters_report_id"), "report_supporters", ["report_id"], unique=False
    )
    op.create_index(
        op.f("ix_report_supporters_receipt_hash"),
        "report_supporters",
        ["receipt_hash"],
        unique=False,
    )
    op.create_table(
        "supporter_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supporter_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("phone", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column(
            "visibility",
            sa.Enum(
                "handling_unit",
                "administrators",
                name="identityvisibility",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["supporter_id"],
            ["report_supporters.id"],
            name=op.f("fk_supporter_identities_supporter_id_report_supporters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supporter_identities")),
        sa.UniqueConstraint("supporter_id", name=op.f("uq_supporter_identities_supporter_id")),
    )
    op.create_table(
        "report_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("into_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_report_merges_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["into_id"], ["reports.id"], name=op.f("fk_report_merges_into_id_reports")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_report_merges_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_merges")),
        sa.UniqueConstraint("report_id", name=op.f("uq_report_merges_report_id")),
    )
    op.create_index(op.f("ix_report_merges_into_id"), "report_merges", ["into_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_report_merges_into_id"), table_name="report_merges")
    op.drop_table("report_merges")
    op.drop_table("supporter_identities")
    op.drop_index(op.f("ix_report_supporters_receipt_hash"), table_name="report_supporters")
    op.drop_index(op.f("ix_report_supporters_report_id"), table_name="report_supporters")
    op.drop_table("report_supporters")
