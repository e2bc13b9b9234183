"""Search (/search): one query over measures, tasks, task reports, disclosures, consultations, comments and closed
reports."""

from urllib.parse import urlencode

from flask import current_app, render_template, request, url_for

from portal.errors import ValidationFailed
from portal.public import bp
from portal.search import FACETS, SearchUnavailable
from portal.services import search

EXAMPLES = ("大气污染", "PM2.5", "兵团建设局")


def _options():
    """The query string's search options: filters (one value each), sort and page."""
    args = request.args
    filters = {name: args.get(name, "").strip() for name in FACETS}
    return filters, args.get("sort") or "relevance", args.get("page") or 1


def link(**changes):
    """This search's address with `changes` (None removes an option); any change goes back to page 1."""
    values = {k: v for k, v in request.args.items() if k != "page"}
    values.update(changes)
    return url_for("public.search", **{k: v for k, v in values.items() if v not in (None, "")})


def feed_url():
    """The Atom feed of this search: /feeds/search.atom with the same options, page aside.

    A plain address rather than url_for("feeds.search_atom"), so the page works whichever is deployed first.
    """
    query = urlencode([(k, v) for k, v in request.args.items(multi=True) if k != "page"])
    return f"{request.script_root}/feeds/search.atom?{query}"


@bp.get("/search", endpoint="search")
def search_page():
    """Results with highlighted snippets, facets as filter links, sorting and pages; examples when empty."""
    q, (filters, sort, page) = request.args.get("q", ""), _options()
    context = {"query": q, "filters": filters, "sort": sort, "examples": EXAMPLES}
    if not q.strip():
        return render_template("public/search/index.html", found=None, **context)
    try:
        found = search.search(
            current_app.config,
            q,
            **filters,
            sort=sort,
            page=page,
            per_page=current_app.config["PER_PAGE"],
        )
    except ValidationFailed as error:
        return render_template("public/search/index.html", found=None, error=error, **context), 400
    except SearchUnavailable as error:
        return render_template(
            "public/search/unavailable.html", message=error.message, **context
        ), 503
    return render_template(
        "public/search/index.html", found=found, active=search.active_filters(filters), **context
    )


@bp.context_processor
def search_helpers():
    """Links and labels the search templates use."""
    # Prefixed: the blueprint's templates share one namespace (consultations have their own kind_label).
    return {
        "search_link": link,
        "search_feed_url": feed_url,
        "search_kind_label": search.kind_label,
        "search_facet_name": search.facet_name,
        "search_clear_all": dict.fromkeys(FACETS),
    }
