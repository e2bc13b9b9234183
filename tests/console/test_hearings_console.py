"""Hearings in the console: scheduling under the notice rule, the attendee list (never cached), attendance, the CSV
sign-in sheet and the minutes."""

import csv
import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Consultation, Hearing, Registration
from portal.models.types import utcnow
from portal.services import hearings
from tests.console.test_consultations_console import (
    UNIT,
    flashes,
    follow,
    form_post,
    make_consultation,
    show_path,
    text,
    today,
    user,
)
from tests.helpers import staff_client

BJ = ZoneInfo("Asia/Shanghai")
PEOPLE = [
    ("张三", "13900000001", "", False, ""),
    ("李四", "", "lisi@example.org", True, "项目选址离居民区太近,应重新论证。"),
    ("王五", "13900000003", "", False, ""),
]


@pytest.fixture
def wjq(app):
    """Logged-in staff of 第六师五家渠市 (English)."""
    return staff_client(app, "wjq", UNIT)


@pytest.fixture
def consultation_id(app, wjq):
    """An open EIA consultation of 第六师五家渠市."""
    return make_consultation(app, publish=True)


def local(day, hour):
    """A `datetime-local` form value in Beijing time."""
    return datetime.combine(day, time(hour, 0)).strftime("%Y-%m-%dT%H:%M")


def schedule_form(day, **fields):
    """A hearing form starting on `day` at 09:00, registration closing two days before at 18:00."""
    return {
        "starts_at": local(day, 9),
        "place": "五家渠市政务服务中心三楼会议室",
        "seats": "2",
        "registration_closes_at": local(day - timedelta(days=2), 18),
        "eligibility": "项目周边居民。",
        **fields,
    }


@pytest.fixture
def hearing_id(app, consultation_id):
    """A hearing in 40 days with 2 seats: 张三 and 李四 (who speaks) confirmed, 王五 waitlisted, then 赵六 cancelled."""
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        start = utcnow() + timedelta(days=40)
        hearing = hearings.schedule(
            user(app, "wjq"),
            consultation,
            start,
            "五家渠市政务服务中心",
            2,
            start - timedelta(days=2),
            "",
            app.config,
        )
        db.session.commit()
        for name, phone, email, speaks, viewpoint in PEOPLE:
            hearings.register(
                hearing, name, phone, email, speaks, viewpoint, app.config["SECRET_KEY"]
            )
            db.session.commit()
        _registration, code = hearings.register(
            hearing, "赵六", "13900000004", "", False, "", app.config["SECRET_KEY"]
        )
        hearings.cancel(code)
        db.session.commit()
        return hearing.id


def hearing_started(app, hearing_id, days_ago=0):
    """Move the hearing (and its registration deadline) into the past: it started an hour ago, `days_ago` days back."""
    start = utcnow() - timedelta(days=days_ago, hours=1)
    with app.app_context():
        db.session.execute(
            sa.update(Hearing)
            .where(Hearing.id == hearing_id)
            .values(starts_at=start, registration_closes_at=start - timedelta(days=1))
        )
        db.session.commit()


def test_a_hearing_inside_the_notice_period_is_refused_naming_the_rule(app, wjq, consultation_id):
    """A hearing next week is refused on its date field with the rule and the earliest day; nothing is scheduled."""
    response = form_post(
        wjq,
        show_path(consultation_id),
        f"{show_path(consultation_id)}/hearings",
        **schedule_form(today() + timedelta(days=5)),
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    with app.app_context():
        earliest, _ = hearings.earliest_hearing_day(utcnow(), app.config)
    assert (
        "The hearing starts too soon: under 《环境保护公众参与办法》 a hearing must be announced at least 10 working "
        "days before the hearing day." in text(page)
    )
    assert f"it can start on {earliest.isoformat()} at the earliest" in text(page)
    assert 'id="hearing-starts_at-error"' in page and "五家渠市政务服务中心三楼会议室" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Hearing)) == 0


def test_scheduling_a_hearing_opens_its_page(app, wjq, consultation_id):
    """A hearing far enough ahead is announced; its page shows the hearing in Beijing time and is never cached."""
    day = today() + timedelta(days=40)
    response = form_post(
        wjq,
        show_path(consultation_id),
        f"{show_path(consultation_id)}/hearings",
        **schedule_form(day),
    )
    assert "/console/hearings/" in response.headers["Location"]
    page = follow(wjq, response)
    assert "The hearing is scheduled and announced." in flashes(page)
    assert (
        f"{day.isoformat()} 09:00" in page
        and "五家渠市政务服务中心三楼会议室" in page
        and "项目周边居民。" in page
    )
    with app.app_context():
        hearing = db.session.scalar(sa.select(Hearing))
        assert hearing.starts_at == datetime.combine(day, time(9, 0), BJ) and hearing.seats == 2
    assert wjq.get(response.headers["Location"]).headers["Cache-Control"] == "no-store"
    manage = wjq.get(show_path(consultation_id)).get_data(as_text=True)
    assert f'href="/console/hearings/{hearing.id}"' in manage


def test_the_list_shows_confirmed_speakers_waitlist_and_cancelled(app, wjq, hearing_id):
    """Names and contacts for the unit's staff, the speaker's viewpoint, waitlist positions, cancellations."""
    response = wjq.get(f"/console/hearings/{hearing_id}")
    assert response.headers["Cache-Control"] == "no-store"
    page = text(response.get_data(as_text=True))
    assert "Registered (2)" in page and "张三 13900000001" in page and "lisi@example.org" in page
    assert (
        "Speakers and their viewpoints (1)" in page and "项目选址离居民区太近,应重新论证。" in page
    )
    assert "Waitlist (1)" in page and "Position 1: 王五 · 13900000003" in page
    assert "Cancelled (1)" in page and "赵六 · cancelled on" in page
    assert "2 of 2 taken; 1 on the waitlist" in page


def test_attendance_is_marked_from_the_hearing_day_and_exported(app, wjq, hearing_id):
    """Before the hearing day: refused. Then ticked names are marked; the CSV lists everyone without contacts."""
    path = f"/console/hearings/{hearing_id}"
    with app.app_context():
        ids = dict(db.session.execute(sa.select(Registration.name, Registration.id)).all())
    early = form_post(wjq, path, f"{path}/attendance", registration_ids=[str(ids["张三"])])
    assert "Attendance can be marked from the day of the hearing." in flashes(follow(wjq, early))
    hearing_started(app, hearing_id)
    page = follow(
        wjq,
        form_post(
            wjq, path, f"{path}/attendance", registration_ids=[str(ids["张三"]), str(ids["王五"])]
        ),
    )
    assert "Attendance saved: 2 present." in flashes(page)
    with app.app_context():
        attended = dict(
            db.session.execute(sa.select(Registration.name, Registration.attended)).all()
        )
    assert attended == {"张三": True, "李四": False, "王五": True, "赵六": False}
    unknown = form_post(wjq, path, f"{path}/attendance", registration_ids=[str(ids["赵六"])])
    assert unknown.status_code == 400 and "is not on this hearing's list" in text(
        unknown.get_data(as_text=True)
    )

    export = wjq.get(f"{path}/attendees.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert (
        export.headers["Content-Disposition"]
        == f"attachment; filename=hearing-{hearing_id}-attendees.csv"
    )
    assert export.headers["Cache-Control"] == "private, no-store"
    body = export.data.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == ["Name", "Registration status", "Wants to speak", "Viewpoint", "Attended"]
    assert rows[1:] == [
        ["张三", "Confirmed", "No", "", "Yes"],
        ["李四", "Confirmed", "Yes", "项目选址离居民区太近,应重新论证。", "No"],
        ["王五", "Waitlisted", "No", "", "Yes"],
    ]
    assert "13900000001" not in body and "lisi@example.org" not in body


def test_minutes_are_published_after_the_hearing_with_the_attendance(app, wjq, hearing_id):
    """Before the start the page offers no minutes form; after, too short is refused, then published with the count."""
    path = f"/console/hearings/{hearing_id}"
    assert "minutes-submit" not in wjq.get(path).get_data(as_text=True)
    hearing_started(app, hearing_id, days_ago=1)
    with app.app_context():
        # Names are encrypted at rest (a fresh nonce each time): compared after reading, not in SQL.
        first = dict(db.session.execute(sa.select(Registration.name, Registration.id)).all())[
            "张三"
        ]
    follow(wjq, form_post(wjq, path, f"{path}/attendance", registration_ids=[str(first)]))
    short = form_post(wjq, path, f"{path}/minutes", minutes="太短")
    assert short.status_code == 400 and "The minutes must be between 10 and" in text(
        short.get_data(as_text=True)
    )
    minutes = "听证会于上午九时开始,到会1人,发言人就项目选址发表意见,建设单位作了答复。"
    page = follow(wjq, form_post(wjq, path, f"{path}/minutes", minutes=minutes))
    assert "Minutes published with the attendance count (1)." in flashes(page)
    assert minutes in page and "1 attended" in page
    with app.app_context():
        hearing = db.session.get(Hearing, hearing_id)
        assert hearing.minutes == minutes and hearing.attendance_count == 1
    assert "attendance-submit" not in page  # the published count is part of the record


def test_other_units_and_site_administrators_do_not_manage_the_hearing(app, wjq, hearing_id):
    """Another division's staff: 404 everywhere; a site administrator: the list with contacts is refused (403)."""
    stranger = staff_client(app, "shz", "第八师石河子市")
    for path in (
        f"/console/hearings/{hearing_id}",
        f"/console/hearings/{hearing_id}/attendees.csv",
    ):
        assert stranger.get(path).status_code == 404
    admin = staff_client(app, "root", "兵团审计局", role="site_admin")
    response = admin.get(f"/console/hearings/{hearing_id}")
    assert response.status_code == 403 and "13900000001" not in response.get_data(as_text=True)
    assert admin.get(f"/console/hearings/{hearing_id}/attendees.csv").status_code == 403
