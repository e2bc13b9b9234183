"""JSON shapes shared by the API's routes; keep them stable, clients rely on them."""
from flask import url_for


def unit_ref(unit):
    """A unit inside another object: id and name."""
    return {"id": unit.id, "name": unit.name}


def unit_summary(unit):
    """A unit in a list."""
    return {
        "id": unit.id,
        "name": unit.name,
        "aliases": [a.name for a in unit.aliases],
        "kind": unit.kind.value,
        "url": url_for("public.units_show", unit_id=unit.id, _external=True),
    }


def task(task):
    """A task with its ordered lead and participating units."""
    return {
        "id": task.id,
        "title": task.title,
        "kind": task.kind.value,
        "measure": task.measure.number,
        "lead_units": [unit_ref(u) for u in task.lead_units],
        "participating_units": [unit_ref(u) for u in task.participating_units],
    }


def measure_summary(measure):
    """A measure in a list."""
    return {
        "number": measure.number,
        "title": measure.title,
        "chapter": {"number": measure.chapter.number, "title": measure.chapter.title},
        "url": url_for("public.measures_show", number=measure.number, _external=True),
    }


def indicator(indicator):
    """A goal indicator and its target."""
    return {
        "id": indicator.id,
        "name": indicator.name,
        "comparison": indicator.comparison.value,
        "target_value": float(indicator.target_value),
        "unit_of_measure": indicator.unit_of_measure,
        "baseline_year": indicator.baseline_year,
        "target_year": indicator.target_year,
        "measure": indicator.task.measure.number,
        "task_id": indicator.task_id,
        "lead_units": [unit_ref(u) for u in indicator.lead_units],
        "source_text": indicator.source_text,
    }
