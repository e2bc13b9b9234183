"""Site administration: routing rules, the working-day calendar, the disclosure categories and the audit log."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from portal.admin import audit, calendar, disclosure_categories, routing  # noqa: E402,F401
