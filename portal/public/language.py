"""Switching the interface language."""
from flask import abort, current_app, redirect, request, url_for

from portal.i18n import COOKIE
from portal.public import bp

ONE_YEAR = 365 * 24 * 3600


@bp.get("/language/<code>")
def language(code):
    """Remember the chosen language and go back to the page the visitor was on."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    target = request.args.get("next", "")
    # Only same-site paths: an open redirect would let others borrow the portal's name.
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = url_for("public.index")
    response = redirect(target)
    response.set_cookie(COOKIE, code, max_age=ONE_YEAR, samesite="Lax", httponly=True)
    return response
