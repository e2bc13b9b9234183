"""Two app hosts behind one nginx, for real: `make two-hosts` (as root), or tests/deploy/test_two_hosts.py.

    .venv/bin/python deploy/two_hosts.py                  # the journey, the shared limits, 30 s of load
    .venv/bin/python deploy/two_hosts.py --seconds 10 --clients 8

What it builds, and removes again even when a step fails: two network namespaces (`ip netns`), each
joined to this one by a veth pair with an address of its own; in each namespace one gunicorn app host
(deploy/gunicorn.conf.py, as `make serve` runs it, production settings), both on the SAME scratch
PostgreSQL database (created and dropped here, reached through PostgreSQL's Unix socket, a file that
every namespace sees) with PORTAL_SEARCH_ENGINE=postgresql and one shared PORTAL_FILES_DIR, each with a
PORTAL_DATA_DIR of its own, both started at once on the empty database (each runs `portal init`, which
takes its turn); and in this namespace nginx (deploy/nginx.conf with the two hosts as its
upstream) on a free port of 127.0.0.1, round robin, passing a request that could not reach one host to
the other.

Then three parts, each printing what it saw:

1. the journey, every step sent to the other host than the step before (straight to the host's
   address, with the X-Forwarded-For nginx would add, so both hosts see the same resident): a report
   with a photo is submitted through A, tracked through B, accepted, answered and closed by staff
   whose session started on B, found by search, its photo served by the other host; a consultation
   comment and a hearing registration likewise;
2. the limits kept in the database: failed logins spread over both hosts add up to the lock-out, and
   wrong receipt codes counted on A refuse the right one on B;
3. load and failover: `--clients` clients submit reports through nginx for `--seconds`; halfway, the
   whole process group of host A's gunicorn (master and workers) gets SIGKILL. Afterwards every report
   a client saw the receipt of is in the database exactly once, none twice, and the failed requests
   are counted: at most one per client, the request it had in flight on A when A died (nginx passes
   a request it could not send to A to B; a POST already sent is never sent twice). A client whose
   report got a 502 sends the same form again once, as a resident would: its submission key keeps a
   report that A stored before dying from being stored twice.
"""

import argparse
import base64
import contextlib
import io
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.submit import Client, verify, web_form, web_report  # noqa: E402

IP = shutil.which("ip") or "/usr/sbin/ip"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
# Where Debian's PostgreSQL puts its socket (PGSOCKETDIR, if set, names another): the app hosts reach the
# database through this file, because PostgreSQL listens on 127.0.0.1 of this namespace only.
DEFAULT_SOCKET_DIR = "/var/run/postgresql"


def socket_dir():
    """The directory of PostgreSQL's Unix socket."""
    return os.environ.get("PGSOCKETDIR", DEFAULT_SOCKET_DIR)


APP_PORT = 8001
# Requests sent to a host to fill the page caches of its workers (gunicorn's sync workers take turns).
WORKERS_SEEN = 2
DEMO_PASSWORD = "demo-password-2026"  # nosec B105 - the sample accounts' password (services/demo.py)
HIDDEN = re.compile(r'<input[^>]*name="([^"]+)"[^>]*type="hidden"[^>]*value="([^"]*)"')
HIDDEN_FIRST = re.compile(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"')
REFERENCE = re.compile(r'id="reference">([^<]+)<')
RECEIPT = re.compile(r'id="receipt-code">([^<]+)<')
REGISTRATION = re.compile(r'id="registration-code">([^<]+)<')


def missing():
    """Why this machine cannot run the two hosts (not root, no `ip`, no nginx, no PostgreSQL socket), or ''."""
    if os.geteuid() != 0:
        return "network namespaces need root (ip netns add); CI runs as root"
    if not os.access(IP, os.X_OK):
        return "`ip` (iproute2) is not installed"
    if not os.access(NGINX, os.X_OK):
        return "nginx is not installed (apt-get install nginx); CI installs it"
    if not Path(socket_dir(), ".s.PGSQL.5432").exists():
        return f"PostgreSQL's socket is not in {socket_dir()} (PGSOCKETDIR names another directory)"
    if not shutil.which("createdb"):
        return "PostgreSQL's client programs (createdb) are not installed"
    return ""


def run(*command, check=True):
    """Run a command quietly; its completed process (raises with its output when `check` and it fails)."""
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stdout}{done.stderr}")
    return done


def free_port():
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def free_subnets(count):
    """`count` /30 networks of 10.64.0.0/10 that no interface of this namespace uses (random, so runs differ)."""
    used = run(IP, "-4", "-o", "addr").stdout
    chosen = []
    while len(chosen) < count:
        prefix = f"10.{secrets.choice(range(64, 128))}.{secrets.randbelow(256)}.{secrets.randbelow(64) * 4}"
        stem = prefix.rsplit(".", 1)[0] + "."
        if stem not in used and all(not c.startswith(stem) for c in chosen):
            chosen.append(prefix)
    return chosen


@dataclass
class Host:
    """One app host: its namespace, the veth pair to it, its address, data directory and gunicorn."""

    name: str
    namespace: str
    outside: str  # the veth end in this namespace
    inside: str  # the veth end in the host's namespace
    gateway: str  # this namespace's address on the pair
    address: str  # the host's address, where gunicorn listens
    data_dir: Path
    process: subprocess.Popen | None = None
    log: Path | None = None

    @property
    def base(self):
        """The host's URL (straight to gunicorn, past nginx)."""
        return f"http://{self.address}:{APP_PORT}"


@dataclass
class Cluster:
    """Two app hosts, one database, one files directory, one nginx; `close` removes every part of it."""

    workdir: Path
    database: str
    hosts: list = field(default_factory=list)
    port: int = 0
    nginx: subprocess.Popen | None = None
    environ: dict = field(default_factory=dict)
    made: list = field(default_factory=list)  # (kind, name) of what exists now, for `close`

    @property
    def database_url(self):
        """The shared database, through PostgreSQL's Unix socket (every namespace sees the file)."""
        return f"postgresql+psycopg://postgres@/{self.database}?host={socket_dir()}"

    @property
    def proxy(self):
        """nginx's URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, workers=2):
        """Create the database, the namespaces and veths, start both hosts, load the demo data, start nginx."""
        tag = secrets.token_hex(3)
        run("createdb", "-h", "127.0.0.1", "-U", "postgres", self.database)
        self.made.append(("database", self.database))
        self.port = free_port()
        files = self.workdir / "files"
        files.mkdir()
        # Only these PORTAL_* settings: one left in the caller's environment (a test run's) must not leak in.
        self.environ = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "GUNICORN_"))},
            "PYTHONPATH": str(ROOT),
            "PORTAL_ENV": "production",
            "PORTAL_SECRET_KEY": secrets.token_urlsafe(48),
            "PORTAL_IDENTITY_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "PORTAL_DATABASE_URL": self.database_url,
            "PORTAL_SEARCH_ENGINE": "postgresql",
            "PORTAL_FILES_DIR": str(files),
            "PORTAL_PUBLIC_URL": self.proxy,
            "PORTAL_PROXY_COUNT": "1",
            # Every load client comes through nginx from 127.0.0.1: one address, far over 20 reports an hour.
            "PORTAL_REPORT_LIMIT": "1000000",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_ACCESS_LOG": str(self.workdir / "access-{host}.log"),
            "GUNICORN_LOG_LEVEL": "warning",
        }
        for letter, subnet in zip("ab", free_subnets(2), strict=True):
            stem = subnet.rsplit(".", 1)[0]
            last = int(subnet.rsplit(".", 1)[1])
            host = Host(
                name=letter.upper(),
                namespace=f"tw{tag}{letter}",
                outside=f"tw{tag}{letter}0",
                inside=f"tw{tag}{letter}1",
                gateway=f"{stem}.{last + 1}",
                address=f"{stem}.{last + 2}",
                data_dir=self.workdir / f"data-{letter}",
            )
            self.hosts.append(host)
            run(IP, "netns", "add", host.namespace)
            self.made.append(("namespace", host.namespace))
            run(IP, "link", "add", host.outside, "type", "veth", "peer", "name", host.inside)
            self.made.append(("link", host.outside))
            run(IP, "link", "set", host.inside, "netns", host.namespace)
            run(IP, "addr", "add", f"{host.gateway}/30", "dev", host.outside)
            run(IP, "link", "set", host.outside, "up")
            inside = (IP, "netns", "exec", host.namespace, IP)
            run(*inside, "addr", "add", f"{host.address}/30", "dev", host.inside)
            run(*inside, "link", "set", host.inside, "up")
            run(*inside, "link", "set", "lo", "up")
        # Both at once on the empty database, as a deployment starts them: each runs `portal init` first,
        # one after the other (its advisory lock), and the second finds the migrations done.
        for host in self.hosts:
            self.start_host(host)
        for host in self.hosts:
            self.wait_for(host.base, host.process, f"host {host.name}")
        # The demo data (accounts, an open consultation with a hearing), while both serve.
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "portal", "demo"],
            cwd=ROOT,
            env={**self.environ, "PORTAL_DATA_DIR": str(self.workdir / "demo")},
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"portal demo failed: {done.stdout}{done.stderr}")
        self.start_nginx()
        self.wait_for(self.proxy, self.nginx, "nginx")

    def start_host(self, host):
        """gunicorn in the host's namespace, in a session of its own (its pid is the process group)."""
        host.data_dir.mkdir()
        host.log = self.workdir / f"gunicorn-{host.name}.log"
        environ = {
            **self.environ,
            "PORTAL_DATA_DIR": str(host.data_dir),
            "GUNICORN_BIND": f"{host.address}:{APP_PORT}",
            "GUNICORN_ACCESS_LOG": str(self.workdir / f"access-{host.name}.log"),
        }
        with open(host.log, "w") as log:
            host.process = subprocess.Popen(
                [IP, "netns", "exec", host.namespace, sys.executable, "-m", "gunicorn"]
                + ["-c", "deploy/gunicorn.conf.py", "wsgi:app"],
                cwd=ROOT,
                env=environ,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def start_nginx(self):
        """nginx with deploy/nginx.conf, its one upstream server replaced by the two hosts."""
        run_dir = self.workdir / "nginx"
        run_dir.mkdir()
        servers = "\n        ".join(
            f"server {h.address}:{APP_PORT} fail_timeout=0;" for h in self.hosts
        )
        text = (ROOT / "deploy/nginx.conf").read_text()
        assert "server @UPSTREAM@ fail_timeout=0;" in text, "deploy/nginx.conf's upstream changed"
        text = text.replace("server @UPSTREAM@ fail_timeout=0;", servers)
        for name, value in (("PORT", self.port), ("STATIC", ROOT / "static"), ("RUN", run_dir)):
            text = text.replace(f"@{name}@", str(value))
        (run_dir / "nginx.conf").write_text(text)
        run(
            NGINX, "-t", "-q", "-p", str(run_dir), "-e", "stderr", "-c", str(run_dir / "nginx.conf")
        )
        self.nginx = subprocess.Popen(
            [NGINX, "-p", str(run_dir), "-e", "stderr", "-c", str(run_dir / "nginx.conf")],
            stdout=open(run_dir / "nginx.out", "w"),  # noqa: SIM115 - nginx writes to it until it stops
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def wait_for(self, base, process, what, seconds=120):
        """Wait until `base` answers / with 200."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{what} exited while starting:\n{self.logs()}")
            try:
                answer = requests.get(
                    f"{base}/", headers={"Host": f"127.0.0.1:{self.port}"}, timeout=5
                )
                if answer.status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{what} did not answer within {seconds} s:\n{self.logs()}")

    def logs(self):
        """The end of each host's gunicorn output."""
        parts = []
        for host in self.hosts:
            if host.log and host.log.exists():
                parts.append(f"--- host {host.name}\n{host.log.read_text()[-3000:]}")
        return "\n".join(parts)

    def kill(self, host):
        """SIGKILL to the host's whole process group (gunicorn's master and its workers) at once."""
        os.killpg(host.process.pid, signal.SIGKILL)
        host.process.wait(timeout=30)

    def close(self):
        """Stop every process and remove every namespace, link, database and directory made, in reverse."""
        problems = []
        for process in [self.nginx, *(h.process for h in self.hosts)]:
            if process is not None and process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=30)
                except (ProcessLookupError, subprocess.TimeoutExpired) as error:
                    problems.append(f"process {process.pid}: {error}")
        for kind, name in reversed(self.made):
            if kind == "namespace":
                # Whatever still runs in it (nothing should) is ended before the namespace goes.
                for pid in run(IP, "netns", "pids", name, check=False).stdout.split():
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(int(pid), signal.SIGKILL)
                done = run(IP, "netns", "delete", name, check=False)
            elif kind == "link":
                # Deleting either end of a veth pair removes both; the namespace's going took it already.
                done = run(IP, "link", "delete", name, check=False)
                if "Cannot find device" in done.stderr:
                    continue
            else:
                done = run(
                    "dropdb",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                    "--if-exists",
                    "--force",
                    name,
                    check=False,
                )
            if done.returncode != 0:
                problems.append(f"{kind} {name}: {done.stderr.strip()}")
        self.made.clear()
        shutil.rmtree(self.workdir, ignore_errors=True)
        if problems:
            raise RuntimeError("cleaning up failed: " + "; ".join(problems))


class Browser:
    """One person's browser: a session cookie sent to whichever host it talks to, from one client address.

    Sent straight to a host, each request carries the X-Forwarded-For nginx would set (PORTAL_PROXY_COUNT=1),
    so both hosts see the same resident. The cookies are kept by name and sent back over plain HTTP
    (production cookies are Secure; here nothing but this test talks to the hosts).
    """

    def __init__(self, cluster, address):
        self.cluster, self.address, self.cookies = cluster, address, {}

    def request(self, host, method, path, **options):
        """The answer of `host` (a Host, or None for nginx) to one request; redirects are not followed."""
        base = self.cluster.proxy if host is None else host.base
        headers = {"Host": f"127.0.0.1:{self.cluster.port}", "X-Forwarded-For": self.address}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        answer = requests.request(
            method, base + path, headers=headers, allow_redirects=False, timeout=30, **options
        )
        for cookie in answer.cookies:
            self.cookies[cookie.name] = cookie.value
        return answer

    def get(self, host, path, status=200):
        """GET a page (asserting its status); its text."""
        answer = self.request(host, "GET", path)
        assert answer.status_code == status, (host and host.name, path, answer.status_code)
        return answer.text

    def post_form(self, host, page, path, fields, files=None):
        """POST a form with the hidden fields of `page`'s form whose action is `path`, plus `fields`."""
        data = {**hidden_fields(page, path), **fields}
        return self.request(host, "POST", path, data=data, files=files)

    def log_in(self, host, username, password=DEMO_PASSWORD):
        """Sign in through the login form on `host`; the answer."""
        page = self.get(host, "/login")
        return self.post_form(host, page, "/login", {"username": username, "password": password})


def hidden_fields(page, action):
    """The hidden inputs of `page`'s form posting to `action`, else of its form posting to the page itself."""
    forms = re.findall(r"<form\b([^>]*)>(.*?)</form>", page, re.S)
    for wanted in (action, None):
        for attributes, body in forms:
            target = re.search(r'action="([^"]*)"', attributes)
            target = unescape(target.group(1)).split("?")[0] if target else None
            if target == wanted and 'method="post"' in attributes:
                pairs = HIDDEN.findall(body) + HIDDEN_FIRST.findall(body)
                return {name: unescape(value) for name, value in pairs}
    raise AssertionError(f"no form posting to {action}")


def jpeg_photo():
    """A small JPEG photo (a real image the portal accepts as evidence)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def step(text):
    """Print one step of the run as it passes."""
    print(f"  ok  {text}", flush=True)


def journey(cluster):
    """A report, a comment and a registration, each step through the other host than the one before."""
    a, b = cluster.hosts
    resident = Browser(cluster, "198.51.100.7")
    page = resident.get(b, "/reports/new")
    phrase = f"暗管{secrets.token_hex(4)}"
    answer = resident.post_form(
        a,  # the form came from B: its CSRF token and submission key are good on A too
        page,
        "/reports/new",
        {
            "category": "water",
            "area": "8",
            "place": "石河子市北泉镇排污口",
            "description": "排污口每天夜里排放黑臭污水,渠道里的鱼都死了。",
            "visibility": "administrators",
            "name": "",
            "phone": "",
            "email": "",
        },
        files={"evidence": ("photo.jpg", jpeg_photo(), "image/jpeg")},
    )
    assert answer.status_code == 200, (answer.status_code, answer.text[:2000])
    reference = REFERENCE.search(answer.text).group(1).strip()
    code = RECEIPT.search(answer.text).group(1).strip()
    step(f"report {reference} submitted with a photo through A, on the form B served")

    page = resident.get(b, "/reports/track")
    tracked = resident.post_form(b, page, "/reports/track", {"reference": reference, "code": code})
    assert tracked.status_code == 302, tracked.status_code
    private = tracked.headers["Location"].replace(cluster.proxy, "")
    assert reference in resident.get(a, private)
    step("tracked with its receipt code through B, its private page read through A")

    staff = Browser(cluster, "198.51.100.20")
    assert staff.log_in(b, "demo-shihezi").status_code == 302
    console = f"/console/reports/{reference}"
    page = staff.get(a, console)
    evidence = re.search(rf'href="({console}/evidence/\d+)"', page).group(1)
    step("staff signed in through B, the report's page read through A")

    accepted = staff.post_form(b, page, f"{console}/accept", {})
    assert accepted.status_code == 302, accepted.status_code
    page = staff.get(a, console)
    assert "badge-accepted" in page
    step("accepted through B, shown accepted through A")

    # The public page, rendered and kept in B's page caches (a Last-Modified says it was stored).
    public = Browser(cluster, "198.51.100.10")
    for _ in range(2 * WORKERS_SEEN):
        shown = public.request(b, "GET", f"/reports/{reference}")
    assert "badge-accepted" in shown.text and "Last-Modified" in shown.headers, shown.headers

    reply = f"已派员现场检查,{phrase}已封堵。"
    replied = staff.post_form(b, page, f"{console}/reply", {"text": reply})
    assert replied.status_code == 302, replied.status_code
    page = staff.get(a, console)
    confirm = staff.post_form(b, page, f"{console}/close", {"result": "已责令企业停产整改。"})
    assert confirm.status_code == 200 and 'value="yes"' in confirm.text, confirm.status_code
    closed = staff.post_form(a, confirm.text, f"{console}/close", {"confirm": "yes"})
    assert closed.status_code == 302, closed.status_code
    assert "badge-closed" in staff.get(b, console)
    assert "badge-closed" in public.get(b, f"/reports/{reference}")
    step(
        "answered through B, closing asked on B and confirmed on A, shown closed through B "
        "(the public page too, which B's cache held as accepted)"
    )

    photo = staff.request(b, "GET", evidence)
    assert photo.status_code == 200 and photo.headers["Content-Type"].startswith("image/")
    assert photo.content[:2] == b"\xff\xd8", photo.content[:20]
    step(f"the photo uploaded through A served through B ({evidence})")

    found = Browser(cluster, "198.51.100.8").get(a, f"/search?q={phrase}")
    assert f"/reports/{reference}" in found, found[:3000]
    step("the closed report found by search through A (its reply was written through B)")

    reader = Browser(cluster, "198.51.100.9")
    listing = reader.get(b, "/consultations")
    consultation = re.search(r'href="/consultations/(\d+)"', listing).group(1)
    path = f"/consultations/{consultation}"
    page = reader.get(b, path)
    body = f"建议公开{phrase}的在线监测数据。"
    sent = reader.post_form(
        a,
        page,
        f"{path}/comments",
        {"paragraph": "", "author_name": "赵六", "phone": "13800001111", "email": "", "body": body},
    )
    assert sent.status_code == 302, (sent.status_code, sent.text[:2000])
    step(f"a comment on consultation {consultation} sent through A from B's page")

    moderator = Browser(cluster, "198.51.100.21")
    assert moderator.log_in(a, "demo-wujiaqu").status_code == 302
    queue = moderator.get(b, "/console/comments")
    # The queue holds the demo's comments too: this one is the block that shows its text.
    block = rf'id="comment-(\d+)"(?:(?!id="comment-).)*?{re.escape(body)}'
    comment = re.search(block, queue, re.S).group(1)
    published = moderator.post_form(a, queue, f"/console/comments/{comment}/publish", {})
    assert published.status_code == 302, published.status_code
    assert body in reader.get(b, path)
    step("published by staff signed in on A, from B's queue, through A; shown on B")

    hearing = re.search(r'href="/hearings/(\d+)"', reader.get(a, path)).group(1)
    page = reader.get(b, f"/hearings/{hearing}")
    registered = reader.post_form(
        a,
        page,
        f"/hearings/{hearing}/registrations",
        {"name": "赵登记人", "phone": "13755556666", "email": ""},
    )
    assert registered.status_code == 200, (registered.status_code, registered.text[:2000])
    registration = REGISTRATION.search(registered.text).group(1)
    page = reader.get(b, "/hearings/registration")
    looked_up = reader.post_form(b, page, "/hearings/registration", {"code": registration})
    assert looked_up.status_code == 200 and registration in looked_up.text, looked_up.status_code
    step(f"registered for hearing {hearing} through A, the registration looked up through B")
    return reference


def window_room(seconds=900, room=30):
    """Wait, if need be, until the fixed rate-limit windows of `seconds` have `room` seconds left."""
    left = seconds - int(time.time()) % seconds
    if left < room:
        time.sleep(left + 1)


def shared_limits(cluster, reference_and_code):
    """Failed logins on both hosts add up; wrong receipt codes counted on A refuse the right one on B."""
    a, b = cluster.hosts
    window_room()
    guesser = Browser(cluster, "198.51.100.66")
    for attempt in range(5):  # LOGIN_MAX_FAILURES: 5 per account and address
        host = (a, b)[attempt % 2]
        assert guesser.log_in(host, "demo-admin", "wrong-password").status_code == 400
    refused = guesser.log_in(b, "demo-admin")
    assert refused.status_code == 400, refused.status_code
    owner = Browser(cluster, "198.51.100.67")
    assert owner.log_in(a, "demo-admin").status_code == 302
    step(
        "5 wrong passwords for one account, alternating A and B: the right one refused (B), "
        "the owner at another address let in (A)"
    )

    reference, code = reference_and_code
    tracker = Browser(cluster, "198.51.100.68")
    for attempt in range(10):  # TRACK_LIMIT: 10 wrong codes per address
        host = (a, b)[attempt % 2]
        page = tracker.get(host, "/reports/track")
        wrong = tracker.post_form(
            host, page, "/reports/track", {"reference": reference, "code": "AAAA-AAAA-AAAA"}
        )
        assert wrong.status_code == 404, wrong.status_code
    page = tracker.get(a, "/reports/track")
    right = tracker.post_form(b, page, "/reports/track", {"reference": reference, "code": code})
    assert right.status_code == 429, right.status_code
    step("10 wrong receipt codes alternating A and B: the right code refused through B (429)")


def report_and_code(cluster):
    """A fresh report's (reference, receipt code), sent through nginx."""
    client = Browser(cluster, "198.51.100.30")
    page = client.get(None, "/reports/new")
    answer = client.post_form(
        None,
        page,
        "/reports/new",
        {
            "category": "air",
            "area": "8",
            "place": "石河子市开发区",
            "description": "工地扬尘很严重,整天灰蒙蒙的。",
            "visibility": "administrators",
            "name": "",
            "phone": "",
            "email": "",
        },
    )
    assert answer.status_code == 200, answer.status_code
    return REFERENCE.search(answer.text).group(1).strip(), RECEIPT.search(answer.text).group(
        1
    ).strip()


@dataclass
class LoadResult:
    """What the load run saw."""

    requests: int
    tried: int
    acknowledged: dict
    failed: int
    resent: int
    errors: list
    killed_at: float
    first_after: float | None
    acknowledged_after: int
    seconds: float
    check: dict


def load(cluster, seconds, clients):
    """`clients` clients submit reports through nginx for `seconds`; host A is killed halfway."""
    lock = threading.Lock()
    acknowledged, everything, errors = {}, {}, []
    counts = {"requests": 0, "tried": 0, "failed": 0, "resent": 0, "after": 0}
    started = time.monotonic()
    deadline = started + seconds
    killed = threading.Event()
    kill_time = [None]
    first_after = [None]

    def send(client, form, marker):
        """POST the report form once: ((reference, code) or None, what went wrong or None, whether to resend)."""
        try:
            status, reference, code = web_report(client, form, marker)
        except Exception as error:  # noqa: BLE001 - counted and shown; the client goes on
            client.connection.close()
            return None, f"{type(error).__name__}: {error}"[:200], True
        if reference:
            return (reference, code), None, False
        # A 502 (the host died with the form): a resident sends it again, with the same submission key.
        return None, f"HTTP {status}", status >= 500

    def work():
        """One client: a form, a report, until the deadline; what it saw is added up under the lock."""
        client = Client(cluster.port)
        while time.monotonic() < deadline:
            marker = f"[{uuid.uuid4().hex}]"
            began = time.monotonic()
            problems, receipt, sent = [], None, 1
            try:
                form = web_form(client)
            except Exception as error:  # noqa: BLE001 - counted and shown; the client goes on
                client.connection.close()
                problems.append(f"GET: {type(error).__name__}: {error}"[:200])
                form = None
            for _attempt in range(2 if form else 0):
                receipt, problem, again = send(client, form, marker)
                sent += 1
                if problem:
                    problems.append(problem)
                if not again:
                    break
            with lock:
                counts["requests"] += sent
                counts["tried"] += 1
                counts["failed"] += len(problems)
                counts["resent"] += sent - 2 if sent > 2 else 0
                errors.extend(problems)
                if receipt is None:
                    continue
                acknowledged[marker.strip("[]")] = receipt
                if killed.is_set() and began > kill_time[0]:
                    counts["after"] += 1
                    if first_after[0] is None:
                        first_after[0] = time.monotonic() - kill_time[0]

    threads = [threading.Thread(target=work) for _ in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(seconds / 2)
    kill_time[0] = time.monotonic()
    cluster.kill(cluster.hosts[0])
    killed.set()
    for thread in threads:
        thread.join()
    everything.update(acknowledged)
    check = verify(cluster.database_url, acknowledged, everything)
    return LoadResult(
        requests=counts["requests"],
        tried=counts["tried"],
        acknowledged=acknowledged,
        failed=counts["failed"],
        resent=counts["resent"],
        errors=errors,
        killed_at=kill_time[0] - started,
        first_after=first_after[0],
        acknowledged_after=counts["after"],
        seconds=time.monotonic() - started,
        check=check,
    )


def main(argv=None):
    """Build the two hosts, run the three parts, print the figures, remove everything; exit 1 on a failure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30, help="length of the load run")
    parser.add_argument(
        "--clients", type=int, default=16, help="concurrent clients in the load run"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per host")
    args = parser.parse_args(argv)
    reason = missing()
    if reason:
        print(f"two hosts: cannot run here: {reason}", file=sys.stderr)
        return 2
    result = run_all(args.seconds, args.clients, args.workers)
    return 0 if result else 1


def _interrupted(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def run_all(seconds=30, clients=16, workers=2):
    """The whole run; the LoadResult (raises AssertionError on the first step that fails)."""
    began = time.monotonic()
    print(f"load average at start: {os.getloadavg()}", flush=True)
    # SIGTERM (a CI timeout, a `kill`) unwinds like Ctrl-C, through the `finally` that removes everything.
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _interrupted)
    workdir = Path(tempfile.mkdtemp(prefix="portal-two-hosts-"))
    # nginx's workers run as nobody: they must reach the temporary files under here.
    workdir.chmod(0o755)
    cluster = Cluster(workdir, f"twohost_{os.getpid()}_{secrets.token_hex(3)}")
    try:
        cluster.start(workers)
        a, b = cluster.hosts
        print(
            f"hosts A {a.address} ({a.namespace}), B {b.address} ({b.namespace}); nginx {cluster.proxy}; "
            f"database {cluster.database}; started in {time.monotonic() - began:.1f} s",
            flush=True,
        )
        print("journey:", flush=True)
        journey(cluster)
        print("limits kept in the database:", flush=True)
        shared_limits(cluster, report_and_code(cluster))
        print(
            f"load: {clients} clients through nginx for {seconds:g} s, host A killed halfway",
            flush=True,
        )
        result = load(cluster, seconds, clients)
        check = result.check
        print(
            f"  {result.requests} requests ({result.tried} reports tried), "
            f"{len(result.acknowledged)} acknowledged, {result.failed} failed ({result.resent} forms sent "
            f"again after a failure); A killed at "
            f"{result.killed_at:.1f} s, first report acknowledged after the kill "
            f"{result.first_after if result.first_after is None else round(result.first_after, 2)} s "
            f"later, {result.acknowledged_after} acknowledged after it; lost {check['lost']}, duplicated "
            f"{check['duplicated']}, wrong reference/receipt {check['wrong_reference_or_receipt']}, "
            f"recorded twice {check['markers_recorded_twice']}, recorded but never acknowledged "
            f"{check['recorded_unacknowledged']}",
            flush=True,
        )
        if result.errors:
            print(f"  failures: {sorted(set(result.errors))[:5]}", flush=True)
        assert check["lost"] == check["duplicated"] == check["markers_recorded_twice"] == 0, check
        assert check["wrong_reference_or_receipt"] == 0, check
        assert result.acknowledged_after > 0, "nothing was acknowledged after host A died"
        # One request in flight per client when A died is the most that can fail: nginx sends every
        # later request that cannot reach A to B, and GETs it had sent to A are sent to B again.
        assert result.failed <= clients, (result.failed, result.errors[:5])
        assert cluster.hosts[1].process.poll() is None, "host B died"
        return result
    finally:
        try:
            cluster.close()
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
        print(
            f"removed the hosts, namespaces, database and files; {time.monotonic() - began:.1f} s in all; "
            f"load average at end: {os.getloadavg()}",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
