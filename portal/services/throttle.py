"""Rate limits shared by all workers: fixed-window counters per key, kept in the database."""

import hashlib
import hmac
from datetime import UTC, datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.models import RateLimitHit
from portal.models.types import utcnow


def _window(window_seconds, now):
    return datetime.fromtimestamp(int(now.timestamp()) // window_seconds * window_seconds, UTC)


def private_key(secret, kind, *values):
    """A counter key for `values` (addresses, usernames) that stores none of them: `kind:` and an HMAC."""
    # Keyed, so the table cannot be reversed by hashing every IPv4 address or a list of names.
    message = "\x1f".join((kind, *(str(v) for v in values))).encode()
    return f"{kind}:{hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()}"


def seconds_left(window_seconds, now=None):
    """Seconds until the current window ends and its counters start again from zero."""
    return window_seconds - int((now or utcnow()).timestamp()) % window_seconds


def used(key, window_seconds, now=None):
    """How many times `key` was counted in the current window."""
    start = _window(window_seconds, now or utcnow())
    query = sa.select(RateLimitHit.count).where(
        RateLimitHit.key == key, RateLimitHit.window_start == start
    )
    return db.session.scalar(query) or 0


def exhausted(key, limit, window_seconds, now=None):
    """True when `key` has used up its `limit` in the current window."""
    return used(key, window_seconds, now) >= limit


def forget(key):
    """Drop every count of `key`, as if it had never been used."""
    db.session.execute(sa.delete(RateLimitHit).where(RateLimitHit.key == key))


def _upsert(dialect_name):
    table = RateLimitHit.__table__
    if dialect_name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    # One statement that inserts or increments, so concurrent workers never lose a count.
    return (
        insert(table)
        .on_conflict_do_update(
            index_elements=[table.c.key, table.c.window_start], set_={"count": table.c.count + 1}
        )
        .returning(table.c.count)
    )


# Built once per dialect: every report and every login counts, and building the statement cost more than running it.
_UPSERTS = {}


def hit(key, window_seconds, now=None):
    """Count one use of `key` in the current window; returns the new count."""
    start = _window(window_seconds, now or utcnow())
    connection = (
        db.session.connection()
    )  # a Core statement on a table the session never loads: no ORM needed
    name = connection.dialect.name
    statement = _UPSERTS.get(name)
    if statement is None:
        statement = _UPSERTS[name] = _upsert(name)
    return connection.execute(
        statement, {"key": key, "window_start": start, "count": 1}
    ).scalar_one()
