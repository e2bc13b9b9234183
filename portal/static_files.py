"""Fingerprinted static files: every static URL carries `?v=` and a hash of the file, so it may be cached for a year.

A changed file gets a new URL, so browsers and nginx (deploy/nginx.conf) can keep `/static/` for a year
without ever showing an old stylesheet or script. The hash is computed when a URL is first built for a
file, and again only when the file's modification time or size changes.
"""

import hashlib
import os
from stat import S_ISREG

from flask import current_app, request
from werkzeug.security import safe_join

YEAR = 365 * 24 * 3600


def fingerprint(app, filename):
    """The first 10 hex digits of the SHA-256 of static file `filename`, or None when there is no such file."""
    path = safe_join(app.static_folder, filename)
    try:
        stat = os.stat(path)
    except (
        OSError,
        TypeError,
    ):  # a missing file, or a name outside the folder (no path): its URL stays plain
        return None
    if not S_ISREG(stat.st_mode):
        return None
    # Hashed once per version of the file: a stat per URL notices an edited file without a restart.
    version = (stat.st_mtime_ns, stat.st_size)
    known = app.extensions.setdefault("static_fingerprints", {})
    if known.get(filename, (None,))[0] != version:
        with open(path, "rb") as file:
            known[filename] = (version, hashlib.file_digest(file, "sha256").hexdigest()[:10])
    return known[filename][1]


def add_fingerprint(endpoint, values):
    """`url_for('static', filename=…)` gains `v=<fingerprint>` (a `url_defaults` hook)."""
    if endpoint == "static" and "filename" in values and "v" not in values:
        digest = fingerprint(current_app, values["filename"])
        if digest:
            values["v"] = digest


def cache_fingerprinted(response):
    """A static file asked for by its current fingerprint may be kept for a year (an `after_request` hook)."""
    if request.endpoint == "static" and response.status_code in (200, 304):
        digest = request.args.get("v")
        if digest and digest == fingerprint(current_app, request.view_args["filename"]):
            # The same file for everyone, so not `no-store` even for signed-in staff (portal/headers.py).
            response.cache_control.no_store = False
            response.cache_control.public = True
            response.cache_control.max_age = YEAR
            response.cache_control.no_cache = None
            response.cache_control.immutable = True
    return response


def init_app(app):
    """Register the hooks on `app`."""
    app.url_defaults(add_fingerprint)
    app.after_request(cache_fingerprinted)
