"""Login and logout views."""
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user

from portal.auth import bp
from portal.auth.forms import LoginForm, LogoutForm
from portal.extensions import db
from portal.redirects import safe_target
from portal.services import accounts


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Check the password; on success start a fresh session."""
    form = LoginForm()
    if form.validate_on_submit():
        outcome = accounts.authenticate(
            form.username.data, form.password.data,
            current_app.config["LOGIN_MAX_FAILURES"], current_app.config["LOGIN_LOCKOUT_SECONDS"],
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
    """End the session."""
    if LogoutForm().validate_on_submit():
        logout_user()
        session.clear()
        flash(_("You have logged out."), "info")
    return redirect(url_for("public.index"))
