"""The resident's private "my reports" page: kept from the tracking page, opened only by the emailed link,
listing the kept reports with their private links; removing a report and deleting the page; never public."""

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import ResidentPage, ResidentPageEntry
from portal.services import resident_pages
from tests.helpers import (
    csrf_token,
    field_error,
    hidden_value,
    queued_mail,
    submit_report,
    tracking_path,
)

PAGE_LINK = re.compile(r"http://localhost(/my-reports/[a-z2-7]+)")
OWNER = "resident-page@example.org"


@pytest.fixture
def english(client):
    """A client reading the English interface (the msgids)."""
    client.get("/language/en")
    return client


def keep(client, reference, code, email=OWNER):
    """From the report's tracking page, keep it on `email`'s page; the response."""
    path = tracking_path(client, reference, code) + "/keep"
    return client.post(path, data={"csrf_token": csrf_token(client, path), "email": email})


def page_link(app, email=OWNER):
    """The page link in the last mail to `email`."""
    with app.app_context():
        return PAGE_LINK.findall(queued_mail(email)[-1].body)[0]


def test_the_tracking_page_offers_to_keep_the_report(english):
    """The resident's private page links the keep form; the public report page does not."""
    reference, code = submit_report(english)
    private = english.get(tracking_path(english, reference, code)).get_data(as_text=True)
    assert "/keep" in private and "private reports page" in private
    assert "/keep" not in english.get(f"/reports/{reference}").get_data(as_text=True)


def test_two_reports_kept_on_one_page_reached_by_the_mailed_link(app, english):
    """Keep two reports for one address: one page, both listed with their private tracking links."""
    first = submit_report(english)
    second = submit_report(english)
    response = keep(english, *first)
    assert response.status_code == 302 and response.headers["Location"].endswith("/my-reports/sent")
    keep(english, *second)
    link = page_link(app)
    page = english.get(link)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert first[0] in text and second[0] in text
    assert len(re.findall(r'href="/reports/track/JB-\d{4}-\d{6}/[a-z2-7]+"', text)) == 2
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ResidentPage)) == 1
        stored = db.session.scalar(sa.select(ResidentPage))
        assert link.rsplit("/", 1)[1] not in stored.token  # only the hash
        raw = db.session.execute(sa.text("SELECT email FROM resident_pages")).scalar()
        assert OWNER not in raw  # encrypted at rest


def test_a_wrong_receipt_link_or_page_link_opens_nothing(english):
    """The keep form needs the report's private link; a made-up page link is 404."""
    reference, _code = submit_report(english)
    assert english.get(f"/reports/track/{reference}/aaaaaaaaaaaaaaaa/keep").status_code == 404
    assert english.get("/my-reports/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").status_code == 404


def test_bad_address_is_400_naming_the_field(english):
    """An address that is not one: the email field says so."""
    reference, code = submit_report(english)
    response = keep(english, reference, code, email="nope")
    assert response.status_code == 400
    assert "right format" in field_error(response.get_data(as_text=True), "email")


def test_removing_a_report_and_deleting_the_page(app, english):
    """Remove takes the report off (not the report itself); delete ends the page and its link."""
    reference, code = submit_report(english)
    keep(english, reference, code)
    link = page_link(app)
    token = hidden_value(english.get(link).get_data(as_text=True), "csrf_token")
    english.post(f"{link}/remove/{reference}", data={"csrf_token": token})
    after = english.get(link).get_data(as_text=True)
    assert (
        f"/reports/track/{reference}/" not in after and "There is no report on this page" in after
    )
    assert english.get(f"/reports/{reference}").status_code == 200
    english.post(f"{link}/delete", data={"csrf_token": token})
    assert english.get(link).status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ResidentPageEntry)) == 0


def test_an_address_gets_at_most_three_page_mails_a_day(app, english):
    """Keeping many reports for one address queues three mails a day at most."""
    for _ in range(4):
        keep(english, *submit_report(english))
    with app.app_context():
        assert len(queued_mail(OWNER)) == 3


def test_the_page_link_is_derived_from_the_secret(app, english):
    """A token computed with another secret opens nothing."""
    keep(english, *submit_report(english))
    with app.app_context():
        page = db.session.scalar(sa.select(ResidentPage))
        forged = resident_pages.link_token("another-secret", page)
    assert english.get(f"/my-reports/{forged}").status_code == 404
