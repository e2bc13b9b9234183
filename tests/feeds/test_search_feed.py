"""/feeds/search.atom: a saved search as a feed, newest matches first; unusable queries get a text message."""

from urllib.parse import parse_qsl, urlsplit

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Disclosure, User
from portal.services import disclosures, search
from tests.api.test_disclosures_api import disclosure_world  # noqa: F401 (fixture)
from tests.feeds.test_disclosures_feed import parse


@pytest.fixture
def indexed(app, disclosure_world):  # noqa: F811
    """The disclosure world with the search index built from it (and the policy)."""
    with app.app_context():
        search.reindex(app.config)
        db.session.commit()
    return disclosure_world


def test_feed_of_a_query_has_its_matches_newest_first(client, indexed):
    """Entries are the search's matches by date, ids their pages' addresses, each with a highlighted snippet."""
    feed = parse(client, "/feeds/search.atom?q=年均浓度")
    assert [e.id for e in feed.entries] == [f"http://localhost/disclosures/{indexed['quality']}"]
    (entry,) = feed.entries
    assert entry.link == entry.id and entry.title == "2025年兵团环境质量状况公报"
    assert entry.tags[0].term == "disclosure"
    assert (
        "<strong>年均浓度</strong>" in entry.content[0].value and "PM2.5年均浓度" in entry.summary
    )
    assert entry.updated_parsed[:3] == (2026, 2, 28)  # 2026-03-01 00:00 in Beijing
    links = {link.rel: link.href for link in feed.feed.links}
    quoted = "%E5%B9%B4%E5%9D%87%E6%B5%93%E5%BA%A6"
    assert links["self"] == f"http://localhost/feeds/search.atom?q={quoted}" == feed.feed.id
    assert links["alternate"] == f"http://localhost/search?q={quoted}"
    assert "年均浓度" in feed.feed.title


def test_many_matches_give_the_newest_fifty(client, indexed):
    """A broad query is cut to the 50 newest matches, in date order."""
    feed = parse(client, "/feeds/search.atom?q=兵团")
    assert len(feed.entries) == 50
    days = [e.updated_parsed for e in feed.entries]
    assert days == sorted(days, reverse=True)
    assert (
        feed.entries[0].id == f"http://localhost/disclosures/{indexed['quality']}"
    )  # published 2026-03-01


def test_filters_narrow_the_feed_and_stay_in_its_address(client, indexed):
    """kind, unit and area (repeatable) filter as on the search page; sort and page are ignored."""
    path = "/feeds/search.atom?q=兵团&kind=disclosure&area=0&sort=relevance&page=3"
    feed = parse(client, path)
    assert [e.id.rsplit("/", 1)[1] for e in feed.entries] == [
        str(indexed["quality"]),
        str(indexed["statistics"]),
    ]
    self_url = next(link.href for link in feed.feed.links if link.rel == "self")
    assert parse_qsl(urlsplit(self_url).query) == [
        ("q", "兵团"),
        ("kind", "disclosure"),
        ("area", "0"),
    ]
    both = parse(client, "/feeds/search.atom?q=许可排放量&kind=disclosure&kind=measure")
    assert [e.id for e in both.entries] == [f"http://localhost/disclosures/{indexed['permit']}"]


def test_a_revision_reaches_the_feed_through_the_index(app, client, indexed):
    """After a revision is indexed, the new text is found and the old one no longer is."""
    with app.app_context():
        staff = db.session.scalar(sa.select(User).where(User.username == "shz"))
        permit = db.session.get(Disclosure, indexed["permit"])
        disclosures.revise(
            staff, permit, permit.title, "热电厂已完成超低排放改造。", "补充改造情况。"
        )
        db.session.commit()
        search.drain(app.config)
    assert [e.id for e in parse(client, "/feeds/search.atom?q=超低排放改造").entries] == [
        f"http://localhost/disclosures/{indexed['permit']}"
    ]
    assert parse(client, "/feeds/search.atom?q=许可排放量下调").entries == []


def test_no_match_is_an_empty_valid_feed(client, indexed):
    """A query nothing matches still gives a valid feed to subscribe to."""
    feed = parse(client, "/feeds/search.atom?q=这句话不会出现在任何文件里")
    assert feed.entries == [] and feed.feed.updated_parsed is not None


@pytest.mark.parametrize(
    "query, words",
    [
        ("", "Search"),
        ("q=" + "长" * 201, "200"),
        ("q=---", "Search"),
        ("q=污染&kind=nothing", "type of content"),
        ("q=污染&year=20", "year"),
    ],
)
def test_an_unusable_query_is_400_with_a_text_message(app, indexed, query, words):
    """An empty, over-long or punctuation-only query, or a bad filter: 400, a plain-text message saying why."""
    client = app.test_client()
    client.get("/language/en")
    response = client.get("/feeds/search.atom?" + query)
    assert response.status_code == 400
    assert response.content_type == "text/plain; charset=utf-8"
    assert words in response.get_data(as_text=True)


@pytest.mark.whoosh
def test_missing_index_is_503_with_a_text_message(app, disclosure_world):  # noqa: F811
    """Before the index exists the feed says search is temporarily unavailable."""
    client = app.test_client()
    client.get("/language/en")
    response = client.get("/feeds/search.atom?q=污染")
    assert response.status_code == 503 and response.content_type.startswith("text/plain")
    assert "temporarily unavailable" in response.get_data(as_text=True)


def test_the_search_page_announces_its_feed(client, indexed):
    """The results page links the feed of the same query and filters in <head> (not the page number)."""
    client.get("/language/en")
    page = client.get("/search?q=PM2.5&kind=disclosure&page=1").get_data(as_text=True)
    assert (
        '<link rel="alternate" type="application/atom+xml" title="This search" '
        'href="/feeds/search.atom?q=PM2.5&amp;kind=disclosure">'
    ) in page
