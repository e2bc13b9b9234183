"""Domain errors, and the one place that maps them (and HTTP errors) to HTML or JSON responses."""
from flask import jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A request the domain refuses; `status` is the HTTP status it maps to."""

    status = 400
    code = "invalid"

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    """Input that breaks a rule; `field` names the offending field when there is one."""


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know that it does."""

    status = 404
    code = "not_found"


class Forbidden(DomainError):
    """The caller is known but lacks the permission."""

    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """The thing changed or exists already; the caller should look again."""

    status = 409
    code = "conflict"


def wants_json():
    """True for API and feed clients, which get JSON errors instead of pages."""
    return request.path.startswith("/api/")


def _respond(status, code, message, field=None):
    if wants_json():
        body = {"error": {"status": status, "code": code, "message": message}}
        if field:
            body["error"]["field"] = field
        return jsonify(body), status
    return render_template("errors/error.html", status=status, message=message), status


def handle_domain_error(error):
    """Render a domain error with its status."""
    return _respond(error.status, error.code, error.message, error.field)


def standard_message(status):
    """The portal's wording for an HTTP status, in the user's language."""
    return {
        400: _("The request could not be understood."),
        403: _("You do not have permission to see this page."),
        404: _("This page does not exist."),
        405: _("This address does not accept that kind of request."),
        413: _("The upload is too large."),
        429: _("Too many attempts. Please wait and try again."),
    }.get(status, _("Something went wrong on our side. Please try again later."))


def handle_http_error(error):
    """Render an HTTP error (404, 405, 413, …) in the client's format, in the user's language."""
    status = error.code or 500
    return _respond(status, error.name.lower().replace(" ", "_"), standard_message(status))


def handle_unexpected(error):
    """Log an unexpected exception and answer 500 without a traceback."""
    from flask import current_app

    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return _respond(500, "internal_error", _("Something went wrong on our side. Please try again later."))


def register_errors(app):
    """Install the handlers on `app`."""
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
