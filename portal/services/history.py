"""The record that must not change: each report's events and the site's audit records, hash-chained.

Every row stores the SHA-256 of (the previous row's hash + a canonical serialisation of its own
fields); the first row of a chain follows `GENESIS`. The database refuses UPDATE and DELETE on these
tables (triggers, migration 0006); the chains make an edit made behind the triggers' back (by someone
who drops them, or edits the database file) visible to `portal check`.
"""

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from datetime import UTC

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditRecord, EventKind, Report, ReportEvent
from portal.models.types import utcnow

GENESIS = "0" * 64
# Tables whose rows are never updated or deleted, guarded by triggers (migration 0006; the task reports'
# versions and the changes of their contributions and evidence since 0020).
APPEND_ONLY = (
    "report_events",
    "audit_records",
    "disclosure_versions",
    "task_report_versions",
    "task_report_contribution_changes",
    "task_report_evidence_changes",
)
# One PostgreSQL advisory lock serialises appends to the single audit chain ("audi").
AUDIT_LOCK = 0x61756469


def _moment(value):
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def digest(previous, fields):
    """SHA-256 (hex) of the previous hash followed by `fields` as canonical JSON."""
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((previous + text).encode("utf-8")).hexdigest()


def event_fields(report_id, kind, actor_id, unit_id, to_unit_id, reason, body, created_at):
    """What an event's hash covers: every column but its id and the hashes themselves."""
    return {
        "report": report_id,
        "kind": kind.value if isinstance(kind, EventKind) else kind,
        "actor": actor_id,
        "unit": unit_id,
        "to_unit": to_unit_id,
        "reason": reason,
        "body": body,
        "at": _moment(created_at),
    }


def record_fields(at, actor_id, action, subject_type, subject_id, detail):
    """What an audit record's hash covers: every column but its id and the hashes themselves."""
    return {
        "at": _moment(at),
        "actor": actor_id,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "detail": detail,
    }


def add_event(
    report, kind, actor=None, unit_id=None, body="", now=None, to_unit_id=None, reason=None
):
    """Append an event to the report's chain in the current transaction; the caller commits."""
    if report.id is None:
        db.session.flush()
    # The report's row lock (PostgreSQL) makes concurrent appends to one report wait for each other, and the
    # head is read by a later statement, which sees what they committed. SQLite has one writer at a time and
    # no row locks. On both, the unique (report, previous hash) constraint refuses a fork.
    if db.session.get_bind().dialect.name != "sqlite":
        db.session.execute(sa.select(Report.id).where(Report.id == report.id).with_for_update())
    previous = (
        db.session.scalar(
            sa.select(ReportEvent.hash)
            .where(ReportEvent.report_id == report.id)
            .order_by(ReportEvent.id.desc())
            .limit(1)
        )
        or GENESIS
    )
    event = ReportEvent(
        report_id=report.id,
        kind=kind,
        actor_id=actor.id if actor else None,
        unit_id=unit_id,
        to_unit_id=to_unit_id,
        reason=reason,
        body=body,
        created_at=now or utcnow(),
        previous_hash=previous,
    )
    event.hash = digest(
        previous,
        event_fields(
            report.id, kind, event.actor_id, unit_id, to_unit_id, reason, body, event.created_at
        ),
    )
    if "events" in sa.inspect(report).unloaded:
        db.session.add(
            event
        )  # no need to load the whole timeline to add to it: it loads with this event
    else:
        report.events.append(event)  # keep the loaded timeline current for the page rendered next
    return event


_FIRST_EVENT = sa.insert(ReportEvent.__table__)


def add_first_event(report_id, kind, unit_id=None, body="", now=None):
    """Append the first event of a report inserted in this transaction, in one INSERT; the caller commits.

    Nothing is read: the chain of a report no other transaction can see yet is empty (its head is GENESIS),
    and no other transaction can append to it. Returns the event's row as inserted.
    """
    created_at = now or utcnow()
    row = {
        "report_id": report_id,
        "kind": kind,
        "actor_id": None,
        "unit_id": unit_id,
        "to_unit_id": None,
        "reason": None,
        "body": body,
        "created_at": created_at,
        "previous_hash": GENESIS,
        "hash": digest(
            GENESIS, event_fields(report_id, kind, None, unit_id, None, None, body, created_at)
        ),
    }
    db.session.connection().execute(_FIRST_EVENT, row)
    return row


def add_record(action, subject_type, subject_id, actor=None, detail="", now=None):
    """Append an audit record to the site's chain in the current transaction; the caller commits."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(AUDIT_LOCK)))
    previous = (
        db.session.scalar(sa.select(AuditRecord.hash).order_by(AuditRecord.id.desc()).limit(1))
        or GENESIS
    )
    entry = AuditRecord(
        at=now or utcnow(),
        actor_id=actor.id if actor else None,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
        previous_hash=previous,
    )
    entry.hash = digest(
        previous, record_fields(entry.at, entry.actor_id, action, subject_type, subject_id, detail)
    )
    db.session.add(entry)
    db.session.flush()  # the next append in this transaction must see this one as the head
    return entry


@dataclass
class Verification:
    """What `verify` read and the first break of each broken chain."""

    events: int = 0
    reports: int = 0
    records: int = 0
    breaks: list = field(default_factory=list)

    @property
    def intact(self):
        """True when every chain verified."""
        return not self.breaks


def _walk(rows, fields_of, start=GENESIS):
    """(count, id of the first bad row, why) for one chain of rows (id, previous_hash, hash, *fields)."""
    previous, count = start, 0
    for row in rows:
        count += 1
        if row.previous_hash != previous:
            return (
                count,
                row.id,
                "does not follow the event before it (one was removed or reordered)",
            )
        if digest(previous, fields_of(row)) != row.hash:
            return count, row.id, "was changed after it was written"
        previous = row.hash
    return count, None, ""


def verify(batch=2000):
    """Recompute every report's event chain and the audit chain; name the first broken row of each."""
    result = Verification()
    columns = (
        ReportEvent.id,
        ReportEvent.report_id,
        ReportEvent.kind,
        ReportEvent.actor_id,
        ReportEvent.unit_id,
        ReportEvent.to_unit_id,
        ReportEvent.reason,
        ReportEvent.body,
        ReportEvent.created_at,
        ReportEvent.previous_hash,
        ReportEvent.hash,
    )
    rows = db.session.execute(
        sa.select(*columns)
        .order_by(ReportEvent.report_id, ReportEvent.id)
        .execution_options(yield_per=batch)
    )
    references = dict(db.session.execute(sa.select(Report.id, Report.reference)).all())
    for report_id, events in itertools.groupby(rows, key=lambda r: r.report_id):
        result.reports += 1
        count, bad, why = _walk(
            events,
            lambda r: event_fields(
                r.report_id,
                r.kind,
                r.actor_id,
                r.unit_id,
                r.to_unit_id,
                r.reason,
                r.body,
                r.created_at,
            ),
        )
        result.events += count
        if bad is not None:
            result.breaks.append(
                f"report {references.get(report_id, report_id)}: event {bad} {why}"
            )
            result.events += sum(1 for _ in events)
    silent = sa.select(Report.reference).where(
        ~sa.exists().where(ReportEvent.report_id == Report.id)
    )
    result.breaks += [
        f"report {ref}: has no events (its history was removed)"
        for ref in db.session.scalars(silent)
    ]
    records = db.session.execute(
        sa.select(
            AuditRecord.id,
            AuditRecord.at,
            AuditRecord.actor_id,
            AuditRecord.action,
            AuditRecord.subject_type,
            AuditRecord.subject_id,
            AuditRecord.detail,
            AuditRecord.previous_hash,
            AuditRecord.hash,
        )
        .order_by(AuditRecord.id)
        .execution_options(yield_per=batch)
    )
    count, bad, why = _walk(
        records,
        lambda r: record_fields(r.at, r.actor_id, r.action, r.subject_type, r.subject_id, r.detail),
    )
    result.records = count
    if bad is not None:
        result.breaks.append(f"audit record {bad} {why}")
    return result


def missing_guards():
    """The append-only tables whose refusing triggers are missing (e.g. after a table was rebuilt)."""
    bind = db.session.get_bind()
    if bind.dialect.name == "sqlite":
        query = sa.text("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        found = {(table, name) for table, name in db.session.execute(query)}
        wanted = {(t, f"{t}_no_{verb}") for t in APPEND_ONLY for verb in ("update", "delete")}
        return sorted({t for t, _n in wanted - found})
    query = sa.text(
        "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal AND t.tgenabled <> 'D'"
    )
    found = {(table, name) for table, name in db.session.execute(query)}
    wanted = {(t, f"{t}_{what}") for t in APPEND_ONLY for what in ("append_only", "no_truncate")}
    return sorted({t for t, _n in wanted - found})
