"""Open311 API keys: issued once in plain text, stored only as a SHA-256 hash."""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.errors import Conflict, ValidationFailed
from portal.extensions import db
from portal.models import ApiKey
from portal.models.types import utcnow

PREFIX = "p311_"
NAME_LENGTH = (1, 80)
# A key's last use is noted at most once a minute: it says whether a client still uses its key, not when
# it last sent a report, and a write per report would be a statement per report for nothing.
LAST_USE_PRECISION = timedelta(minutes=1)


def hash_key(plaintext):
    """The stored form of a key: its SHA-256 as hex."""
    return hashlib.sha256((plaintext or "").encode()).hexdigest()


def create_api_key(name):
    """A new active key named `name`: (the ApiKey, its plain text, shown this once only)."""
    name = (name or "").strip()
    low, high = NAME_LENGTH
    if not low <= len(name) <= high:
        raise ValidationFailed(
            _("The name must be between %(low)s and %(high)s characters.", low=low, high=high),
            field="name",
        )
    if db.session.scalar(sa.select(ApiKey.id).where(ApiKey.name == name)) is not None:
        raise Conflict(_("An API key named %(name)s exists already.", name=name))
    plaintext = PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, key_hash=hash_key(plaintext), active=True)
    db.session.add(key)
    db.session.flush()
    return key, plaintext


def authenticate(plaintext):
    """The active key whose plain text is `plaintext` (its last use noted), or None."""
    if not plaintext:
        return None
    key = db.session.scalar(
        sa.select(ApiKey).where(ApiKey.key_hash == hash_key(plaintext), ApiKey.active.is_(True))
    )
    if key is not None:
        key.last_used_at = utcnow()
    return key


# Built once: every Open311 POST runs them.
_ACTIVE = sa.select(ApiKey.id, ApiKey.last_used_at).where(
    ApiKey.key_hash == sa.bindparam("hash"), ApiKey.active.is_(True)
)
_USED = (
    sa.update(ApiKey.__table__)
    .where(ApiKey.__table__.c.id == sa.bindparam("key_id"))
    .values(last_used_at=sa.bindparam("moment"))
)


def find_active(plaintext):
    """(id, last_used_at) of the active key whose plain text is `plaintext`, or None; reads only."""
    if not plaintext:
        return None
    return db.session.connection().execute(_ACTIVE, {"hash": hash_key(plaintext)}).first()


def note_use(key, now=None):
    """Note that `key` (from `find_active`) was used now, unless that was noted within the last minute."""
    now = now or utcnow()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USE_PRECISION:
        db.session.connection().execute(_USED, {"key_id": key.id, "moment": now})
