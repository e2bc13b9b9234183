"""Environmental social organisations: the register, an organisation's page, the volunteer calendar, the
application form, and the private management page reached by the link mailed on verification."""

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.downloads import send_attachment
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.forms import attach_error, choices
from portal.public import bp
from portal.public.organisation_forms import (
    ActivityForm,
    ApplicationForm,
    DetailsForm,
    LitigationForm,
    OutcomeForm,
    SupportReportForm,
)
from portal.services import organisations, units


def _areas(form):
    form.area.choices = choices(
        [("", _("— choose an area —"))] + [(str(a.number), a.label) for a in units.list_areas()]
    )
    return form


def details_input(form):
    """The details form's data as organisations.Details."""
    return organisations.Details(
        **{name: getattr(form, name).data for name in organisations.Details.__dataclass_fields__}
    )


@bp.get("/organisations")
def organisations_index():
    """The verified environmental social organisations, filtered by area."""
    area = request.args.get("area", "")
    return render_template(
        "public/organisations/index.html",
        organisations=organisations.public_list(area),
        areas=units.list_areas(),
        area=area,
    )


@bp.route("/organisations/apply", methods=["GET", "POST"])
def organisations_apply():
    """Apply to the register; 兵团民政局 verifies the application before it is public."""
    form = _areas(ApplicationForm())
    if form.validate_on_submit():
        try:
            organisations.apply(
                details_input(form),
                form.credit_code.data,
                current_app.config,
                client=request.remote_addr,
            )
            db.session.commit()
            return redirect(url_for("public.organisations_applied"))
        except ValidationFailed as error:
            attach_error(form, error)
    page = render_template("public/organisations/apply.html", form=form)
    return page, 400 if form.errors or form.form_errors else 200


@bp.get("/organisations/applied")
def organisations_applied():
    """The page after applying."""
    return render_template("public/organisations/applied.html")


@bp.get("/organisations/<int:organisation_id>")
def organisations_show(organisation_id):
    """A verified organisation: what it does, its chosen contact, its activities and reports."""
    organisation = organisations.get_public(organisation_id)
    return render_template(
        "public/organisations/show.html",
        organisation=organisation,
        contact=organisations.public_contact(organisation),
        months=organisations.upcoming_activities(organisation=organisation),
        requests=organisations.litigation_by(organisation),
    )


@bp.get("/organisations/activities")
def organisations_activities():
    """The volunteer calendar: upcoming activities of verified organisations, by month."""
    return render_template(
        "public/organisations/activities.html", months=organisations.upcoming_activities()
    )


@bp.get("/organisations/activities.ics")
def organisations_activities_ics():
    """The volunteer calendar as iCalendar, for calendar applications."""
    body = organisations.activities_ics(organisations.upcoming_activities(), request.url_root)
    return Response(body, content_type="text/calendar; charset=utf-8")


# --- the management page -------------------------------------------------------------------------

FORMS = {
    "details": DetailsForm,
    "activity": ActivityForm,
    "support": SupportReportForm,
    "litigation": LitigationForm,
    "outcome": OutcomeForm,
}


def _manage_page(organisation, token, forms, status=200):
    if "details" not in forms:
        shown = {
            name: getattr(organisation, name) for name in organisations.Details.__dataclass_fields__
        }
        shown["area"] = str(organisation.area.number)  # the select's value, not the Area
        forms["details"] = DetailsForm(formdata=None, prefix="details", data=shown)
    for name, form_class in FORMS.items():
        forms.setdefault(name, form_class(formdata=None, prefix=name))
    _areas(forms["details"]), _areas(forms["activity"])
    page = render_template(
        "public/organisations/manage.html",
        organisation=organisation,
        token=token,
        forms=forms,
        requests=organisations.litigation_by(organisation),
    )
    return page, status


@bp.get("/organisations/manage/<token>")
def organisations_manage(token):
    """The organisation's private page: edit its details, add activities, support reports, litigation."""
    return _manage_page(organisations.find(token), token, {})


def _act(organisation, action, form):
    config = current_app.config
    if action == "details":
        return organisations.update_details(organisation, details_input(form))
    if action == "activity":
        data = organisations.ActivityInput(
            **{n: getattr(form, n).data for n in organisations.ActivityInput.__dataclass_fields__}
        )
        return organisations.add_activity(organisation, data, config["BABEL_DEFAULT_TIMEZONE"])
    if action == "support":
        return organisations.support_report(organisation, form.reference.data)
    if action == "litigation":
        return organisations.request_litigation(
            organisation, form.reference.data, form.reason.data, config
        )
    return organisations.record_outcome(
        organisation, form.request.data, form.outcome.data, form.text.data
    )


@bp.get("/organisations/manage/<token>/litigation/<int:request_id>/documents/<int:document_id>")
def organisations_document(token, request_id, document_id):
    """A document the handling unit handed over with its answer, for the organisation only; audited, never cached."""
    found = organisations.download_document(
        organisations.find(token), request_id, document_id, current_app.config["FILES_DIR"]
    )
    db.session.commit()
    return send_attachment(*found, private=True)


@bp.post(
    "/organisations/manage/<token>/<any(details, activity, support, litigation, outcome):action>"
)
def organisations_manage_act(token, action):
    """One of the management page's forms; back to the page, or the page with the form's errors."""
    organisation = organisations.find(token)
    form = FORMS[action](prefix=action)
    if action in ("details", "activity"):
        _areas(form)
    if form.validate_on_submit():
        try:
            _act(organisation, action, form)
            db.session.commit()
            return redirect(url_for("public.organisations_manage", token=token, done=action))
        except ValidationFailed as error:
            db.session.rollback()
            attach_error(form, error)
    return _manage_page(organisations.find(token), token, {action: form}, 400)
