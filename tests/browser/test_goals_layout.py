"""What a reader sees on the goals dashboard: the verdicts summed up at the top, each goal compact (its facts
beside its chart on a desktop, its values by year folded), the verdict readable on a phone."""

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from tests.services.test_dashboard import disclosure

pytestmark = pytest.mark.browser

WATER = {
    year: str(130 - 2 * (year - 2016)) for year in range(2016, 2026)
}  # 130 … 112: 2020 is 122, not met


def plant(app):
    """Ten years of 用水总量 (2020 above the 120 target, later years below it) and two other goals."""
    with app.app_context():
        observations = {("用水总量", year): value for year, value in WATER.items()}
        observations |= {("森林覆盖率", 2020): "21", ("主要城市空气质量优良天数比例", 2025): "85"}
        disclosure("2016—2025年统计数据", observations=observations)
        db.session.commit()


def test_on_a_desktop_the_summary_comes_first_and_each_goal_is_compact(page, live_server, app):
    """At 1,280 px: the summary table is near the top; a goal's facts stand beside its chart; its values by
    year are folded until opened; a goal with ten years of values takes less than one screen."""
    plant(app)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server + "/dashboard/goals")
    summary = page.locator(".goal-summary-table")
    expect(summary).to_be_visible()
    first_goal = page.locator("section.goal").first
    assert summary.bounding_box()["y"] < first_goal.bounding_box()["y"]
    water = page.locator("section.goal", has_text="用水总量").first
    expect(water.locator(".goal-facts")).to_contain_text("未达标")
    expect(water.locator(".goal-facts")).to_contain_text("2025 年：112亿立方米")
    facts, chart = water.locator(".goal-facts").bounding_box(), water.locator("svg").bounding_box()
    assert facts["x"] + facts["width"] <= chart["x"] and facts["y"] < chart["y"] + chart["height"]
    assert water.bounding_box()["height"] < 500
    table = water.locator("table")
    expect(table).to_be_hidden()
    water.locator("details.goal-values > summary").click()
    expect(table).to_be_visible()
    expect(table.locator("tr.judged")).to_contain_text("2020")


def test_on_a_phone_the_summary_shows_each_verdict_without_scrolling_sideways(
    page, live_server, app
):
    """At 360 px each row of the summary shows the goal and its verdict within the screen."""
    plant(app)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server + "/dashboard/goals")
    row = page.locator(".goal-summary-table tbody tr", has_text="森林覆盖率")
    verdict = row.locator(".goal-status")
    expect(verdict).to_have_text("已达标")
    box = verdict.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
