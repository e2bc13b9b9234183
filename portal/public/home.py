"""The home page."""

from flask import render_template

from portal.public import bp
from portal.services import policy


@bp.get("/")
def index():
    """What the portal is for, and its four entry points."""
    return render_template("public/home/index.html", summary=policy.summary())
