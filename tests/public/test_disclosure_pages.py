"""Public disclosure pages: the list with its filters, a disclosure with its text, tasks, files, observations and
versions, the tombstone of a withdrawn one, a version, the changes between versions, drafts that do not exist,
and valid, accessible HTML."""

import re
from datetime import date

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import DisclosureAttachment, DisclosureCategory, Goal, Measure, Task, User
from portal.services import attachments, disclosures, pdfs
from portal.services.accounts import create_user
from portal.services.units import find_unit
from tests.helpers import PASSWORD
from tests.public.test_html_validity import assert_valid_html
from tests.services.test_evidence import minimal_pdf

UNIT = "兵团建设局"
BODY = (
    "## 监测结果\n\n石河子市PM2.5年均浓度为每立方米38微克。\n\n- 优良天数比例82%\n- 重污染天数3天"
)
PAYLOAD = '<script>alert("x")</script> [点我](javascript:alert(1)) <img src=x onerror=alert(1)>'


def build(
    app,
    title,
    code="environment_quality",
    body=BODY,
    publish=True,
    area=0,
    tasks=(),
    published_on=None,
    revise=None,
    withdraw=None,
    observations=(),
    files=(),
):
    """A disclosure of 兵团建设局 built through the services; returns its id."""
    with app.app_context():
        staff = staff_member()
        category = db.session.scalar(
            sa.select(DisclosureCategory).where(DisclosureCategory.code == code)
        )
        task_ids = [
            db.session.scalar(
                sa.select(Task.id)
                .join(Measure)
                .where(Measure.number == number, Task.title == title_)
            )
            for number, title_ in tasks
        ]
        item = disclosures.create_draft(
            find_unit(UNIT),
            category,
            title,
            area,
            body=body,
            task_ids=task_ids,
            published_on=published_on,
            created_by=staff,
        )
        for name, data in files:
            attachments.add_attachment(staff, item, name, data, app.config)
        if observations:
            goals = {i.name: i.id for i in db.session.scalars(sa.select(Goal))}
            disclosures.replace_observations(
                staff,
                item,
                [
                    disclosures.ObservationInput(goals[name], year, value, "兵团统计年鉴")
                    for name, year, value in observations
                ],
            )
        if publish:
            disclosures.publish(staff, item)
        if revise:
            disclosures.revise(staff, item, revise[0], revise[1], revise[2])
        if withdraw:
            disclosures.withdraw(staff, item, withdraw)
        db.session.commit()
        return item.id


def staff_member():
    """The staff account of 兵团建设局 that publishes the test disclosures (made on first use)."""
    existing = db.session.scalar(sa.select(User).where(User.username == "jsj"))
    return existing or create_user("jsj", UNIT, "staff", PASSWORD)


@pytest.fixture
def client(app):
    """A visitor reading in English."""
    visitor = app.test_client()
    visitor.get("/language/en")
    return visitor


def text(page):
    """The page's text, tags removed and whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_the_navigation_links_to_disclosures(client):
    """Every page's main navigation has Disclosures."""
    assert '<a href="/disclosures">Disclosures</a>' in client.get("/").get_data(as_text=True)


def test_an_empty_list_says_so(client):
    """Before anything is published the list says so; with filters that match nothing it offers to clear them."""
    assert "No disclosure has been published yet." in client.get("/disclosures").get_data(
        as_text=True
    )
    page = client.get("/disclosures?category=penalties").get_data(as_text=True)
    assert "No disclosure matches these filters." in page and 'href="/disclosures"' in page


def test_the_list_shows_public_disclosures_newest_first_with_their_facts(app, client):
    """Drafts never appear; withdrawn ones carry a badge; each item shows category, unit, area, date, versions."""
    build(app, "2024年公报", published_on=date(2024, 6, 1))
    build(
        app,
        "更正过的公报",
        published_on=date(2025, 3, 1),
        revise=("更正过的公报", BODY + "\n\n补充。", "补充一段。"),
    )
    build(
        app,
        "撤回的公示",
        code="discharge_permits",
        area=8,
        published_on=date(2025, 1, 1),
        withdraw="名单有误。",
    )
    build(app, "草稿不公开", publish=False)
    page = client.get("/disclosures").get_data(as_text=True)
    titles = re.findall(r'<h2><a href="/disclosures/\d+">([^<]+)</a>', page)
    assert titles == ["更正过的公报", "撤回的公示", "2024年公报"]
    assert "草稿不公开" not in page and "3 disclosures" in page
    item = text(page.split("撤回的公示", 1)[1].split("</li>", 1)[0])
    assert "Withdrawn" in item and "Pollutant discharge permits" in item and "兵团建设局" in item
    assert "第八师石河子市" in item and "2025-01-01" in item and "1 version" in item
    assert "2 versions" in text(page.split("更正过的公报", 1)[1].split("</li>", 1)[0])


def test_the_list_filters_by_category_unit_area_year_and_measure(app, client):
    """Each filter narrows the list; the chosen values stay selected; a bad value is a 400 naming the filter."""
    build(app, "大气", tasks=[(14, "加强大气污染防治")], published_on=date(2025, 5, 1))
    build(app, "处罚", code="penalties", area=8, published_on=date(2024, 5, 1))
    for query, expected in (
        ("category=penalties", ["处罚"]),
        ("area=8", ["处罚"]),
        ("year=2025", ["大气"]),
        ("measure=14", ["大气"]),
        (f"unit={_unit_id(app, UNIT)}", ["大气", "处罚"]),
    ):
        page = client.get(f"/disclosures?{query}").get_data(as_text=True)
        assert re.findall(r'<h2><a href="/disclosures/\d+">([^<]+)</a>', page) == expected, query
    assert '<option value="penalties" selected>' in client.get(
        "/disclosures?category=penalties"
    ).get_data(as_text=True)
    response = client.get("/disclosures?year=abc")
    assert response.status_code == 400 and "year" in response.get_data(as_text=True)


def _unit_id(app, name):
    with app.app_context():
        return find_unit(name).id


def test_the_list_pages(app, client):
    """More than a page of disclosures gives a pager; page 2 has the rest."""
    for n in range(app.config["PER_PAGE"] + 1):
        build(app, f"公报{n:02d}", published_on=date(2025, 1, 1 + n % 28))
    first = client.get("/disclosures").get_data(as_text=True)
    assert 'rel="next"' in first
    second = client.get("/disclosures?page=2").get_data(as_text=True)
    assert len(re.findall(r'<h2><a href="/disclosures/\d+">', second)) == 1


def test_a_disclosure_page_shows_its_text_facts_tasks_files_and_versions(app, client):
    """The Markdown is rendered; category, unit, area, date; tasks link to their measure; files download."""
    disclosure_id = build(
        app,
        "2025年兵团环境质量状况公报",
        tasks=[(14, "加强大气污染防治")],
        published_on=date(2026, 3, 1),
        files=[("监测报告.pdf", minimal_pdf())],
    )
    page = client.get(f"/disclosures/{disclosure_id}").get_data(as_text=True)
    assert "<h3>监测结果</h3>" in page and "<li>优良天数比例82%</li>" in page
    facts = text(page)
    assert "Environmental quality" in facts and "兵团建设局" in facts and "2026-03-01" in facts
    with app.app_context():
        task_id = db.session.scalar(sa.select(Task.id).where(Task.title == "加强大气污染防治"))
        file_id = db.session.scalar(sa.select(DisclosureAttachment.id))
    assert f'href="/measures/14#task-{task_id}">(十四) 加强大气污染防治</a>' in page
    assert f'href="/disclosures/{disclosure_id}/versions/1">Version 1</a>' in page
    download = client.get(f"/disclosures/{disclosure_id}/attachments/{file_id}")
    with app.app_context():
        published = pdfs.clean("监测报告.pdf", minimal_pdf())  # what was stored: the cleaned copy
    assert download.status_code == 200 and download.data == published
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert (
        f"filename=disclosure-{disclosure_id}-file-{file_id}.pdf"
        in download.headers["Content-Disposition"]
    )


def test_statistics_show_their_observations_with_the_targets(app, client):
    """One table per goal (its target in the caption) lists years and values with the unit; a source shared
    by every row is said once."""
    disclosure_id = build(
        app,
        "兵团生态环境统计",
        code="statistics",
        observations=[
            ("主要城市空气质量优良天数比例", 2020, "76.80"),
            ("森林覆盖率", 2019, "18.6"),
            ("主要城市空气质量优良天数比例", 2019, "75.2"),
        ],
    )
    page = text(client.get(f"/disclosures/{disclosure_id}").get_data(as_text=True))
    assert "Source: 兵团统计年鉴" in page and page.count("兵团统计年鉴") == 1
    assert (
        "主要城市空气质量优良天数比例 · target ≥ 80% by 2020 Year Value 2019 75.2% 2020 76.8%"
        in page
    )
    assert "森林覆盖率 · target ≥ 20% by 2020 Year Value 2019 18.6%" in page


def test_a_markdown_payload_is_inert_on_the_public_page(app, client):
    """Typed HTML shows as text; a javascript: link is not a link."""
    disclosure_id = build(app, "注入测试", body=PAYLOAD)
    page = client.get(f"/disclosures/{disclosure_id}").get_data(as_text=True)
    body = page.split('class="disclosure-body">', 1)[1].split("</div>", 1)[0]
    assert "<script" not in body and "<img" not in body and "href=" not in body
    assert "&lt;script&gt;" in body


def test_drafts_do_not_exist_for_the_public(app, client):
    """A draft's page, version, diff and file are 404, like an unknown number."""
    disclosure_id = build(app, "草稿", publish=False, files=[("a.pdf", minimal_pdf())])
    for path in ("", "/versions/1", "/diff", "/attachments/1"):
        assert client.get(f"/disclosures/{disclosure_id}{path}").status_code == 404, path
    assert client.get("/disclosures/99999").status_code == 404


def test_a_withdrawn_disclosure_is_a_tombstone_with_its_history(app, client):
    """The reason is shown first; the withdrawn text is not on the page, but each version stays readable."""
    disclosure_id = build(
        app, "撤回的公示", body="原文内容。", withdraw="名单中两家企业的许可类型有误。"
    )
    page = client.get(f"/disclosures/{disclosure_id}").get_data(as_text=True)
    assert "This disclosure was withdrawn on" in page and "名单中两家企业的许可类型有误。" in page
    assert page.index("withdrawn-title") < page.index("Versions")
    assert "原文内容。" not in page
    version = client.get(f"/disclosures/{disclosure_id}/versions/1").get_data(as_text=True)
    assert "原文内容。" in version and "名单中两家企业的许可类型有误。" in version


def test_an_earlier_version_says_so_and_links_to_the_current_one(app, client):
    """Version 1 shows its own text, says it is earlier, links to the current page; unknown versions are 404."""
    disclosure_id = build(
        app, "公报", revise=("公报(更正)", BODY.replace("38", "36"), "更正PM2.5浓度。")
    )
    page = client.get(f"/disclosures/{disclosure_id}/versions/1").get_data(as_text=True)
    assert (
        "每立方米38微克" in page
        and "This is an earlier version." in page
        and "Version 1 of 2" in page
    )
    latest = client.get(f"/disclosures/{disclosure_id}/versions/2").get_data(as_text=True)
    assert (
        "每立方米36微克" in latest
        and "更正PM2.5浓度。" in latest
        and "This is an earlier version." not in latest
    )
    assert client.get(f"/disclosures/{disclosure_id}/versions/3").status_code == 404
    current = client.get(f"/disclosures/{disclosure_id}").get_data(as_text=True)
    assert "每立方米36微克" in current and "公报(更正)" in current
    assert f"/disclosures/{disclosure_id}/diff?from=1&amp;to=2" in current


def test_the_diff_page_marks_changes_in_words_and_colours(app, client):
    """The rendered text is compared (no Markdown syntax shows); the changed number is one <del> and one <ins>,
    each announced in words; every changed paragraph says what happened to it; the unit's note is shown."""
    new_body = BODY.replace("38", "36").replace("- 重污染天数3天", "- 重污染天数3天\n- 沙尘天数5天")
    disclosure_id = build(app, "公报", revise=("公报(更正)", new_body, "更正浓度并补充沙尘天数。"))
    response = client.get(f"/disclosures/{disclosure_id}/diff")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Changes from version 1 to version 2" in page and "更正浓度并补充沙尘天数。" in page
    removed, added = (
        '<span class="visually-hidden">Removed:</span>',
        '<span class="visually-hidden">Added:</span>',
    )
    assert f"每立方米<del>{removed}38</del><ins>{added}36</ins>微克" in page
    assert "Paragraph 2: changed" in page and "Paragraphs changed: 1, removed: 0, added: 1." in page
    assert re.search(
        rf'Paragraph 5: added</p>\s*<p class="diff-text" lang="zh-Hans">'
        rf"<ins>{re.escape(added)}• 沙尘天数5天</ins>",
        page,
    )
    assert f"公报<ins>{added}(更正)</ins>" in page
    text_part = page.split('id="text-changes"', 1)[1]
    assert "##" not in text_part and "- 沙尘" not in text_part and "监测结果" in text_part


def test_the_diff_page_folds_long_unchanged_runs(app, client):
    """Thirty paragraphs, one changed: the paragraphs beside it are shown, the others folded in closed <details>
    that say how many they hold."""
    body = "\n\n".join(f"第{n}段文字。" for n in range(1, 31))
    disclosure_id = build(
        app,
        "长文",
        body=body,
        revise=("长文", body.replace("第15段文字。", "第十五段文字。"), "改一段。"),
    )
    page = client.get(f"/disclosures/{disclosure_id}/diff").get_data(as_text=True)
    folds = re.findall(
        r"<details>\s*<summary>(\d+) unchanged paragraphs \((\d+)–(\d+)\)</summary>", page
    )
    assert folds == [("13", "1", "13"), ("14", "17", "30")]
    assert (
        "Paragraph 15: changed" in page
        and "Paragraph 14: unchanged" in page
        and "Paragraph 16: unchanged" in page
    )
    assert (
        "<details open" not in page and page.count("Paragraph 3: unchanged") == 1
    )  # inside the fold


def test_a_formatting_only_revision_says_the_text_reads_the_same(app, client):
    """A revision that only makes a word bold reads the same: the page says so instead of listing no change."""
    disclosure_id = build(
        app, "公报", revise=("公报", BODY.replace("PM2.5", "**PM2.5**"), "加粗。")
    )
    page = client.get(f"/disclosures/{disclosure_id}/diff").get_data(as_text=True)
    assert (
        "only its formatting changed" in page
        and "<del>" not in page.split('id="text-changes"', 1)[1]
    )


def test_the_diff_escapes_what_it_shows(app, client):
    """Markup typed in the text is shown as characters in the diff, never as markup."""
    disclosure_id = build(
        app, "公报", body="第一行", revise=("公报", "第一行<script>alert(1)</script>", "加一段。")
    )
    page = client.get(f"/disclosures/{disclosure_id}/diff?from=1&to=2").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("query", ["from=0&to=2", "from=1&to=9", "from=x&to=2", "from=1&to="])
def test_bad_version_numbers_are_a_400_with_a_message(app, client, query):
    """A version number that does not exist, or is not a number, answers 400 saying which versions there are."""
    disclosure_id = build(app, "公报", revise=("公报", BODY + "\n\n补。", "补充。"))
    response = client.get(f"/disclosures/{disclosure_id}/diff?{query}")
    assert response.status_code == 400
    assert "must be a version number from 1 to 2" in response.get_data(as_text=True)


def public_pages(app):
    """{slug: path} of every public disclosure page, built from a published, a revised, a withdrawn and a
    statistics disclosure."""
    published = build(
        app,
        "公报",
        tasks=[(14, "加强大气污染防治")],
        files=[("a.pdf", minimal_pdf())],
        body=BODY
        + "\n\n| 城市 | 优良天数比例 | PM2.5 | PM10 | 重污染天数 | 沙尘天数 |\n|---|---|---|---|---|---|\n"
        "| 石河子市 | 82% | 38 | 71 | 3 | 5 |",
    )
    revised = build(
        app, "更正过的公报", revise=("更正过的公报(更正)", BODY.replace("38", "36"), "更正。")
    )
    withdrawn = build(app, "撤回的公示", withdraw="名单有误。")
    stats = build(
        app,
        "统计",
        code="statistics",
        observations=[("主要城市空气质量优良天数比例", 2020, "76.8")],
    )
    return {
        "index": "/disclosures",
        "index-filtered": "/disclosures?category=statistics",
        "index-empty": "/disclosures?category=penalties",
        "published": f"/disclosures/{published}",
        "revised": f"/disclosures/{revised}",
        "withdrawn": f"/disclosures/{withdrawn}",
        "statistics": f"/disclosures/{stats}",
        "version": f"/disclosures/{revised}/versions/1",
        "version-withdrawn": f"/disclosures/{withdrawn}/versions/1",
        "diff": f"/disclosures/{revised}/diff",
    }


def test_public_pages_are_valid_html(app, tmp_path):
    """The Nu Html Checker finds no error on any disclosure page, in Chinese and in English; ids are unique."""
    paths = public_pages(app)
    pages = {}
    for language in ("zh", "en"):
        visitor = app.test_client()
        if language == "en":
            visitor.get("/language/en")
        for slug, path in paths.items():
            response = visitor.get(path)
            assert response.status_code == 200, (path, response.status_code)
            pages[f"{language}-{slug}"] = response.get_data(as_text=True)
    assert_valid_html(pages, tmp_path)


@pytest.mark.browser
@pytest.mark.parametrize("language", ["zh", "en"])
def test_public_pages_pass_axe_on_a_phone_and_do_not_scroll_sideways(
    app, live_server, page, language
):
    """axe-core finds no WCAG 2.1 A/AA violation at 360 px; a wide table scrolls inside its own region."""
    from tests.browser.test_accessibility import axe_violations, open_in
    from tests.browser.test_accessibility import describe as describe_violation

    found = []
    for path in public_pages(app).values():
        open_in(page, live_server, language, path)
        found += [f"{path}: {describe_violation(v)}" for v in axe_violations(page)]
        if page.evaluate("document.documentElement.scrollWidth") > 360:
            found.append(f"{path}: wider than the phone")
    assert not found, "\n".join(found)
