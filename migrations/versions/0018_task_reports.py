"""task implementation reports (落实情况): reports, versions, evidence, contributions, reminders

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07

Written by hand. `task_reports` holds one report per (task, lead unit, period) — a year "2026" or a
half-year "2026-H1" — as a draft or published with its current values; `task_report_versions` every
published text (never changed); `task_report_evidence` the public records it links; and
`task_report_contributions` the participating units' own texts. `task_report_reminders` records the
reminder `portal tick` queued for a (task, unit, period), so that it is sent once. The page cache gains
the domain `task_reports` (a row of `data_versions`, bumped by every commit that writes these tables).
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

STATES = ("draft", "published")
STATUSES = ("not_started", "in_progress", "done", "sustained")
KINDS = ("disclosure", "consultation", "report", "observation")


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, length=32)


DATA_VERSIONS = sa.table(
    "data_versions",
    sa.column("domain", sa.String),
    sa.column("version", sa.Integer),
    sa.column("changed_at", sa.DateTime),
)


def upgrade():
    now = datetime.now(UTC)
    if op.get_bind().dialect.name == "sqlite":
        now = now.replace(
            tzinfo=None
        )  # SQLite stores UTC without an offset (portal/models/types.py)
    op.bulk_insert(DATA_VERSIONS, [{"domain": "task_reports", "version": 0, "changed_at": now}])
    op.create_table(
        "task_report_reminders",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_task_report_reminders_task_id_tasks")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_task_report_reminders_unit_id_units")
        ),
        sa.PrimaryKeyConstraint(
            "task_id", "unit_id", "period", name=op.f("pk_task_report_reminders")
        ),
    )
    op.create_table(
        "task_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("state", _enum(STATES, "taskreportstate"), nullable=False),
        sa.Column("status", _enum(STATUSES, "taskstatus"), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=True),
        sa.Column("done_text", sa.Text(), nullable=False),
        sa.Column("next_steps", sa.Text(), nullable=False),
        sa.Column("first_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_task_reports_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_task_reports_task_id_tasks")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_task_reports_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_reports")),
        sa.UniqueConstraint(
            "task_id", "unit_id", "period", name=op.f("uq_task_reports_task_id_unit_id_period")
        ),
    )
    op.create_index(op.f("ix_task_reports_state"), "task_reports", ["state"], unique=False)
    op.create_index(op.f("ix_task_reports_task_id"), "task_reports", ["task_id"], unique=False)
    op.create_index(op.f("ix_task_reports_unit_id"), "task_reports", ["unit_id"], unique=False)
    op.create_table(
        "task_report_contributions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_task_report_contributions_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["task_reports.id"],
            name=op.f("fk_task_report_contributions_report_id_task_reports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_task_report_contributions_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_report_contributions")),
        sa.UniqueConstraint(
            "report_id", "unit_id", name=op.f("uq_task_report_contributions_report_id_unit_id")
        ),
    )
    op.create_index(
        op.f("ix_task_report_contributions_report_id"),
        "task_report_contributions",
        ["report_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_task_report_contributions_unit_id"),
        "task_report_contributions",
        ["unit_id"],
        unique=False,
    )
    op.create_table(
        "task_report_evidence",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("kind", _enum(KINDS, "evidencekind"), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["task_reports.id"],
            name=op.f("fk_task_report_evidence_report_id_task_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "report_id", "kind", "item_id", name=op.f("pk_task_report_evidence")
        ),
    )
    op.create_table(
        "task_report_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", _enum(STATUSES, "taskstatus"), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=True),
        sa.Column("done_text", sa.Text(), nullable=False),
        sa.Column("next_steps", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["users.id"],
            name=op.f("fk_task_report_versions_published_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["task_reports.id"],
            name=op.f("fk_task_report_versions_report_id_task_reports"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_report_versions")),
        sa.UniqueConstraint(
            "report_id", "number", name=op.f("uq_task_report_versions_report_id_number")
        ),
    )
    op.create_index(
        op.f("ix_task_report_versions_report_id"),
        "task_report_versions",
        ["report_id"],
        unique=False,
    )


def downgrade():
    op.execute(DATA_VERSIONS.delete().where(DATA_VERSIONS.c.domain == "task_reports"))
    op.drop_index(op.f("ix_task_report_versions_report_id"), table_name="task_report_versions")
    op.drop_table("task_report_versions")
    op.drop_table("task_report_evidence")
    op.drop_index(
        op.f("ix_task_report_contributions_unit_id"), table_name="task_report_contributions"
    )
    op.drop_index(
        op.f("ix_task_report_contributions_report_id"), table_name="task_report_contributions"
    )
    op.drop_table("task_report_contributions")
    op.drop_index(op.f("ix_task_reports_unit_id"), table_name="task_reports")
    op.drop_index(op.f("ix_task_reports_task_id"), table_name="task_reports")
    op.drop_index(op.f("ix_task_reports_state"), table_name="task_reports")
    op.drop_table("task_reports")
    op.drop_table("task_report_reminders")
