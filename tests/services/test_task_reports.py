"""Task reports (落实情况): periods and statuses checked, one report per period, publication with versions and
diffs, contributions only by participating units, evidence only public records, the calendar (late, missing)
and reminders queued once."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from portal.errors import Conflict, Forbidden, NotFound, ValidationFailed
from portal.extensions import db
from portal.models import (
    AuditRecord,
    Disclosure,
    DisclosureState,
    MailMessage,
    Task,
    TaskReportReminder,
    TaskReportState,
    TaskStatus,
    TaskUnit,
    TaskUnitRole,
)
from portal.services import access, task_reports
from portal.services.task_reports import Standing
from portal.services.units import find_unit
from tests.helpers import People

LEAD, PARTICIPATING = "兵团建设局", "兵团水利局"
PEOPLE = {
    "staff": ("jsj", LEAD, "staff"),
    "lead_admin": ("jsjadmin", LEAD, "unit_admin"),
    "helper": ("slj", PARTICIPATING, "staff"),
    "stranger": ("shz", "第八师石河子市", "staff"),
    "admin": ("root", "第六师五家渠市", "site_admin"),
}
CONFIG = {"TASK_REPORT_DUE": "01-31", "TASK_REPORT_FIRST_YEAR": 2024}
# 2026-05-20 12:00 in Beijing.
NOW = datetime(2026, 5, 20, 4, 0, tzinfo=UTC)


@pytest.fixture
def app_context(english_context):
    """Messages are read in English, the language they are written in."""
    return english_context


@pytest.fixture
def people(app_context):
    """Staff of the lead unit (and its administrator), of a participating unit, of another unit, and a site admin."""
    return People(PEOPLE)


def shared_task():
    """A task 兵团建设局 leads and 兵团水利局 takes part in."""
    lead, helper = find_unit(LEAD), find_unit(PARTICIPATING)
    for task in db.session.scalars(sa.select(Task).order_by(Task.id)):
        roles = {(a.unit_id, a.role) for a in task.assignments}
        if (lead.id, TaskUnitRole.LEAD) in roles and (
            helper.id,
            TaskUnitRole.PARTICIPATING,
        ) in roles:
            return task
    raise AssertionError("no shared task")


def draft(people, period="2025", **values):
    """A draft of the lead unit on the shared task."""
    return task_reports.create_draft(
        people["staff"],
        shared_task().id,
        period,
        values.pop("status", "in_progress"),
        values.pop("progress", "60"),
        values.pop("done_text", "## 进展\n\n完成城镇污水处理厂提标改造3座。"),
        values.pop("next_steps", "推进第二批改造。"),
    )


@pytest.mark.parametrize("period", ["2025", "2025-H1", "2025-h2", " 2030 "])
def test_periods_are_years_or_half_years(app_context, period):
    """A year or a half-year is accepted and stored in one spelling."""
    assert task_reports.parse_period(period) == period.strip().upper()


@pytest.mark.parametrize("period", ["", "25", "2025-H3", "2025-Q1", "1999", "二〇二五", "2025H1"])
def test_other_periods_are_refused_naming_the_field(app_context, period):
    """Anything else is refused on the period field."""
    with pytest.raises(ValidationFailed) as error:
        task_reports.parse_period(period)
    assert error.value.field == "period"


def test_due_dates_follow_the_calendar(app_context):
    """The annual report is due on 31 January of the next year; a half-year's one month after it ends."""
    assert task_reports.due_date("2025") == date(2026, 1, 31)
    assert task_reports.due_date("2025-H1") == date(2025, 7, 31)
    assert task_reports.due_date("2025-H2") == date(2026, 1, 31)
    assert task_reports.due_date("2025", "02-30") == date(2026, 2, 28)
    with pytest.raises(ValueError):
        task_reports.due_date("2025", "1-31")


def test_status_and_progress_are_checked(people):
    """A status not offered or a progress outside 0–100 is refused on its field."""
    with pytest.raises(ValidationFailed) as error:
        draft(people, status="finished")
    assert error.value.field == "status"
    for progress in ("101", "-1", "half"):
        with pytest.raises(ValidationFailed) as error:
            draft(people, progress=progress)
        assert error.value.field == "progress"
    assert draft(people, progress="").progress is None


def test_one_report_per_task_unit_and_period(people):
    """A second report for the same period is refused on the period; another period is fine."""
    first = draft(people)
    with pytest.raises(ValidationFailed) as error:
        draft(people)
    assert error.value.field == "period"
    assert str(first.id) in str(error.value)
    assert draft(people, period="2025-H1").id != first.id


def test_only_a_lead_unit_drafts(people):
    """Staff of a participating or another unit cannot draft on the task (named field: task)."""
    for who in ("helper", "stranger"):
        with pytest.raises(ValidationFailed) as error:
            task_reports.create_draft(people[who], shared_task().id, "2025", "done")
        assert error.value.field == "task"


def test_publish_revise_and_diff(people):
    """Publishing writes version 1; a revision with a note writes version 2; the diff shows the words changed."""
    report = draft(people)
    assert not access.TASK_REPORTS.is_public(report)
    with pytest.raises(NotFound):
        task_reports.get_public(report.id)
    task_reports.publish(people["staff"], report, now=NOW)
    assert report.state is TaskReportState.PUBLISHED
    assert task_reports.get_public(report.id) is report
    with pytest.raises(Conflict):
        task_reports.publish(people["staff"], report, now=NOW)
    with pytest.raises(ValidationFailed) as error:
        task_reports.revise(
            people["staff"],
            report,
            report.status,
            report.progress,
            report.done_text,
            report.next_steps,
            "没有变化",
        )
    assert error.value.field == "done_text"
    task_reports.revise(
        people["staff"],
        report,
        "done",
        "100",
        "## 进展\n\n完成城镇污水处理厂提标改造5座。",
        "巩固成果。",
        "更正数量",
    )
    assert [v.number for v in report.versions] == [1, 2]
    assert report.versions[0].progress == 60 and report.versions[0].status is TaskStatus.IN_PROGRESS
    actions = db.session.scalars(
        sa.select(AuditRecord.action)
        .where(AuditRecord.subject_type == "task_report", AuditRecord.subject_id == report.id)
        .order_by(AuditRecord.id)
    ).all()
    assert actions == ["task_report.published", "task_report.revised"]
    result = task_reports.diff(report, 1, 2)
    assert result.changed
    assert "Done" in result.title.new_text and "In progress" in result.title.old_text
    with pytest.raises(ValidationFailed) as error:
        task_reports.diff(report, 1, 3)
    assert error.value.field == "to"


def test_publishing_needs_what_was_done(people):
    """A draft without the text of what was done is not published (named field)."""
    report = draft(people, done_text="  ")
    with pytest.raises(ValidationFailed) as error:
        task_reports.publish(people["staff"], report)
    assert error.value.field == "done_text"


def test_other_units_do_not_act_and_stale_versions_conflict(people):
    """Another unit gets NotFound, a participating unit Forbidden, a stale version Conflict."""
    report = draft(people)
    with pytest.raises(NotFound):
        task_reports.publish(people["stranger"], report)
    with pytest.raises(Forbidden):
        task_reports.publish(people["helper"], report)
    with pytest.raises(Conflict):
        task_reports.publish(people["staff"], report, version=report.version + 5)
    with pytest.raises(Forbidden):
        task_reports.publish(people["admin"], report)


def test_contributions_only_by_participating_units(people):
    """A participating unit adds its text (and may remove it); the lead unit and other units may not."""
    report = draft(people)
    contribution = task_reports.contribute(people["helper"], report, "完成灌区节水改造。")
    assert contribution.unit_id == find_unit(PARTICIPATING).id
    task_reports.contribute(people["helper"], report, "完成灌区节水改造两处。")
    assert [c.text for c in report.contributions] == ["完成灌区节水改造两处。"]
    with pytest.raises(Forbidden):
        task_reports.contribute(people["staff"], report, "自己写的")
    with pytest.raises(NotFound):
        task_reports.contribute(people["stranger"], report, "别人写的")
    with pytest.raises(ValidationFailed) as error:
        task_reports.contribute(people["helper"], report, "短" * 5000)
    assert error.value.field == "text"
    task_reports.contribute(people["helper"], report, "")
    assert report.contributions == []


def test_evidence_only_public_records_of_the_unit_or_task(people):
    """A published disclosure may be linked; a draft, an unknown kind or id is refused on `evidence`."""
    report = draft(people)
    unit = find_unit(LEAD)
    public = db.session.scalars(
        sa.select(Disclosure).where(
            Disclosure.unit_id == unit.id, Disclosure.state == DisclosureState.PUBLISHED
        )
    ).first()
    hidden = db.session.scalars(
        sa.select(Disclosure).where(Disclosure.state == DisclosureState.DRAFT)
    ).first()
    if public is not None:
        task_reports.set_evidence(people["staff"], report, [f"disclosure:{public.id}"])
        assert [i.item_id for i in task_reports.public_evidence(report)] == [public.id]
    for bad in ["nothing:1", "disclosure:x", f"disclosure:{hidden.id if hidden else 999999}"]:
        with pytest.raises(ValidationFailed) as error:
            task_reports.set_evidence(people["staff"], report, [bad])
        assert error.value.field == "evidence"


def test_standing_in_the_calendar(people):
    """Reported by the due date, late after it (or a draft past it), missing without a report, else not yet due."""
    report = draft(people)
    assert task_reports.standing(None, "2025", date(2026, 1, 31)) is Standing.NOT_DUE
    assert task_reports.standing(None, "2025", date(2026, 2, 1)) is Standing.MISSING
    assert task_reports.standing(report, "2025", date(2026, 2, 1)) is Standing.LATE
    report.first_published_at = datetime(2026, 1, 30, 4, tzinfo=UTC)
    assert task_reports.standing(report, "2025", date(2026, 5, 1)) is Standing.REPORTED
    report.first_published_at = datetime(2026, 2, 3, 4, tzinfo=UTC)
    assert task_reports.standing(report, "2025", date(2026, 5, 1)) is Standing.LATE


def test_matrix_lists_the_tasks_with_no_report_for_the_last_period(people):
    """On 2026-05-20 the last due period is 2025; a task reported then is not in the unreported list."""
    report = draft(people)
    task_reports.publish(people["staff"], report, now=datetime(2026, 1, 10, tzinfo=UTC))
    today = date(2026, 5, 20)
    result = task_reports.matrix(CONFIG, today)
    assert result.periods == ["2024", "2025", "2026"]  # 2026: the year under way, not yet due
    assert result.last_due == "2025"
    row = next(r for r in result.rows if r.task.id == report.task_id)
    lead_ids = {u.id for u in row.task.lead_units}
    if lead_ids == {report.unit_id}:
        assert row.cells["2025"] is Standing.REPORTED
        assert row not in result.unreported
    assert row.cells["2024"] is Standing.MISSING
    assert row.cells["2026"] is Standing.NOT_DUE
    assert len(result.unreported) >= len(result.rows) - 1
    filtered = task_reports.matrix(CONFIG, today, unit=find_unit(LEAD).id, chapter=1)
    assert filtered.rows and all(r.task.measure.chapter.number == 1 for r in filtered.rows)
    for name, value in (("unit", "x"), ("unit", "999999"), ("chapter", "99")):
        with pytest.raises(ValidationFailed) as error:
            task_reports.matrix(CONFIG, today, **{name: value})
        assert error.value.field == name


def test_reminders_are_queued_once_to_the_lead_units_admins(people):
    """Within the reminder window each unreported (task, lead unit) gets one reminder; a second tick sends none."""
    people["lead_admin"].email = "admin@jsj.example"
    lead = find_unit(LEAD)
    report = draft(people)
    task_reports.publish(people["staff"], report, now=datetime(2026, 1, 10, tzinfo=UTC))
    config = {**CONFIG, "TASK_REPORT_REMINDER_DAYS": 14}
    assert task_reports.queue_reminders(config, datetime(2026, 1, 10, tzinfo=UTC)) == 0
    first = task_reports.queue_reminders(config, datetime(2026, 1, 20, tzinfo=UTC))
    led = db.session.scalar(
        sa.select(sa.func.count()).select_from(TaskUnit).where(TaskUnit.role == TaskUnitRole.LEAD)
    )
    assert first == led - 1  # every lead assignment but the one already reported
    assert task_reports.queue_reminders(config, datetime(2026, 1, 25, tzinfo=UTC)) == 0
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(TaskReportReminder)
            .where(TaskReportReminder.unit_id == lead.id)
        )
        == len(task_reports.lead_tasks(lead.id)) - 1
    )
    mails = db.session.scalars(sa.select(MailMessage)).all()
    assert mails and all("2025" in m.subject for m in mails)
