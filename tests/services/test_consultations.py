"""Consultations: drafting and paragraphs, the EIA notice and period rules, states, access, the participation statement."""

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import current_app

from portal.errors import Conflict, Forbidden, NotFound, ValidationFailed
from portal.extensions import db
from portal.models import (
    CommentDecision,
    ConsultationKind,
    ConsultationState,
    Hearing,
    ProjectStage,
)
from portal.services import clocks, comments, consultations, participation
from portal.services.units import find_unit
from tests.helpers import People

BJ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 9, 21, 10, 0, tzinfo=BJ)  # a Monday, a week before the periods below start
UNIT = "第六师五家渠市"
DOCUMENT = "第一段：项目概况。\n\n第二段：主要污染物\n及治理措施。\n\n\n\n第三段：环境风险。"


@pytest.fixture
def app_context(english_context):
    """This module reads the services' messages in English, the language they are written in."""
    return english_context


PEOPLE = {
    "staff": ("wjq", UNIT, "staff"),
    "admin": ("wjq-admin", UNIT, "unit_admin"),
    "stranger": ("shz", "第八师石河子市", "staff"),
    "site": ("root", "兵团审计局", "site_admin"),
}


@pytest.fixture
def people(app_context):
    """The responsible unit's staff and unit admin, staff of another division, a site administrator."""
    return People(PEOPLE)


def project(**fields):
    """A construction project in 第六师五家渠市."""
    values = {
        "name": "五家渠市某化工园区污水处理厂扩建项目",
        "area": 6,
        "location": "五家渠市经济技术开发区",
        "developer": "五家渠某水务有限公司",
        **fields,
    }
    return consultations.create_project(find_unit(UNIT), **values)


def eia_draft(with_project=True, **fields):
    """A complete EIA draft (every notice item present except the dates)."""
    values = {
        "kind": ConsultationKind.EIA,
        "title": "污水处理厂扩建项目环境影响报告书征求意见稿",
        "body_text": DOCUMENT,
        "area": 6,
        "developer_contact": "0994-5800000",
        "eia_preparer": "新疆某环境科技有限公司",
        "how_to_comment": "在本平台逐段提交意见，或发送电子邮件至 hp@example.org。",
        **fields,
    }
    if with_project and "project" not in fields:
        values["project"], values["stage"] = project(), ProjectStage.APPROVAL
    return consultations.create_consultation(find_unit(UNIT), **values)


def policy_draft(**fields):
    """A policy draft of 第六师五家渠市."""
    values = {
        "kind": ConsultationKind.POLICY_DRAFT,
        "title": "第六师生态环境保护条例(草案)",
        "body_text": DOCUMENT,
        "area": 6,
        **fields,
    }
    return consultations.create_consultation(find_unit(UNIT), **values)


def publish(
    app,
    who,
    consultation,
    opens_on=date(2026, 9, 28),
    closes_on=date(2026, 10, 15),
    now=NOW,
    **config,
):
    """Publish as `who` with the app's configuration (overridden by `config`)."""
    settings = {**app.config, **config}
    return consultations.publish(who, consultation, opens_on, closes_on, settings, now=now)


def refusal(error):
    """The message of a refused call, for assertions."""
    return error.value.message


# --- drafting -------------------------------------------------------------------------------------


def test_document_is_split_into_numbered_paragraphs(people):
    """Blank lines separate paragraphs, numbered 1 to n; a single newline stays inside its paragraph."""
    draft = eia_draft()
    assert [(p.number, p.text) for p in draft.paragraphs] == [
        (1, "第一段：项目概况。"),
        (2, "第二段：主要污染物\n及治理措施。"),
        (3, "第三段：环境风险。"),
    ]
    assert draft.state is ConsultationState.DRAFT


def test_empty_document_is_refused_naming_the_field(people):
    """A document of blanks (or only markup) is refused on the document text field."""
    with pytest.raises(ValidationFailed) as refused:
        policy_draft(body_text=" \n\n <p></p> \n")
    assert refused.value.field == "body_text"
    assert refused.value.message.startswith("Enter the document text")


def test_document_markup_is_removed_from_paragraphs(people):
    """Script pasted into the document never reaches a paragraph."""
    draft = policy_draft(body_text="<script>alert(1)</script>第一段<b>加粗</b>\n\n第二段")
    assert [p.text for p in draft.paragraphs] == ["第一段加粗", "第二段"]


@pytest.mark.parametrize("title", ["", "   ", "标" * 201])
def test_title_must_have_1_to_200_characters(people, title):
    """An empty or over-long title is refused on the title field."""
    with pytest.raises(ValidationFailed) as refused:
        policy_draft(title=title)
    assert refused.value.field == "title"
    assert "between 1 and 200 characters" in refused.value.message


def test_a_project_consultation_must_name_its_stage(people):
    """An EIA for a project without a stage is refused; a stage without a project too."""
    with pytest.raises(ValidationFailed) as no_stage:
        eia_draft(project=project(), stage=None)
    assert no_stage.value.field == "stage"
    with pytest.raises(ValidationFailed) as no_project:
        eia_draft(with_project=False, stage=ProjectStage.IMPLEMENTATION)
    assert no_project.value.field == "stage"


def test_a_policy_draft_does_not_belong_to_a_project(people):
    """Only EIA and plan consultations belong to construction projects."""
    with pytest.raises(ValidationFailed) as refused:
        policy_draft(project=project(), stage=ProjectStage.APPROVAL)
    assert refused.value.field == "project"
    plan = consultations.create_consultation(
        find_unit(UNIT),
        ConsultationKind.PLAN,
        "园区总体规划",
        DOCUMENT,
        6,
        project=project(),
        stage="implementation",
    )
    assert plan.stage is ProjectStage.IMPLEMENTATION


def test_project_page_lists_published_consultations_by_stage(app_context, people):
    """A project's consultations appear under their stages once published; drafts do not."""
    site = project()
    approval = eia_draft(project=site, stage=ProjectStage.APPROVAL)
    eia_draft(project=site, stage=ProjectStage.POST_EVALUATION)
    publish(app_context, people["staff"], approval)
    stages = dict(consultations.project_consultations(site))
    assert list(stages) == [
        ProjectStage.APPROVAL,
        ProjectStage.IMPLEMENTATION,
        ProjectStage.POST_EVALUATION,
    ]
    assert stages[ProjectStage.APPROVAL] == [approval]
    assert stages[ProjectStage.POST_EVALUATION] == []


def test_collective_addressee_cannot_run_a_consultation(people):
    """兵团各有关部门 names no real unit: it cannot be the responsible unit."""
    with pytest.raises(ValidationFailed) as refused:
        consultations.create_consultation(
            find_unit("兵团各有关部门"), ConsultationKind.POLICY_DRAFT, "标题", DOCUMENT, 0
        )
    assert refused.value.field == "unit"


def test_staff_of_another_unit_cannot_create_for_this_unit(people):
    """created_by must belong to the responsible unit."""
    with pytest.raises(Forbidden):
        policy_draft(created_by=people["stranger"])
    assert policy_draft(created_by=people["staff"]).created_by_id == people["staff"].id


def test_update_draft_resplits_the_document(people):
    """Editing a draft's text renumbers its paragraphs; other fields stay."""
    draft = policy_draft()
    consultations.update_draft(people["staff"], draft, body_text="甲\n\n乙", summary="摘要")
    db.session.flush()
    assert [(p.number, p.text) for p in draft.paragraphs] == [(1, "甲"), (2, "乙")]
    assert draft.summary == "摘要" and draft.title == "第六师生态环境保护条例(草案)"


def test_update_refused_once_published(app_context, people):
    """A published consultation's text can no longer be edited as a draft."""
    draft = policy_draft()
    publish(app_context, people["staff"], draft)
    with pytest.raises(Conflict):
        consultations.update_draft(people["staff"], draft, title="新标题")


# --- the EIA notice and period --------------------------------------------------------------------


def test_missing_eia_items_are_listed_all_at_once(app_context, people):
    """Publishing an EIA notice without its items names every missing item in one message."""
    draft = eia_draft(with_project=False, developer_contact="", eia_preparer="", how_to_comment="")
    with pytest.raises(ValidationFailed) as refused:
        publish(app_context, people["staff"], draft, opens_on=None, closes_on=None)
    message = refusal(refused)
    for item in (
        "project name and location (项目名称和地点)",
        "developer and its contact details (建设单位及联系方式)",
        "EIA document preparer (环评文件编制单位)",
        "how to comment (征求意见的方式)",
        "start and end dates (起止日期)",
    ):
        assert item in message
    assert "《环境影响评价公众参与办法》" in message
    assert draft.state is ConsultationState.DRAFT


def test_missing_eia_items_reports_what_remains(people):
    """missing_eia_items names only what is still missing, and nothing for other kinds."""
    draft = eia_draft(opens_on=date(2026, 9, 28), closes_on=date(2026, 10, 15))
    assert consultations.missing_eia_items(draft) == []
    draft.eia_preparer = ""
    assert consultations.missing_eia_items(draft) == ["EIA document preparer (环评文件编制单位)"]
    assert consultations.missing_eia_items(policy_draft()) == []


def test_chinese_calendar_knows_national_day_2026():
    """The premise of the period tests: 1–7 October 2026 are holidays and Saturday 10 October is a workday."""
    calendar = clocks.Calendar()
    assert clocks.library_covers(2026)
    assert not any(calendar.is_workday(date(2026, 10, d)) for d in range(1, 8))
    assert calendar.is_workday(date(2026, 10, 10)) and not calendar.is_workday(date(2026, 10, 11))


def test_eia_period_across_national_day_is_refused_naming_the_rule(app_context, people):
    """28 September–11 October 2026 is 14 calendar days but 6 working days: refused with the rule and minimum."""
    draft = eia_draft()
    with pytest.raises(ValidationFailed) as refused:
        publish(app_context, people["staff"], draft, closes_on=date(2026, 10, 11))
    message = refusal(refused)
    assert refused.value.field == "closes_on"
    assert "《环境影响评价公众参与办法》" in message
    assert "at least 10 working days" in message
    assert "has 6" in message and "earliest last day is 2026-10-15" in message
    assert draft.state is ConsultationState.DRAFT and draft.published_at is None


def test_nine_working_days_are_refused(app_context, people):
    """Closing on 14 October gives 9 working days: one short."""
    with pytest.raises(ValidationFailed) as refused:
        publish(app_context, people["staff"], eia_draft(), closes_on=date(2026, 10, 14))
    assert "has 9" in refusal(refused)


def test_exactly_ten_working_days_are_accepted(app_context, people):
    """28 September–15 October 2026 (the first day counts) has exactly 10 working days: published."""
    draft = eia_draft()
    count = publish(app_context, people["staff"], draft)
    assert count.working_days == 10 and count.uncovered_years == ()
    assert draft.state is ConsultationState.OPEN
    assert (draft.opens_on, draft.closes_on) == (date(2026, 9, 28), date(2026, 10, 15))
    assert draft.published_at == NOW


def test_the_minimum_is_configurable(app_context, people):
    """With EIA_MIN_WORKING_DAYS = 5, 28 September–9 October (5 working days) is enough."""
    draft = eia_draft()
    publish(
        app_context, people["staff"], draft, closes_on=date(2026, 10, 9), EIA_MIN_WORKING_DAYS=5
    )
    assert draft.state is ConsultationState.OPEN


def test_holiday_override_changes_the_count(app_context, people):
    """An administrator's override (a holiday on 15 October) is honoured: 15 October no longer reaches 10."""
    calendar = clocks.Calendar({date(2026, 10, 15): False})
    with pytest.raises(ValidationFailed) as refused:
        consultations.publish(
            people["staff"],
            eia_draft(),
            date(2026, 9, 28),
            date(2026, 10, 15),
            app_context.config,
            calendar=calendar,
            now=NOW,
        )
    assert "earliest last day is 2026-10-16" in refusal(refused)


def test_policy_drafts_have_no_working_day_minimum(app_context, people):
    """A three-day policy consultation over the holiday is accepted (the EIA rule does not apply)."""
    draft = policy_draft()
    publish(
        app_context, people["staff"], draft, opens_on=date(2026, 10, 1), closes_on=date(2026, 10, 3)
    )
    assert draft.state is ConsultationState.OPEN


@pytest.mark.parametrize(
    "opens_on, closes_on, field",
    [
        (date(2026, 10, 15), date(2026, 10, 15), "closes_on"),
        (date(2026, 10, 15), date(2026, 10, 1), "closes_on"),
        (date(2026, 9, 20), date(2026, 10, 15), "opens_on"),
    ],
)
def test_dates_out_of_order_or_in_the_past_are_refused(
    app_context, people, opens_on, closes_on, field
):
    """The period must end after it starts, and cannot start before today."""
    with pytest.raises(ValidationFailed) as refused:
        publish(
            app_context, people["staff"], policy_draft(), opens_on=opens_on, closes_on=closes_on
        )
    assert refused.value.field == field


def test_policy_draft_without_dates_is_refused(app_context, people):
    """Without a start date there is nothing to publish."""
    with pytest.raises(ValidationFailed) as refused:
        publish(app_context, people["staff"], policy_draft(), opens_on=None, closes_on=None)
    assert refused.value.field == "opens_on"


def test_publishing_twice_is_refused(app_context, people):
    """An open consultation cannot be published again."""
    draft = eia_draft()
    publish(app_context, people["staff"], draft)
    with pytest.raises(Conflict) as refused:
        publish(app_context, people["staff"], draft)
    assert "published already" in refusal(refused)


# --- access ---------------------------------------------------------------------------------------


def test_staff_of_another_unit_cannot_see_or_publish_a_draft(app_context, people):
    """Another division's staff get NotFound for a draft: they may not learn that it exists."""
    draft = eia_draft()
    with pytest.raises(NotFound):
        publish(app_context, people["stranger"], draft)
    with pytest.raises(NotFound):
        consultations.POLICY.get_for(people["stranger"], draft.id)
    assert draft.state is ConsultationState.DRAFT


def test_site_admin_sees_drafts_but_cannot_act_for_the_unit(app_context, people):
    """A site administrator of another unit sees the draft, and is Forbidden to publish it."""
    draft = eia_draft()
    assert consultations.POLICY.get_for(people["site"], draft.id) is draft
    with pytest.raises(Forbidden):
        publish(app_context, people["site"], draft)


def test_another_unit_is_forbidden_to_act_on_a_public_consultation(app_context, people):
    """Once public, the consultation is visible to all, and acting on it is Forbidden to other units."""
    draft = eia_draft()
    publish(app_context, people["admin"], draft)
    assert consultations.POLICY.get_for(people["stranger"], draft.id) is draft
    with pytest.raises(Forbidden):
        consultations.extend(people["stranger"], draft, date(2026, 10, 30), now=NOW)
    with pytest.raises(Forbidden):
        consultations.withdraw(people["stranger"], draft, "不再需要征求意见了。")
    assert draft.closes_on == date(2026, 10, 15) and draft.state is ConsultationState.OPEN


def test_the_public_cannot_open_a_draft(people):
    """get_public answers NotFound for a draft."""
    draft = policy_draft()
    with pytest.raises(NotFound):
        consultations.POLICY.get_public(draft.id)


def test_a_stale_version_is_refused(app_context, people):
    """Acting on a version someone else changed meanwhile is a Conflict."""
    draft = policy_draft()
    db.session.flush()
    with pytest.raises(Conflict):
        consultations.update_draft(
            people["staff"], draft, version=draft.version + 1, title="新标题"
        )


# --- the period runs, is extended, closes, or is withdrawn ----------------------------------------


def test_open_for_comments_only_within_the_period(app_context, people):
    """Comments are open from the first day's start to the last day's end, Beijing time."""
    draft = eia_draft()
    publish(app_context, people["staff"], draft)
    assert not consultations.is_open_for_comments(draft, datetime(2026, 9, 27, 23, 59, tzinfo=BJ))
    assert consultations.is_open_for_comments(draft, datetime(2026, 9, 28, 0, 0, tzinfo=BJ))
    assert consultations.is_open_for_comments(draft, datetime(2026, 10, 15, 23, 59, tzinfo=BJ))
    assert not consultations.is_open_for_comments(draft, datetime(2026, 10, 16, 0, 0, tzinfo=BJ))


def test_close_due_uses_the_beijing_date(app_context, people):
    """At 23:30 on the last day (15:30 UTC) it stays open; just after midnight Beijing time it closes."""
    draft = eia_draft()
    publish(app_context, people["staff"], draft)
    late = datetime(2026, 10, 15, 15, 30, tzinfo=UTC)
    assert consultations.close_due(late, app_context.config) == []
    assert draft.state is ConsultationState.OPEN
    after = datetime(2026, 10, 15, 16, 10, tzinfo=UTC)
    assert consultations.close_due(after, app_context.config) == [draft]
    assert draft.state is ConsultationState.CLOSED


def test_extension_keeps_the_original_closing_date(app_context, people):
    """Two extensions move the end date; the first closing date is kept for the page."""
    draft = eia_draft()
    publish(app_context, people["staff"], draft)
    consultations.extend(people["staff"], draft, date(2026, 10, 22), now=NOW)
    consultations.extend(people["staff"], draft, date(2026, 10, 29), now=NOW)
    assert draft.closes_on == date(2026, 10, 29)
    assert draft.original_closes_on == date(2026, 10, 15)
    assert participation.participation_statement(draft).period.original_closes_on == date(
        2026, 10, 15
    )


def test_extension_must_be_later(app_context, people):
    """The same or an earlier end date is not an extension."""
    draft = eia_draft()
    publish(app_context, people["staff"], draft)
    with pytest.raises(ValidationFailed) as refused:
        consultations.extend(people["staff"], draft, date(2026, 10, 15), now=NOW)
    assert refused.value.field == "closes_on" and "2026-10-15" in refusal(refused)
    assert draft.original_closes_on is None


def test_a_closed_consultation_cannot_be_extended(app_context, people):
    """After closing, extending is refused, and so is extending after the last day before the closing job ran."""
    draft = eia_draft()
    publish(app_context, people["staff"], draft)
    day_after = datetime(2026, 10, 16, 9, 0, tzinfo=BJ)
    with pytest.raises(Conflict) as late:
        consultations.extend(people["staff"], draft, date(2026, 10, 30), now=day_after)
    assert "ended on 2026-10-15" in refusal(late)
    consultations.close_due(day_after, app_context.config)
    with pytest.raises(Conflict):
        consultations.extend(people["staff"], draft, date(2026, 10, 30), now=day_after)
    assert draft.closes_on == date(2026, 10, 15)


@pytest.mark.parametrize("reason", ["", "   ", "不要", "<b></b>"])
def test_withdrawal_needs_a_reason(app_context, people, reason):
    """A withdrawal without a public reason of 5 characters or more is refused."""
    draft = eia_draft()
    publish(app_context, people["staff"], draft)
    with pytest.raises(ValidationFailed) as refused:
        consultations.withdraw(people["staff"], draft, reason)
    assert refused.value.field == "reason"
    assert draft.state is ConsultationState.OPEN


def test_withdrawn_consultation_stays_readable_with_its_reason(app_context, people):
    """The page of a withdrawn consultation is kept, with its reason and its paragraphs."""
    draft = eia_draft()
    publish(app_context, people["staff"], draft)
    consultations.withdraw(people["staff"], draft, "建设单位已撤回项目申请，本次征求意见终止。")
    db.session.commit()
    shown = consultations.POLICY.get_public(draft.id)
    assert shown.state is ConsultationState.WITHDRAWN
    assert shown.withdrawn_reason == "建设单位已撤回项目申请，本次征求意见终止。"
    assert len(shown.paragraphs) == 3
    assert not consultations.is_open_for_comments(shown, datetime(2026, 10, 1, tzinfo=BJ))
    with pytest.raises(Conflict):
        consultations.withdraw(people["staff"], draft, "再次撤回的理由。")


def test_a_withdrawn_draft_never_becomes_public(people):
    """Withdrawing a draft does not publish it."""
    draft = policy_draft()
    consultations.withdraw(people["staff"], draft, "草案需要重新起草。")
    assert draft.state is ConsultationState.WITHDRAWN
    with pytest.raises(NotFound):
        consultations.POLICY.get_public(draft.id)


# --- the participation statement ------------------------------------------------------------------

OPEN_DAY = datetime(2026, 10, 8, 10, 0, tzinfo=BJ)
CLOSED_DAY = datetime(2026, 10, 16, 10, 0, tzinfo=BJ)
PLANTED_PHONE, PLANTED_EMAIL = "13912345678", "planted-commenter@example.org"


def comment(consultation, body, phone="", email="", name="张三", publish_name=True, paragraph=None):
    """A comment submitted on the first working day after the holiday."""
    return comments.submit_comment(
        consultation,
        body,
        name,
        phone,
        email,
        publish_name,
        paragraph,
        now=OPEN_DAY,
        secret=current_app.config["SECRET_KEY"],
    )


@pytest.fixture
def answered_setup(app_context, people):
    """An EIA consultation with 3 published comments from 2 people (the same phone twice), still open."""
    draft = eia_draft()
    publish(app_context, people["staff"], draft)
    first = comment(draft, "建议增加夜间噪声监测点位。", phone=PLANTED_PHONE, paragraph=2)
    second = comment(draft, "请公开污水排放口的在线监测数据。", phone="+86 139 1234 5678")
    third = comment(
        draft,
        "厂址距离居民区太近，反对扩建。",
        email=PLANTED_EMAIL,
        name="李四",
        publish_name=False,
    )
    for each in (first, second, third):
        comments.publish_comment(people["staff"], each)
    return draft, (first, second, third)


def close(consultation):
    """Run the closing job the day after the period, checking that it closed `consultation`."""
    assert consultation in consultations.close_due(CLOSED_DAY, current_app.config)


def test_statement_is_refused_while_a_comment_lacks_a_decision(answered_setup, people):
    """The statement waits until every published comment is answered; the refusal says how many are not."""
    draft, (first, second, third) = answered_setup
    comments.decide(people["staff"], first, CommentDecision.ADOPTED, "已增加两个夜间监测点位。")
    close(draft)
    with pytest.raises(Conflict) as refused:
        consultations.publish_statement(
            people["staff"], draft, "本次征求意见共收到意见3条。", now=CLOSED_DAY
        )
    assert "2 published comments have no decision yet" in refusal(refused)
    assert draft.state is ConsultationState.CLOSED


def test_statement_is_refused_while_comments_wait_for_moderation(answered_setup, people):
    """A comment still waiting for moderation blocks the statement too."""
    draft, published = answered_setup
    comments.decide_many(people["staff"], published, CommentDecision.PARTLY_ADOPTED, "部分采纳。")
    waiting = comments.submit_comment(
        draft,
        "这条意见还没有审核。",
        "王五",
        "13800138000",
        "",
        True,
        now=OPEN_DAY,
        secret=current_app.config["SECRET_KEY"],
    )
    close(draft)
    with pytest.raises(Conflict) as refused:
        consultations.publish_statement(
            people["staff"], draft, "本次征求意见共收到意见3条。", now=CLOSED_DAY
        )
    assert "1 comment still waits for moderation" in refusal(refused)
    comments.hide_comment(people["staff"], waiting, "重复提交。")
    consultations.publish_statement(
        people["staff"], draft, "本次征求意见共收到意见3条。", now=CLOSED_DAY
    )
    assert draft.state is ConsultationState.ANSWERED


def test_statement_is_refused_while_comments_are_still_open(app_context, people):
    """An open consultation cannot be answered yet."""
    draft = eia_draft()
    publish(app_context, people["staff"], draft)
    with pytest.raises(Conflict):
        consultations.publish_statement(
            people["staff"], draft, "本次征求意见共收到意见0条。", now=OPEN_DAY
        )


def test_statement_published_with_counts_and_matrix(answered_setup, people):
    """Once all are answered: answered state, "3 comments from 2 people", bulk answers grouped in one row."""
    draft, (first, second, third) = answered_setup
    comments.decide(people["staff"], first, CommentDecision.ADOPTED, "已增加两个夜间监测点位。")
    comments.decide_many(
        people["staff"], [second, third], CommentDecision.NOT_ADOPTED, "超出本项目环评范围。"
    )
    close(draft)
    consultations.publish_statement(
        people["staff"], draft, "本次征求意见共收到意见3条，均已逐条答复。", now=CLOSED_DAY
    )
    assert draft.state is ConsultationState.ANSWERED and draft.answered_at == CLOSED_DAY
    statement = participation.participation_statement(draft)
    assert (statement.comment_count, statement.people_count) == (3, 2)
    assert statement.counts_text == "3 comments from 2 people"
    assert statement.period.opens_on == date(2026, 9, 28) and statement.period.closes_on == date(
        2026, 10, 15
    )
    assert [(len(row.comments), row.decision, row.reason) for row in statement.matrix] == [
        (1, CommentDecision.ADOPTED, "已增加两个夜间监测点位。"),
        (2, CommentDecision.NOT_ADOPTED, "超出本项目环评范围。"),
    ]
    assert statement.matrix[0].paragraph_numbers == [2]
    assert statement.matrix[1].decision_label == "Not adopted (不采纳)"
    assert "在本平台逐段提交意见" in " ".join(statement.channels)
    assert statement.statement == "本次征求意见共收到意见3条，均已逐条答复。"
    with pytest.raises(Conflict):
        consultations.publish_statement(people["staff"], draft, "再发布一次说明。", now=CLOSED_DAY)


def test_statement_counts_leave_out_hidden_comments(answered_setup, people):
    """A hidden comment is neither counted nor listed, and its author is not counted."""
    draft, (first, second, third) = answered_setup
    comments.hide_comment(people["staff"], third, "含有人身攻击内容。")
    statement = participation.participation_statement(draft)
    assert statement.counts_text == "2 comments from one person"
    assert all(c.id != third.id for row in statement.matrix for c in row.comments)


def test_statement_lists_hearings_with_published_minutes(answered_setup):
    """Hearing sessions appear with attendance and minutes once the minutes are published."""
    draft, _ = answered_setup
    starts = datetime(2026, 10, 20, 2, 0, tzinfo=UTC)
    draft.hearings.append(
        Hearing(
            starts_at=starts,
            place="五家渠市政务服务中心三楼会议室",
            seats=50,
            registration_closes_at=starts - timedelta(days=2),
            minutes="听证会记录全文。",
            attendance_count=37,
            minutes_published_at=starts + timedelta(days=1),
        )
    )
    draft.hearings.append(
        Hearing(
            starts_at=starts + timedelta(days=7),
            place="第二场",
            seats=20,
            registration_closes_at=starts,
            minutes="草稿",
            attendance_count=5,
        )
    )
    db.session.flush()
    hearings = participation.participation_statement(draft).hearings
    assert [(h.place, h.attendance_count, h.minutes) for h in hearings] == [
        ("五家渠市政务服务中心三楼会议室", 37, "听证会记录全文。"),
        ("第二场", None, ""),
    ]


def test_statement_without_hearings_or_comments(app_context, people):
    """A consultation nobody commented on has an empty matrix, no hearings, and says so."""
    draft = policy_draft()
    publish(app_context, people["staff"], draft)
    statement = participation.participation_statement(draft)
    assert statement.matrix == () and statement.hearings == ()
    assert statement.counts_text == "No comments were published."


def test_statement_never_carries_contact_details(answered_setup, people):
    """The planted phone and email appear nowhere in the statement, its repr or its fields."""
    draft, published = answered_setup
    comments.decide_many(people["staff"], published, CommentDecision.ADOPTED, "采纳。")
    close(draft)
    consultations.publish_statement(
        people["staff"], draft, "说明全文，共三条意见。", now=CLOSED_DAY
    )
    statement = participation.participation_statement(draft)
    dumped = repr(statement) + repr(asdict(statement))
    for secret in (PLANTED_PHONE, "139 1234 5678", PLANTED_EMAIL, published[0].author_key):
        assert secret not in dumped
    assert "李四" not in dumped and "张三" in dumped
