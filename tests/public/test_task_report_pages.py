"""The public side of task reports: the task page, the accountability matrix, its CSV, the API, the feeds and /data
show published reports (with contributions, evidence and versions) and never a draft; bad input is a 400 naming
the parameter, an unknown task or report a 404; zh and en."""

import csv
import io
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import TaskReport, TaskReportState
from portal.services import datasets

DRAFT_TEXT = "尚在起草中"  # the demo's draft (a late report): never public


@pytest.fixture
def app(demo_app):
    """The demo data: published reports (one revised, one late, one interim), a draft past its due date."""
    return demo_app


@pytest.fixture
def world(app):
    """The app with the demo data."""
    return app


def read(client, path, language):
    """The page at `path` in `language` (chosen as a visitor does, with the language switch)."""
    client.get(f"/language/{'zh_Hans_CN' if language == 'zh' else language}")
    return client.get(path).get_data(as_text=True)


def _ids(report):
    return SimpleNamespace(
        id=report.id, task_id=report.task_id, unit_id=report.unit_id, period=report.period
    )


def reports(app, state):
    """The task reports in `state` (their ids, task, unit and period)."""
    with app.app_context():
        return [
            _ids(r)
            for r in db.session.scalars(
                sa.select(TaskReport).where(TaskReport.state == state).order_by(TaskReport.id)
            )
        ]


def revised(app):
    """The demo report with two versions."""
    with app.app_context():
        return _ids(
            next(
                r
                for r in db.session.scalars(sa.select(TaskReport).order_by(TaskReport.id))
                if len(r.versions) == 2
            )
        )


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("zh", ("落实情况报告", "参加单位配合情况", "推进中")),
        ("en", ("Implementation reports", "In progress")),
    ],
)
def test_task_page_shows_published_reports(world, client, language, words):
    """The timeline shows status, progress bar, text, contribution, evidence and versions, in both languages."""
    report = revised(world)
    page = read(client, f"/tasks/{report.task_id}", language)
    for word in words:
        assert word in page
    assert f'id="report-{report.id}"' in page
    assert '<progress id="progress-' in page and 'max="100"' in page
    assert (
        "<h5>主要进展</h5>" in page
    )  # the report's ## heading sits below the page's <h4> "what was done"
    assert "兵团水利局" in page  # the participating unit's contribution, under its name
    assert f"/tasks/{report.task_id}/reports/{report.id}/diff?from=1&amp;to=2" in page
    assert DRAFT_TEXT not in page


def test_drafts_are_nowhere_public(world, client):
    """A draft is not on its task page, the feeds, the API, the matrix's links or /data."""
    [draft] = reports(world, TaskReportState.DRAFT)
    for path in (
        f"/tasks/{draft.task_id}",
        f"/feeds/tasks/{draft.task_id}/reports.atom",
        f"/feeds/units/{draft.unit_id}/task-reports.atom",
        f"/api/v1/tasks/{draft.task_id}/reports",
        "/accountability",
        "/accountability.csv",
    ):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert DRAFT_TEXT not in answer.get_data(as_text=True), path
        assert f'report-{draft.id}"' not in answer.get_data(as_text=True), path
    assert client.get(f"/tasks/{draft.task_id}/reports/{draft.id}/versions/1").status_code == 404
    assert client.get(f"/tasks/{draft.task_id}/reports/{draft.id}/diff").status_code == 404
    with world.app_context():
        rows = list(datasets.BY_NAME["task_reports"].rows(lambda endpoint, **v: endpoint))
    assert rows and all(row[0] != draft.id for row in rows)


def test_accountability_lists_unreported_tasks_first(world, client):
    """The matrix names the last due period's unreported tasks on top; a late draft is among them."""
    [draft] = reports(world, TaskReportState.DRAFT)
    page = read(client, "/accountability", "en")
    unreported = page[page.index('id="unreported"') : page.index('id="matrix-title"')]
    assert f'href="/tasks/{draft.task_id}"' in unreported
    assert f'href="/tasks/{revised(world).task_id}"' not in unreported
    for word in ("Reported", "Late", "Missing", "Not yet due"):
        assert word in page
    assert 'role="region"' in page and 'tabindex="0"' in page
    zh = read(client, "/accountability", "zh")
    assert "未报告落实情况的任务" in zh and "逾期" in zh


def test_accountability_filters_and_csv(world, client):
    """Filtered by lead unit and chapter; the CSV has one row per task, lead unit and period."""
    report = revised(world)
    page = client.get(f"/accountability?unit={report.unit_id}&chapter=1").get_data(as_text=True)
    assert "/tasks/" in page
    answer = client.get(f"/accountability.csv?unit={report.unit_id}")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True)[1:])))
    assert {r["standing"] for r in rows} <= {"reported", "late", "missing", "not_due"}
    mine = [r for r in rows if r["task_id"] == str(report.task_id) and r["period"] == report.period]
    assert (
        mine
        and mine[0]["standing"] == "reported"
        and mine[0]["report_url"].endswith(f"#report-{report.id}")
    )


@pytest.mark.parametrize(
    "path",
    [
        "/accountability?unit=abc",
        "/accountability?unit=999999",
        "/accountability?chapter=99",
        "/accountability.csv?chapter=x",
        "/api/v1/accountability?unit=-1",
    ],
)
def test_bad_filters_are_a_400_naming_the_parameter(world, client, path):
    """A filter value that is not offered is a 400 whose message names it, never a 500."""
    client.get("/language/en")
    answer = client.get(path)
    assert answer.status_code == 400
    name = "unit" if "unit" in path else "chapter"
    assert name in answer.get_data(as_text=True)


def test_unknown_tasks_reports_and_versions_are_404_bad_versions_400(world, client):
    """An unknown task, a report under another task's address or a missing version is a 404; a bad diff a 400."""
    report = revised(world)
    assert client.get("/tasks/999999").status_code == 404
    assert client.get("/api/v1/tasks/999999/reports").status_code == 404
    assert client.get("/feeds/tasks/999999/reports.atom").status_code == 404
    other = report.task_id + 1
    assert client.get(f"/tasks/{other}/reports/{report.id}/versions/1").status_code == 404
    assert client.get(f"/tasks/{report.task_id}/reports/{report.id}/versions/9").status_code == 404
    answer = client.get(f"/tasks/{report.task_id}/reports/{report.id}/diff?from=1&to=7")
    assert answer.status_code == 400


def test_api_and_feeds_carry_the_published_reports(world, client):
    """The API gives versions, contributions and evidence; both feeds have the report's entry."""
    report = revised(world)
    body = client.get(f"/api/v1/tasks/{report.task_id}/reports").get_json()
    item = next(i for i in body["items"] if i["id"] == report.id)
    assert [v["number"] for v in item["versions"]] == [1, 2]
    assert item["contributions"] and item["contributions"][0]["unit"]["name"] == "兵团水利局"
    matrix = client.get("/api/v1/accountability").get_json()
    assert matrix["last_due_period"] and matrix["unreported_task_ids"]
    for path in (
        f"/feeds/tasks/{report.task_id}/reports.atom",
        f"/feeds/units/{report.unit_id}/task-reports.atom",
    ):
        feed = client.get(path).get_data(as_text=True)
        assert f"#report-{report.id}</id>" in feed, path


def test_unit_and_measure_pages_link_the_reports(world, client):
    """A unit's page gives its tasks' latest status; a measure's tasks link their task pages."""
    report = revised(world)
    unit = read(client, f"/units/{report.unit_id}", "en")
    assert f'href="/tasks/{report.task_id}"' in unit and "No implementation report yet" in unit
    assert "Implementation report (" in unit
    with world.app_context():
        number = db.session.get(TaskReport, report.id).task.measure.number
    measure = client.get(f"/measures/{number}").get_data(as_text=True)
    assert f'href="/tasks/{report.task_id}"' in measure


def test_a_publish_updates_the_cached_pages_at_once(world, client):
    """The task page and the matrix change right after a publish (the cache learns the task_reports domain)."""
    from portal.services import task_reports

    [draft] = reports(world, TaskReportState.DRAFT)
    before = client.get(f"/tasks/{draft.task_id}").get_data(as_text=True)
    assert f'id="report-{draft.id}"' not in before
    client.get("/accountability")
    with world.app_context():
        report = db.session.get(TaskReport, draft.id)
        from portal.models import User

        staff = db.session.scalar(sa.select(User).where(User.username == "demo-jsj-staff"))
        report.done_text = "【示例】已完成起草。"
        task_reports.publish(staff, report, now=datetime.now(UTC))
        db.session.commit()
    after = client.get(f"/tasks/{draft.task_id}").get_data(as_text=True)
    assert f'id="report-{draft.id}"' in after
    page = client.get("/accountability").get_data(as_text=True)
    assert f"#report-{draft.id}" in page
