"""Reading the imported policy: chapters, measures, tasks and goals."""

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from portal.errors import NotFound
from portal.extensions import db
from portal.models import Area, Chapter, Goal, Measure, PolicyDocument, Task, TaskUnit, Unit

# Filter choices per database: (what identifies the imported policy and areas, the choices).
_CHOICES = {}


def get_document():
    """The imported policy document, or NotFound before `portal init`."""
    document = db.session.scalar(sa.select(PolicyDocument))
    if document is None:
        raise NotFound(_("The policy has not been imported yet."))
    return document


def list_chapters():
    """Chapters in order, with their measures loaded."""
    query = sa.select(Chapter).options(selectinload(Chapter.measures)).order_by(Chapter.number)
    return db.session.scalars(query).all()


def list_measures():
    """All measures in order, with their chapters loaded."""
    query = sa.select(Measure).options(selectinload(Measure.chapter)).order_by(Measure.number)
    return db.session.scalars(query).all()


def get_measure(number):
    """The measure with `number` (1–35) and its tasks and units, or NotFound."""
    query = (
        sa.select(Measure)
        .where(Measure.number == number)
        .options(
            # Many-to-one in the same query, collections one query each: four statements in all.
            joinedload(Measure.chapter),
            selectinload(Measure.tasks)
            .selectinload(Task.assignments)
            .joinedload(TaskUnit.unit)
            .selectinload(Unit.aliases),
        )
    )
    measure = db.session.scalar(query)
    if measure is None:
        raise NotFound(_("There is no measure number %(number)s.", number=number))
    return measure


def neighbours(measure):
    """(previous measure number or None, next measure number or None)."""
    numbers = db.session.scalars(sa.select(Measure.number).order_by(Measure.number)).all()
    index = numbers.index(measure.number)
    before = numbers[index - 1] if index > 0 else None
    after = numbers[index + 1] if index + 1 < len(numbers) else None
    return before, after


def filter_choices():
    """{"units": units that handle cases, "areas", "measures"} as (value, label) string pairs for filter forms."""
    # Units, aliases, areas and measures change only when `portal init` imports a policy (a new sha256) or
    # seeds areas (more areas and units): one small query tells whether the choices built before still hold.
    version = db.session.execute(
        sa.select(
            sa.select(PolicyDocument.sha256).scalar_subquery(),
            sa.select(sa.func.count()).select_from(Area).scalar_subquery(),
            sa.select(sa.func.count()).select_from(Unit).scalar_subquery(),
        )
    ).one()
    database = db.engine.url.render_as_string()
    cached = _CHOICES.get(database)
    if cached is None or cached[0] != tuple(version):
        from portal.services import units

        choices = {
            "units": [(str(u.id), u.label) for u in units.list_units() if u.handles_reports],
            "areas": [(str(a.number), a.label) for a in units.list_areas()],
            "measures": [(str(m.number), m.title) for m in list_measures()],
        }
        cached = _CHOICES[database] = (tuple(version), choices)
    return cached[1]


def list_goals():
    """The goals of measure (三) in order, with their lead units loaded."""
    query = (
        sa.select(Goal)
        .join(Task, Goal.task_id == Task.id)
        .options(
            selectinload(Goal.task)
            .selectinload(Task.assignments)
            .selectinload(TaskUnit.unit)
            .selectinload(Unit.aliases),
            selectinload(Goal.task).selectinload(Task.measure),
        )
        .order_by(Task.position, Goal.position)
    )
    return db.session.scalars(query).all()


def summary():
    """Counts of what has been imported, for `portal check` and the home page."""
    models = {"chapters": Chapter, "measures": Measure, "tasks": Task, "units": Unit, "goals": Goal}
    # One statement for the five counts: the home page runs it on every request.
    counts = db.session.execute(
        sa.select(
            *(
                sa.select(sa.func.count()).select_from(model).scalar_subquery().label(name)
                for name, model in models.items()
            )
        )
    ).one()
    return dict(counts._mapping)
