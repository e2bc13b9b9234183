"""a version of its own for routing (categories and routing rules)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

Written by hand: categories and routing rules move out of the "reports" domain into a "routing" domain
of their own (portal/caching.py). Every submitted report bumps "reports", so routing data keyed on it
would be read anew for every report; keyed on "routing" it is read again only when an administrator
changes a category or a rule. The row starts at version 0, changed now; nothing here holds personal data.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    data_versions = sa.table(
        "data_versions",
        sa.column("domain", sa.String),
        sa.column("version", sa.Integer),
        sa.column("changed_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    if op.get_bind().dialect.name == "sqlite":
        now = now.replace(
            tzinfo=None
        )  # SQLite stores UTC without an offset (portal/models/types.py)
    op.bulk_insert(data_versions, [{"domain": "routing", "version": 0, "changed_at": now}])


def downgrade():
    op.execute("DELETE FROM data_versions WHERE domain = 'routing'")
