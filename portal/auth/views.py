"""Login and logout views."""

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal.auth import bp
from portal.auth.forms import LoginForm, LogoutForm, PasswordForm
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.forms import attach_error
from portal.redirects import safe_target
from portal.services import accounts


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Check the password; on success start a fresh session."""
    form, config = LoginForm(), current_app.config
    if form.validate_on_submit():
        limits = (
            config["LOGIN_MAX_FAILURES"],
            config["LOGIN_ADDRESS_MAX_FAILURES"],
            config["LOGIN_WINDOW_SECONDS"],
        )
        outcome = accounts.authenticate(
            form.username.data,
            form.password.data,
            request.remote_addr,
            config["SECRET_KEY"],
            limits,
        )
        db.session.commit()
        if outcome.user:
            session.clear()  # a new session on login: nothing set before it carries over
            login_user(outcome.user)
            return redirect(safe_target(request.args.get("next"), url_for("console.index")))
        # At the top of the form, in the focused error summary, like any other reason a submit failed.
        form.form_errors.append(outcome.message)
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """End this session and every other of the same login, server-side: a copied cookie opens nothing."""
    if LogoutForm().validate_on_submit():
        accounts.end_sessions(current_user._get_current_object())
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You have logged out."), "info")
    return redirect(url_for("public.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's own password; every other session of the login ends, this one starts afresh."""
    form, user, config = PasswordForm(), current_user._get_current_object(), current_app.config
    if form.validate_on_submit():
        try:
            accounts.change_password(
                user,
                form.current_password.data,
                form.new_password.data,
                form.new_password_again.data,
                config["SECRET_KEY"],
                (config["LOGIN_MAX_FAILURES"], config["LOGIN_WINDOW_SECONDS"]),
            )
        except ValidationFailed as error:
            attach_error(form, error)
        # A refusal changes nothing but the count of wrong guesses, which must be kept.
        db.session.commit()
        if not form.errors:
            session.clear()
            login_user(user)
            flash(
                _("Your password has been changed. You have been logged out everywhere else."),
                "success",
            )
            return redirect(url_for("console.index"))
    status = 400 if form.errors else 200
    return render_template("auth/password.html", form=form), status
