"""Site administration: routing rules and the working-day calendar."""
from flask import Blueprint

bp = Blueprint("admin", __name__)

from portal.admin import calendar, routing  # noqa: E402,F401
