"""Consultations (意见征集): drafting, the EIA rules, the comment period, and the participation statement.

Who may do what (the policy `access.CONSULTATIONS`, see docs/architecture.md):

- A consultation is public once it has been published (`published_at` is set): open, closed,
  answered, or withdrawn after publication. A draft, and a draft withdrawn before publication, is
  seen only by its unit and by site administrators (SITE_CONSULTATIONS_VIEW).
- Only staff of the responsible unit with CONSULTATIONS_MANAGE act on a consultation. Someone who
  cannot see it gets NotFound (they may not learn that a draft exists); someone who can see it but
  is not of the unit (another unit's staff on a public consultation, a site administrator) gets
  Forbidden.

Projects and stages: a construction project (Project) groups the consultations of its stages
(立项, 实施, 后评价). An EIA or plan (规划) consultation may belong to a project and then must name
the stage; a policy draft never belongs to a project. A stage without a project is refused. A
project may have consultations of several units (e.g. approval by one unit, EIA by another).

The comment period runs from `opens_on` to `closes_on`, both included, in Beijing dates: comments
are accepted until the end of the closing day. See `count_period` for how EIA working days count.

Every text shown to the public passes through `portal.sanitize.clean_text` before it is stored.
Functions never commit; the caller does.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy.orm import joinedload

from portal import numbers
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.extensions import db
from portal.models import (
    Area,
    Comment,
    CommentState,
    Consultation,
    ConsultationKind,
    ConsultationState,
    Paragraph,
    Project,
    ProjectStage,
    Unit,
)
from portal.models.types import utcnow
from portal.numbers import is_whole
from portal.sanitize import clean_text
from portal.services import access, clocks, drafts, subscriptions

EIA_RULES = "《环境影响评价公众参与办法》"
TITLE_LENGTH = (1, 200)
SUMMARY_LENGTH = 2000
BODY_LENGTH = 200_000
PROJECT_NAME_LENGTH = (1, 200)
WITHDRAW_REASON_LENGTH = (5, 2000)
STATEMENT_LENGTH = (10, 20_000)
MAX_PERIOD_DAYS = 366
# Kinds that may belong to a construction project (and then must name its stage).
PROJECT_KINDS = (ConsultationKind.EIA, ConsultationKind.PLAN)
# EIA notice columns and their lengths (the project's name comes from the project).
# name → (label, longest length)
EIA_TEXT_FIELDS = {
    "project_location": (_l("Project location"), 300),
    "developer_name": (_l("Developer"), 200),
    "developer_contact": (_l("Developer's contact"), 200),
    "eia_preparer": (_l("EIA preparer"), 200),
    "how_to_comment": (_l("How to comment"), 2000),
}
# The moderation states that still wait for a decision by staff.
AWAITING_MODERATION = (CommentState.PENDING, CommentState.FLAGGED)
_PARAGRAPH_BREAK = "\n\n"


# --- access --------------------------------------------------------------------------------------

# Who may see and act on a consultation is decided by its policy (portal.services.access): callers read
# and act through `POLICY` (`get_public`, `get_for`, `get_for_unit`, `act`, …). The console's manage pages use
# `get_for_unit`, stricter than `get_for`: they list waiting and hidden comments, which another unit's staff
# may not learn of even when the consultation itself is public.
POLICY = access.CONSULTATIONS


def _as_id(value):
    # 0 is no row's id: db.session.get() then finds nothing, without a query that overflows.
    return numbers.identifier(value) or 0


# --- validation helpers --------------------------------------------------------------------------


def kind_label(kind):
    """A consultation's kind in the user's language."""
    return {
        ConsultationKind.EIA: _("EIA of a construction project (建设项目环评)"),
        ConsultationKind.POLICY_DRAFT: _("Policy draft (政策文件草案)"),
        ConsultationKind.PLAN: _("Plan (规划)"),
    }[kind]


def stage_label(stage):
    """A project stage in the user's language ('' for none)."""
    if stage is None:
        return ""
    return {
        ProjectStage.APPROVAL: _("Approval (立项)"),
        ProjectStage.IMPLEMENTATION: _("Implementation (实施)"),
        ProjectStage.POST_EVALUATION: _("Post-evaluation (后评价)"),
    }[stage]


def state_label(state):
    """A consultation's state in the user's language."""
    return {
        ConsultationState.DRAFT: _("Draft"),
        ConsultationState.OPEN: _("Open for comments"),
        ConsultationState.CLOSED: _("Comment period ended"),
        ConsultationState.ANSWERED: _("Answered"),
        ConsultationState.WITHDRAWN: _("Withdrawn"),
    }[state]


def _enum(kind, value, name, message):
    if isinstance(value, kind):
        return value
    try:
        return kind(value)
    except ValueError:
        raise ValidationFailed(message, field=name) from None


def _kind(value):
    return _enum(
        ConsultationKind,
        value,
        "kind",
        _(
            "Choose the kind of consultation: an EIA of a construction project, a policy draft or a plan."
        ),
    )


def _stage(value):
    if value in (None, ""):
        return None
    return _enum(
        ProjectStage,
        value,
        "stage",
        _(
            "Choose the project stage: approval (立项), implementation (实施) "
            "or post-evaluation (后评价)."
        ),
    )


def split_paragraphs(text):
    """The paragraphs of a document: cleaned text split at blank lines, empty ones dropped."""
    cleaned = clean_text(text)
    return [p.strip() for p in cleaned.split(_PARAGRAPH_BREAK) if p.strip()]


def _paragraphs(body_text):
    if len(body_text or "") > BODY_LENGTH:
        raise ValidationFailed(
            _(
                "%(field)s must be %(n)s characters or fewer.",
                field=_("Document text"),
                n=BODY_LENGTH,
            ),
            field="body_text",
        )
    paragraphs = split_paragraphs(body_text)
    if not paragraphs:
        raise ValidationFailed(
            _("Enter the document text: paste the text of the document."), field="body_text"
        )
    return paragraphs


def _dates(opens_on, closes_on):
    for name, value in (("opens_on", opens_on), ("closes_on", closes_on)):
        if value is not None and (isinstance(value, datetime) or not isinstance(value, date)):
            raise ValidationFailed(
                _("The dates of the comment period must be real calendar dates."), field=name
            )
    if opens_on is not None and closes_on is not None:
        if closes_on <= opens_on:
            raise ValidationFailed(
                _("The last day of the comment period must be after its first day."),
                field="closes_on",
            )
        if (closes_on - opens_on).days > MAX_PERIOD_DAYS:
            raise ValidationFailed(
                _("The last day of the comment period must be within one year of its first day."),
                field="closes_on",
            )


# --- projects ------------------------------------------------------------------------------------


def create_project(unit, name, area, location="", developer="", created_by=None):
    """A construction project of `unit` whose consultations run across its stages."""
    unit = LIFECYCLE.drafting_unit(unit, created_by)
    project = Project(
        name=drafts.text_field(
            name, "name", _("Project name"), *PROJECT_NAME_LENGTH, single_line=True
        ),
        location=drafts.text_field(
            location, "location", _("Project location"), 0, 300, single_line=True
        ),
        developer=drafts.text_field(
            developer, "developer", _("Developer"), 0, 200, single_line=True
        ),
        area=drafts.area(area),
        unit=unit,
    )
    db.session.add(project)
    db.session.flush()
    return project


def project_consultations(project):
    """The published consultations of `project` by stage, as (stage, consultations) in stage order."""
    groups = {stage: [] for stage in ProjectStage}
    for consultation in project.consultations:
        if POLICY.is_public(consultation):
            groups[consultation.stage].append(consultation)
    return list(groups.items())


def get_public_project(project_id):
    """(project, its published consultations by stage) for the public page; NotFound while none is public.

    A project exists for the public only through its published consultations: one whose
    consultations are all drafts is not named.
    """
    project = db.session.get(Project, _as_id(project_id))
    groups = project_consultations(project) if project is not None else []
    if not any(items for _stage, items in groups):
        raise NotFound(_("No project has the number %(id)s.", id=project_id))
    return project, groups


# --- drafting ------------------------------------------------------------------------------------

_EDITABLE = (
    "kind",
    "title",
    "summary",
    "body_text",
    "area",
    "project",
    "stage",
    "task_ids",
    "opens_on",
    "closes_on",
    *EIA_TEXT_FIELDS,
)


def _apply(consultation, values):
    """Validate every value of a draft and write it to `consultation`."""
    kind = _kind(values["kind"])
    title = drafts.text_field(values["title"], "title", _("Title"), *TITLE_LENGTH, single_line=True)
    summary = drafts.text_field(
        values["summary"], "summary", _("Summary of the document"), 0, SUMMARY_LENGTH
    )
    area = drafts.area(values["area"])
    project, stage = values["project"], _stage(values["stage"])
    if project is not None and not isinstance(project, Project):
        raise ValidationFailed(_("Choose an existing construction project."), field="project")
    if project is not None and kind not in PROJECT_KINDS:
        raise ValidationFailed(
            _(
                "Only an EIA or a plan belongs to a construction project: choose no project for this kind."
            ),
            field="project",
        )
    if project is not None and stage is None:
        raise ValidationFailed(
            _(
                "Choose the project stage: approval (立项), implementation (实施) "
                "or post-evaluation (后评价)."
            ),
            field="stage",
        )
    if project is None and stage is not None:
        raise ValidationFailed(
            _("A project stage belongs to a construction project: choose the project too."),
            field="stage",
        )
    eia = {
        name: drafts.text_field(values[name], name, label, 0, high)
        for name, (label, high) in EIA_TEXT_FIELDS.items()
    }
    _dates(values["opens_on"], values["closes_on"])
    tasks = drafts.tasks(values["task_ids"]) if values["task_ids"] is not None else None
    paragraphs = _paragraphs(values["body_text"]) if values["body_text"] is not None else None

    consultation.kind, consultation.title, consultation.summary = kind, title, summary
    consultation.area, consultation.project, consultation.stage = area, project, stage
    for name, value in eia.items():
        setattr(consultation, name, value)
    consultation.opens_on, consultation.closes_on = values["opens_on"], values["closes_on"]
    if tasks is not None:
        consultation.tasks = tasks
    if paragraphs is not None:
        if consultation.paragraphs:
            # Old rows go first: (consultation, number) is unique and the flush inserts before it deletes.
            consultation.paragraphs = []
            db.session.flush()
        consultation.paragraphs = [
            Paragraph(number=n, text=text) for n, text in enumerate(paragraphs, start=1)
        ]


def _current(consultation):
    """The values of a draft as `_apply` takes them; the text and the tasks stay unless changed."""
    values = {
        name: getattr(consultation, name)
        for name in _EDITABLE
        if name not in ("body_text", "task_ids", "area", "project")
    }
    return {
        **values,
        "area": consultation.area,
        "project": consultation.project,
        "body_text": None,
        "task_ids": None,
    }


LIFECYCLE = drafts.Lifecycle(
    policy=POLICY,
    search_kind="consultation",
    draft_state=ConsultationState.DRAFT,
    apply=_apply,
    current=_current,
    editable=_EDITABLE,
    not_a_unit=lambda: _(
        "The unit must be a department or a division: collective addressees do not run "
        "consultations."
    ),
    not_a_draft=lambda: _(
        "Only a draft can be edited; this consultation has been published or withdrawn."
    ),
)


def create_consultation(
    unit,
    kind,
    title,
    body_text,
    area,
    summary="",
    project=None,
    stage=None,
    task_ids=(),
    project_location="",
    developer_name="",
    developer_contact="",
    eia_preparer="",
    how_to_comment="",
    opens_on=None,
    closes_on=None,
    created_by=None,
):
    """A draft consultation of `unit`, its document split into numbered paragraphs (blank-line separated)."""
    return LIFECYCLE.create(
        unit,
        created_by,
        {
            "kind": kind,
            "title": title,
            "summary": summary,
            "body_text": body_text,
            "area": area,
            "project": project,
            "stage": stage,
            "task_ids": task_ids,
            "opens_on": opens_on,
            "closes_on": closes_on,
            "project_location": project_location,
            "developer_name": developer_name,
            "developer_contact": developer_contact,
            "eia_preparer": eia_preparer,
            "how_to_comment": how_to_comment,
        },
    )


def update_draft(user, consultation, version=None, **changes):
    """Change a draft's fields; everything is validated again together, as on creation.

    Fields: kind, title, summary, body_text (split into paragraphs again), area, project, stage,
    task_ids, opens_on, closes_on and the EIA items (project_location, developer_name,
    developer_contact, eia_preparer, how_to_comment).
    """
    return LIFECYCLE.update(user, consultation, version, changes)


# --- the EIA notice ------------------------------------------------------------------------------


def _missing_items(consultation, opens_on, closes_on):
    """(field, label) of every required EIA notice item that is missing."""
    project = consultation.project
    location = consultation.project_location or (project.location if project else "")
    developer = consultation.developer_name or (project.developer if project else "")
    checks = [
        (
            "project",
            bool(project and project.name and location),
            _("project name and location (项目名称和地点)"),
        ),
        (
            "developer_name",
            bool(developer and consultation.developer_contact),
            _("developer and its contact details (建设单位及联系方式)"),
        ),
        (
            "eia_preparer",
            bool(consultation.eia_preparer),
            _("EIA document preparer (环评文件编制单位)"),
        ),
        ("how_to_comment", bool(consultation.how_to_comment), _("how to comment (征求意见的方式)")),
        ("opens_on", bool(opens_on and closes_on), _("start and end dates (起止日期)")),
    ]
    return [(name, label) for name, present, label in checks if not present]


def missing_eia_items(consultation):
    """The required items an EIA notice lacks, named for the user (empty for other kinds)."""
    if consultation.kind is not ConsultationKind.EIA:
        return []
    return [
        label
        for _name, label in _missing_items(
            consultation, consultation.opens_on, consultation.closes_on
        )
    ]


# --- the comment period --------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodCount:
    """The working days of a comment period, the earliest closing day for the minimum, and guessed years."""

    working_days: int
    minimum: int
    earliest_close: date
    uncovered_years: tuple[int, ...] = ()

    @property
    def long_enough(self):
        """True when the period has at least `minimum` working days."""
        return self.working_days >= self.minimum


def eia_minimum(config):
    """EIA_MIN_WORKING_DAYS from `config`, checked."""
    value = config["EIA_MIN_WORKING_DAYS"]
    # bool is an int subclass: True is a typo, not one day.
    if isinstance(value, bool) or int(value) < 1:
        raise ValueError(f"EIA_MIN_WORKING_DAYS: expected at least 1 working day, got {value!r}")
    return int(value)


def count_period(opens_on, closes_on, minimum, calendar=None):
    """Count the working days of the period `opens_on`–`closes_on` with `clocks.Calendar`.

    How the count works:

    - Both the first day (`opens_on`, the start date printed in the notice) and the last day
      (`closes_on`) belong to the period, and the first day counts if it is a working day: the
      notice is public and comments are accepted from that day on. (The reports' clocks instead
      start counting the day after an event; here there is no event to exclude.)
    - Only working days count: weekends and official holidays do not, 调休 make-up workdays do,
      administrators' HolidayOverride rows win (all as `clocks.Calendar.is_workday` decides).
    - The earliest closing day for `minimum` working days is the `minimum`-th working day counted
      from `opens_on` inclusive, i.e. `Calendar.add(opens_on - 1 day, minimum, working_days=True)`.

    Example: opening on Monday 28 September 2026, the working days are 28–30 September, then
    (国庆 and 中秋 holidays 1–7 October) 8, 9 and Saturday 10 October (a make-up workday), 12, 13,
    14, 15 October: ten working days end on 15 October; closing on 11 October gives only six.
    """
    calendar = calendar or clocks.Calendar.load()
    count, day, years = 0, opens_on, set()
    while day <= closes_on:
        years.add(day.year)
        count += calendar.is_workday(day)
        day += timedelta(days=1)
    earliest = calendar.add(opens_on - timedelta(days=1), minimum, working_days=True)
    uncovered = {year for year in years if not calendar.covers(year)} | set(
        earliest.uncovered_years
    )
    return PeriodCount(count, minimum, earliest.due_on, tuple(sorted(uncovered)))


def _today(now, config):
    return clocks.local_day(now, config.get("BABEL_DEFAULT_TIMEZONE") or clocks.DEFAULT_TZ)


def publish(user, consultation, opens_on, closes_on, config, calendar=None, now=None, version=None):
    """Open a draft for comments from `opens_on` to `closes_on` (both included); returns its PeriodCount.

    Refused when the dates are missing or out of order, when the period starts in the past, when an
    EIA notice lacks required items (all listed) or when an EIA period has fewer than
    EIA_MIN_WORKING_DAYS working days (counted as `count_period` says). The count's
    `uncovered_years` name years whose holidays were guessed (Monday–Friday), for a warning.
    """
    now = now or utcnow()
    LIFECYCLE.check(
        user,
        consultation,
        version,
        (ConsultationState.DRAFT,),
        lambda c: (
            _("This consultation has been published already.")
            if POLICY.is_public(c)
            else _("Only a draft can be published.")
        ),
    )
    opens_on = opens_on or consultation.opens_on
    closes_on = closes_on or consultation.closes_on
    eia = consultation.kind is ConsultationKind.EIA
    if eia:
        missing = _missing_items(consultation, opens_on, closes_on)
        if missing:
            raise ValidationFailed(
                _(
                    "The EIA notice lacks required items (%(rules)s): %(items)s.",
                    rules=EIA_RULES,
                    items="; ".join(label for _name, label in missing),
                ),
                field=missing[0][0],
            )
    if opens_on is None:
        raise ValidationFailed(_("Enter the first day of the comment period."), field="opens_on")
    if closes_on is None:
        raise ValidationFailed(_("Enter the last day of the comment period."), field="closes_on")
    _dates(opens_on, closes_on)
    if opens_on < _today(now, config):
        raise ValidationFailed(
            _("The first day of the comment period cannot be in the past."), field="opens_on"
        )
    minimum = eia_minimum(config) if eia else 1
    count = count_period(opens_on, closes_on, minimum, calendar)
    if eia and not count.long_enough:
        raise ValidationFailed(
            _(
                "The comment period is too short: the %(rules)s requires at least %(min)s working days for comments "
                "on an EIA; %(start)s to %(end)s has %(n)s. The earliest last day is %(earliest)s.",
                rules=EIA_RULES,
                min=minimum,
                start=opens_on.isoformat(),
                end=closes_on.isoformat(),
                n=count.working_days,
                earliest=count.earliest_close.isoformat(),
            ),
            field="closes_on",
        )
    consultation.opens_on, consultation.closes_on, consultation.original_closes_on = (
        opens_on,
        closes_on,
        None,
    )
    consultation.state, consultation.published_at = ConsultationState.OPEN, now
    LIFECYCLE.changed_in_public(consultation)
    subscriptions.notify_consultation(consultation, config)
    return count


def is_open_for_comments(consultation, now=None, tz=clocks.DEFAULT_TZ):
    """True while the consultation is open and today (Beijing) lies within its period."""
    if (
        consultation.state is not ConsultationState.OPEN
        or not consultation.opens_on
        or not consultation.closes_on
    ):
        return False
    today = clocks.local_day(now or utcnow(), tz)
    return consultation.opens_on <= today <= consultation.closes_on


def close_due(now, config):
    """Close every open consultation whose closing day has passed (Beijing date); returns them."""
    today = _today(now, config)
    due = db.session.scalars(
        sa.select(Consultation)
        .where(Consultation.state == ConsultationState.OPEN, Consultation.closes_on < today)
        .order_by(Consultation.id)
    ).all()
    for consultation in due:
        consultation.state = ConsultationState.CLOSED
        consultation.updated_at = now
    return due


def extend(user, consultation, new_closes_on, now=None, tz=clocks.DEFAULT_TZ, version=None):
    """Move the closing day of an open consultation later; the first closing day is kept."""
    now = now or utcnow()
    LIFECYCLE.check(
        user,
        consultation,
        version,
        (ConsultationState.OPEN,),
        lambda _c: _("Only an open consultation can be extended."),
    )
    if clocks.local_day(now, tz) > consultation.closes_on:
        raise Conflict(
            _(
                "The comment period ended on %(date)s; it can no longer be extended.",
                date=consultation.closes_on.isoformat(),
            )
        )
    if (
        not isinstance(new_closes_on, date)
        or isinstance(new_closes_on, datetime)
        or new_closes_on <= consultation.closes_on
    ):
        raise ValidationFailed(
            _(
                "The new last day must be after the current last day, %(date)s.",
                date=consultation.closes_on.isoformat(),
            ),
            field="closes_on",
        )
    if (new_closes_on - consultation.opens_on).days > MAX_PERIOD_DAYS:
        raise ValidationFailed(
            _("The last day of the comment period must be within one year of its first day."),
            field="closes_on",
        )
    if consultation.original_closes_on is None:
        consultation.original_closes_on = consultation.closes_on
    consultation.closes_on = new_closes_on
    consultation.updated_at = now
    LIFECYCLE.changed_in_public(consultation)
    return consultation


def withdraw(user, consultation, reason, now=None, version=None):
    """Withdraw a draft or open consultation with a public reason; its page stays readable."""
    LIFECYCLE.check(
        user,
        consultation,
        version,
        (ConsultationState.DRAFT, ConsultationState.OPEN),
        lambda _c: _("Only a draft or an open consultation can be withdrawn."),
    )
    reason = drafts.text_field(reason, "reason", _("Reason"), *WITHDRAW_REASON_LENGTH)
    LIFECYCLE.withdraw(consultation, ConsultationState.WITHDRAWN, reason, now or utcnow())
    return consultation


# --- the answer: participation statement ---------------------------------------------------------


def _count_comments(consultation, *conditions):
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Comment)
        .where(Comment.consultation_id == consultation.id, *conditions)
    )


def publish_statement(user, consultation, statement_text, now=None, version=None):
    """Publish the participation statement (closed → answered) once every published comment has a decision.

    Also refused while comments still wait for moderation (new or flagged): a unit could otherwise
    leave awkward comments unmoderated and never answer them.
    """
    LIFECYCLE.check(
        user,
        consultation,
        version,
        (ConsultationState.CLOSED,),
        lambda c: (
            _("The participation statement has been published already.")
            if c.state is ConsultationState.ANSWERED
            else _("The participation statement is published after the comment period has closed.")
        ),
    )
    waiting = _count_comments(consultation, Comment.state.in_(AWAITING_MODERATION))
    if waiting:
        raise Conflict(
            ngettext(
                "%(num)s comment still waits for moderation: publish or hide it first.",
                "%(num)s comments still wait for moderation: publish or hide them first.",
                waiting,
            )
        )
    undecided = _count_comments(
        consultation, Comment.state == CommentState.PUBLISHED, Comment.decision.is_(None)
    )
    if undecided:
        raise Conflict(
            ngettext(
                "%(num)s published comment has no decision yet: every comment must be answered.",
                "%(num)s published comments have no decision yet: every comment must be answered.",
                undecided,
            )
        )
    consultation.statement = drafts.text_field(
        statement_text, "statement", _("Statement"), *STATEMENT_LENGTH
    )
    consultation.state, consultation.answered_at = ConsultationState.ANSWERED, now or utcnow()
    consultation.updated_at = consultation.answered_at
    LIFECYCLE.changed_in_public(consultation)
    return consultation


# --- the public list (API and feed) ---------------------------------------------------------------

MAX_PER_PAGE = 100
# The states the public may filter on: a draft does not exist for them.
PUBLIC_STATES = tuple(s for s in ConsultationState if s is not ConsultationState.DRAFT)


def _public_condition(name, value):
    """The WHERE condition of one filter of `list_public`, or ValidationFailed naming it."""
    if name == "state":
        state = next((s for s in PUBLIC_STATES if s.value == value), None)
        if state is None:
            raise numbers.refused(name, value)
        return Consultation.state == state
    if name == "kind":
        kind = next((k for k in ConsultationKind if k.value == value), None)
        if kind is None:
            raise numbers.refused(name, value)
        return Consultation.kind == kind
    if name == "stage":
        stage = next((s for s in ProjectStage if s.value == value), None)
        if stage is None:
            raise numbers.refused(name, value)
        return Consultation.stage == stage
    if name == "unit":
        unit = db.session.get(Unit, _as_id(value))
        if unit is None:
            raise numbers.refused(name, value)
        return Consultation.unit_id == unit.id
    if name == "area":
        area = None
        if is_whole(str(value).strip()):
            area = db.session.scalar(sa.select(Area).where(Area.number == int(value)))
        if area is None:
            raise numbers.refused(name, value)
        return Consultation.area_id == area.id
    raise ValueError(f"unknown filter {name!r}")


PUBLIC_FILTERS = ("state", "unit", "area", "kind", "stage")


def list_public(filters, page=1, per_page=20):
    """A pagination.Page of published consultations, newest first.

    `filters` maps state (not draft), unit (a unit's id), area (0 for 兵团, 1–14 for a division),
    kind and stage to raw values; empty ones are ignored. `page` counts from 1 and `per_page` is at
    most MAX_PER_PAGE; a value that is not accepted raises ValidationFailed naming its parameter.
    """
    return drafts.list_public(
        POLICY,
        filters,
        PUBLIC_FILTERS,
        _public_condition,
        page,
        per_page,
        MAX_PER_PAGE,
        order=(Consultation.published_at.desc(), Consultation.id.desc()),
        options=(
            joinedload(Consultation.unit).selectinload(Unit.aliases),
            joinedload(Consultation.area),
        ),
    )


# --- the unit's console list -----------------------------------------------------------------------


@dataclass(frozen=True)
class ConsoleRow:
    """A consultation in its unit's console list, with the comments that wait for staff."""

    consultation: Consultation
    awaiting_moderation: int
    undecided: int


def console_list(user, state=None, page=1, per_page=20):
    """A pagination.Page of ConsoleRow: the unit's consultations (all for site oversight), newest first."""

    def count(*conditions):
        return (
            sa.select(sa.func.count())
            .select_from(Comment)
            .where(Comment.consultation_id == Consultation.id, *conditions)
            .scalar_subquery()
        )

    return drafts.console_list(
        POLICY,
        user,
        state,
        page,
        per_page,
        columns=(
            count(Comment.state.in_(AWAITING_MODERATION)),
            count(Comment.state == CommentState.PUBLISHED, Comment.decision.is_(None)),
        ),
        row=ConsoleRow,
    )


def unit_projects(unit):
    """The construction projects of `unit`, by name, for choosing one when drafting."""
    return db.session.scalars(
        sa.select(Project).where(Project.unit_id == unit.id).order_by(Project.name)
    ).all()
