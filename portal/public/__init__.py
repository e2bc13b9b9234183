"""Public pages: anyone, no account."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from portal.public import (  # noqa: E402,F401
    attachments,
    consultations,
    dashboard,
    data,
    developers,
    disclosure_exports,
    disclosures,
    goals,
    hearings,
    home,
    language,
    measures,
    organisations,
    pages,
    projects,
    reports,
    resident_pages,
    search,
    styleguide,
    subscriptions,
    tasks,
    units,
)
