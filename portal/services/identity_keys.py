"""Encrypted identities as stored: what `portal check` reports, and re-encryption under a new primary key.

Both work on the raw column values (the text the database holds), not through `EncryptedText`, so they
see plaintext and values of unknown keys as they are. The columns are every `EncryptedText` column of
the models; an index column (`info={"identity_index_of": "email"}`) is recomputed with its source.
"""

from dataclasses import dataclass, field

import sqlalchemy as sa

from portal.encryption import PREFIX, EncryptedText, IdentityKeyError, is_encrypted
from portal.extensions import db

BATCH = 500


@dataclass
class Survey:
    """Encrypted columns as found: values per key id, plaintext left, keys the ring lacks."""

    values: int = 0
    by_key: dict = field(default_factory=dict)
    plaintext: dict = field(default_factory=dict)  # "table.column" → count
    unreadable: list = field(default_factory=list)  # "table.column: why"

    def problems(self, ring):
        """Lines for `portal check`: plaintext left, values no key of the ring reads."""
        found = [
            f"{count} plaintext values in {column} (run `flask --app wsgi portal rotate-identity-key`)"
            for column, count in self.plaintext.items()
        ]
        missing = {kid: count for kid, count in self.by_key.items() if kid not in ring.keys}
        found += [
            f"{count} identity values under key {kid}, which PORTAL_IDENTITY_KEY lacks"
            for kid, count in missing.items()
        ]
        return found + self.unreadable

    def summary(self, ring):
        """One phrase: how many values, and how many still wait for a rotation to the primary key."""
        older = sum(
            count
            for kid, count in self.by_key.items()
            if kid != ring.primary_id and kid in ring.keys
        )
        waiting = (
            f", {older} under older keys (run `flask --app wsgi portal rotate-identity-key`)"
            if older
            else ""
        )
        return f"identities: {self.values} values encrypted, primary key {ring.primary_id}{waiting}"


def _tables():
    """{table: ([(column, context)], {index column: source column})} for every table with encrypted columns."""
    tables = {}
    for table in db.metadata.sorted_tables:
        encrypted = [
            (c.name, c.type.context) for c in table.columns if isinstance(c.type, EncryptedText)
        ]
        if encrypted:
            indexes = {
                c.name: c.info["identity_index_of"]
                for c in table.columns
                if "identity_index_of" in c.info
            }
            tables[table.name] = (encrypted, indexes)
    return tables


def _raw(name, columns):
    """The table as plain text columns, so values are read and written exactly as stored."""
    return sa.table(name, sa.column("id", sa.Integer), *(sa.column(c, sa.Text) for c in columns))


def survey(connection, ring):
    """Count stored identity values by key and find plaintext; decrypts one value per column and key."""
    found = Survey()
    for name, (encrypted, _indexes) in _tables().items():
        for column, context in encrypted:
            table = _raw(name, [column])
            value = table.c[column]
            filled = sa.and_(value.is_not(None), value != "")
            plain = connection.scalar(
                sa.select(sa.func.count())
                .select_from(table)
                .where(filled, sa.not_(value.like(f"{PREFIX}:%")))
            )
            if plain:
                found.plaintext[context] = plain
            kid = sa.func.substr(value, len(PREFIX) + 2, 8)
            rows = connection.execute(
                sa.select(kid, sa.func.count(), sa.func.min(table.c.id))
                .where(filled, value.like(f"{PREFIX}:%"))
                .group_by(kid)
            ).all()
            for key, count, first in rows:
                found.values += count
                found.by_key[key] = found.by_key.get(key, 0) + count
                if key in ring.keys:
                    sample = connection.scalar(sa.select(value).where(table.c.id == first))
                    try:
                        ring.decrypt(sample, context)
                    except IdentityKeyError as error:
                        found.unreadable.append(str(error))
    return found


def rotate(engine, ring, normalise=str.lower, progress=None):
    """Re-encrypt every identity value not under the primary key (plaintext included); returns the rows rewritten.

    Works in batches of BATCH rows, each its own transaction, so the portal keeps serving; a row changed
    meanwhile is left as the portal wrote it (which is under the primary key already). Running it again
    after an interruption continues where it stopped.
    """
    rotated = 0
    primary = f"{PREFIX}:{ring.primary_id}:"
    for name, (encrypted, indexes) in _tables().items():
        columns, contexts = [c for c, _context in encrypted], dict(encrypted)
        table = _raw(name, columns + list(indexes))
        stale = sa.or_(
            *(sa.and_(table.c[c] != "", sa.not_(table.c[c].like(primary + "%"))) for c in columns)
        )
        # Compare-and-set on every column: a row the portal rewrote since the read is not overwritten.
        update = (
            sa.update(table)
            .where(
                table.c.id == sa.bindparam("_id"),
                *(table.c[c].is_not_distinct_from(sa.bindparam(f"_old_{c}")) for c in columns),
            )
            .values({c: sa.bindparam(f"_new_{c}") for c in columns + list(indexes)})
        )
        last = 0
        while True:
            with engine.begin() as connection:
                rows = (
                    connection.execute(
                        sa.select(table)
                        .where(table.c.id > last, stale)
                        .order_by(table.c.id)
                        .limit(BATCH)
                    )
                    .mappings()
                    .all()
                )
                if rows:
                    result = connection.execute(
                        update,
                        [_reencrypted(ring, row, contexts, indexes, normalise) for row in rows],
                    )
                    rotated += result.rowcount if result.rowcount >= 0 else len(rows)
            if not rows:
                break
            last = rows[-1]["id"]
            if progress:
                progress(len(rows))
    return rotated


def _reencrypted(ring, row, contexts, indexes, normalise):
    """The parameters of `rotate`'s update for one row: old values, new values, recomputed indexes."""
    primary = f"{PREFIX}:{ring.primary_id}:"
    values = {"_id": row["id"]}
    for column, context in contexts.items():
        stored = values[f"_old_{column}"] = values[f"_new_{column}"] = row[column]
        if stored and not stored.startswith(primary):
            plain = ring.decrypt(stored, context) if is_encrypted(stored) else stored
            values[f"_new_{column}"] = ring.encrypt(plain, context)
            for index, source in indexes.items():
                if source == column:
                    values[f"_new_{index}"] = ring.index(normalise(plain), context)
    for index in indexes:
        values.setdefault(f"_new_{index}", row[index])
    return values
