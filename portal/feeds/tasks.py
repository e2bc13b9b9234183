"""Task report feeds: the published implementation reports of one task, and of one lead unit.

Entries are ordered by their latest version, so a revised report comes back to the top with a later
<updated>; its entry id (the address of the report on the task page) never changes. Drafts never appear.
"""

from flask_babel import gettext as _

from portal.feeds import atom, bp
from portal.rendering import render_markdown
from portal.services import task_reports, units
from portal.urls import absolute_url

FEED_LENGTH = 50


def entry(report):
    """The feed entry of a published report: status, progress and what was done, as of its latest version."""
    page = absolute_url("public.tasks_show", task_id=report.task_id) + f"#report-{report.id}"
    latest = report.versions[-1]
    progress = "" if report.progress is None else f" · {report.progress}%"
    summary = f"{task_reports.status_label(report.status)}{progress}"
    if latest.number > 1:
        summary += "\n" + _("Version %(n)s: %(note)s", n=latest.number, note=latest.note)
    return atom.Entry(
        id=page,
        title=f"{task_reports.period_label(report.period)} · {report.task.title}",
        url=page,
        updated=latest.published_at,
        published=report.first_published_at,
        author=report.unit.name,
        summary=summary,
        content_html=str(render_markdown(report.done_text)),
    )


def _feed(title, self_url, alternate, reports):
    ordered = sorted(reports, key=lambda r: (r.versions[-1].published_at, r.id), reverse=True)
    body = atom.document(self_url, title, self_url, alternate, [entry(r) for r in ordered])
    return atom.response(body)


@bp.get("/tasks/<int:task_id>/reports.atom")
def task_reports_atom(task_id):
    """The published reports on one task (an unknown task is not found)."""
    task = task_reports.get_task(task_id)
    return _feed(
        _("Implementation reports: %(task)s", task=task.title),
        absolute_url("feeds.task_reports_atom", task_id=task.id),
        absolute_url("public.tasks_show", task_id=task.id),
        task_reports.recent_public(FEED_LENGTH, task_id=task.id),
    )


@bp.get("/units/<int:unit_id>/task-reports.atom")
def unit_task_reports_atom(unit_id):
    """The published task reports of one lead unit (an unknown unit is not found)."""
    unit = units.get_unit(unit_id)
    return _feed(
        _("Implementation reports of %(unit)s", unit=unit.name),
        absolute_url("feeds.unit_task_reports_atom", unit_id=unit.id),
        absolute_url("public.units_show", unit_id=unit.id),
        task_reports.recent_public(FEED_LENGTH, unit_id=unit.id),
    )
