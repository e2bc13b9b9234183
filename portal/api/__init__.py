"""The read-only JSON API, /api/v1 (the page that explains it is /developers, where /api and /api/v1 lead)."""

from flask import Blueprint, current_app

from portal import open_data

bp = Blueprint("api", __name__)


@bp.after_app_request
def licence_link(response):
    """One hook for all open data: the API's JSON, the Atom feeds and the public CSV exports name their licence."""
    return open_data.add_licence_link(response, current_app.config)


from portal.api import (  # noqa: E402,F401
    consultations,
    disclosures,
    goals,
    measures,
    openapi,
    search,
    tasks,
    units,
)
