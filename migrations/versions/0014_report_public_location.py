"""a report's public location: the point staff confirm on acceptance, never the resident's raw one

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

Written by hand. The reported latitude/longitude stay where they are (the handling unit's only); two new
columns hold the point the public may see, set when the unit accepts the report (the reported point rounded
to about 500 m, see portal/services/locations.py) or left empty (the place text only). Existing reports
get no public point: no one confirmed one for them.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("reports", sa.Column("public_latitude", sa.Numeric(9, 6), nullable=True))
    op.add_column("reports", sa.Column("public_longitude", sa.Numeric(9, 6), nullable=True))


def downgrade():
    # A plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch copy of `reports` would drop the table that
    # events, copies and evidence refer to, which SQLite's foreign keys refuse once reports exist.
    op.drop_column("reports", "public_longitude")
    op.drop_column("reports", "public_latitude")
