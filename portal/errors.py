"""Domain errors, and the one place that maps them (and HTTP errors) to HTML or JSON responses."""

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A request the domain refuses; `status` is the HTTP status it maps to."""

    status = 400
    code = "invalid"

    def __init__(self, message, field=None, errors=None):
        super().__init__(message)
        self.message = message
        self.field = field
        # Every (field, message) found; a form shows them all at once, the first is `message`.
        self.errors = list(errors) if errors else [(field, message)]


class ValidationFailed(DomainError):
    """Input that breaks a rule; `field` names the offending field when there is one."""

    @classmethod
    def every(cls, errors):
        """One error carrying every (field, message) a check found, so that the user sees them all at once."""
        field, message = errors[0]
        return cls(message, field, errors)


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


class TooManyRequests(DomainError):
    """The caller used up a limit; `retry_after` is how many seconds until it may try again."""

    status = 429
    code = "too_many_requests"

    def __init__(self, message, retry_after=None, field=None):
        super().__init__(message, field)
        self.retry_after = retry_after


def wants_json():
    """True for API and feed clients, which get JSON errors instead of pages."""
    return request.path.startswith("/api/")


def _respond(status, code, message, field=None, errors=()):
    if wants_json():
        body = {"error": {"status": status, "code": code, "message": message}}
        if field:
            body["error"]["field"] = field
        if len(errors) > 1:
            body["error"]["errors"] = [{"field": name, "message": text} for name, text in errors]
        return jsonify(body), status
    return render_template("errors/error.html", status=status, message=message), status


def handle_domain_error(error):
    """Render a domain error with its status."""
    response = _respond(error.status, error.code, error.message, error.field, error.errors)
    return with_retry_after(response, error)


def with_retry_after(response, error):
    """Add `Retry-After` to a (body, status) or response when `error` says when to try again."""
    seconds = getattr(error, "retry_after", None)
    if seconds is None:
        return response
    if isinstance(response, tuple):
        body, status = response
        return body, status, {"Retry-After": str(seconds)}
    response.headers["Retry-After"] = str(seconds)
    return response


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
    if isinstance(error, CSRFError):
        # The form's token is missing or stale (an old tab, an expired session): say what to do.
        return _respond(
            status, "csrf", _("This page is out of date: go back, reload it and try again.")
        )
    return _respond(status, error.name.lower().replace(" ", "_"), standard_message(status))


def handle_unexpected(error):
    """Log an unexpected exception and answer 500 without a traceback."""
    from flask import current_app

    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return _respond(
        500, "internal_error", _("Something went wrong on our side. Please try again later.")
    )


NUL = "\x00"


def refuse_nul_characters():
    """Before each request: a NUL character in the path, a query or form field or a file name is a 400 naming it.

    No field takes one, and PostgreSQL refuses text containing it with an error instead of finding nothing.
    """
    if NUL in request.path:
        raise ValidationFailed(
            _("The address contains a NUL character, which is not allowed."), field="path"
        )
    fields = [
        *request.args.items(multi=True),
        *request.form.items(multi=True),
        *((name, storage.filename or "") for name, storage in request.files.items(multi=True)),
    ]
    for name, value in fields:
        if NUL in name or NUL in value:
            name = name.replace(NUL, "")
            raise ValidationFailed(
                _(
                    "The field “%(field)s” contains a NUL character, which is not allowed.",
                    field=name,
                ),
                field=name,
            )


def register_errors(app):
    """Install the handlers on `app`, and the check that refuses NUL characters."""
    app.before_request(refuse_nul_characters)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
