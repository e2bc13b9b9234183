"""Subscriptions: double opt-in, hashed tokens, one-click unsubscribe, notices of new consultations and
hearings to confirmed followers of the area or the unit (one per address), limits."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from portal.errors import NotFound, ValidationFailed
from portal.extensions import db
from portal.models import ConsultationKind, MailMessage, Subscription
from portal.services import consultations, hearings, subscriptions
from portal.services.units import find_unit
from tests.helpers import People, queued_mail

BJ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 9, 21, 10, 0, tzinfo=BJ)
ANNOUNCED = datetime(
    2026, 9, 28, 10, 0, tzinfo=BJ
)  # the hearing notice: earliest hearing day 17 October
UNIT = "第六师五家渠市"
LINK = re.compile(r"https?://\S+/subscriptions/(confirm|unsubscribe)/([a-z2-7]+)")


@pytest.fixture
def app_context(english_context):
    """This module reads the services' messages in English, the language they are written in."""
    return english_context


@pytest.fixture
def people(app_context):
    """Staff of 第六师五家渠市 and of 第八师石河子市."""
    return People({"wjq": ("wjq", UNIT, "staff"), "shz": ("shz", "第八师石河子市", "staff")})


def subscribe(app, email="follower@example.org", area=None, unit=None, client=None, now=None):
    """Subscribe through the service with the app's configuration and commit."""
    subscription = subscriptions.subscribe(
        email, area=area, unit=unit, config=app.config, client=client, now=now
    )
    db.session.commit()
    return subscription


def mails(address=None):
    """The queued messages (to `address`), oldest first."""
    return queued_mail(address)


def links(message):
    """{"confirm": [tokens], "unsubscribe": [tokens]} found in a message's body."""
    found = {"confirm": [], "unsubscribe": []}
    for kind, token in LINK.findall(message.body):
        found[kind].append(token)
    return found


def confirmed(app, email="follower@example.org", area=None, unit=None):
    """A confirmed subscription, confirmed with the token from its mail; the outbox is emptied."""
    subscribe(app, email, area=area, unit=unit)
    token = links(mails(email)[-1])["confirm"][0]
    subscriptions.confirm(token)
    db.session.execute(sa.delete(MailMessage))
    db.session.commit()


def publish_consultation(app, who, unit=UNIT, area=6, title="第六师生态环境保护规划(征求意见稿)"):
    """Create and publish a plan consultation of `unit` located in `area` (committed)."""
    consultation = consultations.create_consultation(
        find_unit(unit), ConsultationKind.PLAN, title, "第一段。\n\n第二段。", area
    )
    consultations.publish(
        who, consultation, date(2026, 9, 28), date(2026, 10, 15), app.config, now=NOW
    )
    db.session.commit()
    return consultation


def schedule_hearing(app, who, consultation):
    """Announce a hearing of `consultation` on 28 September for 20 October (committed)."""
    hearing = hearings.schedule(
        who,
        consultation,
        datetime(2026, 10, 20, 9, 0, tzinfo=BJ),
        "五家渠市会议中心",
        30,
        datetime(2026, 10, 18, 18, 0, tzinfo=BJ),
        "",
        app.config,
        now=ANNOUNCED,
    )
    db.session.commit()
    return hearing


# Subscribing and confirming


def test_subscribe_queues_one_confirmation_with_working_links(app_context):
    """One mail: it names the target, and its confirm and unsubscribe links carry a token that works."""
    subscription = subscribe(app_context, area=6)
    [message] = mails()
    assert message.recipient == "follower@example.org"
    assert "第六师五家渠市" in message.body
    found = links(message)
    assert len(found["confirm"]) == 1 and found["unsubscribe"] == found["confirm"]
    assert message.body.count(app_context.config["PUBLIC_URL"] + "/subscriptions/") == 2
    assert subscription.confirmed_at is None
    subscriptions.confirm(found["confirm"][0], now=NOW)
    db.session.commit()
    assert db.session.get(Subscription, subscription.id).confirmed_at is not None


def test_only_a_hash_of_the_token_is_stored(app_context):
    """The database holds the token's SHA-256, never the token in the links."""
    subscription = subscribe(app_context, unit=find_unit(UNIT).id)
    token = links(mails()[0])["confirm"][0]
    assert subscription.token == subscriptions.hash_token(token) != token
    assert token not in subscription.token


def test_resubscribing_resends_and_never_duplicates(app_context):
    """The same address and target again: still one row, a second mail with the same links; case ignored."""
    subscribe(app_context, area=6)
    subscribe(app_context, "Follower@Example.org", area=6)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 1
    first, second = mails()
    assert links(first) == links(second)


def test_another_target_is_another_subscription(app_context):
    """Following an area and a unit with one address makes two subscriptions."""
    subscribe(app_context, area=6)
    subscribe(app_context, unit=find_unit(UNIT).id)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 2


@pytest.mark.parametrize(
    "email", ["", "not-an-address", "a@b", "two words@example.org", "x" * 250 + "@example.org"]
)
def test_bad_email_is_refused_naming_the_field(app_context, email):
    """A missing or invalid address names the email field; nothing is stored or sent."""
    with pytest.raises(ValidationFailed) as refused:
        subscriptions.subscribe(email, area=6, config=app_context.config)
    assert refused.value.field == "email" and refused.value.message.startswith("Enter ")
    assert refused.value.message.count("email address") == 1
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 0 and not mails()
    )


@pytest.mark.parametrize(
    "area, unit, field",
    [
        (None, None, "area"),
        (6, "UNIT", "unit"),
        ("15", None, "area"),
        (None, "999999", "unit"),
        ("x", None, "area"),
    ],
)
def test_exactly_one_known_area_or_unit_is_required(app_context, area, unit, field):
    """No target, both targets, or an unknown one: refused naming the field."""
    unit = find_unit(UNIT).id if unit == "UNIT" else unit
    with pytest.raises(ValidationFailed) as refused:
        subscriptions.subscribe(
            "follower@example.org", area=area, unit=unit, config=app_context.config
        )
    assert refused.value.field == field
    assert not mails()


def test_collective_addressee_cannot_be_followed(app_context):
    """各师(市) runs nothing: refused naming the unit field."""
    with pytest.raises(ValidationFailed) as refused:
        subscriptions.subscribe(
            "follower@example.org", unit=find_unit("各师(市)").id, config=app_context.config
        )
    assert refused.value.field == "unit"


def test_unknown_token_is_not_found_with_a_clear_message(app_context):
    """A made-up or truncated token: NotFound saying the link is not valid, for confirm and unsubscribe."""
    subscribe(app_context, area=6)
    token = links(mails()[0])["confirm"][0]
    for bad in ("a" * 32, token[:-1], ""):
        for action in (subscriptions.confirm, subscriptions.unsubscribe):
            with pytest.raises(NotFound) as refused:
                action(bad)
            assert "not valid" in refused.value.message


def test_confirmation_link_expires_and_subscribing_again_renews_it(app_context):
    """After 7 days an unconfirmed link is refused as expired; subscribing again makes it work."""
    subscribe(app_context, area=6, now=NOW)
    token = links(mails()[0])["confirm"][0]
    later = NOW + timedelta(days=subscriptions.CONFIRMATION_DAYS, hours=1)
    with pytest.raises(NotFound) as refused:
        subscriptions.confirm(token, now=later)
    assert "expired" in refused.value.message
    subscribe(app_context, area=6, now=later)
    assert subscriptions.confirm(token, now=later).confirmed_at == later


def test_confirming_twice_keeps_the_first_time(app_context):
    """A second click on the confirm link changes nothing."""
    subscribe(app_context, area=6, now=NOW)
    token = links(mails()[0])["confirm"][0]
    subscriptions.confirm(token, now=NOW + timedelta(hours=1))
    again = subscriptions.confirm(token, now=NOW + timedelta(days=30))
    assert again.confirmed_at == NOW + timedelta(hours=1)


# Limits


def test_a_client_is_limited_per_hour(app_context):
    """The eleventh request of one client within the hour is refused (429); another client goes on."""
    for n in range(10):
        subscribe(app_context, f"person{n}@example.org", area=6, client="203.0.113.9", now=NOW)
    with pytest.raises(subscriptions.TooManyRequests) as refused:
        subscriptions.subscribe(
            "person10@example.org", area=6, config=app_context.config, client="203.0.113.9", now=NOW
        )
    assert refused.value.status == 429
    subscribe(app_context, "person10@example.org", area=6, client="198.51.100.7", now=NOW)
    assert len(mails()) == 11


def test_an_address_gets_at_most_three_confirmations_a_day(app_context):
    """Whoever asks, the form cannot flood one mailbox: the fourth confirmation within a day is not sent."""
    for n in range(5):
        subscribe(app_context, "victim@example.org", area=n, client=f"192.0.2.{n}", now=NOW)
    assert len(mails("victim@example.org")) == subscriptions.ADDRESS_MAILS_PER_DAY
    subscribe(app_context, "victim@example.org", area=6, now=NOW + timedelta(days=1))
    assert len(mails("victim@example.org")) == subscriptions.ADDRESS_MAILS_PER_DAY + 1


# Notices


def test_unconfirmed_subscribers_get_no_notice(app_context, people):
    """Until the link is opened, a new consultation in the area sends nothing."""
    subscribe(app_context, area=6)
    db.session.execute(sa.delete(MailMessage))
    publish_consultation(app_context, people["wjq"])
    assert not mails()


def test_confirmed_area_follower_gets_one_notice_with_title_unit_period_and_links(
    app_context, people
):
    """The notice carries the title, unit, period, the consultation's address and a working unsubscribe link."""
    confirmed(app_context, area=6)
    consultation = publish_consultation(app_context, people["wjq"])
    [message] = mails()
    assert message.recipient == "follower@example.org"
    body = message.body
    assert consultation.title in message.subject and consultation.title in body
    assert "第六师五家渠市" in body and "2026-09-28" in body and "2026-10-15" in body
    assert f"{app_context.config['PUBLIC_URL']}/consultations/{consultation.id}" in body
    [token] = links(message)["unsubscribe"]
    assert subscriptions.unsubscribe(token) == "the area 第六师五家渠市"


def test_unit_follower_is_notified_wherever_the_unit_works(app_context, people):
    """Following 第六师五家渠市 as a unit: its consultation located at the 兵团 level is notified too."""
    confirmed(app_context, unit=find_unit(UNIT).id)
    publish_consultation(app_context, people["wjq"], area=0)
    assert len(mails("follower@example.org")) == 1


def test_followers_of_other_areas_and_units_get_nothing(app_context, people):
    """A consultation in 第六师 is not sent to followers of 第八师 or of 兵团建设局."""
    confirmed(app_context, "shz@example.org", area=8)
    confirmed(app_context, "jsj@example.org", unit=find_unit("兵团建设局").id)
    confirmed(app_context, "bingtuan@example.org", area=0)
    publish_consultation(app_context, people["wjq"])
    assert not mails()


def test_one_notice_per_address_when_area_and_unit_both_match(app_context, people):
    """Following both the area and the unit: one mail, with an unsubscribe link for each."""
    confirmed(app_context, area=6)
    confirmed(app_context, "FOLLOWER@example.org", unit=find_unit(UNIT).id)
    confirmed(app_context, "other@example.org", area=6)
    publish_consultation(app_context, people["wjq"])
    assert sorted(m.recipient.lower() for m in mails()) == [
        "follower@example.org",
        "other@example.org",
    ]
    [message] = [m for m in mails() if m.recipient.lower() == "follower@example.org"]
    assert len(set(links(message)["unsubscribe"])) == 2


def test_a_new_hearing_is_notified_once_to_confirmed_followers(app_context, people):
    """Scheduling a hearing sends its time and place to the followers; the unconfirmed and others get none."""
    consultation = publish_consultation(app_context, people["wjq"])
    confirmed(app_context, area=6)
    confirmed(app_context, "shz@example.org", area=8)
    subscribe(app_context, "unconfirmed@example.org", unit=find_unit(UNIT).id)
    db.session.execute(sa.delete(MailMessage))
    db.session.commit()
    schedule_hearing(app_context, people["wjq"], consultation)
    [message] = mails()
    assert message.recipient == "follower@example.org"
    assert "2026-10-20 09:00" in message.body and "五家渠市会议中心" in message.body
    assert "2026-10-18 18:00" in message.body and consultation.title in message.body
    assert f"/consultations/{consultation.id}" in message.body and links(message)["unsubscribe"]


def test_unsubscribing_deletes_the_subscription_and_stops_notices(app_context, people):
    """After the one click, the row is gone, the link no longer works and the next consultation sends nothing."""
    subscribe(app_context, area=6)
    token = links(mails()[0])["unsubscribe"][0]
    subscriptions.confirm(token)
    db.session.commit()
    assert subscriptions.unsubscribe(token) == "the area 第六师五家渠市"
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 0
    with pytest.raises(NotFound):
        subscriptions.unsubscribe(token)
    db.session.execute(sa.delete(MailMessage))
    publish_consultation(app_context, people["wjq"])
    assert not mails()
