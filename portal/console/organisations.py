"""The console's organisation pages: 兵团民政局 verifies applications to the register; a handling unit
answers litigation requests on its reports, with the documents it hands over, and downloads them again."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.console import bp
from portal.console.organisation_forms import AnswerForm, DocumentsForm, RefuseForm, VerifyForm
from portal.downloads import send_attachment
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.forms import attach_error, read_files
from portal.permissions import Permission, permission_required
from portal.services import attachments, organisations


@bp.get("/organisations")
@permission_required(Permission.CONSOLE_VIEW)
def organisations_index():
    """Applications to the register, pending first (兵团民政局 and site administrators only)."""
    return render_template(
        "console/organisations/index.html",
        applications=organisations.applications(current_user),
    )


def _application_page(organisation_id, refuse_form=None, status=200):
    organisation = organisations.get_application(current_user, organisation_id)
    page = render_template(
        "console/organisations/show.html",
        organisation=organisation,
        verify_form=VerifyForm(),
        refuse_form=refuse_form or RefuseForm(formdata=None),
    )
    return page, status


@bp.get("/organisations/<int:organisation_id>")
@permission_required(Permission.CONSOLE_VIEW)
def organisations_show(organisation_id):
    """One application with its contact, and the forms to verify or refuse it."""
    return _application_page(organisation_id)


@bp.post("/organisations/<int:organisation_id>/verify")
@permission_required(Permission.CONSOLE_VIEW)
def organisations_verify(organisation_id):
    """Verify an application: public from now on; its management link is mailed."""
    if VerifyForm().validate_on_submit():
        organisations.verify(current_user, organisation_id, current_app.config)
        db.session.commit()
        flash(_("The organisation is verified and listed publicly."), "info")
    return redirect(url_for("console.organisations_show", organisation_id=organisation_id))


@bp.post("/organisations/<int:organisation_id>/refuse")
@permission_required(Permission.CONSOLE_VIEW)
def organisations_refuse(organisation_id):
    """Refuse an application with a reason (or withdraw a verification)."""
    form = RefuseForm()
    if form.validate_on_submit():
        try:
            organisations.refuse(current_user, organisation_id, form.reason.data)
            db.session.commit()
            flash(_("The application is refused; the reason was sent."), "info")
            return redirect(url_for("console.organisations_index"))
        except ValidationFailed as error:
            attach_error(form, error)
    return _application_page(organisation_id, form, 400)


@bp.get("/litigation")
@permission_required(Permission.CONSOLE_VIEW)
def litigation_index():
    """Litigation requests on the unit's reports, open ones first by deadline."""
    return render_template(
        "console/organisations/litigation.html",
        requests=organisations.unit_requests(current_user),
    )


def _request_page(request_id, form=None, documents_form=None, status=200):
    page = render_template(
        "console/organisations/request.html",
        item=organisations.get_request(current_user, request_id),
        form=form or AnswerForm(formdata=None),
        documents_form=documents_form or DocumentsForm(formdata=None),
        documents_open=organisations.documents_open,
    )
    return page, status


def _uploads(form):
    # One byte over a file's limit is enough for the service to refuse the file by its size.
    return read_files(request.files.getlist(form.files.name), attachments.MAX_BYTES)


@bp.get("/litigation/<int:request_id>")
@permission_required(Permission.CONSOLE_VIEW)
def litigation_show(request_id):
    """One litigation request, and the form to answer it."""
    return _request_page(request_id)


@bp.post("/litigation/<int:request_id>")
@permission_required(Permission.REPORTS_HANDLE)
def litigation_answer(request_id):
    """The handling unit provides the record or refuses with the legal reason."""
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            provide = {"provide": True, "refuse": False}.get(form.decision.data)
            organisations.answer(
                current_user,
                request_id,
                provide,
                form.text.data,
                current_app.config,
                _uploads(form),
            )
            db.session.commit()
            return redirect(url_for("console.litigation_show", request_id=request_id))
        except ValidationFailed as error:
            db.session.rollback()
            attach_error(form, error)
    return _request_page(request_id, form, status=400)


@bp.post("/litigation/<int:request_id>/documents")
@permission_required(Permission.REPORTS_HANDLE)
def litigation_documents(request_id):
    """More documents for an answer that provided the record, until the organisation records the outcome."""
    form = DocumentsForm()
    if form.validate_on_submit():
        try:
            added = organisations.add_documents(
                current_user, request_id, _uploads(form), current_app.config
            )
            db.session.commit()
            flash(_("Documents added: %(n)s. The organisation was told.", n=len(added)), "info")
            return redirect(
                url_for("console.litigation_show", request_id=request_id) + "#documents"
            )
        except ValidationFailed as error:
            db.session.rollback()
            attach_error(form, error)
    return _request_page(request_id, documents_form=form, status=400)


@bp.get("/litigation/<int:request_id>/documents/<int:document_id>")
@permission_required(Permission.CONSOLE_VIEW)
def litigation_document(request_id, document_id):
    """A document handed over with the answer, for the answering unit and site oversight; never cached."""
    document = organisations.get_document(current_user, request_id, document_id)
    return send_attachment(
        *attachments.download(document, current_app.config["FILES_DIR"]), private=True
    )
