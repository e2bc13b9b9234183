"""The console pages every drafted record has (consultations, disclosures; task reports later): a new draft, editing
it, the actions of its manage page with their confirmation, and its files (add, remove from a draft, download).

A console module describes its record once with `DraftPages` and registers these pages with
`DraftPages.register`; what the manage page and the list show (`manage_page`, `list_values`) and the
actions' calls and messages stay in that module. The URLs and endpoints follow one naming, for a consultation:

    GET      /consultations                                 console.consultations_index (the list, by state)
    GET      /consultations/<consultation_id>               console.consultations_show (the manage page)
    GET/POST /consultations/new                             console.consultations_new
    GET/POST /consultations/<consultation_id>/edit          console.consultations_edit
    POST     /consultations/<consultation_id>/<action>      console.consultations_act (the actions' names)
    POST     /consultations/<consultation_id>/attachments   console.consultations_attach
    POST     …/attachments/<attachment_id>/remove           console.consultations_detach
    GET      …/attachments/<attachment_id>                  console.consultations_attachment
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from portal import numbers
from portal.console.actions import carried, perform, prefixed, refusal
from portal.console.draft_forms import AttachmentForm, RemoveAttachmentForm
from portal.downloads import send_attachment
from portal.errors import Conflict, ValidationFailed
from portal.extensions import db
from portal.forms import attach_error, choices
from portal.permissions import Permission, permission_required
from portal.services import attachments, policy, units


def offer_areas_and_tasks(form):
    """Fill the area and related-task choices of a drafting form; `form.measures` groups the tasks for the page."""
    form.area.choices = choices((a.number, a.label) for a in units.list_areas())
    form.measures = [m for m in policy.list_measures() if m.tasks]
    form.tasks.choices = choices((t.id, t.title) for m in form.measures for t in m.tasks)
    return form


def page_forms(fresh, bound):
    """Every form of a manage page: the one the user just submitted (`bound`, with its errors), fresh ones otherwise.

    `fresh` maps each form's name (also the prefix of its ids) to a function making it unbound.
    """
    return {name: prefixed(bound.get(name) or make(), name) for name, make in fresh.items()}


def file_forms():
    """The unbound forms of a manage page's files section, to merge into `page_forms`' `fresh`."""
    return {
        "attachment": lambda: AttachmentForm(formdata=None),
        "remove": lambda: RemoveAttachmentForm(formdata=None),
    }


@dataclass(frozen=True)
class DraftPages:
    """The shared console pages of one kind of drafted record."""

    kind: str  # "consultation": endpoints consultations_show(consultation_id=…), templates console/consultations/
    service: object  # the record's service module: POLICY, LIFECYCLE, update_draft, console_list, state_label
    draft_form: (
        Callable  # (record or None) → the drafting form, filled from the record until submitted
    )
    values: Callable  # (submitted form) → the service's keyword arguments
    create: Callable  # (unit, created_by=…, **values) → the new draft
    manage_page: Callable  # (record, status, **bound forms) → the manage page
    # action name → (form class, call(record, form) → result, message(record, result) after the commit)
    actions: dict
    # (action, record, form, result) → the confirmation page of an action in `irreversible`
    confirmation: Callable
    # (page of records) → the list template's own values besides the page and the states
    list_values: Callable = dict
    # Actions that cannot be undone: the first POST shows the confirmation page, only the confirmed one acts.
    irreversible: frozenset = frozenset({"publish", "withdraw"})

    @property
    def owner(self):
        """The record's kind as an owner of attachments."""
        return attachments.Owner(self.kind)

    def changed(self):
        """What the user is told when someone else changed the record first: its policy's wording."""
        return self.service.POLICY.changed()

    def register(self, bp, manage, view=Permission.CONSOLE_VIEW):
        """Add the shared pages to the console blueprint `bp`: `manage` (a Permission) to change, `view` to download."""
        base = f"/{self.kind}s"
        one = f"{base}/<int:{self.kind}_id>"
        actions = ", ".join(self.actions)
        pages = (
            ("index", base, ("GET",), view, self.index),
            ("show", one, ("GET",), view, self.manage),
            ("new", f"{base}/new", ("GET", "POST"), manage, self.new),
            ("edit", f"{one}/edit", ("GET", "POST"), manage, self.edit),
            ("act", f"{one}/<any({actions}):action>", ("POST",), manage, self.act),
            ("attach", f"{one}/attachments", ("POST",), manage, self.attach),
            (
                "detach",
                f"{one}/attachments/<int:attachment_id>/remove",
                ("POST",),
                manage,
                self.detach,
            ),
            ("attachment", f"{one}/attachments/<int:attachment_id>", ("GET",), view, self.download),
        )
        for page, rule, methods, permission, method in pages:
            bp.add_url_rule(
                rule,
                f"{self.kind}s_{page}",
                permission_required(permission)(self._view(method)),
                methods=methods,
            )

    def _view(self, method):
        """A view calling `method` with the record's id first, then the other URL values by name."""
        key = f"{self.kind}_id"

        def view(**values):
            return method(values.pop(key), **values) if key in values else method(**values)

        view.__name__, view.__doc__ = f"{self.kind}s_{method.__name__}", method.__doc__
        return view

    def endpoint(self, page):
        """The endpoint of one of the record's pages ("show", "edit", …)."""
        return f"console.{self.kind}s_{page}"

    def url(self, record_id, page="show", **values):
        """The URL of one of the record's pages."""
        return url_for(self.endpoint(page), **{f"{self.kind}_id": record_id}, **values)

    def show(self, record, anchor=""):
        """A redirect to the record's manage page, at `anchor`."""
        return redirect(self.url(record.id) + anchor)

    def index(self):
        """The unit's records (every unit's for site oversight), newest first, by state."""
        states = {state.value: state for state in type(self.service.LIFECYCLE.draft_state)}
        state = states.get(request.args.get("state", ""))
        page = self.service.console_list(
            current_user,
            state,
            numbers.page_number(request.args.get("page")),
            current_app.config["PER_PAGE"],
        )
        return render_template(
            f"console/{self.kind}s/index.html",
            page=page,
            state=state,
            states=states.values(),
            state_label=self.service.state_label,
            **self.list_values(page),
        )

    def manage(self, record_id):
        """All of the record, and the actions open in its state."""
        return self.manage_page(self.service.POLICY.get_for_unit(current_user, record_id))

    def render_draft(self, form, record=None, status=200):
        """The drafting page (new or edit) with `form`."""
        return render_template(
            f"console/{self.kind}s/edit.html", form=form, **{self.kind: record}
        ), status

    def new(self):
        """Draft a record of the user's unit; it stays private until published."""
        form = self.draft_form(None)
        if form.validate_on_submit():
            saved = self._save(
                form,
                lambda: self.create(
                    current_user.unit, created_by=current_user, **self.values(form)
                ),
                _("Draft saved. Check it, add files, then publish it."),
            )
            if saved is not None:
                return saved
        return self.render_draft(form, status=400 if form.errors else 200)

    def edit(self, record_id):
        """Edit a draft; a version seen before someone else's change is refused, keeping the user's text."""
        record = self.service.POLICY.get_for_unit(current_user, record_id)
        self.service.POLICY.act(current_user, record)
        if record.state is not self.service.LIFECYCLE.draft_state:
            flash(self.service.LIFECYCLE.not_a_draft(), "error")
            return self.show(record)
        form = self.draft_form(record)
        if form.validate_on_submit():
            try:
                saved = self._save(
                    form,
                    lambda: self.service.update_draft(
                        current_user, record, form.version.data or 0, **self.values(form)
                    ),
                    _("Draft saved."),
                )
            except (Conflict, StaleDataError) as error:
                db.session.rollback()
                form.form_errors.append(refusal(error, self.changed))
                # Saving again now is a deliberate choice to replace the other change.
                form.version.data = record.version
                return self.render_draft(form, record, 409)
            if saved is not None:
                return saved
        return self.render_draft(form, record, 400 if form.errors else 200)

    def _save(self, form, call, message):
        """Run `call()` (→ the record), commit, flash `message` and go to the record; None after bad input, which
        is then on its field. Refusals (Conflict) are the caller's."""
        try:
            record = call()
            db.session.commit()
        except ValidationFailed as error:
            db.session.rollback()
            attach_error(form, error)
            return None
        flash(message, "info")
        return self.show(record)

    def act(self, record_id, action):
        """One action of the manage page (an irreversible one once confirmed): bad input is shown on its form; a
        stale page is reloaded with a message."""
        record = self.service.POLICY.get_for_unit(current_user, record_id)
        form_class, call, done = self.actions[action]
        form = form_class()
        confirm = None
        if action in self.irreversible:
            confirm = lambda result: self.confirmation(action, record, form, result)  # noqa: E731
        return perform(
            form,
            lambda: call(record, form),
            lambda result: done(record, result),
            lambda _result: self.show(record),
            lambda: self.manage_page(record, 400, **{action: form}),
            self.changed,
            confirm=confirm,
        )

    def confirmation_page(self, action, record, form, **values):
        """The confirmation page of an irreversible action (console/<kind>s/confirm.html), with `values` for it."""
        return render_template(
            f"console/{self.kind}s/confirm.html",
            action=action,
            form=form,
            carried=carried(form),
            back=self.url(record.id),
            record=record,
            **{self.kind: record},
            **values,
        )

    def attach(self, record_id):
        """Add a file (PDF or image) to the record, in the states its service allows."""
        record = self.service.POLICY.get_for_unit(current_user, record_id)
        form = AttachmentForm()
        return perform(
            form,
            lambda: self._store(record, form),
            lambda attachment: _("File added: %(name)s.", name=attachment.filename),
            lambda attachment: self.show(record, "#files" if attachment else ""),
            lambda: self.manage_page(record, 400, attachment=form),
            self.changed,
        )

    @staticmethod
    def _store(record, form):
        upload = form.file.data
        # One byte over the limit is enough for the service to refuse the file by its size.
        return attachments.add_attachment(
            current_user,
            record,
            upload.filename,
            upload.stream.read(attachments.MAX_BYTES + 1),
            current_app.config,
        )

    def detach(self, record_id, attachment_id):
        """Remove a draft's file (the form only carries the CSRF token) and go back to the files."""
        attachment = attachments.get_for_unit(current_user, record_id, attachment_id, self.owner)
        if RemoveAttachmentForm().validate_on_submit():
            try:
                attachments.remove_attachment(current_user, attachment, current_app.config)
                db.session.commit()
                flash(_("File removed."), "info")
            except Conflict as error:
                db.session.rollback()
                flash(error.message, "error")
        else:
            flash(_("The form has expired. Please reload the page and try again."), "error")
        return redirect(self.url(record_id) + "#files")

    def download(self, record_id, attachment_id):
        """A file of the record (drafts included), as an attachment that is never cached."""
        attachment = attachments.get_for_unit(current_user, record_id, attachment_id, self.owner)
        return send_attachment(
            *attachments.download(attachment, current_app.config["FILES_DIR"]), private=True
        )
