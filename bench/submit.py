"""Benchmark: how many reports a second the portal acknowledges under gunicorn, and that none is lost.

    .venv/bin/python bench/submit.py                          # SQLite, 1,500 reports per channel, 16 clients
    .venv/bin/python bench/submit.py --database postgresql    # a scratch PostgreSQL database on 127.0.0.1
    .venv/bin/python bench/submit.py --reports 300 --channel open311 --json out.json

Prepares a fresh data directory with the demo data (`portal init`, `portal demo`, as `make demo` does),
creates an Open311 API key, and starts the portal as production runs it: `gunicorn --workers 2
wsgi:app` (sync workers), PORTAL_ENV=production with a generated PORTAL_SECRET_KEY and
PORTAL_IDENTITY_KEY, PORTAL_PUBLIC_URL=http://127.0.0.1:<port>. Every request comes from 127.0.0.1, so
PORTAL_REPORT_LIMIT and PORTAL_API_KEY_HOURLY_LIMIT are raised for the run.

Then `--clients` threads, each with its own connection (kept open when the server allows it; gunicorn's
sync workers close it after each answer, and the client reconnects), send `--reports` reports in all:
once through Open311 (POST /open311/v2/requests.json) and once through the web form (GET /reports/new,
then POST it with the CSRF token, the submission key and the session cookie). Each report carries a
unique marker in its description. A channel's figures: acknowledged per second (wall time of the
channel), p50/p95/p99 of the submitting POST (for the form, the GET before it is not counted), 5xx
answers and other errors. Then the database is read: every acknowledged report (by its reference, and
for the form its receipt code's hash) exists exactly once, and no marker was recorded twice.

`--database postgresql` creates a scratch database (createdb -h 127.0.0.1 -U postgres, trust auth) and
drops it afterwards. The load average is printed at the start and the end, and for each channel the CPU time per report of
the load generator itself (this process), of gunicorn (master and workers) and of PostgreSQL's processes
(on SQLite that figure is 0): all three share the machine's cores.
"""

import argparse
import base64
import hashlib
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HIDDEN = r'name="{}" type="hidden" value="([^"]*)"'
REFERENCE = re.compile(r'id="reference">([^<]+)<')
CODE = re.compile(r'id="receipt-code">([^<]+)<')
MARKER = re.compile(r"\[([0-9a-f]{32})\]")


def load_average():
    """The 1, 5 and 15 minute load averages."""
    return [round(x, 2) for x in os.getloadavg()]


def free_port():
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(data_dir, database_url, port):
    """The production settings the server and the commands run with."""
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PORTAL_ENV": "production",
        "PORTAL_SECRET_KEY": secrets.token_urlsafe(48),
        "PORTAL_IDENTITY_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "PORTAL_DATA_DIR": str(data_dir),
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "PORTAL_API_KEY_HOURLY_LIMIT": "1000000",
        "PORTAL_REPORT_LIMIT": "1000000",
    }


def flask(env, *args):
    """Run `flask --app wsgi portal …`; its output."""
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "portal", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"portal {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def cpu_seconds(match):
    """User + system CPU seconds of the live processes for which `match(pid, pgid, name)` is true."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        if match(int(entry.name), int(fields[2]), name):
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def cpu_counters(server_pid):
    """CPU seconds so far of this process (the clients), of gunicorn's process group and of PostgreSQL."""
    return {
        "client": time.process_time(),
        "portal": cpu_seconds(lambda pid, pgid, name: pgid == server_pid),
        "database": cpu_seconds(lambda pid, pgid, name: name.startswith("postgres")),
    }


def start_server(env, port, workers):
    """gunicorn with `workers` sync workers; the process, once it answers."""
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/static/css/portal.css")
            connection.getresponse().read()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit("gunicorn did not start")


class Client:
    """One connection to the server (reopened when the server closes it) and a session cookie."""

    def __init__(self, port):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = None

    def request(self, method, path, body=None, headers=None):
        """(status, text) of one request; the session cookie is kept and sent back."""
        headers = dict(headers or {})
        if self.cookie:
            # Production cookies are Secure; this client speaks plain HTTP to 127.0.0.1 and sends it anyway.
            headers["Cookie"] = self.cookie
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.connection.close()
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        if response.getheader("connection", "").lower() == "close":
            self.connection.close()
        return response.status, text


def multipart(fields):
    """A multipart/form-data body as a browser sends the report form (an empty file field included)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="evidence"; filename=""\r\n'
        "Content-Type: application/octet-stream\r\n\r\n\r\n"
    )
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), f"multipart/form-data; boundary={boundary}"


def open311_report(client, api_key, marker):
    """POST one Open311 request; (status, reference or None, code '')."""
    body = urlencode(
        {
            "api_key": api_key,
            "service_code": "air",
            "lat": "44.305",
            "long": "86.045",
            "description": f"工地扬尘很严重,整天灰蒙蒙的。{marker}",
            "attribute[submission_key]": marker.strip("[]"),
        }
    )
    status, text = client.request(
        "POST",
        "/open311/v2/requests.json",
        body,
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    if status in (200, 201):
        return status, json.loads(text)[0]["service_request_id"], ""
    return status, None, None


def web_form(client):
    """GET the report form: (csrf token, submission key)."""
    status, page = client.request("GET", "/reports/new")
    token, key = (re.search(HIDDEN.format(n), page) for n in ("csrf_token", "submission_key"))
    if status != 200 or not token or not key:
        raise RuntimeError(f"GET /reports/new answered {status}")
    return token.group(1), key.group(1)


def web_report(client, form, marker):
    """POST the report form; (status, reference or None, receipt code or None)."""
    token, key = form
    body, content_type = multipart(
        {
            "csrf_token": token,
            "submission_key": key,
            "category": "water",
            "area": "8",
            "place": "石河子市北泉镇排污口",
            "description": f"排污口每天夜里排放黑臭污水,渠道里的鱼都死了。{marker}",
            "visibility": "administrators",
            "name": "",
            "phone": "",
            "email": "",
        }
    )
    status, page = client.request("POST", "/reports/new", body, {"Content-Type": content_type})
    reference, code = REFERENCE.search(page), CODE.search(page)
    if status == 200 and reference and code:
        return status, reference.group(1).strip(), code.group(1).strip()
    return status, None, None


def run_channel(channel, port, api_key, reports, clients):
    """Send `reports` reports from `clients` threads through `channel`; the figures and the acknowledgements."""
    lock, counter = threading.Lock(), iter(range(reports))
    latencies, statuses, errors, acknowledged, unanswered = [], Counter(), [], {}, []

    def work():
        client = Client(port)
        while True:
            with lock:
                if next(counter, None) is None:
                    return
            marker = f"[{uuid.uuid4().hex}]"
            try:
                form = web_form(client) if channel == "web" else None
                started = time.perf_counter()
                if channel == "web":
                    status, reference, code = web_report(client, form, marker)
                else:
                    status, reference, code = open311_report(client, api_key, marker)
                elapsed = time.perf_counter() - started
            except Exception as error:  # noqa: BLE001 - counted and shown, the run goes on
                with lock:
                    errors.append(f"{type(error).__name__}: {error}"[:200])
                    unanswered.append(marker)
                client.connection.close()
                continue
            with lock:
                latencies.append(elapsed)
                statuses[status] += 1
                if reference:
                    acknowledged[marker.strip("[]")] = (reference, code)
                else:
                    errors.append(f"HTTP {status}")

    threads = [threading.Thread(target=work) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "channel": channel,
        "reports": reports,
        "clients": clients,
        "seconds": round(wall, 2),
        "acknowledged": len(acknowledged),
        "acknowledged_per_second": round(len(acknowledged) / wall, 1),
        "p50_ms": round(cuts[49] * 1000, 1),
        "p95_ms": round(cuts[94] * 1000, 1),
        "p99_ms": round(cuts[98] * 1000, 1),
        "status_5xx": sum(n for s, n in statuses.items() if s >= 500),
        "other_errors": len(errors) - sum(n for s, n in statuses.items() if s >= 500),
        "statuses": {str(s): n for s, n in sorted(statuses.items())},
        "first_errors": errors[:5],
    }, acknowledged


def verify(database_url, acknowledged, everything):
    """Read the reports back: lost, duplicated or wrong among `acknowledged`; markers recorded twice, and
    recorded though not in `everything` (all acknowledged so far, warm-ups included)."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT reference, receipt_hash, description FROM reports")
        ).all()
    engine.dispose()
    by_marker = {}
    for reference, receipt_hash, description in rows:
        for marker in MARKER.findall(description):
            by_marker.setdefault(marker, []).append((reference, receipt_hash))
    lost = duplicated = wrong = 0
    for marker, (reference, code) in acknowledged.items():
        found = by_marker.get(marker, [])
        if not found:
            lost += 1
            continue
        duplicated += len(found) > 1
        normal = re.sub(r"[\s\-]", "", code).upper()
        if found[0][0] != reference or (
            code and found[0][1] != hashlib.sha256(normal.encode()).hexdigest()
        ):
            wrong += 1
    twice = sum(1 for found in by_marker.values() if len(found) > 1)
    unacknowledged = sum(1 for marker in by_marker if marker not in everything)
    return {
        "lost": lost,
        "duplicated": duplicated,
        "wrong_reference_or_receipt": wrong,
        "markers_recorded_twice": twice,
        "recorded_unacknowledged": unacknowledged,
    }


def main():
    """Prepare, serve, load, verify, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--reports", type=int, default=1500, help="reports per channel")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--channel", choices=("both", "open311", "web"), default="both")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    print(f"load average at start: {load_average()}")
    data_dir = Path(tempfile.mkdtemp(prefix="bench-submit-"))
    scratch = None
    if args.database == "postgresql":
        scratch = f"bench_submit_{os.getpid()}"
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", scratch], check=True)
        database_url = f"postgresql+psycopg://postgres@127.0.0.1/{scratch}"
    else:
        database_url = f"sqlite:///{data_dir / 'portal.db'}"
    port = free_port()
    env = environment(data_dir, database_url, port)
    server = None
    try:
        flask(env, "init")
        flask(env, "demo")
        with_key = subprocess.run(
            [
                str(BIN / "python"),
                "-c",
                "from wsgi import app\nfrom portal.extensions import db\n"
                "from portal.services.api_keys import create_api_key\nwith app.app_context():\n"
                "    _key, plain = create_api_key('bench')\n    db.session.commit()\n    print(plain)",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        api_key = with_key.stdout.strip().splitlines()[-1]
        server = start_server(env, port, args.workers)
        channels = ("open311", "web") if args.channel == "both" else (args.channel,)
        results, everything = [], {}
        for channel in channels:
            # Warm up both workers (templates, caches, connections); these reports are checked too.
            everything.update(run_channel(channel, port, api_key, 20, 2)[1])
            before = cpu_counters(server.pid)
            figures, acknowledged = run_channel(channel, port, api_key, args.reports, args.clients)
            after = cpu_counters(server.pid)
            figures["cpu_ms_per_report"] = {
                part: round((after[part] - before[part]) * 1000 / args.reports, 2)
                for part in before
            }
            everything.update(acknowledged)
            figures.update(
                verify(database_url, acknowledged, everything), load_average=load_average()
            )
            results.append(figures)
            print(
                f"{args.database} {channel}: {figures['acknowledged']}/{args.reports} acknowledged in "
                f"{figures['seconds']} s = {figures['acknowledged_per_second']}/s, p50 {figures['p50_ms']} ms, "
                f"p95 {figures['p95_ms']} ms, p99 {figures['p99_ms']} ms, 5xx {figures['status_5xx']}, "
                f"other errors {figures['other_errors']}; lost {figures['lost']}, duplicated "
                f"{figures['duplicated']}, wrong reference/receipt {figures['wrong_reference_or_receipt']}, "
                f"markers recorded twice {figures['markers_recorded_twice']}, recorded unacknowledged "
                f"{figures['recorded_unacknowledged']}; load average {figures['load_average']}; CPU ms per report "
                + ", ".join(f"{part} {ms}" for part, ms in figures["cpu_ms_per_report"].items())
            )
            if figures["first_errors"]:
                print(f"  first errors: {figures['first_errors']}")
    finally:
        if server is not None:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
        if scratch:
            subprocess.run(
                ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", scratch], check=False
            )
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"load average at end: {load_average()}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "database": args.database,
                    "workers": args.workers,
                    "cpus": os.cpu_count(),
                    "python": sys.version.split()[0],
                    "results": results,
                },
                indent=2,
            )
        )
    failed = any(
        r["lost"]
        or r["duplicated"]
        or r["wrong_reference_or_receipt"]
        or r["markers_recorded_twice"]
        or r["status_5xx"]
        for r in results
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
