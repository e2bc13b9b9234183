"""Anonymous reports: at most REPORT_LIMIT an hour from one client address, on the form and on Open311."""

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Report
from tests.helpers import client_at, post_report, submit_report, summary_of
from tests.open311.test_open311 import air_report, assert_error, new_key, post

TYPED = "化工厂每天夜里向渠道排放刺鼻的黄色废水,已经持续一周。"


def report_count(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Report))


def test_over_the_limit_the_form_comes_back_with_the_text_and_when_to_send(make_app):
    """The third report in an hour from one address is a 429 page that keeps what the resident typed,
    says when they can send again, and stores nothing; another address may still report."""
    app = make_app(REPORT_LIMIT=2)
    resident = client_at(app, "198.51.100.7")
    submit_report(resident)
    submit_report(resident)
    response = post_report(resident, description=TYPED, place="石河子市化工园区东侧")
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert TYPED in page and "石河子市化工园区东侧" in page
    [(anchor, message)] = summary_of(page)
    assert anchor is None and "一小时内" in message and "分钟后" in message, message
    assert 0 < int(response.headers["Retry-After"]) <= 3600
    assert report_count(app) == 2
    submit_report(client_at(app, "203.0.113.20"))
    assert report_count(app) == 3


def test_a_resubmitted_form_still_shows_its_receipt(make_app):
    """Sending the same form again (a double click) is not a new report and is not refused."""
    app = make_app(REPORT_LIMIT=1)
    resident = client_at(app, "198.51.100.7")
    first = post_report(resident, submission_key="k" * 32)
    again = post_report(resident, submission_key="k" * 32)
    assert first.status_code == again.status_code == 200
    assert report_count(app) == 1


def test_open311_posts_share_the_limit_per_address(make_app):
    """Open311 POSTs from one address count against the same hourly limit: 429 in the spec's error form."""
    app = make_app(REPORT_LIMIT=1)
    key = new_key(app)
    client = client_at(app, "198.51.100.7")
    assert post(client, air_report(key)).status_code == 201
    response = post(client, air_report(key))
    assert_error(response, 429)
    assert 0 < int(response.headers["Retry-After"]) <= 3600
    assert report_count(app) == 1
    assert post(client_at(app, "203.0.113.20"), air_report(key)).status_code == 201
