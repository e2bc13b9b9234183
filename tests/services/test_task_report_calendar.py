"""The reporting calendar of task reports: due dates of annual and half-year reports, the setting that requires a
first half-year report (半年报) too, checked at start, and with it the standing, the matrix, the "no report" list
and the reminders counting half-years; under the default annual calendar a half-year report stays optional."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from portal import config as portal_config
from portal import task_calendar
from portal.extensions import db
from portal.models import MailMessage, TaskReportReminder
from portal.services import task_reports
from portal.services.task_reports import Standing
from portal.services.units import find_unit
from tests.services.test_task_reports import LEAD, draft, shared_task
from tests.services.test_task_reports import app_context as app_context  # noqa: F401 (fixture)
from tests.services.test_task_reports import people as people  # noqa: F401 (fixture)

ANNUAL = {"TASK_REPORT_DUE": "01-31", "TASK_REPORT_FIRST_YEAR": 2025}
HALF_YEARS = {**ANNUAL, "TASK_REPORT_PERIODS": "annual,H1"}


def at(day):
    """Noon in Beijing on `day`."""
    return datetime(day.year, day.month, day.day, 4, tzinfo=UTC)


def test_due_dates_of_annual_and_half_year_reports():
    """DD of the MM-th month after the period ends; a DD past a short month's end is its last day, leap years too."""
    assert task_calendar.due_date("2026-H1", "01-31") == date(2026, 7, 31)
    assert task_calendar.due_date("2026", "01-31") == date(2027, 1, 31)
    assert task_calendar.due_date("2026-H1", "03-31") == date(2026, 9, 30)
    assert task_calendar.due_date("2023", "02-29") == date(2024, 2, 29)
    assert task_calendar.due_date("2024", "02-29") == date(2025, 2, 28)
    assert task_calendar.due_date("2025-H1", "02-31") == date(2025, 8, 31)


def test_the_setting_names_the_reports_required():
    """'annual' (the default) asks for the annual report; 'annual,H1' also for the first half-year, never H2."""
    assert task_calendar.parse_periods(None) == ("annual",)
    assert task_calendar.parse_periods(" Annual , h1 ") == ("H1", "annual")
    assert task_calendar.is_required("2026-H1", ("H1", "annual"))
    assert not task_calendar.is_required("2026-H2", ("H1", "annual"))
    assert not task_calendar.is_required("2026-H1", ("annual",))
    for bad in ("H1", "annual,H2", "quarterly", "annual;H1"):
        with pytest.raises(ValueError):
            task_calendar.parse_periods(bad)


@pytest.mark.parametrize(
    ("variable", "value"),
    [("PORTAL_TASK_REPORT_PERIODS", "annual,H2"), ("PORTAL_TASK_REPORT_DUE", "1-31")],
)
def test_a_bad_calendar_is_refused_at_start(tmp_path, variable, value):
    """The portal does not start on a calendar it cannot keep, and says which setting is wrong."""
    environ = {"PORTAL_ENV": "development", "PORTAL_DATA_DIR": str(tmp_path)}
    with pytest.raises(portal_config.ConfigError, match=variable):
        portal_config.load(environ={**environ, variable: value})
    assert portal_config.load(environ=environ)["TASK_REPORT_PERIODS"] == "annual"


def test_standing_of_a_half_year_report(people):  # noqa: F811
    """An H1 report is reported by 31 July, late after it (or a draft past it), missing without one, else not yet due."""
    report = draft(people, period="2026-H1")
    assert task_reports.standing(None, "2026-H1", date(2026, 7, 31)) is Standing.NOT_DUE
    assert task_reports.standing(None, "2026-H1", date(2026, 8, 1)) is Standing.MISSING
    assert task_reports.standing(report, "2026-H1", date(2026, 8, 1)) is Standing.LATE
    report.first_published_at = at(date(2026, 7, 20))
    assert task_reports.standing(report, "2026-H1", date(2026, 9, 1)) is Standing.REPORTED
    report.first_published_at = at(date(2026, 8, 2))
    assert task_reports.standing(report, "2026-H1", date(2026, 9, 1)) is Standing.LATE


def test_the_matrix_with_half_years_required(people):  # noqa: F811
    """Columns in order with their due dates; the last due period is the half-year once its date passed."""
    report = draft(people, period="2026-H1")
    task_reports.publish(people["staff"], report, now=at(date(2026, 7, 20)))
    today = date(2026, 8, 10)
    result = task_reports.matrix(HALF_YEARS, today)
    assert result.periods == ["2025-H1", "2025", "2026-H1", "2026"]
    assert result.half_years
    assert [result.due_on(p) for p in result.periods] == [
        date(2025, 7, 31),
        date(2026, 1, 31),
        date(2026, 7, 31),
        date(2027, 1, 31),
    ]
    assert result.last_due == "2026-H1"
    row = next(r for r in result.rows if r.task.id == report.task_id)
    if {u.id for u in row.task.lead_units} == {report.unit_id}:
        assert row.cells["2026-H1"] is Standing.REPORTED
        assert row not in result.unreported
    assert row.cells["2025-H1"] is Standing.MISSING
    assert row.cells["2026"] is Standing.NOT_DUE
    others = [r for r in result.rows if r.task.id != report.task_id]
    assert others and all(r in result.unreported for r in others)
    assert all(r.cells["2026-H1"] is Standing.MISSING for r in others)
    # Before 31 July the half-year is the one due next, and the last due period is the annual one.
    earlier = task_reports.matrix(HALF_YEARS, date(2026, 5, 20))
    assert earlier.periods == ["2025-H1", "2025", "2026-H1"] and earlier.last_due == "2025"


def test_under_the_annual_calendar_a_half_year_report_is_optional(people):  # noqa: F811
    """With the default calendar no half-year is a column, none is late or missing, and the report is not required."""
    draft(people, period="2026-H1")
    result = task_reports.matrix(ANNUAL, date(2026, 8, 10))
    assert result.periods == ["2025", "2026"] and not result.half_years
    assert result.last_due == "2025"
    assert not task_reports.reporting_calendar(ANNUAL).is_required("2026-H1")
    assert task_reports.reporting_calendar(HALF_YEARS).is_required("2026-H1")
    assert not task_reports.reporting_calendar(HALF_YEARS).is_required("2026-H2")


def test_a_half_year_reminder_is_sent_once(people):  # noqa: F811
    """From 14 days before 31 July each lead unit's unpublished H1 report gets one reminder, naming 2026-H1."""
    people["lead_admin"].email = "admin@jsj.example"
    lead = find_unit(LEAD)
    config = {**HALF_YEARS, "TASK_REPORT_REMINDER_DAYS": 14}
    assert task_reports.queue_reminders(config, at(date(2026, 7, 10))) == 0
    first = task_reports.queue_reminders(config, at(date(2026, 7, 20)))
    assert first == db.session.scalar(
        sa.select(sa.func.count())
        .select_from(TaskReportReminder)
        .where(TaskReportReminder.period == "2026-H1")
    )
    assert first >= len(task_reports.lead_tasks(lead.id))
    assert task_reports.queue_reminders(config, at(date(2026, 8, 5))) == 0
    mails = db.session.scalars(sa.select(MailMessage)).all()
    assert mails and all("2026-H1" in m.subject for m in mails)
    assert all("2026-07-31" in m.body for m in mails)
    # Under the annual calendar the same day reminds of the annual report only.
    task_reports.queue_reminders({**ANNUAL, "TASK_REPORT_REMINDER_DAYS": 14}, at(date(2026, 7, 20)))
    periods = db.session.scalars(sa.select(TaskReportReminder.period).distinct()).all()
    assert sorted(periods) == ["2025", "2026-H1"]


def test_a_reported_half_year_gets_no_reminder(people):  # noqa: F811
    """A published H1 report is not reminded of; the annual report's reminder follows in January."""
    report = draft(people, period="2026-H1")
    task_reports.publish(people["staff"], report, now=at(date(2026, 7, 1)))
    config = {**HALF_YEARS, "TASK_REPORT_REMINDER_DAYS": 14}
    task_reports.queue_reminders(config, at(date(2026, 7, 20)))
    reminded = set(
        db.session.execute(sa.select(TaskReportReminder.task_id, TaskReportReminder.unit_id)).all()
    )
    assert (shared_task().id, report.unit_id) not in reminded
    task_reports.queue_reminders(config, at(date(2027, 1, 20)))
    assert db.session.scalar(
        sa.select(sa.func.count())
        .select_from(TaskReportReminder)
        .where(TaskReportReminder.period == "2026")
    )


def test_the_accountability_page_and_csv_follow_the_calendar(make_app):
    """With half-years required the page, its CSV and the API have the H1 columns with their due dates; with the
    annual calendar the page says a half-year report is optional."""
    client = make_app().test_client()
    client.get("/language/en")
    page = client.get("/accountability").get_data(as_text=True)
    assert "A half-year report is an optional interim report" in page
    assert "First half of" not in page
    client = make_app(TASK_REPORT_PERIODS="annual,H1", TASK_REPORT_FIRST_YEAR=2025).test_client()
    client.get("/language/en")
    page = client.get("/accountability").get_data(as_text=True)
    assert "Two reports are required each year" in page
    assert "First half of 2025" in page and "due 2025-07-31" in page
    rows = client.get("/accountability.csv").get_data(as_text=True).splitlines()
    assert any(",2025-H1,2025-07-31," in row for row in rows)
    api = client.get("/api/v1/accountability").get_json()
    assert api["periods"][:2] == [
        {"period": "2025-H1", "kind": "half_year", "due_on": "2025-07-31"},
        {"period": "2025", "kind": "annual", "due_on": "2026-01-31"},
    ]
