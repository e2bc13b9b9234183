"""The unit's queue of reports, the report page, and the actions on it."""

import csv
import io
from zoneinfo import ZoneInfo

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from portal import numbers
from portal.console import bp
from portal.console import report_forms as forms
from portal.console.actions import ask_first, carried, chosen, confirmed, prefixed
from portal.errors import DomainError, ValidationFailed
from portal.extensions import db
from portal.forms import attach_error, choices, error_text
from portal.models import ReportSource, ReportStatus
from portal.permissions import Permission, permission_required
from portal.public.reports import report_input
from portal.services import categories, clocks, handling, identities, reports, supporters, units
from portal.services.handling import QueueFilters
from portal.templating import category_name, local_datetime


def _filters(args):
    status = args.get("status")
    return QueueFilters(
        status=ReportStatus(status) if status in {s.value for s in ReportStatus} else None,
        category=args.get("category") or None,
        area=numbers.whole_number("area", args.get("area"), 0, numbers.LARGEST, None),
        overdue=args.get("overdue") == "1",
        due_soon=args.get("due_soon") == "1",
        mine=args.get("mine") == "1",
    )


@bp.get("/reports")
@permission_required(Permission.CONSOLE_VIEW)
def reports_index():
    """The unit's reports, most urgent first."""
    filters = _filters(request.args)
    page = handling.queue(current_user, filters, numbers.page_number(request.args.get("page")))
    return render_template(
        "console/reports/index.html",
        page=page,
        filters=filters,
        categories=categories.list_categories(),
        areas=units.list_areas(),
    )


@bp.get("/reports/export.csv")
@permission_required(Permission.CONSOLE_VIEW)
def reports_export():
    """The filtered queue as CSV (no reporter identity, no description)."""
    page = handling.queue(current_user, _filters(request.args), 1, per_page=10_000)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["reference", "status", "category", "area", "unit", "submitted_at", "due_at"])
    for r in page.items:
        writer.writerow(
            [
                r.reference,
                r.status.value,
                r.category.code,
                r.area.label,
                r.unit.name,
                r.submitted_at.isoformat(),
                r.running_due_at.isoformat() if r.running_due_at else "",
            ]
        )
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=reports.csv"},
    )


def _log_form():
    form = forms.LogForm()
    form.category.choices = choices(
        [
            ("", _("Choose the category")),
            *((c.code, category_name(c)) for c in categories.list_categories()),
        ]
    )
    form.area.choices = choices((a.number, a.label) for a in units.list_areas())
    if not form.submission_key.data:
        form.submission_key.data = reports.new_submission_key()
    return form


@bp.route("/reports/new", methods=["GET", "POST"])
@permission_required(Permission.REPORTS_HANDLE)
def reports_new():
    """Log a report that came by phone, letter, visit, email or the news; then its reference and receipt code."""
    form = _log_form()
    if form.validate_on_submit():
        timezone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
        data = report_input(
            form,
            source=ReportSource(form.source.data),
            received_at=form.received_at.data.replace(tzinfo=timezone),
        )
        try:
            submission = handling.log_report(current_user, data, current_app.config)
            db.session.commit()
            return render_template("console/reports/logged.html", submission=submission)
        except ValidationFailed as error:
            db.session.rollback()
            attach_error(form, error)
    status = 400 if form.errors else 200
    return render_template("console/reports/new.html", form=form), status


def _action_form(action, report, formdata=None):
    """The form of `action` with its choices; bound to the request unless `formdata` is None."""
    form_class = ACTIONS[action][0] if action in ACTIONS else forms.IdentityForm
    form = (
        form_class(formdata=formdata, version=report.version) if formdata is None else form_class()
    )
    if action == "assign":
        form.assignee.choices = choices(
            (u.id, u.display_name) for u in handling.unit_staff(report.unit_id)
        )
    if action == "category":
        form.category.choices = choices(
            (c.code, category_name(c))
            for c in categories.list_categories()
            if c.id != report.category_id
        )
    if action == "transfer":
        form.unit.choices = choices(
            (u.id, u.label)
            for u in units.list_units()
            if u.handles_reports and u.id != report.unit_id
        )
    return prefixed(form, action)


def _render_report(report, identity=None, status=200, voices=None, **bound):
    """The report page; `bound` holds the action form just submitted, to show again with its errors."""
    visibility = identities.describe_visibility(report)
    return render_template(
        "console/reports/show.html",
        report=report,
        access=handling.access(current_user, report),
        forms={
            name: bound.get(name) or _action_form(name, report) for name in [*ACTIONS, "identity"]
        },
        identity=identity,
        visibility=visibility,
        may_see_identity=identities.may_see(current_user, report, visibility),
        voices=supporters.for_unit(current_user, report) if voices is None else voices,
    ), status


@bp.get("/reports/<reference>")
@permission_required(Permission.CONSOLE_VIEW)
def reports_show(reference):
    """The report page: details, deadlines, timeline and the actions open to the user."""
    return _render_report(handling.get_for(current_user, reference))


@bp.post("/reports/<reference>/identity")
@permission_required(Permission.CONSOLE_VIEW)
def reports_identity(reference):
    """Reveal the reporter's and supporters' identities to a user allowed to see them; each read is audited."""
    report = handling.get_for(current_user, reference)
    if not forms.IdentityForm().validate_on_submit():
        abort(400)
    identity = identities.read_identity(current_user, report, purpose="report page")
    voices = supporters.for_unit(current_user, report, reveal=True)
    db.session.commit()
    if identity is None and not any(v.identity for v in voices):
        flash(_("You may not see who made this report."), "error")
    return _render_report(report, identity=identity, voices=voices)


def _due(moment):
    return local_datetime(moment, with_time=False)


# action: (form, perform(report, form, config), message(report, form) after the commit)
ACTIONS = {
    "accept": (
        forms.AcceptForm,
        lambda r, f, c: handling.accept(
            current_user, r, f.version.data, c, public_location=f.public_location.data
        ),
        lambda r, f: _(
            "%(ref)s accepted. It must be closed by %(date)s.",
            ref=r.reference,
            date=_due(r.closure_due_at),
        ),
    ),
    "not-accept": (
        forms.NotAcceptForm,
        lambda r, f, c: handling.not_accept(
            current_user, r, f.version.data, f.reason.data, f.explanation.data
        ),
        lambda r, f: _(
            "%(ref)s not accepted. The resident sees the legal reason and your explanation on their "
            "tracking page.",
            ref=r.reference,
        ),
    ),
    "assign": (
        forms.AssignForm,
        lambda r, f, c: handling.assign(current_user, r, f.version.data, f.assignee.data),
        lambda r, f: _(
            "%(ref)s assigned to %(name)s.", ref=r.reference, name=r.assigned_user.display_name
        ),
    ),
    "transfer": (
        forms.TransferForm,
        lambda r, f, c: handling.transfer(
            current_user, r, f.version.data, f.unit.data, f.reason.data, c
        ),
        lambda r, f: _("%(ref)s transferred to %(unit)s.", ref=r.reference, unit=r.unit.label),
    ),
    "category": (
        forms.CategoryForm,
        lambda r, f, c: handling.change_category(
            current_user, r, f.version.data, f.category.data, f.reason.data, c
        ),
        lambda r, f: (
            _(
                "%(ref)s is now about %(category)s.",
                ref=r.reference,
                category=category_name(r.category),
            )
            if r.unit_id == current_user.unit_id
            else _(
                "%(ref)s is now about %(category)s, which is for %(unit)s: the report has gone there.",
                ref=r.reference,
                category=category_name(r.category),
                unit=r.unit.label,
            )
        ),
    ),
    "merge": (
        forms.MergeForm,
        lambda r, f, c: handling.merge(current_user, r, f.version.data, f.target.data, c),
        lambda r, f: _(
            "%(ref)s merged into %(target)s: its reporter and supporters now count there.",
            ref=r.reference,
            target=r.merged_into.reference,
        ),
    ),
    "extension": (
        forms.ExtensionForm,
        lambda r, f, c: handling.request_extension(
            current_user, r, f.version.data, f.days.data, f.reason.data
        ),
        lambda r, f: _(
            "Extension of %(n)s days requested for %(ref)s; a unit administrator decides.",
            n=r.extension_days,
            ref=r.reference,
        ),
    ),
    "extension-decision": (
        forms.ExtensionDecisionForm,
        lambda r, f, c: handling.decide_extension(
            current_user, r, f.version.data, bool(f.approve.data), c
        ),
        lambda r, f: (
            _(
                "Extension approved: %(ref)s must now be closed by %(date)s.",
                ref=r.reference,
                date=_due(r.closure_due_at),
            )
            if f.approve.data
            else _(
                "Extension refused: %(ref)s must still be closed by %(date)s.",
                ref=r.reference,
                date=_due(r.closure_due_at),
            )
        ),
    ),
    "reply": (
        forms.ReplyForm,
        lambda r, f, c: handling.reply(current_user, r, f.version.data, f.text.data),
        lambda r, f: _(
            "Reply on %(ref)s published: the resident and the public can read it.", ref=r.reference
        ),
    ),
    "note": (
        forms.NoteForm,
        lambda r, f, c: handling.note(current_user, r, f.version.data, f.text.data),
        lambda r, f: _("Internal note added to %(ref)s.", ref=r.reference),
    ),
    "close": (
        forms.CloseForm,
        lambda r, f, c: handling.close(current_user, r, f.version.data, f.result.data, c),
        lambda r, f: _(
            "%(ref)s closed. The resident may appeal until %(date)s.",
            ref=r.reference,
            date=_due(r.appeal_due_at),
        ),
    ),
    "summary": (
        forms.SummaryForm,
        lambda r, f, c: handling.publish_summary(current_user, r, f.version.data, f.summary.data),
        lambda r, f: _("Public summary of %(ref)s published.", ref=r.reference),
    ),
}
# Irreversible: the first POST shows a confirmation page, only the confirmed one acts.
IRREVERSIBLE = {"not-accept", "transfer", "close", "merge"}


def _confirmation(action, report, form):
    return render_template(
        "console/reports/confirm.html",
        action=action,
        report=report,
        form=form,
        carried=carried(form),
        chosen=chosen,
        back=url_for("console.reports_show", reference=report.reference),
        appeal=clocks.rules_from_config(current_app.config)[clocks.ClockKind.APPEAL],
    )


@bp.post("/reports/<reference>/<action>")
@permission_required(Permission.REPORTS_HANDLE)
def reports_act(reference, action):
    """Perform one action (irreversible ones once confirmed); bad input is shown on the action's form, with its error
    summary; a refusal, or a change someone made meanwhile, is said in a message above the report."""
    if action not in ACTIONS:
        abort(404)
    report = handling.get_for(current_user, reference)
    form, (_form_class, call, done) = (
        _action_form(action, report, formdata=request.form),
        ACTIONS[action],
    )
    try:
        if not form.validate_on_submit():
            if handling.access(current_user, report) is handling.Access.HANDLE:
                return _render_report(report, status=400, **{action: form})
            raise DomainError(error_text(form))  # no action form on their page: said in a message
        if action in IRREVERSIBLE and not confirmed(form):
            return ask_first(
                form,
                lambda: call(report, form, current_app.config),
                lambda _result: _confirmation(action, report, form),
            )
        call(report, form, current_app.config)
        db.session.commit()
        flash(done(report, form), "info")
    except ValidationFailed as error:
        db.session.rollback()
        attach_error(form, error)
        return _render_report(report, status=400, **{action: form})
    except (DomainError, StaleDataError) as error:
        db.session.rollback()
        flash(
            error.message if isinstance(error, DomainError) else handling.changed_message(), "error"
        )
    if (
        handling.access(current_user, report) is None
    ):  # transferred away: only the transfer record remains
        return redirect(url_for("console.transfers_index"))
    return redirect(url_for("console.reports_show", reference=reference))


@bp.get("/transfers")
@permission_required(Permission.CONSOLE_VIEW)
def transfers_index():
    """Reports this unit transferred away: the record of each transfer, nothing more."""
    page = handling.transfers_away(current_user, numbers.page_number(request.args.get("page")))
    return render_template("console/reports/transfers.html", page=page)


@bp.get("/reports/<reference>/evidence/<int:evidence_id>")
@permission_required(Permission.CONSOLE_VIEW)
def reports_evidence(reference, evidence_id):
    """Download the cleaned copy of an evidence file, as an attachment."""
    return _send_evidence(
        handling.evidence_for(
            current_user, reference, evidence_id, False, current_app.config["FILES_DIR"]
        )
    )


@bp.get("/reports/<reference>/evidence/<int:evidence_id>/original")
@permission_required(Permission.SITE_EVIDENCE_ORIGINALS)
def reports_evidence_original(reference, evidence_id):
    """Administrators only: the file exactly as the resident sent it (each download is audited)."""
    found = handling.evidence_for(
        current_user, reference, evidence_id, True, current_app.config["FILES_DIR"]
    )
    db.session.commit()
    return _send_evidence(found)


def _send_evidence(found):
    path, download_name, mimetype = found
    response = send_file(
        path, mimetype=mimetype, as_attachment=True, download_name=download_name, max_age=0
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
