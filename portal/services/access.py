"""Access policies: what the public may see, and who may act on what, declared once per kind of record.

A `Policy` is configured per model with:

- `public`: a `Rule`, the public condition written twice, as a Python check on a loaded row and as
  a SQL condition for queries. tests/services/test_access.py checks on the same rows (drafts,
  withdrawn, hidden, published…) that both agree, so they cannot drift apart;
- `unit`: the responsible unit's id of a row (by default its `unit_id`);
- `manage`: the permission with which the responsible unit's staff act;
- `oversight`: the permission with which site administrators read every unit's records in the console;
- `readers`: the rows a unit's staff read in the console, as a `Rule` given the unit's id, when that is
  more than the rows whose `unit` is theirs (a report is read by the units sent a copy too);
- `not_found`: the wording of the NotFound raised for a record the caller may not see;
- `changed`: the wording of the Conflict raised when a version check fails (someone else changed the row first);
- `forbidden`: the Forbidden raised when a permission to act is missing (given that permission);
- `others_see_public`: whether another unit's staff acting on a public record are told Forbidden
  (True: they can see it, so it may be named) or NotFound (False: the console is per unit);
- `holder`: who besides staff may read a row that is not public, as a check `holder(someone, row)`: the
  organisation that requested a litigation record reads the documents handed over to it, through its
  management link (`get_for_holder`).

What a policy offers: `public_query` (the public rows, for lists, feeds, search and the API),
`get_public` (one public row or NotFound), `visible_to` and `may_manage` (checks on a loaded row),
`get_for_unit` (one row for the console: its unit or site oversight), `console_query` (those rows
as SQL, for a unit's queue), `get_for` (one row as a member of staff may see it: public, or of their
unit) and `act` (NotFound, Forbidden or Conflict before a change). Delivery modules (public pages,
feeds, Open311, the API) read records only through these, or through service functions that use
them: tests/test_delivery_modules.py refuses SQL in delivery modules, and
tests/test_access_architecture.py refuses a service function that the public's pages, feeds, Open311
or the API call reading these models without a policy.

Reports are public by design (the supervision page shows every report, with public fields only);
in the console they are read by the handling unit, the units sent a copy and site oversight
(`readers`), and acted on by the handling unit only (`handling.access` names which of these a user is).

A litigation request's documents are never public: the unit handed them to one organisation for litigation and
they may hold personal data it had to redact. `LITIGATION_DOCUMENTS` lets the requesting organisation (its
`holder`), the answering unit's staff and site oversight read them; the public learns only how many were handed
over and when (the request's `documents_count` and `documents_at`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from portal import numbers
from portal.errors import Conflict, Forbidden, NotFound
from portal.extensions import db
from portal.models import (
    Comment,
    CommentState,
    Consultation,
    ConsultationAttachment,
    Disclosure,
    DisclosureAttachment,
    DisclosureState,
    Hearing,
    LitigationDocument,
    LitigationRequest,
    Organisation,
    OrganisationActivity,
    OrganisationStatus,
    Report,
    ReportCopy,
    Task,
    TaskReport,
    TaskReportContribution,
    TaskReportContributionChange,
    TaskReportState,
    TaskUnit,
    TaskUnitRole,
    Unit,
)
from portal.permissions import Permission


@dataclass(frozen=True)
class Rule:
    """A condition on one model's rows, as a Python check (`check(row)`) and as SQL (`where()`)."""

    check: Callable[[Any], bool]
    where: Callable[[], Any]

    def __and__(self, other):
        """Both rules: the row passes each check, and the SQL conditions are joined with AND."""
        return Rule(
            lambda row: self.check(row) and other.check(row),
            lambda: sa.and_(self.where(), other.where()),
        )


@dataclass(frozen=True)
class Policy:
    """Who may see and act on the rows of one model; see the module's docstring."""

    model: type
    public: Rule
    manage: Permission
    oversight: Permission
    not_found: Callable[[Any], NotFound]
    changed: Callable[[], str] | None = None
    others_see_public: bool = True
    unit: Callable[[Any], int] = lambda row: row.unit_id
    key: Callable[[], Any] | None = None  # the column looked up by get_*; None: the primary key
    # The relations `get_public` loads with a row: what its public page shows, rather than one at a time.
    page: Callable[[], tuple] = tuple
    readers: Callable[[int], Rule] | None = (
        None  # None: a unit reads the rows whose `unit` is its own
    )
    forbidden: Callable[[Permission], Forbidden] = lambda _permission: Forbidden(
        _("Only staff of the responsible unit can do this.")
    )
    # Who besides staff reads rows the public may not see: holder(someone, row) -> bool; None: nobody.
    holder: Callable[[Any, Any], bool] | None = None

    def is_public(self, row):
        """True when the public may see `row`."""
        return bool(self.public.check(row))

    def public_condition(self):
        """The SQL condition matching exactly the rows for which `is_public` is True."""
        return self.public.where()

    def public_query(self, *options):
        """SELECT of the public rows of the model (add order, filters and paging to it)."""
        return sa.select(self.model).where(self.public_condition()).options(*options)

    def key_of(self, row):
        """The value by which `row` is looked up (and named in NotFound): its `key` column, or its id."""
        return row.id if self.key is None else getattr(row, self.key().key)

    def _load(self, key, options=()):
        if self.key is None:
            # 0 is no row's id: db.session.get() then finds nothing, without a query that overflows.
            return db.session.get(self.model, numbers.identifier(key) or 0, options=options)
        return db.session.scalar(sa.select(self.model).where(self.key() == key).options(*options))

    def get_public(self, key, options=None):
        """The public row `key` (with `options`, by default its `page`), or NotFound (what the public may not see
        does not exist for it)."""
        row = self._load(key, self.page() if options is None else options)
        if row is None or not self.is_public(row):
            raise self.not_found(key)
        return row

    def in_unit(self, user, row):
        """True when `user`'s unit reads `row` in the console (`readers`), or `user` oversees every unit's."""
        if user.can(self.oversight):
            return True
        if self.readers is None:
            return self.unit(row) == user.unit_id
        return bool(self.readers(user.unit_id).check(row))

    def console_condition(self, user):
        """The SQL condition matching exactly the rows for which `in_unit(user, row)` is True.

        Without `readers`, the model's `unit_id` column (comments and hearings, which have none, have no such list).
        """
        if user.can(self.oversight):
            return sa.true()
        if self.readers is None:
            return self.model.unit_id == user.unit_id
        return self.readers(user.unit_id).where()

    def console_query(self, user, *options):
        """SELECT of the rows `user` reads in the console: their unit's, or every unit's under oversight."""
        return sa.select(self.model).where(self.console_condition(user)).options(*options)

    def visible_to(self, user, row):
        """True when `user` may see `row`: a public one, or one of their unit (or under their oversight)."""
        return self.is_public(row) or self.in_unit(user, row)

    def may_manage(self, user, row):
        """True when `user` is staff of the responsible unit with the permission to act."""
        return self.unit(row) == user.unit_id and user.can(self.manage)

    def get_for(self, user, key, options=()):
        """The row `key` as `user` may see it (`visible_to`), or NotFound."""
        row = self._load(key, options)
        if row is None or not self.visible_to(user, row):
            raise self.not_found(key)
        return row

    def get_for_unit(self, user, key, options=()):
        """The row `key` for the console's pages: its unit's staff, or site oversight; NotFound for anyone else."""
        row = self._load(key, options)
        if row is None or not self.in_unit(user, row):
            raise self.not_found(key)
        return row

    def get_for_holder(self, someone, key, options=()):
        """The row `key` for `someone` outside the console who holds it (`holder`), or a public row; else NotFound."""
        row = self._load(key, options)
        if row is None or not (
            self.is_public(row) or (self.holder is not None and self.holder(someone, row))
        ):
            raise self.not_found(key)
        return row

    def act(self, user, row, version=None, permission=None):
        """Check that `user` may act on `row` (and saw its current version when `version` is given).

        `permission`: what this act needs on top of `manage` (approving an extension is a unit administrator's).
        """
        seen = self.visible_to(user, row) if self.others_see_public else self.in_unit(user, row)
        if not seen:
            raise self.not_found(self.key_of(row))
        if not self.may_manage(user, row):
            raise self.forbidden(self.manage)
        if permission is not None and not user.can(permission):
            raise self.forbidden(permission)
        if version is not None and numbers.identifier(version) != row.version:
            raise Conflict(self.changed())


# --- the policies --------------------------------------------------------------------------------

# A consultation is public once published: open, closed, answered, or withdrawn after publication.
# A draft (also one withdrawn before publication) is seen by its unit and by site oversight.
CONSULTATIONS = Policy(
    Consultation,
    public=Rule(
        lambda c: c.published_at is not None, lambda: Consultation.published_at.is_not(None)
    ),
    manage=Permission.CONSULTATIONS_MANAGE,
    oversight=Permission.SITE_CONSULTATIONS_VIEW,
    not_found=lambda key: NotFound(_("No consultation has the number %(id)s.", id=key)),
    page=lambda: (
        joinedload(Consultation.unit).selectinload(Unit.aliases),
        joinedload(Consultation.area),
        joinedload(Consultation.project),
        selectinload(Consultation.tasks).joinedload(Task.measure),
    ),
    changed=lambda: _(
        "This consultation was changed by someone else while you were looking at it. "
        "Please check its current state before acting again."
    ),
)

# Published or withdrawn (a withdrawn disclosure stays public as a tombstone with its versions).
# In the console another unit's disclosure does not exist, even a public one.
DISCLOSURE_PUBLIC_STATES = (DisclosureState.PUBLISHED, DisclosureState.WITHDRAWN)
DISCLOSURES = Policy(
    Disclosure,
    public=Rule(
        lambda d: d.state in DISCLOSURE_PUBLIC_STATES,
        lambda: Disclosure.state.in_(DISCLOSURE_PUBLIC_STATES),
    ),
    manage=Permission.DISCLOSURES_MANAGE,
    oversight=Permission.SITE_DISCLOSURES_VIEW,
    others_see_public=False,
    not_found=lambda key: NotFound(_("No disclosure has the number %(id)s.", id=key)),
    page=lambda: (
        joinedload(Disclosure.unit).selectinload(Unit.aliases),
        joinedload(Disclosure.category),
        joinedload(Disclosure.area),
        selectinload(Disclosure.tasks).joinedload(Task.measure),
    ),
    changed=lambda: _(
        "This disclosure was changed by someone else while you were looking at it. "
        "Please check its current state before acting again."
    ),
)

# Narrower than the public pages: a withdrawn disclosure stays public as a tombstone, but it is no
# search result and no longer counts on the dashboard.
PUBLISHED_DISCLOSURES = DISCLOSURES.public & Rule(
    lambda d: d.state is not DisclosureState.WITHDRAWN,
    lambda: Disclosure.state != DisclosureState.WITHDRAWN,
)

# A published comment on a public consultation; waiting, flagged and hidden ones only in the unit's console.
COMMENTS = Policy(
    Comment,
    public=Rule(
        lambda c: c.state is CommentState.PUBLISHED and CONSULTATIONS.is_public(c.consultation),
        lambda: sa.and_(
            Comment.state == CommentState.PUBLISHED,
            Comment.consultation.has(CONSULTATIONS.public_condition()),
        ),
    ),
    manage=Permission.CONSULTATIONS_MANAGE,
    oversight=Permission.SITE_CONSULTATIONS_VIEW,
    not_found=lambda key: NotFound(_("No comment has the number %(id)s.", id=key)),
    unit=lambda c: c.consultation.unit_id,
)

# A hearing is public with its consultation. Managing it is refused to everyone but the
# unit's staff (site oversight included): the registrants' contacts are the unit's alone.
HEARINGS = Policy(
    Hearing,
    public=Rule(
        lambda h: CONSULTATIONS.is_public(h.consultation),
        lambda: Hearing.consultation.has(CONSULTATIONS.public_condition()),
    ),
    manage=Permission.HEARINGS_MANAGE,
    oversight=Permission.SITE_CONSULTATIONS_VIEW,
    not_found=lambda key: NotFound(_("No hearing has the number %(id)s.", id=key)),
    unit=lambda h: h.consultation.unit_id,
)


def _report_readers(unit_id):
    """The reports a unit reads in the console: those it handles and those it was sent a copy of."""
    return Rule(
        lambda r: r.unit_id == unit_id or any(c.unit_id == unit_id for c in r.copies),
        lambda: sa.or_(
            Report.unit_id == unit_id,
            Report.id.in_(sa.select(ReportCopy.report_id).where(ReportCopy.unit_id == unit_id)),
        ),
    )


def _report_refusal(permission):
    """Why a member of staff may not act on a report: not of the handling unit, or not its administrator."""
    if permission is Permission.REPORTS_HANDLE:
        return Forbidden(_("Only the handling unit can act on this report."))
    return Forbidden(_("Only a unit administrator of the handling unit can do this."))


# Every report has a public page (public fields only: never the description, place, reported point, files or
# reporter; its public point is REPORT_POINTS's).
# In the console a report is read by its handling unit, the units sent a copy and site oversight, and
# does not exist for anyone else (even though its public page does); only the handling unit acts on it.
REPORTS = Policy(
    Report,
    public=Rule(lambda r: True, sa.true),
    manage=Permission.REPORTS_HANDLE,
    oversight=Permission.SITE_REPORTS_VIEW,
    readers=_report_readers,
    others_see_public=False,
    key=lambda: Report.reference,
    not_found=lambda key: NotFound(_("No report has the reference %(ref)s.", ref=key)),
    changed=lambda: _(
        "This report was changed by someone else while you were looking at it. "
        "Here is its current state; please check before acting again."
    ),
    forbidden=_report_refusal,
)


# What the public sees of a report's location: the point its unit confirmed on acceptance (rounded to about
# 500 m, services/locations.py), never the resident's reported one. A report without one is on no map and
# carries no point in any public answer; every public page, feed and Open311 answer asks `public_point`.
REPORT_POINTS = REPORTS.public & Rule(
    lambda r: r.public_latitude is not None and r.public_longitude is not None,
    lambda: sa.and_(Report.public_latitude.is_not(None), Report.public_longitude.is_not(None)),
)


def public_point(report):
    """(latitude, longitude) of `report` as the public may see it, as floats, or None."""
    if not REPORT_POINTS.check(report):
        return None
    return float(report.public_latitude), float(report.public_longitude)


def _files_of(owner, model, relation):
    """The policy of `owner`'s files (`model`; `relation` leads to the owner): public, read and acted on as it is."""
    return Policy(
        model,
        public=Rule(
            lambda a: owner.is_public(getattr(a, relation)),
            lambda: getattr(model, relation).has(owner.public_condition()),
        ),
        manage=owner.manage,
        oversight=owner.oversight,
        others_see_public=owner.others_see_public,
        unit=lambda a: owner.unit(getattr(a, relation)),
        not_found=lambda key: NotFound(_("This file does not exist.")),
    )


# A file is public with its consultation or disclosure, and read and acted on as its owner is.
CONSULTATION_ATTACHMENTS = _files_of(CONSULTATIONS, ConsultationAttachment, "consultation")
DISCLOSURE_ATTACHMENTS = _files_of(DISCLOSURES, DisclosureAttachment, "disclosure")


def _task_report_readers(unit_id):
    """The task reports a unit reads in the console: its own (as lead unit) and those of tasks it takes part in."""
    return Rule(
        lambda r: (
            r.unit_id == unit_id
            or any(
                a.unit_id == unit_id and a.role is TaskUnitRole.PARTICIPATING
                for a in r.task.assignments
            )
        ),
        lambda: sa.or_(
            TaskReport.unit_id == unit_id,
            TaskReport.task_id.in_(
                sa.select(TaskUnit.task_id).where(
                    TaskUnit.unit_id == unit_id, TaskUnit.role == TaskUnitRole.PARTICIPATING
                )
            ),
        ),
    )


# A task report is public once published (its later revisions are versions of it); a draft is read in the
# console by its lead unit, the task's participating units (who add their contribution) and site oversight,
# and does not exist for anyone else. Only the lead unit's staff act on it.
TASK_REPORTS = Policy(
    TaskReport,
    public=Rule(
        lambda r: r.state is TaskReportState.PUBLISHED,
        lambda: TaskReport.state == TaskReportState.PUBLISHED,
    ),
    manage=Permission.TASK_REPORTS_MANAGE,
    oversight=Permission.SITE_TASK_REPORTS_VIEW,
    readers=_task_report_readers,
    others_see_public=False,
    not_found=lambda key: NotFound(_("No task report has the number %(id)s.", id=key)),
    page=lambda: (
        joinedload(TaskReport.unit).selectinload(Unit.aliases),
        selectinload(TaskReport.versions),
        selectinload(TaskReport.contributions)
        .joinedload(TaskReportContribution.unit)
        .selectinload(Unit.aliases),
        selectinload(TaskReport.evidence),
        selectinload(TaskReport.contribution_changes)
        .joinedload(TaskReportContributionChange.unit)
        .selectinload(Unit.aliases),
        selectinload(TaskReport.evidence_changes),
    ),
    changed=lambda: _(
        "This task report was changed by someone else while you were looking at it. "
        "Please check its current state before acting again."
    ),
)


# A social organisation is public once 兵团民政局 verified it; a pending or refused one does not exist for the
# public, nor do its activities (services/organisations.py). Verifiers read applications in the console.
ORGANISATIONS = Policy(
    Organisation,
    public=Rule(
        lambda o: o.status is OrganisationStatus.VERIFIED,
        lambda: Organisation.status == OrganisationStatus.VERIFIED,
    ),
    manage=Permission.SITE_ORGANISATIONS_VERIFY,
    oversight=Permission.SITE_ORGANISATIONS_VERIFY,
    unit=lambda o: None,
    not_found=lambda key: NotFound(_("No organisation has the number %(id)s.", id=key)),
)
ORGANISATION_ACTIVITIES = Policy(
    OrganisationActivity,
    public=Rule(
        lambda a: ORGANISATIONS.is_public(a.organisation),
        lambda: OrganisationActivity.organisation.has(ORGANISATIONS.public_condition()),
    ),
    manage=Permission.SITE_ORGANISATIONS_VERIFY,
    oversight=Permission.SITE_ORGANISATIONS_VERIFY,
    unit=lambda a: None,
    not_found=lambda key: NotFound(_("This activity does not exist.")),
)


# A litigation request is public (on the report's page and the organisation's) while its organisation is
# verified. The console is per unit: the answering unit's staff read it (and site oversight), and only staff
# who handle reports answer it.
LITIGATION_REQUESTS = Policy(
    LitigationRequest,
    public=Rule(
        lambda r: ORGANISATIONS.is_public(r.organisation),
        lambda: LitigationRequest.organisation.has(ORGANISATIONS.public_condition()),
    ),
    manage=Permission.REPORTS_HANDLE,
    oversight=Permission.SITE_REPORTS_VIEW,
    others_see_public=False,
    not_found=lambda key: NotFound(_("No litigation request has the number %(id)s.", id=key)),
    forbidden=lambda _permission: Forbidden(_("Only the handling unit can answer this request.")),
)


def _documents_readers(unit_id):
    """The litigation documents a unit reads in the console: those of the requests it answers."""
    return Rule(
        lambda d: d.request.unit_id == unit_id,
        lambda: LitigationDocument.request.has(LitigationRequest.unit_id == unit_id),
    )


def _document_holder(organisation, document):
    """True when `organisation` (verified) made the request `document` was handed over with."""
    return (
        organisation is not None
        and ORGANISATIONS.is_public(organisation)
        and document.request.organisation_id == organisation.id
    )


# Never public (see the module's docstring): read by the requesting organisation through its management link,
# by the answering unit's staff and by site oversight; added by the answering unit's staff who handle reports.
# Another unit's staff, another organisation and the public are told the file does not exist.
LITIGATION_DOCUMENTS = Policy(
    LitigationDocument,
    public=Rule(lambda d: False, sa.false),
    manage=Permission.REPORTS_HANDLE,
    oversight=Permission.SITE_REPORTS_VIEW,
    others_see_public=False,
    unit=lambda d: d.request.unit_id,
    readers=_documents_readers,
    holder=_document_holder,
    not_found=lambda key: NotFound(_("This file does not exist.")),
)

# Policies with public rows and rows the public may not see (tests/services/test_access.py compares their
# Python and SQL conditions on the sample data); the litigation policies have a test of their own.
POLICIES = (
    CONSULTATIONS,
    DISCLOSURES,
    COMMENTS,
    HEARINGS,
    REPORTS,
    CONSULTATION_ATTACHMENTS,
    DISCLOSURE_ATTACHMENTS,
    TASK_REPORTS,
)
