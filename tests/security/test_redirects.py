"""Open redirects: every `next` parameter (language switch, login) keeps the visitor on the portal, however the
target is disguised, and a target that cannot be a header is a redirect home, never a 500."""

from urllib.parse import quote, urljoin, urlsplit

import pytest

from portal.redirects import safe_target
from tests.helpers import PASSWORD, add_user, csrf_token

# Written as they would be typed into a URL's query string (already percent-encoded where shown).
PAYLOADS = [
    "/%09/evil.example",
    "/%0A/evil.example",
    "/%0D%0A/evil.example",
    "/%0D/evil.example",
    "/%00/evil.example",
    "%09/evil.example",
    "/%09%09/evil.example",
    "/%0B/evil.example",
    "/%0C/evil.example",
    "/%7F/evil.example",
    "//evil.example",
    "///evil.example",
    "////evil.example",
    "/%2F/evil.example",
    "%2F%2Fevil.example",
    "/%2Fevil.example",
    "%2F%2F%2Fevil.example",
    "/\\evil.example",
    "/%5Cevil.example",
    "%5C%5Cevil.example",
    "\\\\evil.example",
    "/%5C/evil.example",
    "/\\/evil.example",
    "\\/evil.example",
    "/%09%5Cevil.example",
    "/%E2%80%8B/evil.example",
    "/%E3%80%80/evil.example",
    "https://evil.example",
    "http://evil.example/",
    "https:evil.example",
    "https:/evil.example",
    "//https://evil.example",
    "HTTPS://evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "%6Aavascript:alert(1)",
    "data:text/html,x",
    "ftp://evil.example",
    "mailto:x@evil.example",
    "//user@evil.example",
    "//user:pass@evil.example",
    "http://localhost@evil.example",
    "//localhost@evil.example",
    "/%2F@evil.example",
    "@evil.example",
    "evil.example",
    ".evil.example",
    "",
    quote("//ехаmple.com", safe=":/"),
    "//xn--80ak6aa92e.com",
    quote("/\u3002/evil.example", safe="/"),
    quote("//evil\u3002example", safe="/"),
    quote("/\uff0f/evil.example", safe="/"),
    " //evil.example",
    "%20//evil.example",
    "/%20/evil.example%09",
]

# Login hashes a password per attempt (about 0.1 s), so it gets one payload of each kind; the language switch
# gets them all, through the same `safe_target`.
LOGIN_PAYLOADS = [
    "/%09/evil.example",
    "/%0A/x",
    "/%0D%0A/evil.example",
    "/%00/evil.example",
    "//evil.example",
    "///evil.example",
    "%2F%2Fevil.example",
    "/%5Cevil.example",
    "/\\/evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "//user@evil.example",
    "http://localhost@evil.example",
    quote("//ехаmple.com", safe=":/"),
]

# Where the visitor may be sent back to: the paths the portal itself puts in `next`.
GOOD = [
    "/measures/14",
    "/search?q=%E6%B0%B4%E6%B1%A1%E6%9F%93&kind=measure",
    "/console/reports?status=new",
    "/",
]


def lands_on_site(location):
    """Where a browser goes with `location`: it drops tabs and newlines and reads backslashes as slashes."""
    cleaned = "".join(ch for ch in location if ch not in "\t\r\n").replace("\\", "/")
    target = urlsplit(urljoin("http://localhost/page", cleaned.strip()))
    return target.scheme == "http" and target.hostname == "localhost" and target.port is None


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_language_switch_never_leaves_the_site(client, payload):
    """`/language/en?next=…` with a disguised foreign target redirects to a page of the portal (the home page);
    a NUL anywhere in a request is refused earlier, with a 400 naming the field."""
    response = client.get(f"/language/en?next={payload}")
    if "%00" in payload:
        assert response.status_code == 400 and "Location" not in response.headers, payload
        return
    assert response.status_code == 302, (payload, response.status_code)
    location = response.headers["Location"]
    assert lands_on_site(location), (payload, location)


def test_login_never_leaves_the_site(app):
    """After a good login, `POST /login?next=…` with a disguised foreign target goes to the console instead."""
    add_user(app)
    for payload in LOGIN_PAYLOADS:
        client = app.test_client()  # a fresh session for every login
        token = csrf_token(client, "/login")
        response = client.post(
            f"/login?next={payload}",
            data={"csrf_token": token, "username": "jsj-staff", "password": PASSWORD},
        )
        if "%00" in payload:  # refused before the login, like a NUL in any field
            assert response.status_code == 400 and "Location" not in response.headers, payload
            continue
        assert response.status_code == 302, (payload, response.status_code)
        assert response.headers["Location"] == "/console/", (payload, response.headers["Location"])


@pytest.mark.parametrize("target", GOOD)
def test_the_language_switch_goes_back_to_the_page(client, target):
    """The page the visitor was on, with its query, is where the switch leads."""
    response = client.get("/language/en?next=" + quote(target, safe=""))
    assert response.status_code == 302 and response.headers["Location"] == target


def test_login_goes_to_the_page_asked_for(app, client):
    """A staff member sent to the login page from a console page lands on it after logging in."""
    add_user(app)
    response = client.get("/console/reports?status=new")
    assert response.status_code == 302
    login_page = response.headers["Location"]
    token = csrf_token(client, login_page)
    response = client.post(
        login_page, data={"csrf_token": token, "username": "jsj-staff", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/console/reports?status=new"
    assert client.get(response.headers["Location"]).status_code == 200


def test_a_chinese_path_is_sent_back_encoded():
    """A target with Chinese characters is kept, sent in the header as ASCII."""
    assert safe_target("/search?q=水", "/") == "/search?q=%E6%B0%B4"
    assert safe_target("/水", "/") == "/%E6%B0%B4"
