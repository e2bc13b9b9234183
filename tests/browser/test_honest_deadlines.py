"""Deadlines that do not mislead, in Chromium on a phone, on the sample data (`portal demo`): a report closed weeks
ago is nowhere called overdue (its appeal window is the resident's, and it ended), its met deadlines say so, a
2026 deadline does not warn about 2027's holidays, and the public list flags the report the unit is late with."""

import re

import pytest
from playwright.sync_api import expect

from portal.services import demo, reports

pytestmark = pytest.mark.browser


@pytest.fixture
def app(demo_app):
    """The tests' app has the sample data."""
    return demo_app


@pytest.fixture
def samples(app):
    """{sample key: reference} of the sample reports."""
    with app.app_context():
        return {
            key: reports.find_submission(f"demo-{key}").reference
            for key, *_rest in demo.DEMO_REPORTS
        }


def log_in(page, live_server, username):
    """Log in as a sample account of 第八师石河子市."""
    page.goto(live_server + "/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(demo.DEMO_PASSWORD)
    page.locator("form.form [type=submit]").click()
    page.wait_for_url("**/console/")


def deadline_row(page, label):
    """The <dd> of the deadline called `label` on a report page."""
    return page.locator("dl.deadlines dt", has_text=label).locator("xpath=following-sibling::dd[1]")


def test_a_closed_report_is_not_called_overdue_and_the_list_flags_the_late_one(
    page, live_server, samples
):
    """Staff of 第八师 see the closed sample report as met with the appeal period ended, in the report page and the
    queue; the unit's overdue sample is flagged in the queue and on the public list."""
    closed, overdue = samples["closed"], samples["overdue"]
    log_in(page, live_server, "demo-shihezi")

    page.goto(live_server + f"/console/reports/{closed}")
    main = page.locator("main")
    expect(main).not_to_contain_text("已超期")
    expect(deadline_row(page, "受理期限").locator(".deadline")).to_have_class(
        re.compile("deadline-met")
    )
    expect(deadline_row(page, "受理期限").locator(".deadline")).to_contain_text("按时")
    expect(deadline_row(page, "办结期限").locator(".deadline")).to_contain_text("按时")
    appeal = deadline_row(page, "申诉截止时间").locator(".deadline")
    expect(appeal).to_have_class(re.compile("deadline-na"))
    expect(appeal).to_have_text("申诉期已结束")
    # Both deadlines are met: neither can move any more, so neither warns of an unknown holiday calendar.
    expect(main.locator(".clock-warning")).to_have_count(0)

    page.goto(live_server + "/console/reports")
    closed_row = page.locator("tbody tr", has=page.get_by_role("link", name=closed, exact=True))
    expect(closed_row).not_to_contain_text("已超期")
    expect(closed_row.locator(".deadline")).to_contain_text("按时")
    late_row = page.locator("tbody tr", has=page.get_by_role("link", name=overdue, exact=True))
    expect(late_row.locator(".deadline")).to_have_text("已超期")

    # The unit's area: the sample data holds two years of reports, more than the list's first page.
    page.goto(live_server + "/reports?area=8")
    late_item = page.locator(
        "li.report-item", has=page.get_by_role("link", name=overdue, exact=True)
    )
    expect(late_item.locator(".badge-overdue")).to_have_text("已超期")
    closed_item = page.locator(
        "li.report-item", has=page.get_by_role("link", name=closed, exact=True)
    )
    expect(closed_item).not_to_contain_text("已超期")
    expect(closed_item.locator(".badge-on-time")).to_have_text("按时办结")


def test_not_accepting_asks_first_and_cancel_changes_nothing(page, live_server, samples):
    """不予受理 opens a confirmation page (accessible, no sideways scrolling at 360 px) restating the decision;
    取消并返回 goes back to the report, still awaiting acceptance."""
    from tests.browser.test_accessibility import axe_violations, describe

    reference = samples["new"]
    log_in(page, live_server, "demo-shihezi")
    page.goto(live_server + f"/console/reports/{reference}")
    form = page.locator('form[action$="/not-accept"]')
    page.locator("details.action", has=form).locator("summary").click()
    form.locator('select[name="reason"]').select_option("not_specific")
    form.locator('textarea[name="explanation"]').fill("举报内容未提供具体地点和排放单位,无法核查。")
    form.locator('[type="submit"]').click()
    expect(page.locator("h1")).to_have_text(f"确认对 {reference} 不予受理？")
    expect(page.locator(".notice-warning")).to_contain_text("此操作无法撤销")
    expect(page.locator("main")).to_contain_text("举报内容未提供具体地点和排放单位,无法核查。")
    expect(page.get_by_role("button", name="确认不予受理")).to_be_visible()
    found = [describe(v) for v in axe_violations(page)]
    assert not found, "\n".join(found)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("link", name="取消并返回").click()
    expect(page).to_have_url(live_server + f"/console/reports/{reference}")
    expect(page.locator("h1 .badge")).to_have_class(re.compile("badge-received"))
