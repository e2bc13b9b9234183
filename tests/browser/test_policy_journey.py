"""A resident reads the policy in Chromium: home → policy → measure (十四) → unit, in both languages."""

import re

import pytest
from playwright.sync_api import expect

from tests.helpers import add_user

pytestmark = pytest.mark.browser


def test_reach_measure_fourteen_and_its_lead_unit(page, live_server):
    """From the home page, through the policy index, to (十四) and 兵团建设局 as lead unit."""
    page.goto(live_server + "/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="实施意见", exact=True).click()
    expect(page).to_have_url(live_server + "/measures")
    page.get_by_role("link", name="(十四) 全面推进污染防治").click()
    expect(page).to_have_url(live_server + "/measures/14")
    task = page.locator("article.task", has=page.get_by_role("heading", name="加强大气污染防治"))
    lead = task.locator("dd").first
    expect(lead.get_by_role("link", name="兵团建设局(环保局)")).to_be_visible()
    lead.get_by_role("link", name="兵团建设局(环保局)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("兵团建设局(环保局)")
    expect(page.get_by_role("link", name="加强大气污染防治")).to_be_visible()


def test_switch_to_english_and_back(page, live_server):
    """The switch changes the interface, keeps the page, and the choice persists across pages."""
    page.goto(live_server + "/measures/14")
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(live_server + "/measures/14")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Tasks and responsible units")).to_be_visible()
    # On a phone the navigation is behind the menu button, which opens without JavaScript (<details>).
    expect(page.get_by_role("navigation", name="Main navigation")).to_be_hidden()
    page.get_by_text("Menu", exact=True).click()
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Units").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Responsible units")
    page.get_by_role("link", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.get_by_role("heading", level=1)).to_have_text("责任单位")


@pytest.mark.parametrize("path", ["/", "/measures", "/measures/14", "/units", "/goals", "/login"])
def test_pages_fit_a_360px_phone(page, live_server, path):
    """No page scrolls sideways on a 360 px wide screen (wide tables scroll inside their box)."""
    page.goto(live_server + path)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{path} is {width}px wide"


def test_chinese_renders_with_a_cjk_font(page, live_server):
    """Chinese text is drawn with a real CJK font, not tofu boxes: 中 is wider than a Latin 'i'."""
    page.goto(live_server + "/measures/14")
    widths = page.evaluate(
        """() => { const c = document.createElement('canvas').getContext('2d');
                   c.font = getComputedStyle(document.body).font;
                   return [c.measureText('中').width, c.measureText('i').width, c.measureText('中文').width]; }"""
    )
    assert widths[0] > widths[1] * 1.5 and abs(widths[2] - 2 * widths[0]) < 1


def test_staff_login_reaches_the_console(page, live_server, app):
    """A staff member logs in through the form and sees their unit."""
    add_user(app, username="shz", unit="第八师石河子市")
    page.goto(live_server + "/login")
    page.get_by_label("用户名").fill("shz")
    page.get_by_label("密码").fill("correct horse battery")
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/console/$"))
    expect(page.get_by_role("link", name="第八师石河子市")).to_be_visible()
