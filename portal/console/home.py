"""The console's landing page."""

from flask import render_template
from flask_login import current_user

from portal.auth.forms import LogoutForm
from portal.console import bp
from portal.permissions import Permission, permission_required
from portal.services import handling, organisations, units


@bp.get("/")
@permission_required(Permission.CONSOLE_VIEW)
def index():
    """The signed-in user's unit and what it is responsible for."""
    leads, joins = units.responsibilities(current_user.unit)
    return render_template(
        "console/home/index.html",
        unit=current_user.unit,
        leads=leads,
        joins=joins,
        logout_form=LogoutForm(),
        counts=handling.counts(current_user),
        verifies=organisations.may_verify(current_user),
    )
