"""One page of a list, as every paged list of the portal (console, public pages, the API, feeds, search, audit)
hands it on.

There is one shape, `Page`: the items of the page, how many match in all, the page number (from 1) and the
page size. Lists read from the database are cut into pages one way, by `fetch`; search builds its pages from
the index's hits (`SearchPage` adds the query and the facets). What the public API calls these (the
parameters `page` and `per_page`, the keys `items`, `total`, `page`, `per_page`, and `results` for search)
is a contract of its own, written out by the API from a Page.

A neutral module: services and views of every domain import it, so it imports nothing of the portal.
"""

import math
from dataclasses import dataclass

import sqlalchemy as sa


@dataclass(frozen=True)
class Page:
    """One page of a list."""

    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self):
        """How many pages there are (at least 1)."""
        return max(1, math.ceil(self.total / self.per_page))


def fetch(session, query, page, per_page, *, order_by=(), options=(), columns=(), row=None):
    """Page `page` (from 1; less is 1) of `query`, a SELECT with its conditions but no order: counted as it is,
    then ordered by `order_by`, loaded with `options` and cut to `per_page` rows.

    With `columns`, each row is the query's entity and these columns (computed for the page's rows only),
    made into `row(*values)`; without, the items are the entities.
    """
    page = max(page or 1, 1)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    ordered = query.add_columns(*columns).order_by(*order_by).options(*options)
    ordered = ordered.limit(per_page).offset((page - 1) * per_page)
    if columns:
        items = [row(*values) for values in session.execute(ordered)]
    else:
        items = list(session.scalars(ordered))
    return Page(items, total, page, per_page)
