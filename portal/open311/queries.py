"""Finding service requests for GET requests.[fmt]: the spec's filters and defaults."""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from portal.errors import NotFound, ValidationFailed
from portal.models import ReportStatus
from portal.models.types import utcnow
from portal.services import categories, supervision

DEFAULT_DAYS = 90
MAX_RESULTS = 1000
STATUSES = {
    "open": (ReportStatus.RECEIVED, ReportStatus.ACCEPTED),
    "closed": (ReportStatus.NOT_ACCEPTED, ReportStatus.CLOSED),
}
DATE_ONLY = re.compile(r"^\d{4}-?\d{2}-?\d{2}$")
EARLIEST_YEAR = 1900  # before any report; earlier dates are refused rather than overflowing


@dataclass
class Filters:
    """The filters of GET requests.[fmt]; `references`, when given, overrides all the others."""

    references: list = field(default_factory=list)
    service_codes: list = field(default_factory=list)
    statuses: list = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None


def _items(value):
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def parse_moment(value, parameter, zone, end=False):
    """An ISO 8601 date or datetime (local time when it has no offset); a bare date as a whole day."""
    text = value.strip()
    try:
        if DATE_ONLY.match(text):
            moment = datetime.combine(
                date.fromisoformat(text), time.max if end else time.min, tzinfo=zone
            )
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            _(
                "%(parameter)s: use an ISO 8601 date or time, for example %(example)s.",
                parameter=parameter,
                example="2026-11-26T18:30:00+08:00",
            ),
            field=parameter,
        ) from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=zone)
    if moment.year < EARLIEST_YEAR:
        # Converting year 1 to UTC, or going 90 days back from it, overflows Python's dates.
        raise ValidationFailed(
            _(
                "%(parameter)s: use a date from %(earliest)s to %(latest)s.",
                parameter=parameter,
                earliest=f"{EARLIEST_YEAR}-01-01",
                latest="9999-12-31",
            ),
            field=parameter,
        )
    try:
        return moment.astimezone(UTC)
    except (
        OverflowError
    ):  # the last hours of 9999-12-31 west of UTC: after every report all the same
        return datetime.max.replace(tzinfo=UTC)


def filters_from(args, timezone, now=None):
    """Read the query string; a bad value raises ValidationFailed naming the parameter."""
    zone = ZoneInfo(timezone)
    filters = Filters(
        references=[r.upper() for r in _items(args.get("service_request_id"))][:MAX_RESULTS],
        service_codes=_items(args.get("service_code")),
    )
    for name in _items(args.get("status").lower() if args.get("status") else ""):
        if name not in STATUSES:
            raise ValidationFailed(
                _(
                    "%(parameter)s: use open, closed, or both separated by a comma.",
                    parameter="status",
                ),
                field="status",
            )
        filters.statuses.extend(STATUSES[name])
    if args.get("start_date", "").strip():
        filters.start = parse_moment(args["start_date"], "start_date", zone)
    if args.get("end_date", "").strip():
        filters.end = parse_moment(args["end_date"], "end_date", zone, end=True)
    if filters.start and filters.end and filters.end < filters.start:
        raise ValidationFailed(
            _("%(parameter)s: must not be before start_date.", parameter="end_date"),
            field="end_date",
        )
    if filters.start is None:
        filters.start = (filters.end or now or utcnow()) - timedelta(days=DEFAULT_DAYS)
    return filters


def find_requests(filters):
    """(report, running deadline) pairs matching `filters`, newest first, at most 1,000."""
    return supervision.reports_with_deadlines(
        filters.references,
        filters.service_codes,
        filters.statuses,
        filters.start,
        filters.end,
        MAX_RESULTS,
    )


def find_service(code):
    """The category whose code is the service_code `code`, or NotFound naming the parameter."""
    category = categories.find_category((code or "").strip())
    if category is None:
        raise NotFound(
            _("service_code: there is no service %(code)s.", code=code), field="service_code"
        )
    return category


def find_request(reference):
    """(report, running deadline) of the report `reference`, or NotFound."""
    reference = (reference or "").strip().upper()
    found = supervision.report_with_deadline(reference)
    if found is None:
        raise NotFound(
            _("No report has the reference %(ref)s.", ref=reference), field="service_request_id"
        )
    return found
