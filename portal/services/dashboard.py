"""The accountability dashboard: the goals against their targets, each unit's handling record, and what has
happened under each measure. Everything here is read from public data only: published disclosures,
published consultations and comments, and the handling facts of reports (never who reported)."""

import enum
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from portal.errors import ValidationFailed
from portal.extensions import db
from portal.models import (
    Category,
    Comment,
    CommentState,
    Comparison,
    Consultation,
    Disclosure,
    Goal,
    Observation,
    Report,
    ReportSource,
    ReportStatus,
    Task,
    Unit,
)
from portal.models.consultations import consultation_tasks
from portal.models.disclosures import disclosure_tasks
from portal.models.types import utcnow
from portal.services import access, handling, policy

ONE_DECIMAL = Decimal("0.1")
_DAY = Decimal(86_400_000_000)  # microseconds


def number_text(value):
    """A Decimal as people write it: 120, 0.58, 72.5 (no trailing zeros, no exponent)."""
    if value is None:
        return ""
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "") else text


def _one_decimal(value):
    return Decimal(value).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _percent(part, whole):
    return _one_decimal(Decimal(part) * 100 / Decimal(whole)) if whole else None


# --- goals ---------------------------------------------------------------------------------------


class GoalStatus(enum.Enum):
    """Whether a goal's published value for its target year meets the target (never a later year's value)."""

    MET = "met"
    NOT_MET = "not_met"
    NO_DATA = "no_data"  # no published observation for the target year
    NO_BASELINE = "no_baseline"  # a reduction target without an observation for its baseline year

    @property
    def label(self):
        """The verdict in the user's language."""
        return {
            "met": _("Target met"),
            "not_met": _("Target not met"),
            "no_data": _("Cannot tell: no value for the target year"),
            "no_baseline": _("Cannot tell: no baseline observation"),
        }[self.value]


@dataclass(frozen=True)
class Point:
    """The value of a goal for one year, as a published disclosure gives it."""

    year: int
    value: Decimal
    source: str
    disclosure_id: int
    disclosure_title: str
    published_on: date | None

    @property
    def display(self):
        """The value as written for people."""
        return number_text(self.value)


@dataclass(frozen=True)
class Chart:
    """Where to draw a goal's line chart in an SVG viewBox of `width` × `height`."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    points: list  # (x, y, Point)
    target_y: float | None
    y_ticks: list  # (y, label)
    x_ticks: list  # (x, year): every year, or every n-th (the last always) when they would collide
    # Where the target year stands on the x axis, when it lies within the years drawn.
    target_x: float | None = None

    @property
    def polyline(self):
        """The `points` attribute of the line through the values."""
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _point in self.points)


@dataclass(frozen=True)
class Progress:
    """A goal of measure (三) with its published values, one per year, and the verdict on its target year."""

    goal: Goal
    points: list
    # The value of the target year, which alone decides the verdict (None when none is published).
    judged: Point | None
    latest: Point | None
    baseline: Point | None
    status: GoalStatus
    # For a reduction target: the reduction reached by the target year, in per cent of the baseline value.
    reduction: Decimal | None
    # The value at which the target is just met (for a reduction: baseline × (1 − target %)).
    target_value: Decimal | None
    chart: Chart | None

    @property
    def target_text(self):
        """The target line's value as written for people."""
        return number_text(self.target_value)

    @property
    def later(self):
        """The latest value when it is of another year than the target's: shown for information, never judged."""
        return self.latest if self.latest is not None and self.latest != self.judged else None


def published_observations():
    """Every observation of a published disclosure (drafts and withdrawn ones never count), oldest year first."""
    query = (
        sa.select(Observation, Disclosure)
        .join(Disclosure, Observation.disclosure_id == Disclosure.id)
        .where(access.PUBLISHED_DISCLOSURES.where())
        .order_by(Observation.goal_id, Observation.year, Disclosure.id, Observation.id)
    )
    return db.session.execute(query).all()


def _newness(disclosure):
    """Sort key: when two published disclosures give a value for the same year, the newer one counts."""
    return (
        disclosure.published_on or date.min,
        disclosure.first_published_at or datetime.min.replace(tzinfo=UTC),
        disclosure.id,
    )


def _points(rows):
    """One Point per year (the newest disclosure's value), oldest year first."""
    chosen = {}
    for observation, disclosure in rows:
        current = chosen.get(observation.year)
        if current is None or _newness(disclosure) > _newness(current[1]):
            chosen[observation.year] = (observation, disclosure)
    return [
        Point(o.year, o.value, o.source, d.id, d.title, d.published_on)
        for o, d in (chosen[year] for year in sorted(chosen))
    ]


def judge(goal, judged, baseline):
    """(status, reduction in %, the value that just meets the target) for `judged`, the target year's value."""
    target = goal.target_value
    if goal.comparison is Comparison.REDUCTION_BY:
        if baseline is None or baseline.value == 0:
            return (GoalStatus.NO_DATA if judged is None else GoalStatus.NO_BASELINE), None, None
        threshold = baseline.value * (100 - target) / 100
        if judged is None:
            return GoalStatus.NO_DATA, None, threshold
        reduction = _one_decimal((baseline.value - judged.value) * 100 / baseline.value)
        met = (baseline.value - judged.value) * 100 >= target * baseline.value
        return (GoalStatus.MET if met else GoalStatus.NOT_MET), reduction, threshold
    if judged is None:
        return GoalStatus.NO_DATA, None, target
    met = {
        Comparison.AT_MOST: judged.value <= target,
        Comparison.AT_LEAST: judged.value >= target,
        Comparison.EQUAL: judged.value == target,
    }[goal.comparison]
    return (GoalStatus.MET if met else GoalStatus.NOT_MET), None, target


def nice_scale(low, high, count=4):
    """Tick values at a round step (1, 2, 2.5 or 5 × 10ⁿ) from at or below `low` to at or above `high`."""
    if high == low:
        pad = abs(high) / 10 or 1
        low, high = (low - pad, high + pad) if low else (0, pad)
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if raw <= m * magnitude * (1 + 1e-9))
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    return [round(n * step, 10) for n in range(first, last + 1)]


# Room a year's label needs on the x axis ("2020" at 12 px, with a gap), in viewBox units.
YEAR_LABEL_WIDTH = 40


def chart(points, target_value, target_year=None, width=480, height=240):
    """Geometry of a line chart of `points` with the target as a dashed line and the target year marked
    (None without points)."""
    if not points:
        return None
    # Room on the left for tick labels, on the right for the target's label, above for the unit.
    left, right, top, bottom, inset = 64, width - 88, 28, height - 40, 20
    values = [float(p.value) for p in points] + (
        [float(target_value)] if target_value is not None else []
    )
    low, high = min(values), max(values)
    pad = (high - low) * 0.05
    ticks = nice_scale(low - pad if low - pad >= 0 or low < 0 else 0.0, high + pad)
    low, high = ticks[0], ticks[-1]
    years = [p.year for p in points]
    first, last = min(years), max(years)

    def x_of(year):
        if first == last:
            return (left + right) / 2
        return left + inset + (right - left - 2 * inset) * (year - first) / (last - first)

    def y_of(value):
        return bottom - (bottom - top) * (float(value) - low) / (high - low)

    every = math.ceil(len(points) * YEAR_LABEL_WIDTH / (right - left))
    labelled = [p.year for n, p in enumerate(reversed(points)) if n % every == 0]
    return Chart(
        width,
        height,
        left,
        right,
        top,
        bottom,
        [(x_of(p.year), y_of(p.value), p) for p in points],
        y_of(target_value) if target_value is not None else None,
        [(y_of(t), number_text(Decimal(repr(t)))) for t in ticks],
        [(x_of(year), year) for year in reversed(labelled)],
        x_of(target_year) if target_year is not None and first <= target_year <= last else None,
    )


def goals():
    """Each goal of measure (三), in order, with its published values and the verdict on its target year."""
    by_goal = defaultdict(list)
    for observation, disclosure in published_observations():
        by_goal[observation.goal_id].append((observation, disclosure))
    result = []
    for goal in policy.list_goals():
        points = _points(by_goal[goal.id])
        by_year = {p.year: p for p in points}
        judged, baseline = by_year.get(goal.target_year), by_year.get(goal.baseline_year)
        status, reduction, target_value = judge(goal, judged, baseline)
        result.append(
            Progress(
                goal,
                points,
                judged,
                points[-1] if points else None,
                baseline,
                status,
                reduction,
                target_value,
                chart(points, target_value, goal.target_year),
            )
        )
    return result


def tally(goals):
    """{GoalStatus: how many of `goals` have it}, every status present, in the enum's order."""
    counts = dict.fromkeys(GoalStatus, 0)
    for goal in goals:
        counts[goal.status] += 1
    return counts


# The headings of /dashboard/goals.csv, a public contract: the goal's column keeps its first name, "indicator".
OBSERVATION_COLUMNS = (
    "indicator",
    "comparison",
    "target",
    "unit_of_measure",
    "baseline_year",
    "target_year",
    "year",
    "value",
    "source",
    "disclosure_id",
    "disclosure_title",
    "disclosure_published_on",
)


def observation_rows():
    """Every published observation, superseded ones too, as dicts of OBSERVATION_COLUMNS in goal and year order."""
    goals = policy.list_goals()
    order = {goal.id: n for n, goal in enumerate(goals)}
    by_id = {goal.id: goal for goal in goals}
    rows = []
    for observation, disclosure in published_observations():
        goal = by_id[observation.goal_id]
        values = (
            goal.name,
            goal.comparison.value,
            number_text(goal.target_value),
            goal.unit_of_measure,
            goal.baseline_year,
            goal.target_year,
            observation.year,
            number_text(observation.value),
            observation.source,
            disclosure.id,
            disclosure.title,
            disclosure.published_on.isoformat() if disclosure.published_on else None,
        )
        rows.append(
            (
                order[goal.id],
                observation.year,
                disclosure.id,
                dict(zip(OBSERVATION_COLUMNS, values, strict=True)),
            )
        )
    return [row for *_key, row in sorted(rows, key=lambda r: r[:3])]


# --- units ---------------------------------------------------------------------------------------


@dataclass
class UnitRecord:
    """One unit's handling record: reports, time taken, deadlines kept, consultations and answers."""

    unit_id: int
    name: str
    received: int = 0
    accepted: int = 0
    closed: int = 0
    median_days_to_acceptance: Decimal | None = None
    median_days_to_closure: Decimal | None = None
    closed_within_limit: int = 0
    overdue: int = 0
    consultations: int = 0
    published_comments: int = 0
    decided_comments: int = 0

    @property
    def closed_within_limit_percent(self):
        """Share of closed reports closed by their own closure deadline, in per cent (None without any)."""
        return _percent(self.closed_within_limit, self.closed)

    @property
    def answered_percent(self):
        """Share of published comments that have a decision, in per cent (None without any)."""
        return _percent(self.decided_comments, self.published_comments)


# Column name → how to sort by it (None values always sort last).
UNIT_COLUMNS = {
    "unit": lambda r: r.name,
    "received": lambda r: r.received,
    "accepted": lambda r: r.accepted,
    "closed": lambda r: r.closed,
    "acceptance_days": lambda r: r.median_days_to_acceptance,
    "closure_days": lambda r: r.median_days_to_closure,
    "within_limit": lambda r: r.closed_within_limit_percent,
    "overdue": lambda r: r.overdue,
    "consultations": lambda r: r.consultations,
    "answered": lambda r: r.answered_percent,
}
DEFAULT_SORT = ("received", "desc")


def _count_if(condition):
    return sa.func.sum(sa.case((condition, 1), else_=0))


def _median_days(spans):
    """The median of timedeltas in calendar days, to one decimal (None for no spans)."""
    if not spans:
        return None
    return _one_decimal(
        statistics.median(Decimal(s // timedelta(microseconds=1)) for s in spans) / _DAY
    )


UNIT_CSV_COLUMNS = (
    "unit_id",
    "unit",
    "received",
    "accepted",
    "closed",
    "median_days_to_acceptance",
    "median_days_to_closure",
    "closed_within_limit_percent",
    "overdue",
    "consultations",
    "published_comments",
    "comments_with_decision_percent",
)


def unit_row(record):
    """One UnitRecord as the values of UNIT_CSV_COLUMNS."""
    return [
        record.unit_id,
        record.name,
        record.received,
        record.accepted,
        record.closed,
        record.median_days_to_acceptance,
        record.median_days_to_closure,
        record.closed_within_limit_percent,
        record.overdue,
        record.consultations,
        record.published_comments,
        record.answered_percent,
    ]


def source_counts():
    """(channel, public reports that arrived by it) for every channel, in the enum's order; 0 where none did."""
    counts = dict(
        db.session.execute(
            sa.select(Report.source, sa.func.count(Report.id))
            .where(access.REPORTS.public_condition())
            .group_by(Report.source)
        ).all()
    )
    return [(source, counts.get(source, 0)) for source in ReportSource]


def unit_records(min_reports, now=None):
    """The record of every unit with at least `min_reports` reports, in no particular order."""
    now = now or utcnow()
    counts = db.session.execute(
        sa.select(
            Report.unit_id,
            Unit.name,
            sa.func.count(Report.id),
            _count_if(Report.accepted_at.is_not(None)),
            _count_if(handling.closed_with_result()),
            _count_if(
                sa.and_(handling.closed_with_result(), Report.closed_at <= Report.closure_due_at)
            ),
            # The console's overdue filter: the deadline that runs now has passed.
            _count_if(handling.running_deadline() < now),
        )
        .join(Unit, Report.unit_id == Unit.id)
        .where(access.REPORTS.public_condition())
        .group_by(Report.unit_id, Unit.name)
        .having(sa.func.count(Report.id) >= min_reports)
    ).all()
    records = {}
    for unit_id, name, received, accepted, closed, within_limit, overdue in counts:
        records[unit_id] = UnitRecord(
            unit_id,
            name,
            int(received),
            int(accepted or 0),
            int(closed or 0),
            closed_within_limit=int(within_limit or 0),
            overdue=int(overdue or 0),
        )
    if not records:
        return []
    _add_medians(records)
    _add_consultations(records)
    return list(records.values())


def _add_medians(records):
    """Median days from receipt by the unit to acceptance, and to closure (办结)."""
    rows = db.session.execute(
        sa.select(
            Report.unit_id,
            sa.case((handling.closed_with_result(), True), else_=False),
            Report.received_at,
            Report.accepted_at,
            Report.closed_at,
        ).where(
            access.REPORTS.public_condition(),
            Report.unit_id.in_(list(records)),
            Report.accepted_at.is_not(None),
        )
    ).all()
    to_acceptance, to_closure = defaultdict(list), defaultdict(list)
    for unit_id, closed, received_at, accepted_at, closed_at in rows:
        to_acceptance[unit_id].append(accepted_at - received_at)
        if closed:
            to_closure[unit_id].append(closed_at - received_at)
    for unit_id, record in records.items():
        record.median_days_to_acceptance = _median_days(to_acceptance[unit_id])
        record.median_days_to_closure = _median_days(to_closure[unit_id])


def _add_consultations(records):
    """Consultations the unit has published (in any public state) and how many published comments got a decision."""
    public = access.CONSULTATIONS.public_condition()
    held = db.session.execute(
        sa.select(Consultation.unit_id, sa.func.count(Consultation.id))
        .where(public, Consultation.unit_id.in_(list(records)))
        .group_by(Consultation.unit_id)
    ).all()
    for unit_id, count in held:
        records[unit_id].consultations = int(count)
    answered = db.session.execute(
        sa.select(Consultation.unit_id, sa.func.count(Comment.id), sa.func.count(Comment.decision))
        .join(Consultation, Comment.consultation_id == Consultation.id)
        .where(
            public, Comment.state == CommentState.PUBLISHED, Consultation.unit_id.in_(list(records))
        )
        .group_by(Consultation.unit_id)
    ).all()
    for unit_id, published, decided in answered:
        records[unit_id].published_comments, records[unit_id].decided_comments = (
            int(published),
            int(decided),
        )


def sort_order(sort=None, direction=None):
    """(column, direction) from the query's values; ValidationFailed naming the parameter otherwise."""
    sort = sort or DEFAULT_SORT[0]
    if sort not in UNIT_COLUMNS:
        raise ValidationFailed(
            _("Sort the table by one of its columns: %(names)s.", names=", ".join(UNIT_COLUMNS)),
            field="sort",
        )
    direction = direction or ("asc" if sort == "unit" else "desc")
    if direction not in ("asc", "desc"):
        raise ValidationFailed(_("The sort direction must be asc or desc."), field="dir")
    return sort, direction


def sorted_units(records, sort, direction):
    """`records` sorted by column `sort` in `direction`; units without a value come last either way."""
    key = UNIT_COLUMNS[sort]
    ordered = sorted(records, key=lambda r: r.unit_id)
    present = [r for r in ordered if key(r) is not None]
    missing = [r for r in ordered if key(r) is None]
    return sorted(present, key=key, reverse=direction == "desc") + missing


def units_table(min_reports, sort=None, direction=None, now=None):
    """(records sorted as asked, column, direction): the units with at least `min_reports` reports."""
    sort, direction = sort_order(sort, direction)
    return sorted_units(unit_records(min_reports, now), sort, direction), sort, direction


# --- measures ------------------------------------------------------------------------------------


@dataclass
class MeasureCounts:
    """What has happened under one measure: published disclosures, public consultations, reports."""

    number: int
    title: str
    disclosures: int = 0
    consultations: int = 0
    reports: int = 0


def _disclosures_of(measure_id=None):
    """Published disclosures linked to a task of a measure, as (measure id, disclosure id) pairs' query."""
    query = (
        sa.select(Task.measure_id, Disclosure.id)
        .join(disclosure_tasks, disclosure_tasks.c.task_id == Task.id)
        .join(Disclosure, Disclosure.id == disclosure_tasks.c.disclosure_id)
        .where(access.PUBLISHED_DISCLOSURES.where())
    )
    return query if measure_id is None else query.where(Task.measure_id == measure_id)


def _consultations_of(measure_id=None):
    """Published consultations (any public state) linked to a task of a measure."""
    query = (
        sa.select(Task.measure_id, Consultation.id)
        .join(consultation_tasks, consultation_tasks.c.task_id == Task.id)
        .join(Consultation, Consultation.id == consultation_tasks.c.consultation_id)
        .where(access.CONSULTATIONS.public_condition())
    )
    return query if measure_id is None else query.where(Task.measure_id == measure_id)


def _reports_of(measure_id=None):
    """Reports whose category points at a task of a measure (the link routing follows)."""
    query = (
        sa.select(Task.measure_id, Report.id)
        .join(Category, Category.task_id == Task.id)
        .join(Report, Report.category_id == Category.id)
        .where(access.REPORTS.public_condition())
    )
    return query if measure_id is None else query.where(Task.measure_id == measure_id)


def _per_measure(pairs):
    subquery = pairs.distinct().subquery()
    rows = db.session.execute(
        sa.select(subquery.c[0], sa.func.count()).select_from(subquery).group_by(subquery.c[0])
    ).all()
    return {measure_id: int(count) for measure_id, count in rows}


# "cases" is a public contract name: CSV readers depend on the column heading, so it stays.
MEASURE_CSV_COLUMNS = ("measure", "title", "disclosures", "consultations", "cases")


def measures_table():
    """Every measure in order with its counts of published disclosures, public consultations and reports."""
    disclosures = _per_measure(_disclosures_of())
    consultations = _per_measure(_consultations_of())
    reports = _per_measure(_reports_of())
    return [
        MeasureCounts(
            m.number,
            m.title,
            disclosures.get(m.id, 0),
            consultations.get(m.id, 0),
            reports.get(m.id, 0),
        )
        for m in policy.list_measures()
    ]


@dataclass
class MeasureRecord:
    """The measure page's record: the newest linked disclosures and consultations, and reports by status."""

    disclosures: list
    disclosure_total: int
    consultations: list
    consultation_total: int
    reports: dict = field(default_factory=dict)  # ReportStatus → count, in the statuses' order

    @property
    def report_total(self):
        """All reports under the measure."""
        return sum(self.reports.values())

    @property
    def reports_by_value(self):
        """The counts keyed by the statuses' values, for templates."""
        return {status.value: count for status, count in self.reports.items()}


def measure_record(measure, limit=10):
    """What has happened under `measure`: up to `limit` newest disclosures and consultations, reports by status."""
    disclosure_ids = _disclosures_of(measure.id).with_only_columns(Disclosure.id).distinct()
    disclosures = db.session.scalars(
        sa.select(Disclosure)
        .where(Disclosure.id.in_(disclosure_ids))
        .options(joinedload(Disclosure.unit).selectinload(Unit.aliases))
        .order_by(
            Disclosure.published_on.desc().nulls_last(),
            Disclosure.first_published_at.desc().nulls_last(),
            Disclosure.id.desc(),
        )
        .limit(limit)
    ).all()
    consultation_ids = _consultations_of(measure.id).with_only_columns(Consultation.id).distinct()
    consultations = db.session.scalars(
        sa.select(Consultation)
        .where(Consultation.id.in_(consultation_ids))
        .options(joinedload(Consultation.unit).selectinload(Unit.aliases))
        .order_by(Consultation.published_at.desc(), Consultation.id.desc())
        .limit(limit)
    ).all()
    count = lambda ids: db.session.scalar(sa.select(sa.func.count()).select_from(ids.subquery()))  # noqa: E731
    report_ids = _reports_of(measure.id).with_only_columns(Report.id)
    by_status = dict(
        db.session.execute(
            sa.select(Report.status, sa.func.count(Report.id))
            .where(Report.id.in_(report_ids))
            .group_by(Report.status)
        ).all()
    )
    return MeasureRecord(
        disclosures,
        count(disclosure_ids),
        consultations,
        count(consultation_ids),
        {status: int(by_status.get(status, 0)) for status in ReportStatus},
    )
