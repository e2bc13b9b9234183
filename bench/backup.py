"""Benchmark: `portal backup` and `portal restore` (the RTO) on the demo data and on a larger set.

    .venv/bin/python bench/backup.py                      # demo data, then 5,000 more reports with files
    .venv/bin/python bench/backup.py --reports 1000       # a quick run
    PORTAL_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/bench .venv/bin/python bench/backup.py

A fresh portal is initialised in a temporary directory (on PostgreSQL: the named database, which
must exist and be empty, plus a second one made for the restore), the demo data is loaded, and
`portal backup` then `portal restore` (into an empty data directory and database: restore, check
against the manifest, rebuild the search index) are timed as an operator runs them. Then
`--reports` reports are submitted through the portal's own service, each with one evidence record
whose public copy and original are `--file-kb` KiB each, and the pair is timed again.
"""

import argparse
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import Evidence  # noqa: E402
from portal.services import reports  # noqa: E402


def settings(data_dir, url):
    """The configuration of a bench portal."""
    return {
        "ENV": "development",
        "SECRET_KEY": "bench-secret",
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": url,
        "REPORT_LIMIT": 10**9,
    }


def cli(app, *args):
    """Run `flask portal …` in-process and return (seconds, output); exits on failure."""
    started = time.monotonic()
    result = app.test_cli_runner().invoke(args=["portal", *args])
    seconds = time.monotonic() - started
    if result.exit_code != 0:
        sys.exit(f"portal {' '.join(args)} failed: {result.output}{result.exception or ''}")
    return seconds, result.output


def add_reports(app, count, file_kb):
    """Submit `count` reports, each with one evidence record and its two files, committing per 500."""
    payload = os.urandom(file_kb * 1024)
    with app.app_context():
        config = app.config
        for n in range(count):
            data = reports.ReportInput(
                submission_key=f"bench-{n}-{secrets.token_hex(4)}",
                category="water" if n % 2 else "air",
                area=8,
                place=f"石河子市北泉镇排污口{n}号",
                description=f"排污口夜里排放黑臭污水,鱼都死了。第{n}次",
            )
            report = reports.submit(data, config).report
            token = secrets.token_hex(16)
            public, original = (
                f"evidence/2026/01/{token}.jpg",
                f"evidence-originals/2026/01/{token}.orig",
            )
            for path in (public, original):
                # Plain writes: the portal's fsyncs would make building the set, not the backup, the slow part.
                target = Path(config["DATA_DIR"]) / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(payload)
            report.evidence.append(
                Evidence(
                    kind="jpeg",
                    content_type="image/jpeg",
                    size=len(payload),
                    sha256_original="0" * 64,
                    public_path=public,
                    original_path=original,
                    original_name="photo.jpg",
                )
            )
            if n % 500 == 499:
                db.session.commit()
        db.session.commit()
        db.session.remove()


def size_of(directory):
    """Bytes under a directory."""
    return sum(path.stat().st_size for path in Path(directory).rglob("*") if path.is_file())


def measure(source, label, root, restore_url):
    """Back up `source`, restore into a fresh directory and database; print one line of figures."""
    backup_dir = root / f"backup-{label}"
    backup_seconds, _output = cli(source, "backup", str(backup_dir))
    target = create_app(settings(root / f"restored-{label}", restore_url()))
    restore_seconds, output = cli(target, "restore", str(backup_dir))
    check_seconds, _output = cli(target, "check")
    rows = output.split("restored ")[1].split(" rows")[0]
    files = output.split("tables and ")[1].split(" files")[0]
    print(
        f"{label:<28} {rows:>8} rows {files:>7} files {size_of(backup_dir) / 2**20:9.1f} MiB   "
        f"backup {backup_seconds:6.1f} s   restore+reindex {restore_seconds:6.1f} s   check {check_seconds:5.1f} s"
    )
    with target.app_context():
        db.engine.dispose()


def main():
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=5_000)
    parser.add_argument("--file-kb", type=int, default=128)
    arguments = parser.parse_args()
    url = os.environ.get("PORTAL_DATABASE_URL", "")
    root = Path(tempfile.mkdtemp(prefix="portal-bench-backup-"))
    made = []

    def restore_url():
        if not url:
            return ""
        name = f"{make_url(url).database}_restore_{len(made)}"
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        made.append(name)
        return make_url(url).set(database=name).render_as_string(hide_password=False)

    admin = (
        sa.create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        if url
        else None
    )
    try:
        source = create_app(settings(root / "source", url))
        cli(source, "init")
        cli(source, "demo")
        print(
            f"database: {make_url(source.config['DATABASE_URL']).get_backend_name()}; machine: {os.cpu_count()} cores"
        )
        measure(source, "demo data", root, restore_url)
        started = time.monotonic()
        add_reports(source, arguments.reports, arguments.file_kb)
        print(
            f"(added {arguments.reports:,} reports with {2 * arguments.reports:,} files of {arguments.file_kb} KiB "
            f"in {time.monotonic() - started:.0f} s)"
        )
        measure(source, f"demo + {arguments.reports:,} reports", root, restore_url)
        with source.app_context():
            db.engine.dispose()
    finally:
        shutil.rmtree(root, ignore_errors=True)
        if admin is not None:
            with admin.connect() as connection:
                for name in made:
                    connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()


if __name__ == "__main__":
    main()
