"""The console's organisation pages: 兵团民政局 verifies applications to the register; a handling unit
answers litigation requests on its reports."""

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.console import bp
from portal.console.organisation_forms import AnswerForm, RefuseForm, VerifyForm
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.forms import attach_error
from portal.permissions import Permission, permission_required
from portal.services import organisations


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


def _request_page(request_id, form=None, status=200):
    page = render_template(
        "console/organisations/request.html",
        item=organisations.get_request(current_user, request_id),
        form=form or AnswerForm(formdata=None),
    )
    return page, status


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
            organisations.answer(current_user, request_id, provide, form.text.data)
            db.session.commit()
            return redirect(url_for("console.litigation_show", request_id=request_id))
        except ValidationFailed as error:
            attach_error(form, error)
    return _request_page(request_id, form, 400)
