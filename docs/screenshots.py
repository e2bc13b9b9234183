"""Render the main pages of the portal's three journeys as PNGs, to look at before submitting a change.

Usage (from the repository root):

    make screenshots                      # installs the test extras (Playwright) first
    .venv/bin/python docs/screenshots.py  # the same, once they are installed
    CHROMIUM=/path/to/chromium .venv/bin/python docs/screenshots.py --out build/screenshots
    .venv/bin/python docs/screenshots.py --map   # with maps, tiles from a local stand-in tile server

It creates a fresh temporary data directory, runs `portal init` and `portal demo` there, serves the portal
on a free port of 127.0.0.1 (Werkzeug, in a thread), and drives Debian's Chromium (/usr/bin/chromium, or
$CHROMIUM) with Playwright through the report, consultation and disclosure journeys. Every page is taken
full-page at 1,280 and 360 px wide, in Chinese and in English, as `<nn>-<page>-<width>-<lang>.png` in
build/screenshots/. Each file written is printed. The exit status is 1 if any page answered 5xx or the
server failed; the API page (/developers) is skipped with a note while it answers 404.

With --map the portal gets PORTAL_MAP_TILES pointing at a tile server this script runs on another free
port of 127.0.0.1, drawing plain numbered squares (nothing is fetched from outside): the report form then
has its map picker (a point is set on it before the "report-filled" picture), and the list of reports and
a report's page their maps, at the sample reports' public locations. The pictures go to
build/screenshots-map/ unless --out says otherwise.
"""

import argparse
import os
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WIDTHS = (1280, 360)
HEIGHT = 780
LANGUAGES = ("zh", "en")
CHROMIUM_ARGS = [  # as in tests/conftest.py
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
STAFF = ("demo-shihezi", "demo-password-2026")  # a sample account of 第八师石河子市 (`portal demo`)
ADMIN = (
    "demo-admin",
    "demo-password-2026",
)  # the sample site administrator, who may read the audit log
SEARCH = "/search?q=大气污染"
DESCRIPTION = "排渠里每天傍晚流出灰黑色污水,有刺鼻的气味,渠边的草已经枯死。"
# The pictures in order; a file's number is its place here, the same in every width and language.
PAGES = (
    "home",
    "report-new",
    "report-errors",
    "report-filled",
    "report-receipt",
    "tracking",
    "reports",
    "report",
    "console-queue",
    "console-report",
    "search",
    "disclosure",
    "disclosure-diff",
    "consultation",
    "hearing",
    "dashboard",
    "dashboard-goals",
    "developers",
    "password",
    "audit-log",
    "console-log",
    "data",
    "accountability",
    "task",
    "dashboard-areas",
    "organisations",
    "console-litigation",
)


class Failed(Exception):
    """A page answered 5xx, or the server or the browser did not do what a journey needs."""


def build_site(data_dir, **extra):
    """`portal init` and `portal demo` on a fresh SQLite database in `data_dir` (with `extra` settings); returns
    (app, sample paths)."""
    from portal import create_app

    app = create_app(
        {
            "ENV": "development",
            "DATA_DIR": str(data_dir),
            "DATABASE_URL": f"sqlite:///{data_dir / 'portal.db'}",
            "SEARCH_DIR": None,
            "SECRET_KEY": secrets.token_urlsafe(32),
            "MAIL_SERVER": "",
            **extra,
        }
    )
    runner = app.test_cli_runner()
    for command in (["portal", "init"], ["portal", "demo"]):
        result = runner.invoke(args=command)
        if result.exit_code != 0:
            raise Failed(f"`{' '.join(command)}` failed:\n{result.output}{result.exception or ''}")
        print(f"{' '.join(command)} (run in this process):\n{result.output.rstrip()}")
    return app, sample_paths(app)


def sample_paths(app):
    """Addresses of the sample report, disclosure and consultation the pictures show."""
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.models import Consultation, Disclosure, LitigationRequest, TaskReport
    from portal.services import demo, reports

    with app.app_context():
        closed = reports.find_submission("demo-closed").reference
        disclosure = db.session.scalar(
            sa.select(Disclosure.id).where(Disclosure.title.contains("生态环境状况公报"))
        )
        consultation = db.session.scalar(
            sa.select(Consultation.id).where(Consultation.title == demo.EIA_TITLE)
        )
        # The sample task report with two versions, a contribution and evidence.
        task = next(
            r.task_id
            for r in db.session.scalars(sa.select(TaskReport).order_by(TaskReport.id))
            if len(r.versions) == 2
        )
        # The sample organisation's request for the closed sample's record, which 第八师石河子市 answers.
        litigation = db.session.scalar(sa.select(LitigationRequest.id))
        db.session.remove()
    return {
        "task": f"/tasks/{task}",
        "litigation": f"/console/litigation/{litigation}",
        "report": f"/reports/{closed}",
        "console_report": f"/console/reports/{closed}",
        "disclosure": f"/disclosures/{disclosure}",
        "diff": f"/disclosures/{disclosure}/diff?from=1&to=2",
        "consultation": f"/consultations/{consultation}",
    }


def tile_server():
    """A stand-in tile server on a free port of 127.0.0.1 (plain squares, each with its z/x/y); returns
    (server, XYZ URL template)."""
    import io
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from PIL import Image, ImageDraw

    def tile(name):
        image = Image.new("RGB", (256, 256), (229, 238, 231))
        draw = ImageDraw.Draw(image)
        draw.rectangle([0, 0, 255, 255], outline=(196, 210, 199))
        draw.line([(0, 128), (255, 128)], fill=(214, 224, 216))
        draw.line([(128, 0), (128, 255)], fill=(214, 224, 216))
        draw.text((6, 6), name, fill=(150, 165, 153))
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        return buffer.getvalue()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            found = re.fullmatch(r"/tiles/(\d+)/(\d+)/(\d+)\.png", self.path)
            if not found:
                self.send_error(404)
                return
            body = tile("/".join(found.groups()))
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/tiles/{{z}}/{{x}}/{{y}}.png"


def serve(app):
    """Serve `app` on a free port of 127.0.0.1 in a daemon thread; returns (server, base URL)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


class Camera:
    """Takes the numbered pictures of one (width, language) pass and remembers what went wrong."""

    def __init__(self, out, width, language):
        self.out, self.width, self.language = out, width, language
        self.errors = []

    def watch(self, page):
        """Record every document answered with 5xx (form posts included)."""

        def seen(response):
            if response.request.resource_type == "document" and response.status >= 500:
                self.errors.append(
                    f"{response.status} {response.url} ({self.width}px, {self.language})"
                )

        page.on("response", seen)

    def shoot(self, page, name):
        """Save the full page as picture `name` (one of PAGES) and print its path."""
        path = self.out / f"{PAGES.index(name) + 1:02d}-{name}-{self.width}-{self.language}.png"
        if page.locator(".leaflet-container").count():
            page.wait_for_load_state("networkidle")  # the map's tiles
        page.screenshot(path=str(path), full_page=True)
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path, flush=True)

    def visit(self, page, base, path, name, missing_ok=False):
        """Open `path` and take its picture; a 5xx is recorded and still pictured (it shows the error).

        With `missing_ok`, a 404 is noted and not pictured (for a page that is still being built)."""
        response = page.goto(base + path)
        if response is None:
            raise Failed(f"no answer from {path}")
        if missing_ok and response.status == 404:
            print(
                f"note: {path} answered 404, so there is no picture of it ({self.width}px, {self.language})",
                flush=True,
            )
            return
        self.shoot(page, name)


def new_page(browser, base, camera, width, language):
    """A fresh browser context of `width` × 780 px speaking `language`."""
    context = browser.new_context(viewport={"width": width, "height": HEIGHT}, locale="zh-CN")
    context.set_default_timeout(20_000)
    page = context.new_page()
    camera.watch(page)
    if language == "en":
        page.goto(base + "/language/en?next=/")
    return context, page


def resident_journeys(page, base, camera, paths):
    """Home, the report form (empty, with errors, filled), the receipt, tracking, then the public pages."""
    camera.visit(page, base, "/", "home")
    camera.visit(page, base, "/reports/new", "report-new")
    send = page.locator('form input[type="submit"][name="submit"]')
    with page.expect_navigation():
        send.click()
    camera.shoot(page, "report-errors")
    page.goto(base + "/reports/new")
    page.locator('input[name="category"][value="water"]').check()
    page.locator('select[name="area"]').select_option("8")
    page.locator('input[name="place"]').fill("石河子市北泉镇东侧排渠")
    page.locator('textarea[name="description"]').fill(DESCRIPTION)
    picker = page.locator(".map-picker .map")
    if picker.count():
        picker.scroll_into_view_if_needed()
        page.locator(".map-picker img.leaflet-tile-loaded").first.wait_for()
        picker.click(position={"x": 140, "y": 100})
        page.locator(".map-picker .leaflet-marker-icon").wait_for()
    camera.shoot(page, "report-filled")
    with page.expect_navigation():
        send.click()
    if page.locator("#receipt-code").count() == 0:
        raise Failed("the filled report form did not lead to a receipt")
    camera.shoot(page, "report-receipt")
    reference = page.locator("#reference").inner_text().strip()
    code = page.locator("#receipt-code").inner_text().strip()
    page.goto(base + "/reports/track")
    page.locator('input[name="reference"]').fill(reference)
    page.locator('input[name="code"]').fill(code)
    page.locator('form.form [type="submit"]').click()
    page.wait_for_url("**/reports/track/**")
    camera.shoot(page, "tracking")
    camera.visit(page, base, "/reports", "reports")
    camera.visit(page, base, paths["report"], "report")
    camera.visit(page, base, SEARCH, "search")
    camera.visit(page, base, paths["disclosure"], "disclosure")
    camera.visit(page, base, paths["diff"], "disclosure-diff")
    camera.visit(page, base, paths["consultation"], "consultation")
    hearings = [
        urlparse(href).path
        for href in page.locator("main a[href]").evaluate_all("links => links.map(a => a.href)")
        if re.fullmatch(r"/hearings/\d+", urlparse(href).path)
    ]
    if not hearings:
        raise Failed(f"no link to a hearing on {paths['consultation']}")
    camera.visit(page, base, hearings[0], "hearing")
    camera.visit(page, base, "/dashboard", "dashboard")
    camera.visit(page, base, "/dashboard/goals", "dashboard-goals")
    camera.visit(page, base, "/developers", "developers", missing_ok=True)
    camera.visit(page, base, "/data", "data")
    camera.visit(page, base, "/accountability", "accountability")
    camera.visit(page, base, paths["task"], "task")
    camera.visit(page, base, "/dashboard/areas", "dashboard-areas")
    camera.visit(page, base, "/organisations", "organisations")


def log_in(page, base, account):
    """Log in through the form as `account` (username, password)."""
    page.goto(base + "/login")
    page.locator("#username").fill(account[0])
    page.locator("#password").fill(account[1])
    page.locator('form.form [type="submit"]').click()
    page.wait_for_url("**/console/")


def staff_journey(page, base, camera, paths):
    """Sample staff of 第八师石河子市: the queue, the closed sample report, the form for logging a report, the
    password form, the answer to the sample litigation request (with its documents field)."""
    log_in(page, base, STAFF)
    camera.visit(page, base, "/console/reports", "console-queue")
    camera.visit(page, base, paths["console_report"], "console-report")
    camera.visit(page, base, "/console/reports/new", "console-log")
    camera.visit(page, base, "/password", "password")
    camera.visit(page, base, paths["litigation"], "console-litigation")


def admin_journey(page, base, camera, paths):
    """The sample site administrator: the audit log."""
    log_in(page, base, ADMIN)
    camera.visit(page, base, "/admin/audit", "audit-log")


def picture_pages(browser, base, out, paths, names, filename, account=None):
    """Picture the pages `names` (keys of `paths`) at every width and language, as `filename(number, name)`
    plus `-<width>-<language>.png` in `out`, logged in as `account` if given; returns the pages wider than
    their window."""
    wide = []
    for width in WIDTHS:
        for language in LANGUAGES:
            context = browser.new_context(viewport={"width": width, "height": HEIGHT})
            page = context.new_page()
            if account is not None:
                log_in(page, base, account)
            if language == "en":
                page.goto(base + "/language/en?next=/")
            for number, name in enumerate(names, 1):
                page.goto(base + paths[name])
                path = out / f"{filename(number, name)}-{width}-{language}.png"
                page.screenshot(path=str(path), full_page=True)
                print(path, flush=True)
                if page.evaluate("document.documentElement.scrollWidth") > width:
                    wide.append(f"{name} {width} {language}")
            context.close()
    return wide


def main(argv=None):
    """Build the site, take every picture, and return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="where the PNGs go (build/screenshots)")
    parser.add_argument(
        "--map", action="store_true", help="with maps, from a local stand-in tile server"
    )
    arguments = parser.parse_args(argv)
    default = "screenshots-map" if arguments.map else "screenshots"
    out = (arguments.out or ROOT / "build" / default).resolve()
    chromium = (
        os.environ.get("CHROMIUM") or os.environ.get("PORTAL_CHROMIUM") or "/usr/bin/chromium"
    )
    if not os.access(chromium, os.X_OK):
        print(
            f"Chromium not found at {chromium}: apt-get install chromium fonts-wqy-microhei, or set CHROMIUM=…",
            file=sys.stderr,
        )
        return 1
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    if out.exists():
        for old in out.glob("*.png"):
            old.unlink()
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    data_dir = Path(tempfile.mkdtemp(prefix="portal-screenshots-"))
    errors = []
    tiles, extra = None, {}
    if arguments.map:
        tiles, template = tile_server()
        extra = {"MAP_TILES": template, "MAP_ATTRIBUTION": "stand-in tiles (docs/screenshots.py)"}
    try:
        app, paths = build_site(data_dir, **extra)
        server, base = serve(app)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                for language in LANGUAGES:
                    for width in WIDTHS:
                        camera = Camera(out, width, language)
                        for journey in (resident_journeys, staff_journey, admin_journey):
                            context, page = new_page(browser, base, camera, width, language)
                            try:
                                journey(page, base, camera, paths)
                            except (Failed, PlaywrightError) as error:
                                errors.append(
                                    f"{journey.__name__} ({width}px, {language}): {error}"
                                )
                            finally:
                                context.close()
                        errors += camera.errors
                browser.close()
        finally:
            server.shutdown()
    except Failed as error:
        errors.append(str(error))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if tiles is not None:
            tiles.shutdown()
    taken = len(list(out.glob("*.png")))
    print(f"{taken} pictures in {out} ({time.monotonic() - started:.0f} s)")
    if errors:
        print("FAILED:\n  " + "\n  ".join(errors), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
