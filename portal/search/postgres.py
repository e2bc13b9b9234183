"""The PostgreSQL engine: the documents, queries and results of the Whoosh engine (index.py), in two tables.

Documents are analysed by the portal's own tokenizer (`portal.search.analysis`), never by PostgreSQL's
parsers: each token becomes one lexeme of a `tsvector` written as a literal with explicit positions, and
each query term a phrase `tsquery` (`'ab' <-> 'bc'`). So both engines find exactly the same documents:
every substring of two characters or more, across scripts and widths.

Three limits of `tsvector` shape the tables, and each is handled so that no match is lost:
- a position is at most 16,383 and a lexeme keeps at most 256 positions: a document's text is cut into
  chunks (rows of `search_chunks`) that stay under both, overlapping by more tokens than a query can
  have, so a phrase that crosses a cut is whole in the next chunk; a term matches a document when it
  matches any of its chunks;
- a lexeme is at most 2,047 bytes: a longer word (which no query, at most 200 characters, can ask for)
  is stored as its SHA-256, so that the document is still indexed;
- a lone character at a term's edge may sit inside a longer run (查询 局 finds 设局): its right side is a
  prefix query (`'局':*`), its left side a second lexeme at the bigram's position, `~` + the bigram's
  last character (设局 is also `~局`).

The title opens chunk 0 (weight A) and the body follows after a gap, so that no phrase runs from one into
the other. Relevance is how many of the query's terms the title matches, then the date: PostgreSQL's
`ts_rank` reads every matching vector and was the largest cost when measured; the set of results, their
count, facets, paging and the date sort are those of the Whoosh engine.

Speed (bench/README.md, search): a search is one statement over `search_chunks` alone, whose rows carry
their document's facet values, date key and title vector: the matches come from GIN bitmap scans (forced in
the search's own settings), one-chunk documents need no grouping, and the page (joined to `search_documents`
for its twenty rows), the count and the facets are read from one narrow materialised set of them. The facets
are one pass of grouping sets over three integer keys per chunk (`group_key`: the combination of one-value
facets, the sorted unit list, the sorted category list), each group's values then read from one of its
chunks by address; hashing the text itself cost as much as finding the matches.
`replace_all` loads with COPY and merges the GIN pending list before it commits.
"""

import datetime as dt
import functools
import hashlib
import json
from collections import Counter
from contextlib import contextmanager

import psycopg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from portal.models.search import search_chunks, search_documents
from portal.search.analysis import normalise, scan
from portal.search.documents import FACETS, Hit, SearchResults
from portal.search.query import MAX_QUERY_LENGTH, check_request
from portal.search.snippets import highlight

MAX_POSITION = 16383
MAX_POSITIONS_PER_LEXEME = 256
MAX_LEXEME_BYTES = 2047
# More tokens than any query term can have (a term is at most MAX_QUERY_LENGTH characters).
OVERLAP = MAX_QUERY_LENGTH + 1
TITLE_GAP = 2
_LEFT = "~"

DOCUMENTS, CHUNKS = search_documents, search_chunks


@functools.lru_cache(maxsize=1 << 16)
def lexeme(text):
    """The lexeme stored for a token (a too-long word as its hash), quoted for a tsvector or tsquery literal."""
    if len(text.encode()) > MAX_LEXEME_BYTES:
        text = "#" + hashlib.sha256(text.encode()).hexdigest()
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


@functools.cache
def _labels(weight):
    """Every position's text with this weight ("1A", "2A" …): formatted once, looked up for each token."""
    return [f"{position}{weight}" for position in range(MAX_POSITION + 1)]


def _collect(positions, tokens, first, weight):
    """Add each token's position from `first` to {lexeme text: "1A,7A"}, with `~c` beside each bigram.

    The hot loop of indexing (every token of every document), hence written out by hand.
    """
    labels = _labels(weight)
    for position, (text, cjk) in enumerate(tokens, first):
        label = labels[position]
        found = positions.get(text)
        positions[text] = label if found is None else found + "," + label
        if cjk and len(text) == 2:
            left = _LEFT + text[1]
            found = positions.get(left)
            positions[left] = label if found is None else found + "," + label
    return positions


_HEADS = {}


def _vector(positions):
    """A tsvector literal from {lexeme text: position labels}."""
    heads = _HEADS
    if len(heads) > 1 << 17:  # a bound on memory; the bigrams in use are far fewer
        heads.clear()
    out = []
    for text, found in positions.items():
        head = heads.get(text)
        if head is None:
            head = heads[text] = lexeme(text) + ":"
        out.append(head + found)
    return " ".join(out)


def _cuts(tokens, room):
    """Slices of `tokens` that fit `room` positions and 255 occurrences per lexeme, overlapping by OVERLAP."""
    start, total = 0, len(tokens)
    # Most documents: too few tokens for any lexeme to reach the limit (a token adds at most 1 to a count).
    if total < min(room, MAX_POSITIONS_PER_LEXEME - 1):
        yield 0, total
        return
    while True:
        counts, end = Counter(), start
        while end < total and end - start < room:
            text, cjk = tokens[end]
            keys = (text, _LEFT + text[1]) if cjk and len(text) == 2 else (text,)
            if any(counts[k] + 1 >= MAX_POSITIONS_PER_LEXEME for k in keys):
                break
            counts.update(keys)
            end += 1
        yield start, end
        if end >= total:
            return
        start = max(end - OVERLAP, start + 1)
        room = MAX_POSITION - 1


def _tokens(text):
    return [(token, cjk) for token, _s, _e, cjk, _rs, _re in scan(normalise(text or ""))]


def chunk_vectors(title, body):
    """The tsvector literals of a document's chunks: the title opens the first, the body follows."""
    return _chunk_vectors(_tokens(title), _tokens(body))


def _chunk_vectors(heading, words):
    vectors, first_room = [], MAX_POSITION - len(heading) - TITLE_GAP
    for number, (start, end) in enumerate(_cuts(words, max(first_room, OVERLAP + 1))):
        if number == 0:
            positions = _collect({}, heading, 1, "A")
            first = len(heading) + TITLE_GAP + 1
        else:
            positions, first = {}, 1
        vectors.append(_vector(_collect(positions, words[start:end], first, "D")))
    return vectors


def _token_query(token):
    """A query token as a tsquery operand; a lone edge character also matches the runs it continues."""
    options = [lexeme(token.text)]
    if token.open_right:
        options.append(lexeme(token.text) + ":*")
    if token.open_left:
        options.append(lexeme(_LEFT + token.text))
    return options[0] if len(options) == 1 else "(" + " | ".join(options) + ")"


def term_query(term):
    """A query term as a phrase tsquery literal."""
    return " <-> ".join(_token_query(token) for token in term.tokens)


DOCUMENT_COLUMNS = ("key", "kind", "id", "title", "url", "snippet", "date")
CHUNK_COLUMNS = ("key", "chunk", "chunks", "vector", "kind", "newest") + (
    "unit",
    "category",
    "disclosure_category",
    "area",
    "year",
    "title_vector",
    "facets_key",
    "unit_key",
    "category_key",
)


def _document_row(document):
    """A Document as a row of search_documents (a tuple in DOCUMENT_COLUMNS' order)."""
    date = document.date
    if date is not None and not isinstance(date, dt.datetime):
        date = dt.datetime(date.year, date.month, date.day)
    return (
        document.key,
        document.kind,
        document.id,
        document.title,
        document.url or "",
        document.snippet_source,
        date,
    )


def group_key(values):
    """A 64-bit integer naming a combination of facet values: the search groups its matches by these."""
    # 64 bits: two of a portal's few thousand combinations share a key with odds of about 1 in 10^12.
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return int.from_bytes(
        hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True
    )


def _chunk_rows(document):
    """A Document's rows of search_chunks (tuples in CHUNK_COLUMNS' order)."""
    date, newest = document.date, 0
    if date is not None:
        newest = int(date.strftime("%Y%m%d%H%M%S"))
    year = str(document.year) if document.year is not None else None
    # Sorted: a set of values is one group whatever the order it was given in.
    unit, category = sorted(document.unit), sorted(document.category)
    facets = (newest, unit, category, document.disclosure_category, document.area, year)
    keys = (
        group_key([document.kind, document.disclosure_category, document.area, year]),
        group_key(unit),
        group_key(category),
    )
    heading = _tokens(document.title)
    titled = _vector(_collect({}, heading, 1, "A"))
    vectors = _chunk_vectors(heading, _tokens(document.body))
    return [
        (document.key, number, len(vectors), vector, document.kind)
        + facets
        + (titled if number == 0 else "",)
        + keys
        for number, vector in enumerate(vectors)
    ]


class PostgresIndex:
    """The search documents in the database behind `bind`: an Engine (each call its own transaction), a
    Connection, or a function returning one (calls join its transaction, so documents commit with the change
    that made them; nothing is opened until a call needs it)."""

    def __init__(self, bind):
        self.bind = bind

    def __repr__(self):
        return f"PostgresIndex({self.bind!r})"

    @contextmanager
    def _connection(self):
        if isinstance(self.bind, sa.engine.Engine):
            with self.bind.begin() as connection:
                yield connection
        else:
            yield self.bind() if callable(self.bind) else self.bind

    # writes

    def add_documents(self, documents):
        """Add or replace (by key) `documents`."""
        documents = list(documents)
        if not documents:
            return 0
        with self._connection() as connection:
            _write(connection, documents)
        return len(documents)

    def update(self, documents):
        """Replace `documents` by key (the same as add_documents: every write is an upsert)."""
        return self.add_documents(documents)

    def delete(self, keys):
        """Remove the documents with these `kind:id` keys; unknown keys are ignored."""
        keys = list(keys)
        if keys:
            with self._connection() as connection:
                connection.execute(DOCUMENTS.delete().where(DOCUMENTS.c.key.in_(keys)))
        return len(keys)

    def replace_all(self, documents, progress=None, batch=500):
        """Replace every document by `documents` in one transaction: searches see the old set until it commits.

        `progress(n)` is told of each batch of n documents written.
        """
        count, seen = 0, set()
        with self._connection() as connection:
            # Chunks first: deleting documents would delete their chunks one cascade at a time.
            connection.execute(CHUNKS.delete())
            connection.execute(DOCUMENTS.delete())
            pending, repeated = [], []
            for document in documents:
                (repeated if document.key in seen else pending).append(document)
                seen.add(document.key)
                if len(pending) >= batch:
                    count += _load(connection, pending)
                    if progress is not None:
                        progress(len(pending))
                    pending = []
            count += _load(connection, pending)
            if progress is not None and pending:
                progress(len(pending))
            # The last document of a key wins, as with add_documents.
            _write(connection, repeated)
            # New entries wait in the GIN index's pending list, which searches read entry by entry: merged
            # into the index before the new set is seen.
            connection.exec_driver_sql(
                "SELECT gin_clean_pending_list('ix_search_chunks_vector'),"
                " gin_clean_pending_list('ix_search_chunks_vector_long')"
            )
        return count

    # reads

    def keys(self):
        """Every `kind:id` held, to compare with the database for drift."""
        with self._connection() as connection:
            return set(connection.execute(sa.select(DOCUMENTS.c.key)).scalars())

    def count(self):
        """How many documents are held."""
        with self._connection() as connection:
            return connection.execute(
                sa.select(sa.func.count()).select_from(DOCUMENTS)
            ).scalar_one()

    def missing_fields(self):
        """Nothing: the migration that made the tables made every column."""
        return []

    def outdated(self):
        """Nothing: the tables are as the migrations made them."""
        return []

    def search(self, q, *, sort="relevance", page=1, per_page=20, **filters):
        """One page of matches for the user's query `q`, with facet counts over every match (as SearchIndex)."""
        request = check_request(q, sort=sort, page=page, per_page=per_page, **filters)
        with self._connection() as connection:
            return _search(connection, request)


def _load(connection, documents):
    """Insert `documents` with COPY, or upsert them if one was written meanwhile in this transaction.

    A rebuild inside a request's transaction reads its documents through the same session, whose flushes
    index what changed (`portal.services.search`): a key can then exist before its COPY, which fails; the
    batch is rolled back to a savepoint and upserted instead.
    """
    connection.exec_driver_sql("SAVEPOINT search_copy")
    try:
        count = _copy(connection, documents)
    except psycopg.errors.UniqueViolation:
        connection.exec_driver_sql("ROLLBACK TO SAVEPOINT search_copy")
        count = _write(connection, documents)
    connection.exec_driver_sql("RELEASE SAVEPOINT search_copy")
    return count


def _copy(connection, documents):
    """Insert `documents` (new keys, each once) and their chunks with COPY, the fastest way in.

    Each document's chunks are computed as they are sent, so that the server stores one while the next
    is being analysed.
    """
    if not documents:
        return 0
    with connection.connection.dbapi_connection.cursor() as cursor:
        with cursor.copy(
            f"COPY search_documents ({', '.join(DOCUMENT_COLUMNS)}) FROM STDIN"
        ) as copy:
            for document in documents:
                copy.write_row(_document_row(document))
        with cursor.copy(f"COPY search_chunks ({', '.join(CHUNK_COLUMNS)}) FROM STDIN") as copy:
            for document in documents:
                for chunk in _chunk_rows(document):
                    copy.write_row(chunk)
    return len(documents)


def _write(connection, documents):
    """Upsert `documents` (the last of one key wins) and their chunks, and drop chunks they no longer have.

    Upserts rather than delete-then-insert: two transactions writing one document at once (each indexes
    what it changed before it commits) then wait for each other instead of colliding on the key.
    """
    unique = {document.key: document for document in documents}
    if not unique:
        return 0
    rows = [(_document_row(document), _chunk_rows(document)) for document in unique.values()]
    upsert = pg.insert(DOCUMENTS)
    connection.execute(
        upsert.on_conflict_do_update(
            index_elements=[DOCUMENTS.c.key],
            set_={name: upsert.excluded[name] for name in DOCUMENT_COLUMNS if name != "key"},
        ),
        [dict(zip(DOCUMENT_COLUMNS, row, strict=True)) for row, _chunks in rows],
    )
    vectors = {
        name: sa.bindparam(name, type_=sa.Text).cast(pg.TSVECTOR)
        for name in ("vector", "title_vector")
    }
    parts = pg.insert(CHUNKS).values(**vectors)
    connection.execute(
        parts.on_conflict_do_update(
            index_elements=[CHUNKS.c.key, CHUNKS.c.chunk],
            set_={name: parts.excluded[name] for name in CHUNK_COLUMNS[2:]},
        ),
        [dict(zip(CHUNK_COLUMNS, chunk, strict=True)) for _row, chunks in rows for chunk in chunks],
    )
    connection.execute(
        CHUNKS.delete().where(
            CHUNKS.c.key == sa.bindparam("stale_key"), CHUNKS.c.chunk >= sa.bindparam("count")
        ),
        [{"stale_key": row[0], "count": len(chunks)} for row, chunks in rows],
    )
    return len(unique)


_LISTS = ("unit", "category")
# The facets of one value per document, grouped as one combination and summed per facet in Python.
_SINGLE = tuple(name for name in FACETS if name not in _LISTS)
# Each group of matches is named by an integer key stored on the chunks (group_key): one for the combination
# of one-value facets, one per list. Hashing integers is several times cheaper than hashing text and text
# arrays; each group's values are then read from one of its chunks, found by its row address (ctid).
_GROUPS = {"facets_key": "single", "unit_key": "unit", "category_key": "category"}


_ORDER = {
    "relevance": "score DESC, newest DESC, key",
    "date": "newest DESC, score DESC, key",
}


def _search(connection, request):
    """Run a checked SearchRequest: the matches counted, faceted and paged in one statement."""
    parsed = request.query
    params, where = {}, []
    required = []
    for n, term in enumerate(parsed.required):
        params[f"r{n}"] = term_query(term)
        required.append(f"CAST(:r{n} AS tsquery)")
    # Only placeholders and the names of FACETS and _GROUPS are formatted into the statement (the B608
    # waivers below): every value is a bound parameter.
    for n, term in enumerate(parsed.excluded):
        params[f"x{n}"] = term_query(term)
        where.append(
            f"key NOT IN (SELECT key FROM search_chunks WHERE vector @@ CAST(:x{n} AS tsquery))"  # nosec B608
        )
    for name, values in request.filters.items():
        params[f"f_{name}"] = list(values)
        test = "&&" if name in ("unit", "category") else "= ANY"
        where.append(f"{name} {test} (CAST(:f_{name} AS text[]))")
    where = "".join(f" AND {condition}" for condition in where)
    # A one-chunk document (most of them) matches when its chunk matches every term: no grouping. A longer
    # one matches when each term matches one of its chunks (they may sit in different chunks); its chunks
    # are found through a small partial index and grouped.
    every, either = " && ".join(required), " || ".join(required)
    having = " AND ".join(f"bool_or(vector @@ {query})" for query in required)
    score = " + ".join(["1"] + [f"3 * (title_vector @@ {query})::int" for query in required])
    params["limit"] = request.per_page
    params["offset"] = (request.page - 1) * request.per_page
    order = _ORDER[request.sort]
    keys = ", ".join(_GROUPS)
    statement = (
        # The matches, kept narrow: what the page's order and the grouping need, and the row's address.
        "WITH matched AS MATERIALIZED ("  # nosec B608
        f" SELECT key, newest, {score} AS score, ctid AS place, {keys}"
        f" FROM search_chunks WHERE chunks = 1 AND vector @@ ({every}){where}"
        f" UNION ALL SELECT key, max(newest), max({score}), min(ctid), "
        + ", ".join(f"min({name})" for name in _GROUPS)
        + f" FROM search_chunks WHERE chunks > 1 AND vector @@ ({either}){where}"  # nosec B608
        f" GROUP BY key HAVING {having}),"
        # The count (the empty grouping set) and every group with the address of one of its chunks.
        " groups AS (SELECT CASE "
        + " ".join(f"WHEN GROUPING({name}) = 0 THEN '{part}'" for name, part in _GROUPS.items())
        + " ELSE 'total' END AS part, count(*) AS count, min(place) AS place FROM matched"  # nosec B608
        f" GROUP BY GROUPING SETS ({', '.join(f'({name})' for name in _GROUPS)}, ()))"
        # The page, with what its results show, numbered in order before the join.
        " SELECT 'page', page.key, page.score, page.place, d.kind, d.id, d.title, d.url, d.snippet, d.date,"
        f" NULL::text[]{', NULL' * (len(_SINGLE) - 1)}"
        " FROM (SELECT key, score, row_number() OVER () AS place FROM ("
        f"  SELECT key, score FROM matched ORDER BY {order} LIMIT :limit OFFSET :offset) AS top) AS page"
        " JOIN search_documents AS d ON d.key = page.key"
        # Each group's values, read from its chunk (a scan by address), summed per facet below.
        f" UNION ALL SELECT g.part, NULL, g.count, 0, c.{_SINGLE[0]}, NULL, NULL, NULL, NULL, NULL,"
        " CASE g.part WHEN 'unit' THEN c.unit WHEN 'category' THEN c.category END, "
        + ", ".join(f"c.{name}" for name in _SINGLE[1:])
        + " FROM groups AS g LEFT JOIN search_chunks AS c ON c.ctid = g.place"
    )
    found, page, total = {name: {} for name in FACETS}, [], 0
    with _search_settings(connection):
        for row in connection.execute(sa.text(statement), params):
            part, count = row[0], row[2]
            if part == "page":
                page.append(row)
            elif part == "total":
                total = count
            elif part == "single":
                for name, value in zip(_SINGLE, (row[4],) + tuple(row[11:]), strict=True):
                    if value is not None:
                        found[name][value] = found[name].get(value, 0) + count
            else:
                for one in row[10]:
                    found[part][one] = found[part].get(one, 0) + count
    return SearchResults(
        items=[_hit(row, parsed.required) for row in sorted(page, key=lambda row: row[3])],
        total=total,
        page=request.page,
        per_page=request.per_page,
        query=parsed.text,
        facets={
            name: sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
            for name, counts in found.items()
        },
    )


@contextmanager
def _search_settings(connection):
    """The search statement reads the chunks through the GIN index and keeps its matches in memory.

    The planner prices a bitmap scan over a third of the chunks (a common 2-character word) above a
    sequential scan, which tests every vector (several times slower when measured), or above a scan of the
    primary key; and 50,000 matches outgrow the default work_mem, spilling to temporary files. The settings
    are local to the transaction, and put back afterwards because the transaction may be the caller's.
    Parallel workers were tried (bench/README.md) and are left off: no gain on a busy two-core host, and a
    rare word's search then waits for them to start.
    """
    names = list(_SETTINGS)
    before = connection.exec_driver_sql(
        "SELECT "
        + ", ".join(f"current_setting('{name}')" for name in names)
        + ", "
        + ", ".join(f"set_config('{name}', '{_SETTINGS[name]}', true)" for name in names)
    ).one()
    yield
    connection.exec_driver_sql(
        "SELECT " + ", ".join(f"set_config('{name}', %({name})s, true)" for name in names),
        dict(zip(names, before[: len(names)], strict=True)),
    )


_SETTINGS = {"enable_seqscan": "off", "enable_indexscan": "off", "work_mem": "64MB"}


def _hit(row, terms):
    """A page row of the search statement as a Hit."""
    _part, _key, score, _place, kind, id, title, url, snippet, date = row[:10]
    return Hit(
        kind=kind,
        id=id,
        title=title,
        url=url,
        snippet=highlight(snippet, terms),
        date=date.date() if date else None,
        score=float(score),
    )
