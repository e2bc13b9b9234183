"""failed logins counted in the throttle table, not on the account

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

Written by hand: failed logins are now counted in `rate_limit_hits` per (account, client address)
and per address, under keyed hashes, so `users.failed_logins` and `users.locked_until` (a lock that
anyone anywhere could set on any account) are dropped. Downgrading brings the columns back empty:
no account is locked.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
