"""Editing the working-day overrides."""

from datetime import date

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from portal.admin import bp
from portal.admin.forms import DeleteForm, OverrideForm
from portal.extensions import db
from portal.permissions import Permission, permission_required
from portal.services import holidays


@bp.route("/calendar", methods=["GET", "POST"])
@permission_required(Permission.SITE_CALENDAR_EDIT)
def calendar_index():
    """The overrides, the years the official calendar covers, and a form to add a day."""
    form = OverrideForm()
    if form.validate_on_submit():
        holidays.set_override(form.day.data, form.is_workday.data == "1", form.note.data)
        db.session.commit()
        flash(_("Saved. Deadlines counted from now on use this day."), "info")
        return redirect(url_for("admin.calendar_index"))
    years = range(date.today().year - 1, date.today().year + 4)
    return render_template(
        "admin/calendar/index.html",
        form=form,
        overrides=holidays.list_overrides(),
        coverage=holidays.coverage(years),
        delete_form=DeleteForm(),
    ), 400 if form.errors else 200


@bp.post("/calendar/<int:override_id>/delete")
@permission_required(Permission.SITE_CALENDAR_EDIT)
def calendar_delete(override_id):
    """Remove an override."""
    if DeleteForm().validate_on_submit():
        holidays.remove_override(override_id)
        db.session.commit()
        flash(_("Deleted."), "info")
    return redirect(url_for("admin.calendar_index"))
