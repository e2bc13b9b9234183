"""Write a parsed policy into the database: in place, by stable keys, so links survive revisions."""

from dataclasses import dataclass

import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    Chapter,
    Comparison,
    Goal,
    Measure,
    PolicyDocument,
    Task,
    TaskKind,
    TaskUnit,
    TaskUnitRole,
    Unit,
    UnitAlias,
    UnitKind,
)
from portal.policy.parser import parse
from portal.services import search


@dataclass
class ImportResult:
    """What an import did."""

    changed: bool
    chapters: int
    measures: int
    tasks: int
    units: int
    goals: int


def import_policy(text):
    """Parse `text` and bring the database in line with it; the caller commits.

    Parsing finishes before the first write, so a document that cannot be understood changes
    nothing. Chapters and measures are matched by number, tasks within their measure by title or else
    position, units by name: ids and URLs stay the same across revisions.
    """
    parsed = parse(text)
    session = db.session
    document = session.scalar(sa.select(PolicyDocument))
    counts = dict(
        chapters=len(parsed.chapters),
        measures=len(parsed.measures),
        tasks=len(parsed.tasks),
        units=len({u.name for t in parsed.tasks for u in t.lead + t.participating}),
        goals=len(parsed.goals),
    )
    if document is not None and document.sha256 == parsed.sha256:
        return ImportResult(changed=False, **counts)
    previous = search.policy_keys()
    if document is None:
        document = PolicyDocument()
        session.add(document)
    for name in ("title", "issuer", "written_on", "published_on", "preamble", "sha256"):
        setattr(document, name, getattr(parsed, name))
    units = _units(parsed)
    chapters = _by(Chapter, "number")
    measures = _by(Measure, "number")
    tasks = {}
    for task in session.scalars(sa.select(Task)):
        tasks.setdefault(task.measure.number, []).append(task)
    goals = {(i.task_id, i.position): i for i in session.scalars(sa.select(Goal))}
    kept_tasks, kept_goals = set(), set()
    for parsed_chapter in parsed.chapters:
        chapter = chapters.pop(parsed_chapter.number, None) or Chapter(number=parsed_chapter.number)
        chapter.document, chapter.title = document, parsed_chapter.title
        session.add(chapter)
        for parsed_measure in parsed_chapter.measures:
            measure = measures.pop(parsed_measure.number, None) or Measure(
                number=parsed_measure.number
            )
            measure.chapter, measure.title, measure.text = (
                chapter,
                parsed_measure.title,
                parsed_measure.text,
            )
            session.add(measure)
            by_position = {}
            existing = tasks.get(parsed_measure.number, [])
            for parsed_task, task in _match_tasks(parsed_measure.tasks, existing):
                kept_tasks.add(task)
                task.measure, task.position = measure, parsed_task.position
                task.kind = TaskKind(parsed_task.kind)
                task.title, task.text = parsed_task.title, parsed_task.text
                task.participating_open = parsed_task.participating_open
                session.add(task)
                _assign(task, parsed_task, units)
                by_position[parsed_task.position] = task
            session.flush()
            for parsed_goal in parsed_measure.goals:
                task = by_position[parsed_goal.task_position]
                key = (task.id, parsed_goal.position)
                goal = goals.get(key) or Goal(task=task, position=parsed_goal.position)
                kept_goals.add(key)
                goal.name = parsed_goal.name
                goal.comparison = Comparison(parsed_goal.comparison)
                goal.target_value = parsed_goal.target_value
                goal.unit_of_measure = parsed_goal.unit_of_measure
                goal.baseline_year = parsed_goal.baseline_year
                goal.target_year = parsed_goal.target_year
                goal.source_text = parsed_goal.source_text
                session.add(goal)
    for key, goal in goals.items():
        if key not in kept_goals:
            session.delete(goal)
    for task in (t for group in tasks.values() for t in group):
        if task not in kept_tasks:
            session.delete(task)
    session.flush()
    for stale in list(measures.values()) + list(chapters.values()):
        session.delete(stale)
    session.flush()
    search.enqueue_policy(previous)
    return ImportResult(changed=True, **counts)


def _match_tasks(parsed_tasks, existing):
    """Pair each parsed task with the row it revises: same title first, else same position.

    Matching by title keeps a task's id when another task is inserted or removed before it;
    matching by position keeps it when only its title was reworded.
    """
    by_title = {t.title: t for t in existing}
    pairs = {p.position: by_title.pop(p.title) for p in parsed_tasks if p.title in by_title}
    free = {t.position: t for t in by_title.values()}
    for parsed_task in parsed_tasks:
        if parsed_task.position not in pairs:
            pairs[parsed_task.position] = free.pop(parsed_task.position, None) or Task()
    # Park moving and leftover rows on negative positions first, so that the (measure, position)
    # constraint holds at every step of the flush.
    parked = [t for p, t in pairs.items() if t.id is not None and t.position != p] + list(
        free.values()
    )
    for offset, task in enumerate(parked, start=1):
        task.position = -offset
    if parked:
        db.session.flush()
    return [(p, pairs[p.position]) for p in parsed_tasks]


def _by(model, key):
    return {getattr(row, key): row for row in db.session.scalars(sa.select(model))}


def _units(parsed):
    """Upsert every unit the policy names, merging the aliases seen across its annotations."""
    aliases = {}
    collective = {}
    for task in parsed.tasks:
        for ref in task.lead + task.participating:
            known = aliases.setdefault(ref.name, [])
            # The fullest form (农业局(畜牧兽医局、林业局)) sets the order; others add what is new.
            if len(ref.aliases) > len(known):
                known[:] = list(ref.aliases) + [a for a in known if a not in ref.aliases]
            else:
                known.extend(a for a in ref.aliases if a not in known)
            collective[ref.name] = ref.collective
    units = _by(Unit, "name")
    for name, names in aliases.items():
        unit = units.get(name)
        if unit is None:
            kind = UnitKind.COLLECTIVE if collective[name] else UnitKind.DEPARTMENT
            unit = units[name] = Unit(name=name, kind=kind)
            db.session.add(unit)
        existing = {a.name: a for a in unit.aliases}
        for position, alias_name in enumerate(names):
            alias = existing.get(alias_name) or UnitAlias(name=alias_name)
            alias.position = position
            if alias_name not in existing:
                unit.aliases.append(alias)
    return units


def _assign(task, parsed_task, units):
    """Replace the task's lead and participating lists, keeping the policy's order."""
    wanted = [(TaskUnitRole.LEAD, ref) for ref in parsed_task.lead]
    wanted += [(TaskUnitRole.PARTICIPATING, ref) for ref in parsed_task.participating]
    current = [(a.role, a.unit.name, a.position) for a in task.assignments]
    target = [(role, ref.name, i) for i, (role, ref) in enumerate(wanted)]
    if current == target:
        return
    task.assignments.clear()
    db.session.flush()
    for position, (role, ref) in enumerate(wanted):
        task.assignments.append(TaskUnit(unit=units[ref.name], role=role, position=position))
