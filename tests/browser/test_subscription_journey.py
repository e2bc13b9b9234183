"""Following reports by email, in Chromium: someone follows 第八师石河子市's reports on a phone-sized screen,
confirms from the link in the .eml that `portal send-mail` wrote, staff accept and close a report there,
`portal tick` and `portal send-mail` write the closure notice as an .eml carrying the closing result and no
private data, and its unsubscribe link ends the subscription. The new pages pass axe and fit 360 px, zh and en."""

import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_report_journey import do, fill_water_report, log_in
from tests.helpers import add_user

pytestmark = pytest.mark.browser

FOLLOWER = "reporter-watch@example.org"
RESULT = "经现场检查,已责令企业停止排放并限期整改。"
LINK = re.compile(r"http://localhost(/subscriptions/(?:confirm|unsubscribe)/[a-z2-7]+)")


def run(app, *args):
    """Run a `portal` command as cron would; its output."""
    result = app.test_cli_runner().invoke(args=["portal", *args])
    assert result.exit_code == 0, result.output
    return result.output


def mails_to(app, address):
    """The .eml files written under DATA_DIR/mail to `address`, oldest first, as parsed messages."""
    folder = Path(app.config["DATA_DIR"]) / "mail"
    messages = [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]
    return [m for m in messages if m["To"] == address]


def fits(page, name):
    """The page does not scroll sideways at 360 px."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{name} is {width}px wide"


def test_follow_an_area_and_receive_the_closure_as_an_eml(page, browser, live_server, app):
    """Follow → confirm from the .eml → report → accept → close → tick, send-mail → notice .eml → unsubscribe."""
    from tests.browser.test_accessibility import axe_violations, describe

    add_user(app, username="shz", unit="第八师石河子市")

    # Someone follows the reports of 第八师石河子市, on a phone-sized screen.
    page.goto(live_server + "/subscriptions/reports/new")
    expect(page.locator("h1")).to_have_text("通过电子邮件关注举报")
    page.get_by_label("电子邮箱").fill(FOLLOWER)
    page.get_by_label("举报所在区域").select_option(label="第八师石河子市")
    page.get_by_label("每有进展发送一封邮件").check()
    found = axe_violations(page)
    assert not found, "\n".join(map(describe, found))
    fits(page, "the subscription form")
    page.get_by_role("button", name="订阅").click()
    expect(page).to_have_url(re.compile(r"/subscriptions/sent$"))

    # The confirmation arrives as an .eml; its link confirms with one press.
    run(app, "send-mail")
    [confirmation] = mails_to(app, FOLLOWER)
    confirm = LINK.findall(confirmation.get_content())[0]
    page.goto(live_server + confirm)
    expect(page.locator("main")).to_contain_text("区域“第八师石河子市”的举报")
    fits(page, "the confirmation page")
    page.locator('main form input[type="submit"]').click()
    expect(page.locator("h1")).to_have_text("订阅已确认")

    # A resident reports in 第八师; the unit's staff accept and close it.
    resident = browser.new_context(locale="zh-CN").new_page()
    resident.goto(live_server + "/reports/new")
    fill_water_report(resident)
    resident.locator('form input[type="submit"][name="submit"]').click()
    reference = resident.locator("#reference").inner_text().strip()
    staff = browser.new_context(locale="zh-CN").new_page()
    log_in(staff, live_server, "shz")
    staff.goto(live_server + f"/console/reports/{reference}")
    do(staff, "accept")
    expect(staff.locator("h1 .badge")).to_have_class(re.compile("badge-accepted"))
    do(staff, "close", result=RESULT)
    staff.get_by_role("button", name="确认办结").click()
    expect(staff.locator("h1 .badge")).to_have_class(re.compile("badge-closed"))

    # Cron: tick queues the notices, send-mail writes them.
    assert "report events announced 3 in 3 notices" in run(app, "tick")
    run(app, "send-mail")
    notices = mails_to(app, FOLLOWER)[1:]
    assert [m["Subject"].split(" ")[0] for m in notices] == ["新举报", "举报已受理", "举报已办结"]
    closure = notices[-1].get_content()
    assert reference in notices[-1]["Subject"] and RESULT in closure
    assert f"http://localhost/reports/{reference}" in closure
    for private in ("排污口每天夜里排放黑臭污水", "石河子市北泉镇污水处理厂排污口"):
        assert all(private not in m.get_content() for m in notices)

    # The notice's unsubscribe link ends the subscription.
    [unsubscribe] = LINK.findall(closure)
    page.goto(live_server + unsubscribe)
    fits(page, "the unsubscribe page")
    page.locator('main form input[type="submit"]').click()
    expect(page.locator("h1")).to_have_text("已退订")
    assert page.goto(live_server + unsubscribe).status == 404


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_subscription_pages_pass_axe_and_fit_a_phone(browser, live_server, app, language):
    """The reports form (with an error shown), the one-report form and the report page with its follow box."""
    from tests.browser.test_accessibility import axe_violations, describe, open_in

    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(live_server + "/reports/new")
    fill_water_report(page)
    page.locator('form input[type="submit"][name="submit"]').click()
    reference = page.locator("#reference").inner_text().strip()
    paths = [
        "/subscriptions/reports/new?area=8&category=water",
        f"/subscriptions/reports/{reference}/new",
        f"/reports/{reference}",
    ]
    for path in paths:
        open_in(page, live_server, language, path)
        found = axe_violations(page)
        assert not found, f"{path} ({language}):\n" + "\n".join(map(describe, found))
        fits(page, path)
    open_in(page, live_server, language, paths[0])
    page.locator('main form input[type="submit"]').click()
    expect(page.locator(".error-summary")).to_be_visible()
    found = axe_violations(page)
    assert not found, "the form with errors:\n" + "\n".join(map(describe, found))
    fits(page, "the form with errors")
    context.close()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_keep_a_report_on_my_reports_page(browser, live_server, app, language):
    """Report → tracking page → keep it for an address → the mailed link opens the page listing it; each page
    passes axe and fits 360 px."""
    from tests.browser.test_accessibility import axe_violations, describe, open_in
    from tests.helpers import queued_mail

    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(live_server + "/reports/new")
    fill_water_report(page)
    page.locator('form input[type="submit"][name="submit"]').click()
    reference = page.locator("#reference").inner_text().strip()
    code = page.locator("#receipt-code").inner_text().strip()
    open_in(page, live_server, language, "/reports/track")
    page.locator('input[name="reference"]').fill(reference)
    page.locator('input[name="code"]').fill(code)
    page.locator('form input[type="submit"][name="submit"]').click()
    page.locator('a[href$="/keep"]').click()

    def check(name):
        found = axe_violations(page)
        assert not found, f"{name} ({language}):\n" + "\n".join(map(describe, found))
        fits(page, name)

    check("the keep form")
    page.locator('input[name="email"]').fill(f"keeper-{language}@example.org")
    page.locator('main form input[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/my-reports/sent$"))
    check("the sent page")
    with app.app_context():
        body = queued_mail(f"keeper-{language}@example.org")[-1].body
    page.goto(live_server + re.search(r"(/my-reports/[a-z2-7]+)", body).group(1))
    expect(page.locator("main")).to_contain_text(reference)
    check("the my reports page")
    page.locator(f'main a[href^="/reports/track/{reference}/"]').click()
    expect(page.locator("h1")).to_contain_text(reference)
    context.close()
