"""identities encrypted at rest

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

(The revision id is shorter than the topic: alembic_version.version_num holds 32 characters on PostgreSQL.)

Reviewed by hand. Reporters' identities, commenters' names and contacts, hearing registrants' names and
contacts, subscribers' addresses and queued mail (recipient and body) become text columns holding
values encrypted with PORTAL_IDENTITY_KEY (portal/encryption.py), and every existing row is encrypted
here, with the key ring the app bound to its engine. Subscriptions are found by `email_index` (a keyed
HMAC of the lower-cased address) instead of the plaintext index on `email`.

SQLite cannot change a column's type in place, and alembic's batch mode would copy and drop the table,
which with foreign keys on deletes the children of `comments` (ON DELETE CASCADE). So on SQLite each
column is replaced natively: add the new column, fill it, drop the old one, rename (SQLite 3.35+).
PostgreSQL alters the type and updates in place. The downgrade decrypts everything back.
"""

import sqlalchemy as sa
from alembic import op

from portal.encryption import keyring_of

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# (table, column, type before) of every value encrypted; frozen here, whatever the models say later.
COLUMNS = [
    ("reporter_identities", "name", sa.String(80)),
    ("reporter_identities", "phone", sa.String(40)),
    ("reporter_identities", "email", sa.String(254)),
    ("comments", "author_name", sa.String(80)),
    ("comment_contacts", "phone", sa.String(40)),
    ("comment_contacts", "email", sa.String(254)),
    ("registrations", "name", sa.String(80)),
    ("registrations", "phone", sa.String(40)),
    ("registrations", "email", sa.String(254)),
    ("subscriptions", "email", sa.String(254)),
    ("mail_outbox", "recipient", sa.String(254)),
    ("mail_outbox", "body", sa.Text()),
]


def _retype(table, column, old_type, new_type, convert):
    """Change `column` from `old_type` to `new_type`, every non-empty value passed through `convert(value)`."""
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    same = isinstance(old_type, sa.Text) and isinstance(new_type, sa.Text)
    target = f"{column}__new" if sqlite and not same else column
    if target != column:
        spelled = new_type.compile(dialect=bind.dialect)
        op.execute(f"ALTER TABLE {table} ADD COLUMN {target} {spelled} NOT NULL DEFAULT ''")
    # PostgreSQL: widen before writing the longer encrypted values, narrow after writing the shorter plain ones.
    widening = isinstance(new_type, sa.Text)
    if not sqlite and not same and widening:
        op.alter_column(
            table, column, type_=new_type, existing_type=old_type, existing_nullable=False
        )
    raw = sa.table(
        table, sa.column("id", sa.Integer), sa.column(column, sa.Text), sa.column(target, sa.Text)
    )
    for row_id, value in bind.execute(sa.select(raw.c.id, raw.c[column])).all():
        bind.execute(
            sa.update(raw)
            .where(raw.c.id == row_id)
            .values({target: convert(value) if value else value})
        )
    if not sqlite and not same and not widening:
        op.alter_column(
            table, column, type_=new_type, existing_type=old_type, existing_nullable=False
        )
    if target != column:
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        op.execute(f"ALTER TABLE {table} RENAME COLUMN {target} TO {column}")


def upgrade():
    ring = keyring_of(op.get_bind())
    op.drop_index("ix_subscriptions_email", table_name="subscriptions")
    for table, column, _old in COLUMNS:
        context = f"{table}.{column}"
        _retype(
            table,
            column,
            _old,
            sa.Text(),
            lambda value, context=context: ring.encrypt(value, context),
        )
    # The index of each address: under the primary key, of the lower-cased address.
    op.add_column(
        "subscriptions", sa.Column("email_index", sa.String(64), nullable=False, server_default="")
    )
    bind = op.get_bind()
    raw = sa.table(
        "subscriptions",
        sa.column("id", sa.Integer),
        sa.column("email", sa.Text),
        sa.column("email_index", sa.String),
    )
    for row_id, stored in bind.execute(sa.select(raw.c.id, raw.c.email)).all():
        email = ring.decrypt(stored, "subscriptions.email")
        bind.execute(
            sa.update(raw)
            .where(raw.c.id == row_id)
            .values(email_index=ring.index(email.lower(), "subscriptions.email"))
        )
    if bind.dialect.name != "sqlite":
        op.alter_column(
            "subscriptions",
            "email_index",
            server_default=None,
            existing_type=sa.String(64),
            existing_nullable=False,
        )
    op.create_index("ix_subscriptions_email_index", "subscriptions", ["email_index"], unique=False)


def downgrade():
    ring = keyring_of(op.get_bind())
    op.drop_index("ix_subscriptions_email_index", table_name="subscriptions")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE subscriptions DROP COLUMN email_index")
    else:
        op.drop_column("subscriptions", "email_index")
    for table, column, old in COLUMNS:
        context = f"{table}.{column}"
        _retype(
            table,
            column,
            sa.Text(),
            old,
            lambda value, context=context: ring.decrypt(value, context),
        )
    op.create_index("ix_subscriptions_email", "subscriptions", ["email"], unique=False)
