"""Voices in Chromium, on a phone: a resident picks a category and a point on the map (local tiles), sees the open
report nearby, adds their voice, gets their own receipt and tracks the report with it; staff merge a duplicate, and
the duplicate's reporter sees the merge when tracking. The pages pass axe and fit 360 px, in Chinese and English."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_csp import violations
from tests.browser.test_map_journey import app, guarded_context, tiles  # noqa: F401 (fixtures)
from tests.browser.test_report_journey import fill_water_report, log_in
from tests.helpers import act, staff_client, submit_report

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


def fits(page, what):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{what} is {width}px wide"


def accepted_at(portal, staff, latitude, longitude):
    """A water report of 第八师 at the point, accepted with the rounded public point; its reference."""
    reference, _code = submit_report(portal.test_client(), latitude=latitude, longitude=longitude)
    assert act(staff, reference, "accept", public_location="rounded").status_code == 302
    return reference


def track(page, live_server, reference, code):
    page.goto(live_server + "/reports/track")
    page.locator('input[name="reference"]').fill(reference)
    page.locator('input[name="code"]').fill(code)
    page.locator('form input[type="submit"]').click()


def test_nearby_voice_receipt_tracking_and_a_merge(browser, live_server, app, tiles):  # noqa: F811
    staff_http = staff_client(
        app
    )  # the account "shz" of 第八师石河子市, also used in the browser below
    outside, messages = [], []
    context = guarded_context(browser, live_server, tiles, outside, viewport=PHONE)
    page = context.new_page()
    page.on("console", lambda message: messages.append(message.text))

    # The resident taps the map; an open report of the same kind is there (accepted meanwhile).
    page.goto(live_server + "/reports/new")
    picker = page.locator(".map-picker .map")
    expect(picker.locator("img.leaflet-tile-loaded").first).to_be_visible()
    picker.click(position={"x": 150, "y": 100})
    latitude = page.locator('input[name="latitude"]').input_value()
    longitude = page.locator('input[name="longitude"]').input_value()
    target = accepted_at(app, staff_http, latitude, longitude)
    fill_water_report(page)  # checks 水污染 and 第八师: the list is fetched
    nearby = page.locator("#nearby-slot .nearby-report")
    expect(nearby).to_have_count(1)
    expect(nearby).to_contain_text(target)
    expect(nearby).to_contain_text(re.compile(r"相距约 \d+ 米"))
    fits(page, "the report form with similar reports")

    # Adds their voice instead of sending the report.
    nearby.get_by_role("link", name=re.compile("我要附议")).click()
    expect(page).to_have_url(live_server + f"/reports/{target}/support")
    page.get_by_label("姓名").fill("王五")
    page.get_by_label("电子邮箱").fill("wang@example.org")
    page.locator('textarea[name="note"]').fill("晚上十点以后气味最重")
    fits(page, "the support form")
    page.locator('form input[type="submit"][name="submit"]').click()
    expect(page.locator("h1")).to_contain_text(f"您已成功附议举报 {target}")
    code = page.locator("#receipt-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){4}", code)
    fits(page, "the supporter's receipt")

    # Tracks the report with their own code: its public timeline, and the count.
    track(page, live_server, target, code)
    expect(page).to_have_url(re.compile(rf"/reports/{target}/support/[a-z2-7]+$"))
    expect(page.locator(".timeline")).to_contain_text("已受理")
    expect(page.locator(".voices")).to_contain_text("另有 1 位群众反映此问题")
    expect(page.locator("body")).not_to_contain_text("王五")
    fits(page, "the supporter's tracking page")

    # Another resident reported the same problem; staff merge it into the first one.
    duplicate, duplicate_code = submit_report(app.test_client(), email="dup@example.org")
    staff_context = guarded_context(browser, live_server, tiles, outside)
    staff = staff_context.new_page()
    log_in(staff, live_server, "shz")
    staff.goto(live_server + f"/console/reports/{duplicate}")
    form = staff.locator('form[action$="/merge"]')
    staff.locator("details.action", has=form).locator("summary").click()
    form.locator('[name="target"]').fill(target)
    form.locator('input[type="submit"]').click()
    expect(staff.locator("h1")).to_contain_text(f"确定将 {duplicate} 并入 {target} 吗？")
    staff.get_by_role("button", name="确认合并").click()
    expect(staff.locator("h1 .badge")).to_have_class(re.compile("badge-closed"))
    expect(staff.locator(".timeline")).to_contain_text("已并入其他举报")
    staff.goto(live_server + f"/console/reports/{target}")
    expect(staff.locator(".supporters li")).to_have_count(2)
    expect(staff.locator(".supporters")).to_contain_text(f"来自已合并的举报 {duplicate}")
    expect(staff.locator(".supporters")).to_contain_text("晚上十点以后气味最重")

    # The duplicate's reporter tracks it and is led to the first one.
    track(page, live_server, duplicate, duplicate_code)
    expect(page.locator(".merged")).to_contain_text(f"该举报已并入 {target}")
    page.locator(".merged a").click()
    expect(page).to_have_url(live_server + f"/reports/{target}")
    expect(page.locator(".voices")).to_contain_text("另有 2 位群众反映此问题")
    fits(page, "the first report's public page")

    assert not violations(page, messages), violations(page, messages)
    assert outside == [], f"requests left for outside hosts: {outside}"
    staff_context.close()
    context.close()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_voice_pages_pass_axe_and_fit_a_phone(browser, live_server, app, language):  # noqa: F811
    """The nearby page (no JavaScript needed), the support form, the receipt, the supporter's page and a merged
    report's tracking page: no WCAG 2.1 A/AA violation, and none scrolls sideways at 360 px."""
    from tests.browser.test_accessibility import axe_violations, describe

    staff = staff_client(app)
    target = accepted_at(app, staff, "44.305123", "86.041234")
    duplicate, duplicate_code = submit_report(app.test_client())
    assert act(staff, duplicate, "merge", target=target, confirm="yes").status_code == 302
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    if language == "en":
        page.goto(live_server + "/language/en")

    def check(what):
        found = axe_violations(page)
        assert not found, f"{what} ({language}):\n" + "\n".join(map(describe, found))
        fits(page, f"{what} ({language})")

    page.goto(live_server + "/reports/nearby?category=water&area=8&lat=44.3051&long=86.0412")
    expect(page.locator(".nearby-report")).to_have_count(1)
    check("the nearby page")
    page.goto(live_server + "/reports/nearby?category=water&area=8&lat=95&long=86")
    check("the nearby page with an error")
    page.goto(live_server + f"/reports/{target}/support")
    check("the support form")
    page.locator('input[name="email"]').fill("not-an-address")
    page.locator('form input[type="submit"][name="submit"]').click()
    expect(page.locator(".error-summary")).to_be_visible()
    check("the support form with an error")
    page.locator('input[name="email"]').fill("")
    page.locator('form input[type="submit"][name="submit"]').click()
    expect(page.locator("#receipt-code")).to_be_visible()
    check("the supporter's receipt")
    code = page.locator("#receipt-code").inner_text().strip()
    track(page, live_server, target, code)
    expect(page.locator(".voices")).to_be_visible()
    check("the supporter's page")
    track(page, live_server, duplicate, duplicate_code)
    expect(page.locator(".merged")).to_be_visible()
    check("a merged report's tracking page")
    page.goto(live_server + f"/reports/{target}")
    check("the first report's public page")
    context.close()
