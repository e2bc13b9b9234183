"""Hearings (听证会) in the console: scheduling, the attendee list (names and contacts, for the unit's staff
only, never cached), attendance, the CSV sign-in sheet, and the minutes."""

from zoneinfo import ZoneInfo

from flask import Response, current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.console import bp
from portal.console import consultation_forms as forms
from portal.console.actions import perform, prefixed
from portal.console.consultations import ENUMS, changed_message, render_manage_page
from portal.extensions import db
from portal.models.types import utcnow
from portal.permissions import Permission, permission_required
from portal.services import consultations, hearings


def _beijing(moment):
    """A naive datetime-local value read as the portal's time zone (Beijing time)."""
    return (
        moment.replace(tzinfo=ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
        if moment
        else None
    )


@bp.post("/consultations/<int:consultation_id>/hearings")
@permission_required(Permission.HEARINGS_MANAGE)
def hearings_schedule(consultation_id):
    """Schedule and announce a hearing; one too soon is refused naming the notice rule."""
    consultation = consultations.POLICY.get_for_unit(current_user, consultation_id)
    form = forms.HearingForm()

    def schedule():
        return hearings.schedule(
            current_user,
            consultation,
            _beijing(form.starts_at.data),
            form.place.data,
            form.seats.data,
            _beijing(form.registration_closes_at.data),
            form.eligibility.data or "",
            current_app.config,
        )

    def back(hearing):
        if hearing is None:
            return redirect(url_for("console.consultations_show", consultation_id=consultation.id))
        return redirect(url_for("console.hearings_show", hearing_id=hearing.id))

    return perform(
        form,
        schedule,
        lambda _hearing: _("The hearing is scheduled and announced."),
        back,
        lambda: render_manage_page(consultation, 400, hearing=form),
        changed_message,
    )


def _render_hearing(hearing, status=200, **bound):
    listing = hearings.attendees(current_user, hearing)
    attended = [r.id for r in listing.confirmed + listing.waitlisted if r.attended]
    page = render_template(
        "console/hearings/show.html",
        hearing=hearing,
        consultation=hearing.consultation,
        listing=listing,
        attendance=prefixed(
            bound.get("attendance")
            or forms.AttendanceForm(formdata=None, registration_ids=attended),
            "attendance",
        ),
        minutes=prefixed(
            bound.get("minutes") or forms.MinutesForm(formdata=None, minutes=hearing.minutes),
            "minutes",
        ),
        now=utcnow(),
        status_label=hearings.status_label,
        **ENUMS,
    )
    # Names, phone numbers and email addresses of registrants: never stored (portal.headers.is_private).
    return page, status


@bp.get("/hearings/<int:hearing_id>")
@permission_required(Permission.CONSOLE_VIEW)
def hearings_show(hearing_id):
    """The hearing, its registrants (confirmed, waitlisted in order, cancelled), attendance and minutes."""
    return _render_hearing(hearings.get_for_unit(current_user, hearing_id))


@bp.get("/hearings/<int:hearing_id>/attendees.csv")
@permission_required(Permission.HEARINGS_MANAGE)
def hearings_export(hearing_id):
    """The sign-in sheet as CSV (UTF-8 with BOM, no contacts), as a download."""
    hearing = hearings.get_for_unit(current_user, hearing_id)
    text = hearings.export_csv(current_user, hearing)
    db.session.commit()
    return Response(
        text,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f"attachment; filename=hearing-{hearing.id}-attendees.csv",
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


# action: (form, perform(hearing, form) → result, message(result) after the commit)
ACTIONS = {
    "attendance": (
        forms.AttendanceForm,
        lambda h, f: hearings.mark_attendance(
            current_user,
            h,
            f.registration_ids.data or [],
            tz=current_app.config["BABEL_DEFAULT_TIMEZONE"],
        ),
        lambda n: _("Attendance saved: %(n)s present.", n=n),
    ),
    "minutes": (
        forms.MinutesForm,
        lambda h, f: hearings.publish_minutes(current_user, h, f.minutes.data),
        lambda h: _("Minutes published with the attendance count (%(n)s).", n=h.attendance_count),
    ),
}


@bp.post("/hearings/<int:hearing_id>/<any(attendance, minutes):action>")
@permission_required(Permission.HEARINGS_MANAGE)
def hearings_act(hearing_id, action):
    """Save attendance or publish the minutes; bad input is shown on the form, a refusal as a message."""
    hearing = hearings.get_for_unit(current_user, hearing_id)
    form_class, call, done = ACTIONS[action]
    form = form_class()
    return perform(
        form,
        lambda: call(hearing, form),
        done,
        lambda _result: redirect(url_for("console.hearings_show", hearing_id=hearing.id)),
        lambda: _render_hearing(hearing, 400, **{action: form}),
        changed_message,
    )
