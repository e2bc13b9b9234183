"""The Host header is the client's to write: no feed, API answer, Open311 answer or page may copy it into a link.
Absolute addresses come from PORTAL_PUBLIC_URL (http://localhost in the tests); in production another host is a 400."""

import pytest

from portal.extensions import db
from portal.services.api_keys import create_api_key

EVIL = "evil.example"
PATHS = [
    "/feeds/consultations.atom",
    "/feeds/disclosures.atom",
    "/feeds/reports.atom",
    "/feeds/search.atom?q=大气污染",
    "/feeds/units/{unit_id}/disclosures.atom",
    "/feeds/categories/{category_code}/disclosures.atom",
    "/api/v1/measures",
    "/api/v1/measures/14",
    "/api/v1/units",
    "/api/v1/units/{unit_id}",
    "/api/v1/consultations",
    "/api/v1/consultations/{answered}",
    "/api/v1/disclosures",
    "/api/v1/disclosures/{disclosure_id}",
    "/api/v1/search?q=大气污染",
    "/api/v1/openapi.json",
    "/open311/v2/discovery.json",
    "/open311/v2/discovery.xml",
    "/open311/v2/requests.json",
    "/open311/v2/requests.xml",
    "/",
    "/developers",
    "/measures/14",
    "/consultations/{answered}/statement?print=1",
    "/consultations/{answered}/statement?download=1",
    "/disclosures.csv",
    "/dashboard/goals.csv",
]
# Ways a client (or a proxy that passes them on) names another host.
DISGUISES = [
    {"base_url": f"http://{EVIL}/"},
    {"base_url": f"http://{EVIL}:8080/"},
    {
        "headers": {
            "X-Forwarded-Host": EVIL,
            "X-Forwarded-Proto": "https",
            "Forwarded": f"host={EVIL}",
        }
    },
]


@pytest.mark.parametrize("disguise", DISGUISES, ids=["host", "host-port", "forwarded"])
def test_no_answer_links_to_the_host_the_client_named(demo_site, disguise):
    """Feeds, API, Open311, exports and pages asked for with another Host still link to http://localhost only."""
    app, values = demo_site
    client = app.test_client()
    found = []
    for template in PATHS:
        path = template.format(**values)
        response = client.get(path, **disguise)
        assert response.status_code in (200, 503), (path, response.status_code)
        body = response.get_data(as_text=True) + str(response.headers)
        if EVIL in body:
            found.append(path)
    assert not found, f"answers naming {EVIL}: {found}"
    atom = client.get("/feeds/consultations.atom", **disguise).get_data(as_text=True)
    assert f'href="http://localhost/consultations/{values["consultation_id"]}"' in atom


def test_open311_location_uses_the_public_address(app, client):
    """The Location of a report created through Open311 points at PORTAL_PUBLIC_URL, not at the Host sent."""
    with app.app_context():
        _key, plaintext = create_api_key("host test")
        db.session.commit()
    data = {
        "api_key": plaintext,
        "service_code": "air",
        "lat": "44.305",
        "long": "86.045",
        "description": "工地扬尘很严重,整天灰蒙蒙的。",
    }
    response = client.post("/open311/v2/requests.json", data=data, base_url=f"http://{EVIL}/")
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.headers["Location"].startswith("http://localhost/open311/v2/requests/")
    assert EVIL not in response.get_data(as_text=True)


def test_production_refuses_an_unknown_host_with_a_plain_400(make_app):
    """In production a Host other than PUBLIC_URL's (or PORTAL_TRUSTED_HOSTS') gets a plain 400, never a 500."""
    app = make_app(
        ENV="production",
        PUBLIC_URL="https://portal.example.gov.cn",
        TRUSTED_HOSTS=["portal.internal"],
    )
    client = app.test_client()
    for path in (
        "/",
        "/feeds/consultations.atom",
        "/api/v1/measures",
        "/open311/v2/discovery.json",
        "/nowhere",
    ):
        response = client.get(path, base_url=f"http://{EVIL}/")
        assert response.status_code == 400, (path, response.status_code)
        assert EVIL not in response.get_data(as_text=True)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    for host in ("portal.example.gov.cn", "portal.internal"):
        assert client.get("/measures/14", base_url=f"https://{host}/").status_code == 200, host


def test_trusted_hosts_come_from_the_public_address_and_the_list(tmp_path):
    """Production answers to PORTAL_PUBLIC_URL's host and PORTAL_TRUSTED_HOSTS; development to any host."""
    from portal import config
    from tests.conftest import TEST_IDENTITY_KEY

    base = {
        "PORTAL_SECRET_KEY": "k",
        "PORTAL_IDENTITY_KEY": TEST_IDENTITY_KEY,
        "PORTAL_DATA_DIR": str(tmp_path),
        "PORTAL_PUBLIC_URL": "https://Portal.example.gov.cn/",
    }
    production = config.load(
        environ={
            **base,
            "PORTAL_ENV": "production",
            "PORTAL_TRUSTED_HOSTS": "portal.internal, .example.org",
        }
    )
    assert production["TRUSTED_HOSTS"] == [
        "portal.example.gov.cn",
        "portal.internal",
        ".example.org",
    ]
    assert config.load(environ={**base, "PORTAL_ENV": "development"})["TRUSTED_HOSTS"] is None
