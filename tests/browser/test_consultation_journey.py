"""A consultation's whole journey in Chromium: staff of 第六师五家渠市 open an EIA consultation for a project; a
resident comments on paragraph 3 and registers for the hearing; staff moderate and answer; the period ends; staff
publish the participation statement; the resident sees the answer to their comment."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.services import consultations
from tests.browser.test_report_journey import log_in
from tests.helpers import add_user

pytestmark = pytest.mark.browser

DOCUMENT = "\n\n".join(
    [
        "一、项目概况:五家渠经济技术开发区污水处理厂扩建,新增处理规模每日五万立方米。",
        "二、主要污染物:化学需氧量、氨氮、恶臭气体。",
        "三、环境风险:事故排放时尾水进入青格达湖的可能性及应急措施。",
        "四、公众参与:征求意见稿全文可在本平台查阅。",
    ]
)
OPINION = "青格达湖是饮用水水源地,请在报告书中补充事故池容积计算和在线监测数据公开方式。"
ANSWER = "已采纳:报告书第七章补充事故池容积计算,在线监测数据将按日公开。"


def submit(page, form):
    """Send `form` with its submit control."""
    form.locator('[type="submit"]').first.click()


def test_eia_consultation_from_opening_to_the_published_answer(page, browser, live_server, app):
    """Open → comment on paragraph 3 → register → moderate → decide → period ends → statement → answer seen."""
    add_user(app, username="wjq", unit="第六师五家渠市")
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    staff_context = browser.new_context(locale="zh-CN")
    staff_context.set_default_timeout(10_000)
    staff = staff_context.new_page()
    log_in(staff, live_server, "wjq")

    # Staff draft the EIA consultation for a new project at its approval stage, then publish it.
    staff.goto(live_server + "/console/consultations/new")
    staff.locator('input[name="kind"][value="eia"]').check()
    staff.locator('input[name="title"]').fill("五家渠污水处理厂扩建项目环境影响报告书征求意见稿")
    staff.locator('textarea[name="body_text"]').fill(DOCUMENT)
    staff.locator('select[name="area"]').select_option(label="第六师五家渠市")
    staff.locator('select[name="project"]').select_option("new")
    staff.locator('input[name="name"]').fill("五家渠污水处理厂扩建项目")
    staff.locator('input[name="location"]').fill("五家渠经济技术开发区")
    staff.locator('input[name="developer"]').fill("五家渠某水务有限公司")
    staff.locator('select[name="stage"]').select_option("approval")
    staff.locator('input[name="project_location"]').fill("五家渠经济技术开发区纬六路")
    staff.locator('input[name="developer_name"]').fill("五家渠某水务有限公司")
    staff.locator('input[name="developer_contact"]').fill("0994-5800000")
    staff.locator('input[name="eia_preparer"]').fill("新疆某环境科技有限公司")
    staff.locator('textarea[name="how_to_comment"]').fill("在本平台逐段提交意见。")
    submit(staff, staff.locator("form.form").first)
    expect(staff).to_have_url(re.compile(r"/console/consultations/\d+$"))
    consultation_id = int(staff.url.rsplit("/", 1)[1])

    publish = staff.locator('form[action$="/publish"]')
    staff.locator("details.action", has=publish).locator("summary").click()
    publish.locator('input[name="opens_on"]').fill(today.isoformat())
    publish.locator('input[name="closes_on"]').fill((today + timedelta(days=30)).isoformat())
    submit(staff, publish)
    submit(
        staff, staff.locator("form.confirm")
    )  # publishing cannot be undone: the confirmation page asks first
    expect(staff.locator(".consultation-state").first).to_have_class(re.compile("state-open"))

    hearing = staff.locator('form[action$="/hearings"]')
    staff.locator("details.action", has=hearing).locator("summary").click()
    hearing.locator('input[name="starts_at"]').fill(f"{today + timedelta(days=28)}T09:30")
    hearing.locator('input[name="place"]').fill("五家渠市政务服务中心三楼会议室")
    hearing.locator('input[name="seats"]').fill("30")
    hearing.locator('input[name="registration_closes_at"]').fill(
        f"{today + timedelta(days=25)}T18:00"
    )
    submit(staff, hearing)
    expect(staff.locator("main")).to_contain_text("五家渠市政务服务中心三楼会议室")

    # A resident, on a phone, comments on paragraph 3 and registers for the hearing.
    page.goto(live_server + f"/consultations/{consultation_id}")
    expect(page.locator("#p3")).to_contain_text("青格达湖")
    page.locator("#p3 a.comment-link").click()
    form = page.locator("form.comment-form")
    expect(form.locator('select[name="paragraph"]')).to_have_value("3")
    form.locator('textarea[name="body"]').fill(OPINION)
    form.locator('input[name="author_name"]').fill("王芳")
    form.locator('input[name="phone"]').fill("13912345678")
    form.locator('input[name="publish_name"]').check()
    submit(page, form)
    expect(page).to_have_url(re.compile(rf"/consultations/{consultation_id}/comments/received$"))

    page.goto(live_server + f"/consultations/{consultation_id}")
    page.locator('a[href*="/hearings/"]').first.click()
    page.locator('input[name="name"]').fill("王芳")
    page.locator('input[name="phone"]').fill("13912345678")
    submit(page, page.locator('form[action$="/registrations"]'))
    expect(page.locator("#registration-code")).to_have_text(
        re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){4}$")
    )

    # Staff publish the comment and adopt it, with a public reason.
    staff.goto(live_server + "/console/comments")
    card = staff.locator("article.comment", has_text=OPINION)
    submit(staff, card.locator('form[action$="/publish"]'))
    staff.goto(live_server + f"/console/consultations/{consultation_id}/comments")
    card = staff.locator("article.comment", has_text=OPINION)
    card.locator("details.action", has=staff.locator('form[action$="/decide"]')).locator(
        "summary"
    ).click()
    decide = card.locator('form[action$="/decide"]')
    decide.locator('select[name="decision"]').select_option("adopted")
    decide.locator('textarea[name="reason"]').fill(ANSWER)
    submit(staff, decide)
    expect(staff.locator("article.comment", has_text=OPINION).locator(".decision")).to_contain_text(
        ANSWER
    )

    # The period ends: the scheduled `portal tick` closes it the day after its last day.
    with app.app_context():
        consultation = consultations.POLICY.get_public(consultation_id)
        after = datetime.combine(
            consultation.closes_on + timedelta(days=1),
            datetime.min.time(),
            ZoneInfo("Asia/Shanghai"),
        )
        assert consultations.close_due(after, app.config) == [consultation]
        db.session.commit()

    staff.goto(live_server + f"/console/consultations/{consultation_id}")
    statement = staff.locator('form[action$="/statement"]')
    staff.locator("details.action", has=statement).locator("summary").click()
    statement.locator('textarea[name="statement"]').fill(
        "本次意见征集共收到意见 1 条,已全部采纳,详见下表。"
    )
    submit(staff, statement)
    expect(staff.locator(".consultation-state").first).to_have_class(re.compile("state-answered"))

    # The resident sees the answer to their comment, and the statement lists it.
    page.goto(live_server + f"/consultations/{consultation_id}")
    comment = page.locator("article.comment", has_text=OPINION)
    expect(comment).to_contain_text("王芳")
    expect(comment.locator(".decision")).to_contain_text(ANSWER)
    expect(page.locator("body")).not_to_contain_text("13912345678")
    page.locator(f'a[href$="/consultations/{consultation_id}/statement"]').first.click()
    expect(page.locator("main")).to_contain_text(ANSWER)
    expect(page.locator("main")).to_contain_text("五家渠市政务服务中心三楼会议室")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the statement page is {width}px wide"
    staff_context.close()
