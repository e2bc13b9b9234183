"""Disclosure feeds: every public disclosure, filtered, per unit and per category; revisions and withdrawals."""

from datetime import UTC, datetime
from xml.etree import ElementTree as ET

import feedparser
import pytest

from portal.feeds import atom
from tests.api.test_disclosures_api import (  # noqa: F401 (fixture)
    DRAFT_TITLE,
    REVISED_BODY,
    REVISION_NOTE,
    WITHDRAW_REASON,
    disclosure_world,
)

ROOT = "http://localhost"


def parse(client, path):
    """GET an Atom feed and parse it, asserting it is well-formed Atom."""
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.get_data())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def page_ids(world, *keys):
    """The entry ids (public page addresses) of the disclosures named by `keys`."""
    return [f"{ROOT}/disclosures/{world[k]}" for k in keys]


def test_feed_has_every_public_disclosure_last_changed_first(client, disclosure_world):  # noqa: F811 (fixture)
    """A withdrawal and a revision bring a disclosure to the top; drafts never appear."""
    feed = parse(client, "/feeds/disclosures.atom")
    assert feed.feed.id == f"{ROOT}/feeds/disclosures.atom" and feed.feed.title
    links = {link.rel: link.href for link in feed.feed.links}
    assert links == {"self": f"{ROOT}/feeds/disclosures.atom", "alternate": f"{ROOT}/disclosures"}
    assert [e.id for e in feed.entries] == page_ids(
        disclosure_world, "penalty", "permit", "statistics", "quality"
    )
    assert [e.link for e in feed.entries] == [e.id for e in feed.entries]
    assert feed.feed.updated_parsed == feed.entries[0].updated_parsed
    assert DRAFT_TITLE not in client.get("/feeds/disclosures.atom").get_data(as_text=True)
    quality = feed.entries[3]
    assert quality.title == "2025年兵团环境质量状况公报" and quality.author == "兵团建设局"
    assert quality.tags[0].term == "environment_quality"
    assert quality.published_parsed[:4] == quality.updated_parsed[:4] == (2026, 3, 2, 2)


def test_a_revised_disclosure_shows_as_updated(client, disclosure_world):  # noqa: F811 (fixture)
    """Same id, a later <updated>, the new text and the version's note."""
    permit = parse(client, "/feeds/disclosures.atom").entries[1]
    assert permit.updated_parsed[:3] == (2026, 3, 7) and permit.published_parsed[:3] == (2026, 3, 3)
    assert REVISION_NOTE in permit.summary and "2" in permit.summary
    assert REVISED_BODY in permit.content[0].value


def test_a_withdrawn_disclosure_says_so_with_its_reason(app, disclosure_world):  # noqa: F811 (fixture)
    """The entry's title says withdrawn, its summary gives the reason, and the text is gone."""
    client = app.test_client()
    client.get("/language/en")
    penalty = parse(client, "/feeds/disclosures.atom").entries[0]
    assert penalty.title == "Withdrawn: 石河子市某企业行政处罚决定"
    assert WITHDRAW_REASON in penalty.summary and penalty.updated_parsed[:3] == (2026, 3, 8)
    assert "content" not in penalty and "罚款五万元" not in penalty.summary


def test_markup_in_a_body_stays_inert(client, disclosure_world):  # noqa: F811 (fixture)
    """The content is sanitised HTML sent escaped (type="html"): no script, image or javascript: link."""
    document = ET.fromstring(client.get("/feeds/disclosures.atom").get_data())
    ns = {"a": atom.ATOM}
    quality = [
        e
        for e in document.findall("a:entry", ns)
        if e.find("a:id", ns).text.endswith(f"/disclosures/{disclosure_world['quality']}")
    ][0]
    content = quality.find("a:content", ns)
    assert content.get("type") == "html" and list(content) == []  # text, not child elements
    assert "<h3>监测结果</h3>" in content.text and "&lt;script&gt;" in content.text
    assert (
        "<script" not in content.text
        and "<img" not in content.text
        and 'href="javascript' not in content.text
    )


@pytest.mark.parametrize(
    "query, expected",
    [
        ("unit={shz_unit}", ["penalty", "permit"]),
        ("category=statistics", ["statistics"]),
        ("area=0", ["statistics", "quality"]),
        ("area=8&category=discharge_permits", ["permit"]),
    ],
)
def test_filters(client, disclosure_world, query, expected):  # noqa: F811 (fixture)
    """?unit, ?category and ?area narrow the feed; its self link keeps them."""
    path = "/feeds/disclosures.atom?" + query.format(**disclosure_world)
    feed = parse(client, path)
    assert [e.id for e in feed.entries] == page_ids(disclosure_world, *expected)
    links = {link.rel: link.href for link in feed.feed.links}
    assert sorted(links["self"].split("?")[1].split("&")) == sorted(path.split("?")[1].split("&"))
    assert feed.feed.id == links["self"]


def test_stable_unit_and_category_feeds(client, disclosure_world):  # noqa: F811 (fixture)
    """/feeds/units/<id>/disclosures.atom and /feeds/categories/<code>/disclosures.atom, titled by what they follow."""
    unit = parse(client, f"/feeds/units/{disclosure_world['shz_unit']}/disclosures.atom")
    assert [e.id for e in unit.entries] == page_ids(disclosure_world, "penalty", "permit")
    assert "第八师石河子市" in unit.feed.title
    assert unit.feed.id == f"{ROOT}/feeds/units/{disclosure_world['shz_unit']}/disclosures.atom"
    penalties = parse(client, "/feeds/categories/penalties/disclosures.atom")
    assert [e.id for e in penalties.entries] == page_ids(disclosure_world, "penalty")
    assert "行政处罚" in penalties.feed.title
    other = parse(client, "/feeds/categories/other/disclosures.atom")
    assert other.entries == []  # only a draft in that category


@pytest.mark.parametrize(
    "path",
    [
        "/feeds/units/999999/disclosures.atom",
        "/feeds/units/99999999999/disclosures.atom",
        "/feeds/categories/nothing/disclosures.atom",
    ],
)
def test_unknown_unit_or_category_is_404(client, disclosure_world, path):  # noqa: F811 (fixture)
    """A feed of something that does not exist is not found."""
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "query, name",
    [
        ("unit=abc", "单位“abc”"),
        ("unit=99999999999999999999", "单位“99999999999999999999”"),
        ("category=nothing", "类别“nothing”"),
        ("area=99", "管辖区域“99”"),
        ("area=-1", "管辖区域“-1”"),
        ("area=²", "管辖区域“²”"),
    ],
)
def test_bad_filter_is_400_with_a_text_message(client, disclosure_world, query, name):  # noqa: F811 (fixture)
    """A refused filter is a 400 whose plain-text message names it in words, with the value refused."""
    response = client.get("/feeds/disclosures.atom?" + query)
    assert response.status_code == 400
    assert response.content_type.startswith("text/plain")
    assert name in response.get_data(as_text=True)


def test_empty_feed_is_valid(client):
    """Before any disclosure the feed is valid and has no entries."""
    feed = parse(client, "/feeds/disclosures.atom")
    assert feed.entries == [] and feed.feed.updated_parsed is not None


def test_pages_point_to_their_feeds(client, disclosure_world):  # noqa: F811 (fixture)
    """The list of disclosures and a unit's page announce their feeds in <head> (feed autodiscovery)."""
    unit = disclosure_world["shz_unit"]
    client.get("/language/en")
    listing = client.get(f"/disclosures?unit={unit}").get_data(as_text=True)
    assert (
        f'<link rel="alternate" type="application/atom+xml" title="Disclosures" '
        f'href="/feeds/disclosures.atom?unit={unit}">'
    ) in listing
    assert f'href="/feeds/units/{unit}/disclosures.atom"' in client.get(f"/units/{unit}").get_data(
        as_text=True
    )
    assert 'href="/feeds/reports.atom"' in client.get("/reports").get_data(as_text=True)
    assert "application/atom+xml" not in client.get("/measures").get_data(as_text=True)


def test_characters_xml_cannot_carry_are_dropped(app):
    """Text pasted with control characters still makes a valid feed."""
    moment = datetime(2026, 3, 1, tzinfo=UTC)
    entry = atom.Entry(
        id="tag:example.org,2026:1",
        title="标题\x0b\x00",
        url="http://localhost/x",
        updated=moment,
        summary="摘要\x1f<b>不是标签</b>",
    )
    with app.test_request_context():
        body = atom.document(
            "tag:example.org,2026:feed",
            "订阅\x08",
            "http://localhost/f",
            "http://localhost/",
            [entry],
        )
    feed = feedparser.parse(body)
    assert not feed.bozo and feed.entries[0].title == "标题"
    assert feed.entries[0].summary == "摘要<b>不是标签</b>"
