"""Report subscription pages: following an area/category of reports or one report, the follow box on a
report's page, the link to the matching Atom feed, confirming and unsubscribing, bad input named."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from portal.extensions import db
from portal.services import reports
from portal.services.reports import ReportInput
from tests.helpers import csrf_token, field_error, hidden_value, queued_mail, summary_of

T0 = datetime(2026, 6, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
LINK = re.compile(r"https?://[^/\s]+(/subscriptions/(?:confirm|unsubscribe)/[a-z2-7]+)")


@pytest.fixture
def english(client):
    """A client reading the English interface (the msgids)."""
    client.get("/language/en")
    return client


@pytest.fixture
def reference(app):
    """The reference of a water report in area 8."""
    with app.app_context():
        data = ReportInput(
            submission_key="k1",
            category="water",
            area=8,
            place="北泉镇",
            description="北泉镇排污口向渠道直排污水。",
            name="",
            phone="",
            email="",
        )
        report = reports.submit(data, app.config, now=T0).report
        db.session.commit()
        return report.reference


def post(client, path, **fields):
    """POST a form at `path` with a fresh CSRF token."""
    return client.post(path, data={"csrf_token": csrf_token(client, path), **fields})


def press(client, path):
    """POST the page's one button with its CSRF token."""
    token = hidden_value(client.get(path).get_data(as_text=True), "csrf_token")
    return client.post(path, data={"csrf_token": token})


def test_the_report_page_offers_to_follow_it_and_its_area_and_category(english, reference):
    """The follow box links the one-report form and the area+category form, preselected."""
    page = english.get(f"/reports/{reference}").get_data(as_text=True)
    assert "Follow this report by email" in page
    assert f"/subscriptions/reports/{reference}/new" in page
    assert "/subscriptions/reports/new?area=8&amp;category=water" in page


def test_the_reports_form_preselects_and_links_the_matching_feed(english, reference):
    """?area=8&category=water preselects both and links /feeds/reports.atom with the same filters."""
    response = english.get("/subscriptions/reports/new?area=8&category=water")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'<option selected value="8">第八师石河子市</option>', page)
    assert re.search(r'<option selected value="water">', page)
    assert "/feeds/reports.atom?area=8&amp;category=water" in page
    assert response.headers["Cache-Control"] == "no-store"


def test_following_reports_confirm_and_unsubscribe(app, english, reference):
    """Subscribe (daily digest) → check your mailbox → confirm by button → unsubscribe by button."""
    response = post(
        english,
        "/subscriptions/reports/new",
        email="j@example.org",
        area="8",
        category="",
        digest="daily",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/subscriptions/sent"
    )
    with app.app_context():
        [message] = queued_mail("j@example.org")
        confirm, unsubscribe = LINK.findall(message.body)
    page = english.get(confirm).get_data(as_text=True)
    assert "reports in the area 第八师石河子市" in page and "one digest a day" in page
    assert press(english, confirm).status_code == 302
    assert "You will receive emails about reports in the area" in english.get(confirm).get_data(
        as_text=True
    )
    assert "stop the emails about reports in the area" in english.get(unsubscribe).get_data(
        as_text=True
    )
    assert press(english, unsubscribe).status_code == 302
    assert english.get(unsubscribe).status_code == 404


def test_following_one_report(app, english, reference):
    """The one-report form queues a confirmation naming the report."""
    path = f"/subscriptions/reports/{reference}/new"
    assert reference in english.get(path).get_data(as_text=True)
    assert post(english, path, email="c@example.org", digest="each").status_code == 302
    with app.app_context():
        [message] = queued_mail("c@example.org")
    assert reference in message.body and "public progress of one report" in message.body


def test_an_unknown_report_has_no_follow_form(english):
    """A reference nobody has: 404."""
    assert english.get("/subscriptions/reports/BT-NOPE/new").status_code == 404


@pytest.mark.parametrize(
    "fields, field, words",
    [
        ({"email": "j@example.org", "area": "", "category": ""}, "area", "Choose an area"),
        ({"email": "nope", "area": "8", "category": ""}, "email", "right format"),
        ({"email": "j@example.org", "area": "99", "category": ""}, "area", "area"),
        ({"email": "j@example.org", "area": "8", "category": "x"}, "category", "category"),
    ],
)
def test_bad_input_is_400_naming_the_field(english, fields, field, words):
    """Each problem is shown under its field and in the summary; nothing is queued."""
    response = post(english, "/subscriptions/reports/new", digest="each", **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert words.lower() in (field_error(page, field) or "").lower()
    assert summary_of(page)


def test_the_zh_pages_speak_chinese(client, reference):
    """The default language: Chinese labels on the form and the follow box."""
    assert "通过电子邮件关注举报" in client.get("/subscriptions/reports/new").get_data(as_text=True)
    assert "通过电子邮件关注此举报" in client.get(f"/reports/{reference}").get_data(as_text=True)
