"""The read-only JSON API, /api/v1."""
from flask import Blueprint

bp = Blueprint("api", __name__)

from portal.api import consultations, disclosures, goals, measures, openapi, search, units  # noqa: E402,F401
