"""The console for unit staff."""

from flask import Blueprint

bp = Blueprint("console", __name__)

from portal.console import (  # noqa: E402,F401
    comments,
    consultations,
    disclosures,
    hearings,
    home,
    organisations,
    reports,
    task_reports,
)
