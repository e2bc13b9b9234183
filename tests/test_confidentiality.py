"""A reporter's identity, and a commenter's or hearing registrant's contact, stay confidential: a planted name,
phone and email never reach a public page, an API, a feed or a log line; the handling unit sees them only when
the resident allowed it, and every read is audited. A resident's raw point never reaches the public either: only the
public location its unit confirmed (rounded to about 500 m) does."""

import http.cookiejar
import json
import logging
import re
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditRecord, ConsultationKind, Unit, User
from portal.models.types import utcnow
from portal.services import clocks, consultations, hearings, search
from portal.services.datasets import DATASETS
from portal.services.units import find_unit
from tests.helpers import (
    PASSWORD,
    People,
    act,
    add_user,
    csrf_token,
    hidden_value,
    jpeg_photo,
    receipt_of,
    staff_client,
    submit_report,
)

NAME, PHONE, EMAIL = "保密测试人", "13912345678", "planted@example.org"
SENTENCE = "PLANTED-SENTENCE 我家楼下的排污口每天夜里排放黑臭污水,邻居都知道是我举报的。"
IDENTITY = (NAME, PHONE, EMAIL, "planted%40example.org")
EVERYTHING = (*IDENTITY, SENTENCE, "邻居都知道是我举报的")
# Search needs a query: it is asked below for the planted strings themselves instead.
LEAK_CHECK_SKIPS = ("static", "public.language", "api.search", "feeds.search_atom")
# The resident's phone records its owner in the photo's EXIF, as cameras do. Made at import, before any
# log capture starts, so that making it is not mistaken for the portal logging it.
OWNERS_PHOTO = jpeg_photo(artist=PHONE, comment=EMAIL.encode())


class Browser:
    """A cookie-keeping HTTP client for the live server that never follows redirects."""

    class _Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), self._Stay
        )

    def request(self, method, path, fields=None, files=()):
        """(status, headers, text) of one request; form fields go multipart."""
        body, headers = None, {}
        if fields is not None or files:
            boundary = uuid.uuid4().hex
            parts = []
            for name, value in (fields or {}).items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                )
            for name, filename, content in files:
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"'
                    f"\r\nContent-Type: image/jpeg\r\n\r\n".encode()
                    + content
                    + b"\r\n"
                )
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        request = urllib.request.Request(
            self.base + path, data=body, method=method, headers=headers
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.headers, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode("utf-8", "replace")

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, fields, files=()):
        return self.request("POST", path, fields, files)

    def token(self, path):
        """The CSRF token of the form at `path`."""
        return hidden_value(self.get(path)[2], "csrf_token")

    def login(self, username):
        status, headers, _text = self.post(
            "/login",
            {"csrf_token": self.token("/login"), "username": username, "password": PASSWORD},
        )
        assert status == 302, status


@pytest.fixture
def all_logs(caplog):
    """Every log record at DEBUG and up, from the root logger down, werkzeug's request log included."""
    caplog.set_level(logging.DEBUG)
    for name in ("werkzeug", "portal", "flask.app"):
        caplog.set_level(logging.DEBUG, logger=name)
        logging.getLogger(name).disabled = False
    return caplog


def public_paths(app, reference, unit_id):
    """Every public GET page and API response that could show a report: all parameterless public GETs plus the
    report's own pages, its unit's pages, and Open311's if that endpoint exists."""
    paths = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in LEAK_CHECK_SKIPS or rule.arguments:
            continue
        if rule.endpoint.split(".")[0] in ("console", "admin", "auth"):
            continue
        paths.add(rule.rule)
    paths |= {
        "/",
        "/reports",
        f"/reports/{reference}",
        "/measures",
        "/units",
        f"/units/{unit_id}",
        "/api/v1/measures",
        "/api/v1/units",
        f"/api/v1/units/{unit_id}",
        "/reports?status=closed",
        f"/reports?unit={unit_id}",
        "/reports?area=8&category=water",
    }
    paths |= {f"/data/{d.name}.{extension}" for d in DATASETS for extension in ("csv", "json")}
    rules = {r.rule for r in app.url_map.iter_rules()}
    if "/open311/v2/requests.<fmt>" in rules:
        for fmt in ("json", "xml"):
            paths |= {
                f"/open311/v2/requests.{fmt}",
                f"/open311/v2/requests/{reference}.{fmt}",
                f"/open311/v2/requests.{fmt}?service_request_id={reference}",
            }
    return sorted(paths)


def write_open_data(app):
    """Write the bulk files of /data now, as the nightly `portal tick` does."""
    result = app.test_cli_runner().invoke(args=["portal", "export-data"])
    assert result.exit_code == 0 and "open data written" in result.output, result.output


def assert_unsearchable(browser, planted):
    """Searching for each planted string finds nothing, in the API and in the saved-search feed."""
    for text in planted:
        status, _headers, answer = browser.get(f"/api/v1/search?q={quote(text)}")
        assert status == 200 and json.loads(answer)["total"] == 0, f"search finds {text!r}"
        status, _headers, feed = browser.get(f"/feeds/search.atom?q={quote(text)}")
        assert status == 200 and "<entry" not in feed, f"the search feed finds {text!r}"


def assert_clean(where, text):
    """None of the planted strings is in `text`."""
    for planted in EVERYTHING:
        assert planted not in text, f"{planted!r} leaked into {where}"


def audit_reads(app):
    """(action, actor username, subject id) of identity reads in the audit trail."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(AuditRecord.action, User.username, AuditRecord.subject_id).join(
                User, AuditRecord.actor_id == User.id, isouter=True
            )
        ).all()
    return [tuple(r) for r in rows]


def test_planted_identity_never_reaches_public_pages_apis_or_logs(
    app, live_server, all_logs, capfd
):
    """A planted identity is shown only after the unit's audited reveal: no public page, API or log line has it."""
    add_user(app, username="shz", unit="第八师石河子市")
    resident = Browser(live_server)
    status, _headers, page = resident.get("/reports/new")
    assert status == 200
    fields = {
        "csrf_token": hidden_value(page, "csrf_token"),
        "submission_key": hidden_value(page, "submission_key"),
        "category": "water",
        "area": "8",
        "place": "北泉镇某排污口",
        "description": SENTENCE,
        "name": NAME,
        "phone": PHONE,
        "email": EMAIL,
        "visibility": "handling_unit",
    }
    status, headers, page = resident.post(
        "/reports/new", fields, [("evidence", "IMG_0001.jpg", OWNERS_PHOTO)]
    )
    assert status == 200, page[:500]
    reference, code = receipt_of(page)
    assert_clean("the receipt page", page)

    staff = Browser(live_server)
    staff.login("shz")
    status, _headers, report_page = staff.get(f"/console/reports/{reference}")
    assert status == 200 and SENTENCE in report_page
    for planted in IDENTITY:
        assert planted not in report_page, "shown before the reveal"
    assert f'action="/console/reports/{reference}/identity"' in report_page
    assert audit_reads(app) == []
    status, _headers, revealed = staff.post(
        f"/console/reports/{reference}/identity",
        {"csrf_token": hidden_value(report_page, "csrf_token")},
    )
    assert status == 200 and NAME in revealed and PHONE in revealed and EMAIL in revealed
    with app.app_context():
        report_id = db.session.execute(
            sa.text("SELECT id FROM reports WHERE reference = :r"), {"r": reference}
        ).scalar_one()
        unit_id = db.session.scalar(sa.select(Unit.id).where(Unit.name == "第八师石河子市"))
    assert audit_reads(app) == [("identity.read", "shz", report_id)]
    for action, extra in (
        ("accept", {}),
        ("reply", {"text": "已派员现场检查"}),
        ("close", {"result": "已责令整改。", "confirm": "yes"}),
    ):
        _s, _h, current = staff.get(f"/console/reports/{reference}")
        status, _headers, _text = staff.post(
            f"/console/reports/{reference}/{action}",
            {
                "csrf_token": hidden_value(current, "csrf_token"),
                "version": hidden_value(current, "version"),
                **extra,
            },
        )
        assert status == 302
    assert "badge-closed" in staff.get(f"/console/reports/{reference}")[2]

    with app.app_context():
        search.reindex(app.config)  # the closed report is now searchable: by its public parts only
    write_open_data(app)
    anyone = Browser(live_server)
    checked = 0
    for path in public_paths(app, reference, unit_id):
        status, _headers, text = anyone.get(path)
        # 302: /api → /developers, staff pages → /login; 301: a renamed address (portal/redirects.py MOVED)
        assert status in (200, 301, 302, 404), (path, status)
        assert_clean(path, text)
        checked += status == 200
    assert checked >= 15
    assert (
        reference in anyone.get("/reports")[2]
        and "已派员现场检查" in anyone.get(f"/reports/{reference}")[2]
    )

    status, _headers, text = anyone.get(f"/reports/track/{reference}/{'a' * 32}")
    assert status == 404
    assert_clean("the tracking page without the code", text)
    status, _headers, text = anyone.post(
        "/reports/track",
        {
            "csrf_token": anyone.token("/reports/track"),
            "reference": reference,
            "code": "AAAA-AAAA-AAAA-AAAA",
        },
    )
    assert status == 404
    assert_clean("a failed tracking attempt", text)
    status, headers, _text = resident.post(
        "/reports/track",
        {"csrf_token": resident.token("/reports/track"), "reference": reference, "code": code},
    )
    assert status == 302
    own = resident.get(headers["Location"])[2]
    assert "已派员现场检查" in own and "badge-closed" in own

    captured = capfd.readouterr()
    lines = [r.getMessage() for r in all_logs.records]
    assert any(f"/reports/{reference}" in line for line in lines), (
        "the request log was not captured"
    )
    for where, text in (
        ("the log", "\n".join(lines)),
        ("the log", all_logs.text),
        ("stdout", captured.out),
        ("stderr", captured.err),
    ):
        for planted in IDENTITY:
            assert planted not in text, f"{planted!r} leaked into {where}"
        assert SENTENCE not in text
    # Searched for last: the searches' own request lines carry the planted strings into the log.
    assert_unsearchable(
        anyone, (PHONE, EMAIL, "planted", NAME, "PLANTED-SENTENCE", "邻居都知道是我举报的")
    )
    assert (
        json.loads(anyone.get(f"/api/v1/search?q={quote('已责令整改')}")[2])["total"] == 1
    )  # its public part is


def reveal(client, reference):
    """POST the identity reveal with the client's CSRF token; returns the page."""
    response = client.post(
        f"/console/reports/{reference}/identity",
        data={"csrf_token": csrf_token(client, "/reports/track")},
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_handling_unit_sees_identity_only_after_an_audited_reveal(app, client):
    """Allowed by the resident: the report page has a reveal button, and only the reveal shows (and audits) it."""
    reference, _code = submit_report(
        client, name=NAME, phone=PHONE, email=EMAIL, visibility="handling_unit"
    )
    shz = staff_client(app, "shz")
    page = shz.get(f"/console/reports/{reference}").get_data(as_text=True)
    assert f'action="/console/reports/{reference}/identity"' in page
    assert NAME not in page and PHONE not in page and EMAIL not in page
    revealed = reveal(shz, reference)
    assert NAME in revealed and PHONE in revealed and EMAIL in revealed
    assert [(a, u) for a, u, _s in audit_reads(app)] == [("identity.read", "shz")]
    assert NAME not in shz.get(f"/console/reports/{reference}").get_data(
        as_text=True
    )  # not kept on the page


def test_administrators_only_identity_is_hidden_from_the_handling_unit(app, client):
    """Administrators only: the unit has no button and a forced POST shows nothing; a site admin's reveal is audited."""
    reference, _code = submit_report(
        client, name=NAME, phone=PHONE, email=EMAIL, visibility="administrators"
    )
    shz = staff_client(app, "shz")
    admin = staff_client(app, "shz-admin", role="unit_admin")
    for unit_member in (shz, admin):
        page = unit_member.get(f"/console/reports/{reference}").get_data(as_text=True)
        assert f'action="/console/reports/{reference}/identity"' not in page
        assert "only the portal's administrators" in page
        forced = reveal(unit_member, reference)
        assert NAME not in forced and PHONE not in forced and EMAIL not in forced
        assert "You may not see who made this report." in forced
    assert audit_reads(app) == []
    root = staff_client(app, "root", unit="兵团审计局", role="site_admin")
    page = root.get(f"/console/reports/{reference}").get_data(as_text=True)
    assert f'action="/console/reports/{reference}/identity"' in page and NAME not in page
    revealed = reveal(root, reference)
    assert NAME in revealed and PHONE in revealed and EMAIL in revealed
    assert [(a, u) for a, u, _s in audit_reads(app)] == [("identity.read", "root")]


def test_copied_units_never_see_the_identity(app, client):
    """Even when the handling unit may see it, a copied unit may not."""
    reference, _code = submit_report(
        client, name=NAME, phone=PHONE, email=EMAIL, visibility="handling_unit"
    )
    copied = staff_client(app, "slj", unit="兵团水利局")
    page = copied.get(f"/console/reports/{reference}").get_data(as_text=True)
    assert f'action="/console/reports/{reference}/identity"' not in page
    forced = reveal(copied, reference)
    assert NAME not in forced and PHONE not in forced
    assert audit_reads(app) == []


def test_unrelated_unit_cannot_reveal(app, client):
    """Staff of another unit get 404 for the reveal and nothing is audited."""
    reference, _code = submit_report(
        client, name=NAME, phone=PHONE, email=EMAIL, visibility="handling_unit"
    )
    stranger = staff_client(app, "sjj", unit="兵团审计局")
    response = stranger.post(
        f"/console/reports/{reference}/identity",
        data={"csrf_token": csrf_token(stranger, "/reports/track")},
    )
    assert response.status_code == 404
    assert NAME not in response.get_data(as_text=True)
    assert audit_reads(app) == []


def test_anonymous_report_says_so_and_offers_no_reveal(app, client):
    """Without contact details the report page says the report is anonymous."""
    reference, _code = submit_report(client)
    shz = staff_client(app, "shz")
    page = shz.get(f"/console/reports/{reference}").get_data(as_text=True)
    assert "reported anonymously" in page
    assert f'action="/console/reports/{reference}/identity"' not in page


def test_supervision_page_never_shows_the_description_even_after_closure(app, client):
    """Closed with a reply and a result, the public pages still show neither description nor identity."""
    reference, _code = submit_report(
        client, description=SENTENCE, name=NAME, phone=PHONE, email=EMAIL
    )
    shz = staff_client(app, "shz")
    act(shz, reference, "accept")
    act(shz, reference, "reply", text="已派员现场检查")
    act(shz, reference, "close", result="已责令整改。", confirm="yes")
    for path in ("/reports", f"/reports/{reference}", "/reports?status=closed"):
        page = client.get(path).get_data(as_text=True)
        assert reference in page and "已责令整改。" in page
        assert_clean(path, page)


# --- commenters and hearing registrants ------------------------------------------------------------

COMMENTER = ("13711112222", "commenter@example.org", "commenter%40example.org")
REGISTRANT = ("13633334444", "registrant@example.org", "registrant%40example.org")


def open_consultation(app):
    """An open policy draft of 第六师五家渠市 with a hearing taking registrations; returns (id, hearing id)."""
    with app.app_context():
        staff = People({"staff": ("wjq", "第六师五家渠市", "staff")})["staff"]
        today = clocks.local_day(utcnow())
        consultation = consultations.create_consultation(
            find_unit("第六师五家渠市"),
            ConsultationKind.POLICY_DRAFT,
            "第六师生态环境保护条例(草案)",
            "第一段。\n\n第二段。",
            6,
        )
        consultations.publish(staff, consultation, today, today + timedelta(days=40), app.config)
        starts = utcnow() + timedelta(days=30)
        hearing = hearings.schedule(
            staff,
            consultation,
            starts,
            "五家渠市政务服务中心",
            20,
            starts - timedelta(days=1),
            "",
            app.config,
        )
        db.session.commit()
        return consultation.id, hearing.id


def test_planted_contacts_of_commenters_and_registrants_never_reach_public_pages_apis_feeds_or_logs(
    app, live_server, all_logs, capfd
):
    """A comment's and a registration's phone and email stay with the unit: no public page, API, feed or log has them."""
    add_user(app, username="wjq-admin", unit="第六师五家渠市", role="unit_admin")
    consultation_id, hearing_id = open_consultation(app)
    resident = Browser(live_server)
    page = resident.get(f"/consultations/{consultation_id}")[2]
    status, _headers, _text = resident.post(
        f"/consultations/{consultation_id}/comments",
        {
            "csrf_token": hidden_value(page, "csrf_token"),
            "paragraph": "2",
            "body": "建议增加水质在线监测点位并公开数据。",
            "author_name": "公开的名字",
            "phone": COMMENTER[0],
            "email": COMMENTER[1],
            "publish_name": "y",
        },
    )
    assert status == 302
    page = resident.get(f"/hearings/{hearing_id}")[2]
    status, _headers, receipt = resident.post(
        f"/hearings/{hearing_id}/registrations",
        {
            "csrf_token": hidden_value(page, "csrf_token"),
            "name": "报名居民",
            "phone": REGISTRANT[0],
            "email": REGISTRANT[1],
        },
    )
    assert status == 200 and "registration-code" in receipt
    for planted in COMMENTER + REGISTRANT:
        assert planted not in receipt

    staff = Browser(live_server)
    staff.login("wjq-admin")
    queue = staff.get("/console/comments")[2]
    comment_id = int(re.search(r'action="/console/comments/(\d+)/publish"', queue).group(1))
    assert (
        staff.post(
            f"/console/comments/{comment_id}/publish",
            {"csrf_token": hidden_value(queue, "csrf_token")},
        )[0]
        == 302
    )

    with app.app_context():
        search.reindex(app.config)
    anyone = Browser(live_server)
    paths = {
        f"/consultations/{consultation_id}",
        f"/hearings/{hearing_id}",
        "/consultations",
        "/feeds/consultations.atom",
        "/api/v1/consultations",
        f"/api/v1/consultations/{consultation_id}",
    }
    paths |= {
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and not rule.arguments
        and rule.endpoint not in LEAK_CHECK_SKIPS
        and rule.endpoint.split(".")[0] not in ("console", "admin", "auth")
    }
    shown = anyone.get(f"/consultations/{consultation_id}")[2]
    assert "建议增加水质在线监测点位并公开数据" in shown and "公开的名字" in shown
    for path in sorted(paths):
        status, _headers, text = anyone.get(path)
        # 302: /api → /developers, staff pages → /login; 301: a renamed address (portal/redirects.py MOVED)
        assert status in (200, 301, 302, 404), (path, status)
        for planted in COMMENTER + REGISTRANT:
            assert planted not in text, f"{planted!r} leaked into {path}"

    captured = capfd.readouterr()
    logs = (
        "\n".join(r.getMessage() for r in all_logs.records)
        + all_logs.text
        + captured.out
        + captured.err
    )
    assert f"/consultations/{consultation_id}" in logs, "the request log was not captured"
    for planted in COMMENTER + REGISTRANT:
        assert planted not in logs, f"{planted!r} leaked into the logs"
    assert_unsearchable(anyone, COMMENTER[:2] + REGISTRANT[:2] + ("报名居民",))


# A resident's raw point (web form) and an Open311 client's (no address: the place text is the point itself).
RAW_POINTS = (("44.305123", "86.051234"), ("44.312345", "86.067891"))
# Their digits, and the same cut to five and four decimals: a public point must not be the raw one truncated.
RAW_DIGITS = tuple(
    digits[: len(digits) - cut] for point in RAW_POINTS for digits in point for cut in (0, 1, 2)
)


def test_raw_coordinates_never_reach_any_public_output(make_app):
    """Two reports with raw points, accepted with the default public location and one closed: every public page
    (the map's data included), Open311 in JSON and XML, the API, the feeds and search show the rounded point at
    most, never the reported digits."""
    from portal.services.api_keys import create_api_key
    from portal.services.locations import rounded_point

    app = make_app(MAP_TILES="https://tiles.example.test/{z}/{x}/{y}.png", MAP_KEY="k")
    resident = app.test_client()
    web, _code = submit_report(resident, latitude=RAW_POINTS[0][0], longitude=RAW_POINTS[0][1])
    with app.app_context():
        _key, api_key = create_api_key("maps")
        db.session.commit()
    answer = resident.post(
        "/open311/v2/requests.json",
        data={
            "api_key": api_key,
            "service_code": "air",
            "lat": RAW_POINTS[1][0],
            "long": RAW_POINTS[1][1],
            "description": "工地扬尘很严重,整天灰蒙蒙的。",
        },
    )
    assert answer.status_code == 201, answer.data
    open311 = answer.get_json()[0]["service_request_id"]
    staff = {
        web: staff_client(app, username="shz", unit="第八师石河子市"),
        open311: staff_client(app, username="bt-jsj", unit="兵团建设局"),
    }
    for reference, client in staff.items():
        assert act(client, reference, "accept").status_code == 302, reference
    assert act(staff[web], web, "reply", text="已派员现场检查").status_code == 302
    assert act(staff[web], web, "close", result="已责令整改。", confirm="yes").status_code == 302
    with app.app_context():
        search.reindex(app.config)
        unit_id = db.session.scalar(sa.select(Unit.id).where(Unit.name == "第八师石河子市"))
    write_open_data(app)

    anyone = app.test_client()
    paths = set(public_paths(app, web, unit_id)) | set(public_paths(app, open311, unit_id))
    paths |= {"/feeds/reports.atom", "/reports?category=air", f"/reports/{open311}"}
    checked = 0
    for path in sorted(paths):
        response = anyone.get(path)
        assert response.status_code in (200, 301, 302, 404), (path, response.status_code)
        text = response.get_data(as_text=True)
        for digits in RAW_DIGITS:
            assert digits not in text, f"{digits} leaked into {path}"
        checked += response.status_code == 200
    assert checked >= 15
    for digits in RAW_DIGITS:
        for path in (f"/api/v1/search?q={digits}", f"/feeds/search.atom?q={digits}"):
            text = anyone.get(path).get_data(as_text=True)
            assert "JB-" not in text, f"searching {digits} finds a report ({path})"
    # Not vacuous: the public points are there, on the map and in Open311.
    mapped = anyone.get("/reports").get_data(as_text=True)
    for lat, lon in (rounded_point(*point) for point in RAW_POINTS):
        assert f'"lat": {float(lat)}' in mapped and f'"lon": {float(lon)}' in mapped
    [item] = anyone.get(f"/open311/v2/requests/{open311}.json").get_json()
    assert (item["lat"], item["long"]) == tuple(map(float, rounded_point(*RAW_POINTS[1])))
    rows = {r["reference"]: r for r in anyone.get("/data/reports.json").get_json()["rows"]}
    assert (rows[open311]["latitude"], rows[open311]["longitude"]) == tuple(
        map(float, rounded_point(*RAW_POINTS[1]))
    )


VOICE = ("附议保密人", "13987654321", "voice-planted@example.org", "voice-planted%40example.org")
VOICE_NOTE = "VOICE-NOTE 我住在排污口对面三号楼"


def test_supporters_identities_and_notes_never_reach_the_public_search_or_logs(
    app, live_server, all_logs, capfd
):
    """A supporter's planted name, phone, email and note, and those of a duplicate's reporter merged into the
    case, reach no public page, nearby list, API, Open311, feed, search or log line; staff see them after the
    audited reveal only."""
    add_user(app, username="shz", unit="第八师石河子市")
    staff = Browser(live_server)
    staff.login("shz")
    resident = Browser(live_server)

    def report(name, phone, email, description):
        page = resident.get("/reports/new")[2]
        fields = {
            "csrf_token": hidden_value(page, "csrf_token"),
            "submission_key": hidden_value(page, "submission_key"),
            "category": "water",
            "area": "8",
            "place": "北泉镇某排污口",
            "description": description,
            "name": name,
            "phone": phone,
            "email": email,
            "visibility": "handling_unit",
            "latitude": "44.305123",
            "longitude": "86.041234",
        }
        status, _headers, page = resident.post("/reports/new", fields)
        assert status == 200, page[:500]
        return receipt_of(page)

    def staff_act(reference, action, **extra):
        current = staff.get(f"/console/reports/{reference}")[2]
        fields = {
            "csrf_token": hidden_value(current, "csrf_token"),
            "version": hidden_value(current, "version"),
            **extra,
        }
        assert staff.post(f"/console/reports/{reference}/{action}", fields)[0] == 302

    target, _code = report("", "", "", "排污口每天夜里排放黑臭污水,渠道里的鱼都死了。")
    staff_act(target, "accept")
    duplicate, _dup_code = report(NAME, PHONE, EMAIL, SENTENCE)
    page = resident.get(f"/reports/{target}/support")[2]
    status, _headers, receipt = resident.post(
        f"/reports/{target}/support",
        {
            "csrf_token": hidden_value(page, "csrf_token"),
            "submission_key": hidden_value(page, "submission_key"),
            "name": VOICE[0],
            "phone": VOICE[1],
            "email": VOICE[2],
            "visibility": "handling_unit",
            "note": VOICE_NOTE,
        },
    )
    assert status == 200
    voice_reference, voice_code = receipt_of(receipt)
    staff_act(duplicate, "merge", target=target, confirm="yes")

    planted = (*VOICE, VOICE_NOTE, "三号楼", *EVERYTHING)
    console = staff.get(f"/console/reports/{target}")[2]
    assert VOICE_NOTE in console  # the note is the unit's to read
    for text in (*VOICE[:3], NAME, PHONE, EMAIL):
        assert text not in console, "shown before the reveal"
    revealed = staff.post(
        f"/console/reports/{target}/identity", {"csrf_token": hidden_value(console, "csrf_token")}
    )[2]
    assert VOICE[0] in revealed and NAME in revealed and EMAIL in revealed
    assert [a for a, _u, _s in audit_reads(app) if a == "identity.read"] == ["identity.read"] * 2

    with app.app_context():
        search.reindex(app.config)
        unit_id = db.session.scalar(sa.select(Unit.id).where(Unit.name == "第八师石河子市"))
    anyone = Browser(live_server)
    paths = [
        *public_paths(app, target, unit_id),
        *public_paths(app, duplicate, unit_id),
        "/reports/nearby?category=water&area=8&lat=44.3051&long=86.0412",
        "/reports/nearby?category=water&area=8&fragment=1",
        f"/reports/{target}/support",
        f"/reports/{duplicate}/support",
        "/feeds/reports.atom",
    ]
    for path in sorted(set(paths)):
        status, _headers, text = anyone.get(path)
        assert status in (200, 301, 302, 404), (path, status)
        for secret in planted:
            assert secret not in text, f"{secret!r} leaked into {path}"
    status, headers, _text = anyone.post(
        "/reports/track",
        {
            "csrf_token": anyone.token("/reports/track"),
            "reference": voice_reference,
            "code": voice_code,
        },
    )
    assert status == 302
    own = anyone.get(headers["Location"])[2]
    assert "另有 2 位群众反映此问题" in own
    for secret in planted:
        assert secret not in own, f"{secret!r} leaked into the supporter's own page"

    captured = capfd.readouterr()
    logged = "\n".join([r.getMessage() for r in all_logs.records] + [captured.out, captured.err])
    for secret in (*VOICE[:3], VOICE_NOTE, NAME, PHONE, EMAIL):
        assert secret not in logged, f"{secret!r} leaked into the log"
    assert_unsearchable(anyone, (VOICE[0], VOICE[1], VOICE[2], "VOICE-NOTE", "三号楼"))
