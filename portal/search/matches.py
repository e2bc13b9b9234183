"""Whoosh's matches found, counted and ranked by the portal: Whoosh's results, without its matcher tree.

Why: Whoosh walks every match through a tree of matcher objects (several Python calls per document
per term, and a span object per position for phrases) to give the exact total and the facets that a
results page shows; a phrase with 27,000 matches took 1–3 s. Here each segment's posting list is
read in one piece and unpickled block by block (128 postings a block), documents are intersected as
Python sets, and positions are decoded only for the documents holding every token of a phrase (one
unpickling per token) and checked with C-level iterators. Scores are Whoosh's BM25F from the same weights, field lengths and
statistics, summed in the same order, so the ranking is Whoosh's.

Used for queries whose tokens are all whole (no lone character at a term's edge, which matches by
prefix and suffix) on an index with Whoosh's default codec and weighting; `find` returns None
otherwise and the caller uses Whoosh's own matchers. Nothing here runs at import.
"""

import gc
import threading
import zlib
from contextlib import contextmanager
from io import BytesIO
from itertools import accumulate, chain, compress, repeat
from operator import add, floordiv, getitem, methodcaller, mul, sub, truediv

# Whoosh stores postings pickled; these are the portal's own index files, never data from a request.
from pickle import load, loads  # nosec B403
from struct import Struct

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.formats import Positions
from whoosh.matching.wrappers import FilterMatcher
from whoosh.scoring import BM25FScorer
from whoosh.util.numeric import byte_to_length

from portal.search.codec import POSITION_SIZE, PackedPositions, unpack_positions

# A Positions value is a 4-byte count, then a pickled (protocol 2) list of position deltas.
_PICKLE_HEADER = 6
_STOP = ord(".")
_INT_SIZE = 4
_BLOCK_LENGTH = Struct("!i")


_PAUSE = threading.Lock()
_PAUSED = {"searches": 0, "was_enabled": False}


@contextmanager
def collector_paused():
    """Hold the cyclic garbage collector off while a search runs; it resumes when the last search ends.

    A phrase over 100,000 documents makes some 150,000 short-lived lists: every 700 allocations start a
    collection, and the older ones walk every object of the process (the whole corpus in a benchmark,
    the app in a worker), which took a third of such a query. Reference counting still frees the
    search's objects as it goes; only cycles wait for the collector's return.
    """
    with _PAUSE:
        if _PAUSED["searches"] == 0:
            _PAUSED["was_enabled"] = gc.isenabled()
            gc.disable()
        _PAUSED["searches"] += 1
    try:
        yield
    finally:
        with _PAUSE:
            _PAUSED["searches"] -= 1
            if _PAUSED["searches"] == 0 and _PAUSED["was_enabled"]:
                gc.enable()


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
        packed = type(leaf.schema[field].format) is PackedPositions
        if phrase and not packed and type(leaf.schema[field].format) is not Positions:
            return None
        postings = []
        for text in raw:
            read = _postings(leaf, field, text, values=phrase)
            if read is None:
                return None
            postings.append(read)
        if phrase:
            docs, weights_of = _phrase_documents(postings, packed)
            if not docs:
                return {}
        else:
            docs, weights_of = postings[0][0], [postings[0][1]]
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
        for (idf, k1p1, _norms), weights in zip(figures, weights_of, strict=True):
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


def _phrase_documents(postings, packed):
    """(sorted docnums where the tokens occur at consecutive positions, each token's weights in them).

    Written with C-level iterators (map, compress, accumulate) rather than Python loops: a phrase
    of six bigrams with 27,000 candidates decodes and checks 160,000 posting values per query.
    `packed`: the values are the portal's PackedPositions (else Whoosh's Positions).
    """
    candidates = set(postings[0][0])
    for ids, _weights, _values in postings[1:]:
        candidates.intersection_update(ids)
        if not candidates:
            return [], []
    docs = None
    weights = []
    decoded = []
    for offset, (ids, token_weights, values) in enumerate(postings):
        wanted = list(map(candidates.__contains__, ids))
        if docs is None:
            docs = list(compress(ids, wanted))  # the same for every token: ids ascend
        weights.append(list(compress(token_weights, wanted)))
        selected = list(compress(values, wanted))
        if packed:
            # Every candidate's positions in one array: their values joined. Per-document counts
            # are needed only where some document holds the token more than once.
            flat = unpack_positions(b"".join(selected))
            counts = (
                None
                if len(flat) == len(docs)
                else list(map(floordiv, map(len, selected), repeat(POSITION_SIZE)))
            )
            decoded.append((offset, flat, counts, max(flat)))
        else:
            lists = _positions(selected)
            sums = list(map(sum, lists))
            decoded.append((offset, lists, sums, max(sums)))
    # Document and position as one integer, docnum * stride + position - offset, so that the
    # positions are intersected as sets in C; the stride exceeds every position, and is kept
    # small so that the keys stay small integers.
    stride = max(item[-1] for item in decoded) + len(postings) + 1
    scaled = list(map(mul, docs, repeat(stride)))
    starts = None
    # The token with the fewest positions first: the others are only tested against its set.
    for offset, positions, per_document, _top in sorted(decoded, key=lambda item: len(item[1])):
        bases = map(sub, scaled, repeat(offset))
        if not packed:
            # Deltas: one running sum over every document's deltas gives each position plus the
            # deltas of the documents before it; subtracting that per document gives the key.
            shifts = map(sub, bases, accumulate(per_document, initial=0))
            keys = map(
                add,
                accumulate(chain.from_iterable(positions)),
                chain.from_iterable(map(repeat, shifts, map(len, positions))),
            )
        elif per_document is None:
            keys = map(add, positions, bases)  # one position per document
        else:
            keys = map(add, positions, chain.from_iterable(map(repeat, bases, per_document)))
        starts = set(keys) if starts is None else starts.intersection(keys)
        if not starts:
            return [], []
    found = set(map(floordiv, starts, repeat(stride)))
    if len(found) == len(docs):
        return docs, weights
    kept = list(map(found.__contains__, docs))
    return list(compress(docs, kept)), [list(compress(column, kept)) for column in weights]


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
    return loads(b"\x80\x02(" + body + b"l.")  # nosec B301


def _postings(leaf, field, text, values):
    """(docnums, weights, values) of one term in one segment, deleted documents included; None if unreadable."""
    matcher = leaf.postings(field, text)
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child  # the deleted documents are removed from the final matches instead
    if type(matcher) is not W3LeafMatcher:
        return _postings_one_by_one(matcher, values)
    blocks = _blocks(matcher)
    if blocks is None:
        blocks = _blocks_one_by_one(matcher)
    ids, weights, vals = [], [], []
    for count, (block_ids, block_weights, block_values) in blocks:
        ids.extend(block_ids if matcher._byteids else accumulate(block_ids))
        if block_weights is None:
            weights.extend(repeat(1.0, count))
        elif isinstance(block_weights, float):
            weights.extend(repeat(block_weights, count))
        else:
            weights.extend(block_weights)
        if values:
            vals.extend(block_values)
    return ids, weights, vals


def _blocks(matcher):
    """[(posting count, (ids, weights, values))] of each block of a W3LeafMatcher's posting list, or None.

    The list is read from the postings file in one piece and its blocks cut in memory, where
    W3LeafMatcher seeks and reads three times per block: a 4-byte header, then per block its signed
    length (negative for the last block), the pickled block info, and the block's data
    (zlib-compressed when the info says so). None when the extent does not hold the whole list.
    """
    length = matcher._length
    length = length[0] if isinstance(length, tuple) else length  # Whoosh keeps it as a 1-tuple
    raw = matcher._postfile.get(matcher._startoffset, length)
    stream = BytesIO(raw)
    position = _INT_SIZE  # the posting list's header tag
    blocks = []
    while True:
        if position + _INT_SIZE > len(raw):
            return None
        (size,) = _BLOCK_LENGTH.unpack_from(raw, position)
        end = position + _INT_SIZE + abs(size)
        if end > len(raw):
            return None
        stream.seek(position + _INT_SIZE)
        count, _maxid, _maxweight, compression, _minlength, _maxlength = load(stream)  # nosec B301
        data = raw[stream.tell() : end]
        blocks.append((count, loads(zlib.decompress(data) if compression else data)))  # nosec B301
        if size < 0:
            return blocks
        position = end


def _blocks_one_by_one(matcher):
    """The same blocks read through the matcher, one seek at a time."""
    while matcher.is_active():
        matcher._read_data()
        yield matcher._blocklength, matcher._data
        matcher._next_block()


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
