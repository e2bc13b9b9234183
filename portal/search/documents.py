"""What goes into the index and what comes out of a search: plain dataclasses, no engine."""

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import gettext as _

from portal.errors import DomainError
from portal.pagination import Page

# A report's document kind is "case": a public contract name (the search API's `kind`, the `kind=` parameter of
# search pages and saved-search feeds, the keys of a built index), kept while the portal says "report" elsewhere.
REPORT_KIND = "case"
# A task implementation report (落实情况) of a lead unit, linked to its place on /tasks/<task id>.
TASK_REPORT_KIND = "task_report"
KINDS = ("measure", "task", "disclosure", "consultation", "comment", REPORT_KIND, TASK_REPORT_KIND)
FACETS = ("kind", "unit", "category", "disclosure_category", "area", "year")
SORTS = ("relevance", "date")
MAX_PER_PAGE = 100
SNIPPET_SOURCE_LIMIT = 4000


class SearchUnavailable(DomainError):
    """The index is missing, locked by another writer, or being replaced: try again later."""

    status = 503
    code = "search_unavailable"

    def __init__(self, reason=""):
        super().__init__(_("Search is temporarily unavailable. Please try again in a few minutes."))
        # Why, for the log: never shown to users.
        self.reason = reason


@dataclass(frozen=True)
class Document:
    """One searchable thing. Only public fields belong here: the index is public by construction.

    `unit` and `category` may hold several values (a task has several units); `area` and
    `disclosure_category` are one value; `year` defaults to the date's year; `snippet` defaults to `body`.
    `category` is a report's category (on closed reports), `disclosure_category` a disclosure's: two lists
    of codes (both have "other"), so two facets.
    """

    kind: str
    id: str
    title: str
    body: str = ""
    url: str = ""
    date: dt.date | dt.datetime | None = None
    unit: tuple = ()
    category: tuple = ()
    disclosure_category: str | None = None
    area: str | None = None
    year: int | None = None
    snippet: str | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown document kind {self.kind!r}; expected one of {KINDS}")
        object.__setattr__(self, "id", str(self.id))
        for name in ("unit", "category"):
            value = getattr(self, name)
            values = (value,) if isinstance(value, str) else tuple(value or ())
            if any("\x1f" in v for v in values):
                raise ValueError(f"{name} values may not contain the unit separator: {values!r}")
            object.__setattr__(self, name, tuple(v for v in values if v))
        if self.year is None and self.date is not None:
            object.__setattr__(self, "year", self.date.year)

    @property
    def key(self):
        """The index's unique key, `kind:id`, which the database side compares for drift."""
        return f"{self.kind}:{self.id}"

    @property
    def snippet_source(self):
        """The text snippets are cut from, bounded so that the index stays small."""
        text = self.body if self.snippet is None else self.snippet
        return text[:SNIPPET_SOURCE_LIMIT]


def make_key(kind, id):
    """The key `kind:id` of a document, for `delete`."""
    return f"{kind}:{id}"


@dataclass(frozen=True)
class Hit:
    """One result: `snippet` is safe HTML (escaped text with <mark> around the matches)."""

    kind: str
    id: str
    title: str
    url: str
    snippet: str
    date: dt.date | None
    score: float | None


@dataclass(frozen=True)
class SearchResults(Page):
    """One page of hits (`items`), with the query as read and facet counts over every match, not just the page."""

    query: str = ""
    facets: dict = field(default_factory=dict)
