"""Residents' voices (支持/附议): similar open reports near a point, adding one's voice to one, and who did.

Nearby reports are found from what the public may see only: the category, the area and the public point
(`access.public_point`, confirmed by the unit on acceptance), never the point a resident reported, so that
asking near many points cannot locate anyone. A supporter gets their own receipt code (hashed as a
reporter's is) and tracks the report with its reference; their identity is kept apart, encrypted, and read
as a reporter's is (`identities.may_see`), with every read audited.
"""

import math
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal import numbers
from portal.contacts import contact_errors
from portal.errors import NotFound, TooManyRequests, ValidationFailed
from portal.extensions import db
from portal.models import (
    EventKind,
    IdentityVisibility,
    Report,
    ReporterIdentity,
    ReportStatus,
    ReportSupporter,
    SupporterIdentity,
)
from portal.models.types import utcnow
from portal.sanitize import plain
from portal.services import access, audit, history, identities, mail, reference_data, throttle
from portal.services.reports import _derive, hash_code, receipt_code

NOTE_LENGTH = 1000
CANDIDATES = 50  # open reports of the category read before the exact distances are counted
METERS_PER_DEGREE = 111_320
SUPPORT_WINDOW_SECONDS = 60 * 60


@dataclass(frozen=True)
class NearbyReport:
    """An open report like the one being written: `meters` from its public point, None when listed by area."""

    report: Report
    meters: int | None
    voices: int


def _meters(a, b):
    """Great-circle distance in metres between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(h)))


def nearby(category, area, latitude, longitude, config, known=None):
    """Open reports of `category` within NEARBY_METERS of the point (public points only), or in `area` when
    they have no public point (or no point is given): nearest first, then newest; at most NEARBY_LIMIT."""
    known = known or reference_data.current()
    category = known.find_category((category or "").strip())
    if category is None:
        raise ValidationFailed(_("Choose what you are reporting."), field="category")
    area_number = numbers.whole_number("area", area, 0, numbers.LARGEST, None)
    area = known.area(area_number) if area_number is not None else None
    if area_number is not None and area is None:
        raise ValidationFailed(
            _("Choose the area: the 兵团 level or one of the 14 divisions."), field="area"
        )
    lat = numbers.parse_coordinate("latitude", latitude)
    lon = numbers.parse_coordinate("longitude", longitude)
    if (lat is None) != (lon is None):
        raise ValidationFailed(
            _("The location needs both latitude and longitude, or neither."), field="latitude"
        )
    if lat is None and area is None:
        raise ValidationFailed(_("Choose the area or a point on the map."), field="area")
    radius = config["NEARBY_METERS"]
    same_area = Report.area_id == area.id if area is not None else sa.false()
    if lat is None:
        where = same_area
    else:
        dlat = radius / METERS_PER_DEGREE
        dlon = radius / (METERS_PER_DEGREE * max(math.cos(math.radians(float(lat))), 0.01))
        box = sa.and_(
            access.REPORT_POINTS.where(),
            Report.public_latitude.between(float(lat) - dlat, float(lat) + dlat),
            Report.public_longitude.between(float(lon) - dlon, float(lon) + dlon),
        )
        where = sa.or_(box, sa.and_(Report.public_latitude.is_(None), same_area))
    query = (
        access.REPORTS.public_query(selectinload(Report.category), selectinload(Report.area))
        .where(
            Report.status.in_([ReportStatus.RECEIVED, ReportStatus.ACCEPTED]),
            Report.category_id == category.id,
            where,
        )
        .order_by(Report.submitted_at.desc(), Report.id.desc())
        .limit(CANDIDATES)
    )
    found = []
    for report in db.session.scalars(query):
        point = access.public_point(report)
        if point is None or lat is None:
            found.append((report, None))
            continue
        meters = _meters((float(lat), float(lon)), point)
        if meters <= radius:
            found.append((report, round(meters)))
    # Nearest first; reports placed by their area only (no distance) after them, newest first as read.
    found.sort(key=lambda pair: (pair[1] is None, pair[1] or 0))
    found = found[: config["NEARBY_LIMIT"]]
    counts = voices_of([report.id for report, _meters in found])
    return [NearbyReport(report, meters, counts.get(report.id, 0)) for report, meters in found]


def voices_of(report_ids):
    """{report id: number of supporters} for the given reports (absent: none)."""
    if not report_ids:
        return {}
    rows = db.session.execute(
        sa.select(ReportSupporter.report_id, sa.func.count())
        .where(ReportSupporter.report_id.in_(report_ids))
        .group_by(ReportSupporter.report_id)
    )
    return dict(rows.all())


def voices(report):
    """How many residents added their voice to `report` (a count only: the public sees nothing more)."""
    return voices_of([report.id]).get(report.id, 0)


def refusal(report):
    """Why no voice can be added to `report` now ('' when one can)."""
    if report.merged_into is not None:
        return _(
            "This report was merged into %(ref)s: add your voice there.",
            ref=report.merged_into.reference,
        )
    if not report.status.is_open:
        return _("This report is no longer open, so no voice can be added to it.")
    return ""


def supportable(reference):
    """The public report `reference` (NotFound otherwise), for the form to add one's voice."""
    return access.REPORTS.get_public((reference or "").strip().upper())


@dataclass
class SupportInput:
    """What a resident sends to add their voice."""

    submission_key: str
    name: str = ""
    phone: str = ""
    email: str = ""
    visibility: IdentityVisibility = IdentityVisibility.ADMINISTRATORS
    note: str = ""


@dataclass
class Support:
    """The outcome of `support`: the report, the supporter's own receipt code, and whether this call added it."""

    report: Report
    receipt_code: str
    created: bool
    created_at: datetime


def _validate(data):
    contact = contact_errors((data.phone or "").strip(), (data.email or "").strip())
    if contact:
        raise ValidationFailed.every(contact)
    if len(data.name or "") > 80:
        raise ValidationFailed(
            _("Your name must be %(n)s characters or fewer.", n=80), field="name"
        )
    note = plain(data.note or "")
    if len(note) > NOTE_LENGTH:
        raise ValidationFailed(
            _("The note to the unit must be %(n)s characters or fewer.", n=NOTE_LENGTH),
            field="note",
        )
    return note


def _existing(submission_key):
    return db.session.scalar(
        sa.select(ReportSupporter).where(ReportSupporter.submission_key == submission_key)
    )


def support(reference, data, config, client=None, now=None):
    """Add a resident's voice to the open report `reference`, once per submission key; the caller commits.

    A key already recorded answers with that voice's receipt again and adds nothing. A `client` address may
    add REPORT_LIMIT voices an hour; beyond that TooManyRequests.
    """
    now = now or utcnow()
    secret = config["SECRET_KEY"]
    if not data.submission_key or len(data.submission_key) > 64:
        raise ValidationFailed(
            _("The form has expired. Please reload the page and submit again."), field="form"
        )
    code = receipt_code(secret, "support:" + data.submission_key)
    seen = _existing(data.submission_key)
    if seen is not None:
        return Support(seen.report, code, False, seen.created_at)
    report = supportable(reference)
    refused = refusal(report)
    if refused:
        raise ValidationFailed(refused, field="form")
    note = _validate(data)
    supporter_id = _insert(
        {
            "report_id": report.id,
            "submission_key": data.submission_key,
            "receipt_hash": hash_code(code),
            "note": note,
            "merged_from_id": None,
            "created_at": now,
        }
    )
    if supporter_id is None:  # the same form, sent twice at once: the other copy recorded it
        seen = _existing(data.submission_key)
        return Support(seen.report, code, False, seen.created_at)
    supporter = db.session.get(ReportSupporter, supporter_id)
    _keep_identity(supporter, data.name, data.phone, data.email, data.visibility)
    history.add_event(report, EventKind.SUPPORTED, now=now)
    email = (data.email or "").strip()
    if email:
        link = support_path(secret, report, supporter)
        mail.queue(email, "reports/supported", report=report, link=link)
    if client is not None:
        _count(client, config, now)
    return Support(report, code, True, now)


def _insert(values):
    """Insert a supporter row unless its submission key is taken; its id, or None."""
    table = ReportSupporter.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[table.c.submission_key])
        .returning(table.c.id)
    )
    return db.session.execute(statement).scalar()


def _keep_identity(supporter, name, phone, email, visibility):
    name, phone, email = (name or "").strip(), (phone or "").strip(), (email or "").strip()
    if name or phone or email:
        db.session.add(
            SupporterIdentity(
                supporter_id=supporter.id,
                name=name,
                phone=phone,
                email=email,
                visibility=visibility,
            )
        )


def _count(client, config, now):
    key = throttle.private_key(config["SECRET_KEY"], "support", client)
    if throttle.hit(key, SUPPORT_WINDOW_SECONDS, now) > config["REPORT_LIMIT"]:
        wait = throttle.seconds_left(SUPPORT_WINDOW_SECONDS, now)
        raise TooManyRequests(
            _(
                "%(n)s voices have been added from your connection within an hour, the most it may add. "
                "You can add this one in %(minutes)s minutes.",
                n=config["REPORT_LIMIT"],
                minutes=wait // 60 + 1,
            ),
            retry_after=wait,
        )


def link_token(secret, supporter):
    """The token in a supporter's private link (mailed to them; the tracking form leads there too)."""
    return _derive(secret, "support-link", supporter.submission_key)[:32].lower()


def support_path(secret, report, supporter):
    """The supporter's private link's path."""
    return f"/reports/{report.reference}/support/{link_token(secret, supporter)}"


def with_code(report, code):
    """The supporter of `report` whose receipt code is `code`, or None."""
    found = db.session.scalars(
        sa.select(ReportSupporter).where(
            ReportSupporter.report_id == report.id,
            ReportSupporter.receipt_hash == hash_code(code),
        )
    ).first()
    return found


def open_link(reference, token, config):
    """(report, supporter) a supporter's private link points to, or NotFound."""
    report = access.REPORTS.get_public((reference or "").strip().upper())
    for supporter in db.session.scalars(
        sa.select(ReportSupporter).where(
            ReportSupporter.report_id == report.id, ReportSupporter.submission_key.is_not(None)
        )
    ):
        if link_token(config["SECRET_KEY"], supporter) == (token or ""):
            return report, supporter
    raise NotFound(_("This tracking link is not valid."))


@dataclass
class Voice:
    """A supporter as the handling unit sees them: the identity only when revealed and allowed."""

    supporter: ReportSupporter
    visibility: IdentityVisibility | None
    identity: SupporterIdentity | None
    may_see: bool


def for_unit(user, report, reveal=False):
    """The report's supporters for the console; with `reveal`, the identities `user` may see (each read audited)."""
    rows = db.session.execute(
        sa.select(ReportSupporter, SupporterIdentity)
        .outerjoin(SupporterIdentity, SupporterIdentity.supporter_id == ReportSupporter.id)
        .where(ReportSupporter.report_id == report.id)
        .options(selectinload(ReportSupporter.merged_from))
        .order_by(ReportSupporter.id)
    ).all()
    shown = []
    for supporter, identity in rows:
        visibility = identity.visibility if identity else None
        allowed = identities.may_see(user, report, visibility)
        if reveal and allowed:
            audit.record(
                "identity.read", "supporter", supporter.id, actor=user, detail="report page"
            )
        shown.append(
            Voice(supporter, visibility, identity if reveal and allowed else None, allowed)
        )
    return shown


def carry_over(duplicate, target, now):
    """Make the duplicate's reporter and supporters supporters of `target` (identities copied, still kept apart);
    returns how many voices were added. The duplicate keeps its own rows, so its receipts still open it."""
    added = []
    reporter = db.session.scalar(
        sa.select(ReporterIdentity).where(ReporterIdentity.report_id == duplicate.id)
    )
    added.append((reporter, ""))
    for supporter, identity in db.session.execute(
        sa.select(ReportSupporter, SupporterIdentity)
        .outerjoin(SupporterIdentity, SupporterIdentity.supporter_id == ReportSupporter.id)
        .where(ReportSupporter.report_id == duplicate.id)
        .order_by(ReportSupporter.id)
    ):
        added.append((identity, supporter.note))
    for identity, note in added:
        voice = ReportSupporter(
            report_id=target.id, note=note, merged_from_id=duplicate.id, created_at=now
        )
        db.session.add(voice)
        db.session.flush()
        if identity is not None:
            _keep_identity(
                voice, identity.name, identity.phone, identity.email, identity.visibility
            )
    return len(added)


def emails_of(report):
    """The addresses of the reporter and supporters of `report` who left one, for their own notices."""
    addresses = [identities.contact_email(report)]
    addresses += db.session.scalars(
        sa.select(SupporterIdentity.email)
        .join(ReportSupporter, ReportSupporter.id == SupporterIdentity.supporter_id)
        .where(ReportSupporter.report_id == report.id)
    ).all()
    return [a for a in addresses if a]
