"""Benchmark: what the hash chain costs when a report event or an audit record is appended, and how long
`portal check` takes to verify N events.

    .venv/bin/python bench/history.py                       # 20,000 events on SQLite (figures in README)
    .venv/bin/python bench/history.py --events 2000         # a quick run
    .venv/bin/python bench/history.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench_history

A fresh database (a temporary SQLite file, or the PostgreSQL database named, which is emptied) is
migrated and gets 20 reports. Then, for each measure, the same number of events goes round the 20
reports:

- chained, one transaction per event: `history.add_event` + commit, as a handling action does;
- plain, one transaction per event: the same row inserted with made-up hashes (no row lock, no read of
  the chain's head, no SHA-256): the baseline the chain is compared with;
- chained and plain again with all events in one transaction, which leaves out the commit (on SQLite
  with synchronous=FULL, an fsync) and shows the chain's own cost;
- audit records, chained, one transaction each;
- `history.verify()` over every event and record written.
"""

import argparse
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402


def make_app(url, data_dir):
    """An app on `url`, migrated, with the bundled policy imported."""
    from flask_migrate import downgrade, upgrade

    from portal.policy import bundled_text
    from portal.services.setup import bootstrap

    app = create_app(
        {
            "ENV": "testing",
            "TESTING": True,
            "SECRET_KEY": "bench",
            "DATA_DIR": str(data_dir),
            "DATABASE_URL": url,
        }
    )
    with app.app_context():
        if url.startswith("postgresql"):
            downgrade(revision="base")
        upgrade()
        bootstrap(bundled_text())
        db.session.commit()
    return app


def timed(function, count):
    """(wall-clock, this process's CPU) microseconds per call of `function(i)` for i in range(count)."""
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(count):
        function(i)
    return (time.perf_counter() - start) / count * 1e6, (time.process_time() - cpu) / count * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--events", type=int, default=20_000, help="events per measure (default 20,000)"
    )
    parser.add_argument(
        "--database-url", default="", help="a PostgreSQL database to use (emptied); default SQLite"
    )
    options = parser.parse_args()
    temporary = tempfile.TemporaryDirectory()
    url = options.database_url or f"sqlite:///{temporary.name}/bench.db"
    app = make_app(url, temporary.name)
    n = options.events
    with app.app_context():
        from portal.models import EventKind, Report, ReportEvent
        from portal.services import history, reports

        submitted = [
            reports.submit(
                reports.ReportInput(
                    submission_key=f"bench-{i}",
                    category="water",
                    area=8,
                    place="石河子市北泉镇排污口",
                    description="排污口每天夜里排放黑臭污水,渠道里的鱼都死了。",
                ),
                app.config,
            ).report
            for i in range(20)
        ]
        db.session.commit()
        ids = [r.id for r in submitted]
        body = "已派员现场检查,责令养殖场停止直排,并对排污口取样送检。" * 2

        def chained(i, commit=True):
            history.add_event(db.session.get(Report, ids[i % 20]), EventKind.NOTE, body=body)
            if commit:
                db.session.commit()

        def plain(i, commit=True):
            db.session.add(
                ReportEvent(
                    report_id=ids[i % 20],
                    kind=EventKind.NOTE,
                    body=body,
                    previous_hash=secrets.token_hex(32),
                    hash=secrets.token_hex(32),
                )
            )
            if commit:
                db.session.commit()

        def record(i):
            history.add_record("identity.read", "report", ids[i % 20], detail="bench")
            db.session.commit()

        # The baseline first: its rows carry made-up hashes, so they are removed (behind the triggers' back)
        # before the chained rows are written and verified. A DELETE trigger does not slow an INSERT.
        figures = {"append plain, commit each": timed(plain, n)}
        figures["append plain, one transaction"] = timed(lambda i: plain(i, commit=False), n)
        db.session.commit()
        if url.startswith("sqlite"):
            db.session.execute(sa.text("DROP TRIGGER report_events_no_delete"))
        else:
            db.session.execute(sa.text("SET session_replication_role = replica"))
        db.session.execute(sa.delete(ReportEvent).where(ReportEvent.kind == EventKind.NOTE))
        db.session.commit()
        if not url.startswith("sqlite"):
            db.session.execute(sa.text("SET session_replication_role = DEFAULT"))
        figures["append chained, commit each"] = timed(chained, n)
        figures["append chained, one transaction"] = timed(lambda i: chained(i, commit=False), n)
        db.session.commit()
        figures["append audit record, commit each"] = timed(record, n)
        sample = db.session.scalars(sa.select(ReportEvent).limit(1)).one()
        figures["SHA-256 + canonical JSON only"] = timed(
            lambda i: history.digest(
                sample.previous_hash,
                history.event_fields(
                    sample.report_id,
                    sample.kind,
                    sample.actor_id,
                    sample.unit_id,
                    sample.to_unit_id,
                    sample.reason,
                    body,
                    sample.created_at,
                ),
            ),
            n,
        )
        start, cpu = time.perf_counter(), time.process_time()
        found = history.verify()
        verify_seconds, verify_cpu = time.perf_counter() - start, time.process_time() - cpu
    engine = "PostgreSQL" if url.startswith("postgresql") else "SQLite (WAL, synchronous=FULL)"
    print(
        f"{engine}, {n} events per measure, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    print(f"  {'µs per event':38} {'wall':>8} {'CPU':>8}  (CPU: this Python process only)")
    for name, (wall, cpu) in figures.items():
        print(f"  {name:38} {wall:8.1f} {cpu:8.1f}")
    print(
        f"  verify: {found.events} events in {found.reports} reports and {found.records} audit records: "
        f"{verify_seconds:.2f} s wall, {verify_cpu:.2f} s CPU "
        f"({verify_seconds / max(found.events + found.records, 1) * 1e6:.1f} µs/row wall), "
        f"intact={found.intact}"
    )


if __name__ == "__main__":
    main()
