"""The policy: chapters, measures and their tasks."""

from flask import render_template

from portal.public import bp
from portal.services import dashboard, policy


@bp.get("/measures")
def measures_index():
    """Chapters and their measures."""
    return render_template(
        "public/measures/index.html",
        document=policy.get_document(),
        chapters=policy.list_chapters(),
    )


@bp.get("/measures/<int:number>")
def measures_show(number):
    """One measure: full text, tasks, lead and participating units, and what has happened under it."""
    measure = policy.get_measure(number)
    before, after = policy.neighbours(measure)
    return render_template(
        "public/measures/show.html",
        measure=measure,
        before=before,
        after=after,
        record=dashboard.measure_record(measure),
    )
