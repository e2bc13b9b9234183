"""The handling of reports by unit staff: the queue and every action on a report.

Who reads and acts on a report in the console is the policy `access.REPORTS`: the handling unit, the
units sent a copy and site oversight read it; only the handling unit's staff act on it. `access` below
only names which of these a user is, for the report's console page.
"""

import enum
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal import numbers, pagination
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.extensions import db
from portal.models import (
    Area,
    Category,
    EventKind,
    ExtensionState,
    Report,
    ReportCopy,
    ReportEvent,
    ReportMerge,
    ReportStatus,
    Unit,
    User,
)
from portal.models.types import utcnow
from portal.permissions import Permission
from portal.sanitize import plain
from portal.services import (
    audit,
    clocks,
    evidence,
    history,
    locations,
    mail,
    routing,
    search,
    supporters,
)
from portal.services.access import REPORTS
from portal.services.categories import find_category
from portal.services.identities import contact_email
from portal.services.reports import notify_unit, start_clock, stop_clock, submit


class NotAcceptedReason(enum.Enum):
    """The legal grounds for not accepting a report (12369 rules)."""

    OUTSIDE_REMIT = "outside_remit"
    LEGAL_PROCEEDINGS = "legal_proceedings"
    REPEATED = "repeated"
    NOT_SPECIFIC = "not_specific"

    @property
    def label(self):
        """The reason as shown to staff and to the resident."""
        return {
            "outside_remit": _l("Not within the remit of environmental authorities"),
            "legal_proceedings": _l(
                "Being or to be resolved through litigation, arbitration or administrative review"
            ),
            "repeated": _l("Repeats a report already handled, with no new facts"),
            "not_specific": _l("No specific polluter, place or fact that can be checked"),
        }[self.value]


def not_accepted_reason(report):
    """The legal reason a report was not accepted (public: a category, never the unit's or resident's words)."""
    if report.status is not ReportStatus.NOT_ACCEPTED:
        return None
    decided = [e for e in report.events if e.kind is EventKind.NOT_ACCEPTED and e.reason]
    return NotAcceptedReason(decided[-1].reason) if decided else None


class Access(enum.Enum):
    """What a user may do with a report they can see."""

    HANDLE = "handle"  # the handling unit
    COPY = "copy"  # a unit copied read-only
    OVERSIGHT = "oversight"  # site administrators


def closed_with_result():
    """SQL: the report was closed (办结) with its unit's result; a duplicate merged into another report was not,
    so the statistics of handling leave it out."""
    return sa.and_(
        Report.status == ReportStatus.CLOSED,
        Report.closed_at.is_not(None),
        ~sa.exists().where(ReportMerge.report_id == Report.id),
    )


def running_deadline():
    """SQL for the deadline that currently runs: acceptance while received, closure while accepted."""
    return sa.case(
        (Report.status == ReportStatus.RECEIVED, Report.acceptance_due_at),
        (Report.status == ReportStatus.ACCEPTED, Report.closure_due_at),
        else_=None,
    )


def access(user, report):
    """How `user` may see `report` (as the policy REPORTS decides), or None when they may not see it at all."""
    if not REPORTS.in_unit(user, report):
        return None
    if REPORTS.may_manage(user, report):
        return Access.HANDLE
    if any(c.unit_id == user.unit_id for c in report.copies):
        return Access.COPY
    return Access.OVERSIGHT


def get_for(user, reference):
    """The report `reference` as `user` may see it in the console; NotFound (never Forbidden) for other units."""
    return REPORTS.get_for_unit(
        user,
        reference,
        (selectinload(Report.events), selectinload(Report.evidence), selectinload(Report.copies)),
    )


@dataclass
class QueueFilters:
    """The queue's filters; None means "any"."""

    status: ReportStatus | None = None
    category: str | None = None
    area: int | None = None
    overdue: bool = False
    due_soon: bool = False
    mine: bool = False


def queue(user, filters, page=1, per_page=20, now=None):
    """The reports `user` may see, most urgent first, filtered and paginated."""
    now = now or utcnow()
    due = running_deadline()
    query = REPORTS.console_query(user)
    if filters.status:
        query = query.where(Report.status == filters.status)
    if filters.category:
        query = query.join(Category, Report.category_id == Category.id).where(
            Category.code == filters.category
        )
    if filters.area is not None:
        query = query.join(Area, Report.area_id == Area.id).where(Area.number == filters.area)
    if filters.overdue:
        query = query.where(due < now)
    if filters.due_soon:
        query = query.where(due >= now, due <= now + timedelta(days=3))
    if filters.mine:
        query = query.where(Report.assigned_user_id == user.id)
    return pagination.fetch(
        db.session,
        query,
        page,
        per_page,
        order_by=(due.is_(None), due, Report.id.desc()),
        options=(
            selectinload(Report.category),
            selectinload(Report.area),
            selectinload(Report.unit),
        ),
    )


def changed_message():
    """What a user is told when someone else changed the report first."""
    return REPORTS.changed()


def evidence_for(user, reference, evidence_id, original, files_dir):
    """(path, download name, content type) of a report's file the user may download, else NotFound."""
    report = get_for(user, reference)
    item = next((e for e in report.evidence if e.id == evidence_id), None)
    if item is None:
        raise NotFound(_("This evidence file does not exist."))
    relative = item.original_path if original else item.public_path
    name = (
        f"{report.reference}-{item.id}{'.orig' if original else ''}{evidence.EXTENSIONS[item.kind]}"
    )
    content_type = "application/octet-stream" if original else item.content_type
    path = evidence.open_stored(files_dir, relative)
    if original:
        # The original may carry what the public copy strips (location, faces, metadata): every download is
        # accounted for; the caller commits before sending the file.
        audit.record("evidence_original.download", "report", report.id, actor=user, detail=name)
    return path, name, content_type


@dataclass
class Counts:
    """Open and overdue reports handled by a unit."""

    open: int
    overdue: int


def counts(user, now=None):
    """How many of the unit's reports are open, and how many of those are overdue."""
    now = now or utcnow()
    mine = (
        sa.select(sa.func.count())
        .select_from(Report)
        .where(
            Report.unit_id == user.unit_id,
            Report.status.in_([ReportStatus.RECEIVED, ReportStatus.ACCEPTED]),
        )
    )
    return Counts(db.session.scalar(mine), db.session.scalar(mine.where(running_deadline() < now)))


def _act(user, report, version, permission=None):
    """Check the user may act (the handling unit; `permission` if the act needs more) and saw the current state."""
    REPORTS.act(user, report, version, permission)


def _require(report, *statuses):
    if report.status not in statuses:
        raise Conflict(
            _(
                "This action is not possible while the report is %(status)s.",
                status=status_label(report.status),
            )
        )


def _event(report, user, kind, body="", now=None, **extra):
    report.updated_at = now or utcnow()  # every action bumps the version, notes included
    return history.add_event(
        report, kind, actor=user, unit_id=user.unit_id, body=body, now=report.updated_at, **extra
    )


def _text(value, field, low=1, high=4000):
    value = plain(value)
    if not low <= len(value) <= high:
        raise ValidationFailed(
            _(
                "%(field)s must be between %(low)s and %(high)s characters.",
                field=field_label(field),
                low=low,
                high=high,
            ),
            field=field,
        )
    return value


def _tell_resident(report, template, **context):
    mail.queue(contact_email(report), template, report=report, **context)


def accept(user, report, version, config, now=None, public_location=""):
    """受理: start the closure clock and confirm the public location ('rounded' by default, or 'place_only')."""
    now = now or utcnow()
    _act(user, report, version)
    _require(report, ReportStatus.RECEIVED)
    locations.confirm(report, locations.choice_from(public_location))
    report.status, report.accepted_at = ReportStatus.ACCEPTED, now
    start_clock(report, clocks.ClockKind.CLOSURE, now, config)
    _event(report, user, EventKind.ACCEPTED, now=now)
    _tell_resident(report, "reports/accepted")


def not_accept(user, report, version, reason, explanation, now=None):
    """不予受理 with a legal reason and an explanation to the resident."""
    _act(user, report, version)
    _require(report, ReportStatus.RECEIVED)
    try:
        reason = NotAcceptedReason(reason)
    except ValueError:
        raise ValidationFailed(_("Choose one of the legal reasons."), field="reason") from None
    explanation = _text(explanation, "explanation", low=10)
    report.status = ReportStatus.NOT_ACCEPTED
    report.closed_at = now or utcnow()
    _event(report, user, EventKind.NOT_ACCEPTED, explanation, now=now, reason=reason.value)
    _tell_resident(report, "reports/not_accepted", reason=reason, explanation=explanation)


def assign(user, report, version, assignee_id, now=None):
    """Give the report to a staff member of the unit."""
    _act(user, report, version)
    _require(report, ReportStatus.RECEIVED, ReportStatus.ACCEPTED)
    assignee = db.session.get(User, numbers.identifier(assignee_id) or 0)
    if assignee is None or assignee.unit_id != report.unit_id or not assignee.active:
        raise ValidationFailed(_("Choose an active staff member of your unit."), field="assignee")
    report.assigned_user = assignee
    _event(report, user, EventKind.ASSIGNED, assignee.display_name, now=now)


def transfer(user, report, version, unit_id, reason, config, now=None):
    """转办: the receiving unit gets the report with a fresh acceptance clock; the sender loses it."""
    now = now or utcnow()
    _act(user, report, version)
    _require(report, ReportStatus.RECEIVED, ReportStatus.ACCEPTED)
    target = db.session.get(Unit, numbers.identifier(unit_id) or 0)
    if target is None or not target.handles_reports or target.id == report.unit_id:
        raise ValidationFailed(
            _("Choose another receiving unit that handles reports."), field="unit"
        )
    reason = _text(reason, "reason", low=5)
    _event(report, user, EventKind.TRANSFERRED, reason, now=now, to_unit_id=target.id)
    report.routing_basis = f"{report.routing_basis};转办至 {target.label}"
    report.copies = [c for c in report.copies if c.unit_id != target.id]
    _hand_over(report, target, now, config)


def _hand_over(report, target, now, config):
    """The receiving unit gets the report to accept afresh; the sender's assignment, extension and closure
    clock go."""
    report.unit = target
    report.status, report.received_at, report.accepted_at = ReportStatus.RECEIVED, now, None
    report.assigned_user = None
    report.extension_state, report.extension_days, report.extension_reason = (
        ExtensionState.NONE,
        None,
        None,
    )
    stop_clock(report, clocks.ClockKind.CLOSURE)
    start_clock(report, clocks.ClockKind.ACCEPTANCE, now, config)
    db.session.flush()
    notify_unit(report, "reports/new_report")


def change_category(user, report, version, code, reason, config, now=None):
    """改类: correct the category and route the report again; when the new category belongs to another unit,
    the report moves there as with a transfer, otherwise it keeps its state and clocks."""
    now = now or utcnow()
    _act(user, report, version)
    _require(report, ReportStatus.RECEIVED, ReportStatus.ACCEPTED)
    category = find_category((code or "").strip())
    if category is None or category.id == report.category_id:
        raise ValidationFailed(_("Choose another category."), field="category")
    reason = _text(reason, "reason", low=5)
    decision = routing.route(category, report.area, config["TRIAGE_UNIT"])
    moved = decision.unit.id != report.unit_id
    body = f"{report.category.name} → {category.name}:{reason}"
    _event(
        report,
        user,
        EventKind.CATEGORY_CHANGED,
        body,
        now=now,
        to_unit_id=decision.unit.id if moved else None,
    )
    report.category, report.task_id = category, category.task_id
    report.rule_id = decision.rule.id if decision.rule else None
    report.routing_basis = decision.basis
    report.copies = [
        next((c for c in report.copies if c.unit_id == unit.id), None)
        or ReportCopy(unit_id=unit.id)
        for unit in decision.copies
    ]
    search.enqueue(search.REPORT_KIND, report.reference)
    if moved:
        _hand_over(report, decision.unit, now, config)


def merge(user, report, version, target_reference, config, now=None):
    """合并: close the duplicate `report` into the open report `target_reference` of the same unit; the duplicate's
    reporter and supporters become the target's supporters, and are told by mail."""
    now = now or utcnow()
    _act(user, report, version)
    _require(report, ReportStatus.RECEIVED, ReportStatus.ACCEPTED)
    reference = (target_reference or "").strip().upper()
    target = db.session.scalar(sa.select(Report).where(Report.reference == reference))
    if target is None or target.id == report.id:
        raise ValidationFailed(
            _("Enter the reference of another report your unit handles."), field="target"
        )
    if target.unit_id != report.unit_id:
        raise ValidationFailed(
            _(
                "%(ref)s is handled by another unit: only reports of your unit can be merged.",
                ref=reference,
            ),
            field="target",
        )
    if not target.status.is_open:
        raise ValidationFailed(
            _(
                "%(ref)s is no longer open: merge into a report that is still being handled.",
                ref=reference,
            ),
            field="target",
        )
    added = supporters.carry_over(report, target, now)
    report.status, report.closed_at = ReportStatus.CLOSED, now
    stop_clock(report, clocks.ClockKind.CLOSURE)  # the duplicate's clocks stop: the target's run on
    db.session.add(
        ReportMerge(report_id=report.id, into_id=target.id, actor_id=user.id, created_at=now)
    )
    _event(report, user, EventKind.MERGED, target.reference, now=now)
    history.add_event(
        target,
        EventKind.VOICES_ADDED,
        actor=user,
        unit_id=user.unit_id,
        body=report.reference,
        now=now,
    )
    db.session.flush()
    db.session.expire(report, ["merge"])
    audit.record("report.merged", "report", report.id, actor=user, detail=target.reference)
    search.enqueue(search.REPORT_KIND, report.reference)
    search.enqueue(search.REPORT_KIND, target.reference)
    mail.queue_all(supporters.emails_of(report), "reports/merged", report=report, target=target)
    return added


def request_extension(user, report, version, days, reason, now=None):
    """Ask once for up to 30 more days; a unit administrator decides."""
    _act(user, report, version)
    _require(report, ReportStatus.ACCEPTED)
    if report.extension_state is not ExtensionState.NONE:
        raise Conflict(_("This report has had its one extension request already."))
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= clocks.CLOSURE_MAX_EXTENSION_DAYS:
        raise ValidationFailed(
            _(
                "The number of extra days must be from 1 to %(n)s.",
                n=clocks.CLOSURE_MAX_EXTENSION_DAYS,
            ),
            field="days",
        )
    reason = _text(reason, "reason", low=5)
    report.extension_state, report.extension_days, report.extension_reason = (
        ExtensionState.REQUESTED,
        days,
        reason,
    )
    _event(report, user, EventKind.EXTENSION_REQUESTED, f"{days}: {reason}", now=now)


def decide_extension(user, report, version, approve, config, now=None):
    """A unit administrator approves (the closure deadline moves) or refuses the extension."""
    _act(user, report, version, Permission.REPORTS_APPROVE_EXTENSION)
    _require(report, ReportStatus.ACCEPTED)
    if report.extension_state is not ExtensionState.REQUESTED:
        raise Conflict(_("There is no extension request waiting for a decision."))
    if approve:
        report.extension_state = ExtensionState.APPROVED
        start_clock(
            report,
            clocks.ClockKind.CLOSURE,
            _closure_started(report),
            config,
            extra_days=report.extension_days,
        )
        _event(report, user, EventKind.EXTENSION_APPROVED, report.extension_reason, now=now)
        _tell_resident(report, "reports/extended")
    else:
        report.extension_state = ExtensionState.REFUSED
        _event(report, user, EventKind.EXTENSION_REFUSED, now=now)


def log_report(user, data, config, now=None):
    """Record a report that reached `user`'s unit by phone, letter, visit, email or the news (`data.source`,
    received at `data.received_at`, from which the clocks run), routed as the form's are; the caller commits."""
    if not data.source.logged_by_staff:
        raise ValidationFailed(_("Choose the channel the report came by."), field="source")
    if data.received_at is None:
        raise ValidationFailed(_("Enter when the report was received."), field="received_at")
    submission = submit(data, config, now=now)
    if submission.created:
        audit.record(
            "report.logged", "report", submission.receipt.id, actor=user, detail=data.source.value
        )
    return submission


def _closure_started(report):
    # After an appeal the closure clock runs again from the reopening, not from the first acceptance.
    reopened = [e.created_at for e in report.events if e.kind is EventKind.REOPENED]
    return reopened[-1] if reopened else report.accepted_at


def reply(user, report, version, text, now=None):
    """A public reply to the resident (also shown on the supervision page)."""
    _act(user, report, version)
    _require(report, ReportStatus.RECEIVED, ReportStatus.ACCEPTED, ReportStatus.CLOSED)
    text = _text(text, "text", low=2)
    _event(report, user, EventKind.REPLIED, text, now=now)
    search.enqueue(search.REPORT_KIND, report.reference)
    _tell_resident(report, "reports/replied", text=text)


def note(user, report, version, text, now=None):
    """An internal note, never shown outside the handling and copied units."""
    _act(user, report, version)
    _event(report, user, EventKind.NOTE, _text(text, "text", low=2), now=now)


def close(user, report, version, result, config, now=None):
    """办结 with the result; the appeal window starts."""
    now = now or utcnow()
    _act(user, report, version)
    if report.status is ReportStatus.RECEIVED:
        raise Conflict(_("A report must be accepted before it can be closed."))
    _require(report, ReportStatus.ACCEPTED)
    result = _text(result, "result", low=5)
    report.status, report.closed_at = ReportStatus.CLOSED, now
    start_clock(report, clocks.ClockKind.APPEAL, now, config)
    _event(report, user, EventKind.CLOSED, result, now=now)
    search.enqueue(search.REPORT_KIND, report.reference)
    _tell_resident(report, "reports/closed", result=result)


def publish_summary(user, report, version, summary, now=None):
    """Publish a redacted summary of the report for the supervision page."""
    _act(user, report, version)
    report.public_summary = _text(summary, "summary", low=5, high=2000)
    _event(report, user, EventKind.SUMMARY_PUBLISHED, now=now)
    search.enqueue(search.REPORT_KIND, report.reference)


def transfers_away(user, page=1, per_page=20):
    """The records of reports this user's unit transferred to another unit."""
    query = sa.select(ReportEvent).where(
        ReportEvent.kind == EventKind.TRANSFERRED, ReportEvent.unit_id == user.unit_id
    )
    return pagination.fetch(
        db.session,
        query,
        page,
        per_page,
        order_by=(ReportEvent.id.desc(),),
        options=(selectinload(ReportEvent.report), selectinload(ReportEvent.to_unit)),
    )


def unit_staff(unit_id):
    """Active staff of a unit, for the assign form."""
    return db.session.scalars(
        sa.select(User)
        .where(User.unit_id == unit_id, User.active.is_(True))
        .order_by(User.username)
    ).all()


def status_label(status):
    """The status in the user's language."""
    return {
        ReportStatus.RECEIVED: _("awaiting acceptance"),
        ReportStatus.ACCEPTED: _("being handled"),
        ReportStatus.NOT_ACCEPTED: _("not accepted"),
        ReportStatus.CLOSED: _("closed"),
    }[status]


def field_label(field):
    """A form field's name in the user's language, for error messages."""
    return {
        "explanation": _("Explanation"),
        "reason": _("Reason"),
        "text": _("Text"),
        "result": _("Result"),
        "summary": _("Summary"),
    }.get(field, field)
