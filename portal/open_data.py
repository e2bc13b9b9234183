"""The open-data licence, named in one place: /developers states it, Atom feeds carry it in <rights>, and
every answer of the JSON API, every feed and every public CSV export sends it as a Link header."""

from flask import request

LICENSE_REL = "license"  # the IANA link relation (RFC 4946), spelt the American way
# The answers that are open data: JSON under /api/, and the feeds' and public pages' Atom and CSV files.
# Console exports (the hearing sign-in sheet, the staff queue) are internal and carry no licence.
OPEN_FILES = {"application/atom+xml": ("feeds", "public"), "text/csv": ("feeds", "public")}


def licence(config):
    """(name, url) of the licence the open data is published under; either may be '' when not configured."""
    return config.get("DATA_LICENCE", ""), config.get("DATA_LICENCE_URL", "")


def is_open_data(path, blueprint, mimetype):
    """True when an answer with this path, blueprint and media type is part of the open data."""
    if mimetype == "application/json":
        return path.startswith("/api/")
    return blueprint in OPEN_FILES.get(mimetype, ())


def add_licence_link(response, config):
    """`response` with `Link: <url>; rel="license"` (RFC 8288) when it is open data and a licence is set."""
    _name, url = licence(config)
    if url and is_open_data(request.path, request.blueprint, response.mimetype):
        response.headers.add("Link", f'<{url}>; rel="{LICENSE_REL}"')
    return response
