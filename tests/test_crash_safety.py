"""SIGKILL the serving gunicorn 50 times while residents and Open311 clients submit reports.

After a sample of the kills (with the server down) and after the last: every acknowledged report is
in the database exactly once, no submission is recorded twice, SQLite's integrity check passes,
`portal tick` removes the files left by submissions killed before their commit, and `portal check`
is clean (search index in step, no unreferenced files).
"""

import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import requests
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Report
from portal.services import storage
from portal.services.api_keys import create_api_key
from tests.conftest import ON_POSTGRES
from tests.load import start_clients, stop_clients

ROOT = Path(__file__).resolve().parent.parent
KILLS = 50
MARKER = re.compile(r"\[([0-9a-f]{32})\]")


def free_port():
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_closed(port, seconds=10):
    """Wait until nothing accepts connections on `port` (the killed server's socket is gone)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            return
        time.sleep(0.01)
    raise AssertionError(f"port {port} still accepts connections after SIGKILL")


def start(launcher, base):
    """Have the launcher fork a new gunicorn; its pid, once it answers HTTP."""
    launcher.stdin.write("start\n")
    launcher.stdin.flush()
    server = int(launcher.stdout.readline())
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"{base}/static/css/portal.css", timeout=5)
            return server
        except requests.ConnectionError:
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.02)


def cli(app, *args):
    """Run `flask portal …` in-process; the click Result."""
    return app.test_cli_runner().invoke(args=["portal", *args])


def verify(app, acknowledged, figures):
    """The checks made with the server down; adds to `figures`."""
    with app.app_context():
        if not ON_POSTGRES:
            assert db.session.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
        descriptions = db.session.scalars(sa.select(Report.description)).all()
        db.session.remove()
    recorded = Counter(m for text in descriptions for m in MARKER.findall(text))
    with acknowledged.lock:
        markers = [marker.strip("[]") for marker in acknowledged.items]
    lost = [m for m in markers if recorded[m] == 0]
    figures["lost"] += len(lost)
    figures["duplicates"] += sum(count - 1 for count in recorded.values() if count > 1)
    assert not lost and figures["duplicates"] == 0, (lost[:3], recorded.most_common(3))
    before = storage.find_orphans(app.config["FILES_DIR"], _referenced(app), 0).paths
    figures["orphans found"] += len(before)
    ticked = cli(app, "tick")
    assert ticked.exit_code == 0, ticked.output
    figures["orphans removed"] += int(
        re.search(r"unreferenced stored files removed (\d+)", ticked.output).group(1)
    )
    checked = cli(app, "check")
    assert checked.exit_code == 0 and checked.output.startswith("OK"), checked.output
    assert storage.find_orphans(app.config["FILES_DIR"], _referenced(app), 0).paths == ()
    figures["checks"] += 1


def _referenced(app):
    with app.app_context():
        found = storage.referenced_files(lambda sql: db.session.execute(sa.text(sql)).all())
        db.session.remove()
    return found


def test_fifty_sigkills_lose_nothing_duplicate_nothing_and_leave_no_orphan_files(make_app):
    """Acknowledged reports survive every kill once; the database, the index and the files stay consistent."""
    started = time.monotonic()
    # Eight clients on one address: the per-address and per-key hourly limits are lifted for the test.
    app = make_app(API_KEY_HOURLY_LIMIT=10**6, REPORT_LIMIT=10**6, ORPHAN_FILE_GRACE_SECONDS=0)
    with app.app_context():
        _key, api_key = create_api_key("crash")
        db.session.commit()
        db.session.remove()
    assert cli(app, "reindex").exit_code == 0
    port = free_port()
    environ = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PORTAL_ENV": "development",
        "PORTAL_SECRET_KEY": app.config["SECRET_KEY"],
        "PORTAL_DATA_DIR": app.config["DATA_DIR"],
        "PORTAL_FILES_DIR": app.config["FILES_DIR"],
        "PORTAL_DATABASE_URL": app.config["DATABASE_URL"],
        "PORTAL_API_KEY_HOURLY_LIMIT": "1000000",
        "PORTAL_REPORT_LIMIT": "1000000",
    }
    # Once identities are encrypted, the servers must use the test app's key (when it has one).
    environ.update(
        {"PORTAL_IDENTITY_KEY": app.config["IDENTITY_KEY"]}
        if app.config.get("IDENTITY_KEY")
        else {}
    )
    launcher = subprocess.Popen(
        [sys.executable, "-m", "tests.crash_server", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=environ,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    seed = random.randrange(2**32)
    moments = random.Random(seed)
    figures, server, base = Counter(), None, f"http://127.0.0.1:{port}"
    acknowledged, stop, threads = start_clients(base, api_key, 8)
    try:
        for _kill in range(1, KILLS + 1):
            server = start(launcher, base)
            # A random moment of serving (the load is steady by then: the clients retry every 20 ms).
            time.sleep(moments.uniform(0.0, 0.6))
            os.killpg(server, signal.SIGKILL)
            server = None
            wait_until_closed(port)
            figures["kills"] += 1
            verify(app, acknowledged, figures)
        stop_clients(stop, threads)
        # Restarted once more, the portal answers for a report acknowledged before the kills.
        server = start(launcher, base)
        reference = next(ref for ref, code in acknowledged.items.values() if not code)
        answer = requests.get(f"{base}/open311/v2/requests/{reference}.json", timeout=10)
        assert answer.status_code == 200 and answer.json()[0]["service_request_id"] == reference
    finally:
        if server is not None:
            os.killpg(server, signal.SIGKILL)
        stop_clients(stop, threads)
        launcher.stdin.close()
        launcher.wait(timeout=10)
    assert not [status for status, _text in acknowledged.refusals if status >= 500], (
        acknowledged.refusals[:3]
    )
    web = sum(1 for _ref, code in acknowledged.items.values() if code)
    figures.update(
        {"acknowledged": acknowledged.count(), "web form": web, "attempts": acknowledged.attempts}
    )
    assert figures["kills"] == KILLS and figures["checks"] == KILLS
    print(f"\ncrash safety (seed {seed}): {dict(figures)}, {time.monotonic() - started:.0f} s")
    # Both kinds of client got through between the kills: the kills met real load.
    assert web >= 10 and acknowledged.count() - web >= 10, dict(figures)


def test_check_reports_unreferenced_files_and_tick_removes_them_after_the_grace_period(make_app):
    """A file whose row never committed is named by `check`; `tick` removes it once older than the grace period."""
    app = make_app(ORPHAN_FILE_GRACE_SECONDS=600)
    assert cli(app, "reindex").exit_code == 0
    files_dir = Path(app.config["FILES_DIR"])
    old, young = (
        files_dir / "evidence/2026/12/killed.jpg",
        files_dir / "evidence-originals/2026/12/.tmp-x.part",
    )
    for path in (old, young):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\xff\xd8\xff")
    hour_ago = time.time() - 3600
    os.utime(old, (hour_ago, hour_ago))
    checked = cli(app, "check")
    assert (
        checked.exit_code == 1
        and "1 stored files no row refers to (evidence/2026/12/killed.jpg" in checked.output
    )
    ticked = cli(app, "tick")
    assert (
        "unreferenced stored files removed 1, 1 younger than the grace period kept" in ticked.output
    )
    assert not old.exists() and young.exists()
    assert cli(app, "check").exit_code == 0


def test_check_names_a_stored_file_that_a_row_refers_to_but_is_missing(make_app):
    """A backup would refuse such a data directory, so `check` says which file is gone."""
    from tests.helpers import jpeg_photo, submit_report

    app = make_app()
    assert cli(app, "reindex").exit_code == 0
    submit_report(app.test_client(), files=[("photo.jpg", jpeg_photo())])
    with app.app_context():
        original = db.session.scalar(
            sa.select(sa.text("original_path")).select_from(sa.table("evidence"))
        )
        db.session.remove()
    assert cli(app, "check").exit_code == 0
    (Path(app.config["FILES_DIR"]) / original).unlink()
    checked = cli(app, "check")
    assert (
        checked.exit_code == 1
        and f"1 files rows refer to are missing ({original})" in checked.output
    )
