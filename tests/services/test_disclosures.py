"""Disclosures: seeded categories, drafts, publication with versions, revision notes, withdrawal as a tombstone,
goal observations, access across units, stale versions, the public list and the differences between versions."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.errors import Conflict, Forbidden, NotFound, ValidationFailed
from portal.extensions import db
from portal.models import (
    Disclosure,
    DisclosureCategory,
    DisclosureState,
    Goal,
    Measure,
    Observation,
    SearchOutbox,
    Task,
)
from portal.services import attachments, disclosures, pdfs
from portal.services.disclosures import Change, ObservationInput
from portal.services.units import find_unit
from tests.helpers import People
from tests.services.test_evidence import minimal_pdf

UNIT = "兵团建设局"
PEOPLE = {
    "staff": ("jsj", UNIT, "staff"),
    "colleague": ("jsj2", UNIT, "staff"),
    "stranger": ("shz", "第八师石河子市", "staff"),
    "admin": ("root", "第六师五家渠市", "site_admin"),
}
# 2026-05-20 12:00 in Beijing.
NOW = datetime(2026, 5, 20, 4, 0, tzinfo=UTC)
BODY = (
    "## 监测结果\n\n石河子市PM2.5年均浓度为每立方米38微克。\n\n- 优良天数比例82%\n- 重污染天数3天"
)


@pytest.fixture
def app_context(english_context):
    """Messages are read in English, the language they are written in."""
    return english_context


@pytest.fixture
def people(app_context):
    """Staff of 兵团建设局 (two), of another division, and a site administrator."""
    return People(PEOPLE)


def category(code):
    """The seeded category with `code`."""
    return db.session.scalar(sa.select(DisclosureCategory).where(DisclosureCategory.code == code))


def task_of(number, title):
    """The policy task of measure `number` called `title`."""
    return db.session.scalar(
        sa.select(Task).join(Measure).where(Measure.number == number, Task.title == title)
    )


def draft(
    people, code="environment_quality", title="2025年兵团环境质量状况公报", body=BODY, **values
):
    """A draft of 兵团建设局 by its staff."""
    return disclosures.create_draft(
        find_unit(UNIT),
        category(code),
        title,
        values.pop("area", 0),
        body=body,
        created_by=people["staff"],
        **values,
    )


def published(people, **values):
    """A draft published on NOW."""
    item = draft(people, **values)
    disclosures.publish(people["staff"], item, now=NOW)
    return item


def outbox():
    """The disclosure rows waiting for the search index, as (kind, key)."""
    query = (
        sa.select(SearchOutbox).where(SearchOutbox.kind == "disclosure").order_by(SearchOutbox.id)
    )
    rows = db.session.scalars(query)
    return [(row.kind, row.key) for row in rows]


def test_the_ten_categories_are_seeded_with_stable_codes(app_context):
    """portal init seeds the issue's 10 categories in order; only 统计数据 takes observations."""
    categories = disclosures.list_categories()
    assert [c.name_zh for c in categories] == [
        "环境质量",
        "排污许可",
        "环评审批",
        "行政处罚",
        "监测数据",
        "突发环境事件",
        "政策文件",
        "统计数据",
        "建议提案办理",
        "其他",
    ]
    assert [c.code for c in categories if c.takes_observations] == ["statistics"]
    assert all(c.active and c.name_en and c.code.isascii() for c in categories)


def test_seeding_again_keeps_administrators_edits(app_context):
    """A renamed, reordered or retired category stays as the administrator left it."""
    penalties = category("penalties")
    disclosures.rename_category(penalties, "行政处罚决定", "Penalty decisions")
    disclosures.move_category(penalties, -3)
    disclosures.set_category_active(category("other"), False)
    db.session.delete(category("proposals"))
    db.session.flush()
    disclosures.seed_categories()
    assert (penalties.name_zh, penalties.name_en) == ("行政处罚决定", "Penalty decisions")
    assert disclosures.list_categories()[0] is penalties
    assert category("other").active is False
    assert category("proposals").position == max(c.position for c in disclosures.list_categories())
    assert len(disclosures.list_categories()) == 10


def test_categories_are_added_renamed_and_retired(app_context):
    """A new category goes last; codes are checked and unique; names are unique; a retired one is not offered."""
    added = disclosures.create_category("water_sources", "饮用水水源", "Drinking water sources")
    assert disclosures.list_categories()[-1] is added
    with pytest.raises(ValidationFailed) as taken:
        disclosures.create_category("water_sources", "水源二", "Sources two")
    assert taken.value.field == "code"
    with pytest.raises(ValidationFailed) as bad:
        disclosures.create_category("Water Sources", "水源三", "Sources three")
    assert bad.value.field == "code"
    with pytest.raises(ValidationFailed) as same:
        disclosures.rename_category(added, "环境质量", "Something")
    assert same.value.field == "name_zh"
    disclosures.set_category_active(added, False)
    assert added not in disclosures.list_categories(active_only=True)


def test_a_draft_is_private_and_not_indexed(app_context, people):
    """A new draft: its unit sees it, another unit and the public do not; nothing goes to the search outbox."""
    item = draft(people)
    assert item.state is DisclosureState.DRAFT and item.versions == []
    assert disclosures.POLICY.get_for_unit(people["colleague"], item.id) is item
    assert disclosures.POLICY.get_for_unit(people["admin"], item.id) is item
    with pytest.raises(NotFound):
        disclosures.POLICY.get_for_unit(people["stranger"], item.id)
    with pytest.raises(NotFound):
        disclosures.POLICY.get_public(item.id)
    assert outbox() == []


@pytest.mark.parametrize(
    "values, field",
    [
        ({"title": ""}, "title"),
        ({"title": "长" * 201}, "title"),
        ({"body": "字" * 100_001}, "body"),
        ({"area": 15}, "area"),
        ({"task_ids": [99999]}, "tasks"),
        ({"published_on": date(1999, 12, 31)}, "published_on"),
    ],
)
def test_bad_draft_values_name_their_field(app_context, people, values, field):
    """Each rule is checked and reported on its field."""
    with pytest.raises(ValidationFailed) as refused:
        draft(people, **values)
    assert refused.value.field == field


def test_a_retired_category_is_not_offered_but_kept_by_existing_drafts(app_context, people):
    """New drafts cannot use a retired category; a draft that has it can still be saved."""
    item = draft(people, code="other")
    disclosures.set_category_active(category("other"), False)
    disclosures.update_draft(people["staff"], item, title="改过的标题")
    with pytest.raises(ValidationFailed) as refused:
        draft(people, code="other")
    assert refused.value.field == "category"


def test_only_the_units_staff_create_and_edit(app_context, people):
    """Another unit's staff cannot create for 兵团建设局, and cannot see its draft to edit it."""
    with pytest.raises(Forbidden):
        disclosures.create_draft(
            find_unit(UNIT), category("other"), "标题", 0, created_by=people["stranger"]
        )
    item = draft(people)
    with pytest.raises(NotFound):
        disclosures.update_draft(people["stranger"], item, title="篡改")
    with pytest.raises(Forbidden):
        disclosures.update_draft(people["admin"], item, title="管理员不代办")
    assert item.title == "2025年兵团环境质量状况公报"


def test_publishing_writes_version_one_and_defaults_the_date_to_beijing_today(app_context, people):
    """Version 1 holds the text; published_on is the Beijing date (20 May at noon there); the index is told."""
    item = draft(people, task_ids=[task_of(14, "加强大气污染防治").id])
    first = disclosures.publish(people["staff"], item, now=NOW)
    assert item.state is DisclosureState.PUBLISHED and item.first_published_at == NOW
    assert item.published_on == date(2026, 5, 20)
    assert (first.number, first.title, first.body, first.note) == (1, item.title, BODY, "")
    assert disclosures.POLICY.get_public(item.id) is item
    assert outbox() == [("disclosure", str(item.id))]
    late_evening = datetime(2026, 5, 20, 17, 0, tzinfo=UTC)  # 01:00 on 21 May in Beijing
    other = draft(people, title="夜间发布")
    disclosures.publish(people["staff"], other, now=late_evening)
    assert other.published_on == date(2026, 5, 21)


def test_publishing_keeps_a_given_past_date_and_refuses_a_future_one_or_an_empty_text(
    app_context, people
):
    """The unit's own publication date stays; a date after today or an empty text is refused on its field."""
    item = draft(people, published_on=date(2026, 3, 1))
    disclosures.publish(people["staff"], item, now=NOW)
    assert item.published_on == date(2026, 3, 1)
    future = draft(people, title="未来", published_on=date(2026, 5, 21))
    with pytest.raises(ValidationFailed) as refused:
        disclosures.publish(people["staff"], future, now=NOW)
    assert refused.value.field == "published_on" and "2026-05-20" in refused.value.message
    empty = draft(people, title="空白", body="  \n")
    with pytest.raises(ValidationFailed) as blank:
        disclosures.publish(people["staff"], empty, now=NOW)
    assert blank.value.field == "body"
    with pytest.raises(Conflict):
        disclosures.publish(people["staff"], item, now=NOW)


def test_a_published_disclosure_is_no_longer_edited_as_a_draft(app_context, people):
    """Its category, area, tasks and date are fixed: update_draft is refused."""
    item = published(people)
    with pytest.raises(Conflict):
        disclosures.update_draft(people["staff"], item, title="直接改")


def test_revising_writes_the_next_version_with_its_note(app_context, people):
    """A new text and a public note make version 2; the current title and body follow; the index is told."""
    item = published(people)
    later = NOW + timedelta(days=3)
    second = disclosures.revise(
        people["colleague"],
        item,
        "2025年兵团环境质量状况公报(更正)",
        BODY.replace("38", "36"),
        "更正石河子市PM2.5年均浓度。",
        now=later,
    )
    assert (second.number, second.note, second.published_at) == (
        2,
        "更正石河子市PM2.5年均浓度。",
        later,
    )
    assert item.title.endswith("(更正)") and "36微克" in item.body
    assert [v.number for v in item.versions] == [1, 2] and "38微克" in item.versions[0].body
    assert outbox() == [("disclosure", str(item.id))] * 2
    assert disclosures.last_changed_at(item) == later


def test_a_revision_needs_a_change_and_a_note(app_context, people):
    """An unchanged text is refused as 'nothing changed' (line endings do not count); a missing note is refused."""
    item = published(people)
    with pytest.raises(ValidationFailed) as unchanged:
        disclosures.revise(
            people["staff"], item, item.title, BODY.replace("\n", "\r\n") + "\n", "没有改动也提交。"
        )
    assert "Nothing changed" in unchanged.value.message
    with pytest.raises(ValidationFailed) as no_note:
        disclosures.revise(people["staff"], item, item.title, BODY + "\n\n补充一段。", "")
    assert no_note.value.field == "note"
    assert len(item.versions) == 1


def test_a_draft_cannot_be_revised_or_withdrawn(app_context, people):
    """Revision and withdrawal are for published disclosures."""
    item = draft(people)
    with pytest.raises(Conflict):
        disclosures.revise(people["staff"], item, "新", "新正文", "说明改动。")
    with pytest.raises(Conflict):
        disclosures.withdraw(people["staff"], item, "撤回的理由。")


def test_withdrawal_needs_a_reason_and_keeps_a_public_tombstone(app_context, people):
    """The reason is public and required; the page and its versions stay; the index is told; nothing more happens."""
    item = published(people)
    disclosures.revise(
        people["staff"], item, item.title, BODY + "\n\n补充。", "补充说明。", now=NOW
    )
    with pytest.raises(ValidationFailed) as no_reason:
        disclosures.withdraw(people["staff"], item, " ")
    assert no_reason.value.field == "reason"
    later = NOW + timedelta(days=10)
    disclosures.withdraw(people["staff"], item, "数据口径有误,将重新发布。", now=later)
    assert item.state is DisclosureState.WITHDRAWN and item.withdrawn_at == later
    assert disclosures.POLICY.get_public(item.id) is item and len(item.versions) == 2
    assert disclosures.version(item, 1).body == BODY
    assert outbox()[-1] == ("disclosure", str(item.id)) and len(outbox()) == 3
    assert disclosures.last_changed_at(item) == later
    with pytest.raises(Conflict):
        disclosures.withdraw(people["staff"], item, "再撤回一次。")
    with pytest.raises(Conflict):
        disclosures.revise(people["staff"], item, "新", "新正文", "说明改动。")


def test_another_unit_cannot_act_and_a_site_admin_only_reads(app_context, people):
    """On a published disclosure, another division's staff and the site administrator are refused."""
    item = published(people)
    with pytest.raises(NotFound):
        disclosures.revise(people["stranger"], item, "篡改", "篡改", "篡改的说明。")
    with pytest.raises(Forbidden):
        disclosures.withdraw(people["admin"], item, "管理员撤回。")
    with pytest.raises(NotFound):
        disclosures.POLICY.get_for_unit(people["stranger"], item.id)
    assert item.state is DisclosureState.PUBLISHED


def test_a_stale_version_is_refused(app_context, people):
    """Acting with the version seen before someone else's change is a Conflict."""
    item = draft(people)
    seen = item.version
    disclosures.update_draft(people["colleague"], item, version=seen, title="同事先改了")
    db.session.flush()
    assert item.version == seen + 1
    with pytest.raises(Conflict) as stale:
        disclosures.publish(people["staff"], item, now=NOW, version=seen)
    assert "changed by someone else" in stale.value.message
    disclosures.publish(people["staff"], item, now=NOW, version=item.version)


def goal(name):
    """The goal called `name`."""
    return db.session.scalar(sa.select(Goal).where(Goal.name == name))


def test_observations_replace_all_and_blank_rows_are_ignored(app_context, people):
    """Rows become observations; saving again replaces them; values keep their decimals."""
    item = draft(people, code="statistics", title="兵团生态环境统计数据(2016—2020年)")
    air, forest = goal("主要城市空气质量优良天数比例"), goal("森林覆盖率")
    rows = [
        ObservationInput(air.id, "2019", "78.5", "兵团统计年鉴2020"),
        ObservationInput(),
        ObservationInput(forest.id, "２０２０", "１９.８", "兵团林业统计"),
    ]
    disclosures.replace_observations(people["staff"], item, rows)
    assert [(o.goal.name, o.year, o.value) for o in disclosures.observation_table(item)] == [
        ("主要城市空气质量优良天数比例", 2019, Decimal("78.5")),
        ("森林覆盖率", 2020, Decimal("19.8")),
    ]
    disclosures.replace_observations(
        people["staff"], item, [ObservationInput(air.id, 2020, "81.2", "公报")]
    )
    db.session.flush()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Observation)) == 1


@pytest.mark.parametrize(
    "row, expected",
    [
        (("", "2020", "1", "来源"), "Row 2: choose one of the goal indicators as the indicator"),
        (("AIR", "1999", "1", "来源"), "Row 2: the year must be"),
        (("AIR", "二〇二〇", "1", "来源"), "Row 2: the year must be"),
        (("AIR", "2020", "很多", "来源"), "Row 2: the value must be"),
        (("AIR", "2020", "1.23456", "来源"), "Row 2: the value must be"),
        (("AIR", "2020", "NaN", "来源"), "Row 2: the value must be"),
        (("AIR", "2020", "1e13", "来源"), "Row 2: the value must be"),
        (("AIR", "2020", "80", ""), "Row 2: the source must say"),
        (
            ("AIR", "2019", "80", "来源"),
            "Row 2: 主要城市空气质量优良天数比例 2019 is given twice (also in row 1)",
        ),
    ],
)
def test_bad_observations_name_the_row_and_field(app_context, people, row, expected):
    """The first bad row is named with its field; nothing is saved."""
    item = draft(people, code="statistics")
    air = goal("主要城市空气质量优良天数比例").id
    rows = [
        ObservationInput(air, 2019, "78", "公报"),
        ObservationInput(*[air if value == "AIR" else value for value in row]),
    ]
    with pytest.raises(ValidationFailed) as refused:
        disclosures.replace_observations(people["staff"], item, rows)
    assert refused.value.field == "observations" and expected in refused.value.message
    assert item.observations == []


def test_observations_only_for_statistics_drafts(app_context, people):
    """Another category takes none; once published the figures are fixed (withdraw and publish anew)."""
    air = goal("主要城市空气质量优良天数比例").id
    row = [ObservationInput(air, 2020, "80", "公报")]
    with pytest.raises(Conflict):
        disclosures.replace_observations(people["staff"], draft(people), row)
    item = draft(people, code="statistics")
    disclosures.replace_observations(people["staff"], item, row)
    with pytest.raises(ValidationFailed) as category_change:
        disclosures.update_draft(people["staff"], item, category=category("other"))
    assert category_change.value.field == "category"
    disclosures.publish(people["staff"], item, now=NOW)
    with pytest.raises(Conflict):
        disclosures.replace_observations(people["staff"], item, [])
    assert len(item.observations) == 1


def test_attachments_follow_the_consultation_rules(app_context, people):
    """Added to a draft and to a published disclosure (the index is told then), removed only from a draft,
    stored in their own folder, downloaded publicly only once published."""
    config = app_context.config
    item = draft(people)
    first = attachments.add_attachment(people["staff"], item, "监测报告.pdf", minimal_pdf(), config)
    assert first.path.startswith("disclosure-attachments/")
    assert (Path(config["FILES_DIR"]) / first.path).read_bytes() == pdfs.clean(
        "监测报告.pdf", minimal_pdf()
    )
    with pytest.raises(NotFound):
        attachments.public_download(
            item.id, first.id, config["FILES_DIR"], attachments.Owner.DISCLOSURE
        )
    with pytest.raises(NotFound):
        attachments.add_attachment(people["stranger"], item, "x.pdf", minimal_pdf(), config)
    disclosures.publish(people["staff"], item, now=NOW)
    second = attachments.add_attachment(
        people["staff"], item, "更正附件.pdf", minimal_pdf(b"BT (2) Tj ET"), config
    )
    assert outbox().count(("disclosure", str(item.id))) == 2
    with pytest.raises(Conflict) as kept:
        attachments.remove_attachment(people["staff"], second, config)
    assert "part of the public record" in kept.value.message
    path, name, content_type = attachments.public_download(
        item.id, first.id, config["FILES_DIR"], attachments.Owner.DISCLOSURE
    )
    assert name == f"disclosure-{item.id}-file-{first.id}.pdf" and content_type == "application/pdf"
    assert (
        attachments.get_for_unit(people["staff"], item.id, second.id, attachments.Owner.DISCLOSURE)
        is second
    )
    disclosures.withdraw(people["staff"], item, "撤回的理由。")
    with pytest.raises(Conflict):
        attachments.add_attachment(people["staff"], item, "late.pdf", minimal_pdf(), config)


def test_removing_a_file_of_a_draft(app_context, people):
    """The row and the stored file go."""
    item = draft(people)
    added = attachments.add_attachment(
        people["staff"], item, "a.pdf", minimal_pdf(), app_context.config
    )
    path = Path(app_context.config["FILES_DIR"]) / added.path
    attachments.remove_attachment(people["staff"], added, app_context.config)
    assert item.attachments == [] and not path.exists()


def test_the_public_list_filters_and_orders_by_publication_date(app_context, people):
    """Drafts never appear; withdrawn ones do; filters by category, unit, area, year and measure; newest first."""
    air_task = task_of(14, "加强大气污染防治")
    old = published(people, title="2024年报", published_on=date(2024, 6, 1), task_ids=[air_task.id])
    new = published(
        people, code="penalties", title="处罚决定", area=8, published_on=date(2025, 2, 1)
    )
    gone = published(people, title="撤回的", published_on=date(2025, 1, 1))
    disclosures.withdraw(people["staff"], gone, "撤回的理由。")
    draft(people, title="草稿")

    def titles(**filters):
        page = disclosures.list_public(filters)
        assert page.total == len(page.items)
        return [d.title for d in page.items]

    assert titles() == ["处罚决定", "撤回的", "2024年报"]
    assert titles(category="penalties") == ["处罚决定"]
    assert titles(area="8") == ["处罚决定"]
    assert titles(year="2024") == ["2024年报"]
    assert titles(measure="14") == ["2024年报"]
    assert titles(unit=str(find_unit(UNIT).id), year="2025") == ["处罚决定", "撤回的"]
    assert titles(unit=str(find_unit("第八师石河子市").id)) == []
    assert disclosures.public_years() == [2025, 2024]
    assert disclosures.version_counts([old, new]) == {old.id: 1, new.id: 1}
    page = disclosures.list_public({}, page=2, per_page=2)
    assert ([d.title for d in page.items], page.total, page.page, page.per_page) == (
        ["2024年报"],
        3,
        2,
        2,
    )


@pytest.mark.parametrize(
    "filters, paging, name",
    [
        ({"category": "nothing"}, {}, "category"),
        ({"unit": "abc"}, {}, "unit"),
        ({"area": "15"}, {}, "area"),
        ({"year": "1999"}, {}, "year"),
        ({"measure": "36"}, {}, "measure"),
        ({}, {"page": "0"}, "page"),
        ({}, {"per_page": "101"}, "per_page"),
    ],
)
def test_bad_filters_are_refused_naming_the_parameter(app_context, filters, paging, name):
    """Every bad filter or page value is a ValidationFailed on its name."""
    with pytest.raises(ValidationFailed) as refused:
        disclosures.list_public(filters, **paging)
    assert refused.value.field == name


def test_versions_by_number(app_context, people):
    """version(n) returns that text; an unknown number is NotFound."""
    item = published(people)
    assert disclosures.version(item, "1").title == item.title
    with pytest.raises(NotFound):
        disclosures.version(item, 2)


def changes(paragraph, kind):
    """The texts of a paragraph's pieces of one kind (Change.REMOVED or Change.ADDED)."""
    return [p.text for p in paragraph.pieces if p.change is kind]


def test_the_diff_compares_the_text_as_it_reads_word_by_word(app_context, people):
    """Paragraphs are the rendered text (no Markdown syntax); a number changes as a whole word, Chinese by
    character; removed and added paragraphs are whole."""
    item = published(people)
    new_body = (
        BODY.replace("38", "36")
        .replace("- 重污染天数3天", "- 重污染天数2天\n- 沙尘天数5天")
        .replace("## 监测结果\n\n", "")
    )
    disclosures.revise(
        people["staff"], item, "2025年兵团环境质量公报", new_body, "更正数据并补充沙尘天数。"
    )
    result = disclosures.diff(item, "1", "2")
    assert result.changed
    assert result.title.change is Change.CHANGED and changes(result.title, Change.REMOVED) == [
        "状况"
    ]
    paragraphs = result.paragraphs
    assert [p.old_text for p in paragraphs if p.change is Change.REMOVED] == ["监测结果"]
    pm = next(p for p in paragraphs if p.change is Change.CHANGED and "PM2.5" in p.old_text)
    assert changes(pm, Change.REMOVED) == ["38"] and changes(pm, Change.ADDED) == ["36"]
    assert pm.new_text == "石河子市PM2.5年均浓度为每立方米36微克。"
    days = next(p for p in paragraphs if p.change is Change.CHANGED and "重污染" in p.old_text)
    assert (days.old_text, days.new_text) == ("• 重污染天数3天", "• 重污染天数2天")
    assert changes(days, Change.REMOVED) == ["3"] and changes(days, Change.ADDED) == ["2"]
    assert [p.new_text for p in paragraphs if p.change is Change.ADDED] == ["• 沙尘天数5天"]
    assert not any("##" in p.old_text or "- " in p.old_text for p in paragraphs)
    assert result.counts == {Change.REMOVED: 1, Change.CHANGED: 2, Change.ADDED: 1}
    assert not disclosures.diff(item, 2, 2).changed


def test_a_formatting_only_change_is_no_change_in_the_text(app_context, people):
    """Bold and a different bullet read the same: every paragraph is unchanged."""
    item = published(people)
    restyled = BODY.replace("PM2.5", "**PM2.5**").replace("- ", "* ")
    disclosures.revise(people["staff"], item, item.title, restyled, "调整格式。")
    result = disclosures.diff(item, 1, 2)
    assert not result.changed and result.counts == {}
    assert [p.new_text for p in result.paragraphs][1:] == [
        "石河子市PM2.5年均浓度为每立方米38微克。",
        "• 优良天数比例82%",
        "• 重污染天数3天",
    ]


@pytest.mark.parametrize(
    ("old", "new", "removed", "added"),
    [
        ("PM2.5年均浓度79.1微克", "PM2.5年均浓度79.4微克", ["79.1"], ["79.4"]),
        (
            "The rate rose to 82.5% in 2024.",
            "The rate fell to 82.5% in 2025.",
            ["rose", "2024"],
            ["fell", "2025"],
        ),
        ("优良天数比例", "优良天数比率", ["例"], ["率"]),
        ("执行GB13223-2011标准", "执行GB13223-2021标准", ["2011"], ["2021"]),
    ],
)
def test_words_are_latin_runs_and_numbers_whole_and_chinese_characters_alone(
    old, new, removed, added
):
    """79.1 → 79.4 is one word replaced, not one digit; a Chinese character is a word of its own."""
    paragraph = disclosures._paragraph_pair(old, new, 1, 1)
    assert (
        changes(paragraph, Change.REMOVED) == removed and changes(paragraph, Change.ADDED) == added
    )
    assert paragraph.old_text == old and paragraph.new_text == new


def test_long_unchanged_runs_are_folded_keeping_one_paragraph_beside_each_change(
    app_context, people
):
    """40 paragraphs, two changed: the unchanged runs are folded, with the paragraph next to each change kept."""
    body = "\n\n".join(f"第{n}段。" for n in range(1, 41))
    item = published(people, body=body)
    disclosures.revise(
        people["staff"],
        item,
        item.title,
        body.replace("第5段。", "第五段。").replace("第30段。", "第三十段。"),
        "改写两段的数字。",
    )
    outline = disclosures.diff(item, 1, 2).outline
    shape = [
        ("fold", [p.old_number for p in part.paragraphs])
        if isinstance(part, disclosures.Unchanged)
        else (part.change.value, part.old_number)
        for part in outline
    ]
    assert shape == [
        ("fold", [1, 2, 3]),
        ("same", 4),
        ("changed", 5),
        ("same", 6),
        ("fold", list(range(7, 29))),
        ("same", 29),
        ("changed", 30),
        ("same", 31),
        ("fold", list(range(32, 41))),
    ]


def test_short_unchanged_runs_are_shown_whole(app_context, people):
    """Two unchanged paragraphs between changes are not worth a fold: they are shown."""
    body = "\n\n".join(f"第{n}段。" for n in range(1, 6))
    item = published(people, body=body)
    disclosures.revise(
        people["staff"],
        item,
        item.title,
        body.replace("第1段。", "第一段。").replace("第4段。", "第四段。"),
        "改写两段。",
    )
    outline = disclosures.diff(item, 1, 2).outline
    assert not any(isinstance(part, disclosures.Unchanged) for part in outline)
    assert [p.change.value for p in outline] == ["changed", "same", "same", "changed", "same"]


@pytest.mark.parametrize(
    "older, newer, field",
    [("0", "1", "from"), ("1", "3", "to"), ("x", "1", "from"), ("1", "", "to")],
)
def test_bad_version_numbers_are_refused_naming_the_parameter(
    app_context, people, older, newer, field
):
    """from/to outside 1..n, or not numbers, are ValidationFailed (400) naming the parameter."""
    item = published(people)
    disclosures.revise(people["staff"], item, item.title, BODY + "\n\n补。", "补充一句话。")
    with pytest.raises(ValidationFailed) as refused:
        disclosures.diff(item, older, newer)
    assert refused.value.field == field and "from 1 to 2" in refused.value.message


def test_the_search_outbox_is_written_in_the_transaction_of_the_change(app_context, people):
    """The outbox row and the change commit together: a rollback leaves neither."""
    item = draft(people)
    db.session.commit()
    disclosures.publish(people["staff"], item, now=NOW)
    db.session.rollback()
    assert db.session.get(Disclosure, item.id).state is DisclosureState.DRAFT
    assert outbox() == []
