"""Syndication feeds (Atom 1.0), /feeds."""

from urllib.parse import urlencode

from flask import Blueprint, has_request_context, request, url_for
from flask_babel import gettext as _

from portal.errors import DomainError
from portal.feeds.atom import text_error

bp = Blueprint("feeds", __name__)


@bp.errorhandler(DomainError)
def feed_error(error):
    """A refused feed request as plain text with its status: feed readers show text, not pages."""
    return text_error(error.message, error.status)


def feed_links():
    """[(title, url)] of the feeds that follow what the current page shows, for <link rel="alternate">."""
    if not has_request_context() or request.blueprint != "public":
        return []
    args, view_args = request.args, request.view_args or {}
    if request.endpoint == "public.consultations_index":
        return [(_("Consultations"), url_for("feeds.consultations_atom"))]
    if request.endpoint in ("public.reports_index", "public.reports_show"):
        return [(_("Report outcomes"), url_for("feeds.reports_atom"))]
    if request.endpoint in ("public.disclosures_index", "public.disclosures_show"):
        filters = {name: args[name] for name in ("unit", "category", "area") if args.get(name)}
        return [(_("Disclosures"), url_for("feeds.disclosures_atom", **filters))]
    if request.endpoint == "public.units_show" and "unit_id" in view_args:
        return [
            (
                _("Disclosures of this unit"),
                url_for("feeds.unit_disclosures_atom", unit_id=view_args["unit_id"]),
            )
        ]
    if request.endpoint == "public.search" and args.get("q", "").strip():
        kept = [(k, v) for k, v in args.items(multi=True) if k not in ("page", "sort")]
        return [(_("This search"), url_for("feeds.search_atom") + "?" + urlencode(kept))]
    return []


@bp.app_context_processor
def feed_helpers():
    """`feed_links()` for base.html's <head>."""
    return {"feed_links": feed_links}


from portal.feeds import (  # noqa: E402,F401
    consultations,
    disclosures,
    organisations,
    reports,
    search,
    tasks,
)
