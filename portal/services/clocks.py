"""Legal clocks for citizen reports: deadlines in calendar days or Chinese working days.

How a deadline is counted (`Calendar.add`):

- The day of the starting event (receipt, acceptance, closure) does not count; counting starts on
  the next day, as Chinese law counts periods (开始的当日不计入，自下一日开始计算).
- Working-day clocks count only working days: weekends and official holidays are skipped, and
  调休 make-up workdays (a Saturday or Sunday declared a working day) count.
- Calendar-day clocks count every day, but when the last day is not a working day the deadline
  moves to the next working day (期间届满的最后一日是节假日的，以节假日后的第一日为期间届满的日期).
  A 调休 Saturday is a working day, so a deadline landing on one stays there.
- Whether a day is a working day: an admin-edited `HolidayOverride` first; otherwise PyPI
  `chinesecalendar`, which knows official holidays and make-up days for the years it was released
  with; otherwise Monday–Friday. Years decided by that last fallback are reported in
  `Deadline.uncovered_years` so the interface can warn that the date may move once the State
  Council publishes that year's holiday arrangements.
- A deadline ends at the end of its last day, Beijing time (`due_at`).
"""

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import chinese_calendar
import sqlalchemy as sa

from portal.extensions import db

DEFAULT_TZ = "Asia/Shanghai"

# The closure clock may be extended once, with approval, by at most this many days.
CLOSURE_MAX_EXTENSION_DAYS = 30

# A run of non-working days longer than this can only come from broken overrides; stop rather
# than loop for ever.
_MAX_NON_WORKING_RUN = 366

_HOTLINE_RULES = "《环保举报热线工作管理办法》(环境保护部令第15号)"


class ClockKind(enum.Enum):
    """The legal clocks a citizen report runs against."""

    ACCEPTANCE = "acceptance"
    CLOSURE = "closure"
    APPEAL = "appeal"


@dataclass(frozen=True)
class ClockRule:
    """How long one clock runs, in which kind of days, and on what legal basis."""

    kind: ClockKind
    days: int
    working_days: bool
    basis: str


@dataclass(frozen=True)
class Deadline:
    """The last day of a period, and the years whose holidays the count had to guess."""

    due_on: date
    uncovered_years: tuple[int, ...]
    working_days: bool

    @property
    def warning(self):
        """True when the date relies on a Monday–Friday guess for a year nobody has published."""
        return bool(self.uncovered_years)


class Urgency(enum.Enum):
    """How close a deadline is, for colouring lists and sending reminders."""

    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    ON_TIME = "on_time"


def default_rules():
    """The clocks as the hotline rules state them, all counted in calendar days."""
    return {
        ClockKind.ACCEPTANCE: ClockRule(ClockKind.ACCEPTANCE, 15, False, _HOTLINE_RULES),
        ClockKind.CLOSURE: ClockRule(ClockKind.CLOSURE, 60, False, _HOTLINE_RULES),
        ClockKind.APPEAL: ClockRule(ClockKind.APPEAL, 15, False, "本平台办理规则"),
    }


def rules_from_config(config: Mapping):
    """The clocks with CLOCK_<KIND>_DAYS / _WORKING_DAYS / _BASIS settings applied over the defaults."""
    rules = {}
    for kind, rule in default_rules().items():
        prefix = f"CLOCK_{kind.name}"
        days = _as_days(f"{prefix}_DAYS", config.get(f"{prefix}_DAYS", rule.days))
        working = _as_bool(
            f"{prefix}_WORKING_DAYS", config.get(f"{prefix}_WORKING_DAYS", rule.working_days)
        )
        basis = config.get(f"{prefix}_BASIS") or rule.basis
        rules[kind] = ClockRule(kind, days, working, str(basis))
    return rules


def _as_days(key, value):
    # bool is an int subclass: CLOCK_X_DAYS=True is a typo, not one day.
    if isinstance(value, bool):
        raise ValueError(f"{key}: expected a number of days, got {value!r}")
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{key}: expected a number of days, got {value!r}") from None
    if days < 1:
        raise ValueError(f"{key}: must be at least 1, got {days}")
    return days


def _as_bool(key, value):
    # Settings may arrive straight from the environment, where bool("false") would be True.
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"{key}: expected true or false, got {value!r}")


@cache
def library_covers(year: int) -> bool:
    """True when the installed chinesecalendar has the official holiday arrangements for `year`."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


class Calendar:
    """Chinese working days: overrides first, then chinesecalendar, then Monday–Friday."""

    def __init__(self, overrides: Mapping[date, bool] | None = None):
        self._overrides = dict(overrides or {})
        self._override_years = frozenset(day.year for day in self._overrides)

    @classmethod
    def load(cls):
        """A calendar with every HolidayOverride row in the database."""
        # Imported here so that pure use of the calendar does not register the table.
        from portal.models.clocks import HolidayOverride

        rows = db.session.execute(sa.select(HolidayOverride.day, HolidayOverride.is_workday))
        return cls({day: is_workday for day, is_workday in rows})

    def covers(self, year: int) -> bool:
        """True when the holidays of `year` are known, from the library or from overrides."""
        return year in self._override_years or library_covers(year)

    def is_workday(self, day: date) -> bool:
        """Whether government offices work on `day`."""
        _require_date(day)
        if day in self._overrides:
            return self._overrides[day]
        if library_covers(day.year):
            return chinese_calendar.is_workday(day)
        return day.weekday() < 5

    def add(self, start: date, days: int, working_days: bool) -> Deadline:
        """The deadline `days` days after `start`, counted as the module docstring describes."""
        _require_date(start)
        if days < 0:
            raise ValueError(f"days must not be negative, got {days}")
        consulted = set()

        def workday(day):
            consulted.add(day.year)
            return self.is_workday(day)

        if working_days:
            day, left, idle = start, days, 0
            while left:
                day += timedelta(days=1)
                if workday(day):
                    left, idle = left - 1, 0
                else:
                    idle = _idle(idle)
        else:
            day, idle = start + timedelta(days=days), 0
            while not workday(day):
                day += timedelta(days=1)
                idle = _idle(idle)
        uncovered = tuple(sorted(year for year in consulted if not self.covers(year)))
        return Deadline(due_on=day, uncovered_years=uncovered, working_days=working_days)


def _idle(run):
    if run + 1 > _MAX_NON_WORKING_RUN:
        raise ValueError("no working day for over a year: check the holiday overrides")
    return run + 1


def _require_date(day):
    # A datetime would be compared against date keys and silently miss every override, and which
    # day an instant falls on depends on the time zone: callers convert with `local_day` first.
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"expected a date, got {type(day).__name__}; use local_day() for datetimes")


def local_day(moment: datetime, tz: str = DEFAULT_TZ) -> date:
    """The local calendar day on which an aware `moment` falls (the day of receipt, say)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the day depends on the time zone")
    return moment.astimezone(ZoneInfo(tz)).date()


def due_at(deadline: Deadline, tz: str = DEFAULT_TZ) -> datetime:
    """The last instant of the due day in `tz`, as an aware UTC datetime."""
    local = datetime.combine(deadline.due_on, time.max, tzinfo=ZoneInfo(tz))
    return local.astimezone(UTC)


def urgency(due_at: datetime, now: datetime, soon_days: int = 3) -> Urgency:
    """OVERDUE once `due_at` has passed; DUE_SOON within `soon_days` calendar days; else ON_TIME."""
    if due_at.tzinfo is None or now.tzinfo is None:
        raise ValueError("urgency needs aware datetimes")
    if now > due_at:
        return Urgency.OVERDUE
    if due_at - now <= timedelta(days=soon_days):
        return Urgency.DUE_SOON
    return Urgency.ON_TIME
