"""Access policies: what the public may see, and who may act on what, declared once per kind of record.

A `Policy` is configured per model with:

- `public`: a `Rule`, the public condition written twice, as a Python check on a loaded row and as
  a SQL condition for queries. tests/services/test_access.py checks on the same rows (drafts,
  withdrawn, hidden, published…) that both agree, so they cannot drift apart;
- `unit`: the responsible unit's id of a row;
- `manage`: the permission with which the responsible unit's staff act;
- `oversight`: the permission with which site administrators read every unit's records in the console;
- `not_found`: the wording of the NotFound raised for a record the caller may not see;
- `conflict`: the wording of the Conflict raised when a version check fails;
- `others_see_public`: whether another unit's staff acting on a public record are told Forbidden
  (True: they can see it, so it may be named) or NotFound (False: the console is per unit).

What a policy offers: `public_query` (the public rows, for lists, feeds, search and the API),
`get_public` (one public row or NotFound), `visible_to` and `may_manage` (checks on a loaded row),
`get_for_unit` (one row for the console: its unit or site oversight), `get_for` (one row as a
member of staff may see it: public, or of their unit) and `act` (NotFound, Forbidden or Conflict
before a change). Delivery modules (public pages, feeds, Open311, the API) read records only
through these, or through service functions that use them; tests/test_architecture.py refuses SQL
in delivery modules.

Reports are public by design (the supervision page shows every report, with public fields only);
the console's finer access to reports (handling, copy, oversight) stays in `handling.access`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

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
    Report,
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
    unit: Callable[[Any], int]
    manage: Permission
    oversight: Permission
    not_found: Callable[[Any], NotFound]
    conflict: Callable[[], Conflict] | None = None
    others_see_public: bool = True
    key: Callable[[], Any] | None = None  # the column looked up by get_*; None: the primary key

    def is_public(self, row):
        """True when the public may see `row`."""
        return bool(self.public.check(row))

    def public_condition(self):
        """The SQL condition matching exactly the rows for which `is_public` is True."""
        return self.public.where()

    def public_query(self, *options):
        """SELECT of the public rows of the model (add order, filters and paging to it)."""
        return sa.select(self.model).where(self.public_condition()).options(*options)

    def _load(self, key, options=()):
        if self.key is None:
            # 0 is no row's id: db.session.get() then finds nothing, without a query that overflows.
            return db.session.get(self.model, numbers.identifier(key) or 0, options=options)
        return db.session.scalar(sa.select(self.model).where(self.key() == key).options(*options))

    def get_public(self, key, options=()):
        """The public row `key`, or NotFound (what the public may not see does not exist for it)."""
        row = self._load(key, options)
        if row is None or not self.is_public(row):
            raise self.not_found(key)
        return row

    def in_unit(self, user, row):
        """True when `row` belongs to `user`'s unit, or `user` oversees every unit's records."""
        return self.unit(row) == user.unit_id or user.can(self.oversight)

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

    def act(self, user, row, version=None):
        """Check that `user` may act on `row` (and saw its current version when `version` is given)."""
        seen = self.visible_to(user, row) if self.others_see_public else self.in_unit(user, row)
        if not seen:
            raise self.not_found(row.id)
        if not self.may_manage(user, row):
            raise Forbidden(_("Only staff of the responsible unit can do this."))
        if version is not None and numbers.identifier(version) != row.version:
            raise self.conflict()


# --- the policies --------------------------------------------------------------------------------

# A consultation is public once published: open, closed, answered, or withdrawn after publication.
# A draft (also one withdrawn before publication) is seen by its unit and by site oversight.
CONSULTATIONS = Policy(
    Consultation,
    public=Rule(
        lambda c: c.published_at is not None, lambda: Consultation.published_at.is_not(None)
    ),
    unit=lambda c: c.unit_id,
    manage=Permission.CONSULTATIONS_MANAGE,
    oversight=Permission.SITE_CONSULTATIONS_VIEW,
    not_found=lambda key: NotFound(_("No consultation has the number %(id)s.", id=key)),
    conflict=lambda: Conflict(
        _(
            "This consultation was changed by someone else while you were looking at it. "
            "Please check its current state before acting again."
        )
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
    unit=lambda d: d.unit_id,
    manage=Permission.DISCLOSURES_MANAGE,
    oversight=Permission.SITE_DISCLOSURES_VIEW,
    not_found=lambda key: NotFound(_("No disclosure has the number %(id)s.", id=key)),
    conflict=lambda: Conflict(
        _(
            "This disclosure was changed by someone else while you were looking at it. "
            "Please check its current state before acting again."
        )
    ),
    others_see_public=False,
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
    unit=lambda c: c.consultation.unit_id,
    manage=Permission.CONSULTATIONS_MANAGE,
    oversight=Permission.SITE_CONSULTATIONS_VIEW,
    not_found=lambda key: NotFound(_("No comment has the number %(id)s.", id=key)),
)

# A hearing is public with its consultation. Managing it is refused to everyone but the
# unit's staff (site oversight included): the registrants' contacts are the unit's alone.
HEARINGS = Policy(
    Hearing,
    public=Rule(
        lambda h: CONSULTATIONS.is_public(h.consultation),
        lambda: Hearing.consultation.has(CONSULTATIONS.public_condition()),
    ),
    unit=lambda h: h.consultation.unit_id,
    manage=Permission.HEARINGS_MANAGE,
    oversight=Permission.SITE_CONSULTATIONS_VIEW,
    not_found=lambda key: NotFound(_("No hearing has the number %(id)s.", id=key)),
)

# Every report has a public page (public fields only: never the description, place, files or reporter).
# The console reads reports through `handling.get_for` and `handling.access` (handling unit, copies, oversight),
# not through this policy's get_for_unit and act.
REPORTS = Policy(
    Report,
    public=Rule(lambda r: True, sa.true),
    unit=lambda r: r.unit_id,
    manage=Permission.REPORTS_HANDLE,
    oversight=Permission.SITE_REPORTS_VIEW,
    not_found=lambda key: NotFound(_("No report has the reference %(ref)s.", ref=key)),
    key=lambda: Report.reference,
)

# A file is public with its consultation or disclosure; it is reached through its owner's policy.
CONSULTATION_ATTACHMENTS = Policy(
    ConsultationAttachment,
    public=Rule(
        lambda a: CONSULTATIONS.is_public(a.consultation),
        lambda: ConsultationAttachment.consultation.has(CONSULTATIONS.public_condition()),
    ),
    unit=lambda a: a.consultation.unit_id,
    manage=Permission.CONSULTATIONS_MANAGE,
    oversight=Permission.SITE_CONSULTATIONS_VIEW,
    not_found=lambda key: NotFound(_("This file does not exist.")),
)
DISCLOSURE_ATTACHMENTS = Policy(
    DisclosureAttachment,
    public=Rule(
        lambda a: DISCLOSURES.is_public(a.disclosure),
        lambda: DisclosureAttachment.disclosure.has(DISCLOSURES.public_condition()),
    ),
    unit=lambda a: a.disclosure.unit_id,
    manage=Permission.DISCLOSURES_MANAGE,
    oversight=Permission.SITE_DISCLOSURES_VIEW,
    not_found=lambda key: NotFound(_("This file does not exist.")),
    others_see_public=False,
)

POLICIES = (
    CONSULTATIONS,
    DISCLOSURES,
    COMMENTS,
    HEARINGS,
    REPORTS,
    CONSULTATION_ATTACHMENTS,
    DISCLOSURE_ATTACHMENTS,
)
