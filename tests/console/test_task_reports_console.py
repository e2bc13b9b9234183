"""Task reports in the console: a lead unit drafts (bad input named on its field), edits, publishes, revises and links
evidence; a participating unit adds its contribution; other units do not see the report; stale pages are refused."""

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import TaskReport, TaskReportState
from tests.console.test_consultations_console import flashes, follow, form_post, text
from tests.helpers import field_error, hidden_value, staff_client
from tests.services.test_task_reports import LEAD, PARTICIPATING, shared_task


@pytest.fixture
def lead(app):
    """Logged-in staff of the lead unit (English)."""
    return staff_client(app, "jsj", LEAD)


@pytest.fixture
def helper(app):
    """Logged-in staff of a participating unit of the shared task (English)."""
    return staff_client(app, "slj", PARTICIPATING)


@pytest.fixture
def stranger(app):
    """Logged-in staff of another unit."""
    return staff_client(app, "shz", "第八师石河子市")


def task_id(app):
    """The id of the task the lead unit leads and the participating unit takes part in."""
    with app.app_context():
        return shared_task().id


def new_report(client, app, **fields):
    """POST the new-report form; the response."""
    values = {
        "task": task_id(app),
        "period": "2025",
        "status": "in_progress",
        "progress": "50",
        "done_text": "完成提标改造3座。",
        "next_steps": "继续推进。",
        **fields,
    }
    return form_post(client, "/console/task-reports/new", "/console/task-reports/new", **values)


def the_report(app):
    """The only task report."""
    with app.app_context():
        return db.session.scalars(sa.select(TaskReport)).one()


def test_bad_input_is_named_on_its_field(app, lead):
    """A bad period or progress shows the form again (400) with the message under the field."""
    response = new_report(lead, app, period="2025-Q3")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "half-year" in field_error(page, "period")
    response = new_report(lead, app, progress="150")
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "progress")


def test_lead_unit_drafts_publishes_and_revises(app, lead):
    """Draft → publish (version 1) → revise with a note (version 2); each step says what happened."""
    page = follow(lead, new_report(lead, app))
    assert "Draft saved" in " ".join(flashes(page))
    report = the_report(app)
    path = f"/console/task-reports/{report.id}"
    assert report.state is TaskReportState.DRAFT
    assert lead.get(f"/tasks/{report.task_id}").get_data(as_text=True).count("report-") == 0
    page = follow(lead, form_post(lead, path, f"{path}/publish"))
    assert "Published as version 1" in " ".join(flashes(page))
    public = lead.get(f"/tasks/{report.task_id}").get_data(as_text=True)
    assert f'id="report-{report.id}"' in public and "完成提标改造3座。" in public
    response = form_post(
        lead,
        path,
        f"{path}/revise",
        status="done",
        progress="100",
        done_text="完成提标改造4座。",
        next_steps="巩固。",
        note="",
    )
    assert response.status_code == 400
    page = follow(
        lead,
        form_post(
            lead,
            path,
            f"{path}/revise",
            status="done",
            progress="100",
            done_text="完成提标改造4座。",
            next_steps="巩固。",
            note="更正数量",
        ),
    )
    assert "Version 2" in " ".join(flashes(page))
    diff = lead.get(f"/tasks/{report.task_id}/reports/{report.id}/diff").get_data(as_text=True)
    assert "<del>" in diff and "<ins>" in diff and "更正数量" in diff


def test_stale_page_is_refused(app, lead):
    """Acting from a page whose version is out of date changes nothing and says why."""
    follow(lead, new_report(lead, app))
    report = the_report(app)
    path = f"/console/task-reports/{report.id}"
    page = follow(lead, form_post(lead, path, f"{path}/publish", version=str(report.version + 3)))
    assert "changed by someone else" in " ".join(flashes(page))
    assert the_report(app).state is TaskReportState.DRAFT


def test_participating_unit_contributes_others_do_not_see(app, lead, helper, stranger):
    """The participating unit reads the draft and contributes; it cannot publish; another unit gets 404."""
    follow(lead, new_report(lead, app))
    report = the_report(app)
    path = f"/console/task-reports/{report.id}"
    page = helper.get(path).get_data(as_text=True)
    assert "Your unit&#39;s contribution" in page or "Your unit's contribution" in text(page)
    page = follow(
        helper, form_post(helper, path, f"{path}/contribution", text="完成灌区节水改造。")
    )
    assert "contribution is saved" in " ".join(flashes(page))
    version = str(the_report(app).version)
    assert form_post(helper, path, f"{path}/publish", version=version).status_code == 403
    assert stranger.get(path).status_code == 404
    token = hidden_value(
        stranger.get("/console/task-reports/new").get_data(as_text=True), "csrf_token"
    )
    answer = stranger.post(
        f"{path}/publish", data={"csrf_token": token, "version": str(report.version)}
    )
    assert answer.status_code == 404
    # Not public until the lead unit publishes; then with the participating unit's name.
    assert "完成灌区节水改造。" not in lead.get(f"/tasks/{report.task_id}").get_data(as_text=True)
    form_post(lead, path, f"{path}/publish")
    public = lead.get(f"/tasks/{report.task_id}").get_data(as_text=True)
    assert "完成灌区节水改造。" in public and PARTICIPATING in public


def test_the_lists_and_the_new_form_offer_only_the_units_tasks(app, lead, stranger):
    """The new-report form offers the tasks the unit leads; a unit leading none is offered no button."""
    page = lead.get("/console/task-reports/new").get_data(as_text=True)
    assert len(re.findall(r'<option value="\d+"', page)) >= 5
    assert "New task report" in lead.get("/console/task-reports").get_data(as_text=True)
    assert lead.get("/console/task-reports/999999").status_code == 404
