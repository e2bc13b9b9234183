"""Template filters and values every page uses."""

from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, request

from portal import maps, static_files
from portal.i18n import current_language
from portal.permissions import Permission
from portal.services import reports
from portal.services.access import public_point
from portal.services.handling import NotAcceptedReason, not_accepted_reason
from portal.text import numeral
from portal.urls import absolute_url


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


def localized(obj, attr, language=None):
    """The bilingual column `attr` of `obj` in `language` (the page's by default): `<attr>_en` in English when it
    is filled, else the Chinese (`<attr>_zh`, or `<attr>` itself). The one place a category's name is chosen."""
    chinese = getattr(obj, f"{attr}_zh") if hasattr(obj, f"{attr}_zh") else getattr(obj, attr)
    if (language or current_language()) == "en":
        return getattr(obj, f"{attr}_en", None) or chinese
    return chinese


def category_name(category):
    """A report or disclosure category's name in the page's language."""
    return localized(category, "name")


def init_app(app):
    """Register the filters and context, and fingerprint static URLs."""
    app.jinja_env.filters["cn_numeral"] = numeral
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["iso"] = iso
    app.jinja_env.filters["localized"] = localized
    app.jinja_env.globals["category_name"] = category_name
    app.jinja_env.globals["absolute_url"] = absolute_url
    app.jinja_env.globals["Permission"] = Permission
    app.jinja_env.globals["NotAcceptedReason"] = NotAcceptedReason
    app.jinja_env.globals["source_label"] = reports.source_label
    # Report helpers: each deadline's state is decided in services.reports; templates only show it.
    app.jinja_env.globals["report_deadlines"] = lambda report: reports.deadlines(
        report, current_app.config
    )
    app.jinja_env.globals["report_unit_deadline"] = lambda report: reports.unit_deadline(
        report, current_app.config
    )
    app.jinja_env.globals["report_timeliness"] = lambda report: reports.timeliness(
        report, current_app.config
    )
    app.jinja_env.globals["not_accepted_reason"] = not_accepted_reason
    # What the public sees of a report's location is the policy's (services/access.py), nothing else.
    app.jinja_env.globals["public_point"] = public_point
    app.jinja_env.globals["map_settings"] = maps.page_settings(app.config)
    app.context_processor(lambda: {"current_path": current_path() if has_request_context() else ""})
    static_files.init_app(app)
