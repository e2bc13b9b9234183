"""Switching the interface language."""

from flask import abort, current_app, redirect, request, url_for

from portal.i18n import COOKIE
from portal.public import bp
from portal.redirects import safe_target

ONE_YEAR = 365 * 24 * 3600


@bp.get("/language/<code>")
def language(code):
    """Remember the chosen language and go back to the page the visitor was on."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    # Only same-site paths: an open redirect would let others borrow the portal's name.
    response = redirect(safe_target(request.args.get("next"), url_for("public.index")))
    # Secure wherever the session cookie is (production, behind TLS).
    response.set_cookie(
        COOKIE,
        code,
        max_age=ONE_YEAR,
        samesite="Lax",
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response
