"""The unit's queue of reports, the case page, and the actions on it."""
import csv
import io

from flask import Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from portal.console import bp
from portal.console import report_forms as forms
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import choices
from portal.models import ReportStatus
from portal.permissions import Permission, permission_required
from portal.services import categories, handling, identities, units
from portal.services.handling import QueueFilters


def _filters(args):
    status = args.get("status")
    return QueueFilters(
        status=ReportStatus(status) if status in {s.value for s in ReportStatus} else None,
        category=args.get("category") or None, area=args.get("area", type=int),
        overdue=args.get("overdue") == "1", due_soon=args.get("due_soon") == "1", mine=args.get("mine") == "1",
    )


@bp.get("/reports")
@permission_required(Permission.CONSOLE_VIEW)
def reports_index():
    """The unit's reports, most urgent first."""
    filters = _filters(request.args)
    page = handling.queue(current_user, filters, request.args.get("page", 1, type=int))
    return render_template("console/reports/index.html", page=page, filters=filters,
                           categories=categories.list_categories(), areas=units.list_areas())


@bp.get("/reports/export.csv")
@permission_required(Permission.CONSOLE_VIEW)
def reports_export():
    """The filtered queue as CSV (no reporter identity, no description)."""
    page = handling.queue(current_user, _filters(request.args), 1, per_page=10_000)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["reference", "status", "category", "area", "unit", "submitted_at", "due_at"])
    for r in page.items:
        writer.writerow([r.reference, r.status.value, r.category.code, r.area.label, r.unit.name,
                         r.submitted_at.isoformat(), r.running_due_at.isoformat() if r.running_due_at else ""])
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=reports.csv"})


def _action_form(action, report, formdata=None):
    """The form of `action` with its choices; bound to the request unless `formdata` is None."""
    form_class = ACTIONS[action][0] if action in ACTIONS else forms.IdentityForm
    form = form_class(formdata=formdata, version=report.version) if formdata is None else form_class()
    if action == "assign":
        form.assignee.choices = choices((u.id, u.display_name) for u in handling.unit_staff(report.unit_id))
    if action == "transfer":
        form.unit.choices = choices((u.id, u.label) for u in units.list_units() if u.handles_cases and u.id != report.unit_id)
    return form


def _render_case(report, identity=None, status=200):
    visibility = identities.describe_visibility(report)
    return render_template("console/reports/show.html", report=report, access=handling.access(current_user, report),
                           forms={name: _action_form(name, report) for name in [*ACTIONS, "identity"]},
                           identity=identity,
                           visibility=visibility, may_see_identity=identities.may_see(current_user, report, visibility)), status


@bp.get("/reports/<reference>")
@permission_required(Permission.CONSOLE_VIEW)
def reports_show(reference):
    """The case page: details, deadlines, timeline and the actions open to the user."""
    return _render_case(handling.get_for(current_user, reference))


@bp.post("/reports/<reference>/identity")
@permission_required(Permission.CONSOLE_VIEW)
def reports_identity(reference):
    """Reveal the reporter's identity to a user allowed to see it; the read is audited."""
    report = handling.get_for(current_user, reference)
    if not forms.IdentityForm().validate_on_submit():
        abort(400)
    identity = identities.read_identity(current_user, report, purpose="case page")
    db.session.commit()
    if identity is None:
        flash(_("You may not see who made this report."), "error")
    return _render_case(report, identity=identity)


ACTIONS = {
    "accept": (forms.AcceptForm, lambda r, f, c: handling.accept(current_user, r, f.version.data, c)),
    "not-accept": (forms.NotAcceptForm, lambda r, f, c: handling.not_accept(
        current_user, r, f.version.data, f.reason.data, f.explanation.data)),
    "assign": (forms.AssignForm, lambda r, f, c: handling.assign(current_user, r, f.version.data, f.assignee.data)),
    "transfer": (forms.TransferForm, lambda r, f, c: handling.transfer(
        current_user, r, f.version.data, f.unit.data, f.reason.data, c)),
    "extension": (forms.ExtensionForm, lambda r, f, c: handling.request_extension(
        current_user, r, f.version.data, f.days.data, f.reason.data)),
    "extension-decision": (forms.ExtensionDecisionForm, lambda r, f, c: handling.decide_extension(
        current_user, r, f.version.data, bool(f.approve.data), c)),
    "reply": (forms.ReplyForm, lambda r, f, c: handling.reply(current_user, r, f.version.data, f.text.data)),
    "note": (forms.NoteForm, lambda r, f, c: handling.note(current_user, r, f.version.data, f.text.data)),
    "close": (forms.CloseForm, lambda r, f, c: handling.close(current_user, r, f.version.data, f.result.data, c)),
    "summary": (forms.SummaryForm, lambda r, f, c: handling.publish_summary(
        current_user, r, f.version.data, f.summary.data)),
}


@bp.post("/reports/<reference>/<action>")
@permission_required(Permission.REPORTS_HANDLE)
def reports_act(reference, action):
    """Perform one action; if someone changed the report meanwhile, say so and show its state."""
    if action not in ACTIONS:
        abort(404)
    report = handling.get_for(current_user, reference)
    form = _action_form(action, report, formdata=request.form)
    try:
        if not form.validate_on_submit():
            raise DomainError(form_error_text(form))
        ACTIONS[action][1](report, form, current_app.config)
        db.session.commit()
        flash(_("Done."), "info")
    except (DomainError, StaleDataError) as error:
        db.session.rollback()
        flash(error.message if isinstance(error, DomainError) else handling.changed_message(), "error")
    if handling.access(current_user, report) is None:  # transferred away: only the transfer record remains
        return redirect(url_for("console.transfers_index"))
    return redirect(url_for("console.reports_show", reference=reference))


def form_error_text(form):
    """All of a form's errors in one line, each naming its field."""
    parts = [f"{getattr(form, name).label.text}: {' '.join(errors)}" for name, errors in form.errors.items()
             if name and hasattr(getattr(form, name, None), "label")]
    return "; ".join(parts) or _("The form has expired. Please reload the page and try again.")


@bp.get("/transfers")
@permission_required(Permission.CONSOLE_VIEW)
def transfers_index():
    """Reports this unit transferred away: the record of each transfer, nothing more."""
    page = handling.transfers_away(current_user, request.args.get("page", 1, type=int))
    return render_template("console/reports/transfers.html", page=page)


@bp.get("/reports/<reference>/evidence/<int:evidence_id>")
@permission_required(Permission.CONSOLE_VIEW)
def reports_evidence(reference, evidence_id):
    """Download the cleaned copy of an evidence file, as an attachment."""
    return _send_evidence(handling.evidence_for(current_user, reference, evidence_id, False, current_app.config["DATA_DIR"]))


@bp.get("/reports/<reference>/evidence/<int:evidence_id>/original")
@permission_required(Permission.SITE_EVIDENCE_ORIGINALS)
def reports_evidence_original(reference, evidence_id):
    """Administrators only: the file exactly as the resident sent it."""
    return _send_evidence(handling.evidence_for(current_user, reference, evidence_id, True, current_app.config["DATA_DIR"]))


def _send_evidence(found):
    path, download_name, mimetype = found
    response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=download_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
