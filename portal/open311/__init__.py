"""Open311 GeoReport v2 at /open311/v2: categories as services, reports as service requests."""

from flask import Blueprint

bp = Blueprint("open311", __name__)

from portal.open311 import errors, views  # noqa: E402,F401
