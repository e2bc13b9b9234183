"""The maps in Chromium, with tiles from a local tile server (nothing is fetched from anywhere else: every other
request is refused and recorded, and the page's CSP must not report a violation): a resident on a phone picks a
point on /reports/new by tapping the map, from the keyboard, and with "use my location", removes it, picks it
again and submits; staff accept with the default public location; the report's marker is then on /reports,
at the rounded point, and leads to its page."""

import io
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from portal.services.locations import rounded_point
from tests.browser.test_csp import WATCH, violations
from tests.browser.test_report_journey import fill_water_report, log_in
from tests.helpers import add_user

pytestmark = pytest.mark.browser

ATTRIBUTION = "© 测试底图 Test tiles"


def tile_png():
    """One 256 px tile: a pale green square with a grid line, as a map background."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (256, 256), (226, 238, 228))
    draw = ImageDraw.Draw(image)
    draw.line([(0, 0), (255, 0)], fill=(190, 205, 192))
    draw.line([(0, 0), (0, 255)], fill=(190, 205, 192))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


class TileServer:
    """A tile server on a free port of 127.0.0.1: any /tiles/ or /labels/{z}/{x}/{y}.png with the key is the same
    tile; the paths asked for are recorded."""

    def __init__(self):
        tile, served = tile_png(), []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                served.append(self.path)
                if not re.fullmatch(r"/(tiles|labels)/\d+/\d+/\d+\.png\?tk=local-key", self.path):
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(tile)))
                self.end_headers()
                self.wfile.write(tile)

            def log_message(self, *args):
                pass

        self.served = served
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def tiles():
    """The local tile server."""
    server = TileServer()
    yield server
    server.close()


@pytest.fixture
def app(make_app, tiles):
    """The portal with a map whose tiles, labels and key are the local tile server's."""
    return make_app(
        MAP_TILES=tiles.origin + "/tiles/{z}/{x}/{y}.png?tk={key}",
        MAP_LABELS=tiles.origin + "/labels/{z}/{x}/{y}.png?tk={key}",
        MAP_KEY="local-key",
        MAP_ATTRIBUTION=ATTRIBUTION,
    )


def guarded_context(browser, live_server, tiles, outside, **options):
    """A browser context that lets requests reach the portal and the tile server only (others are refused and
    recorded in `outside`), and records CSP violations."""
    context = browser.new_context(locale="zh-CN", **options)
    context.set_default_timeout(10_000)
    context.add_init_script(WATCH)
    allowed = {urlsplit(live_server).netloc, urlsplit(tiles.origin).netloc}

    def guard(route):
        parts = urlsplit(route.request.url)
        if parts.scheme in ("data", "blob") or parts.netloc in allowed:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    return context


# Whether the map's tiles reach its top-right and bottom-left corners (no grey gap where Leaflet measured its
# box wrongly, e.g. while it was hidden).
COVERED = """map => {
  const box = map.getBoundingClientRect();
  const tiles = [...map.querySelectorAll("img.leaflet-tile-loaded")].map(t => t.getBoundingClientRect());
  return [[box.right - 8, box.top + 8], [box.left + 8, box.bottom - 8]].every(([x, y]) =>
    tiles.some(t => t.left <= x && x <= t.right && t.top <= y && y <= t.bottom));
}"""


def tiles_cover(locator):
    """True once the map's loaded tiles reach its corners."""
    locator.scroll_into_view_if_needed()
    for _attempt in range(50):
        if locator.evaluate(COVERED):
            return True
        locator.page.wait_for_timeout(100)
    return False


def point(page):
    """The form's hidden (latitude, longitude) values."""
    return (
        page.locator('input[name="latitude"]').input_value(),
        page.locator('input[name="longitude"]').input_value(),
    )


def test_pick_a_point_submit_accept_and_see_the_marker(browser, live_server, app, tiles):
    """Tap, keyboard, location, remove, tap again; submit; staff accept by default; the marker is on /reports."""
    add_user(app, username="shz", unit="第八师石河子市")
    outside, messages = [], []
    resident_context = guarded_context(
        browser,
        live_server,
        tiles,
        outside,
        viewport={"width": 360, "height": 740},
        geolocation={"latitude": 44.305123, "longitude": 86.051234},
        permissions=["geolocation"],
    )
    page = resident_context.new_page()
    page.on("console", lambda message: messages.append(message.text))

    page.goto(live_server + "/reports/new")
    picker = page.locator(".map-picker")
    expect(picker).to_be_visible()
    expect(picker.locator("img.leaflet-tile-loaded").first).to_be_visible()
    assert tiles_cover(picker.locator(".map")), "the picker's tiles leave a gap"
    expect(picker.locator(".leaflet-control-attribution")).to_contain_text(ATTRIBUTION)
    expect(picker.get_by_role("button", name="放大")).to_be_visible()
    assert point(page) == ("", "")

    # A tap on the map sets the point and shows a marker.
    picker.locator(".map").click(position={"x": 120, "y": 90})
    expect(picker.locator(".leaflet-marker-icon")).to_have_count(1)
    tapped = point(page)
    assert all(re.fullmatch(r"-?\d+\.\d{6}", v) for v in tapped), tapped
    expect(page.locator("#location-status")).to_contain_text(tapped[0])

    # From the keyboard: pan with the arrow keys, then put the point at the centre (focus, Enter).
    picker.locator(".map").focus()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    page.locator("#point-at-centre").focus()
    page.keyboard.press("Enter")
    expect(page.locator('input[name="latitude"]')).not_to_have_value(tapped[0])
    expect(picker.locator(".leaflet-marker-icon")).to_have_count(1)

    # "Add my current location" moves the marker to the browser's position and zooms to it.
    page.get_by_role("button", name="添加我的当前位置").click()
    expect(page.locator('input[name="latitude"]')).to_have_value("44.305123")
    assert point(page) == ("44.305123", "86.051234")

    # "Remove the point" clears it; a new tap sets it again.
    page.get_by_role("button", name="移除该点").click()
    assert point(page) == ("", "")
    expect(picker.locator(".leaflet-marker-icon")).to_have_count(0)
    picker.locator(".map").click(position={"x": 160, "y": 120})
    expect(picker.locator(".leaflet-marker-icon")).to_have_count(1)
    chosen = point(page)
    assert chosen[0] and chosen[1]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the report form with its map is {width}px wide"

    fill_water_report(page)
    page.locator('form input[type="submit"][name="submit"]').click()
    expect(page.locator("#reference")).to_have_text(re.compile(r"^JB-\d{4}-\d{6}$"))
    reference = page.locator("#reference").inner_text().strip()

    # Staff see the reported point, and accept with the default public location (rounded).
    staff_context = guarded_context(browser, live_server, tiles, outside)
    staff = staff_context.new_page()
    log_in(staff, live_server, "shz")
    staff.goto(live_server + f"/console/reports/{reference}")
    expect(staff.locator("dl.meta")).to_contain_text(f"({chosen[0]}, {chosen[1]})")
    staff.locator("details.action", has=staff.locator('form[action$="/accept"]')).locator(
        "summary"
    ).click()
    expect(staff.get_by_label("显示约 500 米范围的近似点")).to_be_checked()
    staff.locator('form[action$="/accept"] input[type="submit"]').click()
    expect(staff.locator("h1 .badge")).to_have_class(re.compile("badge-accepted"))

    # Anyone: the report's marker is on /reports at the rounded point, and leads to its page.
    public_lat, public_lon = (float(v) for v in rounded_point(*chosen))
    page.goto(live_server + "/reports")
    reports_map = page.locator(".reports-map")
    expect(reports_map).to_be_visible()
    expect(reports_map.locator("img.leaflet-tile-loaded").first).to_be_visible()
    assert tiles_cover(reports_map), "the map of reports leaves a gap"
    marker = reports_map.locator(".leaflet-marker-icon")
    expect(marker).to_have_count(1)
    expect(marker).to_have_attribute("title", re.compile(reference))
    html = page.content()
    assert chosen[0] not in html and chosen[1] not in html
    [data] = json.loads(reports_map.get_attribute("data-points"))
    assert (data["lat"], data["lon"]) == (public_lat, public_lon)
    marker.focus()
    page.keyboard.press("Enter")
    expect(
        reports_map.get_by_role("button", name="关闭")
    ).to_be_visible()  # Leaflet's own words, translated
    reports_map.locator(".leaflet-popup-content a").click()
    expect(page).to_have_url(live_server + f"/reports/{reference}")
    expect(page.locator(".point")).to_have_text(f"{public_lat:.4f}, {public_lon:.4f}")
    expect(page.locator(".reports-map .leaflet-marker-icon")).to_have_count(1)

    assert not violations(page, messages), violations(page, messages)
    assert outside == [], f"requests left for outside hosts: {outside}"
    assert any(path.startswith("/tiles/") for path in tiles.served)
    assert any(path.startswith("/labels/") for path in tiles.served)
    staff_context.close()
    resident_context.close()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_map_pages_pass_axe_and_fit_a_phone(browser, live_server, app, client, language):
    """The form with its picker (a point set) and the list with its map: no WCAG 2.1 A/AA violation (axe-core), and
    neither scrolls sideways at 360 px."""
    from tests.browser.test_accessibility import axe_violations, describe
    from tests.public.test_report_maps import accepted_report

    accepted_report(app, client)
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    if language == "en":
        page.goto(live_server + "/language/en")
    page.goto(live_server + "/reports/new")
    picker = page.locator(".map-picker .map")
    expect(picker.locator("img.leaflet-tile-loaded").first).to_be_visible()
    picker.click(position={"x": 100, "y": 80})
    expect(picker.locator(".leaflet-marker-icon")).to_have_count(1)
    for path in ("/reports/new", "/reports"):
        if path == "/reports":
            page.goto(live_server + path)
            expect(page.locator(".reports-map .leaflet-marker-icon")).to_have_count(1)
        found = axe_violations(page)
        assert not found, f"{path} ({language}):\n" + "\n".join(map(describe, found))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width}px wide"
    context.close()
