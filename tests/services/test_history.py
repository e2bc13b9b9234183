"""The append-only record: the database refuses edits, each report's events and the audit records form hash
chains that `portal check` verifies, and concurrent appends never fork a chain."""

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from portal.extensions import db
from portal.models import AuditRecord, EventKind, Report, ReportEvent
from portal.services import audit, handling, history
from tests.conftest import ON_POSTGRES
from tests.helpers import People
from tests.services.test_disclosures import people as people  # noqa: F401 (fixture)
from tests.services.test_disclosures import published
from tests.services.test_handling import PEOPLE, new_report


def run(app, *args):
    return app.test_cli_runner().invoke(args=["portal", *args])


@pytest.fixture
def report(app_context):
    """A report with three events (submitted, accepted, replied) and an audited identity read."""
    report = new_report(app_context)
    staff = People(PEOPLE)["staff"]
    handling.accept(staff, report, None, app_context.config)
    handling.reply(staff, report, None, "已派员现场检查。")
    audit.record("identity.read", "report", report.id, actor=staff, detail="report page")
    db.session.commit()
    return report


def refused(statement):
    """True when the database refuses `statement` (and the transaction is rolled back)."""
    try:
        with db.session.begin_nested():
            db.session.execute(sa.text(statement))
    except DBAPIError as error:
        db.session.rollback()
        return "append-only" in str(error)
    return False


def test_the_database_refuses_to_update_or_delete_history(report, people):  # noqa: F811
    """UPDATE and DELETE of events, audit records and disclosure versions fail in the database itself."""
    version_id = published(people).versions[0].id
    db.session.commit()
    assert refused(f"UPDATE report_events SET body = 'x' WHERE report_id = {report.id}")
    assert refused(f"DELETE FROM report_events WHERE report_id = {report.id}")
    assert refused("UPDATE audit_records SET detail = 'nothing happened'")
    assert refused("DELETE FROM audit_records")
    assert refused(f"UPDATE disclosure_versions SET body = 'x' WHERE id = {version_id}")
    assert refused(f"DELETE FROM disclosure_versions WHERE id = {version_id}")
    if ON_POSTGRES:
        assert refused("TRUNCATE report_events, audit_records, disclosure_versions CASCADE")
    assert history.missing_guards() == []
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(ReportEvent.report_id == report.id)) == 3
    )


def test_deleting_a_report_does_not_erase_its_history(report):
    """A report with events cannot be deleted: no cascade removes its history."""
    report_id = report.id
    with pytest.raises((IntegrityError, DBAPIError)), db.session.begin_nested():
        db.session.execute(sa.delete(Report).where(Report.id == report_id))
    db.session.rollback()
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(ReportEvent.report_id == report_id)) == 3
    )


def test_events_and_records_are_chained(report):
    """Each event follows the previous one of its report; the audit records form one chain."""
    events = db.session.scalars(
        sa.select(ReportEvent).where(ReportEvent.report_id == report.id).order_by(ReportEvent.id)
    ).all()
    assert [e.kind for e in events] == [EventKind.SUBMITTED, EventKind.ACCEPTED, EventKind.REPLIED]
    assert events[0].previous_hash == history.GENESIS
    assert [e.previous_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    records = db.session.scalars(sa.select(AuditRecord).order_by(AuditRecord.id)).all()
    assert records[0].previous_hash == history.GENESIS and len(records[-1].hash) == 64
    found = history.verify()
    assert found.intact and (found.events, found.reports, found.records) == (3, 1, len(records))


def test_a_second_successor_of_one_event_is_refused(report):
    """Two events cannot follow the same event: a fork of the chain fails on the unique constraint."""
    head = report.events[-1]
    fork = ReportEvent(
        report_id=report.id,
        kind=EventKind.NOTE,
        body="",
        created_at=head.created_at,
        previous_hash=head.previous_hash,
        hash="f" * 64,
    )
    db.session.add(fork)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def without_guards(statement):
    """Run `statement` as someone who switched the triggers off, then switch them on again."""
    bind = db.session.get_bind()
    if bind.dialect.name == "postgresql":
        db.session.execute(
            sa.text("SET session_replication_role = replica")
        )  # fires no ordinary trigger
        db.session.execute(sa.text(statement))
        db.session.execute(sa.text("SET session_replication_role = DEFAULT"))
        db.session.commit()
        return
    db.session.execute(sa.text("DROP TRIGGER IF EXISTS report_events_no_update"))
    db.session.execute(sa.text("DROP TRIGGER IF EXISTS report_events_no_delete"))
    db.session.execute(sa.text("DROP TRIGGER IF EXISTS audit_records_no_update"))
    db.session.execute(sa.text(statement))
    db.session.commit()


def test_check_names_the_report_whose_event_was_edited(report, app_context):
    """An edit made behind the triggers' back is found by `portal check`, which names the report and event."""
    run(app_context, "reindex")
    clean = run(app_context, "check")
    assert clean.exit_code == 0, clean.output
    assert "history: 3 events in 1 reports and 1 audit records, every chain intact" in clean.output
    replied = report.events[-1].id
    without_guards(f"UPDATE report_events SET body = '已办结,无问题。' WHERE id = {replied}")
    result = run(app_context, "check")
    assert result.exit_code == 1
    assert (
        f"history chain broken: report {report.reference}: event {replied} was changed after it was written"
        in result.output
    )


def test_check_finds_a_removed_event_and_an_edited_audit_record(report, app_context):
    """A deleted event breaks its successor's link; an edited audit record its own hash."""
    accepted = report.events[1].id
    without_guards(f"DELETE FROM report_events WHERE id = {accepted}")
    without_guards("UPDATE audit_records SET detail = 'nothing to see'")
    found = history.verify()
    assert found.breaks[0] == (
        f"report {report.reference}: event {report.events[-1].id} does not follow the event "
        "before it (one was removed or reordered)"
    )
    assert found.breaks[1].startswith("audit record ") and found.breaks[1].endswith(
        "was changed after it was written"
    )


@pytest.mark.skipif(
    not ON_POSTGRES, reason="SQLite runs one writer at a time; PostgreSQL runs them concurrently"
)
def test_concurrent_appends_to_one_report_keep_one_chain(report, app_context):
    """Eight sessions appending to one report at once leave one unbroken chain of all their events."""
    report_id, start = report.id, threading.Barrier(8)
    failures = []

    def append(n):
        with app_context.app_context():
            try:
                report = db.session.get(Report, report_id)
                start.wait()
                history.add_event(report, EventKind.NOTE, body=f"note {n}")
                history.add_record("test.append", "report", report_id, detail=str(n))
                db.session.commit()
            except Exception as error:  # a failure in a thread must fail the test, not vanish
                failures.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=append, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    db.session.expire_all()
    found = history.verify()
    assert found.intact, found.breaks
    assert (found.events, found.records) == (11, 9)
