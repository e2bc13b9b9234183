"""Report subscriptions: following the reports of an area and/or a category, or one report, by email with
double opt-in; notices of public events only, with public fields only; daily digests sent once a day."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from portal.errors import NotFound, TooManyRequests, ValidationFailed
from portal.extensions import db
from portal.models import MailMessage, ReportNotice, Subscription, SubscriptionTopic
from portal.services import handling, reports, subscriptions
from portal.services.reports import ReportInput
from tests.helpers import People, jpeg_photo, queued_mail

BJ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 6, 1, 10, 0, tzinfo=BJ)
REPORTS = SubscriptionTopic.REPORTS
REPORT = SubscriptionTopic.REPORT
PLANTED = {
    "name": "周秘密举报人",
    "phone": "13912345678",
    "email": "whistle-planted@example.org",
    "place": "石河子市北泉镇秘密排污口",
    "description": "这段描述只有处理单位可以看到,不应出现在通知邮件里。",
}
RESULT = "经查属实,已责令企业停止排放并处罚款五万元。"
LINK = re.compile(r"https?://\S+/subscriptions/(confirm|unsubscribe)/([a-z2-7]+)")


@pytest.fixture
def app_context(english_context):
    """This module reads the services' messages in English."""
    return english_context


@pytest.fixture
def staff(app_context):
    """A staff member of 第八师石河子市, which handles water reports in area 8."""
    return People({"staff": ("shz", "第八师石河子市", "staff")})["staff"]


def new_report(app, key, category="water", area=8, now=T0, latitude=None, longitude=None):
    """A report submitted at `now` with a planted identity, place, description, point and photo."""
    data = ReportInput(
        submission_key=key,
        category=category,
        area=area,
        place=PLANTED["place"],
        description=PLANTED["description"],
        name=PLANTED["name"],
        phone=PLANTED["phone"],
        email=PLANTED["email"],
        latitude=latitude,
        longitude=longitude,
        files=[("秘密照片.jpg", jpeg_photo())],
    )
    report = reports.submit(data, app.config, now=now).report
    db.session.commit()
    return report


def follow(app, email="journalist@example.org", now=T0 - timedelta(days=1), **what):
    """A confirmed subscription (confirmed with its mail's token); the outbox is emptied."""
    what.setdefault("topic", REPORTS)
    subscription = subscriptions.subscribe(email, config=app.config, now=now, **what)
    db.session.commit()
    token = LINK.findall(queued_mail(email)[-1].body)[0][1]
    subscriptions.confirm(token, now=now)
    db.session.execute(sa.delete(MailMessage))
    db.session.commit()
    return subscription


def tick(app, now):
    """What `portal tick` does for report subscriptions, committed."""
    handled = subscriptions.queue_report_notices(app.config, now=now)
    digests = subscriptions.queue_digests(app.config, now=now)
    db.session.commit()
    return handled, digests


def notices(address="journalist@example.org"):
    """The queued mails to `address`."""
    return queued_mail(address)


# Subscribing


def test_following_an_area_and_category_confirms_by_mail_like_consultations(app_context):
    """One confirmation mail naming what is followed; the confirm link confirms."""
    subscription = subscriptions.subscribe(
        "a@example.org", area=8, category="water", topic=REPORTS, config=app_context.config
    )
    db.session.commit()
    [message] = queued_mail("a@example.org")
    assert "第八师石河子市" in message.body and "follow reports" in message.body
    token = LINK.findall(message.body)[0][1]
    assert subscription.token == subscriptions.hash_token(token) and token not in subscription.token
    subscriptions.confirm(token)
    db.session.commit()
    assert db.session.get(Subscription, subscription.id).confirmed_at is not None
    assert "第八师石河子市" in subscriptions.target_label(subscription)


def test_an_area_or_a_category_is_required_and_bad_ones_are_named(app_context):
    """Neither: the area field is named; an unknown category or area: each field named at once."""
    with pytest.raises(ValidationFailed) as error:
        subscriptions.subscribe("a@example.org", topic=REPORTS, config=app_context.config)
    assert error.value.field == "area"
    with pytest.raises(ValidationFailed) as error:
        subscriptions.subscribe(
            "bad", area="99", category="nothing", topic=REPORTS, config=app_context.config
        )
    assert {field for field, _ in error.value.errors} == {"email", "area", "category"}


def test_an_unknown_report_cannot_be_followed(app_context):
    """Following a reference nobody has is not found."""
    with pytest.raises(NotFound):
        subscriptions.subscribe(
            "a@example.org", report="BT-NOPE", topic=REPORT, config=app_context.config
        )


def test_resubscribing_to_the_same_reports_adds_no_row_and_keeps_consultations_apart(app_context):
    """Same address and target: one row; the same area for consultations is another subscription."""
    for _ in range(2):
        subscriptions.subscribe("a@example.org", area=8, topic=REPORTS, config=app_context.config)
    subscriptions.subscribe("a@example.org", area=8, config=app_context.config)
    db.session.commit()
    topics = sorted(t.value for t in db.session.scalars(sa.select(Subscription.topic)))
    assert topics == ["consultations", "reports"]


def test_the_client_limit_applies_to_report_subscriptions(app_context):
    """Past SUBSCRIPTION_LIMIT requests an hour from one client: 429."""
    app_context.config["SUBSCRIPTION_LIMIT"] = 2
    for n in range(2):
        subscriptions.subscribe(
            f"a{n}@example.org", area=8, topic=REPORTS, config=app_context.config, client="1.2.3.4"
        )
    with pytest.raises(TooManyRequests):
        subscriptions.subscribe(
            "a9@example.org", area=8, topic=REPORTS, config=app_context.config, client="1.2.3.4"
        )


# Notices, each event


def test_area_follower_hears_of_new_acceptance_and_closure_with_the_result(app_context, staff):
    """Three notices for one report: received, accepted, closed (with the closing result)."""
    follow(app_context, area=8)
    report = new_report(app_context, "r1")
    assert tick(app_context, T0 + timedelta(minutes=5)) == ((1, 1), 0)
    handling.accept(staff, report, None, app_context.config, now=T0 + timedelta(days=1))
    handling.reply(staff, report, None, "已派员现场检查。", now=T0 + timedelta(days=2))
    handling.close(staff, report, None, RESULT, app_context.config, now=T0 + timedelta(days=3))
    db.session.commit()
    tick(app_context, T0 + timedelta(days=3, minutes=5))
    first, accepted, closed = notices()
    assert report.reference in first.subject and "New report" in first.body
    assert "Accepted" in accepted.body
    assert "Closed" in closed.body and RESULT in closed.body
    assert "已派员现场检查" not in "".join(
        m.body for m in notices()
    )  # replies: case followers only
    assert "/reports/" + report.reference in closed.body


def test_a_notice_is_queued_once_whatever_the_number_of_runs(app_context, staff):
    """A second tick finds every event recorded and queues nothing."""
    follow(app_context, area=8)
    new_report(app_context, "r1")
    tick(app_context, T0 + timedelta(minutes=5))
    assert tick(app_context, T0 + timedelta(minutes=10)) == ((0, 0), 0)
    assert len(notices()) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportNotice)) == 1


def test_followers_of_other_areas_and_categories_hear_nothing(app_context, staff):
    """Area 6 and the livestock category do not match a water report in area 8; water alone does."""
    follow(app_context, "six@example.org", area=6)
    follow(app_context, "livestock@example.org", category="livestock")
    follow(app_context, "water@example.org", category="water")
    follow(app_context, "both@example.org", area=8, category="water")
    new_report(app_context, "r1")
    tick(app_context, T0 + timedelta(minutes=5))
    followers = [m.recipient for m in queued_mail() if m.recipient != PLANTED["email"]]
    assert followers == ["water@example.org", "both@example.org"]


def test_one_mail_per_address_naming_each_matching_subscription(app_context, staff):
    """Following the area and the category: one mail, two unsubscribe links."""
    follow(app_context, area=8)
    follow(app_context, category="water")
    new_report(app_context, "r1")
    tick(app_context, T0 + timedelta(minutes=5))
    [message] = notices()
    assert len(LINK.findall(message.body)) == 2


def test_unconfirmed_and_later_subscribers_hear_nothing_of_earlier_events(app_context, staff):
    """An unconfirmed subscription gets no notice; one confirmed after the event neither."""
    subscriptions.subscribe("u@example.org", area=8, topic=REPORTS, config=app_context.config)
    db.session.commit()
    new_report(app_context, "r1")
    follow(app_context, "late@example.org", area=8, now=T0 + timedelta(minutes=1))
    db.session.execute(sa.delete(MailMessage))
    tick(app_context, T0 + timedelta(minutes=5))
    assert [m for m in queued_mail() if m.recipient != PLANTED["email"]] == []


def test_case_follower_hears_of_each_public_event_but_not_of_notes(app_context, staff):
    """Acceptance, reply, extension approved, closure, reopening: one notice each; internal notes never."""
    report = new_report(app_context, "r1")
    follow(app_context, "case@example.org", topic=REPORT, report=report.reference, now=T0)
    admin = People({"admin": ("shzadmin", "第八师石河子市", "unit_admin")})["admin"]
    handling.accept(staff, report, None, app_context.config, now=T0 + timedelta(days=1))
    handling.note(staff, report, None, "内部备注:不要外传。", now=T0 + timedelta(days=1))
    handling.reply(staff, report, None, "已派员现场检查。", now=T0 + timedelta(days=2))
    handling.request_extension(
        staff, report, None, 10, "需要监测数据。", now=T0 + timedelta(days=3)
    )
    handling.decide_extension(
        admin, report, None, True, app_context.config, now=T0 + timedelta(days=3)
    )
    handling.close(staff, report, None, RESULT, app_context.config, now=T0 + timedelta(days=4))
    db.session.commit()
    tick(app_context, T0 + timedelta(days=4, minutes=5))
    bodies = [m.body for m in notices("case@example.org")]
    assert len(bodies) == 4
    assert "已派员现场检查" in bodies[1] and RESULT in bodies[3]
    assert "内部备注" not in "".join(bodies) and "需要监测数据" not in "".join(bodies)


def test_transfer_and_not_accepted_are_told_to_case_followers(app_context, staff):
    """A transfer names the receiving unit; not accepted names the legal reason."""
    report = new_report(app_context, "r1")
    follow(app_context, "case@example.org", topic=REPORT, report=report.reference, now=T0)
    from portal.services.units import find_unit

    handling.transfer(
        staff,
        report,
        None,
        find_unit("兵团建设局").id,
        "属于兵团层面事项。",
        app_context.config,
        now=T0 + timedelta(hours=1),
    )
    db.session.commit()
    tick(app_context, T0 + timedelta(hours=2))
    [message] = notices("case@example.org")
    assert "Transferred" in message.body and "兵团建设局" in message.body
    assert "属于兵团层面事项" not in message.body


def test_notices_carry_no_identity_description_place_or_point(app_context, staff):
    """Every notice and digest: none of the reporter's name, phone, email, the description, place or point."""
    follow(app_context, area=8)
    follow(app_context, "digest@example.org", area=8, digest=True)
    report = new_report(app_context, "r1", latitude="44.305123", longitude="86.041234")
    follow(app_context, "case@example.org", topic=REPORT, report=report.reference, now=T0)
    handling.accept(staff, report, None, app_context.config, now=T0 + timedelta(hours=1))
    handling.close(staff, report, None, RESULT, app_context.config, now=T0 + timedelta(hours=2))
    db.session.commit()
    tick(app_context, T0 + timedelta(hours=3))
    tick(app_context, T0 + timedelta(days=1))
    sent = [m for m in queued_mail() if m.recipient != PLANTED["email"]]
    assert {m.recipient for m in sent} == {
        "journalist@example.org",
        "digest@example.org",
        "case@example.org",
    }
    for message in sent:
        text = message.subject + message.body
        for planted in PLANTED.values():
            assert planted not in text
        assert "44.305" not in text and "86.041" not in text and "秘密照片" not in text


# Digests


def test_digest_subscriber_gets_one_mail_a_day_with_the_days_events(app_context, staff):
    """No mail per event; the first tick after the Beijing day ends queues one digest; later runs none."""
    follow(app_context, area=8, digest=True)
    report = new_report(app_context, "r1")
    other = new_report(app_context, "r2", now=T0 + timedelta(hours=2))
    handling.accept(staff, report, None, app_context.config, now=T0 + timedelta(hours=3))
    db.session.commit()
    assert tick(app_context, T0 + timedelta(hours=4)) == ((0, 0), 0)
    assert notices() == []
    next_day = datetime(2026, 6, 2, 0, 10, tzinfo=BJ)
    assert tick(app_context, next_day)[1] == 1
    assert tick(app_context, next_day + timedelta(hours=5))[1] == 0
    [digest] = notices()
    assert "2026-06-01" in digest.subject
    assert digest.body.count(report.reference) >= 2 and other.reference in digest.body


def test_a_day_without_events_sends_no_digest(app_context, staff):
    """Nothing happened in the area: no mail, and the day counts as done."""
    follow(app_context, area=8, digest=True)
    new_report(app_context, "r1", area=6, category="water")
    assert tick(app_context, datetime(2026, 6, 2, 0, 10, tzinfo=BJ))[1] == 0
    assert notices() == []


def test_a_crashed_digest_run_sends_once_when_run_again(app_context, staff):
    """A run rolled back (the crash) leaves nothing; the next run sends the one digest."""
    follow(app_context, area=8, digest=True)
    new_report(app_context, "r1")
    next_day = datetime(2026, 6, 2, 0, 10, tzinfo=BJ)
    assert subscriptions.queue_digests(app_context.config, now=next_day) == 1
    db.session.rollback()
    assert notices() == []
    assert tick(app_context, next_day)[1] == 1
    assert tick(app_context, next_day)[1] == 0
    assert len(notices()) == 1


def test_unsubscribing_from_a_digest_stops_it(app_context, staff):
    """The digest's unsubscribe link deletes the subscription; the next day brings nothing."""
    follow(app_context, area=8, digest=True)
    new_report(app_context, "r1")
    tick(app_context, datetime(2026, 6, 2, 0, 10, tzinfo=BJ))
    token = LINK.findall(notices()[0].body)[0][1]
    subscriptions.unsubscribe(token)
    new_report(app_context, "r2", now=datetime(2026, 6, 2, 9, 0, tzinfo=BJ))
    tick(app_context, datetime(2026, 6, 3, 0, 10, tzinfo=BJ))
    assert len(notices()) == 1


def test_a_link_made_with_another_secret_or_for_another_subscription_does_nothing(app_context):
    """The token is the HMAC of the subscription's id and address under SECRET_KEY: without the secret, or for
    another row, no link can be forged."""
    subscription = subscriptions.subscribe(
        "a@example.org", area=8, topic=REPORTS, config=app_context.config
    )
    db.session.commit()
    forged = subscriptions.link_token("not-the-secret", subscription)
    with pytest.raises(NotFound):
        subscriptions.confirm(forged)
    other = subscriptions.subscribe(
        "b@example.org", area=8, topic=REPORTS, config=app_context.config
    )
    db.session.commit()
    assert subscriptions.link_token(app_context.config["SECRET_KEY"], other) != (
        subscriptions.link_token(app_context.config["SECRET_KEY"], subscription)
    )
    assert db.session.get(Subscription, subscription.id).confirmed_at is None


def test_consultation_followers_of_an_area_hear_nothing_of_its_reports(app_context, staff):
    """A consultation subscription to area 8 is not a report subscription."""
    subscriptions.subscribe("c@example.org", area=8, config=app_context.config, now=T0)
    db.session.commit()
    token = LINK.findall(queued_mail("c@example.org")[-1].body)[0][1]
    subscriptions.confirm(token, now=T0)
    db.session.commit()
    new_report(app_context, "r1", now=T0 + timedelta(minutes=1))
    tick(app_context, T0 + timedelta(minutes=5))
    assert len(queued_mail("c@example.org")) == 1


def test_not_accepted_is_told_with_its_legal_reason_and_area_followers_hear_nothing(
    app_context, staff
):
    """Case followers get the legal reason (as the public page shows it), never the explanation to the resident;
    not accepting is not an event area followers hear of."""
    report = new_report(app_context, "r1")
    follow(app_context, "case@example.org", topic=REPORT, report=report.reference, now=T0)
    follow(app_context, area=8, now=T0 + timedelta(minutes=1))  # after the report's arrival
    handling.not_accept(
        staff,
        report,
        None,
        "not_specific",
        "请补充具体地点和时间后再次举报。",
        now=T0 + timedelta(hours=1),
    )
    db.session.commit()
    tick(app_context, T0 + timedelta(hours=2))
    [message] = notices("case@example.org")
    assert "Not accepted" in message.body and "Reason" in message.body
    assert "请补充具体地点和时间" not in message.body
    assert notices() == []


def test_a_category_correction_and_a_merge_are_told_to_the_reports_followers(app_context, staff):
    """A follower of a duplicate hears where it was merged (and can follow the report that carries on)."""
    duplicate, target = new_report(app_context, "dup"), new_report(app_context, "target")
    follow(app_context, "case@example.org", topic=REPORT, report=duplicate.reference, now=T0)
    config = app_context.config
    handling.change_category(
        staff, duplicate, None, "air", "实为工地扬尘。", config, now=T0 + timedelta(hours=1)
    )
    handling.change_category(
        staff, target, None, "air", "同为工地扬尘。", config, now=T0 + timedelta(hours=1)
    )
    handling.merge(staff, duplicate, None, target.reference, config, now=T0 + timedelta(hours=2))
    db.session.commit()
    tick(app_context, T0 + timedelta(hours=3))
    corrected, merged = notices("case@example.org")
    assert "Category corrected" in corrected.body and "实为工地扬尘" in corrected.body
    assert "Merged into" in merged.body and f"/reports/{target.reference}" in merged.body
