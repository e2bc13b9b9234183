"""A resident's address is counted, never kept: every rate-limit key is keyed-hashed."""

import sqlalchemy as sa

from portal.extensions import db
from portal.models import RateLimitHit
from tests.helpers import client_at, csrf_token, login, submit_report
from tests.public.test_hearing_pages import lookup
from tests.public.test_subscription_pages import post_subscription

ADDRESS = "203.0.113.77"


def test_no_counter_holds_the_client_address(app):
    """Reporting, a wrong tracking code, a wrong hearing code, a subscription and a failed login from one
    address leave counters in the table, and none of their keys contains the address."""
    client = client_at(app, ADDRESS)
    submit_report(client)
    token = csrf_token(client, "/reports/track")
    wrong = client.post(
        "/reports/track", data={"csrf_token": token, "reference": "JB-2026-000001", "code": "X"}
    )
    assert wrong.status_code == 404
    assert lookup(client, "AAAA-BBBB-CCCC-DDDD-EEEE").status_code == 404
    assert post_subscription(client).status_code == 302
    assert login(client, password="not the password").status_code == 400
    with app.app_context():
        keys = db.session.scalars(sa.select(RateLimitHit.key)).all()
    kinds = {key.split(":", 1)[0] for key in keys}
    assert {"report", "track", "registration", "subscribe", "login-address"} <= kinds, keys
    assert not [key for key in keys if ADDRESS in key]
