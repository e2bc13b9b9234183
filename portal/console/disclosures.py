"""The unit's disclosures: the list, drafting, the manage page with its actions, observations and attachments."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from portal import numbers
from portal.console import bp
from portal.console import disclosure_forms as forms
from portal.console.actions import carried, perform, prefixed, refusal
from portal.console.files import add_attachment, detach
from portal.downloads import send_attachment
from portal.errors import Conflict, ValidationFailed
from portal.extensions import db
from portal.forms import attach_error, choices
from portal.models import DisclosureState
from portal.permissions import Permission, permission_required
from portal.rendering import render_markdown
from portal.services import attachments, disclosures, policy, units
from portal.templating import category_name

STATES = {state.value: state for state in DisclosureState}
DISCLOSURE = attachments.Owner.DISCLOSURE


def changed_message():
    """What a user is told when someone else changed the disclosure first (the service's wording)."""
    return _("This disclosure was changed by someone else while you were looking at it. "
             "Please check its current state before acting again.")


def _show(disclosure, anchor=""):
    return redirect(url_for("console.disclosures_show", disclosure_id=disclosure.id) + anchor)


@bp.get("/disclosures")
@permission_required(Permission.CONSOLE_VIEW)
def disclosures_index():
    """The unit's disclosures (every unit's for site oversight), newest first, by state."""
    state = STATES.get(request.args.get("state", ""))
    page = disclosures.console_list(current_user, state, numbers.page_number(request.args.get("page")),
                                    current_app.config["PER_PAGE"])
    return render_template("console/disclosures/index.html", page=page, state=state, states=STATES.values(),
                           counts=disclosures.version_counts(page.items), state_label=disclosures.state_label,
                           category_label=category_name)


# --- drafting ------------------------------------------------------------------------------------


def _draft_form(disclosure=None):
    """The drafting form with its choices, filled from `disclosure` until the user submits it."""
    data = None
    if disclosure is not None:
        data = {"version": disclosure.version, "category": disclosure.category_id, "title": disclosure.title,
                "body": disclosure.body, "area": disclosure.area.number, "published_on": disclosure.published_on,
                "tasks": [t.id for t in disclosure.tasks]}
    form = forms.DisclosureForm(data=data)
    offered = list(disclosures.list_categories(active_only=True))
    if disclosure is not None and disclosure.category not in offered:
        offered.append(disclosure.category)  # a retired category stays on the drafts that have it
    form.category.choices = choices((c.id, category_name(c)) for c in offered)
    form.area.choices = choices((a.number, a.label) for a in units.list_areas())
    form.measures = [m for m in policy.list_measures() if m.tasks]
    form.tasks.choices = choices((t.id, t.title) for m in form.measures for t in m.tasks)
    return form


def _draft_values(form):
    """The service's keyword arguments from a submitted drafting form."""
    return {"category": form.category.data, "title": form.title.data, "body": form.body.data or "",
            "area": form.area.data, "task_ids": form.tasks.data or [], "published_on": form.published_on.data}


def _render_draft(form, disclosure=None, status=200):
    return render_template("console/disclosures/edit.html", form=form, disclosure=disclosure), status


@bp.route("/disclosures/new", methods=["GET", "POST"])
@permission_required(Permission.DISCLOSURES_MANAGE)
def disclosures_new():
    """Draft a disclosure of the user's unit; it stays private until published."""
    form = _draft_form()
    if form.validate_on_submit():
        try:
            disclosure = disclosures.create_draft(current_user.unit, created_by=current_user, **_draft_values(form))
            db.session.commit()
            flash(_("Draft saved. Check it, add files, then publish it."), "info")
            return _show(disclosure)
        except ValidationFailed as error:
            db.session.rollback()
            attach_error(form, error)
    return _render_draft(form, status=400 if form.errors else 200)


@bp.route("/disclosures/<int:disclosure_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.DISCLOSURES_MANAGE)
def disclosures_edit(disclosure_id):
    """Edit a draft; a version seen before someone else's change is refused, keeping the user's text."""
    disclosure = disclosures.get_for_unit(current_user, disclosure_id)
    disclosures.act(current_user, disclosure)
    if disclosure.state is not DisclosureState.DRAFT:
        flash(_("Only a draft can be edited; a published disclosure is revised with a note."), "error")
        return _show(disclosure)
    form = _draft_form(disclosure)
    if form.validate_on_submit():
        try:
            disclosures.update_draft(current_user, disclosure, form.version.data or 0, **_draft_values(form))
            db.session.commit()
            flash(_("Draft saved."), "info")
            return _show(disclosure)
        except ValidationFailed as error:
            db.session.rollback()
            attach_error(form, error)
        except (Conflict, StaleDataError) as error:
            db.session.rollback()
            form.form_errors.append(refusal(error, changed_message))
            # Saving again now is a deliberate choice to replace the other change.
            form.version.data = disclosure.version
            return _render_draft(form, disclosure, 409)
    return _render_draft(form, disclosure, 400 if form.errors else 200)


# --- the manage page -----------------------------------------------------------------------------


def _observations_form(disclosure, formdata=None):
    """The observations editor: saved rows, then BLANK_ROWS empty ones; `formdata` for a submitted form."""
    rows = [{"indicator": str(o.indicator_id), "year": str(o.year), "value": disclosures.value_text(o.value),
             "source": o.source} for o in disclosures.observation_table(disclosure)]
    data = {"version": disclosure.version, "observations": rows + [{}] * forms.BLANK_ROWS}
    form = forms.ObservationsForm(formdata=formdata, data=None if formdata else data)
    indicator_choices = [("", _("Choose an indicator"))] + [(str(i.id), i.name) for i in policy.list_indicators()]
    for row in form.observations:
        row.indicator.choices = choices(indicator_choices)
    return form


def _page_forms(disclosure, bound):
    """Every form of the manage page: the one the user just submitted (with its errors), fresh ones otherwise."""
    version = disclosure.version
    fresh = {
        "publish": lambda: forms.PublishForm(formdata=None, version=version),
        "revise": lambda: forms.ReviseForm(formdata=None, version=version, title=disclosure.title,
                                           body=disclosure.body),
        "withdraw": lambda: forms.WithdrawForm(formdata=None, version=version),
        "observations": lambda: _observations_form(disclosure),
        "attachment": lambda: forms.AttachmentForm(formdata=None),
        "remove": lambda: forms.RemoveAttachmentForm(formdata=None),
    }
    return {name: prefixed(bound.get(name) or make(), name) for name, make in fresh.items()}


def render_manage_page(disclosure, status=200, **bound):
    """The manage page of `disclosure`; `bound` holds a submitted form to show again with its errors."""
    return render_template(
        "console/disclosures/show.html", disclosure=disclosure, forms=_page_forms(disclosure, bound),
        manage=disclosures.may_manage(current_user, disclosure), body=render_markdown(disclosure.body),
        observations=disclosures.observation_table(disclosure), state_label=disclosures.state_label,
        category_label=category_name, observation_text=disclosures.observation_text,
        DisclosureState=DisclosureState, DisclosureChange=disclosures.Change,
    ), status


@bp.get("/disclosures/<int:disclosure_id>")
@permission_required(Permission.CONSOLE_VIEW)
def disclosures_show(disclosure_id):
    """All of a disclosure, and the actions open in its state."""
    return render_manage_page(disclosures.get_for_unit(current_user, disclosure_id))


# action: (form, perform(disclosure, form), message after the commit)
ACTIONS = {
    "publish": (forms.PublishForm,
                lambda d, f: disclosures.publish(current_user, d, tz=current_app.config["BABEL_DEFAULT_TIMEZONE"],
                                                 version=f.version.data),
                lambda d: _("Published as version 1. It is on the public list now.")),
    "revise": (forms.ReviseForm,
               lambda d, f: disclosures.revise(current_user, d, f.title.data, f.body.data, f.note.data,
                                               version=f.version.data),
               lambda d: _("Version %(n)s is published with your note.", n=len(d.versions))),
    "withdraw": (forms.WithdrawForm,
                 lambda d, f: disclosures.withdraw(current_user, d, f.reason.data, version=f.version.data),
                 lambda d: _("Withdrawn. The reason is shown on the disclosure's page, which keeps its versions.")),
}


# Irreversible: the first POST shows a confirmation page, only the confirmed one acts.
IRREVERSIBLE = {"publish", "withdraw"}


def _confirmation(action, disclosure, form):
    return render_template("console/disclosures/confirm.html", action=action, disclosure=disclosure, form=form,
                           carried=carried(form), category_label=category_name,
                           back=url_for("console.disclosures_show", disclosure_id=disclosure.id))


@bp.post("/disclosures/<int:disclosure_id>/<any(publish, revise, withdraw):action>")
@permission_required(Permission.DISCLOSURES_MANAGE)
def disclosures_act(disclosure_id, action):
    """One action of the manage page (publish and withdraw once confirmed): bad input is shown on its form; a
    stale page is reloaded with a message."""
    disclosure = disclosures.get_for_unit(current_user, disclosure_id)
    form_class, call, done = ACTIONS[action]
    form = form_class()
    confirm = (lambda _result: _confirmation(action, disclosure, form)) if action in IRREVERSIBLE else None
    return perform(form, lambda: call(disclosure, form), lambda _result: done(disclosure), lambda _result: _show(disclosure),
                   lambda: render_manage_page(disclosure, 400, **{action: form}), changed_message, confirm=confirm)


@bp.post("/disclosures/<int:disclosure_id>/observations")
@permission_required(Permission.DISCLOSURES_MANAGE)
def disclosures_observations(disclosure_id):
    """Replace the goal observations of a statistics draft with the rows of the editor."""
    disclosure = disclosures.get_for_unit(current_user, disclosure_id)
    form = _observations_form(disclosure, request.form)
    rows = [disclosures.ObservationInput(**row.data) for row in form.observations]
    return perform(form, lambda: disclosures.replace_observations(current_user, disclosure, rows, version=form.version.data),
                   lambda saved: _("%(n)s observations saved.", n=len(saved)),
                   lambda saved: _show(disclosure, "#observations" if saved is not None else ""),
                   lambda: render_manage_page(disclosure, 400, observations=form), changed_message)


# --- attachments ---------------------------------------------------------------------------------


@bp.post("/disclosures/<int:disclosure_id>/attachments")
@permission_required(Permission.DISCLOSURES_MANAGE)
def disclosures_attach(disclosure_id):
    """Add a file (PDF or image) to a draft or published disclosure."""
    disclosure = disclosures.get_for_unit(current_user, disclosure_id)
    form = forms.AttachmentForm()
    return perform(form, lambda: add_attachment(disclosure, form),
                   lambda attachment: _("File added: %(name)s.", name=attachment.filename),
                   lambda attachment: _show(disclosure, "#files" if attachment else ""),
                   lambda: render_manage_page(disclosure, 400, attachment=form), changed_message)


@bp.post("/disclosures/<int:disclosure_id>/attachments/<int:attachment_id>/remove")
@permission_required(Permission.DISCLOSURES_MANAGE)
def disclosures_detach(disclosure_id, attachment_id):
    """Remove a file of a draft."""
    attachment = attachments.get_for_unit(current_user, disclosure_id, attachment_id, DISCLOSURE)
    return detach(attachment, url_for("console.disclosures_show", disclosure_id=disclosure_id) + "#files")


@bp.get("/disclosures/<int:disclosure_id>/attachments/<int:attachment_id>")
@permission_required(Permission.CONSOLE_VIEW)
def disclosures_attachment(disclosure_id, attachment_id):
    """Download a file of the disclosure (drafts included), as an attachment."""
    attachment = attachments.get_for_unit(current_user, disclosure_id, attachment_id, DISCLOSURE)
    return send_attachment(*attachments.download(attachment, current_app.config["DATA_DIR"]), private=True)
