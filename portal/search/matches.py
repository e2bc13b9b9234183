"""Whoosh's matches found, counted and ranked by the portal: Whoosh's results, without its matcher tree.

Why: Whoosh walks every match through a tree of matcher objects (several Python calls per document
per term, and a span object per position for phrases) to give the exact total and the facets that a
results page shows; a phrase with 27,000 matches took 1–3 s. Here each segment's posting lists are
read block by block (one unpickling per block of 128 postings), documents are intersected as Python
sets, and positions are decoded only for the documents holding every token of a phrase (one
unpickling per posting list). Scores are Whoosh's BM25F from the same weights, field lengths and
statistics, summed in the same order, so the ranking is Whoosh's.

Used for queries whose tokens are all whole (no lone character at a term's edge, which matches by
prefix and suffix) on an index with Whoosh's default codec and weighting; `find` returns None
otherwise and the caller uses Whoosh's own matchers. Nothing here runs at import.
"""

from itertools import accumulate, chain, compress, repeat
from operator import add, floordiv, getitem, methodcaller, mul, sub, truediv
from pickle import loads

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.scoring import BM25FScorer
from whoosh.util.numeric import byte_to_length

# Document and position in one integer (docnum * _STRIDE + position - offset), so that a phrase's
# positions are intersected as sets in C; positions stay far below 2**31.
_STRIDE = 1 << 32
# A Positions value is a 4-byte count, then a pickled (protocol 2) list of position deltas.
_PICKLE_HEADER = 6
_STOP = ord(".")


def supported(parsed):
    """True when every token of the query is whole: lone edge characters go through Whoosh's queries."""
    return all(
        not (token.open_left or token.open_right)
        for term in parsed.required + parsed.excluded
        for token in term.tokens
    )


class Statistics:
    """BM25F's per-term figures from the whole index (every segment), as Whoosh's scorer takes them."""

    def __init__(self, searcher):
        self.searcher = searcher
        self._terms = {}

    def term(self, field, text):
        """(idf, K1 + 1, the per-length-byte denominators of the field) or None when not BM25F."""
        key = (field, text)
        if key not in self._terms:
            scorer = self.searcher.weighting.scorer(self.searcher, field, text)
            if type(scorer) is not BM25FScorer:
                self._terms[key] = None
            else:
                self._terms[key] = (scorer.idf, scorer.K1 + 1, _norms(scorer))
        return self._terms[key]


def _norms(scorer):
    # The length-dependent half of Whoosh's bm25(), by length byte: the same operations in the same
    # order, so every score is bit for bit Whoosh's.
    B, K1, avgfl = scorer.B, scorer.K1, scorer.avgfl
    return [K1 * ((1 - B) + B * byte_to_length(byte) / avgfl) for byte in range(256)]


def find(searcher, parsed, lengths_of):
    """Per segment (leaf reader, docnum offset, {docnum: score}) for `parsed`, deleted documents left out.

    None when the index cannot be read this way (another codec or weighting): use Whoosh's matchers.
    `lengths_of(leaf, field)` gives the segment's length bytes of a field (cached by the caller).
    """
    stats = Statistics(searcher)
    out = []
    for leaf, offset in searcher.reader().leaf_readers():
        segment = _Segment(leaf, stats, lengths_of)
        matched = None
        for term in parsed.required:
            scores = segment.term(term)
            if scores is None:
                return None
            matched = scores if matched is None else _intersect(matched, scores)
            if not matched:
                break
        if matched:
            for term in parsed.excluded:
                scores = segment.term(term, score=False)
                if scores is None:
                    return None
                for docnum in scores:
                    matched.pop(docnum, None)
        if matched and leaf.has_deletions():
            for docnum in leaf.segment().deleted_docs():
                matched.pop(docnum, None)
        out.append((leaf, offset, matched or {}))
    return out


def _intersect(a, b):
    # And of two terms: the sum of both scores (IEEE addition of two numbers is commutative).
    if len(b) < len(a):
        a, b = b, a
    return {docnum: score + b[docnum] for docnum, score in a.items() if docnum in b}


class _Segment:
    """One segment's postings, read whole."""

    def __init__(self, leaf, stats, lengths_of):
        self.leaf = leaf
        self.stats = stats
        self.lengths_of = lengths_of

    def term(self, term, score=True):
        """{docnum: score} where the term matches in the title or the body (scores summed), or None."""
        texts = [token.text for token in term.tokens]
        title = self.field("title", texts, score)
        body = self.field("body", texts, score)
        if title is None or body is None:
            return None
        if len(title) > len(body):
            title, body = body, title
        # Or of the two fields: both scores summed where both match (a + b == b + a in IEEE).
        merged = dict(body)
        for docnum, value in title.items():
            merged[docnum] = merged[docnum] + value if docnum in merged else value
        return merged

    def field(self, field, texts, score):
        """{docnum: score} of the word or phrase `texts` in one field; None when it cannot be read."""
        leaf = self.leaf
        if field not in leaf.schema:
            return {}
        raw = [leaf.schema[field].to_bytes(text) for text in texts]
        if any((field, text) not in leaf for text in raw):
            return {}  # as Whoosh's Phrase and Term: a token absent from the segment matches nothing
        phrase = len(raw) > 1
        postings = []
        for text in raw:
            read = _postings(leaf, field, text, values=phrase)
            if read is None:
                return None
            postings.append(read)
        docs = _phrase_documents(postings) if phrase else postings[0][0]
        if not score:
            return dict.fromkeys(docs, 0.0)
        figures = [self.stats.term(field, text) for text in raw]
        if None in figures:
            return None
        # The length half of bm25() depends on the field only (B, K1, its average length).
        norms = list(
            map(figures[0][2].__getitem__, map(self.lengths_of(leaf, field).__getitem__, docs))
        )
        columns = []
        for (idf, k1p1, _norms), (ids, weights, _values) in zip(figures, postings, strict=True):
            if phrase:
                weights = list(map(dict(zip(ids, weights, strict=True)).__getitem__, docs))
            # idf * ((w * (K1 + 1)) / (w + norm)), Whoosh's bm25(), operation by operation.
            columns.append(
                list(
                    map(
                        mul,
                        repeat(idf),
                        map(truediv, map(mul, weights, repeat(k1p1)), map(add, weights, norms)),
                    )
                )
            )
        return dict(zip(docs, _tree_sums(columns), strict=True))


def _tree_sums(columns):
    # Whoosh's phrase matcher sums its terms' scores as a binary tree (make_binary_tree: halves,
    # left + right); floating-point addition is not associative, so the same tree is kept.
    if len(columns) == 1:
        return columns[0]
    half = len(columns) // 2
    return list(map(add, _tree_sums(columns[:half]), _tree_sums(columns[half:])))


def _phrase_documents(postings):
    """Sorted docnums where the tokens occur at consecutive positions.

    Written with C-level iterators (map, compress, accumulate) rather than Python loops: a phrase
    of six bigrams with 27,000 candidates decodes and checks 160,000 posting values per query.
    """
    candidates = set(postings[0][0])
    for ids, _weights, _values in postings[1:]:
        candidates.intersection_update(ids)
        if not candidates:
            return []
    decoded = []
    for offset, (ids, _weights, values) in enumerate(postings):
        wanted = list(map(candidates.__contains__, ids))
        lists = _positions(list(compress(values, wanted)))
        decoded.append((offset, list(compress(ids, wanted)), lists, list(map(sum, lists))))
    # Document and position as one integer, docnum * stride + position - offset, so that the
    # positions are intersected as sets in C; the stride exceeds every position, and is kept
    # small so that the keys stay small integers.
    stride = max(max(sums) for *_rest, sums in decoded) + len(postings) + 1
    starts = None
    for offset, docs, lists, sums in sorted(decoded, key=lambda item: len(item[1])):
        # One running sum over every document's deltas gives each position plus the deltas of
        # the documents before it; subtracting that (and adding the document's base) per document
        # turns it into the key.
        before = accumulate(sums, initial=offset)
        shifts = map(sub, map(mul, docs, repeat(stride)), before)
        keys = set(
            map(
                add,
                accumulate(chain.from_iterable(lists)),
                chain.from_iterable(map(repeat, shifts, map(len, lists))),
            )
        )
        starts = keys if starts is None else starts & keys
        if not starts:
            return []
    return sorted(set(map(floordiv, starts, repeat(stride))))


def _positions(values):
    """The position deltas of many Positions values, with one unpickling: a list of lists."""
    if not values:
        return []
    if all(map(methodcaller("endswith", b"."), values)):
        body = b"".join(map(getitem, values, repeat(slice(_PICKLE_HEADER, -1))))
    else:
        body = b"".join(
            v[_PICKLE_HEADER:-1] if v[-1] == _STOP else v[_PICKLE_HEADER:] for v in values
        )
    return loads(b"\x80\x02(" + body + b"l.")


def _postings(leaf, field, text, values):
    """(docnums, weights, values) of one term in one segment, deleted documents included; None if unreadable."""
    matcher = leaf.postings(field, text)
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child  # the deleted documents are removed from the final matches instead
    if type(matcher) is not W3LeafMatcher:
        return _postings_one_by_one(matcher, values)
    ids, weights, vals = [], [], []
    while matcher.is_active():
        matcher._read_data()
        data = matcher._data
        count = matcher._blocklength
        ids.extend(data[0] if matcher._byteids else accumulate(data[0]))
        if data[1] is None:
            weights.extend([1.0] * count)
        elif isinstance(data[1], float):
            weights.extend([data[1]] * count)
        else:
            weights.extend(data[1])
        if values:
            matcher._read_values()
            vals.extend(matcher._values)
        matcher._next_block()
    return ids, weights, vals


def _postings_one_by_one(matcher, values):
    ids, weights, vals = [], [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        if values:
            vals.append(matcher.value())
        matcher.next()
    return ids, weights, vals


def length_bytes(leaf, field):
    """The segment's field-length bytes, one per document (Whoosh's lossy length encoding)."""
    column = leaf._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    if column is None:
        return bytes(leaf.doc_count_all())
    return bytes(column)
