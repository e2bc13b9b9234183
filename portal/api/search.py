"""/api/v1/search: the portal's search as JSON (the same service as the /search page)."""

from flask import current_app, request

from portal.api import bp
from portal.search import FACETS
from portal.services import search
from portal.urls import public_root


def as_json(found, root):
    """A SearchPage as JSON; result URLs made absolute with `root` (the site's address, no trailing slash)."""
    return {
        "query": found.query,
        "total": found.total,
        "page": found.page,
        "per_page": found.per_page,
        "facets": {
            name: [{"value": f.value, "label": f.label, "count": f.count} for f in values]
            for name, values in found.facets.items()
        },
        "results": [
            {
                "kind": r.kind,
                "id": r.id,
                "title": r.title,
                "url": root + r.url,
                "snippet": str(r.snippet),
                "date": r.date.isoformat() if r.date else None,
                "score": r.score,
            }
            for r in found.items
        ],
    }


@bp.get("/search", endpoint="search")
def search_results():
    """Public documents matching q, filtered by kind, unit, report and disclosure category, area and year (each
    repeatable), by page."""
    args = request.args
    found = search.search(
        current_app.config,
        args.get("q", ""),
        **{name: args.getlist(name) for name in FACETS},
        sort=args.get("sort") or "relevance",
        page=args.get("page") or 1,
        per_page=args.get("per_page") or 20,
    )
    return as_json(found, public_root())
