"""Highlighted snippets: the text is HTML-escaped first, then <mark> goes around the matches.

The matches are found on the normalised text (the same tokens the index holds) and traced back
to the original characters, so 大氣 in a document is marked when the query was 大气.
"""
from markupsafe import Markup, escape

from portal.search.analysis import normalise_with_offsets, tokens

WIDTH = 160
LEAD = 30


def highlight(source, terms, width=WIDTH):
    """Safe HTML: up to `width` characters of `source` around the first match, matches marked."""
    source = source or ""
    spans = _merge(match_spans(source, terms))
    if spans:
        start = max(0, spans[0][0] - LEAD)
    else:
        start = 0
    end = min(len(source), start + width)
    if end - start < width:
        start = max(0, end - width)
    parts = [Markup("…")] if start > 0 else []
    cursor = start
    for s, e in spans:
        s, e = max(s, start), min(e, end)
        if s >= e:
            continue
        parts.append(escape(source[cursor:s]))
        parts.append(Markup("<mark>") + escape(source[s:e]) + Markup("</mark>"))
        cursor = e
    parts.append(escape(source[cursor:end]))
    if end < len(source):
        parts.append(Markup("…"))
    return Markup("").join(parts)


def match_spans(source, terms):
    """(start, end) character spans of `source` where any of the query terms occurs."""
    normalised, offsets = normalise_with_offsets(source)
    found = tokens(normalised, normalised=True)
    spans = []
    for term in terms:
        wanted = term.tokens
        size = len(wanted)
        for i in range(len(found) - size + 1):
            window = found[i:i + size]
            if not all(_matches(q, d) for q, d in zip(wanted, window)):
                continue
            begin = _edge_start(wanted[0], window[0])
            finish = _edge_end(wanted[-1], window[-1])
            spans.append((offsets[begin], offsets[finish - 1] + 1))
    return spans


def _matches(query_token, token):
    text = query_token.text
    if token.text == text:
        return True
    if not (query_token.open_left or query_token.open_right) or len(token.text) != 2 or not token.cjk:
        return False
    return (query_token.open_left and token.text[1] == text) or (query_token.open_right and token.text[0] == text)


def _edge_start(query_token, token):
    # A lone character matched inside a bigram: mark only that character.
    if token.text != query_token.text and query_token.open_left and token.text[1] == query_token.text:
        if not (query_token.open_right and token.text[0] == query_token.text):
            return token.start + 1
    return token.start


def _edge_end(query_token, token):
    if token.text != query_token.text and query_token.open_right and token.text[0] == query_token.text:
        return token.start + 1
    if token.text != query_token.text and query_token.open_left and token.text[1] == query_token.text:
        return token.end
    return token.end


def _merge(spans):
    merged = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged
