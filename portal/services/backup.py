"""Backups of a running portal, and their restore into an empty data directory and database.

A backup is a directory: a consistent snapshot of the database (SQLite's online backup API, or
`pg_dump -Fc` of an exported snapshot on PostgreSQL), a copy of the stored files taken after the
snapshot, and `manifest.json` with the row count of every table and the SHA-256 of every file, all
read from the snapshot itself. Files are copied after the snapshot because they are written before
the row that refers to them commits: every file the snapshot refers to is then already on disk, and
the copy is checked for them. Files written later are extra and harmless.

Secrets are not in a backup: PORTAL_SECRET_KEY (receipt codes and private links derive from it) and
PORTAL_IDENTITY_KEY (reporters' identities are encrypted with it) are kept apart from it.
"""

import json
import os
import shutil
import sqlite3

# Runs pg_dump and pg_restore only, with argument lists and no shell.
import subprocess  # nosec B404
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from portal.errors import DomainError
from portal.services import storage

FORMAT = "portal-backup/1"
MANIFEST = "manifest.json"
FILES = "files"
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.pgdump"
TEMPORARY_PREFIX = ".tmp-"


class BackupFailed(DomainError):
    """A backup or restore that cannot be made or trusted; the message says why."""


@dataclass(frozen=True)
class Result:
    """What a backup or restore did: the manifest, and the seconds it took."""

    manifest: dict
    seconds: float

    @property
    def rows(self):
        """Rows in every table together."""
        return sum(self.manifest["tables"].values())


def _quote(name):
    return '"' + name.replace('"', '""') + '"'


def table_counts(query, dialect):
    """{table: rows} of every table, read with `query(sql)` (which returns rows)."""
    if dialect == "sqlite":
        names = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    else:
        names = (
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        )
    counts = {}
    for (name,) in query(names):
        # The table name comes from the database's own catalogue and is quoted, never from input.
        statement = f"SELECT count(*) FROM {_quote(name)}"  # nosec B608
        counts[name] = query(statement)[0][0]
    return counts


def _dialect(config):
    url = make_url(config["DATABASE_URL"])
    return url, url.get_backend_name()


def _libpq(url):
    """(connection URL without the password, environment with PGPASSWORD) for pg_dump and pg_restore."""
    environ = dict(os.environ)
    if url.password is not None:
        environ["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return plain, environ


def _run(args, environ):
    # An argument list, no shell; the only variable parts are paths and the database URL.
    done = subprocess.run(args, env=environ, capture_output=True, text=True, check=False)  # nosec B603
    if done.returncode != 0:
        raise BackupFailed(f"{args[0]} failed: {done.stderr.strip() or done.returncode}")


def backup(config, directory):
    """Write a backup of the database and stored files into `directory` (new or empty); return a Result."""
    started = time.monotonic()
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupFailed(f"{directory} is not empty; a backup goes into a new directory")
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    url, dialect = _dialect(config)
    taken_at = datetime.now(UTC)
    if dialect == "sqlite":
        database, tables, referenced = _snapshot_sqlite(url.database, directory / SQLITE_FILE)
    elif dialect == "postgresql":
        database, tables, referenced = _snapshot_postgres(url, directory / POSTGRES_FILE)
    else:
        raise BackupFailed(f"cannot back up a {dialect} database")
    files = _copy_files(Path(config["FILES_DIR"]), directory / FILES)
    missing = sorted(referenced - files.keys())
    if missing:
        raise BackupFailed(
            f"{len(missing)} files the database refers to are missing from the data directory "
            f"(first: {missing[0]}); `flask --app wsgi portal check` lists them"
        )
    manifest = {
        "format": FORMAT,
        "taken_at": taken_at.isoformat(timespec="seconds"),
        "database": {
            "dialect": dialect,
            "file": database.name,
            "sha256": storage.sha256_of(database),
        },
        "tables": tables,
        "referenced_files": len(referenced),
        "files": files,
    }
    _write_manifest(directory, manifest)
    return Result(manifest, time.monotonic() - started)


def _snapshot_sqlite(path, target):
    """Copy the live (WAL) database with the online backup API; counts and references come from the copy."""
    source = sqlite3.connect(path, timeout=30)
    copy = sqlite3.connect(target)
    try:
        # One step (pages=-1) copies a single consistent read snapshot; writers go on meanwhile (WAL).
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it

        def query(sql):
            return copy.execute(sql).fetchall()

        tables = table_counts(query, "sqlite")
        referenced = storage.referenced_files(query)
    finally:
        copy.close()
        source.close()
    os.chmod(target, 0o600)
    return target, tables, referenced


def _snapshot_postgres(url, target):
    """pg_dump an exported snapshot, and read counts and references in that same snapshot."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
                plain, environ = _libpq(url)
                _run(
                    [
                        "pg_dump",
                        "--format=custom",
                        f"--snapshot={snapshot}",
                        f"--file={target}",
                        f"--dbname={plain}",
                    ],
                    environ,
                )

                def query(sql):
                    return connection.exec_driver_sql(sql).all()

                tables = table_counts(query, "postgresql")
                referenced = storage.referenced_files(query)
    finally:
        engine.dispose()
    os.chmod(target, 0o600)
    return target, tables, referenced


def _copy_files(files_dir, target):
    """Copy every stored file (not half-written temporaries) into `target`; {relative path: sha256}."""
    files = {}
    for relative in storage.stored_files(files_dir):
        if Path(relative).name.startswith(TEMPORARY_PREFIX):
            continue
        source = files_dir / relative
        destination = target / relative
        destination.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            shutil.copyfile(source, destination)
        except FileNotFoundError:
            continue  # removed since it was listed: a failed submission's file, or an orphan removed by tick
        os.chmod(destination, 0o600)
        files[relative] = storage.sha256_of(destination)
    return files


def _write_manifest(directory, manifest):
    # Written last and renamed into place: a directory with a manifest is a complete backup.
    temporary = directory / (TEMPORARY_PREFIX + MANIFEST)
    temporary.write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8"
    )
    os.chmod(temporary, 0o600)
    os.replace(temporary, directory / MANIFEST)


def read_manifest(directory):
    """The manifest of a backup directory, after checking the database file and every file against it."""
    directory = Path(directory)
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupFailed(
            f"{directory} has no {MANIFEST}: not a backup, or an unfinished one"
        ) from None
    if manifest.get("format") != FORMAT:
        raise BackupFailed(f"{directory / MANIFEST} is not a {FORMAT} manifest")
    database = directory / manifest["database"]["file"]
    if not database.is_file() or storage.sha256_of(database) != manifest["database"]["sha256"]:
        raise BackupFailed(f"{database} is missing or does not match the manifest")
    _check_files(directory / FILES, manifest["files"], f"in {directory}")
    return manifest


def _check_files(root, expected, where):
    for relative, sha256 in expected.items():
        path = root / relative
        if not path.is_file() or storage.sha256_of(path) != sha256:
            raise BackupFailed(f"{relative} {where} is missing or does not match the manifest")


def restore(config, directory, force=False):
    """Restore a backup into the configured database and data directory (which must be empty unless `force`).

    The manifest is checked before anything is written, and the restored tables and files against it
    afterwards. The caller rebuilds the search index.
    """
    started = time.monotonic()
    directory = Path(directory)
    manifest = read_manifest(directory)
    url, dialect = _dialect(config)
    if dialect != manifest["database"]["dialect"]:
        raise BackupFailed(
            f"the backup is of a {manifest['database']['dialect']} database, "
            f"the portal is configured for {dialect}"
        )
    files_dir = Path(config["FILES_DIR"])
    occupied = _occupied(url, dialect, files_dir)
    if occupied and not force:
        raise BackupFailed(
            f"the target is not empty ({occupied}); restore into an empty files directory and "
            "database, or pass --force to replace them"
        )
    database = directory / manifest["database"]["file"]
    if dialect == "sqlite":
        _restore_sqlite(database, Path(url.database))
        query_counts = _sqlite_counts(Path(url.database))
    else:
        plain, environ = _libpq(url)
        clean = ["--clean", "--if-exists"] if force else []
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                "--single-transaction",
                *clean,
                f"--dbname={plain}",
                str(database),
            ],
            environ,
        )
        query_counts = _postgres_counts(url)
    for folder in storage.FOLDERS:
        shutil.rmtree(files_dir / folder, ignore_errors=True)
    for relative in manifest["files"]:
        destination = files_dir / relative
        destination.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.copyfile(directory / FILES / relative, destination)
        os.chmod(destination, 0o600)
    _check_files(files_dir, manifest["files"], f"restored into {files_dir}")
    if query_counts != manifest["tables"]:
        differ = sorted(
            name
            for name in set(query_counts) | set(manifest["tables"])
            if query_counts.get(name) != manifest["tables"].get(name)
        )
        raise BackupFailed(f"restored row counts differ from the manifest in {', '.join(differ)}")
    return Result(manifest, time.monotonic() - started)


def _occupied(url, dialect, files_dir):
    """What makes the target non-empty, in words, or "" when it is empty."""
    found = []
    if dialect == "sqlite":
        path = Path(url.database)
        if path.exists() and path.stat().st_size and _sqlite_counts(path):
            found.append(f"tables in {path}")
    elif _postgres_counts(url):
        found.append(f"tables in database {url.database}")
    files = storage.stored_files(files_dir)
    if files:
        found.append(f"{len(files)} stored files in {files_dir}")
    return ", ".join(found)


def _restore_sqlite(source, target):
    target.parent.mkdir(parents=True, exist_ok=True)
    origin = sqlite3.connect(source)
    destination = sqlite3.connect(target, timeout=30)
    try:
        origin.backup(destination)
        destination.execute("PRAGMA journal_mode=WAL")
    finally:
        destination.close()
        origin.close()


def _sqlite_counts(path):
    connection = sqlite3.connect(path)
    try:
        return table_counts(lambda sql: connection.execute(sql).fetchall(), "sqlite")
    finally:
        connection.close()


def _postgres_counts(url):
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return table_counts(lambda sql: connection.exec_driver_sql(sql).all(), "postgresql")
    finally:
        engine.dispose()
