"""Subscription pages: the form, "check your mailbox", confirming by a button, one-click unsubscribe,
unknown links, private headers, the per-client limit."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import ConsultationKind, MailMessage, Subscription, User
from portal.services import consultations
from portal.services.accounts import create_user
from portal.services.units import find_unit
from tests.helpers import PASSWORD, csrf_token, field_error, hidden_value, queued_mail, summary_of

NOW = datetime(2026, 9, 21, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

LINK = re.compile(r"https?://[^/\s]+(/subscriptions/(?:confirm|unsubscribe)/[a-z2-7]+)")


@pytest.fixture
def english(client):
    """A client reading the English interface (the msgids)."""
    client.get("/language/en")
    return client


def post_subscription(client, email="follower@example.org", area="6", unit=""):
    """POST the subscription form with a fresh CSRF token."""
    token = csrf_token(client, "/subscriptions/new")
    return client.post(
        "/subscriptions/new", data={"csrf_token": token, "email": email, "area": area, "unit": unit}
    )


def mail_paths(app, address="follower@example.org"):
    """The link paths of the last mail to `address`: (confirm path or None, unsubscribe paths)."""
    with app.app_context():
        body = queued_mail(address)[-1].body
    paths = LINK.findall(body)
    confirm = next((p for p in paths if "/confirm/" in p), None)
    return confirm, [p for p in paths if "/unsubscribe/" in p]


def count(app, model):
    """How many rows `model` has."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def assert_private(response):
    """No caching, no referrer: the address bar carries a secret token."""
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "same-origin"  # nothing to other sites


def press(client, path):
    """POST the page's one button with its CSRF token."""
    token = hidden_value(client.get(path).get_data(as_text=True), "csrf_token")
    return client.post(path, data={"csrf_token": token})


def test_form_lists_areas_and_units_and_preselects_from_the_query(english):
    """?area=6 preselects 第六师五家渠市; units are offered, collective addressees are not."""
    response = english.get("/subscriptions/new?area=6")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert_private(response)
    assert re.search(r'<option selected value="6">第六师五家渠市</option>', page)
    assert "兵团建设局" in page and "各师(市)" not in page
    assert 'for="email"' in page and 'for="area"' in page and 'for="unit"' in page


def test_subscribing_shows_check_your_mailbox_and_queues_one_mail(app, english):
    """A valid request redirects to the "check your mailbox" page; one confirmation mail waits in the outbox."""
    response = post_subscription(english)
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/subscriptions/sent"
    )
    page = english.get("/subscriptions/sent")
    assert "Check your mailbox" in page.get_data(as_text=True)
    assert count(app, Subscription) == 1 and count(app, MailMessage) == 1


def test_the_answer_does_not_reveal_an_existing_subscription(app, english):
    """Subscribing an address that is already subscribed looks exactly the same, and adds no row."""
    first = post_subscription(english)
    second = post_subscription(english)
    assert (first.status_code, first.headers["Location"]) == (
        second.status_code,
        second.headers["Location"],
    )
    assert count(app, Subscription) == 1


def test_bad_email_is_shown_on_the_field(app, english):
    """An invalid address: 400, the message names the email field, nothing stored."""
    response = post_subscription(english, email="not-an-address")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert (
        'id="email-error">Enter an email address in the right format, like name@example.com.'
        in page
    )
    assert 'aria-invalid="true"' in page
    assert count(app, Subscription) == 0 and count(app, MailMessage) == 0


def test_area_and_unit_together_are_refused(app, english):
    """Both an area and a unit: 400 saying to choose one."""
    with app.app_context():
        unit_id = find_unit("第六师五家渠市").id
    response = post_subscription(english, area="6", unit=str(unit_id))
    assert response.status_code == 400
    assert "Choose either an area or a unit to follow, not both" in response.get_data(as_text=True)
    assert count(app, Subscription) == 0


def test_an_empty_request_lists_every_error_in_a_summary(app, client):
    """Sent empty, the form comes back with a summary at the top listing both problems at once, the address and
    what to follow, each linking to its field; each is also shown under its field."""
    response = post_subscription(client, email="", area="", unit="")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    listed = summary_of(page)
    assert listed == [
        ("email", "请填写接收通知的电子邮箱。"),
        ("area", "请选择要关注的区域或单位。"),
    ], listed
    for anchor, message in listed:
        assert field_error(page, anchor) == message
    assert page.index('class="error-summary"') < page.index('name="email"')
    assert count(app, Subscription) == 0 and count(app, MailMessage) == 0


def test_a_bad_address_and_two_targets_are_refused_together(app, english):
    """A bad address with both an area and a unit: both problems after one submit."""
    with app.app_context():
        unit_id = find_unit("第六师五家渠市").id
    response = post_subscription(english, email="not-an-address", area="6", unit=str(unit_id))
    assert response.status_code == 400
    assert [anchor for anchor, _message in summary_of(response.get_data(as_text=True))] == [
        "email",
        "unit",
    ]
    assert count(app, Subscription) == 0


def test_without_csrf_nothing_is_subscribed(app, english):
    """A POST without the form's token is refused."""
    response = english.post(
        "/subscriptions/new", data={"email": "follower@example.org", "area": "6"}
    )
    assert response.status_code == 400 and count(app, Subscription) == 0


def test_confirm_link_shows_a_button_and_pressing_it_confirms(app, english):
    """The link alone confirms nothing (mail scanners open links); the button does, then the page says so."""
    post_subscription(english)
    confirm, _unsubscribe = mail_paths(app)
    response = english.get(confirm)
    assert response.status_code == 200
    assert_private(response)
    assert "Confirm my subscription" in response.get_data(
        as_text=True
    ) and "第六师五家渠市" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(Subscription.confirmed_at)) is None
    pressed = press(english, confirm)
    assert pressed.status_code == 302 and pressed.headers["Location"].endswith(confirm)
    page = english.get(confirm).get_data(as_text=True)
    assert "Subscription confirmed" in page and "Confirm my subscription" not in page
    with app.app_context():
        assert db.session.scalar(sa.select(Subscription.confirmed_at)) is not None


def test_unsubscribe_in_one_click(app, english):
    """The unsubscribe link shows one button; one POST deletes the subscription and says so."""
    post_subscription(english)
    _confirm, [unsubscribe] = mail_paths(app)
    response = english.get(unsubscribe)
    assert response.status_code == 200
    assert_private(response)
    main = response.get_data(as_text=True).split("<main", 1)[1].split("</main>", 1)[0]
    assert main.count('type="submit"') == 1  # one button, nothing else to fill in
    pressed = press(english, unsubscribe)
    assert pressed.status_code == 302 and pressed.headers["Location"].endswith(
        "/subscriptions/unsubscribed"
    )
    page = english.get("/subscriptions/unsubscribed").get_data(as_text=True)
    assert "You will no longer receive notices about the area 第六师五家渠市." in page
    assert count(app, Subscription) == 0
    assert english.get(unsubscribe).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/subscriptions/confirm/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "/subscriptions/unsubscribe/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    ],
)
def test_unknown_token_gets_a_clear_404(english, path):
    """A made-up link: 404 with a message saying the link is not valid, for GET and for the button."""
    response = english.get(path)
    assert response.status_code == 404
    assert "This subscription link is not valid" in response.get_data(as_text=True)
    token = csrf_token(english, "/subscriptions/new")
    assert english.post(path, data={"csrf_token": token}).status_code == 404


def publish_plan(app, title):
    """Publish a plan of 第六师五家渠市 located in 第六师 (committed), as its staff member."""
    with app.app_context():
        staff = db.session.scalar(sa.select(User).where(User.username == "wjq")) or create_user(
            "wjq", "第六师五家渠市", "staff", PASSWORD
        )
        consultation = consultations.create_consultation(
            find_unit("第六师五家渠市"), ConsultationKind.PLAN, title, "第一段。", 6
        )
        consultations.publish(
            staff, consultation, date(2026, 9, 28), date(2026, 10, 15), app.config, now=NOW
        )
        db.session.commit()


def test_notice_unsubscribe_link_works_through_the_page(app, english):
    """The link in a notice of a new consultation unsubscribes in one click and stops further notices."""
    post_subscription(english)
    confirm, _ = mail_paths(app)
    press(english, confirm)
    publish_plan(app, "第六师规划一(征求意见稿)")
    assert count(app, MailMessage) == 2  # the confirmation, then the notice
    _confirm, [unsubscribe] = mail_paths(app)
    assert press(english, unsubscribe).status_code == 302
    publish_plan(app, "第六师规划二(征求意见稿)")
    assert count(app, MailMessage) == 2


def test_a_client_asking_too_often_gets_429(app, english):
    """The eleventh request within an hour from one client is refused with 429."""
    for n in range(10):
        assert post_subscription(english, email=f"person{n}@example.org").status_code == 302
    response = post_subscription(english, email="person10@example.org")
    assert response.status_code == 429
    assert "Too many subscription requests" in response.get_data(as_text=True)
    assert count(app, Subscription) == 10
