"""Open311 GeoReport v2 at /open311/v2: conformance in JSON and XML, routing, privacy, errors, limits."""

import xml.etree.ElementTree as ET
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from portal.errors import Conflict, ValidationFailed
from portal.extensions import db
from portal.models import (
    ApiKey,
    EventKind,
    IdentityVisibility,
    Report,
    ReporterIdentity,
    ReportSource,
    ReportStatus,
)
from portal.models.types import utcnow
from portal.services import history
from portal.services.api_keys import authenticate, create_api_key

BASE = "/open311/v2"
BEIJING = ZoneInfo("Asia/Shanghai")
PLANTED = {
    "first_name": "小明",
    "last_name": "王",
    "phone": "13912345678",
    "email": "whistle.blower@example.com",
    "description": "PLANTED-SENTENCE 我家楼下的排污口每天夜里排放黑臭污水,邻居都知道是我举报的。",
    "address_string": "北泉镇幸福路17号院内PLANTED-PLACE",
}
REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)


def new_key(app, name="t"):
    """Create an API key and commit it; returns the plain text."""
    with app.app_context():
        _key, plaintext = create_api_key(name)
        db.session.commit()
        return plaintext


def water_report(key, **extra):
    """A water report in the 第八师 area, with the planted identity and description."""
    return {"api_key": key, "service_code": "water", "attribute[area]": "8", **PLANTED, **extra}


def air_report(key, **extra):
    """An air report at the 兵团 level, located by coordinates only."""
    return {
        "api_key": key,
        "service_code": "air",
        "lat": "44.305",
        "long": "86.045",
        "description": "工地扬尘很严重,整天灰蒙蒙的。",
        **extra,
    }


def post(client, data, fmt="json"):
    """POST requests.[fmt] form-encoded, as the spec says."""
    return client.post(f"{BASE}/requests.{fmt}", data=data)


def xml(response):
    """The response parsed as XML, after checking its content type."""
    assert response.mimetype == "text/xml"
    assert response.mimetype_params.get("charset") == "utf-8"
    return ET.fromstring(response.data)


def errors_of(response):
    """The spec's error list in either format, as (code, description) pairs."""
    if response.mimetype == "text/xml":
        root = xml(response)
        assert root.tag == "errors"
        return [(int(e.findtext("code")), e.findtext("description")) for e in root.findall("error")]
    assert response.mimetype == "application/json"
    return [(e["code"], e["description"]) for e in response.get_json()]


def assert_error(response, status, fragment=""):
    """One error in the spec's form with `status`, whose description contains `fragment`."""
    assert response.status_code == status, response.data
    [(code, description)] = errors_of(response)
    assert code == status
    assert description and fragment in description


def filed(client, app, data):
    """POST `data` (must succeed) and return the new reference."""
    response = post(client, data)
    assert response.status_code == 201, response.data
    return response.get_json()[0]["service_request_id"]


def update_report(app, reference, **values):
    """Change a report directly, as handling would have."""
    with app.app_context():
        report = db.session.scalar(sa.select(Report).where(Report.reference == reference))
        for name, value in values.items():
            setattr(report, name, value)
        db.session.commit()


# discovery, services


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery(client, fmt):
    """discovery names the specification, the base URL, both formats and how to get a key."""
    response = client.get(f"{BASE}/discovery.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        body = response.get_json()
        endpoint = body["endpoints"][0]
        formats = endpoint["formats"]
    else:
        root = xml(response)
        assert root.tag == "discovery"
        body = {child.tag: child.text for child in root if child.tag != "endpoints"}
        element = root.find("endpoints/endpoint")
        endpoint = {child.tag: child.text for child in element if child.tag != "formats"}
        formats = [f.text for f in element.findall("formats/format")]
    assert body["changeset"] and body["contact"]
    assert "flask --app wsgi portal create-api-key NAME" in body["key_service"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://localhost/open311/v2"
    assert endpoint["type"] == "production"
    assert formats == ["text/xml", "application/json"]


def test_services_json(client):
    """One service per category, with the spec's fields, in unescaped UTF-8."""
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200
    services = response.get_json()
    assert len(services) == 13
    water = next(s for s in services if s["service_code"] == "water")
    assert water == {
        "service_code": "water",
        "service_name": "水污染",
        "description": "向河流、水库、渠道或地下排放污水、废液。",
        "metadata": True,
        "type": "realtime",
        "keywords": "排污口排放黑臭污水, 水库水面漂浮油污, 偷排废液",
        "group": "pollution",
    }
    assert "水污染".encode() in response.data  # UTF-8, not \u escapes


def test_services_xml(client):
    """<services><service>… with metadata as true (each has its area attribute)."""
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    services = root.findall("service")
    assert len(services) == 13
    air = next(s for s in services if s.findtext("service_code") == "air")
    assert air.findtext("service_name") == "大气污染"
    assert air.findtext("metadata") == "true"
    assert air.findtext("type") == "realtime"
    assert air.findtext("group") == "pollution"
    assert "露天焚烧秸秆或垃圾" in air.findtext("keywords")


def test_service_definition_offers_the_area_that_routes_a_report(client):
    """A definition lists its two attributes: the area, a list of the 兵团 level and the 14 divisions, and the
    submission key; another app can show the list and route a report to a division."""
    definition = client.get(f"{BASE}/services/soil_waste.json").get_json()
    assert definition["service_code"] == "soil_waste"
    area, key = definition["attributes"]
    assert area["code"] == "area" and area["datatype"] == "singlevaluelist"
    assert area["variable"] is True and area["required"] is False and area["order"] == 1
    values = {value["key"]: value["name"] for value in area["values"]}
    assert len(values) == 15
    assert (
        values["0"] == "兵团"
        and values["8"] == "第八师石河子市"
        and values["14"] == "第十四师昆玉市"
    )
    assert key["code"] == "submission_key" and key["datatype"] == "string"
    assert key["required"] is False and "48" in key["datatype_description"]
    root = xml(client.get(f"{BASE}/services/soil_waste.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "soil_waste"
    attributes = root.find("attributes").findall("attribute")
    assert [a.findtext("code") for a in attributes] == ["area", "submission_key"]
    assert attributes[0].findtext("variable") == "true"
    shown = attributes[0].find("values").findall("value")
    assert [(v.findtext("key"), v.findtext("name")) for v in shown][8] == ("8", "第八师石河子市")


def test_a_report_filed_with_a_listed_area_goes_to_that_division(app, client):
    """The area key from the definition routes the report: 第八师's water report goes to 第八师石河子市."""
    definition = client.get(f"{BASE}/services/water.json").get_json()
    values = {v["name"]: v["key"] for v in definition["attributes"][0]["values"]}
    key = new_key(app)
    answer = client.post(
        f"{BASE}/requests.json",
        data=water_report(key, **{"attribute[area]": values["第八师石河子市"]}),
    )
    assert answer.status_code == 201
    reference = answer.get_json()[0]["service_request_id"]
    assert "本举报由 第八师石河子市 承办" in answer.get_json()[0]["service_notice"]
    shown = client.get(f"{BASE}/requests/{reference}.json").get_json()[0]
    assert shown["agency_responsible"] == "第八师石河子市"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_definition_is_404(client, fmt):
    """An unknown service code is a 404 in the spec's error form."""
    assert_error(client.get(f"{BASE}/services/nuclear.{fmt}"), 404, "nuclear")


# POST requests


def test_post_routes_a_water_report_like_the_web_form(app, client):
    """A water report in area 8 goes to 第八师石河子市; the identity is kept for administrators only."""
    key = new_key(app)
    response = post(client, water_report(key))
    assert response.status_code == 201
    [answer] = response.get_json()
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    assert answer["service_request_id"].startswith("JB-")
    assert answer["account_id"] == ""
    assert "第八师石河子市" in answer["service_notice"]
    assert response.headers["Location"].endswith(
        f"/open311/v2/requests/{answer['service_request_id']}.json"
    )
    with app.app_context():
        report = db.session.scalar(
            sa.select(Report).where(Report.reference == answer["service_request_id"])
        )
        assert report.unit.name == "第八师石河子市"
        assert report.area.number == 8
        assert report.category.code == "water"
        assert report.source is ReportSource.OPEN311
        assert report.api_key_id == db.session.scalar(
            sa.select(ApiKey.id).where(ApiKey.name == "t")
        )
        assert report.place == PLANTED["address_string"]
        assert report.status is ReportStatus.RECEIVED
        identity = db.session.scalar(
            sa.select(ReporterIdentity).where(ReporterIdentity.report_id == report.id)
        )
        assert (identity.name, identity.phone, identity.email) == (
            "王小明",
            PLANTED["phone"],
            PLANTED["email"],
        )
        assert identity.visibility is IdentityVisibility.ADMINISTRATORS


def test_post_routes_an_air_report_at_bingtuan_level_in_xml(app, client):
    """An air report at the 兵团 level goes to 兵团建设局; coordinates become the place."""
    key = new_key(app)
    response = post(client, air_report(key, device_id="device-1", account_id="acct-1"), fmt="xml")
    assert response.status_code == 201
    root = xml(response)
    assert root.tag == "service_requests"
    [item] = root.findall("request")
    reference = item.findtext("service_request_id")
    assert "兵团建设局" in item.findtext("service_notice")
    assert item.findtext("account_id") in ("", None)
    with app.app_context():
        report = db.session.scalar(sa.select(Report).where(Report.reference == reference))
        assert report.unit.name == "兵团建设局"
        assert report.area.number == 0
        assert report.place == "44.305,86.045"
        assert str(report.latitude) == "44.305000"
        assert (
            db.session.scalar(
                sa.select(ReporterIdentity).where(ReporterIdentity.report_id == report.id)
            )
            is None
        )


def test_post_with_the_same_submission_key_answers_the_first_report(app, client):
    """attribute[submission_key] makes a POST idempotent."""
    key = new_key(app)
    data = air_report(key, **{"attribute[submission_key]": "client-42"})
    first = post(client, data)
    again = post(client, data)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()[0]["service_request_id"] == again.get_json()[0]["service_request_id"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Report.id))) == 1


# GET requests


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_request_by_reference(app, client, fmt):
    """A report as a one-element list with every field, in order, and Beijing-time datetimes."""
    reference = filed(client, app, water_report(new_key(app)))
    response = client.get(f"{BASE}/requests/{reference}.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        [item] = response.get_json()
        assert list(item) == list(REQUEST_FIELDS)
    else:
        root = xml(response)
        assert root.tag == "service_requests"
        [element] = root.findall("request")
        assert [child.tag for child in element] == list(REQUEST_FIELDS)
        item = {child.tag: child.text or "" for child in element}
    assert item["service_request_id"] == reference
    assert item["status"] == "open"
    assert item["status_notes"] == ""
    assert item["service_code"] == "water"
    assert item["service_name"] == "水污染"
    assert item["agency_responsible"] == "第八师石河子市"
    assert item["address"] == "第八师石河子市"
    assert item["description"] == ""
    assert item["requested_datetime"].endswith("+08:00")
    assert item["updated_datetime"].endswith("+08:00")
    assert item["expected_datetime"].endswith("T23:59:59+08:00")
    # Not accepted yet: no public point (the reported one never leaves the portal).
    assert item["lat"] in (None, "") and item["long"] in (None, "")
    with app.app_context():
        report = db.session.scalar(sa.select(Report).where(Report.reference == reference))
        assert item["expected_datetime"] == report.acceptance_due_at.astimezone(BEIJING).isoformat(
            timespec="seconds"
        )


def test_get_request_shows_published_summary_latest_reply_and_closure(app, client):
    """Published summary, latest reply (escaped in XML), closed status, no expected time."""
    reference = filed(client, app, water_report(new_key(app)))
    with app.app_context():
        report = db.session.scalar(sa.select(Report).where(Report.reference == reference))
        history.add_event(report, EventKind.REPLIED, body="已派员现场核查。")
        history.add_event(report, EventKind.NOTE, body="内部备注,不公开")
        history.add_event(report, EventKind.REPLIED, body="排污口已封堵 & 责令整改 <完成>。")
        report.public_summary = "某企业向渠道排放污水,已责令整改。"
        report.status = ReportStatus.CLOSED
        report.closed_at = utcnow()
        db.session.commit()
    [item] = client.get(f"{BASE}/requests/{reference}.json").get_json()
    assert item["status"] == "closed"
    assert item["status_notes"] == "排污口已封堵 & 责令整改 <完成>。"
    assert item["description"] == "某企业向渠道排放污水,已责令整改。"
    assert item["expected_datetime"] == ""
    element = xml(client.get(f"{BASE}/requests/{reference}.xml")).find("request")
    assert element.findtext("status_notes") == "排污口已封堵 & 责令整改 <完成>。"
    assert element.findtext("status") == "closed"
    assert (element.findtext("expected_datetime") or "") == ""


def test_accepted_report_expects_the_closure_deadline(app, client):
    """While accepted, expected_datetime is the closure deadline."""
    reference = filed(client, app, air_report(new_key(app)))
    due = utcnow() + timedelta(days=60)
    update_report(
        app, reference, status=ReportStatus.ACCEPTED, accepted_at=utcnow(), closure_due_at=due
    )
    [item] = client.get(f"{BASE}/requests/{reference}.json").get_json()
    assert item["status"] == "open"
    assert item["expected_datetime"] == due.astimezone(BEIJING).isoformat(timespec="seconds")


@pytest.mark.parametrize(
    "path", ["requests.json", "requests.xml", "requests/{ref}.json", "requests/{ref}.xml"]
)
def test_identity_description_and_place_never_leave(app, client, path):
    """Name, phone, email, the resident's description, place and reported coordinates are never returned."""
    key = new_key(app)
    reference = filed(client, app, water_report(key, lat="44.301234", long="86.041234"))
    response = client.get(f"{BASE}/{path.format(ref=reference)}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert reference in text
    for value in (
        *PLANTED.values(),
        "王小明",
        "PLANTED",
        "whistle.blower",
        "44.301234",
        "86.041234",
        key,
    ):
        assert value not in text
    for field in (
        "first_name",
        "last_name",
        "phone",
        "email",
        "device_id",
        "account_id",
        "name",
    ):
        assert f'"{field}"' not in text and f"<{field}>" not in text


def test_filters(app, client):
    """status, service_code, dates and the comma list of ids; 90 days by default, newest first."""
    key = new_key(app)
    water = filed(client, app, water_report(key))
    air = filed(client, app, air_report(key))
    old = filed(client, app, air_report(key, description="很久以前的扬尘问题,反复发生。"))
    update_report(app, old, submitted_at=utcnow() - timedelta(days=100))
    update_report(app, air, status=ReportStatus.NOT_ACCEPTED, closed_at=utcnow())

    def ids(query, fmt="json"):
        response = client.get(f"{BASE}/requests.{fmt}?{query}")
        assert response.status_code == 200, response.data
        if fmt == "xml":
            return [e.findtext("service_request_id") for e in xml(response).findall("request")]
        return [item["service_request_id"] for item in response.get_json()]

    assert ids("") == [
        air,
        water,
    ]  # newest first; the 100-day-old report is outside the default 90 days
    assert ids("", "xml") == [air, water]
    assert ids("status=open") == [water]
    assert ids("status=closed") == [air]
    assert ids("status=open,closed") == [air, water]
    assert ids("service_code=water") == [water]
    assert ids("service_code=air,water") == [air, water]
    assert ids("service_code=air&status=open") == []
    today = utcnow().astimezone(BEIJING).date()
    assert ids(f"start_date={today - timedelta(days=200)}") == [air, water, old]
    assert ids(f"start_date={today + timedelta(days=1)}T00:00:00%2B08:00") == []
    assert ids(f"end_date={today - timedelta(days=30)}") == [old]  # the 90 days before end_date
    assert ids(f"end_date={today - timedelta(days=102)}") == []
    assert ids(f"start_date={today}&end_date={today}") == [air, water]
    # service_request_id overrides every other filter, the 90-day default included
    assert ids(f"service_request_id={old},{water.lower()}&status=closed") == [water, old]
    assert ids(f"service_request_id={old}", "xml") == [old]
    assert ids("service_request_id=JB-1999-000001") == []


# errors


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_errors(app, client, fmt):
    """Each refused POST answers the spec's error list with the right status and files nothing."""
    key = new_key(app)
    assert_error(
        post(client, {k: v for k, v in air_report(key).items() if k != "api_key"}, fmt),
        403,
        "api_key",
    )
    assert_error(post(client, air_report("p311_not-a-key"), fmt), 403, "api_key")
    assert_error(post(client, air_report(key, service_code="nuclear"), fmt), 404, "nuclear")
    assert_error(post(client, air_report(key, service_code=""), fmt), 400, "service_code")
    no_location = {k: v for k, v in air_report(key).items() if k not in ("lat", "long")}
    assert_error(post(client, no_location, fmt), 400, "address_string")
    assert_error(post(client, air_report(key, long=""), fmt), 400, "address_string")
    assert_error(
        post(client, air_report(key, address_string="x" * 301), fmt), 400, "address_string:"
    )
    assert_error(
        post(client, air_report(key, address_string="\x01", long=""), fmt), 400, "address_string"
    )
    assert_error(post(client, air_report(key, description="x" * 4001), fmt), 400, "description:")
    assert_error(post(client, air_report(key, description="太短"), fmt), 400, "description:")
    assert_error(post(client, air_report(key, phone="call me"), fmt), 400, "phone:")
    assert_error(post(client, air_report(key, email="at"), fmt), 400, "email:")
    assert_error(post(client, air_report(key, lat="123", long="86"), fmt), 400, "lat:")
    assert_error(post(client, air_report(key, lat="44", long="186"), fmt), 400, "long:")
    assert_error(
        post(client, air_report(key, **{"attribute[area]": "15"}), fmt), 400, "attribute[area]"
    )
    assert_error(
        post(client, air_report(key, **{"attribute[area]": "八"}), fmt), 400, "attribute[area]"
    )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Report.id))) == 0


def test_inactive_key_is_refused(app, client):
    """A deactivated key is refused like a wrong one."""
    key = new_key(app)
    with app.app_context():
        db.session.execute(sa.update(ApiKey).values(active=False))
        db.session.commit()
    assert_error(post(client, air_report(key)), 403, "api_key")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_errors(client, fmt):
    """Bad parameters, unknown ids, paths and methods answer the spec's error list."""
    assert_error(client.get(f"{BASE}/requests.{fmt}?start_date=yesterday"), 400, "start_date")
    assert_error(client.get(f"{BASE}/requests.{fmt}?end_date=2026-13-45"), 400, "end_date")
    assert_error(
        client.get(f"{BASE}/requests.{fmt}?start_date=2026-11-20&end_date=2026-11-01"),
        400,
        "end_date",
    )
    assert_error(client.get(f"{BASE}/requests.{fmt}?status=pending"), 400, "status")
    assert_error(client.get(f"{BASE}/requests/JB-2026-999999.{fmt}"), 404, "JB-2026-999999")
    assert_error(client.get(f"{BASE}/nothing-here.{fmt}"), 404)
    assert_error(client.post(f"{BASE}/nothing-here.{fmt}", data={"x": "1"}), 404)
    response = client.delete(f"{BASE}/requests.{fmt}")
    assert_error(response, 405)
    assert "GET" in response.headers["Allow"]
    assert errors_of(response)[0][1]  # the description is never empty


def test_unexpected_failure_is_a_500_in_the_spec_form(client, monkeypatch):
    """A bug answers 500 as an error list, not the portal's HTML page or a traceback."""
    from portal.open311 import queries

    monkeypatch.setattr(queries, "find_requests", lambda filters: 1 / 0)
    response = client.get(f"{BASE}/requests.xml")
    assert_error(response, 500)
    assert b"ZeroDivisionError" not in response.data


@pytest.mark.parametrize(
    "path", ["services.html", "services", "discovery.yaml", "requests/JB-2026-000001.csv"]
)
def test_unknown_format_is_404_in_json(client, path):
    """Only .json and .xml exist; anything else is a 404 in JSON."""
    response = client.get(f"{BASE}/{path}")
    assert_error(response, 404)
    assert response.mimetype == "application/json"


def test_unknown_format_on_post_is_404_in_json(app, client):
    """POST with another suffix is a 404 in JSON, not a CSRF page."""
    response = client.post(f"{BASE}/requests.html", data=air_report(new_key(app)))
    assert_error(response, 404)
    assert response.mimetype == "application/json"


def test_rate_limit_per_key(make_app):
    """Every POST counts against its key's hourly limit; the next one is 429."""
    app = make_app(API_KEY_HOURLY_LIMIT=2)
    client = app.test_client()
    key, other = new_key(app, "one"), new_key(app, "two")
    assert post(client, air_report(key)).status_code == 201
    assert_error(post(client, air_report(key, description="太短")), 400)  # refused POSTs count too
    response = post(client, air_report(key), fmt="xml")
    assert_error(response, 429)
    assert 0 < int(response.headers["Retry-After"]) <= 3600
    assert post(client, air_report(other)).status_code == 201  # the limit is per key


# API keys


def test_create_api_key_stores_only_a_hash(app_context):
    """The plain text is returned once and only its SHA-256 is stored."""
    key, plaintext = create_api_key("  Shihezi app  ")
    db.session.commit()
    assert plaintext.startswith("p311_") and len(plaintext) > 40
    row = (
        db.session.execute(sa.select(ApiKey.__table__).where(ApiKey.__table__.c.id == key.id))
        .mappings()
        .one()
    )
    assert row["name"] == "Shihezi app"
    assert len(row["key_hash"]) == 64 and plaintext not in row["key_hash"]
    assert all(plaintext not in str(value) for value in row.values())
    assert row["active"] and row["last_used_at"] is None
    assert authenticate(plaintext).id == key.id
    assert key.last_used_at is not None
    assert authenticate(plaintext + "x") is None
    assert authenticate("") is None


def test_create_api_key_checks_the_name(app_context):
    """Names are 1–80 characters and unique."""
    create_api_key("t")
    with pytest.raises(Conflict):
        create_api_key(" t ")
    for name in ("", "   ", "x" * 81):
        with pytest.raises(ValidationFailed):
            create_api_key(name)
    assert create_api_key("x" * 80)[0].name == "x" * 80
