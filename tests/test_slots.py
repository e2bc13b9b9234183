"""Pages rendered once with slots (portal/slots.py): the receipt and the blank report form read exactly as a
whole rendering would, for each visitor, and never carry another visitor's values."""

import re

from flask import flash, render_template

from portal import slots
from portal.extensions import db
from portal.services import reports
from portal.services.reports import ReportInput
from tests.helpers import post_report, receipt_of, report_form, staff_client

RECEIPT = "public/reports/received.html"


def submitted(app, key):
    """A report submitted and committed through the service; its Submission."""
    data = ReportInput(
        submission_key=key,
        category="water",
        area=8,
        place="石河子市北泉镇排污口",
        description="排污口每天夜里排放黑臭污水,渠道里的鱼都死了。",
    )
    submission = reports.submit(data, app.config)
    db.session.commit()
    return submission


def test_two_receipts_share_the_layout_and_nothing_else(client):
    """Each resident's receipt shows their own reference and code inside the same header and footer."""
    pages = [post_report(client).get_data(as_text=True) for _ in range(2)]
    (first, first_code), (second, second_code) = (receipt_of(page) for page in pages)
    assert first != second and first_code != second_code
    assert first_code not in pages[1] and first not in pages[1]
    outside = [re.sub(r'(?s)<main id="main".*</main>', "", page) for page in pages]
    assert outside[0] == outside[1]
    assert "slot-" not in pages[0] + pages[1]


def test_the_receipt_reads_as_rendered_whole(app):
    """The receipt put together from the stored layout and its block is the page render_template makes,
    the first time (when the layout is made) and the next (when it is reused)."""
    with app.test_request_context("/reports/new", method="POST"):
        for key in ("slots-1", "slots-2"):
            submission = submitted(app, key)
            assert slots.render_in_layout(RECEIPT, submission=submission) == render_template(
                RECEIPT, submission=submission
            )


def test_each_language_has_its_own_layout(client):
    """A receipt in English after one in Chinese has the English header, menu and title."""
    chinese = post_report(client).get_data(as_text=True)
    client.set_cookie("portal_lang", "en")
    english = post_report(client).get_data(as_text=True)
    assert "<title>举报已接收" in chinese and 'lang="zh-Hans"' in chinese
    assert "<title>Report received" in english and "Report pollution</a>" in english
    assert "我要举报</a>" not in english


def test_staff_get_their_own_menu_on_a_receipt(app):
    """A signed-in member of staff who files a report sees the console link: the shared layout is for
    anonymous visitors only."""
    client = staff_client(app)
    page = post_report(client).get_data(as_text=True)
    assert receipt_of(page) and 'href="/console/"' in page


def test_every_blank_form_has_its_own_token_and_key(client, app):
    """The stored empty form gives each visitor their own CSRF token and submission key."""
    other = app.test_client()
    (token, key), (other_token, other_key) = report_form(client), report_form(other)
    assert token != other_token and key != other_key
    assert report_form(client)[1] != key  # a new key for each form
    assert "slot-" not in client.get("/reports/new").get_data(as_text=True)


def test_a_waiting_message_is_shown_on_the_receipt(app):
    """With a flashed message waiting, the page is rendered whole, message included."""
    with app.test_request_context("/reports/new", method="POST"):
        submission = submitted(app, "slots-3")
        slots.render_in_layout(
            RECEIPT, submission=submission
        )  # the layout, stored without a message
    with app.test_request_context("/reports/new", method="POST"):
        flash("请核对您的联系方式。", "info")  # as left by an earlier request
        page = slots.render_in_layout(RECEIPT, submission=submission)
    assert "请核对您的联系方式。" in page and submission.receipt.reference in page
