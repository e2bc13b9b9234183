"""/feeds/reports.atom: the public outcomes of reports, newest first, and nothing private."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import feedparser
import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Report, User
from portal.services import handling, reports
from portal.services.reports import ReportInput
from tests.helpers import People, jpeg_photo

BJ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 6, 1, 10, 0, tzinfo=BJ)
PEOPLE = {"staff": ("shz", "第八师石河子市", "staff")}
PLANTED = {
    "name": "周秘密举报人",
    "phone": "13912345678",
    "email": "whistle-planted@example.org",
    "place": "石河子市北泉镇秘密排污口",
    "description": "这段描述只有处理单位可以看到,不应出现在订阅源里。",
}
RESULT = "经查属实,已责令企业停止排放并处罚款五万元。"
SUMMARY = "北泉镇排污口直排问题已查处整改。"
LATER_RESULT = "已督促农场完成粪污收集设施改造。"


def parse(client, path):
    """GET an Atom feed and parse it, asserting it is well-formed Atom."""
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.get_data())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def new_report(app, key, category="water", **fields):
    """A report submitted at T0 with a planted identity, place, description and photo."""
    data = ReportInput(
        submission_key=key,
        category=category,
        area=8,
        place=PLANTED["place"],
        description=PLANTED["description"],
        name=PLANTED["name"],
        phone=PLANTED["phone"],
        email=PLANTED["email"],
        files=[("秘密照片.jpg", jpeg_photo())],
        **fields,
    )
    return reports.submit(data, app.config, now=T0).report


@pytest.fixture
def world(app):
    """A closed report, one with only a summary, one closed later, one accepted and one just received."""
    with app.app_context():
        staff = People(PEOPLE)["staff"]
        closed = new_report(app, "closed")
        handling.accept(staff, closed, None, app.config, now=T0 + timedelta(days=1))
        handling.close(staff, closed, None, RESULT, app.config, now=T0 + timedelta(days=5))
        summarised = new_report(app, "summarised")
        handling.publish_summary(staff, summarised, None, SUMMARY, now=T0 + timedelta(days=6))
        later = new_report(app, "later", category="livestock")
        handling.accept(staff, later, None, app.config, now=T0 + timedelta(days=1))
        handling.reply(staff, later, None, "已派员现场检查。", now=T0 + timedelta(days=2))
        handling.close(staff, later, None, LATER_RESULT, app.config, now=T0 + timedelta(days=7))
        accepted = new_report(app, "accepted")
        handling.accept(staff, accepted, None, app.config, now=T0 + timedelta(days=8))
        received = new_report(app, "received")
        db.session.commit()
        return {
            key: r.reference
            for key, r in (
                ("closed", closed),
                ("summarised", summarised),
                ("later", later),
                ("accepted", accepted),
                ("received", received),
            )
        }


def test_feed_lists_public_outcomes_newest_first(client, world):
    """Closed reports and published summaries, by the time of their latest outcome; open reports never."""
    feed = parse(client, "/feeds/reports.atom")
    assert feed.feed.id == "http://localhost/feeds/reports.atom" and feed.feed.title
    links = {link.rel: link.href for link in feed.feed.links}
    assert links == {
        "self": "http://localhost/feeds/reports.atom",
        "alternate": "http://localhost/reports",
    }
    order = ["later", "summarised", "closed"]
    assert [e.id for e in feed.entries] == [f"http://localhost/reports/{world[k]}" for k in order]
    assert [e.link for e in feed.entries] == [e.id for e in feed.entries]
    later, summarised, closed = feed.entries
    assert LATER_RESULT in later.summary and later.tags[0].term == "livestock"
    assert SUMMARY in summarised.summary and RESULT in closed.summary
    assert closed.author == "第八师石河子市" and world["closed"] in closed.title
    assert closed.updated_parsed[:3] == (2026, 6, 6)  # 10:00 Beijing = 02:00 UTC, five days on
    assert feed.feed.updated_parsed == later.updated_parsed


def test_a_summary_after_closing_updates_the_entry(app, client, world):
    """Publishing a summary on a closed report moves it to the top with both texts."""
    with app.app_context():
        report = db.session.scalar(sa.select(Report).where(Report.reference == world["closed"]))
        staff = db.session.scalar(sa.select(User).where(User.username == "shz"))
        handling.publish_summary(staff, report, None, "排污口已封堵。", now=T0 + timedelta(days=9))
        db.session.commit()
    top = parse(client, "/feeds/reports.atom").entries[0]
    assert (
        top.id.endswith(world["closed"])
        and RESULT in top.summary
        and "排污口已封堵。" in top.summary
    )
    assert top.updated_parsed[:3] == (2026, 6, 10) and top.published_parsed[:3] == (2026, 6, 6)


def test_feed_never_carries_private_data(client, world):
    """No identity, place, description, file name, reply of staff nor internal data in the document."""
    raw = client.get("/feeds/reports.atom").get_data(as_text=True)
    for secret in (*PLANTED.values(), "秘密照片", ".jpg"):
        assert secret not in raw
    assert world["accepted"] not in raw and world["received"] not in raw


def test_empty_feed_is_valid(client):
    """Before any outcome the feed is valid and has no entries."""
    feed = parse(client, "/feeds/reports.atom")
    assert feed.entries == [] and feed.feed.updated_parsed is not None


def test_the_old_feed_address_moved_for_good(client, world):
    """/feeds/cases.atom, the feed's address before it was renamed, answers 301 with /feeds/reports.atom
    (query string kept), so feed readers follow it and update their subscription; the new address serves
    the same entries."""
    moved = client.get("/feeds/cases.atom?utm_source=reader&q=%E6%B0%B4")
    assert moved.status_code == 301
    assert moved.headers["Location"] == "/feeds/reports.atom?utm_source=reader&q=%E6%B0%B4"
    assert client.get("/feeds/cases.atom").headers["Location"] == "/feeds/reports.atom"
    followed = client.get("/feeds/cases.atom", follow_redirects=True)
    assert followed.request.path == "/feeds/reports.atom"
    assert followed.get_data() == client.get("/feeds/reports.atom").get_data()
    feed = parse(client, "/feeds/reports.atom")
    assert feed.feed.id == "http://localhost/feeds/reports.atom"
    assert [e.id for e in feed.entries] == [
        f"http://localhost/reports/{world[k]}" for k in ("later", "summarised", "closed")
    ]


def test_area_and_category_narrow_the_feed(client, world):
    """?category=livestock keeps the livestock outcome; ?area=8 keeps all three; ?area=6 none."""
    livestock = parse(client, "/feeds/reports.atom?category=livestock")
    assert [e.link.rsplit("/", 1)[1] for e in livestock.entries] == [world["later"]]
    assert len(parse(client, "/feeds/reports.atom?area=8&category=water").entries) == 2
    assert len(parse(client, "/feeds/reports.atom?area=8").entries) == 3
    assert parse(client, "/feeds/reports.atom?area=6").entries == []
    assert "area=8" in parse(client, "/feeds/reports.atom?area=8").feed.id


@pytest.mark.parametrize(
    "query, words",
    [
        ("area=99", "“99”"),
        ("area=abc", "“abc”"),
        ("area=²", "“²”"),
        ("category=nothing", "“nothing”"),
    ],
)
def test_a_filter_naming_nothing_is_400_with_a_text_message(client, query, words):
    """A refused area or category: 400, plain text naming the parameter and the value refused."""
    response = client.get("/feeds/reports.atom?" + query)
    assert response.status_code == 400
    assert response.content_type.startswith("text/plain")
    text = response.get_data(as_text=True)
    assert words in text and ("area" in text.lower() or "区域" in text or "类别" in text)
