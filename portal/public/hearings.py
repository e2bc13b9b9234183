"""Hearings (听证会) for residents: a hearing, registering for it, and finding or cancelling a registration by code."""

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from portal.errors import NotFound, ValidationFailed
from portal.extensions import db
from portal.forms import attach_error
from portal.proxy import client_key
from portal.public import bp
from portal.public.consultation_forms import RegistrationCodeForm, RegistrationForm
from portal.services import hearings, throttle


def _hearing_page(hearing, form=None, status=200):
    page = render_template(
        "public/hearings/show.html",
        consultation=hearing.consultation,
        hearing=hearings.public_view(hearing),
        form=form or RegistrationForm(),
    )
    return page, status


@bp.get("/hearings/<int:hearing_id>")
def hearings_show(hearing_id):
    """A hearing, and the registration form while registration is open."""
    return _hearing_page(hearings.get_public(hearing_id))


@bp.post("/hearings/<int:hearing_id>/registrations")
def registrations_create(hearing_id):
    """Register; the code is shown once, on a page that is never cached."""
    hearing, form = hearings.get_public(hearing_id), RegistrationForm()
    if form.validate_on_submit():
        try:
            registration, code = hearings.register(
                hearing,
                form.name.data,
                form.phone.data,
                form.email.data,
                form.wants_to_speak.data,
                form.viewpoint.data,
                secret=current_app.config["SECRET_KEY"],
                tz=current_app.config["BABEL_DEFAULT_TIMEZONE"],
            )
            db.session.commit()
            return render_template(
                "public/hearings/registered.html",
                registration=registration,
                code=code,
                position=hearings.waitlist_position(registration),
                hearing=hearings.public_view(hearing),
                consultation=hearing.consultation,
            )
        except ValidationFailed as error:
            db.session.rollback()
            attach_error(form, error)
    return _hearing_page(hearing, form, 400)


def _find(code):
    """(registration, message, status) for `code`; wrong codes are counted per client like report tracking."""
    config = current_app.config
    key, window = f"registration:{client_key()}", config["TRACK_WINDOW_SECONDS"]
    if throttle.exhausted(key, config["TRACK_LIMIT"], window):
        return (
            None,
            _(
                "Too many wrong codes. Please wait %(n)s minutes and try again.",
                n=max(1, window // 60),
            ),
            429,
        )
    try:
        return hearings.find(code), "", 200
    except NotFound as error:
        throttle.hit(key, window)
        db.session.commit()  # keep the count of wrong codes
        return None, error.message, 404


@bp.route("/hearings/registration", methods=["GET", "POST"])
def registrations_lookup():
    """Enter a registration code: its status and hearing, and a button to cancel it."""
    form = RegistrationCodeForm()
    if not form.validate_on_submit():
        return render_template(
            "public/hearings/lookup.html", form=form
        ), 400 if form.errors else 200
    registration, message, status = _find(form.code.data)
    if registration is None:
        form.code.errors = [message]
        return render_template("public/hearings/lookup.html", form=form), status
    return render_template(
        "public/hearings/registration.html",
        form=form,
        registration=registration,
        position=hearings.waitlist_position(registration),
        hearing=hearings.public_view(registration.hearing),
        consultation=registration.hearing.consultation,
    )


@bp.post("/hearings/registration/cancel")
def registrations_cancel():
    """Cancel by code; the freed seat goes to the first on the waitlist."""
    form = RegistrationCodeForm()
    registration, message, status = (
        _find(form.code.data) if form.validate_on_submit() else (None, "", 400)
    )
    if registration is None:
        form.code.errors = list(form.code.errors) + ([message] if message else [])
        return render_template("public/hearings/lookup.html", form=form), status
    hearings.cancel(form.code.data, tz=current_app.config["BABEL_DEFAULT_TIMEZONE"])
    db.session.commit()
    flash(
        _(
            "Your registration has been cancelled and your seat released: the first person on the waitlist, "
            "if any, now has it."
        ),
        "info",
    )
    return redirect(url_for("public.hearings_show", hearing_id=registration.hearing_id))
