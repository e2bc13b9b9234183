"""Where a visitor may be sent: a `next` parameter only to a path of this site, an old address to its new one.

Browsers forgive what a naive check does not: they drop tabs and newlines inside a URL, read a backslash
as a slash, and take `//host` as another site. A target is therefore accepted only when it is a plain
path starting with one `/`, and it stays one both as written and once percent-decoded; anything else
(control characters, backslashes, schemes, hosts, userinfo) is answered with the fallback.

A public address that was renamed keeps answering: `MOVED` maps it to the endpoint of its new address,
and the `moved` blueprint answers it with a 301 (permanent, so feed readers and search engines update
their copy), the query string kept.
"""

import unicodedata
from urllib.parse import unquote, urlencode, urlsplit

from flask import Blueprint, redirect, request, url_for
from werkzeug.urls import iri_to_uri

# Longer than any address the portal builds; a longer `next` is not one of ours.
MAX_LENGTH = 2000
# Renamed public addresses: old rule → endpoint of the new address (issue 12: a report is a report).
MOVED = {"/feeds/cases.atom": "feeds.reports_atom"}

bp = Blueprint("moved", __name__)


def moved(endpoint):
    """A permanent redirect to `endpoint`'s address, with this request's query string."""
    query = urlencode(list(request.args.items(multi=True)))
    return redirect(url_for(endpoint) + ("?" + query if query else ""), code=301)


for _old, _endpoint in MOVED.items():
    bp.add_url_rule(_old, _endpoint.replace(".", "_"), lambda endpoint=_endpoint: moved(endpoint))


def safe_target(value, fallback):
    """`value` as a same-site path to redirect to, or `fallback` when it could lead anywhere else."""
    if not isinstance(value, str) or not value or len(value) > MAX_LENGTH:
        return fallback
    # Decoded once as well: `%2F%2F`, `%5C` and `%09` become what some browser or proxy may yet make of them.
    if not (_is_local_path(value) and _is_local_path(unquote(value))):
        return fallback
    # The header then carries ASCII only, and the encoded form must still be a local path.
    target = iri_to_uri(value)
    return target if _is_local_path(target) else fallback


def _is_local_path(value):
    if not value.startswith("/") or value.startswith(("//", "/\\")):
        return False
    if "\\" in value or any(_is_invisible(ch) for ch in value):
        return False
    parts = urlsplit(value)
    return not (parts.scheme or parts.netloc)


def _is_invisible(ch):
    """Control, format and separator characters (tab, newline, NUL, zero-width, ideographic space, …)."""
    return ch != " " and unicodedata.category(ch)[0] in "CZ"
