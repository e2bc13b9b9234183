"""Units and areas: reference data, the directory, and what each unit is responsible for."""

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.errors import NotFound
from portal.extensions import db
from portal.models import Area, Measure, Task, TaskUnit, TaskUnitRole, Unit, UnitAlias, UnitKind
from portal.policy import bundled_divisions

BINGTUAN_AREA = 0


def seed_areas():
    """Add the 兵团 level and the 14 师(市), each with its own unit, where missing; keep edits."""
    areas = {a.number: a for a in db.session.scalars(sa.select(Area))}
    if BINGTUAN_AREA not in areas:
        db.session.add(Area(number=BINGTUAN_AREA, name="兵团", city=None))
    for number, name, city in bundled_divisions():
        area = areas.get(number)
        if area is None:
            area = Area(number=number, name=name, city=city)
            db.session.add(area)
        if db.session.scalar(sa.select(Unit).where(Unit.area == area)) is None:
            db.session.add(Unit(name=area.label, kind=UnitKind.DIVISION, area=area))
    db.session.flush()


def list_areas():
    """The 兵团 level first, then the divisions by number."""
    return db.session.scalars(sa.select(Area).order_by(Area.number)).all()


def list_units():
    """Every unit with its aliases: departments, then divisions, then collective addressees."""
    query = sa.select(Unit).options(selectinload(Unit.aliases), selectinload(Unit.area))
    units = db.session.scalars(query).all()
    return sorted(
        units, key=lambda u: (list(UnitKind).index(u.kind), u.area.number if u.area else 0, u.id)
    )


def directory():
    """Units grouped for the directory page, as (kind, units) pairs in display order."""
    groups = {kind: [] for kind in UnitKind}
    for unit in list_units():
        groups[unit.kind].append(unit)
    return list(groups.items())


def get_unit(unit_id):
    """The unit with `unit_id`, or NotFound."""
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(_("No unit has the number %(id)s.", id=unit_id))
    return unit


def find_unit(name):
    """The unit called `name` or acting under that alias, or NotFound."""
    unit = db.session.scalar(sa.select(Unit).where(Unit.name == name))
    if unit is None:
        alias = db.session.scalar(sa.select(UnitAlias).where(UnitAlias.name == name))
        unit = alias.unit if alias else None
    if unit is None:
        raise NotFound(_("No unit is called %(name)s.", name=name), field="unit")
    return unit


def responsibilities(unit):
    """(tasks the unit leads, tasks it joins), each in policy order."""
    query = (
        sa.select(TaskUnit.role, Task)
        .join(Task, TaskUnit.task_id == Task.id)
        .join(Measure, Task.measure_id == Measure.id)
        .where(TaskUnit.unit_id == unit.id)
        .options(
            selectinload(Task.measure), selectinload(Task.assignments).selectinload(TaskUnit.unit)
        )
        .order_by(Measure.number, Task.position)
    )
    leads, joins = [], []
    for role, task in db.session.execute(query):
        (leads if role is TaskUnitRole.LEAD else joins).append(task)
    return leads, joins


def get_area(number):
    """The area with `number` (0 = 兵团 level), or NotFound."""
    area = db.session.scalar(sa.select(Area).where(Area.number == number))
    if area is None:
        raise NotFound(_("There is no area number %(n)s.", n=number), field="area")
    return area
