"""Task implementation reports (落实情况, measure 三十五): a lead unit reports on each of its policy tasks, once
per period, and the participating units add their part.

A report is one per (task, lead unit, period). The period is a year ("2026", the annual report) or a
half-year ("2026-H1", "2026-H2", an interim report). Drafting, publication as version 1 and revision
with a public note follow disclosures (portal.services.disclosures): versions are never changed, and
the differences between two versions are shown word by word with the same functions. What was done
and the next steps are Markdown, rendered and sanitised on the way out.

Who may do what (the policy `access.TASK_REPORTS`): a report is public once published. Staff of the
lead unit with TASK_REPORTS_MANAGE create, edit, publish and revise it; staff of a participating unit
of the task read it in the console and add their own short text (their contribution), public with the
report under their unit's name; for anyone else it does not exist (NotFound). Site oversight reads.

Once a report is published its contributions and evidence links are part of the record: each change of a
contribution (text before and after) and each link added or removed is appended to
`task_report_contribution_changes` / `task_report_evidence_changes` (tables the database refuses to update
or delete, migration 0020), with when and which unit (the staff user is kept, never shown), and audited.
Each version also keeps the evidence keys and contributions as it was published, so the comparison of two
versions covers them. A draft changes freely without history.

The reporting calendar (portal.task_calendar; `TASK_REPORT_DUE`, "MM-DD", default "01-31", and
`TASK_REPORT_PERIODS`): a period's report is due on day DD of the MM-th month after the period ends — the
annual report of 2026 on 31 January 2027, the report of 2026-H1 on 31 July 2026. The required periods are
the annual ones ("annual", the default; a half-year report is then an optional interim report, never late
or missing) or also the first half-years ("annual,H1", 半年报; the annual report covers the second half).
The accountability matrix counts the required periods, in order, from `TASK_REPORT_FIRST_YEAR`. For each
(task, lead unit, period): *reported* (published by the due date), *late* (published after it, or still
unpublished once it passed while a draft exists), *missing* (no report at all after the due date), or
*not yet due*. Functions never commit.
"""

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from portal import numbers, task_calendar
from portal.errors import Conflict, Forbidden, NotFound, ValidationFailed
from portal.extensions import db
from portal.models import (
    Chapter,
    Consultation,
    Disclosure,
    EvidenceChange,
    EvidenceKind,
    Measure,
    Observation,
    Report,
    ReportStatus,
    Task,
    TaskReport,
    TaskReportContribution,
    TaskReportContributionChange,
    TaskReportEvidence,
    TaskReportEvidenceChange,
    TaskReportReminder,
    TaskReportState,
    TaskReportVersion,
    TaskStatus,
    TaskUnit,
    TaskUnitRole,
    Unit,
    User,
)
from portal.models.types import utcnow
from portal.permissions import Role
from portal.services import access, audit, clocks, disclosures, drafts, mail, search

POLICY = access.TASK_REPORTS
PERIOD = task_calendar.PERIOD
YEARS = (2000, 2100)
TEXT_LENGTH = disclosures.BODY_LENGTH
CONTRIBUTION_LENGTH = (2, 4000)
NOTE_LENGTH = disclosures.NOTE_LENGTH
DEFAULT_DUE = task_calendar.DEFAULT_DUE
DEFAULT_FIRST_YEAR = 2024
DEFAULT_REMINDER_DAYS = 14
EVIDENCE_CHOICES = 30  # per kind: the latest public items offered to link


# --- labels --------------------------------------------------------------------------------------


def status_label(status):
    """A task's status in the user's language."""
    return {
        TaskStatus.NOT_STARTED: _("Not started"),
        TaskStatus.IN_PROGRESS: _("In progress"),
        TaskStatus.DONE: _("Done"),
        TaskStatus.SUSTAINED: _("Done and sustained"),
    }[status]


def state_label(state):
    """A task report's state in the user's language."""
    return {TaskReportState.DRAFT: _("Draft"), TaskReportState.PUBLISHED: _("Published")}[state]


def period_label(period):
    """ "2026" → 2026年度 / 2026; "2026-H1" → 2026年上半年 / first half of 2026."""
    year, half = _split(period)
    if half is None:
        return _("%(year)s (annual)", year=year)
    if half == 1:
        return _("First half of %(year)s", year=year)
    return _("Second half of %(year)s", year=year)


# --- periods and the calendar --------------------------------------------------------------------


_split = task_calendar.split
parse_due = task_calendar.parse_due
due_date = task_calendar.due_date


def period_kind(period):
    """ "annual" for a year, "half_year" for a half-year (the API's and the CSV's code)."""
    return "annual" if _split(period)[1] is None else "half_year"


def parse_period(value):
    """The period as stored ("2026", "2026-H1", "2026-H2") from typed text, or ValidationFailed on `period`."""
    text = str(value or "").strip().upper().replace("－", "-")
    match = PERIOD.match(text)
    if match is None or not YEARS[0] <= int(match.group(1)) <= YEARS[1]:
        raise ValidationFailed(
            _(
                "The period must be a year such as 2026, or a half-year such as 2026-H1 or 2026-H2, "
                "between %(low)s and %(high)s.",
                low=YEARS[0],
                high=YEARS[1],
            ),
            field="period",
        )
    return text


class Standing(enum.Enum):
    """Where a (task, lead unit, period) stands in the reporting calendar."""

    REPORTED = "reported"
    LATE = "late"
    MISSING = "missing"
    NOT_DUE = "not_due"


# The worst standing of a task's lead units is the task's, in this order.
_SEVERITY = (Standing.MISSING, Standing.LATE, Standing.NOT_DUE, Standing.REPORTED)


def standing_label(standing):
    """A standing in the user's language."""
    return {
        Standing.REPORTED: _("Reported"),
        Standing.LATE: _("Late"),
        Standing.MISSING: _("Missing"),
        Standing.NOT_DUE: _("Not yet due"),
    }[standing]


def standing(report, period, today, tz=clocks.DEFAULT_TZ, due=DEFAULT_DUE):
    """The Standing of a (task, unit, `period`) whose report is `report` (None: there is none) on `today`."""
    deadline = due_date(period, due)
    if report is not None and report.first_published_at is not None:
        published = clocks.local_day(report.first_published_at, tz)
        return Standing.REPORTED if published <= deadline else Standing.LATE
    if today <= deadline:
        return Standing.NOT_DUE
    return Standing.LATE if report is not None else Standing.MISSING


@dataclass(frozen=True)
class Calendar:
    """The reporting calendar of the settings: due rule, required kinds of report, first year, time zone."""

    due: str = DEFAULT_DUE
    kinds: tuple = (task_calendar.ANNUAL,)
    first: int = DEFAULT_FIRST_YEAR
    tz: str = clocks.DEFAULT_TZ

    def is_required(self, period):
        """True when `period`'s report is required (else it is an optional interim report)."""
        return task_calendar.is_required(period, self.kinds)

    @property
    def half_years(self):
        """True when a report on the first half-year is required too."""
        return task_calendar.FIRST_HALF in self.kinds


def reporting_calendar(config):
    """The Calendar of `config` (TASK_REPORT_DUE, TASK_REPORT_PERIODS, TASK_REPORT_FIRST_YEAR, the time zone)."""
    return Calendar(
        config.get("TASK_REPORT_DUE", DEFAULT_DUE),
        task_calendar.parse_periods(
            config.get("TASK_REPORT_PERIODS", task_calendar.DEFAULT_PERIODS)
        ),
        int(config.get("TASK_REPORT_FIRST_YEAR", DEFAULT_FIRST_YEAR)),
        config.get("BABEL_DEFAULT_TIMEZONE", clocks.DEFAULT_TZ),
    )


def matrix_periods(config, today):
    """The required periods of the matrix, oldest first: from TASK_REPORT_FIRST_YEAR to the one whose report is due next."""
    cal = reporting_calendar(config)
    return task_calendar.matrix_periods(cal.kinds, cal.due, cal.first, today)


def last_due_period(config, today):
    """The latest required period (annual or half-year) whose due date has passed on `today`, or None."""
    cal = reporting_calendar(config)
    return task_calendar.last_due_period(cal.kinds, cal.due, cal.first, today)


# --- validation ----------------------------------------------------------------------------------


def _as_id(value):
    return numbers.identifier(value) or 0


def _status(value):
    if isinstance(value, TaskStatus):
        return value
    try:
        return TaskStatus(str(value or "").strip())
    except ValueError:
        raise ValidationFailed(
            _("Choose the status: not started, in progress, done, or done and sustained."),
            field="status",
        ) from None


def _progress(value):
    text = str(value if value is not None else "").strip().rstrip("%").strip()
    if text == "":
        return None
    return numbers.whole_number("progress", text, 0, 100, None)


def _markdown(value, name):
    try:
        return disclosures.markdown_text(value)
    except ValidationFailed as error:
        raise ValidationFailed(str(error), field=name) from None


def lead_tasks(unit_id):
    """The tasks `unit_id` leads, in the policy's order."""
    return db.session.scalars(
        sa.select(Task)
        .join(TaskUnit, TaskUnit.task_id == Task.id)
        .join(Measure, Measure.id == Task.measure_id)
        .where(TaskUnit.unit_id == unit_id, TaskUnit.role == TaskUnitRole.LEAD)
        .order_by(Measure.number, Task.position)
        .options(joinedload(Task.measure))
    ).all()


def _task_led_by(user, task_id):
    if not user.can(POLICY.manage):
        raise Forbidden(_("Only staff of the responsible unit can do this."))
    task = db.session.get(Task, _as_id(task_id))
    if task is None:
        raise ValidationFailed(_("Choose one of the tasks your unit leads."), field="task")
    if user.unit_id not in {u.id for u in task.lead_units}:
        raise ValidationFailed(_("Choose one of the tasks your unit leads."), field="task")
    return task


# --- drafting ------------------------------------------------------------------------------------


def create_draft(
    user, task_id, period, status, progress=None, done_text="", next_steps="", now=None
):
    """A draft report of `user`'s unit (a lead unit of the task) for `period`; one per (task, unit, period)."""
    task = _task_led_by(user, task_id)
    period = parse_period(period)
    values = _values(status, progress, done_text, next_steps)
    exists = db.session.scalar(
        sa.select(TaskReport.id).where(
            TaskReport.task_id == task.id,
            TaskReport.unit_id == user.unit_id,
            TaskReport.period == period,
        )
    )
    if exists is not None:
        raise ValidationFailed(
            _(
                "Your unit already has a report on this task for %(period)s (number %(id)s): "
                "edit or revise that one.",
                period=period_label(period),
                id=exists,
            ),
            field="period",
        )
    report = TaskReport(
        task=task, unit_id=user.unit_id, period=period, created_by_id=user.id, **values
    )
    db.session.add(report)
    db.session.flush()
    return report


def _values(status, progress, done_text, next_steps):
    return {
        "status": _status(status),
        "progress": _progress(progress),
        "done_text": _markdown(done_text, "done_text"),
        "next_steps": _markdown(next_steps, "next_steps"),
    }


def update_draft(user, report, status, progress, done_text, next_steps, version=None):
    """Change a draft's status, progress and texts, validated together."""
    POLICY.act(user, report, version)
    if report.state is not TaskReportState.DRAFT:
        raise Conflict(_("Only a draft can be edited; a published report is revised with a note."))
    for name, value in _values(status, progress, done_text, next_steps).items():
        setattr(report, name, value)
    report.updated_at = utcnow()
    db.session.flush()
    return report


def _required_text(report):
    if not report.done_text.strip():
        raise ValidationFailed(_("Enter what was done in the period."), field="done_text")


def publish(user, report, now=None, version=None):
    """Publish a draft as version 1."""
    now = now or utcnow()
    POLICY.act(user, report, version)
    if report.state is not TaskReportState.DRAFT:
        raise Conflict(_("This report has been published already."))
    _required_text(report)
    report.versions.append(_version(report, 1, "", user, now))
    report.state, report.first_published_at, report.updated_at = (
        TaskReportState.PUBLISHED,
        now,
        now,
    )
    audit.record("task_report.published", "task_report", report.id, actor=user, now=now)
    db.session.flush()
    search.enqueue(search.TASK_REPORT_KIND, report.id)
    return report.versions[-1]


def _version(report, number, note, user, now):
    return TaskReportVersion(
        number=number,
        status=report.status,
        progress=report.progress,
        done_text=report.done_text,
        next_steps=report.next_steps,
        note=note,
        published_at=now,
        published_by_id=user.id,
        evidence_keys=[f"{e.kind.value}:{e.item_id}" for e in report.evidence],
        contribution_texts=[{"unit_id": c.unit_id, "text": c.text} for c in report.contributions],
    )


def revise(user, report, status, progress, done_text, next_steps, note, now=None, version=None):
    """Publish new values of a published report as the next version, with a public note on what changed."""
    now = now or utcnow()
    POLICY.act(user, report, version)
    if report.state is not TaskReportState.PUBLISHED:
        raise Conflict(_("Only a published report can be revised."))
    values = _values(status, progress, done_text, next_steps)
    if not values["done_text"].strip():
        raise ValidationFailed(_("Enter what was done in the period."), field="done_text")
    latest = report.versions[-1]
    if all(getattr(report, name) == value for name, value in values.items()):
        raise ValidationFailed(
            _("Nothing changed: these are the values of version %(n)s.", n=latest.number),
            field="done_text",
        )
    note = drafts.text_field(note, "note", _("What changed"), *NOTE_LENGTH)
    for name, value in values.items():
        setattr(report, name, value)
    report.versions.append(_version(report, latest.number + 1, note, user, now))
    report.updated_at = now
    audit.record("task_report.revised", "task_report", report.id, actor=user, now=now)
    db.session.flush()
    search.enqueue(search.TASK_REPORT_KIND, report.id)
    return report.versions[-1]


# --- evidence ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceItem:
    """A public record a report may link (or links): its kind, id, label and public address (endpoint, values)."""

    kind: EvidenceKind
    item_id: int
    label: str
    endpoint: str
    values: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def key(self):
        """ "disclosure:12": how a form names the item."""
        return f"{self.kind.value}:{self.item_id}"


@dataclass(frozen=True)
class _EvidenceSource:
    """Where a kind of evidence comes from: its model, the public query of a unit's or task's records, and
    how one becomes an EvidenceItem."""

    model: type
    query: Callable  # (unit_id, task_id) → a select of the public records of the unit or the task
    item: Callable  # a record → its EvidenceItem


_EVIDENCE = {
    EvidenceKind.DISCLOSURE: _EvidenceSource(
        Disclosure,
        lambda unit_id, task_id: sa.select(Disclosure).where(
            access.PUBLISHED_DISCLOSURES.where(),
            sa.or_(Disclosure.unit_id == unit_id, Disclosure.tasks.any(Task.id == task_id)),
        ),
        lambda d: EvidenceItem(
            EvidenceKind.DISCLOSURE,
            d.id,
            d.title,
            "public.disclosures_show",
            {"disclosure_id": d.id},
        ),
    ),
    EvidenceKind.CONSULTATION: _EvidenceSource(
        Consultation,
        lambda unit_id, task_id: access.CONSULTATIONS.public_query().where(
            sa.or_(Consultation.unit_id == unit_id, Consultation.tasks.any(Task.id == task_id))
        ),
        lambda c: EvidenceItem(
            EvidenceKind.CONSULTATION,
            c.id,
            c.title,
            "public.consultations_show",
            {"consultation_id": c.id},
        ),
    ),
    EvidenceKind.REPORT: _EvidenceSource(
        Report,
        lambda unit_id, task_id: access.REPORTS.public_query().where(
            Report.status == ReportStatus.CLOSED,
            sa.or_(Report.unit_id == unit_id, Report.task_id == task_id),
        ),
        lambda r: EvidenceItem(
            EvidenceKind.REPORT,
            r.id,
            _("Closed report %(ref)s", ref=r.reference),
            "public.reports_show",
            {"reference": r.reference},
        ),
    ),
    EvidenceKind.OBSERVATION: _EvidenceSource(
        Observation,
        lambda unit_id, task_id: (
            sa.select(Observation)
            .join(Disclosure, Disclosure.id == Observation.disclosure_id)
            .where(access.PUBLISHED_DISCLOSURES.where(), Observation.goal.has(task_id=task_id))
            .options(joinedload(Observation.goal))
        ),
        lambda o: EvidenceItem(
            EvidenceKind.OBSERVATION,
            o.id,
            f"{o.goal.name} {o.year}: {disclosures.observation_text(o)}",
            "public.disclosures_show",
            {"disclosure_id": o.disclosure_id},
        ),
    ),
}


def _evidence_items(kind, unit_id, task_id, ids=None):
    """The public records of `kind` of the unit or task: those of `ids`, or the latest EVIDENCE_CHOICES; newest first."""
    source = _EVIDENCE[kind]
    query = source.query(unit_id, task_id).order_by(source.model.id.desc())
    query = query.limit(EVIDENCE_CHOICES) if ids is None else query.where(source.model.id.in_(ids))
    return [source.item(record) for record in db.session.scalars(query)]


def evidence_label(kind):
    """An evidence kind in the user's language."""
    return {
        EvidenceKind.DISCLOSURE: _("Disclosures"),
        EvidenceKind.CONSULTATION: _("Consultations"),
        EvidenceKind.REPORT: _("Closed citizen reports"),
        EvidenceKind.OBSERVATION: _("Goal observations"),
    }[kind]


def evidence_choices(report):
    """[(kind, [EvidenceItem])]: the latest public records of the report's unit or task it may link."""
    return [(kind, _evidence_items(kind, report.unit_id, report.task_id)) for kind in _EVIDENCE]


def public_evidence(report):
    """The report's evidence that is still public, as EvidenceItems (a withdrawn disclosure drops out)."""
    return _public_items(report, [(link.kind, link.item_id) for link in report.evidence])


def _public_items(report, pairs):
    """The EvidenceItems of the (kind, id) `pairs` that are public records of the report's unit or task."""
    wanted = {}
    for kind, item_id in pairs:
        wanted.setdefault(kind, []).append(item_id)
    found = []
    for kind, ids in wanted.items():
        found.extend(_evidence_items(kind, report.unit_id, report.task_id, ids))
    return found


def set_evidence(user, report, keys, version=None, now=None):
    """Link the public records named by `keys` ("disclosure:12", …) to the report, replacing its links; once
    it is published, each link added or removed is kept in its evidence history."""
    POLICY.act(user, report, version)
    wanted = {}
    for key in dict.fromkeys(keys or ()):
        kind_text, _sep, id_text = str(key).partition(":")
        try:
            kind = EvidenceKind(kind_text)
        except ValueError:
            kind = None
        item_id = numbers.identifier(id_text)
        if kind is None or item_id is None:
            raise ValidationFailed(_("Choose evidence from the lists offered."), field="evidence")
        wanted.setdefault(kind, set()).add(item_id)
    links = []
    for kind, ids in wanted.items():
        found = {
            item.item_id for item in _evidence_items(kind, report.unit_id, report.task_id, ids)
        }
        if found != ids:
            raise ValidationFailed(
                _(
                    "Evidence must be a public record of your unit or of this task; "
                    "%(kind)s %(id)s is not one.",
                    kind=evidence_label(kind),
                    id=min(ids - found),
                ),
                field="evidence",
            )
        links.extend(TaskReportEvidence(kind=kind, item_id=i) for i in sorted(ids))
    if report.state is TaskReportState.PUBLISHED:
        _keep_evidence_changes(user, report, links, now or utcnow())
    if report.evidence:
        report.evidence = []
        db.session.flush()
    report.evidence = links
    report.updated_at = utcnow()
    db.session.flush()
    return links


def _keep_evidence_changes(user, report, links, now):
    """Append what a published report's new links add and remove to its evidence history, and audit it."""
    old = {(e.kind, e.item_id) for e in report.evidence}
    new = {(e.kind, e.item_id) for e in links}
    changes = [(pair, EvidenceChange.REMOVED) for pair in old - new] + [
        (pair, EvidenceChange.ADDED) for pair in new - old
    ]
    for (kind, item_id), change in sorted(changes, key=lambda c: (c[0][0].value, c[0][1])):
        report.evidence_changes.append(
            TaskReportEvidenceChange(
                unit_id=report.unit_id,
                kind=kind,
                item_id=item_id,
                change=change,
                changed_at=now,
                changed_by_id=user.id,
            )
        )
    if changes:
        detail = "; ".join(
            f"{change.value} {kind.value}:{item_id}" for (kind, item_id), change in changes
        )
        audit.record(
            "task_report.evidence_changed",
            "task_report",
            report.id,
            actor=user,
            detail=detail,
            now=now,
        )


# --- contributions -------------------------------------------------------------------------------


def may_contribute(user, report):
    """True when `user` is staff of a participating unit of the report's task with the permission."""
    return user.can(POLICY.manage) and user.unit_id in {
        u.id for u in report.task.participating_units
    }


def contribute(user, report, text, now=None):
    """Save `user`'s unit's contribution to `report` (an empty text removes it); public with the report. Once the
    report is published, each change is kept in its contribution history."""
    if not POLICY.in_unit(user, report):
        raise POLICY.not_found(report.id)
    if not may_contribute(user, report):
        raise Forbidden(
            _("Only staff of a participating unit of this task can add a contribution.")
        )
    text = _markdown(text, "text")
    existing = next((c for c in report.contributions if c.unit_id == user.unit_id), None)
    if not text.strip():
        if existing is not None:
            _keep_contribution_change(user, report, existing.text, "", now)
            report.contributions.remove(existing)
        db.session.flush()
        search.enqueue(search.TASK_REPORT_KIND, report.id)
        return None
    if not CONTRIBUTION_LENGTH[0] <= len(text) <= CONTRIBUTION_LENGTH[1]:
        raise ValidationFailed(
            _(
                "%(field)s must be between %(low)s and %(high)s characters.",
                field=_("Contribution"),
                low=CONTRIBUTION_LENGTH[0],
                high=CONTRIBUTION_LENGTH[1],
            ),
            field="text",
        )
    _keep_contribution_change(user, report, existing.text if existing else "", text, now)
    if existing is None:
        existing = TaskReportContribution(unit_id=user.unit_id, created_by_id=user.id, text=text)
        report.contributions.append(existing)
    else:
        existing.text, existing.updated_at = text, utcnow()
    db.session.flush()
    search.enqueue(search.TASK_REPORT_KIND, report.id)
    return existing


def _keep_contribution_change(user, report, old, new, now):
    """Append a change of a published report's contribution to its history, and audit it (a draft keeps none)."""
    if report.state is not TaskReportState.PUBLISHED or old == new:
        return
    now = now or utcnow()
    report.contribution_changes.append(
        TaskReportContributionChange(
            unit_id=user.unit_id,
            old_text=old,
            new_text=new,
            changed_at=now,
            changed_by_id=user.id,
        )
    )
    audit.record(
        "task_report.contribution_changed",
        "task_report",
        report.id,
        actor=user,
        detail=f"unit {user.unit_id}",
        now=now,
    )


# --- public queries ------------------------------------------------------------------------------


def get_task(task_id):
    """The task `task_id` with its measure, chapter and units, or NotFound."""
    task = db.session.get(
        Task,
        _as_id(task_id),
        options=(
            joinedload(Task.measure).joinedload(Measure.chapter),
            selectinload(Task.assignments).joinedload(TaskUnit.unit).selectinload(Unit.aliases),
        ),
    )
    if task is None:
        raise NotFound(_("There is no policy task number %(id)s.", id=task_id))
    return task


def public_reports_of_task(task_id):
    """The task's published reports, newest period first, with versions, contributions, evidence and their history."""
    return db.session.scalars(
        POLICY.public_query(*POLICY.page())
        .where(TaskReport.task_id == task_id)
        .order_by(TaskReport.period.desc(), TaskReport.unit_id)
    ).all()


def example_task_id():
    """The first task's id (for example links), or None before the policy is imported."""
    return db.session.scalar(sa.select(sa.func.min(Task.id)))


def get_public(report_id, task_id=None):
    """A published report (of task `task_id` when given: its address names the task), or NotFound."""
    report = POLICY.get_public(report_id)
    if task_id is not None and report.task_id != task_id:
        raise POLICY.not_found(report_id)
    return report


def version(report, number):
    """Version `number` of a public report, or NotFound."""
    found = next((v for v in report.versions if v.number == _as_id(number)), None)
    if found is None:
        raise NotFound(_("This report has no version %(n)s.", n=number))
    return found


def _version_title(version_):
    progress = "" if version_.progress is None else f" · {version_.progress}%"
    return f"{status_label(version_.status)}{progress}"


def diff(report, older, newer):
    """The disclosures.VersionDiff of a public report between two versions (numbers as typed; bad ones name `from`/`to`)."""
    return disclosures.compare_versions(report.versions, older, newer, _version_title)


# --- the record of contributions and evidence after publication ---------------------------------


@dataclass
class ContributionHistory:
    """A participating unit's contribution to a public report: its text now ("" once removed) and its changes
    since the report was published, oldest first."""

    unit: Unit
    text: str
    changes: list = field(default_factory=list)  # TaskReportContributionChange

    @property
    def changed_at(self):
        """When it last changed after publication, or None."""
        return self.changes[-1].changed_at if self.changes else None


def contribution_histories(report):
    """Every unit's ContributionHistory on a report: the current contributions in order, then the removed ones."""
    histories = {c.unit_id: ContributionHistory(c.unit, c.text) for c in report.contributions}
    for change in report.contribution_changes:
        histories.setdefault(change.unit_id, ContributionHistory(change.unit, ""))
        histories[change.unit_id].changes.append(change)
    return list(histories.values())


def text_changes(old, new):
    """The paragraphs of a Markdown text from `old` to `new`, word by word (disclosures.ParagraphChange)."""
    from portal.rendering import plain_paragraphs  # the Markdown parser is built on first use

    return disclosures.compare_paragraphs(plain_paragraphs(old), plain_paragraphs(new))


def evidence_history(report):
    """[(TaskReportEvidenceChange, its EvidenceItem or None once the record is no longer public)], newest first."""
    changes = report.evidence_changes
    found = {
        (item.kind, item.item_id): item
        for item in _public_items(report, {(c.kind, c.item_id) for c in changes})
    }
    return [(c, found.get((c.kind, c.item_id))) for c in reversed(changes)]


def version_contributions(version_):
    """[(unit, text)] of the contributions as `version_` was published, or None when not recorded (before 0020)."""
    if version_.contribution_texts is None:
        return None
    return [(db.session.get(Unit, c["unit_id"]), c["text"]) for c in version_.contribution_texts]


@dataclass
class RecordDiff:
    """The evidence and contributions of two versions of a report, as each was published."""

    recorded: bool  # False: one of the versions was published before they were kept
    added: list = field(default_factory=list)  # [(key, EvidenceItem or None)]
    removed: list = field(default_factory=list)
    kept: list = field(default_factory=list)
    contributions: list = field(
        default_factory=list
    )  # [(unit, old text, new text, ParagraphChanges)]

    @property
    def changed(self):
        """True when a link or a contribution differs between the two versions."""
        return bool(self.added or self.removed or self.contributions)


def record_diff(report, older, newer):
    """The RecordDiff of two versions of `report` (the versions of a `diff`)."""
    if older.evidence_keys is None or newer.evidence_keys is None:
        return RecordDiff(False)
    old_keys, new_keys = list(older.evidence_keys), list(newer.evidence_keys)
    pairs = {_key_pair(k) for k in old_keys + new_keys}
    found = {item.key: item for item in _public_items(report, pairs)}
    result = RecordDiff(
        True,
        [(k, found.get(k)) for k in new_keys if k not in old_keys],
        [(k, found.get(k)) for k in old_keys if k not in new_keys],
        [(k, found.get(k)) for k in new_keys if k in old_keys],
    )
    old_texts = {u.id: (u, t) for u, t in version_contributions(older) or ()}
    new_texts = {u.id: (u, t) for u, t in version_contributions(newer) or ()}
    for unit_id in [*old_texts, *(i for i in new_texts if i not in old_texts)]:
        unit, old = old_texts.get(unit_id, (None, ""))
        unit, new = new_texts.get(unit_id, (unit, ""))
        if old != new:
            result.contributions.append((unit, old, new, text_changes(old, new)))
    return result


def _key_pair(key):
    kind, _sep, item_id = key.partition(":")
    return EvidenceKind(kind), int(item_id)


def evidence_key_label(key):
    """ "Disclosures no. 12" for a key whose record is no longer public."""
    kind, item_id = _key_pair(key)
    return _("%(kind)s no. %(id)s (no longer public)", kind=evidence_label(kind), id=item_id)


def latest_by_task(unit_id):
    """{task id: the latest published report of `unit_id` on it} (the newest period)."""
    reports = db.session.scalars(
        POLICY.public_query().where(TaskReport.unit_id == unit_id).order_by(TaskReport.period)
    ).all()
    return {r.task_id: r for r in reports}


def recent_public(limit, unit_id=None, task_id=None):
    """Published reports, last changed first (for feeds), of one unit or task when given."""
    query = POLICY.public_query(
        selectinload(TaskReport.versions),
        joinedload(TaskReport.unit),
        joinedload(TaskReport.task),
    )
    if unit_id is not None:
        query = query.where(TaskReport.unit_id == unit_id)
    if task_id is not None:
        query = query.where(TaskReport.task_id == task_id)
    return db.session.scalars(
        query.order_by(TaskReport.updated_at.desc(), TaskReport.id.desc()).limit(limit)
    ).all()


# --- the accountability matrix -------------------------------------------------------------------


@dataclass
class MatrixRow:
    """One task of the matrix: its cells by period, and per period each lead unit's standing and report."""

    task: Task
    cells: dict  # period → the task's Standing (the worst of its lead units')
    details: dict  # period → [(unit, Standing, public report or None)]


@dataclass
class Matrix:
    """Tasks × required periods, the last period whose due date passed, and the tasks with no report for it."""

    periods: list
    rows: list
    last_due: str | None
    unreported: list
    due: str = DEFAULT_DUE
    half_years: bool = False  # a report on the first half-year is required too

    def due_on(self, period):
        """The day `period`'s report is due."""
        return due_date(period, self.due)


def matrix(config, today, unit=None, chapter=None):
    """The accountability matrix on `today`, of the tasks a unit leads (`unit` id) and/or of a chapter (number).

    A filter value that is not a unit or chapter raises ValidationFailed naming it.
    """
    cal = reporting_calendar(config)
    due, tz = cal.due, cal.tz
    query = (
        sa.select(Task)
        .join(Measure, Measure.id == Task.measure_id)
        .join(Chapter, Chapter.id == Measure.chapter_id)
        .order_by(Measure.number, Task.position)
        .options(
            joinedload(Task.measure),
            selectinload(Task.assignments).joinedload(TaskUnit.unit).selectinload(Unit.aliases),
        )
    )
    if unit not in (None, ""):
        found = db.session.get(Unit, _as_id(unit)) if numbers.is_whole(str(unit)) else None
        if found is None:
            raise numbers.refused("unit", unit)
        query = query.where(
            Task.assignments.any(
                sa.and_(TaskUnit.unit_id == found.id, TaskUnit.role == TaskUnitRole.LEAD)
            )
        )
    if chapter not in (None, ""):
        text = str(chapter).strip()
        number = int(text) if numbers.is_whole(text) else None
        if (
            number is None
            or db.session.scalar(sa.select(Chapter.id).where(Chapter.number == number)) is None
        ):
            raise numbers.refused("chapter", chapter)
        query = query.where(Chapter.number == number)
    tasks = db.session.scalars(query).unique().all()
    periods = matrix_periods(config, today)
    # Every report of these periods, drafts included: a draft makes a missing report a late one. Only
    # published ones are handed out.
    reports = {
        (r.task_id, r.unit_id, r.period): r
        for r in db.session.scalars(
            sa.select(TaskReport).where(
                TaskReport.period.in_(periods), TaskReport.task_id.in_([t.id for t in tasks])
            )
        )
    }
    rows = []
    for task in tasks:
        cells, details = {}, {}
        for period in periods:
            entries = []
            for lead in task.lead_units:
                report = reports.get((task.id, lead.id, period))
                entries.append(
                    (
                        lead,
                        standing(report, period, today, tz, due),
                        report if report is not None and POLICY.is_public(report) else None,
                    )
                )
            details[period] = entries
            cells[period] = min(
                (s for _u, s, _r in entries), key=_SEVERITY.index, default=Standing.NOT_DUE
            )
        rows.append(MatrixRow(task, cells, details))
    last = last_due_period(config, today)
    unreported = [
        row
        for row in rows
        if last is not None
        and row.cells.get(last) in (Standing.MISSING, Standing.LATE)
        and not any(r is not None for _u, _s, r in row.details.get(last, []))
    ]
    return Matrix(periods, rows, last, unreported, due, cal.half_years)


MATRIX_COLUMNS = (
    "task_id",
    "measure",
    "task",
    "unit",
    "period",
    "due_on",
    "standing",
    "status",
    "progress",
    "report_url",
)


def matrix_rows(result, url_for_endpoint):
    """The matrix as CSV rows: one per task, lead unit and period (names in Chinese, codes for standing and status)."""
    rows = []
    for row in result.rows:
        for period in result.periods:
            for unit, standing_, report in row.details[period]:
                rows.append(
                    [
                        row.task.id,
                        row.task.measure.number,
                        row.task.title,
                        unit.name,
                        period,
                        result.due_on(period).isoformat(),
                        standing_.value,
                        report.status.value if report else "",
                        report.progress if report and report.progress is not None else "",
                        url_for_endpoint("public.tasks_show", task_id=row.task.id)
                        + f"#report-{report.id}"
                        if report
                        else "",
                    ]
                )
    return rows


def matrix_filter_choices():
    """{"unit": lead units, "chapter": chapters} as (value, label) string pairs."""
    units = db.session.scalars(
        sa.select(Unit)
        .where(Unit.id.in_(sa.select(TaskUnit.unit_id).where(TaskUnit.role == TaskUnitRole.LEAD)))
        .order_by(Unit.id)
        .options(selectinload(Unit.aliases))
    ).all()
    chapters = db.session.scalars(sa.select(Chapter).order_by(Chapter.number)).all()
    return {
        "unit": [(str(u.id), u.label) for u in units],
        "chapter": [(str(c.number), c.title) for c in chapters],
    }


# --- reminders -----------------------------------------------------------------------------------


def queue_reminders(config, now=None):
    """Queue a reminder to the lead unit's administrators for each unpublished report of the last required period
    that has ended (annual, or first half-year when required) from TASK_REPORT_REMINDER_DAYS before its due date
    (or once past it); once per (task, unit, period). The count queued."""
    now = now or utcnow()
    cal = reporting_calendar(config)
    days = int(config.get("TASK_REPORT_REMINDER_DAYS", DEFAULT_REMINDER_DAYS))
    today = clocks.local_day(now, cal.tz)
    period = task_calendar.reminder_period(cal.kinds, cal.due, cal.first, today, days)
    if period is None:
        return 0
    deadline = due_date(period, cal.due)
    published = set(
        db.session.execute(
            sa.select(TaskReport.task_id, TaskReport.unit_id).where(
                TaskReport.period == period, TaskReport.state == TaskReportState.PUBLISHED
            )
        ).all()
    )
    reminded = set(
        db.session.execute(
            sa.select(TaskReportReminder.task_id, TaskReportReminder.unit_id).where(
                TaskReportReminder.period == period
            )
        ).all()
    )
    assignments = db.session.scalars(
        sa.select(TaskUnit)
        .where(TaskUnit.role == TaskUnitRole.LEAD)
        .order_by(TaskUnit.unit_id, TaskUnit.task_id)
        .options(joinedload(TaskUnit.task), joinedload(TaskUnit.unit))
    ).all()
    admins = {}
    count = 0
    for assignment in assignments:
        key = (assignment.task_id, assignment.unit_id)
        if key in published or key in reminded:
            continue
        if assignment.unit_id not in admins:
            admins[assignment.unit_id] = db.session.scalars(
                sa.select(User.email).where(
                    User.unit_id == assignment.unit_id,
                    User.role == Role.UNIT_ADMIN,
                    User.active.is_(True),
                    User.email != "",
                )
            ).all()
        mail.queue_all(
            admins[assignment.unit_id],
            "task_reports/reminder",
            task=assignment.task,
            unit=assignment.unit,
            period=period,
            due=deadline,
            late=today > deadline,
        )
        db.session.add(
            TaskReportReminder(
                task_id=assignment.task_id, unit_id=assignment.unit_id, period=period, queued_at=now
            )
        )
        count += 1
    db.session.flush()
    return count


# --- the unit's console list ---------------------------------------------------------------------


def console_list(user):
    """The reports `user`'s unit reads in the console (its own, and those of tasks it takes part in), newest first."""
    return db.session.scalars(
        POLICY.console_query(
            user, joinedload(TaskReport.task).joinedload(Task.measure), joinedload(TaskReport.unit)
        ).order_by(TaskReport.period.desc(), TaskReport.id.desc())
    ).all()


# --- open data -----------------------------------------------------------------------------------


DATASET_COLUMNS = (
    "id",
    "task_id",
    "measure",
    "task",
    "unit",
    "period",
    "due_on",
    "required",
    "status",
    "progress",
    "done_text",
    "next_steps",
    "contributions",
    "versions",
    "first_published_at",
    "last_published_at",
    "url",
)


def dataset_rows(link, config=None):
    """The published reports as rows of the `task_reports` dataset (DATASET_COLUMNS; the latest version's values)."""
    cal = reporting_calendar(config or {})
    reports = db.session.scalars(
        POLICY.public_query(
            selectinload(TaskReport.versions),
            selectinload(TaskReport.contributions).joinedload(TaskReportContribution.unit),
            joinedload(TaskReport.unit),
            joinedload(TaskReport.task).joinedload(Task.measure),
        ).order_by(TaskReport.id)
    ).all()
    for r in reports:
        yield (
            r.id,
            r.task_id,
            r.task.measure.number,
            r.task.title,
            r.unit.name,
            r.period,
            due_date(r.period, cal.due).isoformat(),
            cal.is_required(r.period),
            r.status.value,
            r.progress,
            r.done_text,
            r.next_steps,
            "\n\n".join(f"{c.unit.name}：{c.text}" for c in r.contributions),
            len(r.versions),
            r.first_published_at.isoformat(),
            r.versions[-1].published_at.isoformat(),
            link("public.tasks_show", task_id=r.task_id) + f"#report-{r.id}",
        )
