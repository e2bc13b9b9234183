"""Highlighted snippets: the text is HTML-escaped first, then <mark> goes around the matches.

The matches are found on the normalised text (the same tokens the index holds) and traced back
to the original characters, so 大氣 in a document is marked when the query was 大气.
"""

from markupsafe import Markup, escape

from portal.search.analysis import normalise_with_offsets, scan

WIDTH = 160
LEAD = 30


def highlight(source, terms, width=WIDTH):
    """Safe HTML: up to `width` characters of `source` around the first match, matches marked."""
    source = source or ""
    spans = _merge(match_spans(source, terms))
    start = max(0, spans[0][0] - LEAD) if spans else 0
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
    # scan()'s plain tuples (text, start, end, is_cjk, …), not Tokens: building a Token per character
    # pair cost more than the matching, and a search page highlights twenty bodies.
    found = list(scan(normalised))
    spans = []
    for term in terms:
        wanted = term.tokens
        size = len(wanted)
        for i in range(len(found) - size + 1):
            # Most positions fail on the first token: test it before building the window.
            if not _matches(wanted[0], found[i]):
                continue
            window = found[i : i + size]
            if not all(_matches(q, d) for q, d in zip(wanted[1:], window[1:], strict=True)):
                continue
            begin = _edge_start(wanted[0], window[0])
            finish = _edge_end(wanted[-1], window[-1])
            spans.append((offsets[begin], offsets[finish - 1] + 1))
    return spans


def _matches(query_token, token):
    text, found = query_token.text, token[0]
    if found == text:
        return True
    if not (query_token.open_left or query_token.open_right) or len(found) != 2 or not token[3]:
        return False
    return (query_token.open_left and found[1] == text) or (
        query_token.open_right and found[0] == text
    )


def _edge_start(query_token, token):
    # A lone character matched inside a bigram: mark only that character.
    found, start = token[0], token[1]
    if (
        found != query_token.text
        and query_token.open_left
        and found[1] == query_token.text
        and not (query_token.open_right and found[0] == query_token.text)
    ):
        return start + 1
    return start


def _edge_end(query_token, token):
    found, start, end = token[0], token[1], token[2]
    if found != query_token.text and query_token.open_right and found[0] == query_token.text:
        return start + 1
    if found != query_token.text and query_token.open_left and found[1] == query_token.text:
        return end
    return end


def _merge(spans):
    merged = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged
