"""Legal clocks: real Chinese holiday seasons, 调休 make-up days, uncovered years and urgency."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from portal.services.clocks import (
    Calendar,
    ClockKind,
    ClockRule,
    Deadline,
    Urgency,
    default_rules,
    due_at,
    library_covers,
    local_day,
    rules_from_config,
    urgency,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Far enough ahead that no chinesecalendar release is likely to know its holidays yet.
UNCOVERED = 2031


@pytest.fixture
def calendar():
    """A calendar with no overrides: chinesecalendar, then Monday–Friday."""
    return Calendar(overrides={})


# National Day 2025: Oct 1–8 off; Sun Sep 28 and Sat Oct 11 are make-up workdays.


def test_fifteen_working_days_across_national_day_2025(calendar):
    """Received Fri 26 Sep 2025: the 8-day holiday is skipped, both make-up days count → Thu 23 Oct."""
    deadline = calendar.add(date(2025, 9, 26), 15, working_days=True)
    assert deadline == Deadline(due_on=date(2025, 10, 23), uncovered_years=(), working_days=True)
    assert not deadline.warning
    # The library agrees: exactly 15 working days from the day after receipt to the due day.
    assert len(chinese_calendar.get_workdays(date(2025, 9, 27), date(2025, 10, 23))) == 15


def test_one_working_day_before_national_day_lands_after_the_holiday(calendar):
    """Received Tue 30 Sep 2025: the next working day is Thu 9 Oct."""
    assert calendar.add(date(2025, 9, 30), 1, working_days=True).due_on == date(2025, 10, 9)


@pytest.mark.parametrize(
    ("start", "make_up_day"),
    [
        (date(2025, 9, 27), date(2025, 9, 28)),  # Sun before National Day 2025
        (date(2025, 10, 10), date(2025, 10, 11)),  # Sat after National Day 2025
        (date(2026, 2, 13), date(2026, 2, 14)),  # Sat before the Spring Festival 2026
    ],
)
def test_a_tiaoxiu_weekend_day_counts_as_a_working_day(calendar, start, make_up_day):
    """A weekend day the State Council made a workday is the next working day."""
    assert make_up_day.weekday() >= 5
    assert calendar.is_workday(make_up_day)
    assert calendar.add(start, 1, working_days=True).due_on == make_up_day


def test_national_day_itself_is_not_a_working_day(calendar):
    """Wed 1 Oct 2025 is a weekday, and a holiday."""
    assert not calendar.is_workday(date(2025, 10, 1))
    assert not calendar.is_workday(date(2025, 10, 8))
    assert calendar.is_workday(date(2025, 10, 9))


# Calendar days, moved off a holiday. Spring Festival 2026: Feb 15–23 off; Sat Feb 14 and Sat
# Feb 28 are make-up workdays.


def test_calendar_days_ending_in_the_spring_festival_move_to_the_next_working_day(calendar):
    """15 days from Fri 6 Feb 2026 end on Sat 21 Feb, mid-holiday: due Tue 24 Feb."""
    deadline = calendar.add(date(2026, 2, 6), 15, working_days=False)
    assert deadline == Deadline(due_on=date(2026, 2, 24), uncovered_years=(), working_days=False)


def test_calendar_days_ending_on_a_tiaoxiu_saturday_stay_there(calendar):
    """15 days from Fri 13 Feb 2026 end on Sat 28 Feb, a make-up workday: no move."""
    assert calendar.add(date(2026, 2, 13), 15, working_days=False).due_on == date(2026, 2, 28)


def test_calendar_days_ending_on_an_ordinary_weekend_move_to_monday(calendar):
    """15 days from Fri 7 Nov 2025 end on Sat 22 Nov: due Mon 24 Nov."""
    assert calendar.add(date(2025, 11, 7), 15, working_days=False).due_on == date(2025, 11, 24)


def test_calendar_days_ending_on_a_working_day_are_not_moved(calendar):
    """15 days from Mon 3 Nov 2025: Tue 18 Nov; the day of receipt does not count."""
    assert calendar.add(date(2025, 11, 3), 15, working_days=False).due_on == date(2025, 11, 18)


def test_sixty_calendar_days_through_national_day(calendar):
    """The closure clock: 60 days from Mon 1 Sep 2025 is Fri 31 Oct, the holiday makes no difference."""
    assert calendar.add(date(2025, 9, 1), 60, working_days=False).due_on == date(2025, 10, 31)


# Years chinesecalendar does not know.


def test_installed_chinesecalendar_covers_2025_and_2026_but_not_the_uncovered_year():
    """The premise of the tests below; a new release covering 2031 means choosing a later year."""
    assert library_covers(2025) and library_covers(2026)
    assert not library_covers(UNCOVERED)


def test_an_uncovered_year_falls_back_to_monday_to_friday_with_a_warning(calendar):
    """5 working days from Mon 3 Mar 2031 → Mon 10 Mar, flagged because 2031 is a guess."""
    assert not calendar.covers(UNCOVERED)
    deadline = calendar.add(date(UNCOVERED, 3, 3), 5, working_days=True)
    assert deadline.due_on == date(UNCOVERED, 3, 10)
    assert deadline.uncovered_years == (UNCOVERED,)
    assert deadline.warning
    assert calendar.is_workday(date(UNCOVERED, 3, 7))  # Friday
    assert not calendar.is_workday(date(UNCOVERED, 3, 8))  # Saturday


def test_calendar_days_in_an_uncovered_year_also_warn(calendar):
    """5 days from Mon 3 Mar 2031 end on Sat 8 Mar: moved to Mon 10 Mar, with a warning."""
    deadline = calendar.add(date(UNCOVERED, 3, 3), 5, working_days=False)
    assert deadline.due_on == date(UNCOVERED, 3, 10)
    assert deadline.uncovered_years == (UNCOVERED,)


def test_an_override_covers_the_year_and_a_holiday_on_a_weekday_is_skipped():
    """An admin enters Wed 5 Mar 2031 as a holiday: the year is covered and the count skips it."""
    calendar = Calendar(overrides={date(UNCOVERED, 3, 5): False})
    assert calendar.covers(UNCOVERED)
    deadline = calendar.add(date(UNCOVERED, 3, 3), 5, working_days=True)
    assert deadline == Deadline(
        due_on=date(UNCOVERED, 3, 11), uncovered_years=(), working_days=True
    )
    assert not deadline.warning


def test_an_override_make_up_saturday_counts_in_an_uncovered_year():
    """Sat 8 Mar 2031 entered as a make-up workday is counted."""
    calendar = Calendar(overrides={date(UNCOVERED, 3, 8): True})
    assert calendar.add(date(UNCOVERED, 3, 3), 5, working_days=True).due_on == date(UNCOVERED, 3, 8)


def test_overrides_win_over_chinesecalendar():
    """A local closure on Thu 9 Oct 2025, and a forced working day on Sun 12 Oct 2025."""
    calendar = Calendar(overrides={date(2025, 10, 9): False, date(2025, 10, 12): True})
    assert not calendar.is_workday(date(2025, 10, 9))
    assert calendar.is_workday(date(2025, 10, 12))
    assert calendar.add(date(2025, 9, 30), 1, working_days=True).due_on == date(2025, 10, 10)


def test_a_count_into_the_next_year_warns_only_for_that_year(calendar):
    """10 working days from Thu 24 Dec 2026: 2026 is known, 2027 is guessed (1 Jan counted!)."""
    if library_covers(2027):
        pytest.skip("the installed chinesecalendar already covers 2027")
    deadline = calendar.add(date(2026, 12, 24), 10, working_days=True)
    assert deadline.due_on == date(2027, 1, 7)
    assert deadline.uncovered_years == (2027,)


def test_entering_new_year_2027_as_an_override_fixes_the_count():
    """With 1 Jan 2027 entered as a holiday, the same count ends a day later, without a warning."""
    calendar = Calendar(overrides={date(2027, 1, 1): False})
    deadline = calendar.add(date(2026, 12, 24), 10, working_days=True)
    assert deadline.due_on == date(2027, 1, 8)
    assert deadline.uncovered_years == ()


def test_the_start_year_alone_does_not_warn():
    """Only days the count looked at matter: a start on 31 Dec of an uncovered year is not one."""
    calendar = Calendar(overrides={date(UNCOVERED + 1, 6, 1): True})
    deadline = calendar.add(date(UNCOVERED, 12, 31), 2, working_days=True)
    assert deadline.due_on == date(UNCOVERED + 1, 1, 2)
    assert deadline.uncovered_years == ()


# Arguments the count refuses.


def test_add_refuses_datetimes_and_negative_days(calendar):
    """A datetime's day depends on the time zone; a negative period is a bug."""
    with pytest.raises(TypeError):
        calendar.add(datetime(2025, 9, 26, 10, tzinfo=SHANGHAI), 15, working_days=True)
    with pytest.raises(ValueError):
        calendar.add(date(2025, 9, 26), -1, working_days=True)


def test_overrides_that_leave_no_working_day_fail_instead_of_looping():
    """A year of holidays entered by mistake is reported, not spun on."""
    start = date(UNCOVERED, 1, 1)
    calendar = Calendar(overrides={start + timedelta(days=n): False for n in range(1, 400)})
    with pytest.raises(ValueError, match="overrides"):
        calendar.add(start, 1, working_days=True)


def test_local_day_is_the_beijing_date():
    """A report sent at 00:30 Beijing time on 1 Oct is still 30 Sep in UTC, but received on 1 Oct."""
    assert local_day(datetime(2025, 9, 30, 16, 30, tzinfo=UTC)) == date(2025, 10, 1)
    with pytest.raises(ValueError):
        local_day(datetime(2025, 9, 30, 16, 30))


# The end of the due day.


def test_due_at_is_the_end_of_the_day_in_shanghai():
    """23:59:59.999999 in Shanghai is 15:59:59.999999 UTC."""
    moment = due_at(Deadline(due_on=date(2025, 10, 23), uncovered_years=(), working_days=True))
    assert moment == datetime(2025, 10, 23, 15, 59, 59, 999999, tzinfo=UTC)
    assert moment.utcoffset() == timedelta(0)
    local = moment.astimezone(SHANGHAI)
    assert (local.date(), local.hour, local.minute, local.second) == (
        date(2025, 10, 23),
        23,
        59,
        59,
    )


def test_due_at_in_another_zone():
    """Urumqi time is UTC+6: the day ends at 17:59:59 UTC."""
    moment = due_at(Deadline(date(2025, 10, 23), (), True), tz="Asia/Urumqi")
    assert moment == datetime(2025, 10, 23, 17, 59, 59, 999999, tzinfo=UTC)


# Urgency.

DUE = due_at(Deadline(date(2025, 10, 23), (), True))
TICK = timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (DUE + TICK, Urgency.OVERDUE),
        (DUE + timedelta(days=1), Urgency.OVERDUE),
        (DUE, Urgency.DUE_SOON),
        (DUE - timedelta(days=3), Urgency.DUE_SOON),
        (DUE - timedelta(days=3) - TICK, Urgency.ON_TIME),
        (DUE - timedelta(days=30), Urgency.ON_TIME),
    ],
)
def test_urgency_boundaries(now, expected):
    """Overdue only after the last instant; due soon within three days, inclusive."""
    assert urgency(DUE, now) is expected


def test_urgency_with_another_window_and_a_local_now():
    """`now` may be in any zone; the window is configurable."""
    now = datetime(2025, 10, 23, 9, 0, tzinfo=SHANGHAI)
    assert urgency(DUE, now, soon_days=1) is Urgency.DUE_SOON
    assert urgency(DUE, now - timedelta(days=1), soon_days=1) is Urgency.ON_TIME


def test_urgency_refuses_naive_datetimes():
    """Comparing a naive time with a deadline would be off by eight hours."""
    with pytest.raises(ValueError):
        urgency(DUE, datetime(2025, 10, 22, 9, 0))


# Rules and their configuration.


def test_default_rules():
    """15 / 60 / 15 calendar days, each with a basis in Chinese."""
    rules = default_rules()
    assert set(rules) == set(ClockKind)
    assert [(r.days, r.working_days) for r in rules.values()] == [
        (15, False),
        (60, False),
        (15, False),
    ]
    assert all(r.kind is k for k, r in rules.items())
    assert rules[ClockKind.ACCEPTANCE].basis == "《环保举报热线工作管理办法》(环境保护部令第15号)"
    assert all(r.basis for r in rules.values())


def test_rules_from_empty_config_are_the_defaults():
    """Missing keys fall back."""
    assert rules_from_config({}) == default_rules()


def test_rules_from_config_read_days_and_working_days():
    """Values may be typed, or strings straight from the environment."""
    rules = rules_from_config(
        {
            "CLOCK_ACCEPTANCE_DAYS": "10",
            "CLOCK_ACCEPTANCE_WORKING_DAYS": "true",
            "CLOCK_CLOSURE_WORKING_DAYS": True,
            "CLOCK_APPEAL_DAYS": 30,
            "CLOCK_APPEAL_WORKING_DAYS": "0",
            "CLOCK_APPEAL_BASIS": "《信访工作条例》",
        }
    )
    basis = default_rules()[ClockKind.ACCEPTANCE].basis
    assert rules[ClockKind.ACCEPTANCE] == ClockRule(ClockKind.ACCEPTANCE, 10, True, basis)
    assert rules[ClockKind.CLOSURE] == ClockRule(ClockKind.CLOSURE, 60, True, basis)
    assert rules[ClockKind.APPEAL] == ClockRule(ClockKind.APPEAL, 30, False, "《信访工作条例》")


@pytest.mark.parametrize(
    "config",
    [
        {"CLOCK_ACCEPTANCE_DAYS": "0"},
        {"CLOCK_ACCEPTANCE_DAYS": "fifteen"},
        {"CLOCK_CLOSURE_DAYS": True},
        {"CLOCK_APPEAL_WORKING_DAYS": "maybe"},
    ],
)
def test_rules_from_config_refuse_nonsense(config):
    """A typo in a setting stops the start-up instead of running the wrong clock."""
    with pytest.raises(ValueError, match="CLOCK_"):
        rules_from_config(config)


def test_a_rule_drives_a_count(calendar):
    """Acceptance in working days, received the Friday before National Day 2025."""
    rule = rules_from_config({"CLOCK_ACCEPTANCE_WORKING_DAYS": True})[ClockKind.ACCEPTANCE]
    deadline = calendar.add(date(2025, 9, 26), rule.days, rule.working_days)
    assert deadline.due_on == date(2025, 10, 23)


# The database.


def test_calendar_load_honours_overrides_in_the_database(app_context):
    """An override written by an admin is read back by `Calendar.load()`."""
    from portal.extensions import db
    from portal.models.clocks import HolidayOverride

    db.session.add(HolidayOverride(day=date(2025, 10, 9), is_workday=False, note="地方停工"))
    db.session.add(HolidayOverride(day=date(UNCOVERED, 3, 5), is_workday=False))
    db.session.commit()
    calendar = Calendar.load()
    assert not calendar.is_workday(date(2025, 10, 9))
    assert calendar.covers(UNCOVERED)
    assert calendar.add(date(2025, 9, 30), 1, working_days=True).due_on == date(2025, 10, 10)
    assert db.session.get(HolidayOverride, 1).note == "地方停工"
