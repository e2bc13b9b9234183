"""The user's query and search options, parsed and checked here, never by the engine's parser.

Syntax: whitespace separates terms, which must all match; `"…"` (or “…”, 「…」) keeps a phrase
with spaces together; a leading `-` excludes a term or phrase. Every term becomes the analyzer's
tokens at consecutive positions, so a term matches wherever its text occurs, ignoring
punctuation and spaces, in either script and either width. Whoosh's own QueryParser is not used:
it would read ASCII parentheses (兵团建设局(环保局)) and words like AND/OR as syntax.
"""

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _

from portal import numbers
from portal.errors import ValidationFailed
from portal.search.analysis import tokens
from portal.search.documents import FACETS, KINDS, MAX_PER_PAGE, SORTS

MAX_QUERY_LENGTH = 200
MAX_FILTER_LENGTH = 200
# After NFKC the full-width ＂ is already ASCII; Chinese and corner quotes are not.
_QUOTES = str.maketrans({c: '"' for c in "“”„‟「」『』〝〞"})
_ITEM = re.compile(r'(-?)(?:"([^"]*)"?|([^\s"]+))')


@dataclass(frozen=True)
class QueryToken:
    """A token of a term; `open_left`/`open_right` when it is a lone character at the term's edge.

    In a document that character may sit inside a longer run (查询 局 finds 设局), so it
    matches any token containing it on that side.
    """

    text: str
    open_left: bool = False
    open_right: bool = False


@dataclass(frozen=True)
class QueryTerm:
    """One term or quoted phrase: its text as typed (normalised) and its tokens in order."""

    text: str
    tokens: tuple


@dataclass(frozen=True)
class ParsedQuery:
    """The terms that must all match and those that must not."""

    text: str
    required: tuple
    excluded: tuple


@dataclass(frozen=True)
class SearchRequest:
    """A checked search: the parsed query, the filters (facet → allowed values), sort and page."""

    query: ParsedQuery
    filters: dict
    sort: str
    page: int
    per_page: int


def parse_query(text):
    """Split the user's query into required and excluded terms; raise ValidationFailed when unusable."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(_("Search: type a word or phrase to look for."), field="q")
    if len(text) > MAX_QUERY_LENGTH:
        raise ValidationFailed(
            _(
                "Search: at most %(n)s characters (yours has %(length)s). Use fewer or shorter words.",
                n=MAX_QUERY_LENGTH,
                length=len(text),
            ),
            field="q",
        )
    required, excluded = [], []
    folded = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    for match in _ITEM.finditer(folded):
        minus, phrase, word = match.groups()
        body = phrase if phrase is not None else word
        if minus and not body:
            continue
        term = _term(body)
        if term is not None:
            (excluded if minus else required).append(term)
    if not required:
        if excluded:
            raise ValidationFailed(
                _("Search: add a word to look for; a word starting with - only excludes."),
                field="q",
            )
        raise ValidationFailed(
            _(
                "Search: type letters, digits or Chinese characters; punctuation alone is not searched."
            ),
            field="q",
        )
    return ParsedQuery(text, tuple(required), tuple(excluded))


def _term(text):
    found = tokens(text)
    if not found:
        return None
    last = len(found) - 1
    out = []
    for index, token in enumerate(found):
        lone = token.cjk and len(token.text) == 1
        out.append(
            QueryToken(token.text, open_left=lone and index == 0, open_right=lone and index == last)
        )
    return QueryTerm(text, tuple(out))


def check_request(text, *, sort="relevance", page=1, per_page=20, **filters):
    """Parse the query and check every option; raise ValidationFailed naming the field at fault."""
    unknown = set(filters) - set(FACETS)
    if unknown:
        raise TypeError(f"unknown search filters: {sorted(unknown)}")
    checked = {}
    for name in FACETS:
        values = _values(filters.get(name))
        if name == "kind" and any(v not in KINDS for v in values):
            raise ValidationFailed(_("Choose the type of content from the list."), field="kind")
        if name == "year" and any(not (numbers.is_whole(v) and len(v) == 4) for v in values):
            raise ValidationFailed(
                _("Write the year with four digits, such as 2020."), field="year"
            )
        if any(len(v) > MAX_FILTER_LENGTH for v in values):
            raise ValidationFailed(_("The filter value is too long."), field=name)
        if values:
            checked[name] = values
    if sort not in SORTS:
        raise ValidationFailed(_("Sort the results by relevance or by date."), field="sort")
    page = _integer(page, "page", numbers.not_whole("page", 1, numbers.MAX_PAGE).message)
    per_page = _integer(
        per_page,
        "per_page",
        _("The number of results per page must be a whole number from 1 to 100."),
    )
    if per_page > MAX_PER_PAGE:
        raise ValidationFailed(
            _("The number of results per page must be a whole number from 1 to 100."),
            field="per_page",
        )
    return SearchRequest(parse_query(text), checked, sort, page, per_page)


def _values(value):
    if value is None or value == "":
        return ()
    if isinstance(value, (str, int)):
        value = (value,)
    return tuple(dict.fromkeys(str(v).strip() for v in value if str(v).strip()))


def _integer(value, field, message, high=numbers.MAX_PAGE):
    try:
        return numbers.whole(value, 1, high)
    except ValueError:
        raise ValidationFailed(message, field=field) from None
