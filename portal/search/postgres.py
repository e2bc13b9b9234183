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
"""

import datetime as dt
import hashlib
from collections import Counter
from contextlib import contextmanager

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


def lexeme(text):
    """The lexeme stored for a token (a too-long word as its hash), quoted for a tsvector or tsquery literal."""
    if len(text.encode()) > MAX_LEXEME_BYTES:
        text = "#" + hashlib.sha256(text.encode()).hexdigest()
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def _vector(entries):
    """A tsvector literal from [(lexeme text, position, weight)]."""
    positions = {}
    for text, position, weight in entries:
        positions.setdefault(lexeme(text), []).append(f"{position}{weight}")
    return " ".join(f"{quoted}:{','.join(found)}" for quoted, found in positions.items())


def _entries(tokens, first, weight):
    """(lexeme, position, weight) for each token from position `first`, with `~c` beside each bigram."""
    for offset, (text, cjk) in enumerate(tokens):
        position = first + offset
        yield text, position, weight
        if cjk and len(text) == 2:
            yield _LEFT + text[1], position, weight


def _cuts(tokens, room):
    """Slices of `tokens` that fit `room` positions and 255 occurrences per lexeme, overlapping by OVERLAP."""
    start, total = 0, len(tokens)
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
    heading, words = _tokens(title), _tokens(body)
    vectors, first_room = [], MAX_POSITION - len(heading) - TITLE_GAP
    title_entries = list(_entries(heading, 1, "A"))
    for number, (start, end) in enumerate(_cuts(words, max(first_room, OVERLAP + 1))):
        first = len(heading) + TITLE_GAP + 1 if number == 0 else 1
        entries = (title_entries if number == 0 else []) + list(
            _entries(words[start:end], first, "D")
        )
        vectors.append(_vector(entries))
    return vectors


def title_vector(title):
    """The title's tsvector literal, for relevance."""
    return _vector(_entries(_tokens(title), 1, "A"))


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


def _row(document):
    """A Document as a row of search_documents."""
    date, newest = document.date, 0
    if date is not None:
        date = (
            date if isinstance(date, dt.datetime) else dt.datetime(date.year, date.month, date.day)
        )
        newest = int(date.strftime("%Y%m%d%H%M%S"))
    return {
        "key": document.key,
        "kind": document.kind,
        "id": document.id,
        "title": document.title,
        "url": document.url or "",
        "snippet": document.snippet_source,
        "date": date,
        "newest": newest,
        "unit": list(document.unit),
        "category": list(document.category),
        "disclosure_category": document.disclosure_category,
        "area": document.area,
        "year": str(document.year) if document.year is not None else None,
        "title_vector": title_vector(document.title),
    }


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
        count = 0
        with self._connection() as connection:
            connection.execute(DOCUMENTS.delete())
            pending = []
            for document in documents:
                pending.append(document)
                if len(pending) >= batch:
                    count += _write(connection, pending)
                    if progress is not None:
                        progress(len(pending))
                    pending = []
            count += _write(connection, pending)
            if progress is not None and pending:
                progress(len(pending))
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

    def search(self, q, *, sort="relevance", page=1, per_page=20, **filters):
        """One page of matches for the user's query `q`, with facet counts over every match (as SearchIndex)."""
        request = check_request(q, sort=sort, page=page, per_page=per_page, **filters)
        with self._connection() as connection:
            return _search(connection, request)


def _write(connection, documents):
    """Upsert `documents` (the last of one key wins) and their chunks, and drop chunks they no longer have.

    Upserts rather than delete-then-insert: two transactions writing one document at once (each indexes
    what it changed before it commits) then wait for each other instead of colliding on the key.
    """
    unique = {document.key: document for document in documents}
    if not unique:
        return 0
    rows = pg.insert(DOCUMENTS).values(
        title_vector=sa.bindparam("title_vector", type_=sa.Text).cast(pg.TSVECTOR)
    )
    connection.execute(
        rows.on_conflict_do_update(
            index_elements=[DOCUMENTS.c.key],
            set_={
                column.name: rows.excluded[column.name]
                for column in DOCUMENTS.c
                if column.name != "key"
            },
        ),
        [_row(document) for document in unique.values()],
    )
    chunks, counts = [], []
    for key, document in unique.items():
        vectors = chunk_vectors(document.title, document.body)
        chunks += [
            {"key": key, "chunk": number, "vector": vector} for number, vector in enumerate(vectors)
        ]
        counts.append({"stale_key": key, "count": len(vectors)})
    parts = pg.insert(CHUNKS).values(vector=sa.bindparam("vector", type_=sa.Text).cast(pg.TSVECTOR))
    connection.execute(
        parts.on_conflict_do_update(
            index_elements=[CHUNKS.c.key, CHUNKS.c.chunk], set_={"vector": parts.excluded.vector}
        ),
        chunks,
    )
    connection.execute(
        CHUNKS.delete().where(
            CHUNKS.c.key == sa.bindparam("stale_key"), CHUNKS.c.chunk >= sa.bindparam("count")
        ),
        counts,
    )
    return len(unique)


def _matching(query, name):
    """Keys of the documents one of whose chunks matches the tsquery literal bound as `name`."""
    return sa.select(CHUNKS.c.key).where(
        CHUNKS.c.vector.op("@@")(sa.bindparam(name, query, type_=sa.Text).cast(pg.TSQUERY))
    )


def _search(connection, request):
    """Run a checked SearchRequest."""
    parsed = request.query
    required = [term_query(term) for term in parsed.required]
    conditions = [
        DOCUMENTS.c.key.in_(_matching(query, f"required_{n}")) for n, query in enumerate(required)
    ]
    conditions += [
        DOCUMENTS.c.key.not_in(_matching(term_query(term), f"excluded_{n}"))
        for n, term in enumerate(parsed.excluded)
    ]
    for name, values in request.filters.items():
        column = DOCUMENTS.c[name]
        if name in ("unit", "category"):
            conditions.append(column.op("&&")(sa.cast(list(values), pg.ARRAY(sa.Text))))
        else:
            conditions.append(column.in_(list(values)))
    score = sum(
        (
            sa.case(
                (
                    DOCUMENTS.c.title_vector.op("@@")(
                        sa.bindparam(f"title_{n}", query, type_=sa.Text).cast(pg.TSQUERY)
                    ),
                    3,
                ),
                else_=0,
            )
            for n, query in enumerate(required)
        ),
        sa.literal(1),
    )
    matched = sa.select(DOCUMENTS, score.label("score")).where(*conditions).cte("matched")
    total = connection.execute(sa.select(sa.func.count()).select_from(matched)).scalar_one()
    order = (
        [matched.c.newest.desc(), matched.c.score.desc()]
        if request.sort == "date"
        else [matched.c.score.desc(), matched.c.newest.desc()]
    )
    rows = (
        connection.execute(
            sa.select(matched)
            .order_by(*order, matched.c.key)
            .limit(request.per_page)
            .offset((request.page - 1) * request.per_page)
        )
        .mappings()
        .all()
    )
    return SearchResults(
        items=[_hit(row, parsed.required) for row in rows],
        total=total,
        page=request.page,
        per_page=request.per_page,
        query=parsed.text,
        facets=_facets(connection, matched) if total else {name: [] for name in FACETS},
    )


def _facets(connection, matched):
    """{facet: [(value, count)]} over every match, most frequent first."""
    parts = []
    for name in FACETS:
        column = matched.c[name]
        if name in ("unit", "category"):
            value = sa.func.unnest(column).table_valued("value").render_derived()
            parts.append(
                sa.select(
                    sa.literal(name).label("facet"),
                    value.c.value.label("value"),
                    sa.func.count().label("n"),
                )
                .select_from(matched)
                .join(value, sa.true())
                .group_by(value.c.value)
            )
        else:
            parts.append(
                sa.select(
                    sa.literal(name).label("facet"),
                    column.label("value"),
                    sa.func.count().label("n"),
                )
                .where(column.is_not(None))
                .group_by(column)
            )
    out = {name: [] for name in FACETS}
    for facet, value, count in connection.execute(sa.union_all(*parts)):
        out[facet].append((value, count))
    return {
        name: sorted(pairs, key=lambda pair: (-pair[1], pair[0])) for name, pairs in out.items()
    }


def _hit(row, terms):
    return Hit(
        kind=row["kind"],
        id=row["id"],
        title=row["title"],
        url=row["url"],
        snippet=highlight(row["snippet"], terms),
        date=row["date"].date() if row["date"] else None,
        score=float(row["score"]),
    )
