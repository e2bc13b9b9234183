"""Site administration: routing rules, the working-day calendar and the disclosure categories."""
from flask import Blueprint

bp = Blueprint("admin", __name__)

from portal.admin import calendar, disclosure_categories, routing  # noqa: E402,F401
