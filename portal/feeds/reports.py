"""/feeds/reports.atom: report outcomes as the public supervision list shows them, newest first.

A report enters the feed once its public page shows a closing result (办结) or a summary the unit
published for the public. Only what that page shows goes in: category, area, unit, status, the
closing results, the summary and the public point (GeoRSS, rounded to about 500 m); never the description,
the place, the reported point, the files or who reported. `?area=<number>&category=<code>` narrow it (the
feed the report subscription page links); a value that names nothing is a 400 saying so.
"""

from flask import request
from flask_babel import gettext as _

from portal.feeds import atom, bp
from portal.models import EventKind
from portal.services import access, handling, supervision
from portal.templating import category_name
from portal.urls import absolute_url

FEED_LENGTH = 50


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
    title = _(
        "Report %(ref)s: %(category)s, %(area)s",
        ref=report.reference,
        category=category_name(report.category),
        area=report.area.label,
    )
    return atom.Entry(
        id=page,
        title=title,
        url=page,
        updated=latest,
        published=first,
        author=report.unit.label,
        summary=_summary(report),
        categories=((report.category.code, category_name(report.category)),),
        point=access.public_point(report),
    )


@bp.get("/reports.atom")
def reports_atom():
    """The latest report outcomes made public (closing results and published summaries), of an area or category."""
    given = {name: request.args.get(name, "").strip() for name in ("area", "category")}
    filters = supervision.outcome_filters(**given)
    given = {name: value for name, value in given.items() if value}
    self_url = absolute_url("feeds.reports_atom", **given)
    body = atom.document(
        self_url,
        _("Report outcomes"),
        self_url,
        absolute_url("public.reports_index", **given),
        [entry(*row) for row in supervision.published_outcomes(FEED_LENGTH, filters)],
    )
    return atom.response(body)
