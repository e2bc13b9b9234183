"""The module that talks to Whoosh: schema, index directory, writes, rebuild and search.

Everything else in the portal goes through the functions and `SearchIndex` here, so another
engine can replace Whoosh by rewriting this module alone (with `matches.py`, its reading of a
query's matches, which only this module calls, and `codec.py`, the index format it writes).
Nothing here runs at import.

Directory layout, and why: `path` (e.g. instance/search) is a symbolic link to a sibling
directory `<name>.<stamp>-<random>` that holds the Whoosh files. `rebuild` fills a new sibling,
then points the link at it with `os.replace` of a freshly made link, which rename(2) makes
atomic on Linux: a reader resolves either the old directory or the new one, never a half-built
or missing one. The old directory is deleted afterwards; processes that still have its files
open keep reading them (Linux frees unlinked files on last close), and at worst hit a
FileNotFoundError once, which `search` retries. An index written by hand as a plain directory
is moved aside by a rename first: the only moment `path` is absent, once, on the first rebuild.

Writers always lock and write the resolved directory, never the link, and check after taking
the lock that the link still points there: a writer that waited through a rebuild retries on the
new directory instead of writing into the deleted one.
"""

import datetime as dt
import fcntl
import heapq
import logging
import os
import re
import secrets
import shutil
import threading
import time
from collections import Counter, OrderedDict
from contextlib import contextmanager, suppress
from itertools import chain, repeat
from operator import add, neg

from whoosh import collectors, fields, index, sorting
from whoosh import query as wq
from whoosh.analysis import RegexTokenizer, Token, Tokenizer
from whoosh.index import LockError

from portal.search import matches
from portal.search.analysis import normalise, scan
from portal.search.codec import PackedPositions, PortalCodec
from portal.search.documents import FACETS, Document, Hit, SearchResults, SearchUnavailable
from portal.search.query import check_request
from portal.search.snippets import highlight

log = logging.getLogger(__name__)

TITLE_BOOST = 3.0
WRITE_TIMEOUT = 30.0
WRITE_DELAY = 0.05
# Segments as separate files, not one compound file: Whoosh copies each part of a compound segment into
# the memory of every process that reads it (on top of mapping the file), which for a 20,000-document index
# was ~45 MiB of heap plus ~45 MiB of mapped file per gunicorn worker; separate files are read on demand
# through the kernel's page cache, which the workers share.
COMPOUND = False
# The rebuild's in-memory pool of postings before Whoosh spills a sorted run to disk: 128 MB (as Whoosh
# counts it) made the rebuild of 100,000 documents grow by ~490 MiB; 32 MB grew by 53 MiB instead of
# 167 MiB at 20,000 documents, for a build 10 % longer (bench/README.md, search).
REBUILD_POOL_MB = 32
_TEXT_FIELDS = ("title", "body")
# What `outdated` names when the index, or part of it, is in Whoosh's own format rather than the portal's.
CURRENT_FORMAT = "the current index format"
_STAMP = "%Y%m%d%H%M%S"
_SEPARATOR = "\x1f"
_SEPARATED = r"[^\x1f]+"


class BigramTokenizer(Tokenizer):
    """Whoosh's face of `portal.search.analysis.scan`: normalised text → bigrams and words."""

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        """Yield Whoosh tokens for `value` (one reused Token object, as Whoosh expects)."""
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost, token.stopped = 1.0, False
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        for position, (text, start, end, *_) in enumerate(scan(normalise(value)), start_pos):
            token.text = text
            token.boost, token.stopped = 1.0, False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = position
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


def schema():
    """The index's fields: text for matching, keywords for facets, stored values for the results."""

    def text(boost=1.0, stored=False):
        field = fields.TEXT(
            analyzer=BigramTokenizer(), phrase=True, field_boost=boost, stored=stored
        )
        field.format = PackedPositions(field_boost=boost)  # Whoosh's Positions, packed (codec.py)
        return field

    def facet(multi):
        if multi:
            keyword = fields.KEYWORD(stored=True, scorable=False)
            keyword.analyzer = RegexTokenizer(_SEPARATED)  # values may contain commas and spaces
            return keyword
        return fields.ID(stored=True, sortable=True)

    return fields.Schema(
        key=fields.ID(unique=True, stored=True, sortable=True),
        kind=facet(False),
        id=fields.ID(stored=True),
        title=text(TITLE_BOOST, stored=True),
        body=text(),
        url=fields.STORED(),
        date=fields.DATETIME(stored=True),
        # YYYYMMDDhhmmss, 0 when undated: sorting newest first puts undated documents last.
        newest=fields.NUMERIC(int, bits=64, sortable=True),
        unit=facet(True),
        category=facet(True),
        disclosure_category=facet(False),
        area=facet(False),
        year=facet(False),
        snippet=fields.STORED(),
    )


def _fields(document, known):
    """A Document as Whoosh field values, for the fields the index's schema `known` has.

    An index built by an older version lacks newer fields: the rest is written until a rebuild adds them.
    """
    values = dict(
        key=document.key,
        kind=document.kind,
        id=document.id,
        title=document.title,
        body=document.body or "",
        url=document.url or "",
        snippet=document.snippet_source,
        unit=_SEPARATOR.join(document.unit),
        category=_SEPARATOR.join(document.category),
    )
    if document.area:
        values["area"] = document.area
    if document.disclosure_category:
        values["disclosure_category"] = document.disclosure_category
    if document.year is not None:
        values["year"] = str(document.year)
    values["newest"] = 0
    if document.date is not None:
        value = document.date
        value = (
            value
            if isinstance(value, dt.datetime)
            else dt.datetime(value.year, value.month, value.day)
        )
        values["date"] = value
        values["newest"] = int(value.strftime("%Y%m%d%H%M%S"))
    return {name: value for name, value in values.items() if name in known}


# --- the directory -------------------------------------------------------------------------------


def _siblings(path):
    parent, name = os.path.split(os.path.abspath(path))
    return parent, name


def _new_directory(path):
    parent, name = _siblings(path)
    stamp = dt.datetime.now().strftime(_STAMP)
    directory = os.path.join(parent, f"{name}.{stamp}-{secrets.token_hex(4)}")
    os.makedirs(directory)
    return directory


@contextmanager
def _layout_lock(path, wait):
    """Serialise rebuilds and first creation between processes; SearchUnavailable if busy."""
    parent, name = _siblings(path)
    os.makedirs(parent, exist_ok=True)
    with open(os.path.join(parent, f".{name}.rebuild.lock"), "a+") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise SearchUnavailable("a rebuild of the search index is running") from None
                time.sleep(0.05)
        yield


def _point(path, directory):
    """Make `path` a link to `directory` atomically (see the module docstring); return what it replaced."""
    parent, name = _siblings(path)
    link = os.path.join(parent, f".{name}.link-{secrets.token_hex(4)}")
    os.symlink(os.path.basename(directory), link)
    moved = None
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            if os.listdir(path) and not index.exists_in(path):
                raise SearchUnavailable(
                    f"{path} is a directory that holds no search index; not replacing it"
                )
            moved = os.path.join(
                parent, f"{name}.{dt.datetime.now().strftime(_STAMP)}-plain-{secrets.token_hex(4)}"
            )
            os.rename(path, moved)
        os.replace(link, path)
    except BaseException:
        if os.path.lexists(link):
            os.unlink(link)
        raise
    _fsync_directory(parent)
    return moved


def _fsync_directory(directory):
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _open(path):
    """The Whoosh index behind `path` and its real directory; SearchUnavailable when there is none.

    FileNotFoundError passes through for `_retrying`: it is the race with a commit or a swap.
    """
    for _attempt in range(2):
        real = os.path.realpath(path)
        if not os.path.isdir(real):
            raise SearchUnavailable(f"no search index at {path}")
        try:
            return index.open_dir(real), real
        except index.EmptyIndexError as error:
            if os.path.realpath(path) != real:
                continue  # the directory was swapped out and is being deleted: take the new one
            raise SearchUnavailable(f"no search index at {path}") from error
        except FileNotFoundError:
            raise
        except (index.IndexVersionError, OSError, ImportError, AttributeError, EOFError) as error:
            raise SearchUnavailable(f"cannot open the search index at {path}: {error!r}") from error
    raise SearchUnavailable(f"search index at {path} is being replaced")


def _retrying(operation, path):
    """Run `operation`, once more on the FileNotFoundError a concurrent commit or swap can cause."""
    try:
        return operation()
    except FileNotFoundError:
        log.info("search index at %s changed under a reader; retrying once", path)
    try:
        return operation()
    except FileNotFoundError as error:
        raise SearchUnavailable(f"search index at {path} keeps changing: {error!r}") from error


# --- public API ----------------------------------------------------------------------------------


def open_or_create(path, **options):
    """The SearchIndex at `path`, creating an empty index (and the link layout) when there is none."""
    if not _exists(path):
        # Only creation takes the layout lock, so opening never waits for a running rebuild.
        with _layout_lock(path, wait=WRITE_TIMEOUT):
            if not _exists(path):
                if os.path.isdir(path) and not os.path.islink(path):
                    if os.listdir(path):
                        raise SearchUnavailable(
                            f"{path} is a directory that holds no search index; not replacing it"
                        )
                    os.rmdir(path)
                directory = _new_directory(path)
                index.create_in(directory, schema())
                _point(path, directory)
    return SearchIndex(path, **options)


def _exists(path):
    real = os.path.realpath(path)
    return os.path.isdir(real) and index.exists_in(real)


def rebuild(path, documents, progress=None, timeout=WRITE_TIMEOUT, hold_writes=True):
    """Index `documents` into a new sibling directory, swap `path` to it atomically; return the count.

    While it runs, the current index stays searchable; with `hold_writes` its write lock is held,
    so other writers wait and then get SearchUnavailable (their outbox rows stay for later)
    instead of writing into a directory about to be dropped. `documents` is read only once the
    lock is held, so it sees every change that reached the old index. `progress(n)` is called
    with the number of documents added since the previous call (click's `bar.update`).
    """
    with _layout_lock(path, wait=0):
        held = _hold_writer(path, timeout) if hold_writes else None
        directory = _new_directory(path)
        try:
            count = _fill(directory, documents, progress)
            old = os.path.realpath(path) if os.path.islink(path) else None
            moved = _point(path, directory)
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            _release(held)
            raise
        # Delete before releasing the lock: a writer that then gets it finds its directory gone
        # (or the link moved) and retries on the new index rather than writing into the old one.
        for stale in filter(None, (old, moved)):
            if stale != directory:
                shutil.rmtree(stale, ignore_errors=True)
        _release(held)
        _remove_leftovers(path, keep=directory)
    return count


def _hold_writer(path, timeout):
    try:
        ix, _real = _open(path)
    except (SearchUnavailable, FileNotFoundError):
        return None
    try:
        return ix.writer(timeout=timeout, delay=WRITE_DELAY)
    except LockError:
        raise SearchUnavailable("the search index is locked by another writer") from None


def _release(writer):
    if writer is None:
        return
    try:
        writer.cancel()
    except OSError:
        # Its directory was just deleted: the lock file descriptor is closed all the same.
        lock = getattr(writer, "writelock", None)
        if lock is not None and getattr(lock, "fd", None) is not None:
            lock.release()


def _fill(directory, documents, progress):
    ix = index.create_in(directory, schema())
    writer = ix.writer(limitmb=REBUILD_POOL_MB, compound=COMPOUND, codec=PortalCodec())
    count = pending = 0
    try:
        for document in documents:
            writer.add_document(**_fields(document, ix.schema))
            count += 1
            pending += 1
            if progress is not None and pending >= 100:
                progress(pending)
                pending = 0
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    if progress is not None and pending:
        progress(pending)
    return count


def _remove_leftovers(path, keep):
    """Sibling directories of crashed rebuilds (the rebuild lock is held, so none is in use)."""
    parent, name = _siblings(path)
    current = os.path.realpath(path)
    ours = re.compile(rf"{re.escape(name)}\.\d{{14}}-(plain-)?[0-9a-f]{{8}}")
    for entry in os.listdir(parent):
        candidate = os.path.join(parent, entry)
        if (
            ours.fullmatch(entry)
            and os.path.isdir(candidate)
            and not os.path.islink(candidate)
            and candidate not in (keep, current)
        ):
            shutil.rmtree(candidate, ignore_errors=True)


_LOCAL = threading.local()
_SEARCHERS_PER_THREAD = 4


def _searcher(path):
    """A searcher on the index at `path`, kept by this thread and refreshed when the index changes.

    Opening a searcher reads every segment's offsets (O(documents)); reusing it saves that on
    each query. The link is resolved each time, so a rebuilt index is picked up at once.
    """
    cache = _LOCAL.__dict__.setdefault("searchers", OrderedDict())
    real = os.path.realpath(path)
    entry = cache.pop(path, None)
    searcher = None
    if entry is not None:
        cached_real, searcher = entry
        if cached_real == real:
            searcher = searcher.refresh()
        else:
            _close_quietly(searcher)
            searcher = None
    if searcher is None:
        ix, real = _open(path)
        searcher = ix.searcher()
    if entry is None or searcher is not entry[1]:
        _forget_facets(path, searcher)
        _warn_if_older_format(path, real, searcher)
    cache[path] = (real, searcher)
    while len(cache) > _SEARCHERS_PER_THREAD:
        _close_quietly(cache.popitem(last=False)[1][1])
    return searcher


_WARNED = set()


def _older_format(schema_, segments):
    """True when the text fields or any segment are in Whoosh's own format, not the portal's (codec.py).

    Such an index still answers every search exactly, through slower reading: `portal reindex` rebuilds it.
    """
    if any(
        type(schema_[name].format) is not PackedPositions
        for name in _TEXT_FIELDS
        if name in schema_
    ):
        return True
    return any(type(segment.codec()) is not PortalCodec for segment in segments)


def _warn_if_older_format(path, real, searcher):
    """Log once per index directory and process that it was built in an older format, and what to do."""
    if real in _WARNED:
        return
    segments = [leaf.segment() for leaf, _offset in searcher.reader().leaf_readers()]
    if _older_format(searcher.schema, [s for s in segments if s is not None]):
        _WARNED.add(real)
        log.warning(
            "the search index at %s was built in an older format: searches answer correctly but "
            "slower; rebuild it with `flask --app wsgi portal reindex`",
            path,
        )


def _forget_searcher(path):
    entry = _LOCAL.__dict__.get("searchers", {}).pop(path, None)
    if entry is not None:
        _close_quietly(entry[1])


def _close_quietly(searcher):
    with suppress(OSError):
        searcher.close()


class SearchIndex:
    """The index at `path` (the link). Opens nothing until used; every call opens what it needs."""

    def __init__(self, path, timeout=WRITE_TIMEOUT, delay=WRITE_DELAY):
        self.path = path
        self.timeout = timeout
        self.delay = delay

    def __repr__(self):
        return f"SearchIndex({self.path!r})"

    # writes

    def add_documents(self, documents):
        """Add or replace (by key) `documents`; SearchUnavailable when missing or locked past the timeout."""
        documents = list(documents)
        with self._writer() as writer:
            for document in documents:
                writer.update_document(**_fields(document, writer.schema))
        return len(documents)

    def update(self, documents):
        """Replace `documents` by key (the same as add_documents: every write is an upsert)."""
        return self.add_documents(documents)

    def delete(self, keys):
        """Remove the documents with these `kind:id` keys; unknown keys are ignored."""
        keys = list(keys)
        with self._writer() as writer:
            for key in keys:
                writer.delete_by_term("key", key)
        return len(keys)

    @contextmanager
    def _writer(self):
        writer = self._acquire()
        try:
            yield writer
        except BaseException:
            writer.cancel()
            raise
        try:
            writer.commit()
        except FileNotFoundError as error:
            # The directory was swapped away mid-write: nothing was committed anywhere.
            raise SearchUnavailable(
                f"search index at {self.path} was replaced during a write"
            ) from error

    def _acquire(self):
        for _attempt in range(3):
            ix, real = _retrying(lambda: _open(self.path), self.path)
            try:
                writer = ix.writer(
                    timeout=self.timeout, delay=self.delay, compound=COMPOUND, codec=PortalCodec()
                )
            except LockError:
                raise SearchUnavailable(
                    f"search index at {self.path} locked for {self.timeout}s"
                ) from None
            except FileNotFoundError:
                continue
            if os.path.realpath(self.path) == real and os.path.isdir(real):
                return writer
            _release(writer)  # a rebuild swapped the index while we waited
        raise SearchUnavailable(f"search index at {self.path} is being replaced")

    # reads

    def keys(self):
        """Every `kind:id` in the index, to compare with the database for drift."""

        def read():
            ix, _real = _open(self.path)
            with ix.searcher() as searcher:
                reader = searcher.reader()
                if reader.doc_count_all() == 0:
                    return set()
                column = reader.column_reader("key")
                return {column[docnum] for docnum in reader.all_doc_ids()}

        return _retrying(read, self.path)

    def count(self):
        """How many documents the index holds."""

        def read():
            ix, _real = _open(self.path)
            return ix.doc_count()

        return _retrying(read, self.path)

    def missing_fields(self):
        """Fields of the current schema that the index lacks (built by an older version: rebuild it)."""

        def read():
            ix, _real = _open(self.path)
            return sorted(set(schema().names()) - set(ix.schema.names()))

        return _retrying(read, self.path)

    def outdated(self):
        """What an index built by an older version lacks: today's fields, and today's format (rebuild it)."""

        def read():
            ix, _real = _open(self.path)
            missing = sorted(set(schema().names()) - set(ix.schema.names()))
            return missing + ([CURRENT_FORMAT] if _older_format(ix.schema, ix._segments()) else [])

        return _retrying(read, self.path)

    def search(self, q, *, sort="relevance", page=1, per_page=20, **filters):
        """One page of matches for the user's query `q`, with facet counts over every match.

        Filters (kind, unit, category, disclosure_category, area, year) take one value or several (any of them).
        Raises ValidationFailed for an unusable query or option, SearchUnavailable when the
        index cannot be read.
        """
        request = check_request(q, sort=sort, page=page, per_page=per_page, **filters)
        return _retrying(lambda: self._search(request), self.path)

    def _search(self, request):
        try:
            return self._search_with(_searcher(self.path), request)
        except BaseException:
            _forget_searcher(self.path)  # never reuse a searcher that failed
            raise

    def _search_with(self, searcher, request):
        if matches.supported(request.query):
            with matches.collector_paused():
                found = matches.find(
                    searcher, request.query, lambda leaf, field: _lengths(leaf, field, self.path)
                )
                if found is not None:
                    return self._results(searcher, request, found)
        return self._search_with_whoosh(searcher, request)

    def _results(self, searcher, request, found):
        """The page, total and facets from `matches.find`'s per-segment scores, as Whoosh's collectors give them."""
        wanted = [{(name, value) for value in values} for name, values in request.filters.items()]
        by_date = request.sort == "date"
        limit = request.page * request.per_page
        first = (request.page - 1) * request.per_page
        counts = Counter()
        total = 0
        candidates = []
        for leaf, offset, scores in found:
            if not scores:
                continue
            values = _facet_values(leaf, self.path)
            docnums = scores.keys()
            if wanted:
                docnums = [
                    d for d in docnums if all(not want.isdisjoint(values[d]) for want in wanted)
                ]
            total += len(docnums)
            counts.update(chain.from_iterable(map(values.__getitem__, docnums)))
            # Sort keys as Whoosh's collectors order them: score (newest first by date, then score)
            # descending, then docnum ascending; built with map() over tens of thousands of matches.
            keys = [map(neg, map(scores.__getitem__, docnums)), map(add, docnums, repeat(offset))]
            if by_date:
                keys.insert(0, map(neg, map(_newest(leaf, self.path).__getitem__, docnums)))
            candidates.append(heapq.nsmallest(limit, zip(*keys, strict=True)))
        top = heapq.nsmallest(limit, chain.from_iterable(candidates))[first:]
        hits = [
            _hit_of(
                searcher.stored_fields(item[-1]),
                None if by_date else -item[0],
                request.query.required,
            )
            for item in top
        ]
        return SearchResults(
            items=hits,
            total=total,
            page=request.page,
            per_page=request.per_page,
            query=request.query.text,
            facets=_facets(counts),
        )

    def _search_with_whoosh(self, searcher, request):
        matcher = _whoosh_query(request.query, searcher)
        limit = request.page * request.per_page
        if request.sort == "date":
            top = collectors.SortingCollector(
                [sorting.FieldFacet("newest", reverse=True), sorting.ScoreFacet()], limit=limit
            )
        else:
            # No block-quality skipping and no matcher replacement (which drops sub-queries that
            # cannot beat the current minimum score): every match must be seen for the total
            # and the facets.
            top = collectors.TopCollector(limit, usequality=False, replace=0)
        counter = _FacetCounter(top, self.path)
        collector = counter
        if request.filters:
            collector = collectors.FilterCollector(
                counter,
                allow=wq.And(
                    [
                        wq.Or([wq.Term(name, value) for value in values])
                        for name, values in request.filters.items()
                    ]
                ),
            )
        searcher.search_with_collector(matcher, collector)
        results = collector.results()
        first = (request.page - 1) * request.per_page
        hits = [
            _hit(hit, request.query.required) for hit in results[first : first + request.per_page]
        ]
        return SearchResults(
            items=hits,
            total=len(results),
            page=request.page,
            per_page=request.per_page,
            query=request.query.text,
            facets=counter.facets(),
        )


class _FacetCounter(collectors.WrappingCollector):
    """Counts the facet values of every collected match (after filters), passing it on to `child`.

    Whoosh's own grouping keeps and sorts every match and re-reads the facet postings on each
    query; here each segment's per-document values are read once and cached (segments never
    change), and counting is one Counter over the matches' value tuples.
    """

    def __init__(self, child, path=None):
        super().__init__(child)
        self._path = path
        self._seen = []
        self._values = ()

    def set_subsearcher(self, subsearcher, offset):
        """Switch to the next segment's cached values."""
        super().set_subsearcher(subsearcher, offset)
        self._values = _facet_values(subsearcher.reader(), self._path)

    def collect(self, sub_docnum):
        """Note the document's facet values, then let the child score it."""
        self._seen.append(self._values[sub_docnum])
        return self.child.collect(sub_docnum)

    def facets(self):
        """{facet: [(value, count)]}, most frequent first."""
        return _facets(Counter(chain.from_iterable(self._seen)))


def _facets(counts):
    """{facet: [(value, count)]}, most frequent first, from a Counter of (facet, value) pairs."""
    out = {name: [] for name in FACETS}
    for (name, value), count in counts.items():
        out[name].append((value, count))
    return {
        name: sorted(pairs, key=lambda pair: (-pair[1], pair[0])) for name, pairs in out.items()
    }


_FACET_CACHE = OrderedDict()
_FACET_CACHE_SIZE = 256
_FACET_LOCK = threading.Lock()


def _facet_key(path, reader):
    segment = reader.segment() if reader.is_atomic() else None
    return (path, segment.segment_id()) if segment is not None else None


def _forget_facets(path, searcher):
    """Drop the values cached for segments the index at `path` no longer has (merged away, or rebuilt).

    They would otherwise stay until newer segments pushed them out: for a 20,000-document index, each
    `portal reindex` left megabytes of dead values in every worker.
    """
    live = {_facet_key(path, leaf) for leaf, _offset in searcher.reader().leaf_readers()}
    with _FACET_LOCK:
        for key in [key for key in _FACET_CACHE if key[0] == path and key[:2] not in live]:
            del _FACET_CACHE[key]


def _per_segment(reader, path, what, build):
    """`build(reader)`, cached by index path, segment id and `what` (a segment's documents never change)."""
    segment_key = _facet_key(path, reader)
    key = None if segment_key is None else (*segment_key, what)
    with _FACET_LOCK:
        if key is not None and key in _FACET_CACHE:
            _FACET_CACHE.move_to_end(key)
            return _FACET_CACHE[key]
    value = build(reader)
    if key is not None:
        with _FACET_LOCK:
            _FACET_CACHE[key] = value
            while len(_FACET_CACHE) > _FACET_CACHE_SIZE:
                _FACET_CACHE.popitem(last=False)
    return value


def _facet_values(reader, path=None):
    """Per document of one segment, the tuple of its (facet, value) pairs; cached by index path and segment id."""
    return _per_segment(reader, path, "facets", _read_facet_values)


def _read_facet_values(reader):
    per_document = [[] for _ in range(reader.doc_count_all())]
    pairs = {}
    for name in FACETS:
        if name not in reader.schema:
            continue  # an index built before this facet existed (`missing_fields`): no values until reindexed
        field = reader.schema[name]
        for raw in reader.lexicon(name):
            pair = pairs.setdefault((name, raw), (name, field.from_bytes(raw)))
            for docnum in reader.postings(name, raw).all_ids():
                per_document[docnum].append(pair)
    return [tuple(v) for v in per_document]


def _lengths(reader, field, path=None):
    """One segment's field-length bytes (BM25F's lengths), cached like the facet values."""
    return _per_segment(reader, path, f"length:{field}", lambda r: matches.length_bytes(r, field))


def _newest(reader, path=None):
    """One segment's `newest` sort keys per document (0 when undated), cached like the facet values."""

    def read(reader):
        if "newest" not in reader.schema or not reader.has_column("newest"):
            return [0] * reader.doc_count_all()
        column = reader.column_reader("newest")
        return [column[docnum] or 0 for docnum in range(reader.doc_count_all())]

    return _per_segment(reader, path, "newest", read)


def _hit(hit, terms):
    return _hit_of(hit.fields(), hit.score, terms)


def _hit_of(stored, score, terms):
    date = stored.get("date")
    return Hit(
        kind=stored["kind"],
        id=stored["id"],
        title=stored.get("title", ""),
        url=stored.get("url", ""),
        snippet=highlight(stored.get("snippet", ""), terms),
        date=date.date() if date else None,
        score=round(float(score), 4) if isinstance(score, (int, float)) else None,
    )


def _whoosh_query(parsed, searcher):
    """Required terms ANDed, excluded ones subtracted; each term matches in the title or the body."""
    reader = searcher.reader()
    required = wq.And([_term_query(term, reader) for term in parsed.required])
    if not parsed.excluded:
        return required
    return wq.AndNot(required, wq.Or([_term_query(term, reader) for term in parsed.excluded]))


def _term_query(term, reader):
    return wq.Or([_field_query(name, term.tokens, reader) for name in _TEXT_FIELDS])


def _field_query(field, tokens, reader):
    if not any(t.open_left or t.open_right for t in tokens):
        if len(tokens) == 1:
            return wq.Term(field, tokens[0].text)
        return wq.Phrase(field, [t.text for t in tokens])
    parts = [_token_query(field, token, reader) for token in tokens]
    return parts[0] if len(parts) == 1 else wq.Sequence(parts)


def _token_query(field, token, reader):
    """A lone character at a term's edge also matches the bigrams that continue it on that side."""
    if not (token.open_left or token.open_right):
        return wq.Term(field, token.text)
    options = [wq.Term(field, token.text)]
    if token.open_right:
        options.append(wq.Prefix(field, token.text))
    if token.open_left:
        options.extend(wq.Term(field, text) for text in _bigrams_ending(reader, field, token.text))
    return wq.Or(options)


def _bigrams_ending(reader, field, char):
    if field not in reader.schema:
        return []
    found = []
    for raw in reader.lexicon(field):
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        if len(text) == 2 and text[1] == char:
            found.append(text)
    return found


__all__ = ["Document", "SearchIndex", "SearchUnavailable", "open_or_create", "rebuild", "schema"]
