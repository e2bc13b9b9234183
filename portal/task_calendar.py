"""The reporting calendar of task reports (落实情况): which periods a lead unit must report on, and when each
report is due. Plain functions of the settings, no database, so that `portal.config` checks them at start.

A period is a year ("2026", the annual report, 年报) or a half-year ("2026-H1", "2026-H2"). Which ones are
*required* is `TASK_REPORT_PERIODS`:

- ``annual`` (the default): one annual report a year. A half-year report is an optional interim report,
  shown on the task page and never counted late or missing.
- ``annual,H1``: also the mid-year report on the first half (半年报), as Chinese units commonly file one
  after June and the annual report after December. The annual report covers the second half, so "H2"
  is never required (a unit may still publish one as an interim report).

A period's report is due on day DD of the MM-th month after the period ends (`TASK_REPORT_DUE`, "MM-DD";
"01-31": 2026 by 31 January 2027, 2026-H1 by 31 July 2026; a DD past the month's end is its last day).
The required periods, in order (2025-H1, 2025, 2026-H1, …), have increasing due dates.
"""

import calendar
import re
from datetime import date

PERIOD = re.compile(r"^(\d{4})(?:-H([12]))?$")
DEFAULT_DUE = "01-31"
DEFAULT_PERIODS = "annual"
ANNUAL, FIRST_HALF = "annual", "H1"
# The calendars offered, by their spelling in the setting.
CALENDARS = {"annual": (ANNUAL,), "annual,H1": (FIRST_HALF, ANNUAL)}


def split(period):
    """(year, half or None) of a stored period: "2026-H1" → (2026, 1), "2026" → (2026, None)."""
    match = PERIOD.match(period)
    return int(match.group(1)), int(match.group(2)) if match.group(2) else None


def parse_due(value):
    """(months after the period's end, day) from `TASK_REPORT_DUE` ("MM-DD"); ValueError on anything else."""
    match = re.match(r"^(\d{2})-(\d{2})$", str(value or DEFAULT_DUE))
    if match is None or not 1 <= int(match.group(1)) <= 12 or not 1 <= int(match.group(2)) <= 31:
        raise ValueError(f"TASK_REPORT_DUE must be MM-DD, such as 01-31, not {value!r}")
    return int(match.group(1)), int(match.group(2))


def parse_periods(value):
    """The required kinds of report, in their order within a year, from `TASK_REPORT_PERIODS`; ValueError otherwise."""
    text = ",".join(part.strip() for part in str(value or DEFAULT_PERIODS).split(","))
    spelled = {key.lower(): kinds for key, kinds in CALENDARS.items()}
    kinds = spelled.get(text.lower())
    if kinds is None:
        raise ValueError(
            f"TASK_REPORT_PERIODS must be 'annual' (one annual report a year) or 'annual,H1' (also a "
            f"report on the first half-year; the annual report covers the second), not {value!r}"
        )
    return kinds


def end_of(period):
    """The last day of `period`."""
    year, half = split(period)
    return date(year, 6, 30) if half == 1 else date(year, 12, 31)


def due_date(period, due=DEFAULT_DUE):
    """The day `period`'s report is due: day DD of the MM-th month after the period ends (DD past the month's end: its last day)."""
    months, day = parse_due(due)
    last = end_of(period)
    due_year, due_month = divmod(last.year * 12 + (last.month - 1) + months, 12)
    due_month += 1
    return date(due_year, due_month, min(day, calendar.monthrange(due_year, due_month)[1]))


def is_required(period, kinds=(ANNUAL,)):
    """True when `period` is one the calendar `kinds` asks for (else it is an optional interim report)."""
    _year, half = split(period)
    return (ANNUAL if half is None else f"H{half}") in kinds


def _periods_from(first, kinds):
    year = first
    while True:
        for kind in kinds:
            yield str(year) if kind == ANNUAL else f"{year}-{kind}"
        year += 1


def matrix_periods(kinds, due, first, today):
    """The required periods from year `first` to the one due next on `today` (included), oldest first."""
    periods = []
    for period in _periods_from(first, kinds):
        periods.append(period)
        if due_date(period, due) >= today:
            return periods


def last_due_period(kinds, due, first, today):
    """The latest required period whose due date passed before `today`, whatever its kind, or None."""
    last = None
    for period in _periods_from(first, kinds):
        if due_date(period, due) >= today:
            return last
        last = period


def reminder_period(kinds, due, first, today, days):
    """The required period to remind of on `today`: the last one that has ended, once its due date is at most `days` away (or past); else None."""
    ended = None
    for period in _periods_from(first, kinds):
        if end_of(period) >= today:
            break
        ended = period
    if ended is None or today < date.fromordinal(due_date(ended, due).toordinal() - days):
        return None
    return ended
