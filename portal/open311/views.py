"""Open311 GeoReport v2 routes; each exists as .json and .xml."""

from flask import current_app, request
from flask_babel import gettext as _

from portal.open311 import bp, format, intake, queries
from portal.services import reference_data
from portal.services.categories import list_categories
from portal.urls import absolute_url


@bp.get("/discovery.<fmt>")
def discovery(fmt):
    """The endpoint's description: specification, base URL, formats, and how to get a key."""
    base = absolute_url("open311.discovery", fmt=fmt).rsplit("/", 1)[0]
    contact = _("The portal's administrators, or the environmental hotline 12369.")
    return format.render(fmt, "discovery", format.discovery(base, contact))


@bp.get("/services.<fmt>")
def services_index(fmt):
    """Every report category as a service."""
    return format.render(fmt, "services", [format.service(c) for c in list_categories()])


@bp.get("/services/<code>.<fmt>")
def services_show(code, fmt):
    """A service's definition: its area and submission key attributes."""
    category, areas = queries.find_service(code), reference_data.current().areas
    value = format.definition(category, areas, intake.SUBMISSION_KEY_LENGTH)
    return format.render(fmt, "service_definition", value)


@bp.get("/requests.<fmt>")
def requests_index(fmt):
    """Reports matching the spec's filters, newest first; the last 90 days by default."""
    filters = queries.filters_from(request.args, current_app.config["BABEL_DEFAULT_TIMEZONE"])
    rows = queries.find_requests(filters)
    return format.render(
        fmt, "service_requests", [format.service_request(r, due) for r, due in rows]
    )


@bp.get("/requests/<reference>.<fmt>")
def requests_show(reference, fmt):
    """One report, as a one-element list."""
    report, due = queries.find_request(reference)
    return format.render(fmt, "service_requests", [format.service_request(report, due)])


@bp.post("/requests.<fmt>")
def requests_create(fmt):
    """File a report for an API key's client: 201 when created, 200 when the submission_key was seen."""
    key = intake.admit(request.form)
    submission = intake.record(request.form, key, current_app.config, request.remote_addr)
    response = format.render(
        fmt,
        "service_requests",
        [format.created(submission.receipt)],
        201 if submission.created else 200,
    )
    response.headers["Location"] = absolute_url(
        ".requests_show", reference=submission.receipt.reference, fmt=fmt
    )
    return response
