"""The resident's private "my reports" page: keep a report there from its tracking page, open it by the emailed link."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.errors import ValidationFailed
from portal.extensions import db
from portal.forms import attach_error
from portal.public import bp
from portal.public.subscription_forms import DeletePageForm, KeepForm, RemoveForm
from portal.services import reports, resident_pages


@bp.route("/reports/track/<reference>/<token>/keep", methods=["GET", "POST"])
def resident_pages_keep(reference, token):
    """From the private tracking page: keep this report on the "my reports" page of an address."""
    report, form = reports.open_link(reference, token, current_app.config), KeepForm()
    if form.validate_on_submit():
        try:
            resident_pages.keep(
                report, form.email.data, current_app.config, client=request.remote_addr
            )
            db.session.commit()
            return redirect(url_for("public.resident_pages_sent"))
        except ValidationFailed as error:
            attach_error(form, error)
    return render_template(
        "public/resident_pages/keep.html", form=form, report=report, token=token
    ), 400 if form.errors else 200


@bp.get("/my-reports/sent")
def resident_pages_sent():
    """Check your mailbox: the same page whether or not the address had a page before."""
    return render_template("public/resident_pages/sent.html")


@bp.get("/my-reports/<token>")
def resident_pages_show(token):
    """The reports kept on this page, each with its private tracking link."""
    page = resident_pages.find(token)
    return render_template(
        "public/resident_pages/show.html",
        kept=resident_pages.listing(page, current_app.config),
        remove_form=RemoveForm(),
        delete_form=DeletePageForm(),
        token=token,
    )


@bp.post("/my-reports/<token>/remove/<reference>")
def resident_pages_remove(token, reference):
    """Take one report off the page."""
    page = resident_pages.find(token)
    if RemoveForm().validate_on_submit():
        resident_pages.remove(page, reference)
        db.session.commit()
        flash(_("Report %(ref)s is no longer on this page.", ref=reference), "info")
    return redirect(url_for("public.resident_pages_show", token=token))


@bp.post("/my-reports/<token>/delete")
def resident_pages_delete(token):
    """Delete the page and the address it keeps."""
    page = resident_pages.find(token)
    if DeletePageForm().validate_on_submit():
        resident_pages.delete(page)
        db.session.commit()
        flash(_("The page is deleted; the portal no longer keeps the address for it."), "info")
        return redirect(url_for("public.index"))
    return redirect(url_for("public.resident_pages_show", token=token))
