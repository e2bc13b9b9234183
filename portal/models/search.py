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
    # YYYYMMDDhhmmss, 0 when undated: newest first puts undated documents last, as in the Whoosh engine.
    sa.Column("newest", sa.BigInteger, nullable=False),
    sa.Column("unit", _VALUES, nullable=False),
    sa.Column("category", _VALUES, nullable=False),
    sa.Column("disclosure_category", sa.Text),
    sa.Column("area", sa.Text),
    sa.Column("year", sa.Text),
    sa.Column("title_vector", _VECTOR, nullable=False),
)
search_chunks = sa.Table(
    "search_chunks",
    db.metadata,
    sa.Column(
        "key", sa.Text, sa.ForeignKey("search_documents.key", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("chunk", sa.Integer, primary_key=True),
    sa.Column("vector", _VECTOR, nullable=False),
    sa.Index("ix_search_chunks_vector", "vector", postgresql_using="gin"),
)
