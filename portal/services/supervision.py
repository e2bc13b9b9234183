"""Public supervision: what anyone may see of every report, and nothing more."""
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from portal import numbers
from portal.errors import NotFound
from portal.extensions import db
from portal.models import Area, Category, Report, ReportStatus, Unit
from portal.pagination import Page
from portal.services.categories import list_categories
from portal.services.units import list_areas

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
    handling = sa.select(Report.unit_id).distinct()
    return {
        "categories": list_categories(),
        "areas": list_areas(),
        "units": db.session.scalars(
            sa.select(Unit).where(Unit.id.in_(handling)).options(selectinload(Unit.aliases)).order_by(Unit.id)).all(),
        "statuses": list(ReportStatus),
    }


def list_reports(filters, page=1, per_page=20):
    """Reports, newest first, with what is public about them."""
    query = sa.select(Report)
    if filters.category:
        query = query.join(Category, Report.category_id == Category.id).where(Category.code == filters.category)
    if filters.area is not None:
        query = query.join(Area, Report.area_id == Area.id).where(Area.number == filters.area)
    if filters.unit:
        query = query.where(Report.unit_id == filters.unit)
    if filters.status:
        query = query.where(Report.status == filters.status)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    page = max(page or 1, 1)
    items = db.session.scalars(
        query.order_by(Report.submitted_at.desc(), Report.id.desc())
        .options(joinedload(Report.category), joinedload(Report.area), joinedload(Report.unit),
                 selectinload(Report.events))
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(items, total, page, per_page)


def get_public(reference):
    """One report for the public page, or NotFound."""
    report = db.session.scalar(sa.select(Report).where(Report.reference == reference))
    if report is None:
        raise NotFound(_("No report has the reference %(ref)s.", ref=reference))
    return report
