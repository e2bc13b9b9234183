"""Reading the imported policy: chapters, measures, tasks and goals."""
import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from portal.errors import NotFound
from portal.extensions import db
from portal.models import Chapter, Indicator, Measure, PolicyDocument, Task, TaskUnit, Unit


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


def list_indicators():
    """The goal indicators of measure (三) in order, with their lead units loaded."""
    query = (
        sa.select(Indicator)
        .join(Task, Indicator.task_id == Task.id)
        .options(
            selectinload(Indicator.task)
            .selectinload(Task.assignments)
            .selectinload(TaskUnit.unit)
            .selectinload(Unit.aliases),
            selectinload(Indicator.task).selectinload(Task.measure),
        )
        .order_by(Task.position, Indicator.position)
    )
    return db.session.scalars(query).all()


def summary():
    """Counts of what has been imported, for `portal check` and the home page."""
    count = lambda model: db.session.scalar(sa.select(sa.func.count()).select_from(model))  # noqa: E731
    return {
        "chapters": count(Chapter),
        "measures": count(Measure),
        "tasks": count(Task),
        "units": count(Unit),
        "indicators": count(Indicator),
    }
