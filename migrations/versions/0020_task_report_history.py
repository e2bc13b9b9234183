"""task reports: the changes of a published report's contributions and evidence, kept append-only

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08

Written by hand. Once a task report is published, its contributions and evidence links are part of the
public record:

- task_report_contribution_changes: a participating unit's contribution changed (text before and after,
  when, which unit; the staff user is kept but never shown);
- task_report_evidence_changes: an evidence link added or removed (kind, item, when, the lead unit);
- task_report_versions gains `evidence_keys` and `contribution_texts`: the evidence and contributions as
  each version was published (NULL for versions published before this revision: not recorded).

The two new tables and task_report_versions refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) with the
triggers of revision 0006 (`create_guards`), and their foreign keys to task_reports have no ON DELETE
CASCADE. The columns are added with ADD COLUMN, which does not rebuild the table on SQLite, so no
trigger is lost; the guards are created last all the same.
"""

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

KINDS = ("disclosure", "consultation", "report", "observation")
CHANGES = ("added", "removed")
GUARDED = (
    "task_report_versions",
    "task_report_contribution_changes",
    "task_report_evidence_changes",
)


def _guards():
    """Revision 0006's module (its file name starts with a digit), whose trigger helpers are reused."""
    path = Path(__file__).with_name("0006_append_only_history.py")
    spec = importlib.util.spec_from_file_location("portal_migration_0006", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def _history_table(name, *columns):
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        *columns,
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["users.id"], name=op.f(f"fk_{name}_changed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["task_reports.id"], name=op.f(f"fk_{name}_report_id_task_reports")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f(f"fk_{name}_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    op.create_index(op.f(f"ix_{name}_report_id"), name, ["report_id"], unique=False)


def upgrade():
    _history_table(
        "task_report_contribution_changes",
        sa.Column("old_text", sa.Text(), nullable=False),
        sa.Column("new_text", sa.Text(), nullable=False),
    )
    _history_table(
        "task_report_evidence_changes",
        sa.Column("kind", _enum(KINDS, "evidencekind"), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("change", _enum(CHANGES, "evidencechange"), nullable=False),
    )
    op.add_column("task_report_versions", sa.Column("evidence_keys", sa.JSON(), nullable=True))
    op.add_column("task_report_versions", sa.Column("contribution_texts", sa.JSON(), nullable=True))
    _guards().create_guards(op, GUARDED)


def downgrade():
    _guards().drop_guards(op, GUARDED, function=False)
    with op.batch_alter_table("task_report_versions", schema=None) as batch_op:
        batch_op.drop_column("contribution_texts")
        batch_op.drop_column("evidence_keys")
    for name in ("task_report_evidence_changes", "task_report_contribution_changes"):
        op.drop_index(op.f(f"ix_{name}_report_id"), table_name=name)
        op.drop_table(name)
