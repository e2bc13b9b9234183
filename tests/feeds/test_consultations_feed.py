"""/feeds/consultations.atom: a valid Atom 1.0 feed of published consultations."""

import feedparser
import pytest

from tests.api.test_consultations_api import WITHDRAW_REASON, world  # noqa: F401 (fixture)


def parse(client):
    response = client.get("/feeds/consultations.atom")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.get_data())
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def test_feed_is_valid_atom_with_one_entry_per_published_consultation(client, world):  # noqa: F811
    """Feed id, title, updated, self and alternate links; entries newest first, drafts never."""
    feed = parse(client)
    assert feed.version == "atom10"
    assert feed.feed.id == "http://localhost/feeds/consultations.atom" and feed.feed.title
    assert feed.feed.updated_parsed is not None
    links = {link.rel: link.href for link in feed.feed.links}
    assert links["self"] == "http://localhost/feeds/consultations.atom"
    assert links["alternate"] == "http://localhost/"
    ids = [world["plan"], world["withdrawn"], world["eia"]]
    assert [e.id for e in feed.entries] == [f"http://localhost/consultations/{i}" for i in ids]
    assert [e.link for e in feed.entries] == [e.id for e in feed.entries]
    eia = feed.entries[2]
    assert eia.title == "污水处理厂扩建项目环境影响报告书征求意见稿"
    assert eia.author == "第六师五家渠市"
    assert eia.published_parsed[:3] == (2026, 9, 21) and eia.updated_parsed is not None
    assert WITHDRAW_REASON in feed.entries[1].summary
    assert feed.entries[1].summary.startswith("关于生态环境保护的条例草案。")
    assert feed.entries[0].author == "第八师石河子市"
    assert all(e.summary for e in feed.entries)
    assert "尚未发布的草稿" not in [e.title for e in feed.entries]


def test_empty_feed_is_valid(client):
    """Before any consultation the feed is valid and has no entries."""
    feed = parse(client)
    assert feed.entries == [] and feed.feed.updated_parsed is not None


@pytest.mark.parametrize("path", ["/feeds/nothing.atom"])
def test_unknown_feed_is_404(client, path):
    """An unknown feed address is not found."""
    assert client.get(path).status_code == 404
