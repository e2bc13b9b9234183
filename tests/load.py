"""Clients that submit reports to a running server over HTTP, as residents and Open311 apps do.

Each submission carries a unique marker in its description, so that a test can count in the database
how many times every acknowledged submission was recorded. A client that gets no answer (the server
died, the connection was reset) sends the same form again with the same submission key, as a
resident pressing the button again would: that must never record the report twice.
"""

import re
import socket
import threading
import time
import uuid
from contextlib import suppress
from dataclasses import dataclass, field

import requests

from tests.helpers import jpeg_photo, report_fields

PHOTO = jpeg_photo(size=(48, 32))
NETWORK_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)


@dataclass
class Acknowledged:
    """Submissions the server acknowledged (thread-safe): marker → (reference, receipt code or "")."""

    items: dict = field(default_factory=dict)
    attempts: int = 0
    refusals: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, marker, reference, code=""):
        """Record one acknowledgement."""
        with self.lock:
            self.items[marker] = (reference, code)

    def refused(self, response):
        """Record an answer that was neither an acknowledgement nor a lost connection."""
        with self.lock:
            self.refusals.append((response.status_code, response.text[:300]))

    def count(self):
        """How many submissions were acknowledged so far."""
        with self.lock:
            return len(self.items)


def _hidden(page, name):
    match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page)
    return match.group(1) if match else None


def report_form(session, base):
    """GET the report form; (csrf token, submission key)."""
    page = session.get(f"{base}/reports/new", timeout=10).text
    return _hidden(page, "csrf_token"), _hidden(page, "submission_key")


def web_submission(session, base, form, marker, files=1, acknowledged=None):
    """POST the report form (the tokens from `report_form`) with a photo; (reference, code) or None."""
    token, key = form
    data = report_fields(description=f"排污口夜里排放黑臭污水,鱼都死了。{marker}")
    data.update(csrf_token=token, submission_key=key)
    uploads = [("evidence", (f"photo{n}.jpg", PHOTO, "image/jpeg")) for n in range(files)]
    response = session.post(f"{base}/reports/new", data=data, files=uploads, timeout=30)
    if response.status_code != 200:
        if acknowledged is not None:
            acknowledged.refused(response)
        return None
    reference = re.search(r'id="reference">([^<]+)<', response.text)
    code = re.search(r'id="receipt-code">([^<]+)<', response.text)
    return (reference.group(1).strip(), code.group(1).strip()) if reference and code else None


def open311_submission(session, base, api_key, marker, acknowledged=None):
    """POST one Open311 request (with a submission key, so a retry is recognised); the reference or None."""
    data = {
        "api_key": api_key,
        "service_code": "air",
        "lat": "44.305",
        "long": "86.045",
        "description": f"工地扬尘很严重,整天灰蒙蒙的。{marker}",
        "attribute[submission_key]": marker,
    }
    response = session.post(f"{base}/open311/v2/requests.json", data=data, timeout=30)
    if response.status_code not in (200, 201):
        if acknowledged is not None:
            acknowledged.refused(response)
        return None
    return response.json()[0]["service_request_id"]


def client_loop(base, api_key, acknowledged, stop, open311=False, retry_pause=0.02):
    """Submit reports until `stop` is set; every acknowledged one is recorded with its marker."""
    session = requests.Session()
    while not stop.is_set():
        marker, form = f"[{uuid.uuid4().hex}]", None
        # The same submission (same form, same key) is sent again until it is acknowledged: an answer
        # lost to a dead server is retried as a resident would, and must still record one report.
        while not stop.is_set():
            with acknowledged.lock:
                acknowledged.attempts += 1
            try:
                if open311:
                    reference = open311_submission(session, base, api_key, marker, acknowledged)
                    result = (reference, "") if reference else None
                else:
                    form = form if form and form[0] and form[1] else report_form(session, base)
                    result = web_submission(session, base, form, marker, acknowledged=acknowledged)
            except NETWORK_ERRORS:
                time.sleep(retry_pause)
                continue
            if result:
                acknowledged.add(marker, *result)
                break
            time.sleep(retry_pause)
    session.close()


def start_clients(base, api_key, count, open311_share=2):
    """Start `count` client threads (every `open311_share`-th one uses Open311); (acknowledged, stop, threads)."""
    acknowledged, stop = Acknowledged(), threading.Event()
    threads = [
        threading.Thread(
            target=client_loop,
            args=(base, api_key, acknowledged, stop, n % open311_share == 1),
            daemon=True,
        )
        for n in range(count)
    ]
    for thread in threads:
        thread.start()
    return acknowledged, stop, threads


def stop_clients(stop, threads):
    """Stop the client threads and wait for them."""
    stop.set()
    for thread in threads:
        thread.join(timeout=60)


def hold_connections(host, port, count):
    """Open `count` connections that stall: idle, half a request line, or headers and a body at a byte a second."""
    held = []
    for number in range(count):
        connection = socket.create_connection((host, port), timeout=5)
        if number % 4 == 1:
            connection.sendall(
                f"GET / HTTP/1.1\r\nHost: {host}\r\n".encode()
            )  # never finishes its headers
        elif number % 4 == 3:
            connection.sendall(
                f"POST /reports/new HTTP/1.1\r\nHost: {host}\r\nContent-Length: 5000\r\n\r\n".encode()
            )
        held.append(connection)
    return held


def dribble(held, stop):
    """Every second, one more byte on every other held connection (a client on a very slow line)."""
    while not stop.wait(1.0):
        for connection in held[::2]:
            with suppress(OSError):
                connection.send(b"X")
