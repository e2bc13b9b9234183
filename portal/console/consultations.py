"""The unit's consultations: the list, drafting, the manage page with its actions, and attachments."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from portal import numbers
from portal.console import bp
from portal.console import consultation_forms as forms
from portal.console.actions import carried, perform, prefixed, refusal
from portal.console.files import add_attachment, detach
from portal.downloads import send_attachment
from portal.errors import Conflict, ValidationFailed
from portal.extensions import db
from portal.forms import attach_error, choices
from portal.models import CommentState, ConsultationKind, ConsultationState, RegistrationStatus
from portal.permissions import Permission, permission_required
from portal.services import attachments, comments, consultations, participation, policy, units

STATES = {state.value: state for state in ConsultationState}
# Enums the templates compare with, instead of bare strings.
ENUMS = {"ConsultationKind": ConsultationKind, "ConsultationState": ConsultationState,
         "CommentState": CommentState, "RegistrationStatus": RegistrationStatus}


def changed_message():
    """What a user is told when someone else changed the consultation first (the service's wording)."""
    return _("This consultation was changed by someone else while you were looking at it. "
             "Please check its current state before acting again.")


def _show(consultation, anchor=""):
    return redirect(url_for("console.consultations_show", consultation_id=consultation.id) + anchor)


@bp.get("/consultations")
@permission_required(Permission.CONSOLE_VIEW)
def consultations_index():
    """The unit's consultations (all of them for site oversight), with the comments that wait for staff."""
    state = STATES.get(request.args.get("state", ""))
    page = consultations.console_list(current_user, state, numbers.page_number(request.args.get("page")))
    return render_template("console/consultations/index.html", page=page, state=state, states=STATES.values(),
                           state_label=consultations.state_label, kind_label=consultations.kind_label)


# --- drafting ------------------------------------------------------------------------------------


def _draft_form(consultation=None):
    """The drafting form with its choices, filled from `consultation` until the user submits it."""
    data = None
    if consultation is not None:
        data = {"version": consultation.version, "kind": consultation.kind.value, "title": consultation.title,
                "summary": consultation.summary, "area": consultation.area.number,
                "body_text": "\n\n".join(p.text for p in consultation.paragraphs),
                "tasks": [t.id for t in consultation.tasks], "project": str(consultation.project_id or ""),
                "stage": consultation.stage.value if consultation.stage else "",
                **{name: getattr(consultation, name) for name in consultations.EIA_TEXT_FIELDS}}
    form = forms.ConsultationForm(data=data)
    form.area.choices = choices((a.number, a.label) for a in units.list_areas())
    form.measures = [m for m in policy.list_measures() if m.tasks]
    form.tasks.choices = choices((t.id, t.title) for m in form.measures for t in m.tasks)
    projects = consultations.unit_projects(current_user.unit)
    if consultation is not None and consultation.project and consultation.project not in projects:
        projects.append(consultation.project)  # a project another unit started keeps its place here
    form.projects = {str(p.id): p for p in projects}
    form.project.choices = choices([("", _("Not part of a construction project")),
                                    (forms.NEW_PROJECT, _("A new project (give its name below)"))]
                                   + [(key, p.name) for key, p in form.projects.items()])
    return form


def _project(form):
    """The chosen project; a new one is created for the user's unit."""
    if form.project.data == forms.NEW_PROJECT:
        return consultations.create_project(current_user.unit, form.name.data, form.area.data,
                                            location=form.location.data, developer=form.developer.data,
                                            created_by=current_user)
    return form.projects.get(form.project.data)


def _draft_values(form):
    """The service's keyword arguments from a submitted drafting form."""
    return {"kind": form.kind.data, "title": form.title.data, "summary": form.summary.data or "",
            "body_text": form.body_text.data, "area": form.area.data, "task_ids": form.tasks.data or [],
            "project": _project(form), "stage": form.stage.data or None,
            **{name: form[name].data or "" for name in consultations.EIA_TEXT_FIELDS}}


def _render_draft(form, consultation=None, status=200):
    return render_template("console/consultations/edit.html", form=form, consultation=consultation), status


@bp.route("/consultations/new", methods=["GET", "POST"])
@permission_required(Permission.CONSULTATIONS_MANAGE)
def consultations_new():
    """Draft a consultation of the user's unit; it stays a draft until published."""
    form = _draft_form()
    if form.validate_on_submit():
        try:
            consultation = consultations.create_consultation(current_user.unit, created_by=current_user,
                                                             **_draft_values(form))
            db.session.commit()
            flash(_("Draft saved. Check it, add files, then publish it."), "info")
            return redirect(url_for("console.consultations_show", consultation_id=consultation.id))
        except ValidationFailed as error:
            db.session.rollback()
            attach_error(form, error)
    return _render_draft(form, status=400 if form.errors else 200)


@bp.route("/consultations/<int:consultation_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.CONSULTATIONS_MANAGE)
def consultations_edit(consultation_id):
    """Edit a draft; a version seen before someone else's change is refused, keeping the user's text."""
    consultation = consultations.get_for_unit(current_user, consultation_id)
    consultations.act(current_user, consultation)
    if consultation.state is not ConsultationState.DRAFT:
        flash(_("Only a draft can be edited; this consultation has been published or withdrawn."), "error")
        return redirect(url_for("console.consultations_show", consultation_id=consultation.id))
    form = _draft_form(consultation)
    if form.validate_on_submit():
        try:
            consultations.update_draft(current_user, consultation, form.version.data or 0, **_draft_values(form))
            db.session.commit()
            flash(_("Draft saved."), "info")
            return redirect(url_for("console.consultations_show", consultation_id=consultation.id))
        except ValidationFailed as error:
            db.session.rollback()
            attach_error(form, error)
        except (Conflict, StaleDataError) as error:
            db.session.rollback()
            form.form_errors.append(refusal(error, changed_message))
            # Saving again now is a deliberate choice to replace the other change.
            form.version.data = consultation.version
            return _render_draft(form, consultation, 409)
    return _render_draft(form, consultation, 400 if form.errors else 200)


# --- the manage page -----------------------------------------------------------------------------


def _page_forms(consultation, bound):
    """Every form of the manage page: the one the user just submitted (with its errors), fresh ones otherwise."""
    version = consultation.version
    fresh = {
        "publish": lambda: forms.PublishForm(formdata=None, version=version, opens_on=consultation.opens_on,
                                             closes_on=consultation.closes_on),
        "extend": lambda: forms.ExtendForm(formdata=None, version=version),
        "withdraw": lambda: forms.WithdrawForm(formdata=None, version=version),
        "statement": lambda: forms.StatementForm(formdata=None, version=version),
        "attachment": lambda: forms.AttachmentForm(formdata=None),
        "remove": lambda: forms.RemoveAttachmentForm(formdata=None),
        "hearing": lambda: forms.HearingForm(formdata=None),
    }
    return {name: prefixed(bound.get(name) or make(), name) for name, make in fresh.items()}


def render_manage_page(consultation, status=200, **bound):
    """The manage page of `consultation`; `bound` holds a submitted form to show again with its errors."""
    statement = None
    if consultation.state in (ConsultationState.CLOSED, ConsultationState.ANSWERED):
        statement = participation.participation_statement(consultation)
    waiting = sum(1 for c in consultation.comments if c.state in consultations.AWAITING_MODERATION)
    return render_template(
        "console/consultations/show.html", consultation=consultation, forms=_page_forms(consultation, bound),
        manage=consultations.may_manage(current_user, consultation), statement=statement,
        missing=consultations.missing_eia_items(consultation), waiting=waiting,
        undecided=sum(1 for c in consultation.comments if c.state is CommentState.PUBLISHED and c.decision is None),
        kind_label=consultations.kind_label, stage_label=consultations.stage_label,
        state_label=consultations.state_label, decision_label=comments.decision_label, **ENUMS,
    ), status


@bp.get("/consultations/<int:consultation_id>")
@permission_required(Permission.CONSOLE_VIEW)
def consultations_show(consultation_id):
    """All of a consultation, and the actions open in its state."""
    return render_manage_page(consultations.get_for_unit(current_user, consultation_id))


def _published(consultation, count):
    message = _("Published. Comments are open from %(start)s to %(end)s: %(n)s working days.",
                start=consultation.opens_on.isoformat(), end=consultation.closes_on.isoformat(),
                n=count.working_days)
    if count.uncovered_years:
        message += " " + _("The official holidays of %(years)s are not known yet: the count assumed Monday to "
                           "Friday.", years=", ".join(map(str, count.uncovered_years)))
    return message


# action: (form, perform(consultation, form) → result, message(consultation, result) after the commit)
ACTIONS = {
    "publish": (forms.PublishForm, lambda c, f: consultations.publish(
        current_user, c, f.opens_on.data, f.closes_on.data, current_app.config, version=f.version.data), _published),
    "extend": (forms.ExtendForm, lambda c, f: consultations.extend(current_user, c, f.closes_on.data,
                                                                   version=f.version.data),
               lambda c, _r: _("Extended: comments are now open until %(date)s.", date=c.closes_on.isoformat())),
    "withdraw": (forms.WithdrawForm, lambda c, f: consultations.withdraw(current_user, c, f.reason.data,
                                                                         version=f.version.data),
                 lambda c, _r: _("Withdrawn. The reason is shown with the consultation.")),
    "statement": (forms.StatementForm, lambda c, f: consultations.publish_statement(
        current_user, c, f.statement.data, version=f.version.data),
        lambda c, _r: _("The participation statement is published.")),
}


# Irreversible: the first POST shows a confirmation page, only the confirmed one acts.
IRREVERSIBLE = {"publish", "withdraw"}


def _confirmation(action, consultation, form, result):
    return render_template("console/consultations/confirm.html", action=action, consultation=consultation,
                           form=form, count=result if action == "publish" else None, carried=carried(form),
                           back=url_for("console.consultations_show", consultation_id=consultation.id))


@bp.post("/consultations/<int:consultation_id>/<any(publish, extend, withdraw, statement):action>")
@permission_required(Permission.CONSULTATIONS_MANAGE)
def consultations_act(consultation_id, action):
    """One action of the manage page (publish and withdraw once confirmed): bad input is shown on its form; a
    stale page is reloaded with a message."""
    consultation = consultations.get_for_unit(current_user, consultation_id)
    form_class, call, done = ACTIONS[action]
    form = form_class()
    confirm = (lambda result: _confirmation(action, consultation, form, result)) if action in IRREVERSIBLE else None
    return perform(form, lambda: call(consultation, form), lambda result: done(consultation, result),
                   lambda _result: _show(consultation), lambda: render_manage_page(consultation, 400, **{action: form}),
                   changed_message, confirm=confirm)


# --- attachments ---------------------------------------------------------------------------------


@bp.post("/consultations/<int:consultation_id>/attachments")
@permission_required(Permission.CONSULTATIONS_MANAGE)
def consultations_attach(consultation_id):
    """Add a file (PDF or image) to a draft or open consultation."""
    consultation = consultations.get_for_unit(current_user, consultation_id)
    form = forms.AttachmentForm()
    return perform(form, lambda: add_attachment(consultation, form),
                   lambda attachment: _("File added: %(name)s.", name=attachment.filename),
                   lambda attachment: _show(consultation, "#files" if attachment else ""),
                   lambda: render_manage_page(consultation, 400, attachment=form), changed_message)


@bp.post("/consultations/<int:consultation_id>/attachments/<int:attachment_id>/remove")
@permission_required(Permission.CONSULTATIONS_MANAGE)
def consultations_detach(consultation_id, attachment_id):
    """Remove a file of a draft."""
    attachment = attachments.get_for_unit(current_user, consultation_id, attachment_id)
    return detach(attachment, url_for("console.consultations_show", consultation_id=consultation_id) + "#files")


@bp.get("/consultations/<int:consultation_id>/attachments/<int:attachment_id>")
@permission_required(Permission.CONSOLE_VIEW)
def consultations_attachment(consultation_id, attachment_id):
    """Download a file of the consultation (drafts included), as an attachment."""
    attachment = attachments.get_for_unit(current_user, consultation_id, attachment_id)
    return send_attachment(*attachments.download(attachment, current_app.config["DATA_DIR"]), private=True)
