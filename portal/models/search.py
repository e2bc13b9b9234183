"""The search outbox: what changed, written in the same transaction as the change, drained into the index."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class SearchOutbox(db.Model):
    """One document to (re)index or drop: `kind` and `key` name it; the drain reads its current state."""

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    key: Mapped[str] = mapped_column(sa.String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# The PostgreSQL search engine's tables (portal/search/postgres.py), present on every database so that one
# set of migrations serves both; on SQLite (always the Whoosh engine) they stay empty.
_VECTOR = sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")
_VALUES = sa.JSON().with_variant(postgresql.ARRAY(sa.Text), "postgresql")

search_documents = sa.Table(
    "search_documents",
    db.metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("id", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("snippet", sa.Text, nullable=False),
    sa.Column("date", sa.DateTime),
)
# A search reads only the chunks: the facet values, the sort key and the title's vector (for relevance) are
# on every chunk of a document, so that counting, faceting and ordering the matches needs no join.
search_chunks = sa.Table(
    "search_chunks",
    db.metadata,
    sa.Column(
        "key", sa.Text, sa.ForeignKey("search_documents.key", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("chunk", sa.Integer, primary_key=True),
    # How many chunks the document has: a search groups the matching chunks of longer ones only.
    sa.Column("chunks", sa.Integer, nullable=False),
    sa.Column("vector", _VECTOR, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    # YYYYMMDDhhmmss, 0 when undated: newest first puts undated documents last, as in the Whoosh engine.
    sa.Column("newest", sa.BigInteger, nullable=False),
    sa.Column("unit", _VALUES, nullable=False),
    sa.Column("category", _VALUES, nullable=False),
    sa.Column("disclosure_category", sa.Text),
    sa.Column("area", sa.Text),
    sa.Column("year", sa.Text),
    # The title's own vector on chunk 0, empty on the others.
    sa.Column("title_vector", _VECTOR, nullable=False),
    # Integers naming the document's combination of one-value facets (kind, disclosure_category, area, year),
    # its list of units and its list of categories (portal.search.postgres.group_key): a search groups its
    # matches by these rather than by the text.
    sa.Column("facets_key", sa.BigInteger, nullable=False),
    sa.Column("unit_key", sa.BigInteger, nullable=False),
    sa.Column("category_key", sa.BigInteger, nullable=False),
    sa.Index("ix_search_chunks_vector", "vector", postgresql_using="gin"),
    # The chunks of the few documents longer than one chunk, which a search groups by document.
    sa.Index(
        "ix_search_chunks_vector_long",
        "vector",
        postgresql_using="gin",
        postgresql_where=sa.text("chunks > 1"),
    ),
)
# Vectors are kept out of line (a narrow heap: a search for a common 2-character word reads only its facet
# columns, the GIN index being exact) and uncompressed (a phrase rechecks every candidate's vector:
# decompressing them cost ~30 % more when measured). Migration 0013 does the same on existing databases.
sa.event.listen(
    search_chunks,
    "after_create",
    sa.DDL("ALTER TABLE search_chunks ALTER COLUMN vector SET STORAGE EXTERNAL").execute_if(
        dialect="postgresql"
    ),
)
