"""Markup and script typed into any free-text field of a consultation, comment or hearing stays text in Chromium.

Every free-text field staff or residents fill gets a payload from the sanitiser's corpus; the public pages and
the console pages that show them are then opened in a real browser, which must run nothing, load nothing from
elsewhere and grow no element the portal did not write.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import current_app
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import CommentDecision, ConsultationKind, ProjectStage
from portal.services import comments, consultations, hearings
from portal.services.units import find_unit
from tests.browser.test_report_journey import log_in
from tests.helpers import People
from tests.test_sanitize import PAYLOADS

pytestmark = pytest.mark.browser

BJ = ZoneInfo("Asia/Shanghai")
# Each payload, if it ran, would set window.__pwned, ask for evil.example, or add a [data-pwned] element.
ARMED = [
    p.replace("alert(1)", "window.__pwned=1")
    .replace("alert(2)", "window.__pwned=2")
    .replace("alert('环评')", "window.__pwned=3")
    for p in PAYLOADS
]
ARMED += [
    '<b data-pwned="1">加粗</b>',
    "{{ 7*7 }}{% raw %}",
    "<img src=https://evil.example/t.gif data-pwned=1>",
]


def payload(n, limit=None):
    """The n-th armed payload (cycling), cut to `limit` characters if given."""
    text = f"{n}号字段 " + ARMED[n % len(ARMED)]
    return text[:limit] if limit else text


def build(app):
    """A withdrawn and an answered consultation whose every free-text field carries a payload; returns ids."""
    with app.app_context():
        staff = People({"staff": ("wjq", "第六师五家渠市", "staff")})["staff"]
        unit = find_unit("第六师五家渠市")
        past = datetime.now(BJ) - timedelta(days=70)
        project = consultations.create_project(
            unit, payload(1, 200), 6, location=payload(2, 300), developer=payload(3, 200)
        )
        answered = consultations.create_consultation(
            unit,
            ConsultationKind.EIA,
            payload(4, 200),
            "\n\n".join(payload(n) for n in range(5, 12)),
            6,
            summary=payload(12),
            project=project,
            stage=ProjectStage.APPROVAL,
            project_location=payload(13, 300),
            developer_name=payload(14, 200),
            developer_contact=payload(15, 200),
            eia_preparer=payload(16, 200),
            how_to_comment=payload(17),
        )
        consultations.publish(
            staff, answered, past.date(), past.date() + timedelta(days=30), app.config, now=past
        )
        day, _uncovered = hearings.earliest_hearing_day(past, app.config)
        starts = datetime.combine(day + timedelta(days=2), datetime.min.time(), BJ) + timedelta(
            hours=9
        )
        hearing = hearings.schedule(
            staff,
            answered,
            starts,
            payload(18, 280) + " 会议室",
            5,
            starts - timedelta(days=1),
            payload(19) + " 周边居民",
            app.config,
            now=past,
        )
        registration, _code = hearings.register(
            hearing,
            payload(20, 80),
            "13900000000",
            "",
            True,
            payload(21, 400) + " 选址离居民区太近,应重新论证。",
            app.config["SECRET_KEY"],
            now=past + timedelta(hours=1),
        )
        hidden = comments.submit_comment(
            answered,
            payload(22),
            payload(23, 80),
            "13900000001",
            "",
            True,
            3,
            now=past + timedelta(days=1),
            secret=current_app.config["SECRET_KEY"],
        )
        comments.hide_comment(staff, hidden, payload(24, 1000))
        shown = []
        for n, decision in (
            (25, CommentDecision.ADOPTED),
            (27, CommentDecision.NOT_ADOPTED),
            (29, CommentDecision.PARTLY_ADOPTED),
            (31, CommentDecision.OUT_OF_SCOPE),
        ):
            comment = comments.submit_comment(
                answered,
                payload(n),
                payload(n + 1, 80),
                "13900000002",
                "",
                True,
                (n % 7) + 1,
                now=past + timedelta(days=2),
                secret=current_app.config["SECRET_KEY"],
            )
            comments.publish_comment(staff, comment)
            shown.append((comment, decision, payload(n + 100, 2000)))
        hearings.mark_attendance(staff, hearing, [registration.id], now=starts + timedelta(hours=2))
        hearings.publish_minutes(
            staff,
            hearing,
            payload(33) + " 听证会按时召开,记录如下。",
            now=starts + timedelta(days=1),
        )
        closed = datetime.combine(answered.closes_on + timedelta(days=1), datetime.min.time(), BJ)
        consultations.close_due(closed, app.config)
        for comment, decision, reason in shown:
            comments.decide(staff, comment, decision, reason, now=closed)
        consultations.publish_statement(
            staff, answered, payload(34) + " 公众参与说明正文。", now=closed + timedelta(hours=1)
        )

        withdrawn = consultations.create_consultation(
            unit, ConsultationKind.PLAN, payload(35, 200), payload(36), 6
        )
        consultations.publish(
            staff,
            withdrawn,
            datetime.now(BJ).date(),
            datetime.now(BJ).date() + timedelta(days=20),
            app.config,
        )
        consultations.withdraw(staff, withdrawn, payload(37))
        db.session.commit()
        return answered.id, hearing.id, project.id, withdrawn.id


def assert_inert(page, url, requests):
    """Open `url`; nothing may run, load from elsewhere, or appear as markup."""
    page.goto(url)
    expect(page.locator("main")).to_contain_text("号字段")
    assert page.evaluate("window.__pwned") is None, f"a payload ran on {url}"
    assert (
        page.locator(
            "main [data-pwned], main iframe, main object, main svg script, main img[src='x']"
        ).count()
        == 0
    )
    assert page.locator("main script").count() == 0, (
        f"a <script> element appeared in the content of {url}"
    )
    assert not [r for r in requests if "evil.example" in r], f"{url} asked for {requests}"


def test_payloads_in_every_free_text_field_stay_inert(page, browser, live_server, app):
    """Public consultation, statement, hearing and project pages and the console's pages show payloads as text."""
    answered, hearing, project, withdrawn = build(app)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
    for path in (
        f"/consultations/{answered}",
        f"/consultations/{answered}/statement",
        f"/consultations/{answered}/statement?print=1",
        f"/hearings/{hearing}",
        f"/projects/{project}",
        f"/consultations/{withdrawn}",
        "/consultations",
    ):
        assert_inert(page, live_server + path, requests)
    page.goto(live_server + f"/consultations/{answered}")
    expect(page.locator("main")).to_contain_text(
        "{{ 7*7 }}"
    )  # a template expression stays as typed

    staff_context = browser.new_context(locale="zh-CN")
    staff = staff_context.new_page()
    staff.on("request", lambda request: requests.append(request.url))
    log_in(staff, live_server, "wjq")
    for path in (
        f"/console/consultations/{answered}",
        f"/console/consultations/{answered}/comments",
        f"/console/hearings/{hearing}",
        "/console/comments",
        f"/console/consultations/{withdrawn}",
    ):
        assert_inert(staff, live_server + path, requests)
    staff_context.close()
