"""What consultations and disclosures (and task reports later) share on the way from a draft to the public record:
checking a draft's common fields, creating and editing a draft, the checks before publishing and withdrawing,
and telling search that the public record changed.

A domain describes its records once with a `Lifecycle` (model, states, permission, its access check
and its own validation) and calls these helpers from its service functions; what only it has (the
EIA rules and the comment period, versions and goal observations) stays in its own module.

Access is the domain's: a Lifecycle is given the domain's `act(user, record, version)`, which raises
NotFound, Forbidden or Conflict (a stale version). Messages are given as functions, so that they are
translated into the language of the request that raises them. Functions never commit.
"""

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from portal import numbers, pagination
from portal.errors import Conflict, Forbidden, ValidationFailed
from portal.extensions import db
from portal.models import Area, Task, Unit
from portal.models.types import utcnow
from portal.numbers import is_whole
from portal.sanitize import clean_text
from portal.services import search


def text_field(value, name, label, low, high, single_line=False):
    """`value` cleaned for display (portal.sanitize.clean_text) and checked against its length.

    `label` is the field's name in the user's language, as its form shows it, for the message (a refusal is
    on the field `name`); `single_line` folds every run of white space (line breaks included) into one space.
    """
    text = clean_text(value)
    if single_line:
        text = " ".join(text.split())
    if not low <= len(text) <= high:
        if low == 0:
            raise ValidationFailed(
                _("%(field)s must be %(n)s characters or fewer.", field=label, n=high),
                field=name,
            )
        raise ValidationFailed(
            _(
                "%(field)s must be between %(low)s and %(high)s characters.",
                field=label,
                low=low,
                high=high,
            ),
            field=name,
        )
    return text


def area(value):
    """The Area given as itself or by its number (0 for the 兵团 level, 1–14 for a division); ValidationFailed else."""
    if isinstance(value, Area):
        return value
    found = None
    if value not in (None, "") and is_whole(str(value).strip()):
        found = db.session.scalar(sa.select(Area).where(Area.number == int(value)))
    if found is None:
        raise ValidationFailed(
            _("Choose the area: the 兵团 level or one of the 14 divisions."), field="area"
        )
    return found


def tasks(task_ids):
    """The policy tasks with `task_ids`, each once, in the order given; ValidationFailed naming an unknown one."""
    found = []
    for task_id in dict.fromkeys(task_ids or ()):
        task = db.session.get(Task, numbers.identifier(task_id) or 0)
        if task is None:
            raise ValidationFailed(
                _("Related policy task %(id)s does not exist.", id=task_id), field="tasks"
            )
        found.append(task)
    return found


@dataclass(frozen=True)
class Lifecycle:
    """How one kind of record goes from draft to public record, as the shared helpers need to know it."""

    # Its access policy (portal.services.access): the mapped class (a portal.models.records.UnitRecord), the
    # permission a unit's staff need to draft and act (`manage`), and `act`.
    policy: object
    search_kind: str  # its kind in the search index ("consultation", "disclosure")
    draft_state: object  # the state of a draft, the only one that may be edited
    apply: Callable  # (record, values) → None: validate every value of a draft together, then write them
    current: Callable  # (record) → the values `apply` takes, as the draft has them now
    editable: tuple  # the names `update` accepts
    not_a_unit: Callable  # () → why a unit may not hold such records
    not_a_draft: Callable  # () → why a record that is no longer a draft cannot be edited

    def drafting_unit(self, unit, created_by):
        """`unit` when it may hold such records and `created_by` (None for the system) is its staff with the permission."""
        if not isinstance(unit, Unit) or not unit.handles_reports:
            raise ValidationFailed(self.not_a_unit(), field="unit")
        if created_by is not None and (
            created_by.unit_id != unit.id or not created_by.can(self.policy.manage)
        ):
            raise Forbidden(_("Only staff of the responsible unit can do this."))
        return unit

    def create(self, unit, created_by, values):
        """A new draft of `unit` from `values` (validated together by the domain's `apply`)."""
        record = self.policy.model(
            unit=self.drafting_unit(unit, created_by),
            state=self.draft_state,
            created_by_id=created_by.id if created_by is not None else None,
        )
        self.apply(record, values)
        db.session.add(record)
        db.session.flush()
        return record

    def update(self, user, record, version, changes):
        """Change some fields of a draft; every field is validated again together, as on creation."""
        unknown = set(changes) - set(self.editable)
        if unknown:
            raise TypeError(f"update_draft: unknown fields {sorted(unknown)}")
        self.policy.act(user, record, version)
        if record.state is not self.draft_state:
            raise Conflict(self.not_a_draft())
        self.apply(record, {**self.current(record), **changes})
        record.updated_at = utcnow()
        db.session.flush()
        return record

    def check(self, user, record, version, allowed, refusal):
        """Check before publishing or withdrawing: `user` may act, on the version they saw, in an `allowed` state.

        `refusal(record)` says why another state is refused.
        """
        self.policy.act(user, record, version)
        if record.state not in allowed:
            raise Conflict(refusal(record))

    def withdraw(self, record, withdrawn_state, reason, now):
        """Mark a checked `record` withdrawn with its public `reason` (already validated); search is told."""
        record.withdrawn_reason = reason
        record.state, record.updated_at = withdrawn_state, now
        self.changed_in_public(record)

    def changed_in_public(self, record):
        """Queue `record` for the search index: something the public sees has changed."""
        search.enqueue(self.search_kind, record.id)


# --- the lists ---------------------------------------------------------------------------------------


def list_public(policy, filters, names, condition, page, per_page, max_per_page, order, options=()):
    """A pagination.Page of the public records of `policy` matching `filters`.

    `filters` maps the filter `names` to raw values, empty ones ignored; `condition(name, value)` is the SQL
    of one (ValidationFailed naming a value it does not accept). `page` counts from 1 and `per_page` is at
    most `max_per_page`; `order` and `options` are the list's order and what it loads with each record.
    """
    page = numbers.whole_number("page", page, 1, 1_000_000, 1)
    per_page = numbers.whole_number("per_page", per_page, 1, max_per_page, 20)
    values = {name: (filters or {}).get(name) for name in names}
    conditions = [
        condition(name, value) for name, value in values.items() if value not in (None, "")
    ]
    return pagination.fetch(
        db.session,
        policy.public_query().where(*conditions),
        page,
        per_page,
        order_by=order,
        options=options,
    )


def console_list(policy, user, state, page, per_page, **fetch):
    """A pagination.Page of the records of `policy` that `user` reads in the console (their unit's, every unit's
    under oversight), narrowed to `state` (None: all), newest first; `fetch` goes to pagination.fetch."""
    model = policy.model
    conditions = [policy.console_condition(user)]
    if state is not None:
        conditions.append(model.state == state)
    return pagination.fetch(
        db.session,
        sa.select(model).where(*conditions),
        numbers.identifier(page),
        per_page,
        order_by=(model.created_at.desc(), model.id.desc()),
        **fetch,
    )
