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
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("public_latitude", sa.Numeric(9, 6), nullable=True))
        batch.add_column(sa.Column("public_longitude", sa.Numeric(9, 6), nullable=True))


def downgrade():
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("public_longitude")
        batch.drop_column("public_latitude")
