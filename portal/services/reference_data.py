"""What every submission reads and almost nothing changes, kept per process as plain values.

Categories, areas, routing rules, the units and policy tasks they name and the holiday calendar are read
by every report (and the report form lists the first two), but change only when an administrator edits
them. Each process keeps them as frozen rows, one snapshot per database engine, keyed on the versions of
the data domains they come from (`data_versions`, bumped in the transaction of every commit that writes
one of their tables, see portal/caching.py): one small query per use says whether the snapshot still
stands, so a change is seen by the very next report in every worker. Inside a transaction that has
itself written one of those tables the snapshot is bypassed and the data read as it stands there.
A change made behind the portal's back (SQL that does not bump a version) shows within MAX_AGE seconds.
"""

import threading
import time
import weakref
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.caching import tables_written
from portal.errors import NotFound
from portal.extensions import db
from portal.models import (
    Area,
    Category,
    Measure,
    RoutingRule,
    Task,
    TaskUnit,
    TaskUnitRole,
    Unit,
    UnitAlias,
    UnitKind,
)
from portal.models.clocks import HolidayOverride
from portal.services.clocks import Calendar
from portal.services.routing import decide

DOMAINS = ("routing", "units", "policy", "calendar")
# The tables the snapshot is read from: a transaction that wrote one of them reads them itself.
TABLES = frozenset(
    {
        "categories",
        "routing_rules",
        "areas",
        "units",
        "unit_aliases",
        "measures",
        "tasks",
        "task_units",
        "holiday_overrides",
    }
)
MAX_AGE = 300

_snapshots = weakref.WeakKeyDictionary()  # engine → (versions, monotonic time read, Snapshot)
_lock = threading.Lock()


@dataclass(frozen=True)
class UnitRow:
    """A unit as routing and the receipt show it."""

    id: int
    name: str
    label: str
    kind: UnitKind

    @property
    def handles_reports(self):
        """Collective addressees are named by the policy but never handle a report."""
        return self.kind is not UnitKind.COLLECTIVE


@dataclass(frozen=True)
class AreaRow:
    """The 兵团 level (number 0) or one 师(市)."""

    id: int
    number: int
    name: str
    city: str | None

    @property
    def label(self):
        """The name residents know: 第八师石河子市, 第十一师, 兵团."""
        return f"{self.name}{self.city or ''}"


@dataclass(frozen=True)
class MeasureRow:
    """A measure's number, as a routing basis cites it."""

    number: int


@dataclass(frozen=True)
class TaskRow:
    """A policy task with its lead and participating units in the policy's order."""

    id: int
    measure: MeasureRow
    title: str
    lead_units: tuple
    participating_units: tuple


@dataclass(frozen=True)
class CategoryRow:
    """A report category, with its task."""

    id: int
    code: str
    family: str
    name: str
    name_en: str
    description: str
    description_en: str
    examples: str
    examples_en: str
    position: int
    task_id: int | None
    task: TaskRow | None


@dataclass(frozen=True)
class RuleRow:
    """(category, area) → handling unit."""

    id: int
    category_id: int
    area: AreaRow
    unit: UnitRow


class Snapshot:
    """Categories, areas, rules, units, the tasks of the categories and the calendar, as read at one moment."""

    def __init__(self, categories, areas, rules, units, aliases, calendar):
        self.categories = tuple(categories)
        self.areas = tuple(areas)
        self.calendar = calendar
        self._by_code = {c.code: c for c in self.categories}
        self._by_number = {a.number: a for a in self.areas}
        self._rules = rules
        self._units = units
        self._aliases = aliases
        self._decisions = {}

    def category(self, code):
        """The category with `code`, or NotFound naming the field."""
        category = self._by_code.get(code)
        if category is None:
            raise NotFound(_("There is no report category %(code)s.", code=code), field="category")
        return category

    def find_category(self, code):
        """The category with `code`, or None."""
        return self._by_code.get(code)

    def area(self, number):
        """The area with `number` (0 is the 兵团 level), or None."""
        return self._by_number.get(number)

    def unit(self, name):
        """The unit called `name` or acting under that alias, or NotFound."""
        found = next(
            (u for u in self._units.values() if u.name == name), None
        ) or self._aliases.get(name)
        if found is None:
            raise NotFound(_("No unit is called %(name)s.", name=name), field="unit")
        return found

    def route(self, category, area, triage_unit_name):
        """`routing.decide` for `category` in `area`, worked out once per snapshot."""
        key = (category.id, area.id, triage_unit_name)
        decision = self._decisions.get(key)
        if decision is None:
            rules = {k: r for k, r in self._rules.items() if k[0] == category.id}
            decision = self._decisions[key] = decide(
                category, area, rules, self.unit(triage_unit_name)
            )
        return decision


def current():
    """The snapshot for the session's database: kept while its domains' versions stand, else read anew."""
    session = db.session
    if session.new or session.dirty or session.deleted:
        session.flush()  # what the session holds is what the next query would see
    connection = session.connection()
    if tables_written(connection) & TABLES:
        return load(
            connection
        )  # this transaction changed them: read them as it sees them, keep nothing
    rows = connection.exec_driver_sql("SELECT domain, version FROM data_versions").all()
    versions = tuple(sorted((domain, version) for domain, version in rows if domain in DOMAINS))
    engine = session.get_bind()
    kept = _snapshots.get(engine)
    now = time.monotonic()
    if kept is not None and kept[0] == versions and now - kept[1] < MAX_AGE:
        return kept[2]
    # The versions were read before the data: a change committed in between makes the next use read again.
    snapshot = load(connection)
    with _lock:
        _snapshots[engine] = (versions, now, snapshot)
    return snapshot


def load(connection):
    """Read a snapshot on `connection`."""
    areas = {
        r.id: AreaRow(r.id, r.number, r.name, r.city)
        for r in connection.execute(
            sa.select(Area.id, Area.number, Area.name, Area.city).order_by(Area.number)
        )
    }
    alias_rows = connection.execute(
        sa.select(UnitAlias.unit_id, UnitAlias.name).order_by(
            UnitAlias.unit_id, UnitAlias.position, UnitAlias.id
        )
    ).all()
    short = {}
    for unit_id, name in alias_rows:
        short.setdefault(unit_id, []).append(name)
    units = {}
    for r in connection.execute(sa.select(Unit.id, Unit.name, Unit.kind)):
        names = short.get(r.id)
        # As Unit.label: the name as the policy writes it, aliases in brackets.
        label = f"{r.name}({'、'.join(a.removeprefix('兵团') for a in names)})" if names else r.name
        units[r.id] = UnitRow(r.id, r.name, label, r.kind)
    aliases = {name: units[unit_id] for unit_id, name in alias_rows}
    category_rows = connection.execute(
        sa.select(Category.__table__).order_by(Category.position, Category.id)
    ).all()
    tasks = _tasks(connection, {r.task_id for r in category_rows if r.task_id is not None}, units)
    categories = [
        CategoryRow(
            r.id,
            r.code,
            r.family,
            r.name,
            r.name_en,
            r.description,
            r.description_en,
            r.examples,
            r.examples_en,
            r.position,
            r.task_id,
            tasks.get(r.task_id),
        )
        for r in category_rows
    ]
    rules = {
        (r.category_id, r.area_id): RuleRow(r.id, r.category_id, areas[r.area_id], units[r.unit_id])
        for r in connection.execute(
            sa.select(
                RoutingRule.id, RoutingRule.category_id, RoutingRule.area_id, RoutingRule.unit_id
            )
        )
    }
    calendar = Calendar(
        dict(connection.execute(sa.select(HolidayOverride.day, HolidayOverride.is_workday)).all())
    )
    return Snapshot(categories, areas.values(), rules, units, aliases, calendar)


def _tasks(connection, task_ids, units):
    if not task_ids:
        return {}
    heads = connection.execute(
        sa.select(Task.id, Task.title, Measure.number)
        .join(Measure, Task.measure_id == Measure.id)
        .where(Task.id.in_(task_ids))
    ).all()
    roles = {}
    for task_id, unit_id, role in connection.execute(
        sa.select(TaskUnit.task_id, TaskUnit.unit_id, TaskUnit.role)
        .where(TaskUnit.task_id.in_(task_ids))
        .order_by(TaskUnit.task_id, TaskUnit.position, TaskUnit.id)
    ):
        roles.setdefault((task_id, role), []).append(units[unit_id])
    return {
        task_id: TaskRow(
            task_id,
            MeasureRow(number),
            title,
            tuple(roles.get((task_id, TaskUnitRole.LEAD), ())),
            tuple(roles.get((task_id, TaskUnitRole.PARTICIPATING), ())),
        )
        for task_id, title, number in heads
    }
