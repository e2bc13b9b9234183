"""append-only history: hash chains and triggers on report events, audit records and disclosure versions

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

Reviewed by hand. `report_events` and `audit_records` get `previous_hash` and `hash` (SHA-256, see
`portal.services.history`), backfilled here in id order: each case's events form one chain, the audit
records one chain for the site. A unique (report_id, previous_hash) and a unique previous_hash refuse
a fork by concurrent appends. The foreign keys from report_events and disclosure_versions to their
case or disclosure lose ON DELETE CASCADE: deleting a case or a disclosure with a history fails
instead of erasing it. Two indexes serve the audit log's filters (actor; subject).

Last, triggers refuse UPDATE and DELETE on the three tables (and TRUNCATE on PostgreSQL).

WARNING: on SQLite, `batch_alter_table` rebuilds a table by copying it, and the copy has NO
triggers. Any later migration that batch-alters report_events, audit_records or disclosure_versions
must create their triggers again (call `create_guards(op)` from this module, last); revision 0020 guards
the task reports' history tables with `create_guards(op, tables)`, and the same holds for them.
`portal check` names a table whose triggers are missing.
"""

import sqlalchemy as sa
from alembic import op

from portal.models.types import UTCDateTime
from portal.services.history import GENESIS, digest, event_fields, record_fields

# The tables this revision guards, as they were then: later revisions guard their own tables with
# `create_guards(op, tables)` (history.APPEND_ONLY names them all, for `portal check`).
APPEND_ONLY = ("report_events", "audit_records", "disclosure_versions")

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

events = sa.table(
    "report_events",
    sa.column("id", sa.Integer),
    sa.column("report_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("actor_id", sa.Integer),
    sa.column("unit_id", sa.Integer),
    sa.column("to_unit_id", sa.Integer),
    sa.column("reason", sa.String),
    sa.column("body", sa.Text),
    sa.column("created_at", UTCDateTime),
    sa.column("previous_hash", sa.String),
    sa.column("hash", sa.String),
)
records = sa.table(
    "audit_records",
    sa.column("id", sa.Integer),
    sa.column("at", UTCDateTime),
    sa.column("actor_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("subject_type", sa.String),
    sa.column("subject_id", sa.Integer),
    sa.column("detail", sa.Text),
    sa.column("previous_hash", sa.String),
    sa.column("hash", sa.String),
)

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION portal_refuse_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';
END
$$
"""


def create_guards(operations, tables=APPEND_ONLY):
    """Create the triggers that refuse UPDATE and DELETE (and TRUNCATE) on the append-only `tables`."""
    if operations.get_bind().dialect.name == "postgresql":
        operations.execute(PG_FUNCTION)
        for table in tables:
            operations.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION portal_refuse_history_change()"
            )
            operations.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION portal_refuse_history_change()"
            )
        return
    for table in tables:
        for verb in ("update", "delete"):
            operations.execute(
                f"CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb.upper()} refused'); END"
            )


def drop_guards(operations, tables=APPEND_ONLY, function=True):
    """Drop the triggers made by `create_guards` on `tables` (and their function, unless `function` is False)."""
    if operations.get_bind().dialect.name == "postgresql":
        for table in tables:
            operations.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            operations.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        if function:
            operations.execute("DROP FUNCTION IF EXISTS portal_refuse_history_change()")
        return
    for table in tables:
        for verb in ("update", "delete"):
            operations.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")


def _backfill():
    connection = op.get_bind()
    previous, case = GENESIS, None
    for row in connection.execute(
        sa.select(events).order_by(events.c.report_id, events.c.id)
    ).all():
        if row.report_id != case:
            previous, case = GENESIS, row.report_id
        value = digest(
            previous,
            event_fields(
                row.report_id,
                row.kind,
                row.actor_id,
                row.unit_id,
                row.to_unit_id,
                row.reason,
                row.body,
                row.created_at,
            ),
        )
        connection.execute(
            events.update().where(events.c.id == row.id).values(previous_hash=previous, hash=value)
        )
        previous = value
    previous = GENESIS
    for row in connection.execute(sa.select(records).order_by(records.c.id)).all():
        value = digest(
            previous,
            record_fields(
                row.at, row.actor_id, row.action, row.subject_type, row.subject_id, row.detail
            ),
        )
        connection.execute(
            records.update()
            .where(records.c.id == row.id)
            .values(previous_hash=previous, hash=value)
        )
        previous = value


def upgrade():
    for table in ("report_events", "audit_records"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("previous_hash", sa.String(length=64), nullable=True))
            batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    _backfill()
    with op.batch_alter_table("report_events", schema=None) as batch_op:
        batch_op.alter_column("previous_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_report_events_report_id_previous_hash"), ["report_id", "previous_hash"]
        )
        batch_op.drop_constraint("fk_report_events_report_id_reports", type_="foreignkey")
        batch_op.create_foreign_key(
            batch_op.f("fk_report_events_report_id_reports"), "reports", ["report_id"], ["id"]
        )
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.alter_column("previous_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_audit_records_previous_hash"), ["previous_hash"]
        )
        batch_op.create_index(batch_op.f("ix_audit_records_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(
            "ix_audit_records_subject", ["subject_type", "subject_id"], unique=False
        )
    with op.batch_alter_table("disclosure_versions", schema=None) as batch_op:
        batch_op.drop_constraint(
            "fk_disclosure_versions_disclosure_id_disclosures", type_="foreignkey"
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_disclosure_versions_disclosure_id_disclosures"),
            "disclosures",
            ["disclosure_id"],
            ["id"],
        )
    # Last: on SQLite every batch_alter_table above rebuilt its table without triggers.
    create_guards(op)


def downgrade():
    drop_guards(op)
    with op.batch_alter_table("disclosure_versions", schema=None) as batch_op:
        batch_op.drop_constraint(
            "fk_disclosure_versions_disclosure_id_disclosures", type_="foreignkey"
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_disclosure_versions_disclosure_id_disclosures"),
            "disclosures",
            ["disclosure_id"],
            ["id"],
            ondelete="CASCADE",
        )
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_records_subject")
        batch_op.drop_index(batch_op.f("ix_audit_records_actor_id"))
        batch_op.drop_constraint(batch_op.f("uq_audit_records_previous_hash"), type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("previous_hash")
    with op.batch_alter_table("report_events", schema=None) as batch_op:
        batch_op.drop_constraint("fk_report_events_report_id_reports", type_="foreignkey")
        batch_op.create_foreign_key(
            batch_op.f("fk_report_events_report_id_reports"),
            "reports",
            ["report_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.drop_constraint(
            batch_op.f("uq_report_events_report_id_previous_hash"), type_="unique"
        )
        batch_op.drop_column("hash")
        batch_op.drop_column("previous_hash")
