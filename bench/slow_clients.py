"""Page times with and without clients that hold connections open: `python bench/slow_clients.py URL [HELD]`.

Fetches a few pages in rounds, alternately alone and while HELD connections (200 by default) stay open at the
server: a quarter idle, a quarter stopped half-way through their headers, half sending a byte a second
(headers, or a POST body). Prints the median and slowest fetch of each phase, and the load average.
Used for the figures in the README's "Deploying" (`make serve` against plain gunicorn).
"""

import os
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.load import dribble, hold_connections  # noqa: E402 - the same stalling clients as the serving test

PAGES = ("/", "/reports", "/consultations", "/disclosures", "/measures", "/units")


def fetch_rounds(base, rounds, timeout):
    """Seconds each fetch took (a failed or timed-out fetch counts as `timeout`), and how many failed."""
    times, failures = [], 0
    for _ in range(rounds):
        for path in PAGES:
            started = time.monotonic()
            try:
                ok = requests.get(base + path, timeout=timeout).status_code == 200
            except requests.RequestException:
                ok = False
            times.append(time.monotonic() - started if ok else timeout)
            failures += not ok
    return times, failures


def summary(label, times, failures):
    """One line: median and slowest, failures, load average."""
    return (
        f"{label}: {len(times)} fetches, p50 {statistics.median(times) * 1000:.0f} ms, "
        f"max {max(times) * 1000:.0f} ms, {failures} failed; load average {os.getloadavg()[0]:.2f}"
    )


def main(base, count=200, rounds=5, timeout=60):
    """Print the figures without and with held connections, the two interleaved round by round."""
    address = urlsplit(base)
    requests.get(base + "/", timeout=timeout)  # warm up the workers
    figures = {"alone": ([], [0]), f"{count} held": ([], [0])}
    for _ in range(rounds):
        times, failures = fetch_rounds(base, 1, timeout)
        figures["alone"][0].extend(times)
        figures["alone"][1][0] += failures
        held, stop = hold_connections(address.hostname, address.port, count), threading.Event()
        thread = threading.Thread(target=dribble, args=(held, stop), daemon=True)
        thread.start()
        time.sleep(1.5)
        try:
            times, failures = fetch_rounds(base, 1, timeout)
            figures[f"{count} held"][0].extend(times)
            figures[f"{count} held"][1][0] += failures
        finally:
            stop.set()
            thread.join()
            for connection in held:
                connection.close()
    for label, (times, failures) in figures.items():
        print(summary(label, times, failures[0]))


if __name__ == "__main__":
    main(sys.argv[1], *(int(value) for value in sys.argv[2:]))
