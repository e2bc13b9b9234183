"""Writing the audit trail, and reading it back for site administrators (the audit log)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal import numbers, pagination
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.models import AuditRecord, Report, User
from portal.services import history

# Every action the portal records, as the audit log names it.
ACTIONS = {
    "identity.read": _l("Reporter's identity shown"),
    "report.logged": _l("Report logged from another channel"),
    "evidence_original.download": _l("Original evidence file downloaded"),
    "attendee_list.download": _l("Hearing attendee list downloaded"),
    "comment_contact.read": _l("Commenter's contact details shown"),
    "comment.published": _l("Comment published"),
    "comment.hidden": _l("Comment hidden"),
    "comment.kept": _l("Flagged comment kept"),
    "task_report.published": _l("Task report published"),
    "task_report.revised": _l("Task report revised"),
    "task_report.contribution_changed": _l("Contribution to a published task report changed"),
    "task_report.evidence_changed": _l("Evidence of a published task report changed"),
    "organisation.applied": _l("Social organisation applied to the register"),
    "organisation.verified": _l("Social organisation verified"),
    "organisation.refused": _l("Social organisation refused"),
    "organisation.updated": _l("Social organisation changed its details"),
    "organisation.activity": _l("Volunteer activity added"),
    "organisation.supported": _l("Report supported by an organisation"),
    "litigation.requested": _l("Report record requested for litigation"),
    "litigation.answered": _l("Litigation request answered"),
    "litigation.outcome": _l("Litigation outcome recorded"),
    "litigation.documents": _l("Documents handed over for litigation"),
    "litigation.downloaded": _l("Litigation document downloaded by the organisation"),
}
PER_PAGE = 50


def record(action, subject_type, subject_id, actor=None, detail="", now=None):
    """Add an audit record to the site's hash chain in the current transaction."""
    return history.add_record(action, subject_type, subject_id, actor=actor, detail=detail, now=now)


def action_label(action):
    """An action in the user's language (its code when the portal no longer names it)."""
    return str(ACTIONS.get(action, action))


@dataclass
class AuditFilters:
    """The audit log's filters; None means "any". Days are whole days in the portal's time zone."""

    actor: int | None = None
    action: str | None = None
    unit: int | None = None
    since: date | None = None
    until: date | None = None
    report: str | None = None  # a report's reference
    page: int = 1

    @property
    def active(self):
        """True when any filter narrows the log."""
        return any(
            v is not None
            for v in (self.actor, self.action, self.unit, self.since, self.until, self.report)
        )


def _day(name, value):
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        label = {"since": _("The first day"), "until": _("The last day")}[name]
        raise ValidationFailed(
            _("%(field)s must be a date such as 2026-05-20.", field=label), field=name
        ) from None


def _chosen(name, value):
    # The selects offer ids; anything else did not come from the form.
    if not value:
        return None
    if not numbers.is_whole(value) or int(value) < 1:
        label = {
            "actor": _("The staff member"),
            "unit": _("The unit"),
            "page": _("The page number"),
        }[name]
        raise ValidationFailed(
            _("%(field)s is not one of the values offered.", field=label), field=name
        )
    return int(value)


def parse_filters(args):
    """AuditFilters from query parameters (a mapping of strings); ValidationFailed names a bad one."""
    action = args.get("action") or None
    if action is not None and action not in ACTIONS:
        raise ValidationFailed(
            _("%(field)s is not one of the values offered.", field=_("The action")), field="action"
        )
    report = (args.get("report") or "").strip()[:40] or None
    filters = AuditFilters(
        actor=_chosen("actor", args.get("actor")),
        action=action,
        unit=_chosen("unit", args.get("unit")),
        since=_day("since", args.get("since")),
        until=_day("until", args.get("until")),
        report=report,
        page=min(_chosen("page", args.get("page")) or 1, 1_000_000),
    )
    if filters.since and filters.until and filters.since > filters.until:
        raise ValidationFailed(_("The first day must not be after the last day."), field="since")
    return filters


def _start_of(day, tz):
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz))


def search(filters, tz, per_page=PER_PAGE):
    """One page of audit records matching `filters`, newest first, with the actors and their units loaded."""
    query = sa.select(AuditRecord)
    if filters.actor is not None:
        query = query.where(AuditRecord.actor_id == filters.actor)
    if filters.action:
        query = query.where(AuditRecord.action == filters.action)
    if filters.unit is not None:
        query = query.where(
            AuditRecord.actor_id.in_(sa.select(User.id).where(User.unit_id == filters.unit))
        )
    if filters.since:
        query = query.where(AuditRecord.at >= _start_of(filters.since, tz))
    if filters.until:
        query = query.where(AuditRecord.at < _start_of(filters.until + timedelta(days=1), tz))
    if filters.report:
        report = sa.select(Report.id).where(Report.reference == filters.report).scalar_subquery()
        query = query.where(AuditRecord.subject_type == "report", AuditRecord.subject_id == report)
    return pagination.fetch(
        db.session,
        query,
        filters.page,
        per_page,
        order_by=(AuditRecord.id.desc(),),
        options=(selectinload(AuditRecord.actor).selectinload(User.unit),),
    )


def report_references(records):
    """{report id: reference} of the reports that `records` are about."""
    ids = {r.subject_id for r in records if r.subject_type == "report"}
    if not ids:
        return {}
    return dict(
        db.session.execute(sa.select(Report.id, Report.reference).where(Report.id.in_(ids))).all()
    )


def actors():
    """Every staff account, for the actor filter."""
    return db.session.scalars(sa.select(User).order_by(User.username)).all()
