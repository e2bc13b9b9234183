"""Report statistics by area and by unit, month by month: what /dashboard/areas and the units' trends show.

The database counts: one grouped statement over the public reports' handling facts (never who reported) gives
the counts by key (area or unit), category and local calendar month, and one narrow select the durations of
closed reports for the medians. Month bucketing differs between PostgreSQL (time zones) and SQLite (a fixed
offset): `_month`. Counting in the database was measured 3–4 times faster than bucketing a narrow select in
Python (README, "Accountability dashboard"). Cells that could point at a reporter are suppressed by one
rule, `protect`.
"""

import math
import statistics as stats
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.errors import NotFound
from portal.extensions import db
from portal.models import Area, Category, Report
from portal.models.types import utcnow
from portal.services import access, handling
from portal.services.dashboard import _one_decimal, _percent, nice_scale

MONTHS = 24
# A category's count of 1 or 2 reports within one area or unit is never published: with what else is known
# about a place, so few cases could point at the person who reported. Three or more, and zero, are shown.
SMALLEST_SHOWN = 3
# Ratings are averaged only over at least this many, for the same reason.
SMALLEST_RATINGS = 3


# --- the suppression rule -------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """A count as published: its number, or hidden (`hidden` says why: "small" or "complement")."""

    count: int
    hidden: str = ""

    @property
    def text(self):
        """What a page or a CSV shows: the number, "<3" for a small count, "—" for one hidden to protect it."""
        if self.hidden == "small":
            return f"<{SMALLEST_SHOWN}"
        return "—" if self.hidden else str(self.count)

    @property
    def value(self):
        """The number, or None when it is hidden (for charts)."""
        return None if self.hidden else self.count


def protect(counts):
    """{key: Cell} for a breakdown by category of one total that is published.

    The rule: a count of 1 or 2 is hidden ("<3"). When exactly one count in the breakdown is hidden, the
    published total would give it away (total minus the others), so the smallest other non-zero count is
    hidden too ("—"). Zero is shown: no report, nobody to identify. Totals of an area or a unit, and counts
    by month over all categories, are not breakdowns by category and are always shown.
    """
    cells = {
        key: Cell(count, "small" if 0 < count < SMALLEST_SHOWN else "")
        for key, count in counts.items()
    }
    if sum(1 for cell in cells.values() if cell.hidden) == 1:
        # The smallest, the first in the breakdown's order among equals.
        shown = [key for key, cell in cells.items() if not cell.hidden and cell.count]
        if shown:
            key = min(shown, key=lambda k: cells[k].count)
            cells[key] = Cell(cells[key].count, "complement")
    return cells


def rating_text(mean, count):
    """The residents' mean rating as published: shown only over at least SMALLEST_RATINGS ratings."""
    return None if count < SMALLEST_RATINGS else mean


# --- months ---------------------------------------------------------------------------------------


def month_of(moment, tz):
    """The first day of the local calendar month in `tz` on which the aware `moment` falls."""
    return moment.astimezone(ZoneInfo(tz)).date().replace(day=1)


def last_months(now, tz, count=MONTHS):
    """The `count` calendar months up to and including the one of `now` in `tz`, oldest first."""
    month = month_of(now, tz)
    months = [month]
    while len(months) < count:
        month = (month - timedelta(days=1)).replace(day=1)
        months.append(month)
    return months[::-1]


# --- figures --------------------------------------------------------------------------------------


@dataclass
class Month:
    """One calendar month of an area or a unit: reports submitted, accepted, closed (in time) and rated."""

    month: date
    received: int = 0
    accepted: int = 0
    closed: int = 0
    closed_within_limit: int = 0
    ratings: int = 0
    rating_sum: int = 0

    @property
    def label(self):
        """The month as ISO writes it: 2026-05."""
        return self.month.strftime("%Y-%m")

    @property
    def mean_rating(self):
        """The mean rating of the reports closed this month, when enough were rated (else None)."""
        mean = _one_decimal(Decimal(self.rating_sum) / self.ratings) if self.ratings else None
        return rating_text(mean, self.ratings)


@dataclass
class Record:
    """The statistics of one area (or unit, or all areas): totals, by category, and month by month."""

    key: int | None  # the area's number, the unit's id, None for all areas together
    name: str
    received: int = 0
    accepted: int = 0
    closed: int = 0
    closed_within_limit: int = 0
    ratings: int = 0
    rating_sum: int = 0
    median_days_to_closure: Decimal | None = None
    by_category: dict = field(default_factory=dict)  # Category → Cell, in the categories' order
    months: list = field(default_factory=list)  # Month, oldest first
    chart: "MonthChart | None" = None

    @property
    def closed_within_limit_percent(self):
        """Share of closed reports closed by their own closure deadline, in per cent (None without any)."""
        return _percent(self.closed_within_limit, self.closed)

    @property
    def mean_rating(self):
        """The residents' mean rating (1–5), when at least SMALLEST_RATINGS reports were rated (else None)."""
        mean = _one_decimal(Decimal(self.rating_sum) / self.ratings) if self.ratings else None
        return rating_text(mean, self.ratings)

    @property
    def months_received(self):
        """Reports received in the months shown."""
        return sum(m.received for m in self.months)

    @property
    def hides_cells(self):
        """True when a count by category is hidden by the suppression rule."""
        return any(cell.hidden for cell in self.by_category.values())


def _month(column, dialect, tz, now):
    """The local calendar month of a UTC column in `tz`, as "2026-05", computed by the database."""
    if dialect == "postgresql":
        return sa.func.to_char(sa.func.timezone(tz, column), "YYYY-MM")
    # SQLite stores naive UTC and knows no time zones: the zone's offset now is added, which is exact for a zone
    # without daylight saving time (Asia/Shanghai, Asia/Urumqi).
    offset = int(ZoneInfo(tz).utcoffset(now.replace(tzinfo=None)).total_seconds())
    return sa.func.strftime("%Y-%m", column, f"{offset:+d} seconds")


def _seconds(start, end, dialect):
    """Seconds from `start` to `end`, computed by the database."""
    if dialect == "postgresql":
        return sa.extract("epoch", end - start)
    return (sa.func.julianday(end) - sa.func.julianday(start)) * 86400.0


def _counts(key, where, tz, now):
    """One grouped statement over the public reports (`where` narrows them), whose rows are
    (kind, key, category id, month, count, closed in time, ratings, sum of ratings): "received" rows by
    category and month of submission, "accepted" rows by month of acceptance, "closed" rows by month of
    closure. Only handling facts are read, never who reported."""
    dialect = db.session.get_bind().dialect.name
    closed = handling.closed_with_result()
    facts = (
        sa.select(
            key.label("key"),
            Report.category_id.label("category"),
            _month(Report.submitted_at, dialect, tz, now).label("submitted"),
            _month(Report.accepted_at, dialect, tz, now).label("accepted"),
            _month(Report.closed_at, dialect, tz, now).label("closed"),
            sa.case((closed, 1), else_=0).label("is_closed"),
            sa.case((Report.closed_at <= Report.closure_due_at, 1), else_=0).label("in_time"),
            Report.rating.label("rating"),
        )
        .where(access.REPORTS.public_condition(), *where)
        .cte("facts")
    )
    zero, none = sa.literal_column("0"), sa.cast(sa.null(), sa.Integer)
    received = sa.select(
        sa.literal_column("'received'"),
        facts.c.key,
        facts.c.category,
        facts.c.submitted,
        sa.func.count(),
        zero,
        zero,
        zero,
    ).group_by(facts.c.key, facts.c.category, facts.c.submitted)
    accepted = (
        sa.select(
            sa.literal_column("'accepted'"),
            facts.c.key,
            none,
            facts.c.accepted,
            sa.func.count(),
            zero,
            zero,
            zero,
        )
        .where(facts.c.accepted.is_not(None))
        .group_by(facts.c.key, facts.c.accepted)
    )
    closed_rows = (
        sa.select(
            sa.literal_column("'closed'"),
            facts.c.key,
            none,
            facts.c.closed,
            sa.func.count(),
            sa.func.sum(facts.c.in_time),
            sa.func.count(facts.c.rating),
            sa.func.coalesce(sa.func.sum(facts.c.rating), 0),
        )
        .where(facts.c.is_closed == 1)
        .group_by(facts.c.key, facts.c.closed)
    )
    return db.session.execute(sa.union_all(received, accepted, closed_rows)).all()


def _spans(key, where):
    """(key, seconds from submission to closure) of every closed public report (for the medians)."""
    dialect = db.session.get_bind().dialect.name
    return db.session.execute(
        sa.select(key, _seconds(Report.submitted_at, Report.closed_at, dialect)).where(
            access.REPORTS.public_condition(),
            handling.closed_with_result(),
            *where,
        )
    ).all()


def _median(seconds):
    """The median of durations in seconds, in days to one decimal (None for none)."""
    if not seconds:
        return None
    return _one_decimal(Decimal(repr(float(stats.median(seconds)))) / 86_400)


def _fill(records, key, where, categories, months, tz, now, total=None, medians=True):
    """Count the public reports into `records` ({key value: Record}) by the column `key`, and every one of
    them into `total` too when given; reports of other keys are skipped. Without `medians`, the median days
    to closure are left out (one statement less)."""
    labels = [m.strftime("%Y-%m") for m in months]
    every = [*records.values(), *([total] if total else [])]
    slots = {
        id(r): {label: Month(m) for label, m in zip(labels, months, strict=True)} for r in every
    }
    by_category = {id(r): Counter() for r in every}
    for kind, value, category, month, count, in_time, ratings, rating_sum in _counts(
        key, where, tz, now
    ):
        record = records.get(value)
        if record is None:
            continue
        for target in (record, total) if total else (record,):
            slot = slots[id(target)].get(month)
            if kind == "received":
                target.received += count
                by_category[id(target)][category] += count
                if slot is not None:
                    slot.received += count
            elif kind == "accepted":
                target.accepted += count
                if slot is not None:
                    slot.accepted += count
            else:
                in_time, ratings, rating_sum = int(in_time or 0), int(ratings), int(rating_sum)
                target.closed += count
                target.closed_within_limit += in_time
                target.ratings += ratings
                target.rating_sum += rating_sum
                if slot is not None:
                    slot.closed += count
                    slot.closed_within_limit += in_time
                    slot.ratings += ratings
                    slot.rating_sum += rating_sum
    spans = defaultdict(list)
    for value, seconds in _spans(key, where) if medians else ():
        if value in records:
            spans[id(records[value])].append(seconds)
            if total:
                spans[id(total)].append(seconds)
    for record in every:
        record.median_days_to_closure = _median(spans[id(record)])
        record.by_category = protect({c: by_category[id(record)][c.id] for c in categories})
        record.months = list(slots[id(record)].values())


def _categories():
    return db.session.scalars(sa.select(Category).order_by(Category.position, Category.id)).all()


def area_records(tz, now=None):
    """(every area in number order with its figures, all areas together, the months shown)."""
    now = now or utcnow()
    months = last_months(now, tz)
    areas = db.session.scalars(sa.select(Area).order_by(Area.number)).all()
    categories = _categories()
    records = {a.id: Record(a.number, a.label) for a in areas}
    total = Record(None, "")
    _fill(records, Report.area_id, (), categories, months, tz, now, total)
    _small_multiples(records.values())
    total.chart = month_chart(total.months)
    return list(records.values()), total, months


def area_record(number, tz, now=None):
    """The figures of the area numbered `number` (0 for the 兵团 level); NotFound for any other number."""
    area = db.session.scalar(sa.select(Area).where(Area.number == number))
    if area is None:
        raise NotFound(
            _(
                "No area has the number %(number)s: the 兵团 level is 0, the divisions 1 to 14.",
                number=number,
            )
        )
    now = now or utcnow()
    records = {area.id: Record(area.number, area.label)}
    _fill(
        records,
        Report.area_id,
        (Report.area_id == area.id,),
        _categories(),
        last_months(now, tz),
        tz,
        now,
    )
    record = records[area.id]
    record.chart = month_chart(record.months)
    return record


def unit_trends(units, tz, now=None):
    """{unit id: Record} of the units `units` ({id: name}), with their months and a small chart."""
    now = now or utcnow()
    records = {unit_id: Record(unit_id, name) for unit_id, name in units.items()}
    if records:
        where = (Report.unit_id.in_(list(records)),)
        _fill(records, Report.unit_id, where, [], last_months(now, tz), tz, now, medians=False)
    _small_multiples(records.values())
    return records


def _small_multiples(records):
    """A small chart of each record's months, all on the scale of the busiest month of any."""
    scale = max((m.received for r in records for m in r.months), default=0)
    for record in records:
        record.chart = month_chart(record.months, 240, 120, small=True, scale=scale)


# --- charts ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthChart:
    """Where to draw monthly counts in an SVG viewBox of `width` × `height`: lines, or (small) columns."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    lines: dict  # name ("received", "closed") → "x,y x,y …" (empty for columns)
    bars: list  # (x, y, width, height) of each month's column of reports received (empty for lines)
    y_ticks: list  # (y, label)
    x_ticks: list  # (x, "2026-05")
    first: str = ""  # the first month drawn, "2025-01"
    last: str = ""  # the last, "2026-12"

    @property
    def small(self):
        """A small multiple: columns of reports received, fewer labels."""
        return bool(self.bars)


def count_ticks(high, count):
    """Whole-number ticks from 0 to at or above `high` at a round step, about `count` intervals."""
    ticks = nice_scale(0, high, count)
    step = ticks[1] - ticks[0]
    if step != int(step):
        step = math.ceil(step)
        ticks = list(range(0, high + step, step))
    return [int(t) for t in ticks]


def month_chart(months, width=400, height=220, small=False, scale=0):
    """Geometry of a chart of reports received and closed per month (small: received, as columns, up to at
    least `scale`, so that small multiples share one scale); None when no month has any."""
    series = {"received": [m.received for m in months]}
    if not small:
        series["closed"] = [m.closed for m in months]
    if max(max(values) for values in series.values()) == 0:
        return None
    high = max(scale, *(max(values) for values in series.values()))
    left, right = (28 if small else 36), width - 8
    top, bottom = 10, height - (20 if small else 38)
    ticks = count_ticks(high, 2 if small else 4)

    def y_of(value):
        return bottom - (bottom - top) * value / ticks[-1]

    if small:
        slot = (right - left) / len(months)
        xs = [left + (n + 0.5) * slot for n in range(len(months))]
        bars = [
            (x - slot * 0.35, y_of(v), slot * 0.7, bottom - y_of(v))
            for x, v in zip(xs, series["received"], strict=True)
            if v
        ]
        lines = {}
    else:
        step = (right - left) / max(len(months) - 1, 1)
        xs = [left + n * step for n in range(len(months))]
        bars = []
        lines = {
            name: " ".join(f"{x:.1f},{y_of(v):.1f}" for x, v in zip(xs, values, strict=True))
            for name, values in series.items()
        }
    labelled = [0, len(months) - 1] if small else range(len(months) - 1, -1, -6)
    return MonthChart(
        width,
        height,
        left,
        right,
        top,
        bottom,
        lines,
        bars,
        [(y_of(t), str(t)) for t in ticks],
        sorted((xs[n], months[n].label) for n in labelled),
        months[0].label,
        months[-1].label,
    )


# --- CSV ------------------------------------------------------------------------------------------

AREA_CSV_COLUMNS = (
    "area_number",
    "area",
    "received",
    "accepted",
    "closed",
    "closed_within_limit",
    "closed_within_limit_percent",
    "median_days_to_closure",
    "ratings",
    "mean_rating",
)


def area_csv(records, total):
    """(header, rows) of /dashboard/areas.csv: each area's totals, then its reports by category (suppressed
    cells as "<3" or "—"), and a last row for all areas together (area_number empty, no counts by category)."""
    categories = list(total.by_category)
    header = [*AREA_CSV_COLUMNS, *(f"received_{c.code}" for c in categories)]
    rows = [
        [
            record.key if record is not total else "",
            record.name if record is not total else "all",
            record.received,
            record.accepted,
            record.closed,
            record.closed_within_limit,
            record.closed_within_limit_percent,
            record.median_days_to_closure,
            record.ratings,
            record.mean_rating,
            # No category totals over all areas: with them, a column with one hidden cell would give it away.
            *(record.by_category[c].text if record is not total else "" for c in categories),
        ]
        for record in [*records, total]
    ]
    return header, rows


MONTH_CSV_COLUMNS = (
    "area_number",
    "area",
    "month",
    "received",
    "accepted",
    "closed",
    "closed_within_limit",
    "ratings",
    "mean_rating",
)


def month_csv(records):
    """Rows of MONTH_CSV_COLUMNS: one per area and month (long format), oldest month first."""
    return [
        [
            record.key,
            record.name,
            m.label,
            m.received,
            m.accepted,
            m.closed,
            m.closed_within_limit,
            m.ratings,
            m.mean_rating,
        ]
        for record in records
        for m in record.months
    ]
