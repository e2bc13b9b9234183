"""A report's whole journey in Chromium: a resident reports water pollution in 第八师石河子市 with a photo; the
routed unit's staff accept, reply and close it; the resident follows it with the receipt code; another unit
cannot open it."""

import re

import pytest
from playwright.sync_api import expect

from tests.helpers import PASSWORD, add_user, jpeg_photo

pytestmark = pytest.mark.browser


def log_in(page, live_server, username):
    """Log in through the form (its labels are translated) and land on the console."""
    page.goto(live_server + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/console/$"))


def do(page, action, **fields):
    """Open an action's panel on the report page, fill its fields and send it."""
    form = page.locator(f'form[action$="/{action}"]')
    page.locator("details.action", has=form).locator("summary").click()
    for name, value in fields.items():
        form.locator(f'[name="{name}"]').fill(value)
    form.locator('input[type="submit"]').click()


def fill_water_report(page):
    """Fill the report form (in Chinese) with the water report of 第八师 the browser journeys send."""
    page.get_by_label("水污染").check()
    page.locator('select[name="area"]').select_option(label="第八师石河子市")
    page.locator('input[name="place"]').fill("石河子市北泉镇污水处理厂排污口")
    page.locator('textarea[name="description"]').fill(
        "排污口每天夜里排放黑臭污水,附近渠道里的鱼都死了。"
    )


def test_report_handle_and_follow_in_chromium(page, browser, live_server, app, tmp_path):
    """Report → accept → reply → close → the resident sees the reply and the closed status; 审计局 gets 404."""
    add_user(app, username="shz", unit="第八师石河子市")
    add_user(app, username="sjj", unit="兵团审计局")
    photo = tmp_path / "排污口.jpg"
    photo.write_bytes(jpeg_photo(size=(320, 240)))

    # The resident reports, on a phone-sized screen.
    page.goto(live_server + "/reports/new")
    fill_water_report(page)
    page.locator('input[name="evidence"]').set_input_files(str(photo))
    page.locator('form input[type="submit"][name="submit"]').click()
    expect(page.locator("#reference")).to_have_text(re.compile(r"^JB-\d{4}-\d{6}$"))
    reference = page.locator("#reference").inner_text().strip()
    code = page.locator("#receipt-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){4}", code)
    expect(page.locator(".receipt")).to_contain_text("第八师石河子市")

    # Staff of the routed unit handle it in their own browser.
    staff_context = browser.new_context(locale="zh-CN")
    staff_context.set_default_timeout(10_000)
    staff = staff_context.new_page()
    log_in(staff, live_server, "shz")
    staff.goto(live_server + "/console/reports")
    staff.get_by_role("link", name=reference).click()
    expect(staff).to_have_url(live_server + f"/console/reports/{reference}")
    expect(staff.locator("h1 .badge")).to_have_class(re.compile("badge-received"))
    expect(staff.locator(".description")).to_contain_text("排污口每天夜里排放黑臭污水")
    expect(staff.locator("#evidence-title + ul li")).to_have_count(1)
    do(staff, "accept")
    expect(staff.locator("h1 .badge")).to_have_class(re.compile("badge-accepted"))
    do(staff, "reply", text="已派员现场检查")
    expect(staff.locator(".timeline")).to_contain_text("已派员现场检查")
    do(staff, "close", result="经现场检查,已责令企业停止排放并限期整改。")
    # Closing cannot be undone: a page restates it, with the result, before anything happens.
    expect(staff.locator("h1")).to_have_text(f"确认办结 {reference}？")
    expect(staff.locator("main")).to_contain_text("经现场检查,已责令企业停止排放并限期整改。")
    staff.get_by_role("button", name="确认办结").click()
    expect(staff.locator("h1 .badge")).to_have_class(re.compile("badge-closed"))
    expect(staff.locator(".flash").first).to_contain_text(f"已办结 {reference}")

    # Staff of an unrelated unit cannot open it.
    other_context = browser.new_context(locale="zh-CN")
    other_context.set_default_timeout(10_000)
    other = other_context.new_page()
    log_in(other, live_server, "sjj")
    response = other.goto(live_server + f"/console/reports/{reference}")
    assert response.status == 404
    expect(other.locator("body")).not_to_contain_text("排污口每天夜里排放黑臭污水")
    other.goto(live_server + "/console/reports")
    expect(other.get_by_role("link", name=reference)).to_have_count(0)

    # The resident follows the report with the receipt code.
    page.goto(live_server + "/reports/track")
    page.locator('input[name="reference"]').fill(reference)
    page.locator('input[name="code"]').fill(code.lower())
    page.locator('form input[type="submit"][name="submit"]').click()
    expect(page).to_have_url(re.compile(rf"/reports/track/{reference}/[a-z2-7]+$"))
    expect(page.locator("h1 .badge")).to_have_class(re.compile("badge-closed"))
    expect(page.locator(".timeline")).to_contain_text("已派员现场检查")
    expect(page.locator(".timeline")).to_contain_text("已责令企业停止排放并限期整改")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the tracking page is {width}px wide"

    staff_context.close()
    other_context.close()
