"""A report that came by the 12369 hotline, in Chromium: 第八师's staff log it on a phone-sized screen, give the
caller its codes, and correct its category; the caller follows it with the codes and reads the correction."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.test_report_journey import log_in
from tests.helpers import add_user

pytestmark = pytest.mark.browser


def test_staff_log_a_phone_report_and_correct_its_category(page, browser, live_server, app):
    """Log → codes → the report page names the channel → correct the category → the caller reads it."""
    add_user(app, username="shz", unit="第八师石河子市")
    log_in(page, live_server, "shz")
    page.goto(live_server + "/console/reports")
    page.get_by_role("link", name=re.compile("登记经电话")).click()
    expect(page.locator("h1")).to_have_text("登记举报")
    called = datetime.now(ZoneInfo("Asia/Shanghai")) - timedelta(hours=20)
    page.get_by_label("来源渠道").select_option(label="电话（12369 热线）")
    page.get_by_label("收到时间").fill(called.strftime("%Y-%m-%dT%H:%M"))
    page.locator('select[name="category"]').select_option(label="水污染")
    page.locator('select[name="area"]').select_option(label="第八师石河子市")
    page.locator('input[name="place"]').fill("石河子市北泉镇锅炉房")
    page.locator('textarea[name="description"]').fill("来电反映锅炉房烟囱每天傍晚冒黑烟,气味刺鼻。")
    page.locator('input[name="phone"]').fill("13912345678")
    page.get_by_role("button", name="登记").click()
    expect(page.locator("h1")).to_have_text("举报已登记")
    reference = page.locator("#reference").inner_text().strip()
    code = page.locator("#receipt-code").inner_text().strip()
    assert re.fullmatch(r"JB-\d{4}-\d{6}", reference)

    page.get_by_role("link", name="打开该举报").click()
    expect(page.locator(".meta")).to_contain_text("电话（12369 热线）")
    expect(page.locator("main")).not_to_contain_text(
        "13912345678"
    )  # identity for administrators only
    form = page.locator('form[action$="/category"]')
    page.locator("details.action", has=form).locator("summary").click()
    form.locator('select[name="category"]').select_option(label="大气污染")
    form.locator('textarea[name="reason"]').fill("现场核实为锅炉烟尘,属大气污染。")
    form.locator('input[type="submit"]').click()
    expect(page.locator(".flash").first).to_contain_text(reference)
    expect(page.locator(".meta")).to_contain_text("大气污染")
    expect(page.locator(".timeline")).to_contain_text(
        "水污染 → 大气污染:现场核实为锅炉烟尘,属大气污染。"
    )

    caller = browser.new_context(locale="zh-CN").new_page()
    caller.goto(live_server + "/reports/track")
    caller.get_by_label("举报编号").fill(reference)
    caller.get_by_label("回执码").fill(code)
    caller.locator('form input[type="submit"]').click()
    expect(caller.locator(".timeline")).to_contain_text("更正类别")
    expect(caller.locator(".timeline")).to_contain_text("现场核实为锅炉烟尘,属大气污染。")
