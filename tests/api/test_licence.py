"""The open-data licence travels with the data: a Link header on every JSON, Atom and CSV answer, <rights>
in every feed; configurable, CC BY 4.0 by default; never on the staff's own exports."""

from xml.etree import ElementTree as ET

import pytest

from tests.helpers import add_user, login

CC_BY = "https://creativecommons.org/licenses/by/4.0/"
ATOM = "{http://www.w3.org/2005/Atom}"


def licence_links(response):
    """The targets of the response's Link headers whose relation is "license"."""
    targets = []
    for header in response.headers.getlist("Link"):
        for link in header.split(","):
            target, _sep, params = link.strip().partition(";")
            if 'rel="license"' in params.replace(" ", ""):
                targets.append(target.strip().strip("<>"))
    return targets


@pytest.mark.parametrize(
    "path, status, mimetype",
    [
        ("/api/v1/measures", 200, "application/json"),
        ("/api/v1/measures/14", 200, "application/json"),
        ("/api/v1/openapi.json", 200, "application/json"),
        ("/api/v1/measures/99", 404, "application/json"),
        ("/api/v1/disclosures?year=abc", 400, "application/json"),
        ("/feeds/disclosures.atom", 200, "application/atom+xml"),
        ("/feeds/consultations.atom", 200, "application/atom+xml"),
        ("/feeds/reports.atom", 200, "application/atom+xml"),
        ("/disclosures.csv", 200, "text/csv"),
        ("/dashboard/goals.csv", 200, "text/csv"),
        ("/dashboard/units.csv", 200, "text/csv"),
        ("/dashboard/measures.csv", 200, "text/csv"),
    ],
)
def test_open_data_answers_name_the_licence(client, path, status, mimetype):
    """JSON (errors included), Atom and CSV answers carry Link: <CC BY 4.0>; rel="license"."""
    response = client.get(path)
    assert (response.status_code, response.mimetype) == (status, mimetype)
    assert licence_links(response) == [CC_BY]


def test_pages_carry_no_licence_header(client):
    """HTML pages are not the open data: no licence header on them."""
    assert licence_links(client.get("/measures/14")) == []


def test_feeds_say_it_in_rights(client):
    """An Atom feed states the licence, by name and address, in <rights>."""
    feed = ET.fromstring(client.get("/feeds/disclosures.atom").get_data())
    rights = feed.find(f"{ATOM}rights")
    assert rights is not None and "CC BY 4.0" in rights.text and CC_BY in rights.text


def test_the_licence_is_configurable(make_app):
    """PORTAL_DATA_LICENCE and _URL replace the default everywhere."""
    app = make_app(
        DATA_LICENCE="开放政府数据许可", DATA_LICENCE_URL="https://data.example.gov.cn/licence"
    )
    client = app.test_client()
    assert licence_links(client.get("/api/v1/goals")) == ["https://data.example.gov.cn/licence"]
    feed = ET.fromstring(client.get("/feeds/reports.atom").get_data())
    assert "开放政府数据许可" in feed.find(f"{ATOM}rights").text


def test_staff_exports_are_not_open_data(app, client):
    """The console's CSV (the staff's queue) is internal: it carries no open-data licence."""
    add_user(app, role="unit_admin")
    login(client)
    response = client.get("/console/reports/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert licence_links(response) == []
