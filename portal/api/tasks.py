"""/api/v1/tasks/<id>/reports and /api/v1/accountability: published task reports and the matrix, read-only."""

from flask import current_app, request

from portal.api import bp, serializers
from portal.models.types import utcnow
from portal.rendering import render_markdown
from portal.services import clocks, task_reports
from portal.urls import absolute_url


def _version(version):
    contributions = task_reports.version_contributions(version)
    return {
        "number": version.number,
        "status": version.status.value,
        "progress": version.progress,
        "note": version.note,
        "published_at": version.published_at.isoformat(),
        "evidence": version.evidence_keys,
        "contributions": None
        if contributions is None
        else [{"unit": serializers.unit_ref(u), "text": t} for u, t in contributions],
    }


def _evidence_change(change, item):
    return {
        "kind": change.kind.value,
        "id": change.item_id,
        "change": change.change.value,
        "changed_at": change.changed_at.isoformat(),
        "label": item.label if item else None,
        "url": absolute_url(item.endpoint, **item.values) if item else None,
    }


def _report(report, calendar):
    """A published task report: its current values, evidence, contributions and versions."""
    return {
        "id": report.id,
        "task_id": report.task_id,
        "unit": serializers.unit_ref(report.unit),
        "period": report.period,
        "due_on": task_reports.due_date(report.period, calendar.due).isoformat(),
        "required": calendar.is_required(report.period),
        "status": report.status.value,
        "progress": report.progress,
        "done_text": report.done_text,
        "done_html": str(render_markdown(report.done_text)),
        "next_steps": report.next_steps,
        "next_steps_html": str(render_markdown(report.next_steps)),
        "first_published_at": report.first_published_at.isoformat(),
        "evidence": [
            {
                "kind": item.kind.value,
                "id": item.item_id,
                "label": item.label,
                "url": absolute_url(item.endpoint, **item.values),
            }
            for item in task_reports.public_evidence(report)
        ],
        "contributions": [
            {"unit": serializers.unit_ref(c.unit), "text": c.text} for c in report.contributions
        ],
        "contribution_history": [
            {
                "unit": serializers.unit_ref(c.unit),
                "old_text": c.old_text,
                "text": c.new_text,
                "changed_at": c.changed_at.isoformat(),
            }
            for c in report.contribution_changes
        ],
        "evidence_history": [
            _evidence_change(c, item) for c, item in reversed(task_reports.evidence_history(report))
        ],
        "versions": [_version(v) for v in report.versions],
        "url": absolute_url("public.tasks_show", task_id=report.task_id) + f"#report-{report.id}",
    }


@bp.get("/tasks/<int:task_id>/reports")
def task_reports_index(task_id):
    """The published implementation reports on one task, newest period first."""
    task = task_reports.get_task(task_id)
    reports = task_reports.public_reports_of_task(task.id)
    calendar = task_reports.reporting_calendar(current_app.config)
    return {"task": serializers.task(task), "items": [_report(r, calendar) for r in reports]}


@bp.get("/accountability")
def accountability():
    """The accountability matrix: tasks × required periods with each lead unit's standing (?unit=&chapter=)."""
    today = clocks.local_day(utcnow(), current_app.config["BABEL_DEFAULT_TIMEZONE"])
    matrix = task_reports.matrix(
        current_app.config,
        today,
        unit=request.args.get("unit"),
        chapter=request.args.get("chapter"),
    )
    return {
        "periods": [
            {
                "period": p,
                "kind": task_reports.period_kind(p),
                "due_on": matrix.due_on(p).isoformat(),
            }
            for p in matrix.periods
        ],
        "last_due_period": matrix.last_due,
        "unreported_task_ids": [row.task.id for row in matrix.unreported],
        "tasks": [
            {
                "task_id": row.task.id,
                "measure": row.task.measure.number,
                "title": row.task.title,
                "cells": {
                    period: {
                        "standing": row.cells[period].value,
                        "units": [
                            {
                                "unit": serializers.unit_ref(unit),
                                "standing": standing.value,
                                "report_id": report.id if report else None,
                            }
                            for unit, standing, report in row.details[period]
                        ],
                    }
                    for period in matrix.periods
                },
            }
            for row in matrix.rows
        ],
    }
