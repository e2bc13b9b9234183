"""Public pages: anyone, no account."""
from flask import Blueprint

bp = Blueprint("public", __name__)

from portal.public import goals, home, language, measures, reports, units  # noqa: E402,F401
