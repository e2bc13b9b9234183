"""the PostgreSQL search engine reads only its chunks: facet values, sort key and title vector move onto them

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07

Written by hand. A search used to join every matching chunk to search_documents for the facet values, the
date and the title's vector; at 100,000 documents that join cost more than finding the matches. Each chunk
now carries its document's facet values, `newest`, its count of `chunks` (a search groups the matching
chunks of the few longer documents only, found through a partial index of their own) and (chunk 0 only, empty on the others) `title_vector`,
so that counting, faceting and ordering the matches reads the chunks alone; search_documents keeps what a
result shows. Existing rows are carried over, so no reindex is needed. The vectors are now stored out of
line and uncompressed (see portal/models/search.py); rows written before keep their storage until the
next reindex.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

VECTOR = sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")
VALUES = sa.JSON().with_variant(postgresql.ARRAY(sa.Text), "postgresql")


def _moved():
    """The columns that move, as (name, type, nullable)."""
    return [
        ("kind", sa.Text(), False),
        ("newest", sa.BigInteger(), False),
        ("unit", VALUES, False),
        ("category", VALUES, False),
        ("disclosure_category", sa.Text(), True),
        ("area", sa.Text(), True),
        ("year", sa.Text(), True),
        ("title_vector", VECTOR, False),
    ]


def upgrade():
    with op.batch_alter_table("search_chunks") as batch:
        batch.add_column(sa.Column("chunks", sa.Integer(), nullable=True))
        for name, type_, _nullable in _moved():
            batch.add_column(sa.Column(name, type_, nullable=True))
    op.execute(
        "UPDATE search_chunks SET chunks = (SELECT count(*) FROM search_chunks AS other"
        " WHERE other.key = search_chunks.key)"
    )
    op.execute(
        "UPDATE search_chunks SET kind = d.kind, newest = d.newest, unit = d.unit, category = d.category,"
        " disclosure_category = d.disclosure_category, area = d.area, year = d.year,"
        " title_vector = CASE WHEN search_chunks.chunk = 0 THEN d.title_vector ELSE '' END"
        " FROM search_documents AS d WHERE d.key = search_chunks.key"
    )
    with op.batch_alter_table("search_chunks") as batch:
        batch.alter_column("chunks", existing_type=sa.Integer(), nullable=False)
        for name, type_, nullable in _moved():
            if not nullable:
                batch.alter_column(name, existing_type=type_, nullable=False)
    with op.batch_alter_table("search_documents") as batch:
        for name, _type, _nullable in _moved():
            if name != "kind":
                batch.drop_column(name)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_chunks ALTER COLUMN vector SET STORAGE EXTERNAL")
    op.create_index(
        "ix_search_chunks_vector_long",
        "search_chunks",
        ["vector"],
        postgresql_using="gin",
        postgresql_where=sa.text("chunks > 1"),
    )


def downgrade():
    op.drop_index("ix_search_chunks_vector_long", table_name="search_chunks")
    with op.batch_alter_table("search_documents") as batch:
        for name, type_, _nullable in _moved():
            if name != "kind":
                batch.add_column(sa.Column(name, type_, nullable=True))
    op.execute(
        "UPDATE search_documents SET newest = c.newest, unit = c.unit, category = c.category,"
        " disclosure_category = c.disclosure_category, area = c.area, year = c.year,"
        " title_vector = c.title_vector"
        " FROM search_chunks AS c WHERE c.key = search_documents.key AND c.chunk = 0"
    )
    with op.batch_alter_table("search_documents") as batch:
        for name, type_, nullable in _moved():
            if name != "kind" and not nullable:
                batch.alter_column(name, existing_type=type_, nullable=False)
    with op.batch_alter_table("search_chunks") as batch:
        batch.drop_column("chunks")
        for name, _type, _nullable in _moved():
            batch.drop_column(name)
