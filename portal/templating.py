"""Template filters and values every page uses."""
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, request

from portal.permissions import Permission
from portal.policy.parser import numeral
from portal.services import reports
from portal.services.handling import NotAcceptedReason


def current_path():
    """The path and query of this request, to come back to after switching language."""
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")


def local_datetime(moment, with_time=True):
    """An aware datetime in the portal's time zone (Beijing time), as 2026-11-26 18:30."""
    if moment is None:
        return ""
    local = moment.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
    return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def iso(moment):
    """ISO 8601 for a `datetime` attribute: seconds precision, as HTML allows at most milliseconds."""
    return moment.isoformat(timespec="seconds") if hasattr(moment, "hour") else moment.isoformat()


def init_app(app):
    """Register the filters and context."""
    app.jinja_env.filters["cn_numeral"] = numeral
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["iso"] = iso
    app.jinja_env.globals["Permission"] = Permission
    app.jinja_env.globals["NotAcceptedReason"] = NotAcceptedReason
    app.jinja_env.globals["report_deadlines"] = lambda report: reports.deadlines(report, current_app.config)
    app.context_processor(lambda: {"current_path": current_path() if has_request_context() else ""})
