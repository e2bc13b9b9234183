"""Task reports in Chromium: a lead unit's staff drafts and publishes the annual report on a task; it appears on the
task page, in the accountability matrix and in the task's Atom feed. A journalist on a phone finds the tasks with
no report for the last period on top of the matrix and opens one. The pages pass axe and fit 360 px, zh and en."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_report_journey import do, log_in
from tests.helpers import add_user

pytestmark = pytest.mark.browser

LEAD = "兵团建设局"
DONE = "完成城镇污水处理厂提标改造3座，新增处理能力每日6万立方米。"


def fits(page, name):
    """The page does not scroll sideways at 360 px."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{name} is {width}px wide"


def clean(page, name):
    """No axe violation on the page."""
    from tests.browser.test_accessibility import axe_violations, describe

    found = axe_violations(page)
    assert not found, f"{name}:\n" + "\n".join(map(describe, found))


def shared_task(app):
    """(id, title) of a task 兵团建设局 leads with 兵团水利局 taking part."""
    from tests.services.test_task_reports import shared_task as find

    with app.app_context():
        task = find()
        return task.id, task.title


def test_a_lead_unit_publishes_and_a_journalist_finds_the_unreported(
    page, browser, live_server, app
):
    """Draft → publish → task page, matrix, feed; then, on a phone, the unreported tasks on top of the matrix."""
    add_user(app, username="jsj", unit=LEAD)
    task_id, title = shared_task(app)

    # The lead unit's staff write the 2025 report and publish it.
    log_in(page, live_server, "jsj")
    page.goto(live_server + "/console/task-reports/new")
    page.locator('select[name="task"]').select_option(value=str(task_id))
    page.locator('input[name="period"]').fill("2025")
    page.locator('select[name="status"]').select_option(value="in_progress")
    page.locator('input[name="progress"]').fill("60")
    page.locator('textarea[name="done_text"]').fill(f"## 主要进展\n\n{DONE}")
    page.locator('textarea[name="next_steps"]').fill("推进第二批改造。")
    page.locator('form input[type="submit"]').click()
    expect(page.locator(".flashes")).to_contain_text("草稿已保存")
    do(page, "publish")
    expect(page.locator(".flashes")).to_contain_text("已作为第1版发布")

    # It is on the task page (with its progress bar), in the matrix and in the feed.
    page.goto(live_server + f"/tasks/{task_id}")
    expect(page.locator(".task-report")).to_contain_text(DONE)
    expect(page.locator(".task-report progress")).to_have_attribute("value", "60")
    page.goto(live_server + "/accountability")
    row = page.locator("table.accountability tr", has=page.locator(f'a[href="/tasks/{task_id}"]'))
    expect(row.locator(f'a[href^="/tasks/{task_id}#report-"]')).to_have_count(1)
    expect(page.locator("#unreported")).not_to_contain_text(title)
    feed = page.request.get(live_server + f"/feeds/tasks/{task_id}/reports.atom")
    assert feed.ok and DONE in feed.text()

    # A journalist on a phone: which tasks have no report for the last period?
    phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN").new_page()
    phone.goto(live_server + "/accountability")
    heading = phone.locator("#unreported-title")
    expect(heading).to_contain_text("2025年度未报告落实情况的任务")
    first = phone.locator("#unreported li a").first
    name = first.inner_text()
    clean(phone, "the matrix")
    fits(phone, "the matrix")
    first.click()
    expect(phone).to_have_url(re.compile(r"/tasks/\d+$"))
    expect(phone.locator("h1")).to_contain_text(name.split(") ", 1)[-1])
    expect(phone.locator("main")).to_contain_text("该任务尚未发布落实情况报告")
    fits(phone, "an unreported task's page")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_task_pages_pass_axe_and_fit_a_phone(browser, demo_server, demo_app, language):
    """The matrix (filtered too), a task page with a published report, and the unit page, at 360 px."""
    from tests.browser.test_accessibility import open_in

    live_server, app = demo_server, demo_app
    task_id, _title = shared_task(app)
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    for path in ("/accountability", "/accountability?chapter=1", f"/tasks/{task_id}"):
        open_in(page, live_server, language, path)
        clean(page, f"{path} ({language})")
        fits(page, f"{path} ({language})")
    context.close()
