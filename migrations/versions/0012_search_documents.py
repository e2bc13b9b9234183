"""the PostgreSQL search engine's tables: search documents and their chunks

Revision ID: 0012
Revises: 0011_one_word_per_concept
Create Date: 2026-12-07

Written by hand. With PORTAL_SEARCH_ENGINE=postgresql the search documents live in these tables, written in
the same transaction as the change that made them (portal/search/postgres.py): one row per document with
what a result shows and the facet values, and its text as tsvector chunks under a GIN index. They exist on
SQLite too, empty (the Whoosh engine is SQLite's), so that one set of migrations describes both databases.
Nothing here holds personal data: search documents are public by construction.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011_one_word_per_concept"
branch_labels = None
depends_on = None

VECTOR = sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")
VALUES = sa.JSON().with_variant(postgresql.ARRAY(sa.Text), "postgresql")


def upgrade():
    op.create_table(
        "search_documents",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("snippet", sa.Text(), nullable=False),
        sa.Column("date", sa.DateTime(), nullable=True),
        sa.Column("newest", sa.BigInteger(), nullable=False),
        sa.Column("unit", VALUES, nullable=False),
        sa.Column("category", VALUES, nullable=False),
        sa.Column("disclosure_category", sa.Text(), nullable=True),
        sa.Column("area", sa.Text(), nullable=True),
        sa.Column("year", sa.Text(), nullable=True),
        sa.Column("title_vector", VECTOR, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_search_documents")),
    )
    op.create_table(
        "search_chunks",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("chunk", sa.Integer(), nullable=False),
        sa.Column("vector", VECTOR, nullable=False),
        sa.ForeignKeyConstraint(
            ["key"],
            ["search_documents.key"],
            name=op.f("fk_search_chunks_key_search_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", "chunk", name=op.f("pk_search_chunks")),
    )
    op.create_index("ix_search_chunks_vector", "search_chunks", ["vector"], postgresql_using="gin")


def downgrade():
    op.drop_index("ix_search_chunks_vector", table_name="search_chunks")
    op.drop_table("search_chunks")
    op.drop_table("search_documents")
