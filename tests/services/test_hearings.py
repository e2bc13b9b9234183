"""Hearings: the notice rule in working days, registration, waitlist, cancellation by code, concurrent
registrations, attendance, minutes, the public view, access by unit, reminders."""

import csv
import dataclasses
import hashlib
import io
import re
import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from portal.errors import Conflict, Forbidden, NotFound, ValidationFailed
from portal.extensions import db
from portal.models import (
    Area,
    Consultation,
    ConsultationKind,
    ConsultationState,
    Hearing,
    MailMessage,
    Registration,
    RegistrationStatus,
)
from portal.services import hearings
from portal.services.units import find_unit
from tests.helpers import People, queued_mail

BJ = ZoneInfo("Asia/Shanghai")
SECRET = "test-secret-key"
CODE = re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){4}$")

# 2026 (chinesecalendar): 中秋 25–27 September, 国庆 1–7 October, Saturday 10 October a make-up workday.
# Announced on Monday 28 September, the ten working days after it are 29, 30 September, 8, 9, 10 (Saturday),
# 12–16 October: the earliest hearing day is Saturday 17 October. Counting Monday–Friday would allow 13 October.
ANNOUNCED = datetime(2026, 9, 28, 10, 0, tzinfo=BJ)
EARLIEST = date(2026, 10, 17)
STARTS = datetime(2026, 10, 20, 9, 0, tzinfo=BJ)
CLOSES = datetime(2026, 10, 18, 18, 0, tzinfo=BJ)
DURING = datetime(2026, 10, 9, 12, 0, tzinfo=BJ)  # registration open


@pytest.fixture
def app_context(english_context):
    """This module reads the services' messages in English, the language they are written in."""
    return english_context


def bj(year, month, day, hour=9, minute=0):
    """A moment in Beijing time."""
    return datetime(year, month, day, hour, minute, tzinfo=BJ)


PEOPLE = {
    "staff": ("shz", "第八师石河子市", "staff"),
    "admin": ("shz-admin", "第八师石河子市", "unit_admin"),
    "stranger": ("sjj", "兵团审计局", "staff"),
    "site": ("root", "兵团审计局", "site_admin"),
}


@pytest.fixture
def people(app_context):
    """Staff of 第八师石河子市 (the consultation's unit) and of an unrelated unit, made on first use."""
    return People(PEOPLE)


def consultation(state=ConsultationState.OPEN):
    """An EIA consultation of 第八师石河子市, built directly (flushed)."""
    item = Consultation(
        kind=ConsultationKind.EIA,
        title="石河子市某化工项目环境影响评价",
        unit=find_unit("第八师石河子市"),
        area=db.session.scalar(sa.select(Area).where(Area.number == 8)),
        state=state,
        opens_on=date(2026, 9, 21),
        closes_on=date(2026, 10, 30),
    )
    db.session.add(item)
    db.session.flush()
    return item


def new_hearing(app, people, seats=3, starts_at=STARTS, closes_at=CLOSES, now=ANNOUNCED):
    """A hearing scheduled by the unit's staff (committed)."""
    hearing = hearings.schedule(
        people["staff"],
        consultation(),
        starts_at,
        "石河子市政务服务中心三楼会议室",
        seats,
        closes_at,
        "石河子市常住居民及受项目影响的单位",
        app.config,
        now=now,
    )
    db.session.commit()
    return hearing


def register(hearing, n, email=None, now=DURING, wants_to_speak=False, viewpoint="", **fields):
    """Register resident number `n` (committed); returns (registration, code)."""
    data = {
        "name": f"居民{n}",
        "phone": f"1380013{n:04d}",
        "email": f"resident{n}@example.org" if email is None else email,
        **fields,
    }
    result = hearings.register(
        hearing,
        data["name"],
        data["phone"],
        data["email"],
        wants_to_speak,
        viewpoint,
        SECRET,
        now=now,
    )
    db.session.commit()
    return result


def statuses(hearing):
    """{status: count} of a hearing's registrations, read from the database."""
    rows = db.session.execute(
        sa.select(Registration.status, sa.func.count())
        .where(Registration.hearing_id == hearing.id)
        .group_by(Registration.status)
    )
    return dict(rows.all())


def mails_to(address):
    """The queued messages to `address`, oldest first."""
    return queued_mail(address)


# The notice rule


def test_notice_too_short_across_the_national_day_holiday_is_refused_naming_the_rule(
    app_context, people
):
    """Sixteen days, thirteen of them weekdays, are not ten working days across 国庆: refused, rule named."""
    weekdays = sum(1 for d in range(1, 18) if (ANNOUNCED.date() + timedelta(days=d)).weekday() < 5)
    assert weekdays >= 10  # a Monday–Friday count would have accepted this hearing
    with pytest.raises(ValidationFailed) as refused:
        hearings.schedule(
            people["staff"],
            consultation(),
            bj(2026, 10, 16, 14),
            "会议室",
            50,
            bj(2026, 10, 15, 18),
            "",
            app_context.config,
            now=ANNOUNCED,
        )
    assert refused.value.field == "starts_at"
    message = refused.value.message
    assert "《环境保护公众参与办法》" in message
    assert "at least 10 working days" in message
    assert "2026-09-28" in message and "2026-10-17" in message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Hearing)) == 0


def test_exactly_long_enough_notice_is_accepted_and_announced(app_context, people):
    """A hearing on the earliest day (the tenth working day, a 调休 Saturday, counted) is scheduled."""
    hearing = hearings.schedule(
        people["staff"],
        consultation(),
        bj(2026, 10, 17, 9),
        "会议室",
        50,
        bj(2026, 10, 16, 18),
        "",
        app_context.config,
        now=ANNOUNCED,
    )
    db.session.commit()
    assert hearings.earliest_hearing_day(ANNOUNCED, app_context.config) == (EARLIEST, ())
    assert hearing.announced_at == ANNOUNCED
    assert hearing.seats == 50 and hearing.consultation.hearings == [hearing]


def test_notice_is_counted_on_beijing_dates(app_context, people):
    """01:00 on 28 September in Beijing is still 27 September in UTC: the count starts from the Beijing day."""
    late = datetime(2026, 9, 28, 1, 0, tzinfo=BJ)
    assert late.astimezone(ZoneInfo("UTC")).date() == date(2026, 9, 27)
    with pytest.raises(ValidationFailed):
        hearings.schedule(
            people["staff"],
            consultation(),
            bj(2026, 10, 16, 14),
            "会议室",
            50,
            bj(2026, 10, 15),
            "",
            app_context.config,
            now=late,
        )


def test_notice_minimum_is_configurable(app_context, people):
    """With 12 working days configured, the earliest day moves and the message names 12."""
    config = {**app_context.config, "HEARING_NOTICE_WORKING_DAYS": 12}
    with pytest.raises(ValidationFailed, match="at least 12 working days") as refused:
        hearings.schedule(
            people["staff"],
            consultation(),
            bj(2026, 10, 17, 9),
            "会议室",
            50,
            bj(2026, 10, 16),
            "",
            config,
            now=ANNOUNCED,
        )
    # The tenth working day is 16 October; the 11th and 12th are 19 and 20 October, so the 21st.
    assert "2026-10-21" in refused.value.message
    assert hearings.earliest_hearing_day(ANNOUNCED, config)[0] == date(2026, 10, 21)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"seats": 0}, "seats"),
        ({"seats": 10_001}, "seats"),
        ({"seats": True}, "seats"),
        ({"place": "  "}, "place"),
        ({"closes_at": STARTS}, "registration_closes_at"),
        ({"closes_at": ANNOUNCED - timedelta(hours=1)}, "registration_closes_at"),
        ({"eligibility": "x" * 2001}, "eligibility"),
    ],
)
def test_schedule_validates_its_fields(app_context, people, change, field):
    """Seats 1–10,000, a place, a deadline before the start and after now, eligibility at most 2,000."""
    values = {"seats": 30, "place": "会议室", "closes_at": CLOSES, "eligibility": "", **change}
    with pytest.raises(ValidationFailed) as refused:
        hearings.schedule(
            people["staff"],
            consultation(),
            STARTS,
            values["place"],
            values["seats"],
            values["closes_at"],
            values["eligibility"],
            app_context.config,
            now=ANNOUNCED,
        )
    assert refused.value.field == field


def test_only_staff_of_the_unit_schedule_for_a_public_consultation(app_context, people):
    """Another unit's staff and site administrators are refused; a draft consultation cannot have a hearing."""
    for who in ("stranger", "site"):
        with pytest.raises(Forbidden):
            hearings.schedule(
                people[who],
                consultation(),
                STARTS,
                "会议室",
                30,
                CLOSES,
                "",
                app_context.config,
                now=ANNOUNCED,
            )
    with pytest.raises(Conflict):
        hearings.schedule(
            people["staff"],
            consultation(ConsultationState.DRAFT),
            STARTS,
            "会议室",
            30,
            CLOSES,
            "",
            app_context.config,
            now=ANNOUNCED,
        )
    assert hearings.schedule(
        people["admin"],
        consultation(),
        STARTS,
        "会议室",
        30,
        CLOSES,
        "",
        app_context.config,
        now=ANNOUNCED,
    ).id


# Registration


def test_registration_closes_at_the_deadline(app_context, people):
    """One second before the deadline is accepted; at the deadline it is refused with the time."""
    hearing = new_hearing(app_context, people)
    registration, _code = register(hearing, 1, now=CLOSES - timedelta(seconds=1))
    assert registration.status is RegistrationStatus.CONFIRMED
    with pytest.raises(Conflict, match="closed at 2026-10-18 18:00"):
        register(hearing, 2, now=CLOSES)
    assert statuses(hearing) == {RegistrationStatus.CONFIRMED: 1}


@pytest.mark.parametrize(
    "state, allowed",
    [
        (ConsultationState.OPEN, True),
        (ConsultationState.CLOSED, True),
        (ConsultationState.DRAFT, False),
        (ConsultationState.ANSWERED, False),
        (ConsultationState.WITHDRAWN, False),
    ],
)
def test_registration_follows_the_consultation_state(app_context, people, state, allowed):
    """Open, or closed awaiting the answer: registrations taken; drafts, answered or withdrawn: refused."""
    hearing = new_hearing(app_context, people)
    hearing.consultation.state = state
    db.session.commit()
    if allowed:
        assert register(hearing, 1)[0].status is RegistrationStatus.CONFIRMED
    else:
        with pytest.raises(Conflict, match="not taking registrations"):
            register(hearing, 1)


def test_seats_fill_then_the_waitlist_with_emails(app_context, people):
    """Two seats: two confirmed, then waitlisted in order; each told by email, with the code, if they gave one."""
    hearing = new_hearing(app_context, people, seats=2)
    first, code = register(hearing, 1)
    second, _ = register(hearing, 2, email="")
    third, _ = register(hearing, 3)
    fourth, _ = register(hearing, 4)
    assert [r.status for r in (first, second, third, fourth)] == [
        RegistrationStatus.CONFIRMED
    ] * 2 + [RegistrationStatus.WAITLISTED] * 2
    [confirmation] = mails_to("resident1@example.org")
    assert "confirmed" in confirmation.subject and code in confirmation.body
    assert "2026-10-20 09:00" in confirmation.body
    [waiting] = mails_to("resident4@example.org")
    assert "waiting list" in waiting.subject and "number 2" in waiting.body
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(MailMessage)) == 3
    )  # resident 2 gave no email
    view = hearings.public_view(hearing, now=DURING)
    assert (view.seats, view.seats_left, view.waitlist_length, view.registration_open) == (
        2,
        0,
        2,
        True,
    )


@pytest.mark.parametrize(
    "change, field",
    [
        ({"name": " "}, "name"),
        ({"name": "名" * 81}, "name"),
        ({"phone": "", "email": ""}, "phone"),
        ({"phone": "call me"}, "phone"),
        ({"phone": "", "email": "not-an-address"}, "email"),
        ({"wants_to_speak": True, "viewpoint": ""}, "viewpoint"),
        ({"wants_to_speak": True, "viewpoint": "太短了不够十个"}, "viewpoint"),
        ({"wants_to_speak": True, "viewpoint": "意" * 2001}, "viewpoint"),
    ],
)
def test_registration_validates_its_fields(app_context, people, change, field):
    """A name of 1–80, a valid phone or email, a 10–2,000 character viewpoint to speak."""
    hearing = new_hearing(app_context, people)
    values = {
        "name": "居民",
        "phone": "13800138000",
        "email": "",
        "wants_to_speak": False,
        "viewpoint": "",
        **change,
    }
    with pytest.raises(ValidationFailed) as refused:
        hearings.register(
            hearing,
            values["name"],
            values["phone"],
            values["email"],
            values["wants_to_speak"],
            values["viewpoint"],
            SECRET,
            now=DURING,
        )
    assert refused.value.field == field
    assert statuses(hearing) == {}


def test_the_code_is_random_and_stored_only_as_a_hash(app_context, people):
    """100-bit codes, different every time; the registrations row holds the SHA-256 and never the code."""
    hearing = new_hearing(app_context, people)
    registration, code = register(
        hearing, 1, wants_to_speak=True, viewpoint="项目选址离水源地太近,应当重新论证。"
    )
    _other, other_code = register(hearing, 2)
    assert CODE.match(code) and code != other_code
    normal = code.replace("-", "")
    row = db.session.execute(
        sa.select(Registration.__table__).where(Registration.id == registration.id)
    ).one()
    for value in row:
        assert normal not in str(value).upper().replace("-", "")
    assert row.code_hash == hashlib.sha256(normal.encode()).hexdigest()
    assert hearings.find(code.lower().replace("-", " ")).id == registration.id
    with pytest.raises(NotFound):
        hearings.find("AAAA-AAAA-AAAA-AAAA-AAAA")
    with pytest.raises(NotFound):
        hearings.find("")


# Cancellation and the waitlist


def test_cancellation_by_code_moves_the_first_waitlisted_up(app_context, people):
    """The oldest waitlisted registration gets the freed seat and an email; the next one keeps waiting."""
    hearing = new_hearing(app_context, people, seats=2)
    first, code = register(hearing, 1)
    register(hearing, 2)
    third, _ = register(hearing, 3, now=DURING + timedelta(minutes=1))
    fourth, _ = register(hearing, 4, now=DURING + timedelta(minutes=2))
    cancelled = hearings.cancel(code, now=DURING + timedelta(hours=1))
    db.session.commit()
    assert cancelled.id == first.id and first.status is RegistrationStatus.CANCELLED
    assert first.cancelled_at == DURING + timedelta(hours=1)
    assert third.status is RegistrationStatus.CONFIRMED
    assert fourth.status is RegistrationStatus.WAITLISTED
    assert statuses(hearing) == {
        RegistrationStatus.CONFIRMED: 2,
        RegistrationStatus.WAITLISTED: 1,
        RegistrationStatus.CANCELLED: 1,
    }
    promoted = mails_to("resident3@example.org")
    assert (
        len(promoted) == 2
        and "seat" in promoted[1].subject
        and "2026-10-20 09:00" in promoted[1].body
    )
    assert len(mails_to("resident4@example.org")) == 1  # only the waitlist notice


def test_cancelling_twice_says_so_clearly(app_context, people):
    """The second cancellation is refused with a message saying it was done already, and changes nothing."""
    hearing = new_hearing(app_context, people, seats=1)
    _first, code = register(hearing, 1)
    waiting, _ = register(hearing, 2)
    hearings.cancel(code, now=DURING)
    db.session.commit()
    with pytest.raises(Conflict, match="already cancelled on 2026-10-09 12:00"):
        hearings.cancel(code.lower(), now=DURING + timedelta(minutes=5))
    db.session.rollback()
    assert waiting.status is RegistrationStatus.CONFIRMED
    assert statuses(hearing) == {RegistrationStatus.CONFIRMED: 1, RegistrationStatus.CANCELLED: 1}


def test_cancellation_refused_once_the_hearing_started(app_context, people):
    """After the start a seat cannot be handed on: cancelling is refused."""
    hearing = new_hearing(app_context, people)
    _registration, code = register(hearing, 1)
    with pytest.raises(Conflict, match="has started"):
        hearings.cancel(code, now=STARTS)


def test_cancelling_a_waitlisted_registration_moves_nobody(app_context, people):
    """Leaving the waitlist frees no seat."""
    hearing = new_hearing(app_context, people, seats=1)
    first, _ = register(hearing, 1)
    _second, code = register(hearing, 2)
    third, _ = register(hearing, 3)
    hearings.cancel(code, now=DURING)
    db.session.commit()
    assert (first.status, third.status) == (
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.WAITLISTED,
    )


def test_cancelling_after_withdrawal_promotes_nobody(app_context, people):
    """A withdrawn consultation holds no hearing: a cancellation frees the seat but emails nobody a place."""
    hearing = new_hearing(app_context, people, seats=1)
    _first, code = register(hearing, 1)
    waiting, _ = register(hearing, 2)
    hearing.consultation.state = ConsultationState.WITHDRAWN
    db.session.commit()
    hearings.cancel(code, now=DURING)
    db.session.commit()
    assert waiting.status is RegistrationStatus.WAITLISTED
    assert len(mails_to("resident2@example.org")) == 1


# Concurrency


def test_concurrent_registrations_never_oversell_seats(app_context, people):
    """Twelve simultaneous registrations for five seats, three rounds: always 5 confirmed and 7 waitlisted."""
    app = app_context
    for round_ in range(3):
        hearing_id = new_hearing(app, people, seats=5).id
        start = threading.Barrier(12, timeout=30)
        errors = []

        # The round's values are bound now: a thread must not see the next round's.
        def attempt(n, hearing_id=hearing_id, start=start, errors=errors):
            try:
                # Each thread is a request of its own: its own app context, session, connection and commit.
                with app.app_context():
                    hearing = db.session.get(Hearing, hearing_id)
                    start.wait()
                    hearings.register(
                        hearing, f"居民{n}", f"1390000{n:04d}", "", False, "", SECRET, now=DURING
                    )
                    db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported below with the round
                errors.append(error)

        threads = [threading.Thread(target=attempt, args=(round_ * 100 + n,)) for n in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, f"round {round_}: {errors!r}"
        db.session.expire_all()
        hearing = db.session.get(Hearing, hearing_id)
        assert statuses(hearing) == {
            RegistrationStatus.CONFIRMED: 5,
            RegistrationStatus.WAITLISTED: 7,
        }, round_
        view = hearings.public_view(hearing, now=DURING)
        assert (view.seats_left, view.waitlist_length) == (0, 7)


# Attendance, export, minutes


def test_attendance_and_minutes_publish_the_attendance_count(app_context, people):
    """Attendance is marked on the day; the minutes, after the start, publish the marked count."""
    hearing = new_hearing(app_context, people, seats=3)
    regs = [register(hearing, n)[0] for n in range(1, 5)]  # three confirmed, one waitlisted
    staff = people["staff"]
    with pytest.raises(Conflict, match="day of the hearing"):
        hearings.mark_attendance(staff, hearing, [regs[0].id], now=bj(2026, 10, 19, 23))
    on_the_day = bj(2026, 10, 20, 8, 30)
    assert (
        hearings.mark_attendance(
            staff, hearing, [regs[0].id, regs[1].id, regs[3].id], now=on_the_day
        )
        == 3
    )
    # The whole list is sent each time: unticking clears.
    assert hearings.mark_attendance(staff, hearing, [regs[0].id, regs[3].id], now=on_the_day) == 2
    with pytest.raises(ValidationFailed):
        hearings.mark_attendance(staff, hearing, [999_999], now=on_the_day)
    db.session.commit()
    minutes = "听证会于10月20日上午举行,十二位代表发言,主要关注水源地保护和废气排放。"
    with pytest.raises(Conflict, match="only after the hearing has started"):
        hearings.publish_minutes(staff, hearing, minutes, now=on_the_day)
    with pytest.raises(ValidationFailed):
        hearings.publish_minutes(staff, hearing, "太短", now=STARTS + timedelta(hours=3))
    hearings.publish_minutes(staff, hearing, minutes, now=STARTS + timedelta(hours=3))
    db.session.commit()
    assert hearing.attendance_count == 2
    assert hearing.minutes_published_at == STARTS + timedelta(hours=3)
    view = hearings.public_view(hearing, now=STARTS + timedelta(hours=4))
    assert (view.minutes, view.attendance_count, view.registration_open) == (minutes, 2, False)
    with pytest.raises(Conflict, match="minutes are published"):
        hearings.mark_attendance(staff, hearing, [regs[0].id], now=STARTS + timedelta(hours=4))


def test_unpublished_minutes_stay_private(app_context, people):
    """Before publication the public view has neither minutes nor a count."""
    hearing = new_hearing(app_context, people)
    hearing.minutes, hearing.attendance_count = "草稿记录", 9
    view = hearings.public_view(hearing, now=DURING)
    assert (view.minutes, view.attendance_count, view.minutes_published_at) == ("", None, None)


def test_staff_list_and_export(app_context, people):
    """Staff see confirmed and waitlisted with speak requests; the CSV has no contacts and defuses formulas."""
    hearing = new_hearing(app_context, people, seats=2)
    speaker, _ = register(
        hearing, 1, wants_to_speak=True, viewpoint="建议增加地下水监测点并公开监测数据。"
    )
    _gone, code = register(hearing, 2, name='=HYPERLINK("http://evil.example")')
    register(hearing, 3)
    register(hearing, 4)
    hearings.cancel(code, now=DURING)
    db.session.commit()
    listing = hearings.attendees(people["staff"], hearing)
    assert [r.name for r in listing.confirmed] == ["居民1", "居民3"]
    assert [r.name for r in listing.waitlisted] == ["居民4"]
    assert listing.speakers == [speaker] and listing.confirmed[0].phone == "13800130001"
    text = hearings.export_csv(people["admin"], hearing)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == ["Name", "Registration status", "Wants to speak", "Viewpoint", "Attended"]
    assert rows[1] == ["居民1", "Confirmed", "Yes", "建议增加地下水监测点并公开监测数据。", "No"]
    assert [row[:2] for row in rows[2:]] == [["居民3", "Confirmed"], ["居民4", "Waitlisted"]]
    assert (
        "138001300" not in text and "@example.org" not in text and "HYPERLINK" not in text
    )  # cancelled left out
    register(hearing, 5, name="@SUM(A1:A9)")
    assert "'@SUM(A1:A9)" in hearings.export_csv(people["staff"], hearing)


def test_staff_of_another_unit_cannot_see_or_act(app_context, people):
    """Another unit's staff, and a site administrator of another unit, get Forbidden everywhere."""
    hearing = new_hearing(app_context, people)
    registration, _ = register(hearing, 1)
    for who in ("stranger", "site"):
        user = people[who]
        with pytest.raises(Forbidden):
            hearings.attendees(user, hearing)
        with pytest.raises(Forbidden):
            hearings.export_csv(user, hearing)
        with pytest.raises(Forbidden):
            hearings.mark_attendance(user, hearing, [registration.id], now=STARTS)
        with pytest.raises(Forbidden):
            hearings.publish_minutes(user, hearing, "听证会记录,共十人到场发言。", now=STARTS)
    assert registration.attended is False and hearing.minutes_published_at is None


# The public view


def test_public_view_never_contains_registrants(app_context, people):
    """A planted name, phone, email and viewpoint appear nowhere in what the public may see."""
    hearing = new_hearing(app_context, people, seats=1)
    planted = {"name": "王秘密", "phone": "13912345678", "email": "planted.person@example.org"}
    register(
        hearing,
        1,
        wants_to_speak=True,
        viewpoint="这是一段只有工作人员可以看到的发言摘要。",
        **planted,
    )
    register(hearing, 2)
    hearings.publish_minutes(
        people["staff"],
        hearing,
        "听证会按期举行,代表就选址问题发表了意见。",
        now=STARTS + timedelta(hours=2),
    )
    view = hearings.public_view(hearing, now=STARTS + timedelta(hours=3))
    shown = repr(dataclasses.asdict(view)) + repr(view)
    for value in [
        *planted.values(),
        "只有工作人员",
        "居民2",
        "13800130002",
        "resident2@example.org",
    ]:
        assert value not in shown
    assert not hasattr(view, "registrations") and not hasattr(view, "consultation")
    assert (view.seats, view.seats_left, view.waitlist_length) == (1, 0, 1)
    assert view.eligibility == "石河子市常住居民及受项目影响的单位" and view.day == date(
        2026, 10, 20
    )


# Reminders


def test_reminders_are_sent_once_to_confirmed_registrants_with_email(app_context, people):
    """A day before: one reminder to each confirmed registrant with an email; never twice, never to the waitlist."""
    hearing = new_hearing(app_context, people, seats=2)
    register(hearing, 1)
    register(hearing, 2, email="")
    register(hearing, 3)  # waitlisted
    before = db.session.scalar(sa.select(sa.func.count()).select_from(MailMessage))
    assert hearings.due_reminders(STARTS - timedelta(hours=25)) == []
    assert hearings.send_reminders(STARTS - timedelta(hours=25)) == 0
    day_before = STARTS - timedelta(hours=23)
    assert hearings.due_reminders(day_before) == [hearing]
    assert hearings.send_reminders(day_before) == 1
    db.session.commit()
    assert hearing.reminder_sent_at == day_before
    [reminder] = [m for m in mails_to("resident1@example.org") if "reminder" in m.subject]
    assert "2026-10-20 09:00" in reminder.body and "会议室" in reminder.body
    assert not [m for m in mails_to("resident3@example.org") if "reminder" in m.subject]
    assert hearings.due_reminders(day_before + timedelta(hours=1)) == []
    assert hearings.send_reminders(day_before + timedelta(hours=1)) == 0
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MailMessage)) == before + 1


def test_overlapping_reminder_runs_do_not_mail_twice(app_context, people, monkeypatch):
    """A run that listed the hearing before another run sent its reminders sends nothing (the claim fails)."""
    hearing = new_hearing(app_context, people)
    register(hearing, 1)
    day_before = STARTS - timedelta(hours=23)
    listed = hearings.due_reminders(day_before)
    assert hearings.send_reminders(day_before) == 1
    db.session.commit()
    monkeypatch.setattr(hearings, "due_reminders", lambda now, hours=24: listed)
    assert hearings.send_reminders(day_before + timedelta(minutes=1)) == 0
    db.session.commit()
    assert len([m for m in mails_to("resident1@example.org") if "reminder" in m.subject]) == 1
    assert hearing.reminder_sent_at == day_before


def test_control_characters_never_reach_the_database(app_context, people):
    """A NUL or an escape typed into any text of a hearing is dropped (PostgreSQL would refuse the row)."""
    hearing = new_hearing(app_context, people)
    registration, _code = register(
        hearing,
        1,
        name="王\x00芳\x1b",
        wants_to_speak=True,
        viewpoint="<scr\x00ipt>x</script>选址离居民区太近,应重新论证。",
    )
    db.session.flush()
    assert registration.name == "王芳" and "\x00" not in registration.viewpoint
    assert "选址离居民区太近" in registration.viewpoint and "<" not in registration.viewpoint
