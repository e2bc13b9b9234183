"""Every public page is valid HTML, in Chinese and in English, by the Nu Html Checker (vnu.jar).

vnu.jar comes from npm (package.json, `make test` installs it into node_modules/) and needs Java.
All pages are checked in one `java -jar vnu.jar` call, so the JVM starts once.
"""

import json
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
INSTALL = "Run `make test` (it installs vnu.jar and axe-core from package-lock.json with `npm ci`)."

# (slug, path, expected status); the {placeholders} are filled in by `page_values`.
PAGES = [
    ("home", "/", 200),
    ("measures", "/measures", 200),
    ("measure-1", "/measures/1", 200),
    ("measure-3", "/measures/3", 200),
    ("measure-14", "/measures/14", 200),
    ("units", "/units", 200),
    ("unit-department", "/units/{department}", 200),
    ("unit-division", "/units/{division}", 200),
    ("goals", "/goals", 200),
    ("login", "/login", 200),
    ("not-found", "/measures/99", 404),
    ("report-new", "/reports/new", 200),
    ("report-track", "/reports/track", 200),
    ("supervision", "/reports", 200),
    ("report-public", "/reports/{accepted}", 200),
    ("report-private-open", "{follow_open}", 200),
    ("report-private-closed", "{follow_closed}", 200),
    ("consultations", "/consultations", 200),
    ("consultation-open", "/consultations/{eia}", 200),
    ("consultation-answered", "/consultations/{answered}", 200),
    ("statement", "/consultations/{answered}/statement", 200),
    ("statement-print", "/consultations/{answered}/statement?print=1", 200),
    ("comment-received", "/consultations/{eia}/comments/received", 200),
    ("hearing-open", "/hearings/{eia_hearing}", 200),
    ("hearing-held", "/hearings/{answered_hearing}", 200),
    ("registration-lookup", "/hearings/registration", 200),
    ("project", "/projects/{project}", 200),
    ("subscribe", "/subscriptions/new?area=6", 200),
    ("disclosures", "/disclosures", 200),
    ("disclosure-revised", "/disclosures/{revised}", 200),
    ("disclosure-withdrawn", "/disclosures/{withdrawn}", 200),
    ("disclosure-statistics", "/disclosures/{statistics}", 200),
    ("disclosure-version", "/disclosures/{revised}/versions/1", 200),
    ("disclosure-diff", "/disclosures/{revised}/diff?from=1&to=2", 200),
    ("search-empty", "/search", 200),
    ("search", "/search?q=大气污染", 200),
    ("search-filtered", "/search?q=大气污染&kind=measure&sort=date", 200),
    ("dashboard", "/dashboard", 200),
    ("dashboard-goals", "/dashboard/goals", 200),
    ("dashboard-units", "/dashboard/units", 200),
    ("dashboard-measures", "/dashboard/measures", 200),
    ("dashboard-areas", "/dashboard/areas", 200),
    ("dashboard-area", "/dashboard/areas/8", 200),
    ("developers", "/developers", 200),
    ("data", "/data", 200),
    ("privacy", "/privacy", 200),
    ("accessibility", "/accessibility", 200),
    ("accountability", "/accountability", 200),
    ("task", "/tasks/{task}", 200),
    ("task-report-version", "/tasks/{task}/reports/{task_report}/versions/1", 200),
    ("task-report-diff", "/tasks/{task}/reports/{task_report}/diff?from=1&to=2", 200),
    ("organisation-manage", "{manage}", 200),
    ("report-litigation", "/reports/{closed}", 200),
]
# Pages seen by a logged-in site administrator of 兵团建设局 (the unit handling the "accepted" sample).
STAFF_PAGES = [
    ("console", "/console/", 200),
    ("password", "/password", 200),
    ("console-reports", "/console/reports", 200),
    ("console-report-accepted", "/console/reports/{accepted}", 200),
    ("console-report-reopened", "/console/reports/{reopened}", 200),
    ("console-report-new", "/console/reports/new", 200),
    ("console-transfers", "/console/transfers", 200),
    ("console-consultations", "/console/consultations", 200),
    ("console-consultation-new", "/console/consultations/new", 200),
    ("console-consultation", "/console/consultations/{answered}", 200),
    ("console-consultation-comments", "/console/consultations/{answered}/comments", 200),
    ("console-comments", "/console/comments", 200),
    ("console-hearing", "/console/hearings/{answered_hearing}", 200),
    ("console-disclosures", "/console/disclosures", 200),
    ("console-disclosure-new", "/console/disclosures/new", 200),
    ("console-disclosure", "/console/disclosures/{revised}", 200),
    ("console-task-reports", "/console/task-reports", 200),
    ("console-task-report-new", "/console/task-reports/new", 200),
    ("console-task-report", "/console/task-reports/{task_report}", 200),
    ("console-task-report-draft", "/console/task-reports/{task_draft}", 200),
    ("console-litigation-request", "/console/litigation/{litigation}", 200),
    ("admin-disclosure-categories", "/admin/disclosure-categories", 200),
    ("admin-routing", "/admin/routing", 200),
    ("admin-calendar", "/admin/calendar", 200),
    ("admin-audit", "/admin/audit", 200),
    (
        "admin-audit-filtered",
        "/admin/audit?action=identity.read&since=2026-01-01&report={accepted}",
        200,
    ),
    ("styleguide", "/styleguide", 200),
]
STAFF_LOGIN = ("demo-admin", "demo-password-2026")


def page_values(app):
    """Index the sample data of `app` (made with `make_app(demo=True)`) and return the values the page paths need."""
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.models import Consultation, Disclosure, TaskReport, TaskReportState, Unit
    from portal.open_data import licence
    from portal.services import datasets, demo, organisations, reports, search
    from portal.urls import absolute_url

    with app.app_context():
        search.reindex(app.config)
        db.session.commit()
        datasets.write_files(app.config["OPEN_DATA_DIR"], absolute_url, licence(app.config))
        unit = {
            name: db.session.scalar(sa.select(Unit.id).where(Unit.name == name))
            for name in ("兵团建设局", "第八师石河子市")
        }
        sample = {
            key: reports.find_submission(f"demo-{key}")
            for key in ("accepted", "reopened", "new", "closed")
        }
        follow = {
            key: f"/reports/track/{r.reference}/{reports.link_token(app.config['SECRET_KEY'], r)}"
            for key, r in sample.items()
        }
        eia, answered = (
            db.session.scalar(sa.select(Consultation).where(Consultation.title == title))
            for title in (demo.EIA_TITLE, demo.ANSWERED_TITLE)
        )
        disclosure = {
            key: db.session.scalar(
                sa.select(Disclosure.id).where(Disclosure.title.contains(fragment))
            )
            for key, fragment in (
                ("revised", "生态环境状况公报"),
                ("withdrawn", "排污许可证核发情况公示"),
                ("statistics", "主要指标统计"),
            )
        }
        revised_report = next(
            r
            for r in db.session.scalars(sa.select(TaskReport).order_by(TaskReport.id))
            if len(r.versions) == 2
        )
        task_draft = db.session.scalar(
            sa.select(TaskReport.id).where(TaskReport.state == TaskReportState.DRAFT)
        )
        litigation = _answered_with_documents(app)
        return {
            "litigation": litigation.id,
            "closed": sample["closed"].reference,
            "manage": organisations.manage_path(
                organisations.link_token(app.config["SECRET_KEY"], litigation.organisation)
            ),
            **disclosure,
            "task": revised_report.task_id,
            "task_report": revised_report.id,
            "task_draft": task_draft,
            "department": unit["兵团建设局"],
            "division": unit["第八师石河子市"],
            "accepted": sample["accepted"].reference,
            "reopened": sample["reopened"].reference,
            "follow_open": follow["new"],
            "follow_closed": follow["closed"],
            "eia": eia.id,
            "eia_hearing": eia.hearings[0].id,
            "project": eia.project_id,
            "answered": answered.id,
            "answered_hearing": answered.hearings[0].id,
        }


def _answered_with_documents(app):
    """The sample litigation request, answered by its unit with a document handed over (once)."""
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.models import LitigationRequest, LitigationStatus, User
    from portal.services import organisations
    from tests.helpers import jpeg_photo

    request = db.session.scalar(sa.select(LitigationRequest))
    if request.status is LitigationStatus.REQUESTED:
        handler = db.session.scalar(
            sa.select(User).where(User.unit_id == request.unit_id, User.username.like("demo-%"))
        )
        organisations.answer(
            handler, request.id, True, "示例答复。", app.config, [("笔录.jpg", jpeg_photo())]
        )
        db.session.commit()
    return request


def render_pages(app):
    """Every page, in Chinese and in English, as {name: HTML}."""
    from tests.helpers import login

    pages = {}
    values = page_values(app)
    for language, staff in (("zh", False), ("en", False), ("zh", True), ("en", True)):
        client = app.test_client()
        if language == "en":
            client.get("/language/en")
        if staff:
            login(client, *STAFF_LOGIN)
        for slug, path, status in STAFF_PAGES if staff else PAGES:
            response = client.get(path.format(**values))
            assert response.status_code == status, (
                f"{path} ({language}) answered {response.status_code}"
            )
            assert response.content_type.startswith("text/html")
            page = response.get_data(as_text=True)
            expected_lang = "en" if language == "en" else "zh-Hans"
            assert f'<html lang="{expected_lang}">' in page, (
                f"{path} ({language}) is not in {expected_lang}"
            )
            pages[f"{language}-{slug}"] = page
    return pages


def run_vnu(files):
    """Check `files` in one JVM; return vnu's messages (errors only)."""
    java = shutil.which("java")
    if java is None:
        pytest.fail(f"java was not found on PATH; vnu.jar needs Java 11 or later. {INSTALL}")
    if not VNU_JAR.is_file():
        pytest.fail(f"{VNU_JAR.relative_to(ROOT)} is missing. {INSTALL}")
    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--format", "json", "--errors-only", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    try:
        report = json.loads(result.stderr or result.stdout)
    except ValueError:
        pytest.fail(
            f"vnu.jar did not answer JSON (exit {result.returncode}):\n{result.stderr}{result.stdout}"
        )
    messages = report.get("messages", [])
    if result.returncode != 0 and not messages:
        pytest.fail(
            f"vnu.jar failed (exit {result.returncode}) without reporting a message:\n{result.stderr}"
        )
    return messages


def describe(message):
    """`file:line: message` for a failure report, with the offending markup when vnu gives it."""
    name = Path(unquote(urlparse(message.get("url", "")).path)).name or "?"
    line = message.get("lastLine", message.get("firstLine", "?"))
    text = f"{name}:{line}: [{message.get('type')}] {message.get('message')}"
    extract = re.sub(r"\s+", " ", message.get("extract", "")).strip()
    return text + (f"\n      … {extract} …" if extract else "")


def assert_valid_html(pages, directory):
    """Fail unless vnu finds no error in `pages` ({name: HTML}, checked in one JVM) and no page repeats an id."""
    files = []
    for name, html in pages.items():
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), (name, sorted({i for i in ids if ids.count(i) > 1}))
        target = directory / f"{name}.html"
        target.write_text(html, encoding="utf-8")
        files.append(target)
    errors = [m for m in run_vnu(files) if m.get("type") in ("error", "non-document-error")]
    assert not errors, f"vnu.jar found {len(errors)} error(s):\n" + "\n".join(
        describe(m) for m in errors
    )


def test_public_pages_are_valid_html(demo_app, tmp_path):
    """The Nu Html Checker finds no error on any public page, in either language."""
    pages = render_pages(demo_app)
    assert len(pages) == 2 * (len(PAGES) + len(STAFF_PAGES))
    assert_valid_html(pages, tmp_path)
