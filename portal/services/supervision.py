"""Public supervision: what anyone may see of every report, and nothing more."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from portal import numbers, pagination
from portal.extensions import db
from portal.models import Area, Category, EventKind, Report, ReportEvent, ReportStatus, Unit
from portal.numbers import is_whole
from portal.services import access
from portal.services.categories import find_category, list_categories
from portal.services.handling import running_deadline
from portal.services.units import list_areas

# The events after which the public page shows an outcome (a closing result, a summary for the public).
OUTCOME_EVENTS = (EventKind.CLOSED, EventKind.SUMMARY_PUBLISHED)
# The most reports one map shows (the newest matching the filters); the list pages through them all.
MAP_LIMIT = 500
# What the public lists and feeds show of a report, loaded with it rather than one relation at a time.
_PUBLIC_LIST = (
    selectinload(Report.category),
    selectinload(Report.area),
    selectinload(Report.unit).selectinload(Unit.aliases),  # the feed writes each unit's label
    selectinload(Report.events),
)


@dataclass
class SupervisionFilters:
    """Filters of the public list; None means any."""

    category: str | None = None
    area: int | None = None
    unit: int | None = None
    status: ReportStatus | None = None


def filters_from(args):
    """Read filters from query arguments: an unknown status is ignored, a bad area or unit is a 400 naming it."""
    status = args.get("status")
    return SupervisionFilters(
        category=args.get("category") or None,
        area=numbers.whole_number("area", args.get("area"), 0, numbers.LARGEST, None),
        unit=numbers.whole_number("unit", args.get("unit"), 1, numbers.LARGEST, None),
        status=ReportStatus(status) if status in {s.value for s in ReportStatus} else None,
    )


def filter_options():
    """The choices offered by the filter form."""
    handling = sa.select(Report.unit_id).where(access.REPORTS.public_condition()).distinct()
    return {
        "categories": list_categories(),
        "areas": list_areas(),
        "units": db.session.scalars(
            sa.select(Unit)
            .where(Unit.id.in_(handling))
            .options(selectinload(Unit.aliases))
            .order_by(Unit.id)
        ).all(),
        "statuses": list(ReportStatus),
    }


def _filtered(query, filters):
    if filters.category:
        query = query.join(Category, Report.category_id == Category.id).where(
            Category.code == filters.category
        )
    if filters.area is not None:
        query = query.join(Area, Report.area_id == Area.id).where(Area.number == filters.area)
    if filters.unit:
        query = query.where(Report.unit_id == filters.unit)
    if filters.status:
        query = query.where(Report.status == filters.status)
    return query


def list_reports(filters, page=1, per_page=20):
    """Reports, newest first, with what is public about them."""
    return pagination.fetch(
        db.session,
        _filtered(access.REPORTS.public_query(), filters),
        page,
        per_page,
        order_by=(Report.submitted_at.desc(), Report.id.desc()),
        options=(
            joinedload(Report.category),
            joinedload(Report.area),
            joinedload(Report.unit),
            selectinload(Report.events),
        ),
    )


@dataclass(frozen=True)
class MapPoint:
    """A report on the public map: its public point (the policy's, never the reported one) and what it is."""

    reference: str
    latitude: float
    longitude: float
    category: object
    status: ReportStatus


def map_points(filters, limit=MAP_LIMIT):
    """The newest `limit` reports matching `filters` that have a public point, as MapPoints."""
    query = (
        _filtered(sa.select(Report).where(access.REPORT_POINTS.where()), filters)
        .order_by(Report.submitted_at.desc(), Report.id.desc())
        .limit(limit)
        .options(joinedload(Report.category))
    )
    points = []
    for report in db.session.scalars(query):
        point = access.public_point(report)
        if point is not None:
            points.append(MapPoint(report.reference, *point, report.category, report.status))
    return points


def get_public(reference):
    """One report for the public page, or NotFound."""
    # With its merge, if any (the page says where a merged duplicate went).
    return access.REPORTS.get_public(reference, (joinedload(Report.merge),))


def _area_known(number):
    return db.session.scalar(sa.select(Area.id).where(Area.number == number)) is not None


def outcome_filters(area="", category=""):
    """SupervisionFilters of the outcomes feed from its query values (area number, category code); a value that
    names no area or category is refused, naming the parameter and the value."""
    area, category = (area or "").strip(), (category or "").strip()
    if area and not (is_whole(area) and _area_known(int(area))):
        raise numbers.refused("area", area)
    if category and find_category(category) is None:
        raise numbers.refused("category", category)
    return SupervisionFilters(category=category or None, area=int(area) if area else None)


def published_outcomes(limit, filters=None):
    """(report, first outcome at, latest outcome at) for reports with a public outcome (matching `filters`),
    latest first."""
    moments = (
        sa.select(
            ReportEvent.report_id,
            sa.func.min(ReportEvent.created_at).label("first"),
            sa.func.max(ReportEvent.created_at).label("latest"),
        )
        .where(ReportEvent.kind.in_(OUTCOME_EVENTS))
        .group_by(ReportEvent.report_id)
        .subquery()
    )
    query = (
        sa.select(Report, moments.c.first, moments.c.latest)
        .join(moments, moments.c.report_id == Report.id)
        .where(access.REPORTS.public_condition())
    )
    query = _filtered(query, filters or SupervisionFilters())
    query = query.order_by(moments.c.latest.desc(), Report.id.desc()).limit(limit)
    return db.session.execute(query.options(*_PUBLIC_LIST)).all()


def _with_deadline():
    return (
        sa.select(Report, running_deadline())
        .where(access.REPORTS.public_condition())
        .options(*_PUBLIC_LIST)
    )


def reports_with_deadlines(
    references=(), service_codes=(), statuses=(), start=None, end=None, limit=1000
):
    """(report, running deadline) pairs, newest first: those of `references` when given, else those matching the
    category codes, statuses and submission moments (from `start` to `end`, both included)."""
    query = _with_deadline()
    if references:
        query = query.where(Report.reference.in_(references))
    else:
        if service_codes:
            query = query.join(Category, Report.category_id == Category.id).where(
                Category.code.in_(service_codes)
            )
        if statuses:
            query = query.where(Report.status.in_(statuses))
        if start:
            query = query.where(Report.submitted_at >= start)
        if end:
            query = query.where(Report.submitted_at <= end)
    query = query.order_by(Report.submitted_at.desc(), Report.id.desc()).limit(limit)
    return [tuple(row) for row in db.session.execute(query)]


def report_with_deadline(reference):
    """(report, running deadline) of the report `reference`, or None."""
    row = db.session.execute(_with_deadline().where(Report.reference == reference)).first()
    return tuple(row) if row is not None else None
