"""Absolute addresses (feeds, API, Open311, exports, printed documents), always under PORTAL_PUBLIC_URL.

The Host header of a request is whatever the client typed: an address built from it would let anyone
make the portal's feeds and API answers point at another site. Absolute links are therefore built only
here, from the configured public address; relative links stay with `url_for`.
"""

from flask import Response, current_app, has_request_context, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import SecurityError


def public_root():
    """PORTAL_PUBLIC_URL without its trailing slash, e.g. `https://portal.example.gov.cn`."""
    return current_app.config["PUBLIC_URL"].rstrip("/")


def absolute_url(endpoint, **values):
    """The address of `endpoint` (with `values`, as for `url_for`) under PORTAL_PUBLIC_URL."""
    if has_request_context():
        path = url_for(endpoint, **values)
        # Behind a path prefix the public address names it already.
        if request.script_root and path.startswith(request.script_root):
            path = path[len(request.script_root) :]
    else:
        anchor = values.pop("_anchor", None)
        path = current_app.url_map.bind("").build(endpoint, values)
        path += f"#{anchor}" if anchor else ""
    return public_root() + path


def refuse_unknown_host(_error):
    """A Host header outside TRUSTED_HOSTS: a plain 400, built without any URL (none can be built for it)."""
    message = _("This site does not answer to that host name.")
    return Response(
        f"400 Bad Request: {message}\n", status=400, content_type="text/plain; charset=utf-8"
    )


def init_app(app):
    """Answer requests for host names the portal does not serve (production's TRUSTED_HOSTS) with a 400."""
    app.register_error_handler(SecurityError, refuse_unknown_host)
