"""Benchmark: how long POST /login takes for each kind of attempt, so that timing tells nothing.

    .venv/bin/python bench/login_timing.py               # 50 attempts of each kind
    .venv/bin/python bench/login_timing.py --attempts 200

Builds a portal on a fresh SQLite database in a temporary directory (the policy imported, one staff
account), then sends real login forms through Flask's test client (CSRF token fetched by a GET that
is not timed) and times each POST: an unknown username, a wrong password for the account, the
account's right password from an address that has used up its failures (the account is throttled
there), and a good login. The kinds are interleaved round by round so that a slow moment of the
machine falls on all of them alike. Each kind comes from its own client address, so the per-address
limit never mixes them up. Prints median and p95 in milliseconds, the status codes and the messages
seen: every refusal should show the same status and message, and take about as long as the others.
"""

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SUMMARY = re.compile(r'<ul class="error-summary-list">\s*<li>([^<]*)</li>')


def build(data_dir):
    """A portal on a fresh database in `data_dir`, with the policy and one staff account."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db
    from portal.policy import bundled_text
    from portal.services.accounts import create_user
    from portal.services.setup import bootstrap

    app = create_app(
        {
            "ENV": "testing",
            "TESTING": False,
            "SECRET_KEY": "bench-secret-key",
            "DATA_DIR": str(data_dir),
            "DATABASE_URL": f"sqlite:///{data_dir / 'portal.db'}",
            # High enough that only the throttled kind is ever throttled.
            "LOGIN_ADDRESS_MAX_FAILURES": 10**6,
        }
    )
    with app.app_context():
        upgrade()
        bootstrap(bundled_text())
        create_user("bench-staff", "兵团建设局", "staff", PASSWORD)
        db.session.commit()
    return app


def attempt(app, address, username, password):
    """One login from `address`: (milliseconds for the POST, status, the error summary's first message)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    started = time.perf_counter()
    response = client.post(
        "/login", data={"csrf_token": token, "username": username, "password": password}
    )
    elapsed = (time.perf_counter() - started) * 1000
    found = SUMMARY.search(response.get_data(as_text=True))
    return elapsed, response.status_code, found.group(1).strip() if found else ""


def percentile(values, share):
    """The value below which `share` of `values` fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--attempts", type=int, default=50, help="attempts of each kind (default 50)"
    )
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        app = build(Path(directory))
        # Use up the account's failures at the throttled address (and warm up every code path).
        for _ in range(app.config["LOGIN_MAX_FAILURES"]):
            attempt(app, "198.51.100.3", "bench-staff", "wrong password!")
        attempt(app, "198.51.100.1", "nobody", "wrong password!")
        attempt(app, "198.51.100.4", "bench-staff", PASSWORD)
        kinds = {
            "unknown account": ("198.51.100.1", "nobody", "wrong password!"),
            "wrong password": ("198.51.100.2", "bench-staff", "wrong password!"),
            "throttled account": ("198.51.100.3", "bench-staff", PASSWORD),
            "good login": ("198.51.100.4", "bench-staff", PASSWORD),
        }
        seen = {kind: [] for kind in kinds}
        for round_number in range(arguments.attempts):
            for kind, (address, username, password) in kinds.items():
                if kind == "wrong password":
                    # A new address every few rounds, so this kind stays below the account's limit there.
                    address = f"198.51.{101 + round_number // 4}.2"
                seen[kind].append(attempt(app, address, username, password))
    print(
        f"{arguments.attempts} attempts of each kind, POST /login through the test client, SQLite"
    )
    print(f"{'kind':<18} {'median ms':>10} {'p95 ms':>8}  statuses  message")
    for kind, results in seen.items():
        times = [elapsed for elapsed, _status, _message in results]
        statuses = ",".join(sorted({str(status) for _elapsed, status, _message in results}))
        messages = (
            " | ".join(sorted({message for _elapsed, _status, message in results}))
            or "(none: logged in)"
        )
        print(
            f"{kind:<18} {statistics.median(times):>10.1f} {percentile(times, 0.95):>8.1f}  {statuses:<8}  {messages}"
        )


if __name__ == "__main__":
    main()
