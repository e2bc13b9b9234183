"""The console for unit staff."""

from flask import Blueprint

bp = Blueprint("console", __name__)

from portal.console import comments, consultations, disclosures, hearings, home, reports  # noqa: E402,F401
