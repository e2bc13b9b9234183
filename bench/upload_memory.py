"""Peak memory of a gunicorn worker while residents upload large images through the report form.

    .venv/bin/python bench/upload_memory.py                      # this checkout
    .venv/bin/python bench/upload_memory.py --source /tmp/old    # another export of the portal (before/after)

A fresh data directory is initialised (`portal init`), then gunicorn serves the app from --source with
one worker and --threads threads (so concurrent uploads share one process, the worst case for its
memory). After a warm-up report, each scenario resets the worker's high-water mark (writing 5 to
/proc/<pid>/clear_refs), posts its reports through /reports/new as a browser does (CSRF token,
submission key, multipart), and reads VmHWM from /proc/<pid>/status: the peak resident memory of the
worker during that scenario. Everything runs on 127.0.0.1 and stops by itself.
"""

import argparse
import http.cookiejar
import io
import os
import re
import secrets
import shutil
import socket
import struct
import subprocess  # nosec B404 - starts the portal's own CLI and gunicorn from this checkout
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import zlib
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


def bomb_png(width=6300, height=6300):
    """A transparent RGBA PNG of zeros: a few hundred kB on disk, width × height × 4 bytes decoded."""
    row = 1 + width * 4
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(b"\x00" * row) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    idat = (
        b"\x78\xda" + block * height + end + struct.pack(">I", ((row * height) % 65521) << 16 | 1)
    )

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def large_jpeg(width=7000, height=5000):
    """A baseline colour JPEG of width × height (35 MP by default) with detail, under 10 MB."""
    small = Image.effect_noise((width // 8, height // 8), 40).convert("L")
    image = Image.merge(
        "RGB", (small, Image.linear_gradient("L").resize(small.size), small.transpose(0))
    )
    buffer = io.BytesIO()
    image.resize((width, height)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def small_jpeg():
    """A 640 × 480 photo, for the warm-up report."""
    buffer = io.BytesIO()
    Image.linear_gradient("L").resize((640, 480)).convert("RGB").save(buffer, "JPEG")
    return buffer.getvalue()


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def multipart(fields, files):
    """(body, content type) of a multipart/form-data request."""
    boundary = secrets.token_hex(16)
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, data, content_type) in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def submit(base, files):
    """Post one report with `files` [(name, bytes, type)] as a browser does; the HTTP status."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    page = opener.open(f"{base}/reports/new", timeout=120).read().decode()
    hidden = dict(
        re.findall(r'<input[^>]*name="(csrf_token|submission_key)"[^>]*value="([^"]+)"', page)
    )
    fields = {
        **hidden,
        "category": "water",
        "area": "8",
        "place": "石河子市北泉镇排污口",
        "description": "排污口持续排放黑色污水，气味刺鼻，已持续三天。",
        "visibility": "administrators",
    }
    body, content_type = multipart(fields, [("evidence", f) for f in files])
    request = urllib.request.Request(
        f"{base}/reports/new", data=body, headers={"Content-Type": content_type}
    )
    try:
        return opener.open(request, timeout=300).status
    except urllib.error.HTTPError as error:
        return error.code


def status_kb(pid, field):
    """A field of /proc/<pid>/status in kB (VmRSS, VmHWM)."""
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1))


def worker_of(master):
    """The pid of gunicorn's (single) worker."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.2)
    raise RuntimeError("gunicorn started no worker")


def wait_until_up(base):
    """Wait for the app to answer."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/reports/new", timeout=5).read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the portal did not start")


def scenario(base, worker, name, reports):
    """Run `reports` (a list of file lists) at once; print and return (statuses, baseline MB, peak MB)."""
    before = status_kb(worker, "VmRSS")
    Path(f"/proc/{worker}/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    statuses = [None] * len(reports)

    def run(index):
        statuses[index] = submit(base, reports[index])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(reports))]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    peak = status_kb(worker, "VmHWM")
    print(
        f"{name:<44} statuses {','.join(map(str, statuses)):<12} worker RSS {before / 1024:6.0f} MB -> "
        f"peak {peak / 1024:6.0f} MB (+{(peak - before) / 1024:.0f} MB) in {seconds:.1f} s",
        flush=True,
    )
    return statuses, before / 1024, peak / 1024


def main(argv=None):
    """Start gunicorn on the chosen source, run the scenarios, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT, help="the portal checkout to serve")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--reports", type=int, default=4, help="concurrent reports in the concurrent scenarios"
    )
    parser.add_argument(
        "--files", type=int, default=5, help="files per report in the concurrent scenarios"
    )
    args = parser.parse_args(argv)
    source = args.source.resolve()
    bomb, jpeg = bomb_png(), large_jpeg()
    print(
        f"source {source}; bomb PNG 6300 × 6300 RGBA {len(bomb) / 1024:.0f} kB; "
        f"JPEG 7000 × 5000 {len(jpeg) / 1024 / 1024:.1f} MB; gunicorn 1 worker × {args.threads} threads",
        flush=True,
    )
    data_dir = Path(tempfile.mkdtemp(prefix="portal-upload-bench-"))
    # Every report comes from 127.0.0.1: lift the hourly per-address limit so it measures decoding, not 429s.
    env = {
        **os.environ,
        "PORTAL_ENV": "development",
        "PORTAL_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(source),
        "PORTAL_REPORT_LIMIT": "100000",
    }
    env.pop("PORTAL_DATABASE_URL", None)
    bin_dir = Path(sys.executable).parent
    subprocess.run(  # nosec B603 - fixed arguments, this checkout's CLI
        [str(bin_dir / "flask"), "--app", "wsgi", "portal", "init"],
        cwd=source,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(  # nosec B603 - fixed arguments, gunicorn from the same virtualenv
        [
            str(bin_dir / "gunicorn"),
            "--workers",
            "1",
            "--threads",
            str(args.threads),
            "--timeout",
            "600",
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=source,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(base)
        worker = worker_of(server.pid)
        scenario(
            base,
            worker,
            "warm-up: one report, one small photo",
            [[("warm.jpg", small_jpeg(), "image/jpeg")]],
        )
        png = ("bomb.png", bomb, "image/png")
        big = ("photo.jpg", jpeg, "image/jpeg")
        scenario(base, worker, "one report, one bomb PNG", [[png]])
        scenario(base, worker, "one report, one 35 MP JPEG", [[big]])
        scenario(
            base,
            worker,
            f"{args.reports} reports × {args.files} bomb PNGs at once",
            [[png] * args.files for _ in range(args.reports)],
        )
        scenario(
            base,
            worker,
            f"{args.reports} reports × {args.files} 35 MP JPEGs at once",
            [[big] * args.files for _ in range(args.reports)],
        )
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
