"""Task reports in the console: the unit's list, a new draft, and the manage page with its actions (edit, publish,
revise, evidence) for the lead unit, and the contribution form for a participating unit."""

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import numbers
from portal.console import bp
from portal.console import task_report_forms as forms
from portal.console.actions import perform, prefixed
from portal.forms import choices
from portal.models import TaskReportState, TaskStatus
from portal.permissions import Permission, permission_required
from portal.rendering import render_markdown
from portal.services import task_reports

POLICY = task_reports.POLICY


def _statuses(form):
    form.status.choices = choices((s.value, task_reports.status_label(s)) for s in TaskStatus)
    return form


def _new_form():
    form = _statuses(forms.NewReportForm())
    form.task.choices = choices(
        (t.id, f"({t.measure.number}) {t.title}")
        for t in task_reports.lead_tasks(current_user.unit_id)
    )
    return form


def _values(report):
    return {
        "status": report.status.value,
        "progress": "" if report.progress is None else str(report.progress),
        "done_text": report.done_text,
        "next_steps": report.next_steps,
        "version": report.version,
    }


def _page_forms(report, bound):
    """Every form of the manage page: the one just submitted (with its errors), fresh ones otherwise."""
    values = _values(report)
    fresh = {
        "edit": lambda: _statuses(forms.EditForm(formdata=None, data=values)),
        "publish": lambda: forms.PublishForm(formdata=None, version=report.version),
        "revise": lambda: _statuses(forms.ReviseForm(formdata=None, data=values)),
        "evidence": lambda: forms.EvidenceForm(
            formdata=None,
            version=report.version,
            evidence=[f"{e.kind.value}:{e.item_id}" for e in report.evidence],
        ),
        "contribution": lambda: forms.ContributionForm(
            formdata=None,
            text=next(
                (c.text for c in report.contributions if c.unit_id == current_user.unit_id), ""
            ),
        ),
    }
    made = {name: prefixed(bound.get(name) or make(), name) for name, make in fresh.items()}
    if bound.get("edit") or bound.get("revise"):
        _statuses(bound.get("edit") or bound.get("revise"))
    return made


def render_manage_page(report, status=200, **bound):
    """The manage page of `report`; `bound` holds a submitted form to show again with its errors."""
    return render_template(
        "console/task_reports/show.html",
        report=report,
        forms=_page_forms(report, bound),
        manage=POLICY.may_manage(current_user, report),
        contribute=task_reports.may_contribute(current_user, report),
        evidence_choices=task_reports.evidence_choices(report)
        if POLICY.may_manage(current_user, report)
        else [],
        render_markdown=render_markdown,
        TaskReportState=TaskReportState,
    ), status


def _show(report, anchor=""):
    return redirect(url_for("console.task_reports_show", report_id=report.id) + anchor)


@bp.get("/task-reports")
@permission_required(Permission.CONSOLE_VIEW)
def task_reports_index():
    """The reports the unit writes or contributes to (every unit's for site oversight), newest period first."""
    return render_template(
        "console/task_reports/index.html",
        reports=task_reports.console_list(current_user),
        leads=task_reports.lead_tasks(current_user.unit_id),
    )


@bp.route("/task-reports/new", methods=["GET", "POST"])
@permission_required(Permission.TASK_REPORTS_MANAGE)
def task_reports_new():
    """Draft a report on a task the unit leads, for a period; it stays private until published."""
    form = _new_form()
    if request.method == "GET" and request.args.get("task"):
        form.task.data = numbers.identifier(request.args["task"])
    return perform(
        form,
        lambda: task_reports.create_draft(
            current_user,
            form.task.data,
            form.period.data,
            form.status.data,
            form.progress.data,
            form.done_text.data,
            form.next_steps.data,
        ),
        lambda _r: _("Draft saved. It stays private until you publish it."),
        _show,
        lambda: (
            render_template("console/task_reports/new.html", form=form),
            400 if form.errors or form.form_errors else 200,
        ),
        POLICY.changed,
    )


@bp.get("/task-reports/<int:report_id>")
@permission_required(Permission.CONSOLE_VIEW)
def task_reports_show(report_id):
    """A report with the actions open to the user's unit (lead: edit, publish, revise, evidence; participating: contribute)."""
    return render_manage_page(POLICY.get_for_unit(current_user, report_id))


# action: (form, call(report, form), message after the commit, anchor)
ACTIONS = {
    "edit": (
        forms.EditForm,
        lambda r, f: task_reports.update_draft(
            current_user,
            r,
            f.status.data,
            f.progress.data,
            f.done_text.data,
            f.next_steps.data,
            version=f.version.data,
        ),
        lambda r: _("Draft saved."),
    ),
    "publish": (
        forms.PublishForm,
        lambda r, f: task_reports.publish(current_user, r, version=f.version.data),
        lambda r: _("Published as version 1. It is on the task's public page now."),
    ),
    "revise": (
        forms.ReviseForm,
        lambda r, f: task_reports.revise(
            current_user,
            r,
            f.status.data,
            f.progress.data,
            f.done_text.data,
            f.next_steps.data,
            f.note.data,
            version=f.version.data,
        ),
        lambda r: _("Version %(n)s is published with your note.", n=len(r.versions)),
    ),
    "evidence": (
        forms.EvidenceForm,
        lambda r, f: task_reports.set_evidence(
            current_user, r, f.evidence.data, version=f.version.data
        ),
        lambda r: _("Evidence saved."),
    ),
    "contribution": (
        forms.ContributionForm,
        lambda r, f: task_reports.contribute(current_user, r, f.text.data),
        lambda r: _("Your unit's contribution is saved."),
    ),
}


@bp.post(
    "/task-reports/<int:report_id>/<any(edit, publish, revise, evidence, contribution):action>"
)
@permission_required(Permission.TASK_REPORTS_MANAGE)
def task_reports_act(report_id, action):
    """Run one action of the manage page: valid form → one service call → one commit → back to the page."""
    report = POLICY.get_for_unit(current_user, report_id)
    form_class, call, message = ACTIONS[action]
    form = _statuses(form_class()) if hasattr(form_class, "status") else form_class()
    return perform(
        form,
        lambda: call(report, form),
        lambda _r: message(report),
        lambda _r: _show(report, f"#{action}"),
        lambda: render_manage_page(report, 400, **{action: form}),
        POLICY.changed,
    )
