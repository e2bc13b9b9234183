"""Identities encrypted at rest: the key ring from PORTAL_IDENTITY_KEY and the `EncryptedText` column type.

A stored value reads `enc1:<key id>:<base64url(nonce ‖ AES-256-GCM ciphertext ‖ tag)>`. The key id (8 hex
digits derived from the key) says which key wrote it, so a rotation knows what is left to re-encrypt and
a value written by a key that is no longer in the ring fails loudly (`IdentityKeyError`) instead of
reading as garbage. The associated data binds each value to its column ("table.column"): a value copied
into another column does not decrypt. Empty strings stay empty: whether a field was filled is not a
secret, and `!= ""` filters keep working.

PORTAL_IDENTITY_KEY holds one or more keys (32 random bytes each, base64url), separated by commas; the
first encrypts, every key decrypts. Lookups by an encrypted value use a keyed HMAC (`KeyRing.index`)
stored in its own column: equal values have equal indexes, and the index reveals nothing without the key.

The ring is bound to an app's engine by `init_app` (as an attribute of the engine's dialect, which is
what a column type is handed): nothing here reads configuration at import time.
"""

import base64
import binascii
import functools
import hashlib
import hmac
import os

import sqlalchemy as sa

PREFIX = "enc1"
KEY_BYTES = 32
NONCE_BYTES = 12
_DIALECT_ATTRIBUTE = "portal_identity_keyring"


class IdentityKeyError(RuntimeError):
    """A stored identity cannot be read with the configured keys (wrong, missing or damaged)."""


def generate_key():
    """A new key, as PORTAL_IDENTITY_KEY spells it."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode()


def key_id(key):
    """The 8 hex digits that name `key` (bytes) in stored values; they reveal nothing of it."""
    return hashlib.sha256(b"portal identity key id\0" + key).hexdigest()[:8]


def is_encrypted(value):
    """Whether a stored value has the encrypted form (any key)."""
    return isinstance(value, str) and value.startswith(PREFIX + ":")


def stored_key_id(value):
    """The id of the key that wrote a stored value, or None for plaintext and empty values."""
    return value.split(":", 2)[1] if is_encrypted(value) and value.count(":") >= 2 else None


class KeyRing:
    """The identity keys: the first encrypts and indexes, all of them decrypt."""

    def __init__(self, keys):
        if not keys:
            raise ValueError("a key ring needs at least one key")
        self.keys = {key_id(key): key for key in keys}
        self.primary_id = key_id(keys[0])
        self._index_keys = {
            kid: hmac.new(key, b"portal identity index", hashlib.sha256).digest()
            for kid, key in self.keys.items()
        }

    @functools.cached_property
    def _ciphers(self):
        """An AES-GCM cipher per key id, made when the first identity is encrypted or read."""
        # cryptography costs a process ~8 MiB; of the public pages only the consultations' (commenters' names)
        # read an identity, and a preloading server imports it before forking (portal.import_serving_libraries).
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        return {kid: AESGCM(key) for kid, key in self.keys.items()}

    @classmethod
    def parse(cls, text):
        """The ring spelled by PORTAL_IDENTITY_KEY (comma-separated base64url keys, primary first)."""
        keys = []
        for number, part in enumerate((p.strip() for p in (text or "").split(",")), start=1):
            if not part:
                continue
            try:
                key = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
            except (binascii.Error, ValueError):
                key = b""
            if len(key) != KEY_BYTES:
                raise ValueError(
                    f"key {number} is not {KEY_BYTES} bytes in base64url "
                    "(make one with: python3 -c 'import base64, os; "
                    "print(base64.urlsafe_b64encode(os.urandom(32)).decode())')"
                )
            keys.append(key)
        if not keys:
            raise ValueError("no key given")
        return cls(keys)

    def encrypt(self, plaintext, context):
        """`plaintext` encrypted under the primary key, bound to `context` ("table.column")."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self.primary_id].encrypt(
            nonce, plaintext.encode(), self._aad(self.primary_id, context)
        )
        return f"{PREFIX}:{self.primary_id}:{base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}"

    def decrypt(self, stored, context):
        """The plaintext of a stored value; IdentityKeyError if no key of the ring opens it."""
        kid = stored_key_id(stored)
        if kid is None:
            raise IdentityKeyError(f"{context}: not an encrypted value")
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise IdentityKeyError(
                f"{context}: written by key {kid}, which is not in PORTAL_IDENTITY_KEY "
                f"(it holds {', '.join(self.keys)})"
            )
        from cryptography.exceptions import InvalidTag

        token = stored.split(":", 2)[2]
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            return cipher.decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], self._aad(kid, context)
            ).decode()
        except (InvalidTag, binascii.Error, ValueError) as error:
            raise IdentityKeyError(
                f"{context}: value under key {kid} does not decrypt (damaged, or moved "
                "from another column)"
            ) from error

    def index(self, value, context, kid=None):
        """The lookup index of `value` (normalise it first) under one key, the primary by default."""
        key = self._index_keys[kid or self.primary_id]
        return hmac.new(key, f"{context}\0{value}".encode(), hashlib.sha256).hexdigest()

    def indexes(self, value, context):
        """The index of `value` under every key: a lookup that also finds rows not yet rotated."""
        return [self.index(value, context, kid) for kid in self.keys]

    @staticmethod
    def _aad(kid, context):
        return f"{PREFIX}:{kid}:{context}".encode()


@functools.lru_cache(maxsize=8)
def keyring(text):
    """The ring PORTAL_IDENTITY_KEY `text` spells, parsed once (services get it from their config)."""
    return KeyRing.parse(text)


def init_app(app):
    """Parse the app's IDENTITY_KEY and bind the ring to its database engines (and to `app.extensions`)."""
    from portal.config import ConfigError
    from portal.extensions import db

    try:
        ring = keyring(app.config["IDENTITY_KEY"])
    except ValueError as error:
        raise ConfigError(f"PORTAL_IDENTITY_KEY: {error}") from None
    app.extensions["identity_keyring"] = ring
    with app.app_context():
        for engine in db.engines.values():
            setattr(engine.dialect, _DIALECT_ATTRIBUTE, ring)
    return ring


def keyring_of(bind):
    """The ring bound to an engine or connection (what a migration's `op.get_bind()` gives)."""
    ring = getattr(bind.dialect, _DIALECT_ATTRIBUTE, None)
    if ring is None:
        raise IdentityKeyError(
            "no identity key ring is bound to this database engine (create_app binds it)"
        )
    return ring


class EncryptedText(sa.types.TypeDecorator):
    """Text encrypted with the engine's identity key ring; `context` names the column ("table.column")."""

    impl = sa.Text
    cache_ok = True

    def __init__(self, context):
        super().__init__()
        self.context = context

    def process_bind_param(self, value, dialect):
        """Encrypt every non-empty value, even one that looks encrypted already."""
        if not value:
            return value
        ring = getattr(dialect, _DIALECT_ATTRIBUTE, None)
        if ring is None:
            raise IdentityKeyError(
                "no identity key ring is bound to this database engine (create_app binds it)"
            )
        return ring.encrypt(value, self.context)

    def process_result_value(self, value, dialect):
        """Decrypt; a value left in plaintext (reported by `portal check`) reads as it is."""
        if not is_encrypted(value):
            return value
        ring = getattr(dialect, _DIALECT_ATTRIBUTE, None)
        if ring is None:
            raise IdentityKeyError(
                "no identity key ring is bound to this database engine (create_app binds it)"
            )
        return ring.decrypt(value, self.context)
