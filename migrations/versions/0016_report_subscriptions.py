"""subscriptions follow reports too: of an area and/or a category, or one report; daily digests

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07

Written by hand. A subscription gains what it follows (`topic`: consultations, reports, report), the
category and the report it may follow, and the daily digest choice with the last day whose digest was
queued. Existing rows follow consultations, as they always did. `report_notices` records each public
report event whose notices `portal tick` queued, so that no event is announced twice. `resident_pages` and `resident_page_entries` hold a resident's
private "my reports" page: an encrypted address with its keyed index, the hash of its link token, and the
reports kept there.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TOPICS = ("consultations", "reports", "report")


def upgrade():
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "topic",
                sa.Enum(*TOPICS, name="subscriptiontopic", native_enum=False, length=32),
                nullable=False,
                server_default="consultations",
            )
        )
        batch_op.add_column(sa.Column("category_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("report_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("digest", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("digest_sent_on", sa.Date(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_subscriptions_category_id_categories"),
            "categories",
            ["category_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_subscriptions_report_id_reports"),
            "reports",
            ["report_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(batch_op.f("ix_subscriptions_report_id"), ["report_id"], unique=False)
    # The defaults only filled the existing rows: the models set every value.
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.alter_column("topic", server_default=None)
        batch_op.alter_column("digest", server_default=None)
    op.create_table(
        "report_notices",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["report_events.id"],
            name=op.f("fk_report_notices_event_id_report_events"),
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_report_notices")),
    )
    op.create_table(
        "resident_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("email_index", sa.String(length=64), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_pages")),
        sa.UniqueConstraint("token", name=op.f("uq_resident_pages_token")),
    )
    with op.batch_alter_table("resident_pages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resident_pages_email_index"), ["email_index"], unique=False
        )
    op.create_table(
        "resident_page_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["page_id"],
            ["resident_pages.id"],
            name=op.f("fk_resident_page_entries_page_id_resident_pages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_resident_page_entries_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_page_entries")),
        sa.UniqueConstraint(
            "page_id", "report_id", name=op.f("uq_resident_page_entries_page_id_report_id")
        ),
    )
    with op.batch_alter_table("resident_page_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resident_page_entries_page_id"), ["page_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_resident_page_entries_report_id"), ["report_id"], unique=False
        )


def downgrade():
    op.drop_table("resident_page_entries")
    op.drop_table("resident_pages")
    op.drop_table("report_notices")
    # Report subscriptions cannot be expressed before this revision: they go.
    op.execute("DELETE FROM subscriptions WHERE topic <> 'consultations'")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscriptions_report_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_subscriptions_report_id_reports"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_subscriptions_category_id_categories"), type_="foreignkey"
        )
        batch_op.drop_column("digest_sent_on")
        batch_op.drop_column("digest")
        batch_op.drop_column("report_id")
        batch_op.drop_column("category_id")
        batch_op.drop_column("topic")
