"""Maps of reports: the settings (no map at all without PORTAL_MAP_TILES), the tile host allowed in the pages'
policy only when set, and the public location the handling unit confirms on acceptance, which is all that the
map, the report page, Open311 and the feed show of where a report is."""

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from portal import config, headers, maps
from portal.services.locations import rounded_point
from tests.helpers import act, report_forms, staff_client, submit_report

TILES = "https://tiles.example.test/vec/{z}/{x}/{y}.png?tk={key}"
KEY = "test-key-6f1c"
RAW = ("44.305123", "86.051234")
PUBLIC = tuple(float(v) for v in rounded_point(*RAW))
GEORSS = "{http://www.georss.org/georss}point"


@pytest.fixture
def mapped(make_app):
    """An app with a map: tiles from a test host with a key, and an attribution."""
    return make_app(MAP_TILES=TILES, MAP_KEY=KEY, MAP_ATTRIBUTION="© 测试底图")


def page(client, path):
    """GET `path`: (status, text, Content-Security-Policy)."""
    response = client.get(path)
    return (
        response.status_code,
        response.get_data(as_text=True),
        response.headers["Content-Security-Policy"],
    )


def markers(text):
    """The markers of the page's map of reports, or None when it has no map."""
    found = re.search(r"data-points='([^']*)'", text)
    return json.loads(found.group(1).replace("&#39;", "'")) if found else None


def accepted_report(app, client, **accept):
    """A water report with the resident's raw point, accepted by 第八师石河子市 (with `accept`'s fields)."""
    reference, _code = submit_report(client, latitude=RAW[0], longitude=RAW[1])
    staff = staff_client(app)
    assert act(staff, reference, "accept", **accept).status_code == 302
    return reference, staff


def test_without_the_setting_there_is_no_map_anywhere(app, client):
    """No PORTAL_MAP_TILES: no Leaflet, no picker, no map; the pages' img-src is the portal's own."""
    reference, _staff = accepted_report(app, client)
    for path in ("/reports/new", "/reports", f"/reports/{reference}"):
        status, text, policy = page(client, path)
        assert status == 200
        assert "leaflet" not in text and "map-picker" not in text and "data-points" not in text
        assert "img-src 'self' data:;" in policy
    # The point is still confirmed: Open311 carries it with or without a map.
    [item] = client.get(f"/open311/v2/requests/{reference}.json").get_json()
    assert (item["lat"], item["long"]) == PUBLIC


def test_with_the_setting_the_pages_carry_the_tiles_and_the_policy_allows_their_host(
    mapped,
):
    """The form has a picker with the tile URL (key filled in) and attribution; img-src allows that one host; an
    answer that is no page still allows nothing."""
    client = mapped.test_client()
    status, text, policy = page(client, "/reports/new")
    assert status == 200
    assert 'class="map-picker" hidden' in text
    assert "https://tiles.example.test/vec/{z}/{x}/{y}.png?tk=test-key-6f1c" in text.replace(
        "&amp;", "&"
    )
    assert "© 测试底图" in text
    assert (
        "/static/vendor/leaflet/leaflet.js" in text and "/static/vendor/leaflet/leaflet.css" in text
    )
    assert "img-src 'self' data: https://tiles.example.test;" in policy
    assert "script-src 'self';" in policy  # the tiles are images only
    response = client.get("/open311/v2/requests.json")
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_a_labels_layer_on_another_host_is_drawn_over_the_tiles_and_allowed(make_app):
    """PORTAL_MAP_LABELS: its template (key filled in) is on the map, its host in img-src; alone it is nothing."""
    labels = "https://labels.example.test/cva/{z}/{x}/{y}.png?tk={key}"
    client = make_app(MAP_TILES=TILES, MAP_LABELS=labels, MAP_KEY=KEY).test_client()
    _status, text, policy = page(client, "/reports/new")
    assert 'data-labels="https://labels.example.test/cva/{z}/{x}/{y}.png?tk=test-key-6f1c"' in text
    assert "img-src 'self' data: https://tiles.example.test https://labels.example.test;" in policy
    client = make_app(MAP_LABELS=labels, MAP_KEY=KEY).test_client()
    _status, text, policy = page(client, "/reports/new")
    assert "labels.example.test" not in text and "img-src 'self' data:;" in policy


@pytest.mark.parametrize(
    "tiles, problem",
    [
        ("tiles.example.test/{z}/{x}/{y}.png", "http"),
        ("https://tiles.example.test/{z}/{x}.png", "{y}"),
        ("https://t{s}.example.test/{z}/{x}/{y}.png", "host"),
    ],
)
def test_a_bad_tile_url_is_refused_at_start_naming_the_setting(tmp_path, tiles, problem):
    """A tile setting that is no http(s) XYZ template stops the portal with a sentence naming it."""
    for variable, environ in (
        ("PORTAL_MAP_TILES", {"PORTAL_MAP_TILES": tiles}),
        ("PORTAL_MAP_LABELS", {"PORTAL_MAP_TILES": TILES, "PORTAL_MAP_LABELS": tiles}),
    ):
        environ |= {"PORTAL_ENV": "development", "PORTAL_DATA_DIR": str(tmp_path)}
        with pytest.raises(config.ConfigError, match=variable) as raised:
            config.load(environ=environ)
        assert problem in str(raised.value)


def test_accepting_shows_the_rounded_point_on_the_map_page_open311_and_feed(mapped):
    """Accepted with the default: the map marker, the report page, Open311 (JSON and XML) and, once closed, the
    feed carry the rounded point; the reported digits are nowhere."""
    client = mapped.test_client()
    reference, _code = submit_report(client, latitude=RAW[0], longitude=RAW[1])
    # Before acceptance no one has confirmed a public location: the report is in the list, not on the map.
    _status, text, _policy = page(client, "/reports")
    assert reference in text and markers(text) is None
    staff = staff_client(mapped)
    console, _token, _version = report_forms(staff, reference)
    assert (
        'checked id="accept-public_location-0" name="public_location" type="radio" value="rounded"'
        in console
    )
    assert 'value="place_only"' in console
    assert act(staff, reference, "accept").status_code == 302

    _status, text, _policy = page(client, "/reports")
    [marker] = markers(text)
    assert (marker["lat"], marker["lon"]) == PUBLIC
    assert marker["url"] == f"/reports/{reference}" and reference in marker["title"]
    _status, shown, _policy = page(client, f"/reports/{reference}")
    assert f"{PUBLIC[0]:.4f}, {PUBLIC[1]:.4f}" in shown and markers(shown)[0]["lat"] == PUBLIC[0]
    [item] = client.get(f"/open311/v2/requests/{reference}.json").get_json()
    assert (item["lat"], item["long"]) == PUBLIC
    request = ET.fromstring(client.get(f"/open311/v2/requests/{reference}.xml").data).find(
        "request"
    )
    assert (float(request.findtext("lat")), float(request.findtext("long"))) == PUBLIC

    assert act(staff, reference, "close", result="已责令整改。", confirm="yes").status_code == 302
    feed = ET.fromstring(client.get("/feeds/reports.atom").data)
    [point] = [p.text for p in feed.iter(GEORSS)]
    assert tuple(map(float, point.split())) == PUBLIC
    for path in (
        "/reports",
        f"/reports/{reference}",
        f"/open311/v2/requests/{reference}.json",
        f"/open311/v2/requests/{reference}.xml",
        "/feeds/reports.atom",
    ):
        text = client.get(path).get_data(as_text=True)
        assert RAW[0] not in text and RAW[1] not in text, path
    # The handling unit still sees the reported point, and the public one it confirmed.
    console, _token, _version = report_forms(staff, reference)
    assert RAW[0] in console and str(rounded_point(*RAW)[1]) in console


def test_place_text_only_keeps_the_report_off_the_map_and_open311(mapped):
    """Staff choose no point: the report is in the list, on no map, and Open311's lat/long are null."""
    client = mapped.test_client()
    reference, _staff = accepted_report(mapped, client, public_location="place_only")
    _status, text, _policy = page(client, "/reports")
    assert reference in text and markers(text) is None
    _status, shown, _policy = page(client, f"/reports/{reference}")
    assert markers(shown) is None and "data-points" not in shown
    [item] = client.get(f"/open311/v2/requests/{reference}.json").get_json()
    assert item["lat"] is None and item["long"] is None


def test_the_map_follows_the_list_filters(mapped):
    """A filter that leaves the report out of the list leaves it off the map too."""
    client = mapped.test_client()
    reference, _staff = accepted_report(mapped, client)
    assert len(markers(page(client, "/reports?category=water")[1])) == 1
    _status, text, _policy = page(client, "/reports?category=air")
    assert reference not in text and markers(text) is None


def test_a_report_without_a_point_is_accepted_without_a_choice(mapped):
    """No reported point: the acceptance form says so instead of offering a choice, and no point is public."""
    client = mapped.test_client()
    reference, _code = submit_report(client)
    staff = staff_client(mapped)
    console, _token, _version = report_forms(staff, reference)
    assert 'name="public_location"' not in console
    assert "gave no point" in console
    assert act(staff, reference, "accept").status_code == 302
    [item] = client.get(f"/open311/v2/requests/{reference}.json").get_json()
    assert item["lat"] is None


def test_an_unknown_public_location_is_refused_naming_the_field(mapped):
    """A forged choice is a 400 with the message on the public location field, and nothing is accepted."""
    client = mapped.test_client()
    reference, _code = submit_report(client, latitude=RAW[0], longitude=RAW[1])
    staff = staff_client(mapped)
    response = act(staff, reference, "accept", public_location="exact")
    assert response.status_code == 400
    assert 'id="accept-public_location-error"' in response.get_data(as_text=True)
    [item] = client.get(f"/open311/v2/requests/{reference}.json").get_json()
    assert item["status"] == "open" and item["lat"] is None


def test_the_map_pages_are_valid_html_in_both_languages(mapped, tmp_path):
    """With a map: the form with its picker, the list with its map, the report page and the console's acceptance
    form are valid HTML (Nu Html Checker), in Chinese and English."""
    from tests.public.test_html_validity import assert_valid_html

    client = mapped.test_client()
    reference, staff = accepted_report(mapped, client)
    other, _code = submit_report(client, latitude=RAW[0], longitude=RAW[1])
    pages = {}
    for language in ("zh", "en"):
        if language == "en":
            client.get("/language/en")
        for name, path in (
            ("new", "/reports/new"),
            ("index", "/reports"),
            ("show", f"/reports/{reference}"),
        ):
            pages[f"{name}-{language}"] = client.get(path).get_data(as_text=True)
    pages["console-en"] = report_forms(staff, other)[0]
    assert "map-picker" in pages["new-zh"] and markers(pages["index-en"])
    assert_valid_html(pages, tmp_path)


def test_the_readme_tianditu_settings_are_accepted(tmp_path):
    """The 天地图 example in the README's "Maps" section loads, and its key goes into both templates."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    found = dict(re.findall(r"^(PORTAL_MAP_(?:TILES|LABELS))='([^']+)'$", readme, re.M))
    assert set(found) == {"PORTAL_MAP_TILES", "PORTAL_MAP_LABELS"}
    environ = {"PORTAL_ENV": "development", "PORTAL_DATA_DIR": str(tmp_path), "PORTAL_MAP_KEY": "k"}
    settings = config.load(environ=environ | found)
    assert settings["MAP_TILES"].startswith("https://t0.tianditu.gov.cn/vec_w/wmts?")
    assert maps.tile_url(settings).endswith("&tk=k")
    assert maps.tile_url(settings, "MAP_LABELS").endswith("&tk=k")
    assert "img-src 'self' data: https://t0.tianditu.gov.cn;" in headers.page_policy(settings)
