"""A policy task's implementation reports (落实情况) and the accountability matrix (tasks × periods)."""

from flask import current_app, render_template, request

from portal.downloads import csv_response
from portal.models import TaskStatus
from portal.models.types import utcnow
from portal.public import bp
from portal.rendering import render_markdown
from portal.services import clocks, task_reports
from portal.urls import absolute_url

MATRIX_FILTERS = ("unit", "chapter")


def _today():
    return clocks.local_day(utcnow(), current_app.config["BABEL_DEFAULT_TIMEZONE"])


@bp.get("/tasks/<int:task_id>")
def tasks_show(task_id):
    """A task, its units, and the timeline of its published reports with evidence and contributions."""
    task = task_reports.get_task(task_id)
    return render_template(
        "public/tasks/show.html",
        task=task,
        reports=task_reports.public_reports_of_task(task.id),
    )


@bp.get("/tasks/<int:task_id>/reports/<int:report_id>/versions/<int:number>")
def task_reports_version(task_id, report_id, number):
    """One published version of a task report, as it was published."""
    report = task_reports.get_public(report_id, task_id)
    return render_template(
        "public/tasks/version.html", report=report, shown=task_reports.version(report, number)
    )


@bp.get("/tasks/<int:task_id>/reports/<int:report_id>/diff")
def task_reports_diff(task_id, report_id):
    """The changes between two versions (?from=&to=, by default the last two), evidence and contributions too; a bad
    number is a 400 naming it."""
    report = task_reports.get_public(report_id, task_id)
    latest = report.versions[-1].number
    older, newer = request.args.get("from", max(latest - 1, 1)), request.args.get("to", latest)
    result = task_reports.diff(report, older, newer)
    return render_template(
        "public/tasks/diff.html",
        report=report,
        result=result,
        record=task_reports.record_diff(report, result.older, result.newer),
    )


@bp.get("/accountability")
def accountability():
    """The matrix of tasks × required periods (reported, late, missing, not yet due), unreported tasks first."""
    filters = {name: request.args.get(name, "") for name in MATRIX_FILTERS}
    return render_template(
        "public/tasks/accountability.html",
        matrix=task_reports.matrix(current_app.config, _today(), **filters),
        filters=filters,
        options=task_reports.matrix_filter_choices(),
    )


@bp.get("/accountability.csv")
def accountability_csv():
    """The matrix as CSV: one row per task, lead unit and period, with the filters of the page."""
    filters = {name: request.args.get(name, "") for name in MATRIX_FILTERS}
    matrix = task_reports.matrix(current_app.config, _today(), **filters)
    return csv_response(
        "accountability.csv",
        task_reports.MATRIX_COLUMNS,
        task_reports.matrix_rows(matrix, absolute_url),
    )


@bp.app_context_processor
def task_report_labels():
    """The label helpers the task report templates use (public pages and the console)."""
    return {
        "task_report_state_label": task_reports.state_label,
        "task_report_due": lambda period: task_reports.due_date(
            period, current_app.config["TASK_REPORT_DUE"]
        ),
        "task_report_required": lambda period: task_reports.reporting_calendar(
            current_app.config
        ).is_required(period),
        "task_status_label": task_reports.status_label,
        "task_period_label": task_reports.period_label,
        "task_standing_label": task_reports.standing_label,
        "task_evidence_label": task_reports.evidence_label,
        "task_report_evidence": task_reports.public_evidence,
        "task_evidence_history": task_reports.evidence_history,
        "task_evidence_key_label": task_reports.evidence_key_label,
        "task_contribution_histories": task_reports.contribution_histories,
        "task_text_changes": task_reports.text_changes,
        "render_markdown": render_markdown,
        "TaskStatus": TaskStatus,
    }
