"""Template filters and values every page uses."""
from flask import request

from portal.policy.parser import numeral


def current_path():
    """The path and query of this request, to come back to after switching language."""
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")


def init_app(app):
    """Register the filters and context."""
    app.jinja_env.filters["cn_numeral"] = numeral
    app.context_processor(lambda: {"current_path": current_path()})
