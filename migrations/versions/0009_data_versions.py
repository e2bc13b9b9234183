"""versions of the public data, for the page cache

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

Written by hand: `data_versions` holds one row per domain of public data (policy, units, reports,
consultations, disclosures, calendar, search), whose `version` is bumped in the transaction of every
commit that writes one of the domain's tables (portal/caching.py). Every worker keys its cached pages
on these versions, so a change is visible on the very next request. The rows start at version 0,
changed now; nothing here holds personal data.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

DOMAINS = ("policy", "units", "reports", "consultations", "disclosures", "calendar", "search")


def upgrade():
    data_versions = op.create_table(
        "data_versions",
        sa.Column("domain", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("domain", name=op.f("pk_data_versions")),
    )
    now = datetime.now(UTC)
    if op.get_bind().dialect.name == "sqlite":
        now = now.replace(
            tzinfo=None
        )  # SQLite stores UTC without an offset (portal/models/types.py)
    op.bulk_insert(
        data_versions, [{"domain": domain, "version": 0, "changed_at": now} for domain in DOMAINS]
    )


def downgrade():
    op.drop_table("data_versions")
