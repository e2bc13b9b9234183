"""Social organisations in Chromium (issue 15 §3): an organisation applies on a phone, 兵团民政局 verifies it in
the console, it lists a volunteer activity and requests a closed report's record through its management link, the
handling unit answers, and the report's public page shows the request and the answer. The pages pass axe and fit
360 px, in Chinese and English."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_report_journey import log_in
from tests.helpers import act, add_user, queued_mail, staff_client, submit_report
from tests.services.test_evidence import jpeg_bytes, minimal_pdf

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
CONTACT = "lvzhou@example.org"


WIDEST = """[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > 361)
  .slice(-3).map(e => e.tagName + '.' + e.className + ': ' + e.textContent.slice(0, 40))"""


def fits(page, what):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{what} is {width}px wide: {page.evaluate(WIDEST)}"


def closed_case(app):
    """A report of 第八师, accepted and closed by its staff (account "shz"); its reference."""
    reference, _code = submit_report(app.test_client())
    staff = staff_client(app)
    assert act(staff, reference, "accept").status_code == 302
    assert (
        act(staff, reference, "close", result="已责令企业整改。", confirm="yes").status_code == 302
    )
    return reference


def apply(page, live_server):
    page.goto(live_server + "/organisations/apply")
    page.locator('[name="credit_code"]').fill("52660000MJ8000001X")
    page.locator('[name="name"]').fill("石河子绿洲环保志愿者协会")
    page.locator('[name="registration_authority"]').fill("第八师民政局")
    page.locator('[name="area"]').select_option("8")
    page.locator('[name="description"]').fill("组织志愿者开展河道清理和水质监测。")
    page.locator('[name="contact_name"]').fill("李华")
    page.locator('[name="contact_phone"]').fill("13912345678")
    page.locator('[name="contact_email"]').fill(CONTACT)
    page.locator('[name="publish_name"]').check()


def management_link(app):
    with app.app_context():
        body = queued_mail(CONTACT)[-1].body
    return re.search(r"/organisations/manage/[a-z0-9]+", body).group(0)


def test_apply_verify_activity_litigation_answer_and_the_case_page(browser, live_server, app):
    from portal.services import organisations

    assert organisations.check_digit("52660000MJ8000001") == "X"
    reference = closed_case(app)
    add_user(app, username="mzj", unit="兵团民政局")
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()

    # The organisation applies; a wrong check character is named first.
    apply(page, live_server)
    page.locator('[name="credit_code"]').fill("52660000MJ80000015")
    page.locator('form input[type="submit"]').click()
    expect(page.locator(".error-summary")).to_contain_text("校验码")
    fits(page, "the application form with an error")
    page.locator('[name="credit_code"]').fill("52660000MJ8000001X")
    page.locator('form input[type="submit"]').click()
    expect(page.locator("h1")).to_have_text("申请已收到")
    page.goto(live_server + "/organisations")
    expect(page.locator("main")).not_to_contain_text("石河子绿洲环保志愿者协会")

    # 兵团民政局 verifies it.
    staff_context = browser.new_context(locale="zh-CN")
    staff_context.set_default_timeout(10_000)
    staff = staff_context.new_page()
    log_in(staff, live_server, "mzj")
    staff.get_by_role("link", name="社会组织登记申请核实").click()
    staff.get_by_role("link", name="石河子绿洲环保志愿者协会").click()
    expect(staff.locator("main")).to_contain_text("13912345678")
    staff.locator("#verify").click()
    expect(staff.locator("main")).to_contain_text("该组织已核实")

    # It lists an activity and requests the closed report's record through its management link.
    page.goto(live_server + management_link(app))
    page.locator('[name="activity-kind"][value="cleanup"]').check()
    page.locator('[name="activity-title"]').fill("玛纳斯河河道清理")
    page.locator('[name="activity-day"]').fill("2030-04-22")
    page.locator('[name="activity-at"]').fill("09:30")
    page.locator('[name="activity-area"]').select_option("8")
    page.locator('[name="activity-place"]').fill("玛纳斯河大桥东侧")
    page.locator('[name="activity-description"]').fill("清理河岸垃圾。")
    page.locator('[name="activity-signup"]').fill("0993-1234567")
    page.locator('form[action$="/activity"] input[type="submit"]').click()
    expect(page.locator(".notice")).to_have_text("已保存。")
    page.locator('[name="litigation-reference"]').fill(reference)
    page.locator('[name="litigation-reason"]').fill("拟就河道污染提起环境公益诉讼。")
    page.locator('form[action$="/litigation"] input[type="submit"]').click()
    expect(page.locator(".notice")).to_have_text("已保存。")
    fits(page, "the management page")
    page.goto(live_server + "/organisations/activities")
    expect(page.locator("main")).to_contain_text("玛纳斯河河道清理")
    expect(page.locator("main")).to_contain_text("2030年04月")

    # The handling unit answers in the console, on a phone, with a PDF and a photo handed over.
    log_in(staff, live_server, "shz")
    staff.set_viewport_size(PHONE)
    staff.get_by_role("link", name="本单位所办举报的公益诉讼材料申请").click()
    staff.get_by_role("link", name=reference).click()
    staff.get_by_label("提供材料").check()
    staff.locator('[name="text"]').fill("已提供案件办理记录及现场检查笔录复印件。")
    staff.locator('[name="files"]').set_input_files(
        [
            {"name": "现场检查笔录.pdf", "mimeType": "application/pdf", "buffer": minimal_pdf()},
            {"name": "现场照片.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()},
        ]
    )
    fits(staff, "the answer form")
    staff.get_by_role("button", name="发送答复").click()
    expect(staff.locator("main")).to_contain_text("已提供材料")
    expect(staff.locator("#documents")).to_contain_text("现场检查笔录.pdf")
    fits(staff, "the answered request with its documents")

    # The organisation downloads the documents through its management link.
    page.goto(live_server + management_link(app))
    with page.expect_download() as download:
        page.get_by_role("link", name="现场检查笔录.pdf").click()
    assert download.value.suggested_filename.endswith(".pdf")
    fits(page, "the management page with documents")

    # The report's public page shows the request and the answer.
    page.goto(live_server + f"/reports/{reference}")
    section = page.locator("section", has=page.get_by_role("heading", name="环境公益诉讼"))
    expect(section).to_contain_text("拟就河道污染提起环境公益诉讼")
    expect(section).to_contain_text("现场检查笔录")
    expect(section).to_contain_text("石河子绿洲环保志愿者协会")
    expect(section).to_contain_text("共 2 份")
    expect(section).not_to_contain_text("现场照片")
    expect(section.locator('a[href*="/documents/"]')).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("13912345678")
    fits(page, "the report page with litigation")
    staff_context.close()
    context.close()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_organisation_pages_pass_axe_and_fit_a_phone(
    browser, demo_server, demo_app, demo_lines, language
):
    """The register, an organisation, the calendar, the application form (with errors), the management page
    and a report with litigation: no WCAG 2.1 A/AA violation, none scrolls sideways at 360 px."""
    from tests.browser.test_accessibility import axe_violations, describe

    live_server, app, lines = demo_server, demo_app, demo_lines
    manage = re.search(r"/organisations/manage/\w+", "\n".join(lines)).group(0)
    closed = re.search(r"(\S+)\s+\S+\s+closed sample", "\n".join(lines)).group(1)
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    if language == "en":
        page.goto(live_server + "/language/en")

    def check(what):
        found = axe_violations(page)
        assert not found, f"{what} ({language}):\n" + "\n".join(map(describe, found))
        fits(page, f"{what} ({language})")

    page.goto(live_server + "/organisations")
    check("the register")
    page.locator("main .card h2 a").first.click()
    check("an organisation's page")
    page.goto(live_server + "/organisations/activities")
    check("the volunteer calendar")
    page.goto(live_server + "/organisations/apply")
    check("the application form")
    page.locator('form input[type="submit"]').click()
    expect(page.locator(".error-summary")).to_be_visible()
    check("the application form with errors")
    page.goto(live_server + manage)
    check("the management page")
    page.goto(live_server + f"/reports/{closed}")
    expect(page.locator("main")).to_contain_text("石河子绿洲")
    check("a report with litigation")
    context.close()

    # The console's pages: 兵团民政局's applications, and the handling unit's litigation requests.
    add_user(app, username="mzj", unit="兵团民政局")
    add_user(app, username="shz8", unit="第八师石河子市")
    for username, paths in (
        ("mzj", ["/console/organisations"]),
        ("shz8", ["/console/litigation"]),
    ):
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        context.set_default_timeout(10_000)
        page = context.new_page()
        log_in(page, live_server, username)
        if language == "en":
            page.goto(live_server + "/language/en")
        for path in paths:
            page.goto(live_server + path)
            check(f"the console page {path}")
            page.locator("main table a").first.click()
            check(f"a row of {path}")
        context.close()
