"""/developers: the open data explained for people, every route listed from the app itself, every example working."""

import json
import re
from html import unescape
from urllib.parse import urlsplit

import pytest

from portal.extensions import db
from portal.services import categories, search

# The example links that demonstrate an error answer with it; every other link answers 200.
ERROR_EXAMPLES = {"/api/v1/measures/99": 404, "/api/v1/disclosures?year=abc": 400}


@pytest.fixture
def sample(demo_app):
    """A client of an app with the demo's samples and a search index, so that every example has data."""
    with demo_app.app_context():
        search.reindex(demo_app.config)
        db.session.commit()
    return demo_app.test_client()


def page_text(client, path="/developers"):
    """The page's HTML, after checking it answers 200."""
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def links(html):
    """Every href of the page's main content, unescaped."""
    main = html[html.index("<main") : html.index("</main>")]
    return [unescape(href) for href in re.findall(r'href="([^"]+)"', main)]


@pytest.mark.parametrize("path", ["/api", "/api/", "/api/v1"])
def test_api_addresses_lead_to_the_page(client, path):
    """/api and /api/v1 are no longer 404s: they redirect (302) to the page that explains the API."""
    response = client.get(path)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/developers"


def test_footer_leads_to_the_page_instead_of_raw_json(client):
    """The footer's open-data link opens the human page, in words people understand."""
    html = page_text(client, "/")
    footer = html[html.index("<footer") :]
    assert 'href="/developers">开放数据与接口</a>' in footer
    assert "/api/v1/measures" not in footer


def test_every_route_of_the_app_is_listed(app, client):
    """Every /api/v1 route, Open311 route, Atom feed and public CSV export in the URL map is on the page."""
    text = unescape(page_text(client))
    missing = []
    for rule in app.url_map.iter_rules():
        documented = (
            rule.rule.startswith("/api/v1/")
            or rule.endpoint.startswith(("open311.", "feeds."))
            or (rule.endpoint.startswith("public.") and rule.rule.endswith(".csv"))
        )
        pattern = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        if documented and pattern not in text:
            missing.append(pattern)
    assert not missing, f"routes the page does not describe: {missing}"


def test_every_link_works(sample):
    """Each link on the page answers 200, or the error status the page documents for it."""
    html = page_text(sample)
    internal = [href for href in links(html) if href.startswith("/")]
    assert len(internal) >= 25, internal
    for href in internal:
        response = sample.get(href)
        assert response.status_code == ERROR_EXAMPLES.get(href, 200), (
            f"{href} answered {response.status_code}"
        )
    external = {href for href in links(html) if not href.startswith(("/", "#"))}
    assert external == {
        "https://creativecommons.org/licenses/by/4.0/",
        "http://wiki.open311.org/GeoReport_v2",
    }


def test_examples_link_real_records(sample):
    """Examples that need an id use one that exists: a consultation, a disclosure, a unit, a category, a report."""
    hrefs = links(page_text(sample))
    for pattern in (
        r"/api/v1/consultations/\d+$",
        r"/api/v1/disclosures/\d+$",
        r"/api/v1/units/\d+$",
        r"/feeds/units/\d+/disclosures\.atom$",
        r"/feeds/categories/\w+/disclosures\.atom$",
        r"/open311/v2/services/\w+\.json$",
        r"/open311/v2/requests/JB-\d{4}-\d{6}\.json$",
    ):
        assert any(re.search(pattern, href) for href in hrefs), pattern


def test_page_works_on_an_empty_portal(client):
    """Without consultations, disclosures or reports the page still answers, with patterns instead of links."""
    text = unescape(page_text(client))
    assert "/api/v1/consultations/{consultation_id}" in text
    assert not any(
        re.search(r"/api/v1/consultations/\d+$", href) for href in links(page_text(client))
    )


def example_blocks(html):
    """(path, status, JSON) of each example answer on the page."""
    found = re.findall(
        r'<figcaption><a href="([^"]+)"><code>GET [^<]+</code></a> → (\d+).*?</figcaption>\s*'
        r"<pre><code>(.*?)</code></pre>",
        html,
        re.S,
    )
    return [
        (unescape(path), int(status), json.loads(unescape(body))) for path, status, body in found
    ]


def same_shape(example, real):
    """True when every key of `example` is in `real`, recursively, with a value of the same JSON type."""
    if isinstance(example, dict):
        return isinstance(real, dict) and all(
            k in real and same_shape(v, real[k]) for k, v in example.items()
        )
    if isinstance(example, list):
        return (
            isinstance(real, list) and all(same_shape(e, real[0]) for e in example)
            if real
            else not example
        )
    return type(example) is type(real) or (
        isinstance(example, (int, float)) and isinstance(real, (int, float))
    )


def test_example_answers_are_what_the_api_sends(sample):
    """The page's example answers have the keys and types of the real ones; the error examples are exact."""
    examples = example_blocks(page_text(sample))
    assert [e[1] for e in examples] == [200, 404, 400]
    for path, status, body in examples:
        response = sample.get(path)
        assert response.status_code == status
        if status == 200:
            assert same_shape(body, response.get_json()), path
        else:
            assert body == response.get_json(), path


def test_open311_services_come_from_the_database(app, client):
    """The service list is the categories table as it is now, and says how to get a key and the hourly limit."""
    text = unescape(page_text(client))
    with app.app_context():
        services = categories.list_categories()
    assert len(services) == 13
    for service in services:
        assert f"<code>{service.code}</code>" in text and service.name in text
    assert "flask --app wsgi portal create-api-key NAME" in text
    assert "每个密钥每小时最多提交 120 件举报" in text


def test_rate_limit_and_contact_follow_the_configuration(make_app):
    """PORTAL_API_KEY_HOURLY_LIMIT and the configured contact are what the page says."""
    app = make_app(
        API_KEY_HOURLY_LIMIT=37,
        SITE_CONTACT="电子邮箱 data@example.gov.cn",
        SITE_OWNER="兵团示例局",
    )
    text = page_text(app.test_client())
    assert "每个密钥每小时最多提交 37 件举报" in text
    assert "data@example.gov.cn" in text and "兵团示例局" in text


def test_in_english(client):
    """The page has an English version."""
    client.get("/language/en")
    text = unescape(page_text(client))
    assert "<h1>Open data and APIs</h1>" in text
    assert "Getting a key" in text and "Each key may file 120 reports an hour" in text
    for path, _status, body in example_blocks(client.get("/developers").get_data(as_text=True))[1:]:
        assert body == client.get(path).get_json() and body["error"]["message"].isascii(), path


def test_page_states_the_licence(client):
    """The licence is named and linked, with the header every answer carries."""
    text = unescape(page_text(client))
    assert (
        '<a href="https://creativecommons.org/licenses/by/4.0/" rel="license">CC BY 4.0</a>' in text
    )
    assert 'Link: <https://creativecommons.org/licenses/by/4.0/>; rel="license"' in text
