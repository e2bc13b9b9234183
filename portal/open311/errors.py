"""Every Open311 error as the spec's list of {code, description}, in the request's format.

Blueprint handlers cover errors raised once a route matched; `routing_failure` covers unknown
paths and methods under the prefix, which otherwise reach the portal's HTML error pages.
"""

from flask import current_app, request
from flask_babel import gettext as _
from werkzeug import exceptions as http

from portal.errors import DomainError, standard_message
from portal.open311 import bp, format

# The spec knows 400, 403 and 404: a conflict (an existing name, a changed record) is a bad request.
DOMAIN_STATUS = {409: 400}
PASSED_HEADERS = ("Allow", "Retry-After")


def request_format():
    """The format the client asked for (the route's, else the path's suffix); JSON when unknown."""
    fmt = (request.view_args or {}).get("fmt")
    if fmt is None:
        last = request.path.rsplit("/", 1)[-1]
        fmt = last.rsplit(".", 1)[-1] if "." in last else ""
    return fmt if fmt in format.FORMATS else "json"


def error_response(status, message, headers=()):
    """A one-error list with HTTP status `status`."""
    response = format.render(request_format(), "errors", [format.error(status, message)], status)
    for name, value in headers:
        response.headers[name] = value
    return response


@bp.errorhandler(DomainError)
def domain_error(error):
    """ValidationFailed → 400, Forbidden → 403, NotFound → 404, Conflict → 400, TooManyRequests → 429."""
    retry_after = getattr(error, "retry_after", None)
    headers = [("Retry-After", str(retry_after))] if retry_after is not None else []
    return error_response(DOMAIN_STATUS.get(error.status, error.status), error.message, headers)


@bp.errorhandler(http.HTTPException)
def http_error(error):
    """An HTTP error, with the message it was raised with, else the portal's standard one."""
    status = error.code or 500
    raised_with = error.description if error.description != type(error).description else None
    headers = [(name, value) for name, value in error.get_headers() if name in PASSED_HEADERS]
    return error_response(status, raised_with or standard_message(status), headers)


@bp.errorhandler(Exception)
def unexpected(error):
    """Log the failure and answer 500 in the spec's form, without a traceback."""
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, standard_message(500))


@bp.record_once
def remember_prefix(state):
    """Note where the blueprint is mounted, for `routing_failure`."""
    state.app.extensions["open311_prefix"] = (state.url_prefix or "").rstrip("/")


@bp.before_app_request
def routing_failure():
    """An unknown path or method under the prefix answers in the spec's form, not as an HTML page."""
    failure = request.routing_exception
    prefix = current_app.extensions.get("open311_prefix", "")
    if not isinstance(failure, (http.NotFound, http.MethodNotAllowed)):
        return None
    if request.path == prefix or request.path.startswith(prefix + "/"):
        return http_error(failure)
    return None


@bp.url_value_preprocessor
def check_format(_endpoint, values):
    """Only .json and .xml exist; any other suffix is a 404 (in JSON)."""
    if values and values.get("fmt") not in format.FORMATS:
        raise http.NotFound(_("Unknown format: use .json or .xml."))
