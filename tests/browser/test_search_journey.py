"""A journalist's search in Chromium: 大气污染 from the header, narrowed to measures, into (十四), on to the disclosure
filed under it, and the search saved as an Atom feed."""

import re

import feedparser
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import DisclosureCategory, Task
from portal.services import disclosures, search
from portal.services.units import find_unit
from tests.helpers import People

pytestmark = pytest.mark.browser

TITLE = "2025年兵团重点区域大气污染防治工作进展"


def publish_air_disclosure(app):
    """A published 环境质量 disclosure of 兵团建设局 linked to the first task of measure (十四); the index rebuilt."""
    with app.app_context():
        staff = People({"staff": ("jsj", "兵团建设局", "staff")})["staff"]
        category = db.session.scalar(
            sa.select(DisclosureCategory).where(DisclosureCategory.code == "environment_quality")
        )
        task = db.session.scalar(
            sa.select(Task).join(Task.measure).where(Task.measure.has(number=14)).order_by(Task.id)
        )
        draft = disclosures.create_draft(
            find_unit("兵团建设局"),
            category,
            TITLE,
            0,
            body=("## 进展\n\n乌昌石区域大气污染联防联控继续推进,PM2.5 平均浓度同比下降。"),
            task_ids=[task.id],
            created_by=staff,
        )
        disclosures.publish(staff, draft)
        db.session.commit()
        search.reindex(app.config)
        db.session.commit()
        return draft.id


def test_search_narrow_open_measure_follow_disclosure_and_subscribe(page, live_server, app):
    """Header search → measures facet → (十四) → its disclosure; the saved-search feed lists the disclosure."""
    disclosure_id = publish_air_disclosure(app)
    page.goto(live_server + "/")
    page.locator("#site-search-q").fill("大气污染")
    page.locator("form.site-search [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/search\?q=%E5%A4%A7%E6%B0%94%E6%B1%A1%E6%9F%93"))
    expect(page.locator("main")).to_contain_text(TITLE)

    page.locator(
        "details.facets > summary"
    ).click()  # on a phone the facets are folded above the results
    page.locator('main a[href*="kind=measure"]').first.click()
    expect(page).to_have_url(re.compile(r"kind=measure"))
    expect(page.locator("main")).not_to_contain_text(TITLE)
    expect(page.locator("main mark").first).to_have_text("大气污染")
    page.locator('main a[href$="/measures/14"]').first.click()
    expect(page).to_have_url(re.compile(r"/measures/14$"))
    expect(page.locator("h1")).to_contain_text("全面推进污染防治")

    page.locator(f'a[href$="/disclosures/{disclosure_id}"]').first.click()
    expect(page.locator("h1")).to_contain_text(TITLE)
    expect(page.locator("main")).to_contain_text("乌昌石区域大气污染联防联控")

    for _back in range(3):  # to the first results page, before the measures filter
        page.go_back()
    expect(page).not_to_have_url(re.compile(r"kind=measure"))
    feed_link = page.locator('main a[type="application/atom+xml"]').first
    href = feed_link.get_attribute("href")
    assert "q=%E5%A4%A7%E6%B0%94%E6%B1%A1%E6%9F%93" in href
    response = page.request.get(href if href.startswith("http") else live_server + href)
    assert response.ok and response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.body())
    assert not feed.bozo and any(entry.title == TITLE for entry in feed.entries)
