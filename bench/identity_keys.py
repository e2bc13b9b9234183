"""Cost of identities encrypted at rest: µs to encrypt and decrypt one identity (name, phone, email) with the
portal's key ring, and the time `rotate-identity-key` takes to move 10,000 identities to a new key on SQLite.

    python bench/identity_keys.py [--identities 10000]

Runs in a temporary data directory; prints the figures the README quotes.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from portal import create_app  # noqa: E402
from portal.encryption import KeyRing, generate_key  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.services import identity_keys  # noqa: E402

IDENTITY = {"name": "王小明", "phone": "13912345678", "email": "wang.xiaoming@example.org"}
CONTEXTS = {field: f"reporter_identities.{field}" for field in IDENTITY}


def per_identity_us(function, rounds=5, count=2000):
    """Median over `rounds` of the µs one call of `function` takes, each round `count` calls."""
    times = []
    for _round in range(rounds):
        start = time.perf_counter()
        for _ in range(count):
            function()
        times.append((time.perf_counter() - start) / count * 1e6)
    return statistics.median(times)


def app_for(data_dir, identity_key):
    """An app on the SQLite database of `data_dir` with PORTAL_IDENTITY_KEY = `identity_key`."""
    return create_app(
        {
            "ENV": "testing",
            "SECRET_KEY": "bench",
            "DATA_DIR": str(data_dir),
            "DATABASE_URL": None,
            "IDENTITY_KEY": identity_key,
        }
    )


def main():
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--identities", type=int, default=10_000)
    count = parser.parse_args().identities

    old, new = generate_key(), generate_key()
    ring = KeyRing.parse(old)
    stored = {f: ring.encrypt(v, CONTEXTS[f]) for f, v in IDENTITY.items()}
    encrypt = per_identity_us(lambda: [ring.encrypt(v, CONTEXTS[f]) for f, v in IDENTITY.items()])
    decrypt = per_identity_us(lambda: [ring.decrypt(v, CONTEXTS[f]) for f, v in stored.items()])
    print(f"encrypt one identity (3 fields): {encrypt:.1f} µs; decrypt: {decrypt:.1f} µs")

    with tempfile.TemporaryDirectory() as data_dir:
        app = app_for(data_dir, old)
        with app.app_context():
            upgrade()
            rows = [
                {
                    "report_id": n,
                    "visibility": "administrators",
                    **{f: ring.encrypt(f"{v}{n}", CONTEXTS[f]) for f, v in IDENTITY.items()},
                }
                for n in range(1, count + 1)
            ]
            with db.engine.connect() as connection:
                # The identities alone are measured: their reports are left out, so the link is not checked.
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.execute(
                    sa.table("reporter_identities", *(sa.column(c) for c in rows[0])).insert(), rows
                )
                connection.commit()
            db.engine.dispose()
        rotating = app_for(data_dir, f"{new},{old}")
        with rotating.app_context():
            start = time.perf_counter()
            rows = identity_keys.rotate(db.engine, rotating.extensions["identity_keyring"])
            elapsed = time.perf_counter() - start
            with db.engine.connect() as connection:
                left = identity_keys.survey(connection, KeyRing.parse(new)).by_key
            db.engine.dispose()
        size = os.path.getsize(Path(data_dir) / "portal.db")
    print(
        f"rotate {count:,} identities ({rows:,} rows, {3 * rows:,} values) on SQLite: {elapsed:.2f} s "
        f"({rows / elapsed:,.0f} identities/s); keys in use afterwards: {left}; database {size / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    main()
