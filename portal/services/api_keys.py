"""Open311 API keys: issued once in plain text, stored only as a SHA-256 hash."""
import hashlib
import secrets

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.errors import Conflict, ValidationFailed
from portal.extensions import db
from portal.models import ApiKey
from portal.models.types import utcnow

PREFIX = "p311_"
NAME_LENGTH = (1, 80)


def hash_key(plaintext):
    """The stored form of a key: its SHA-256 as hex."""
    return hashlib.sha256((plaintext or "").encode()).hexdigest()


def create_api_key(name):
    """A new active key named `name`: (the ApiKey, its plain text, shown this once only)."""
    name = (name or "").strip()
    low, high = NAME_LENGTH
    if not low <= len(name) <= high:
        raise ValidationFailed(_("The name must be between %(low)s and %(high)s characters.", low=low, high=high),
                               field="name")
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
    key = db.session.scalar(sa.select(ApiKey).where(ApiKey.key_hash == hash_key(plaintext), ApiKey.active.is_(True)))
    if key is not None:
        key.last_used_at = utcnow()
    return key
