"""Numbers from requests: NaN, infinities, exponents, other scripts' digits, ids beyond the database's
integers and extreme dates are refused with a message naming the field (400) or are simply not found
(404), never a 500; whatever is refused stores nothing."""

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

from portal import numbers
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.models import Report
from tests.helpers import post_report, staff_client
from tests.open311.test_open311 import air_report, errors_of, new_key, post, water_report

HUGE = "99999999999999999999999"
# Each of these is a number to int() or Decimal(), or looks like one to a person; none is one here.
NOT_NUMBERS = [
    "NaN",
    "nan",
    "-nan",
    "sNaN",
    "inf",
    "-Infinity",
    "1e999",
    "1e1",
    "٣٥",
    "４４",
    "۴۴",
    "४४",
    "44²",
    "1_0",
    "0x10",
    " 44.3\x00",
    "4\n4",
    "+44",
    "4" * 5000,
]


def count_reports(app):
    """How many reports the database holds."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Report))


# --- the parser itself --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", NOT_NUMBERS + ["", "-1", "2147483648", HUGE])
def test_whole_takes_ascii_digits_within_bounds_only(text):
    """`whole` refuses everything int() would take but a person would not call a whole number here."""
    with pytest.raises(ValueError):
        numbers.whole(text, 0, 2**31 - 1)


def test_a_coordinate_is_plain_decimal_degrees(app_context):
    """Only plain decimals within the bounds are coordinates; the error names the field."""
    for text in NOT_NUMBERS + ["90.0000001", "-90.5", "1.0000000000000001", "-", "."]:
        with pytest.raises(ValidationFailed) as refused:
            numbers.parse_coordinate("latitude", text)
        assert refused.value.field == "latitude", text


def test_coordinates_are_rounded_to_six_decimals_and_keep_their_sign(app_context):
    """A browser's 15 decimals are kept to 6; -0 and the bounds are fine."""
    assert str(numbers.parse_coordinate("latitude", "44.305123456789012")) == "44.305123"
    assert str(numbers.parse_coordinate("longitude", "-180")) == "-180.000000"
    assert numbers.parse_coordinate("longitude", " ") is None
    assert str(numbers.parse_decimal("value", "-0.5", -1, 1, 1)) == "-0.5"


# --- the public report form -----------------------------------------------------------------------------


def test_the_report_form_refuses_a_coordinate_that_is_not_one(client, app):
    """latitude=NaN was a 500 (decimal.InvalidOperation); '٣٥' was stored as 35: now a 400 that says why."""
    client.get("/language/en")
    wrong = []
    for name, other in (("latitude", "longitude"), ("longitude", "latitude")):
        for value in ["NaN", "nan", "-nan", "inf", "1e999", "1e1", "٣٥", "４４", "181", HUGE]:
            response = post_report(client, **{name: value, other: "44.3"})
            if response.status_code != 400 or "coordinates are not valid" not in response.get_data(
                as_text=True
            ):
                wrong.append((name, value, response.status_code))
    assert not wrong
    assert count_reports(app) == 0


def test_the_report_form_refuses_an_area_that_is_not_one(client, app):
    """Area '٣' was filed under 第三师; a huge one is not a choice either."""
    statuses = {
        value: post_report(client, area=value).status_code
        for value in ["٣", "３", "8.0", "-8", HUGE, "2147483648"]
    }
    assert set(statuses.values()) == {400}, statuses
    assert count_reports(app) == 0


def test_the_report_form_still_takes_a_browser_position(client, app):
    """The browser's position with many decimals is kept, rounded to 6."""
    response = post_report(client, latitude="44.305123456789", longitude="86.045")
    assert response.status_code == 200
    with app.app_context():
        report = db.session.scalar(sa.select(Report))
        assert (str(report.latitude), str(report.longitude)) == ("44.305123", "86.045000")


# --- Open311 ----------------------------------------------------------------------------------------------------


def test_open311_refuses_numbers_that_are_not_numbers(app, client):
    """lat=NaN was a 500; lat=٣٥ and lat=1e1 were stored: now 400 in the spec's error format."""
    key, wrong = new_key(app), []
    for name, value in [
        ("lat", "NaN"),
        ("long", "nan"),
        ("lat", "-nan"),
        ("lat", "inf"),
        ("lat", "1e999"),
        ("lat", "1e1"),
        ("lat", "٣٥"),
        ("long", "８６"),
        ("lat", "4" * 5000),
        ("attribute[area]", "٣"),
        ("attribute[area]", HUGE),
    ]:
        response = post(client, air_report(key, **{name: value}))
        if response.status_code != 400 or [code for code, _text in errors_of(response)] != [400]:
            wrong.append((name, value[:20], response.status_code))
    assert not wrong
    assert count_reports(app) == 0


DATES = [
    "start_date=0001-01-01",
    "end_date=0001-01-01",
    "start_date=0001-01-01T00:00:00%2B14:00",
    "start_date=9999-12-31T23:59:59-14:00",
    "end_date=9999-12-31T23:59:59-14:00",
    "end_date=9999-12-31T23:59:59%2B14:00",
    "start_date=9999-12-31",
    "end_date=9999-12-31",
    "start_date=%00",
    "status=%00",
    "service_request_id=%00",
    "service_code=%00",
]


def test_open311_dates_at_the_extremes_are_answered(client):
    """start_date=0001-01-01 was a 500 (OverflowError converting to UTC): a date is found or refused."""
    for fmt, query in [(fmt, query) for fmt in ("json", "xml") for query in DATES]:
        response = client.get(f"/open311/v2/requests.{fmt}?{query}")
        assert response.status_code in (200, 400), (fmt, query, response.status_code)
        if response.status_code == 400:
            [(code, description)] = errors_of(response)
            assert code == 400 and re.search(
                r"(start_date|end_date|status|service_request_id|service_code)", description
            ), description


def test_a_nul_character_in_the_report_form_is_a_400_naming_the_field(client, app):
    """PostgreSQL refuses text with NUL in it (a 500 there): the form answers 400 naming the field."""
    for name in [
        "place",
        "description",
        "name",
        "phone",
        "email",
        "category",
        "visibility",
        "latitude",
        "area",
        "submission_key",
    ]:
        fields = {
            "latitude": "44.3",
            "longitude": "86.0",
            name: f"排污口每天夜里\x00排放黑臭污水 {name}",
        }
        response = post_report(client, **fields)
        assert response.status_code == 400, (name, response.status_code)
        assert f"“{name}”" in response.get_data(as_text=True), name
    assert count_reports(app) == 0


def test_a_nul_character_in_open311_is_a_400_naming_the_field(app, client):
    """The same for Open311's fields, in the spec's error format."""
    key = new_key(app)
    for name in [
        "description",
        "address_string",
        "first_name",
        "email",
        "service_code",
        "api_key",
        "attribute[submission_key]",
    ]:
        data = water_report(key)
        data[name] = (data.get(name) or "x") + "\x00"
        response = post(client, data)
        assert response.status_code == 400, (name, response.status_code)
        [(_code, description)] = errors_of(response)
        assert name in description
    assert count_reports(app) == 0


def test_a_nul_character_in_an_address_is_a_400(client):
    """A NUL in the path or a query parameter is refused before anything looks it up."""
    statuses = {
        path: client.get(path).status_code
        for path in [
            "/reports/JB%00",
            "/open311/v2/requests/JB%00.json",
            "/api/v1/search?q=%00",
            "/search?q=a&kind=%00",
            "/consultations?%00=1",
            "/reports/track/JB%00/x",
        ]
    }
    assert set(statuses.values()) == {400}, statuses


# --- lists, ids and pages -----------------------------------------------------------------------------------


ADDRESSES = [
    (f"/api/v1/consultations?unit={HUGE}", 400),
    ("/api/v1/consultations?unit=-1", 400),
    ("/api/v1/consultations?unit=٣", 400),
    (f"/api/v1/consultations?page={HUGE}", 400),
    (f"/api/v1/consultations/{HUGE}", 404),
    ("/api/v1/consultations/-1", 404),
    ("/api/v1/consultations/٣", 404),
    ("/api/v1/consultations/2147483648", 404),
    (f"/api/v1/disclosures/{HUGE}", 404),
    (f"/api/v1/units/{HUGE}", 404),
    (f"/api/v1/measures/{HUGE}", 404),
    (f"/api/v1/search?q=污染&page={HUGE}", 400),
    ("/api/v1/search?q=污染&page=٣", 400),
    (f"/api/v1/search?q=污染&per_page={HUGE}", 400),
    (f"/api/v1/disclosures?per_page={HUGE}", 400),
    (f"/reports?unit={HUGE}", 400),
    (f"/reports?area={HUGE}", 400),
    ("/reports?area=٣", 400),
    ("/reports?unit=٣", 400),
    (f"/reports?page={HUGE}", 400),
    ("/reports?page=-1", 400),
    ("/reports?page=1e3", 400),
    (f"/disclosures?page={HUGE}", 400),
    (f"/consultations?page={HUGE}", 400),
    (f"/consultations?unit={HUGE}", 400),
    (f"/search?q=污染&page={HUGE}", 400),
    (f"/feeds/disclosures.atom?unit={HUGE}", 400),
    (f"/consultations/{HUGE}", 404),
    (f"/disclosures/{HUGE}/diff?from=1", 404),
    (f"/units/{HUGE}", 404),
    (f"/hearings/{HUGE}", 404),
    (f"/projects/{HUGE}", 404),
    (f"/measures/{HUGE}", 404),
]


def test_numbers_in_addresses_are_refused_or_not_found(client):
    """An id or filter beyond the database's integers was a 500 (OverflowError): now 400 or 404."""
    wrong = []
    for path, status in ADDRESSES:
        response = client.get(path)
        if response.status_code != status:
            wrong.append((path, response.status_code))
        elif path.startswith("/api/") and status == 400:
            assert response.get_json()["error"]["field"] in ("unit", "area", "page", "per_page"), (
                path
            )
    assert not wrong


def test_a_refused_list_parameter_is_named_in_the_page(client):
    """The 400 page says which parameter was wrong, in words."""
    client.get("/language/en")
    for path, words in [
        ("/reports?page=٣", "The page number must be a whole number from 1 to 1000000."),
        (f"/reports?page={HUGE}", "The page number must be a whole number"),
        (f"/reports?area={HUGE}", "The area must be a whole number"),
    ]:
        page = client.get(path).get_data(as_text=True)
        assert words in page, (path, page[:500])


CONSOLE = [
    (f"/console/reports?page={HUGE}", 400),
    (f"/console/reports?area={HUGE}", 400),
    (f"/console/reports/export.csv?area={HUGE}", 400),
    (f"/console/transfers?page={HUGE}", 400),
    (f"/console/consultations?page={HUGE}", 400),
    (f"/console/disclosures?page={HUGE}", 400),
    (f"/console/comments?consultation={HUGE}", 404),
    ("/console/comments?consultation=٣", 404),
    (f"/console/consultations/{HUGE}", 404),
    (f"/console/disclosures/{HUGE}", 404),
]


def test_console_numbers_are_refused_or_not_found(app):
    """The console's pages and filters too."""
    client = staff_client(app, username="admin", unit="兵团建设局", role="site_admin")
    statuses = [(path, client.get(path).status_code) for path, _status in CONSOLE]
    assert statuses == [(path, status) for path, status in CONSOLE]


# --- every route, every parameter it reads ------------------------------------------------------------------

# Values for a route's variables that name something in the demo data (or nothing, which is a 404).
SAMPLES = {
    "fmt": "json",
    "code": "air",
    "language": "en",
    "action": "up",
    "reference": "JB-2026-000001",
}
BAD = [HUGE, "-1", "٣", "NaN", "4" * 5000]


class Recorded(ImmutableMultiDict):
    """Query arguments that remember which names a view asked for."""

    asked = set()

    def get(self, key, default=None, type=None):
        """As MultiDict.get, noting the name."""
        Recorded.asked.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        """As MultiDict.getlist, noting the name."""
        Recorded.asked.add(key)
        return super().getlist(key, type)

    def __getitem__(self, key):
        Recorded.asked.add(key)
        return super().__getitem__(key)


def sample_path(app, rule):
    """The rule's path with sample values (1 for ids), or None when a variable has no sample."""
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[name] = 1
        elif name in SAMPLES:
            values[name] = SAMPLES[name]
        elif name == "token":
            return None
        else:
            values[name] = "x"
    with app.test_request_context():
        try:
            return rule.build(values)[1]
        except Exception:
            return None


def test_no_route_answers_a_bad_number_with_a_500(demo_app):
    """For every GET route: each query parameter the view reads, given each bad number, is never a 500."""
    from portal.services import search

    app = demo_app
    with app.app_context():
        search.reindex(app.config)
        db.session.commit()
    app.request_class = type(
        "RecordingRequest", (app.request_class,), {"parameter_storage_class": Recorded}
    )
    client = staff_client(app, username="admin", unit="兵团建设局", role="site_admin")
    failures, tried = [], 0
    for rule in app.url_map.iter_rules():
        path = sample_path(app, rule)
        if path is None or "GET" not in rule.methods or rule.endpoint in ("static", "auth.logout"):
            continue
        Recorded.asked = set()
        client.get(path)
        for name in sorted(Recorded.asked - {"next"}):
            for value in BAD:
                tried += 1
                response = client.get(path, query_string={name: value})
                if response.status_code >= 500:
                    failures.append((path, name, value[:20]))
    assert tried > 200, tried
    assert not failures, failures


def test_console_actions_refuse_odd_versions_and_choices(app):
    """A console form's version or choice that is not a plain id: refused (the page is stale, or the choice is not
    offered) and nothing done; `int('٣')` matched version 3 and `int('abc')` was a 500."""
    from tests.helpers import act, get_report, submit_report

    reference, _code = submit_report(app.test_client())
    client = staff_client(app)
    for fields in [
        {"version": "abc"},
        {"version": "٣"},
        {"version": HUGE},
        {"version": "1e1"},
        {"assignee": HUGE},
        {"assignee": "٣"},
    ]:
        action = "assign" if "assignee" in fields else "accept"
        response = act(client, reference, action, **fields)
        assert response.status_code in (302, 400, 409), (fields, response.status_code)
    report = get_report(app, reference)
    assert str(getattr(report["status"], "value", report["status"])) == "received"
    assert report["assigned_user_id"] is None


def test_observation_values_at_the_extremes_are_refused_with_the_row(english_context):
    """A disclosure's observation value of 1e999999999 was a 500 (decimal.Overflow); every odd value names its row."""
    from portal.services import disclosures
    from portal.services.disclosures import ObservationInput
    from tests.helpers import People
    from tests.services.test_disclosures import PEOPLE, draft, goal

    people = People(PEOPLE)
    item = draft(people, code="statistics")
    air = goal("主要城市空气质量优良天数比例").id
    for value in [
        "1e999999999",
        "-1e-999999999",
        "9" * 5000,
        "-Infinity",
        "sNaN",
        "٣٥",
        "1E5",
        "1_0",
        "0x10",
        "1000000000000",
        "-1000000000000",
    ]:
        with pytest.raises(ValidationFailed) as refused:
            disclosures.replace_observations(
                people["staff"], item, [ObservationInput(air, 2020, value, "公报")]
            )
        assert (
            refused.value.field == "observations"
            and "Row 1: the value must be" in refused.value.message
        ), value
    disclosures.replace_observations(
        people["staff"], item, [ObservationInput(air, 2020, "999999999999.9999", "公报")]
    )
    assert [o.value for o in disclosures.observation_table(item)] == [Decimal("999999999999.9999")]
