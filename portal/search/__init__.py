"""Full-text search over the portal's public content: the only package that knows the engine.

Callers use `open_or_create`, `rebuild`, `SearchIndex` (add_documents / update / delete /
keys / search) for the Whoosh engine, `PostgresIndex` (the same, plus `replace_all`) for the PostgreSQL
engine, and the dataclasses `Document`, `SearchResults`, `Hit`. `SearchUnavailable`
means "temporarily unavailable", `portal.errors.ValidationFailed` an unusable query.
Importing this package opens nothing and reads no configuration.
"""

from portal.search.documents import (
    FACETS,
    KINDS,
    REPORT_KIND,
    TASK_REPORT_KIND,
    Document,
    Hit,
    SearchResults,
    SearchUnavailable,
    make_key,
)
from portal.search.index import SearchIndex, open_or_create, rebuild
from portal.search.postgres import PostgresIndex
from portal.search.query import MAX_QUERY_LENGTH, parse_query

__all__ = [
    "FACETS",
    "KINDS",
    "MAX_QUERY_LENGTH",
    "PostgresIndex",
    "REPORT_KIND",
    "TASK_REPORT_KIND",
    "Document",
    "Hit",
    "SearchIndex",
    "SearchResults",
    "SearchUnavailable",
    "make_key",
    "open_or_create",
    "parse_query",
    "rebuild",
]
