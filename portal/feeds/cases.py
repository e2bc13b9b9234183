"""/feeds/cases.atom: case outcomes as the public supervision page shows them, newest first.

A report enters the feed once its public page shows a closing result (办结) or a summary the unit
published for the public. Only what that page shows goes in: category, area, unit, status, the
closing results and the summary; never the description, the place, the files or who reported.
"""
import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.feeds import atom, bp
from portal.models import EventKind, Report, ReportEvent
from portal.services import handling
from portal.templating import category_name
from portal.urls import absolute_url

FEED_LENGTH = 50
# The events after which the public page shows an outcome.
OUTCOME_EVENTS = (EventKind.CLOSED, EventKind.SUMMARY_PUBLISHED)


def published_outcomes(limit=FEED_LENGTH):
    """(report, first outcome at, latest outcome at) for reports with a public outcome, latest first."""
    moments = (
        sa.select(ReportEvent.report_id, sa.func.min(ReportEvent.created_at).label("first"),
                  sa.func.max(ReportEvent.created_at).label("latest"))
        .where(ReportEvent.kind.in_(OUTCOME_EVENTS))
        .group_by(ReportEvent.report_id)
        .subquery()
    )
    query = (
        sa.select(Report, moments.c.first, moments.c.latest)
        .join(moments, moments.c.report_id == Report.id)
        .order_by(moments.c.latest.desc(), Report.id.desc())
        .limit(limit)
        .options(selectinload(Report.category), selectinload(Report.area), selectinload(Report.unit),
                 selectinload(Report.events))
    )
    return db.session.execute(query).all()


def _summary(report):
    lines = [
        f"{_('Category')}: {category_name(report.category)}",
        f"{_('Area')}: {report.area.label}",
        f"{_('Handling unit')}: {report.unit.label}",
        f"{_('Status')}: {handling.status_label(report.status)}",
    ]
    for event in report.events:
        if event.kind is EventKind.CLOSED:
            lines.append(f"{_('Closing result')}: {event.body}")
    if report.public_summary:
        lines.append(f"{_('Summary published by the unit')}: {report.public_summary}")
    return "\n".join(lines)


def entry(report, first, latest):
    """The feed entry of one report's public outcome."""
    page = absolute_url("public.reports_show", reference=report.reference)
    title = _("Report %(ref)s: %(category)s, %(area)s", ref=report.reference, category=category_name(report.category),
              area=report.area.label)
    return atom.Entry(id=page, title=title, url=page, updated=latest, published=first, author=report.unit.label,
                      summary=_summary(report), categories=((report.category.code, category_name(report.category)),))


@bp.get("/cases.atom")
def cases_atom():
    """The latest case outcomes made public (closing results and published summaries)."""
    self_url = absolute_url("feeds.cases_atom")
    body = atom.document(self_url, _("Case outcomes"), self_url, absolute_url("public.reports_index"),
                         [entry(*row) for row in published_outcomes()])
    return atom.response(body)
