"""The shipped production pair (deploy/serve: nginx in front of gunicorn's sync workers), started for real.

Two gunicorn workers, as on a small machine: without nginx, two clients that never finish their headers
hold both for gunicorn's whole timeout (30 s) and the site answers nobody. Behind nginx, 200 of them
change nothing for the other visitors.
"""

import gzip
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.load import dribble, hold_connections
from tests.test_crash_safety import free_port

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
HELD = 200
PAGES = ("/", "/reports/track", "/measures", "/consultations", "/units")

pytestmark = pytest.mark.skipif(
    not os.access(NGINX, os.X_OK),
    reason="nginx is not installed (apt-get install nginx); CI installs it",
)


def wait_for_answer(base, server, seconds=60):
    """Wait until the pair answers a page with 200 (gunicorn is up behind nginx)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "deploy/serve exited while starting"
        try:
            if requests.get(f"{base}/", timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise AssertionError("deploy/serve did not answer within a minute")


def processes_in_session(session):
    """Pids of the processes whose session id is `session` (what `make serve` started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getsid(int(entry.name)) == session:
                    found.append(int(entry.name))
            except (ProcessLookupError, PermissionError):
                pass
    return found


def test_the_production_pair_serves_everyone_while_200_clients_stall_and_stops_cleanly(make_app):
    """Pages answer while slow clients are held; static files are nginx's, cached and compressed; oversize
    bodies get 413; the logs hold no query or private link; SIGTERM to the group leaves no process."""
    app = make_app()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # Outside pytest's private temporary folder: nginx's workers run as nobody when the tests run as root.
    run = Path(tempfile.mkdtemp(prefix="portal-serve-"))
    environ = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PORT": str(port),
        "SERVE_DIR": str(run),
        "SERVE_PYTHON": sys.executable,
        "NGINX": NGINX,
        "GUNICORN_WORKERS": "2",
        "PORTAL_SECRET_KEY": app.config["SECRET_KEY"],
        "PORTAL_IDENTITY_KEY": app.config["IDENTITY_KEY"],
        "PORTAL_DATA_DIR": app.config["DATA_DIR"],
        "PORTAL_DATABASE_URL": app.config["DATABASE_URL"],
    }
    # Closed in the `finally` below, after the server has stopped writing to it and its log has been read.
    output = open(run / "serve.out", "w+")  # noqa: SIM115
    server = subprocess.Popen(
        ["deploy/serve"],
        cwd=ROOT,
        env=environ,
        stdout=output,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_answer(base, server)
        held, stop = hold_connections("127.0.0.1", port, HELD), threading.Event()
        dribbler = threading.Thread(target=dribble, args=(held, stop), daemon=True)
        dribbler.start()
        try:
            time.sleep(
                1.2
            )  # every held connection is now open at nginx, some a byte or two further on
            timings = []
            for path in PAGES * 2:
                started = time.monotonic()
                answer = requests.get(base + path, timeout=5)
                timings.append(time.monotonic() - started)
                assert answer.status_code == 200, (path, answer.status_code)
            print(
                f"\n{HELD} held: {len(timings)} pages, slowest {max(timings):.3f} s, "
                f"median {sorted(timings)[len(timings) // 2]:.3f} s; load {os.getloadavg()[0]:.2f}"
            )
        finally:
            stop.set()
            dribbler.join()
            for connection in held:
                connection.close()

        page = requests.get(f"{base}/", timeout=5).text
        stylesheet = page.split('rel="stylesheet" href="')[1].split('"')[0]
        assert "?v=" in stylesheet
        static = requests.get(
            base + stylesheet, headers={"Accept-Encoding": "gzip"}, timeout=5, stream=True
        )
        assert static.status_code == 200 and static.headers["Server"] == "nginx"
        assert "max-age=31536000" in static.headers["Cache-Control"]
        assert static.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(static.raw.read()) == (ROOT / "static/css/portal.css").read_bytes()

        # A body larger than nginx keeps in memory goes through its temporary file to the portal (which
        # refuses this one for its missing CSRF token: its page, with its headers, not an nginx error).
        upload = requests.post(
            f"{base}/reports/new", files={"evidence": ("photo.jpg", b"\xff" * 400_000)}, timeout=10
        )
        assert upload.status_code == 400 and "Content-Security-Policy" in upload.headers, (
            upload.text[:300]
        )

        too_large = socket.create_connection(("127.0.0.1", port), timeout=5)
        too_large.sendall(
            b"POST /reports/new HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 60000000\r\n\r\n"
        )
        assert too_large.recv(100).startswith(b"HTTP/1.1 413")
        too_large.close()

        requests.get(f"{base}/search?q=SECRETQUERY", timeout=5)
        requests.get(f"{base}/reports/track/JB-2026-000001/SECRETTOKEN?code=SECRETCODE", timeout=5)
        requests.get(f"{base}/subscriptions/unsubscribe/SECRETSUBSCRIPTION", timeout=5)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            status = server.wait(timeout=30)
        finally:
            left = processes_in_session(server.pid)
            for pid in left:
                os.kill(pid, signal.SIGKILL)
        output.seek(0)
        log = output.read()
        output.close()
        access = (run / "access.log").read_text()
        shutil.rmtree(run, ignore_errors=True)
    assert status == 0 and not left, (status, left, log[-2000:])
    # Both access logs (nginx's file, gunicorn's on the output) saw the requests, and no secret.
    assert "/search " in access and "/reports/track/JB-2026-000001/[redacted] " in access
    assert "/reports/track/JB-2026-000001/[redacted] " in log
    assert "SECRET" not in access and "SECRET" not in log
