"""/feeds/search.atom: a saved search a journalist subscribes to, its newest matches first.

The same query and filters as the search page (q, kind, unit, category, disclosure_category, area, year, each filter
repeatable); `sort` and `page` are ignored: a feed is always the newest FEED_LENGTH matches by date.
A document's entry id is the address of its page, so it stays the same from one reading to the next.
"""

from datetime import datetime, time
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import current_app, request
from flask_babel import gettext as _
from markupsafe import Markup

from portal.feeds import atom, bp
from portal.search import FACETS
from portal.services import search as searching
from portal.urls import absolute_url, public_root

FEED_LENGTH = 50


def _options():
    """(q, {facet: [values]}) from the query string, blanks dropped."""
    filters = {
        name: [v.strip() for v in request.args.getlist(name) if v.strip()] for name in FACETS
    }
    return request.args.get("q", "").strip(), {
        name: values for name, values in filters.items() if values
    }


def _moment(day):
    """A result's day as the start of that day in the portal's time zone (search knows days, not times)."""
    if day is None:
        return atom.EPOCH
    return datetime.combine(day, time(), ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))


def entry(result, root):
    """The feed entry of one search result: its highlighted snippet as escaped HTML, and as plain text."""
    page = root + result.url
    # The search module escapes snippets and adds only <mark>.
    snippet = Markup(result.snippet)  # nosec B704
    # Feed readers drop <mark> (feedparser's sanitiser does) but keep <strong>: the matches stay visible.
    content = str(snippet).replace("<mark>", "<strong>").replace("</mark>", "</strong>")
    return atom.Entry(
        id=page,
        title=result.title,
        url=page,
        updated=_moment(result.date),
        summary=snippet.striptags() or result.title,
        content_html=content,
        categories=((result.kind, searching.kind_label(result.kind)),),
    )


@bp.get("/search.atom")
def search_atom():
    """The newest matches of a saved search; an unusable query is a 400 with a message saying why."""
    q, filters = _options()
    found = searching.search(
        current_app.config, q, **filters, sort="date", page=1, per_page=FEED_LENGTH
    )
    arguments = [("q", q)] + [(name, value) for name, values in filters.items() for value in values]
    self_url = f"{absolute_url('feeds.search_atom')}?{urlencode(arguments)}"
    alternate = f"{absolute_url('public.search')}?{urlencode(arguments)}"
    root = public_root()
    body = atom.document(
        self_url,
        _("Search: %(query)s", query=q),
        self_url,
        alternate,
        [entry(r, root) for r in found.items],
    )
    return atom.response(body)
