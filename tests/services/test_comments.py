"""Comments: submission rules, moderation and flags, decisions, what the public sees, and confidential contacts."""

import hashlib
from dataclasses import asdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import current_app

from portal.errors import Conflict, Forbidden, NotFound, ValidationFailed
from portal.extensions import db
from portal.models import (
    AuditRecord,
    CommentContact,
    CommentDecision,
    CommentState,
    ConsultationKind,
)
from portal.services import comments, consultations
from portal.services.units import find_unit
from tests.helpers import People

BJ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 9, 21, 10, 0, tzinfo=BJ)
OPEN_DAY = datetime(2026, 10, 8, 10, 0, tzinfo=BJ)  # inside 28 September–15 October 2026
UNIT = "第六师五家渠市"
DOCUMENT = "第一段：项目概况。\n\n第二段：主要污染物及治理措施。\n\n第三段：环境风险。"
PHONE, EMAIL = "13912345678", "planted-commenter@example.org"
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def app_context(english_context):
    """This module reads the services' messages in English, the language they are written in."""
    return english_context


PEOPLE = {
    "staff": ("wjq", UNIT, "staff"),
    "stranger": ("shz", "第八师石河子市", "staff"),
    "site": ("root", "兵团审计局", "site_admin"),
}


@pytest.fixture
def people(app_context):
    """Staff of the responsible unit, staff of another division, a site administrator of another unit."""
    return People(PEOPLE)


@pytest.fixture
def consultation(app_context, people):
    """A policy draft of 第六师五家渠市 open from 28 September to 15 October 2026."""
    draft = consultations.create_consultation(
        find_unit(UNIT), ConsultationKind.POLICY_DRAFT, "第六师生态环境保护条例(草案)", DOCUMENT, 6
    )
    consultations.publish(
        people["staff"], draft, date(2026, 9, 28), date(2026, 10, 15), app_context.config, now=NOW
    )
    return draft


def submit(
    consultation,
    body="建议增加夜间噪声监测点位。",
    name="张三",
    phone=PHONE,
    email="",
    publish_name=True,
    paragraph=None,
    now=OPEN_DAY,
):
    """Submit a comment with sensible defaults."""
    return comments.submit_comment(
        consultation,
        body,
        name,
        phone,
        email,
        publish_name,
        paragraph,
        now=now,
        secret=current_app.config["SECRET_KEY"],
    )


def published(consultation, people, **fields):
    """A comment submitted and published by the unit's staff."""
    comment = submit(consultation, **fields)
    comments.publish_comment(people["staff"], comment)
    return comment


# --- submission -----------------------------------------------------------------------------------


def test_a_comment_waits_for_moderation_with_its_contact_kept_apart(consultation):
    """A new comment is pending, on its paragraph, with the contact in its own row."""
    comment = submit(consultation, paragraph=3, email=EMAIL)
    assert comment.state is CommentState.PENDING
    assert comment.paragraph.number == 3 and comment.consultation.unit.name == UNIT
    contact = db.session.scalar(
        sa.select(CommentContact).where(CommentContact.comment_id == comment.id)
    )
    assert (contact.phone, contact.email) == (PHONE, EMAIL)
    assert PHONE not in repr(vars(comment)) and EMAIL not in repr(vars(comment))


def test_comment_after_the_close_names_the_closing_date(app_context, consultation):
    """A late comment is refused with the date the consultation closed, before and after the closing job."""
    late = datetime(2026, 10, 16, 0, 5, tzinfo=BJ)
    with pytest.raises(Conflict) as before_job:
        submit(consultation, now=late)
    assert "closed on 2026-10-15" in before_job.value.message
    consultations.close_due(late, app_context.config)
    with pytest.raises(Conflict) as after_job:
        submit(consultation, now=late)
    assert "closed on 2026-10-15" in after_job.value.message


def test_comment_on_the_last_evening_is_accepted(consultation):
    """23:59 Beijing time on the closing day is still inside the period."""
    assert (
        submit(consultation, now=datetime(2026, 10, 15, 23, 59, tzinfo=BJ)).state
        is CommentState.PENDING
    )


def test_comment_before_the_opening_is_refused(consultation):
    """Before the first day, the refusal says when comments open."""
    with pytest.raises(Conflict) as refused:
        submit(consultation, now=datetime(2026, 9, 27, 12, 0, tzinfo=BJ))
    assert "opens on 2026-09-28" in refused.value.message


def test_comment_on_a_withdrawn_consultation_is_refused(consultation, people):
    """Withdrawn means no more comments."""
    consultations.withdraw(people["staff"], consultation, "条例草案需要重新起草。")
    with pytest.raises(Conflict) as refused:
        submit(consultation)
    assert "withdrawn" in refused.value.message


def test_nobody_can_comment_on_a_draft(app_context):
    """A draft does not exist for the public."""
    draft = consultations.create_consultation(
        find_unit(UNIT), ConsultationKind.POLICY_DRAFT, "草案", DOCUMENT, 6
    )
    with pytest.raises(NotFound):
        submit(draft)


@pytest.mark.parametrize("body", ["太差", " " * 10, "<b></b><i>好</i>", "意" * 5001])
def test_comment_body_needs_5_to_5000_characters(consultation, body):
    """Empty or too short (after removing markup) or too long is refused on the body field, in one sentence."""
    with pytest.raises(ValidationFailed) as refused:
        submit(consultation, body=body)
    assert refused.value.field == "body"
    assert refused.value.message in ("Enter your comment.",) or (
        refused.value.message.startswith(
            "Your comment must be between 5 and 5,000 characters (it has "
        )
    )


def test_script_in_a_comment_is_stored_and_shown_without_markup(consultation, people):
    """<script>alert(1)</script> in a comment is removed before storing; the text around it stays."""
    comment = published(
        consultation,
        people,
        body=f"噪声太大了{SCRIPT}<img src=x onerror=alert(2)>请整改",
        name=f"王五{SCRIPT}",
    )
    assert comment.body == "噪声太大了请整改" and comment.author_name == "王五"
    shown = comments.public_comments(consultation)[0]
    assert "<" not in shown.body + shown.author and "alert" not in shown.body


@pytest.mark.parametrize("name", ["", "   ", "名" * 81])
def test_a_name_is_required(consultation, name):
    """The name is required, at most 80 characters."""
    with pytest.raises(ValidationFailed) as refused:
        submit(consultation, name=name)
    assert refused.value.field == "author_name"


def test_a_phone_or_email_is_required(consultation):
    """Without any contact the comment is refused, saying why (the EIA rules) and that it stays private."""
    with pytest.raises(ValidationFailed) as refused:
        submit(consultation, phone="", email="")
    assert "phone number or your email address" in refused.value.message
    assert "never published" in refused.value.message


def test_every_problem_is_reported_at_once_in_the_order_of_the_form(consultation):
    """An unknown paragraph, a short comment, no name, a bad phone and a bad address: five messages, not one."""
    with pytest.raises(ValidationFailed) as refused:
        submit(
            consultation,
            paragraph="9",
            name=" ",
            phone="138-abc",
            email="not-an-address",
            body="太差",
        )
    assert [field for field, _message in refused.value.errors] == [
        "paragraph",
        "body",
        "author_name",
        "phone",
        "email",
    ]
    assert (
        refused.value.field == "paragraph" and refused.value.message == refused.value.errors[0][1]
    )


@pytest.mark.parametrize(
    "phone, email, field",
    [
        ("138-abc", "", "phone"),
        ("12", "", "phone"),
        ("", "not-an-address", "email"),
        (PHONE, "a@b", "email"),
    ],
)
def test_contacts_must_be_valid(consultation, phone, email, field):
    """An invalid phone or email is refused on its field, even if the other one is fine."""
    with pytest.raises(ValidationFailed) as refused:
        submit(consultation, phone=phone, email=email)
    assert refused.value.field == field


def test_email_alone_is_enough(consultation):
    """A valid email without a phone is accepted."""
    assert submit(consultation, phone="", email=EMAIL).state is CommentState.PENDING


@pytest.mark.parametrize("paragraph", [0, 4, "x"])
def test_the_paragraph_must_exist(consultation, paragraph):
    """Commenting on a paragraph the document does not have is refused."""
    with pytest.raises(ValidationFailed) as refused:
        submit(consultation, paragraph=paragraph)
    assert refused.value.field == "paragraph"


def test_one_person_counts_once_across_contact_spellings(consultation):
    """+86 and spaces in a phone, or capitals in an email, do not make another person."""
    first = submit(consultation, phone="13912345678")
    second = submit(consultation, phone="+86 139 1234 5678")
    third = submit(consultation, phone="", email="Someone@Example.org")
    fourth = submit(consultation, phone="13912345678", email="someone@example.org")
    other = submit(consultation, phone="13800138000")
    assert first.author_key == second.author_key == fourth.author_key
    assert third.author_key != first.author_key and other.author_key != first.author_key
    assert len(first.author_key) == 64 and PHONE not in first.author_key


def test_the_author_key_cannot_be_reversed_by_hashing_every_phone_number(consultation):
    """Without the application secret, hashing candidate phone numbers does not find the commenter."""
    comment = submit(consultation, phone="13912345678", email="")
    assert comment.author_key != hashlib.sha256(b"13912345678").hexdigest()


# --- moderation -----------------------------------------------------------------------------------


def test_pending_comments_are_not_public_until_published(consultation, people):
    """A new comment is missing from public_comments; once published it appears."""
    comment = submit(consultation)
    assert comments.public_comments(consultation) == []
    comments.publish_comment(people["staff"], comment)
    assert [c.id for c in comments.public_comments(consultation)] == [comment.id]


def test_moderation_queue_holds_the_units_waiting_comments(consultation, people):
    """The unit's queue lists pending comments, not published ones; another unit's queue is empty."""
    waiting = submit(consultation)
    published(consultation, people)
    assert comments.moderation_queue(people["staff"]) == [waiting]
    assert comments.moderation_queue(people["staff"], consultation) == [waiting]
    assert comments.moderation_queue(people["stranger"]) == []
    with pytest.raises(Forbidden):
        comments.moderation_queue(people["stranger"], consultation)


def test_hiding_needs_a_reason(consultation, people):
    """Hiding without a reason is refused; with one the comment leaves the public list."""
    comment = published(consultation, people)
    with pytest.raises(ValidationFailed) as refused:
        comments.hide_comment(people["staff"], comment, "  ")
    assert refused.value.field == "reason"
    assert len(comments.public_comments(consultation)) == 1
    comments.hide_comment(people["staff"], comment, "含有他人隐私信息。")
    assert (
        comment.state is CommentState.HIDDEN and comment.moderation_reason == "含有他人隐私信息。"
    )
    assert comments.public_comments(consultation) == []


def test_publishing_twice_is_refused(consultation, people):
    """A published comment is not waiting for moderation any more."""
    comment = published(consultation, people)
    with pytest.raises(Conflict):
        comments.publish_comment(people["staff"], comment)


def test_another_unit_cannot_moderate(consultation, people):
    """Another unit gets NotFound for a waiting comment (they cannot see it) and Forbidden for a published one."""
    waiting = submit(consultation)
    with pytest.raises(NotFound):
        comments.publish_comment(people["stranger"], waiting)
    shown = published(consultation, people)
    with pytest.raises(Forbidden):
        comments.hide_comment(people["stranger"], shown, "我不同意这条意见。")
    assert waiting.state is CommentState.PENDING and shown.state is CommentState.PUBLISHED


def test_three_flags_from_three_clients_hide_a_comment(app_context, consultation, people):
    """The third different client's flag hides the comment pending review and queues it for the unit."""
    comment = published(consultation, people)
    for client in ("client-a", "client-b"):
        assert comments.flag_comment(comment, client, app_context.config)
    assert comment.state is CommentState.PUBLISHED
    assert comments.flag_comment(comment, "client-c", app_context.config)
    assert comment.state is CommentState.FLAGGED
    assert comments.public_comments(consultation) == []
    assert comments.moderation_queue(people["staff"]) == [comment]


def test_one_client_flagging_three_times_counts_once(app_context, consultation, people):
    """Repeated flags from the same client are ignored, not refused, and the comment stays public."""
    comment = published(consultation, people)
    results = [comments.flag_comment(comment, "client-a", app_context.config) for _ in range(3)]
    assert results == [True, False, False]
    assert comment.state is CommentState.PUBLISHED and comment.flag_count == 1


def test_the_flag_limit_is_configurable(app_context, consultation, people):
    """With COMMENT_FLAG_LIMIT = 1 one flag is enough."""
    comment = published(consultation, people)
    comments.flag_comment(comment, "client-a", {**app_context.config, "COMMENT_FLAG_LIMIT": 1})
    assert comment.state is CommentState.FLAGGED


def test_unpublished_comments_cannot_be_flagged(app_context, consultation):
    """A comment the public cannot see cannot be flagged."""
    with pytest.raises(NotFound):
        comments.flag_comment(submit(consultation), "client-a", app_context.config)


def test_review_keeps_or_hides_a_flagged_comment(app_context, consultation, people):
    """Kept: public again, and the same clients cannot hide it again; hidden: needs a reason."""
    kept, removed = published(consultation, people), published(consultation, people)
    for comment in (kept, removed):
        for client in ("a", "b", "c"):
            comments.flag_comment(comment, client, app_context.config)
    comments.review_flagged(people["staff"], kept, True, "意见内容正常。")
    assert kept.state is CommentState.PUBLISHED and kept.flag_count == 0
    for client in ("a", "b", "c"):
        assert not comments.flag_comment(kept, client, app_context.config)
    assert kept.state is CommentState.PUBLISHED
    with pytest.raises(ValidationFailed):
        comments.review_flagged(people["staff"], removed, False, "")
    comments.review_flagged(people["staff"], removed, False, "广告内容")
    assert removed.state is CommentState.HIDDEN
    with pytest.raises(Conflict):
        comments.review_flagged(people["staff"], kept, True, "")


# --- decisions ------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "  ", "<b></b>"])
def test_not_adopted_requires_a_reason(consultation, people, reason):
    """不采纳 without a reason is refused on the reason field and leaves the comment undecided."""
    comment = published(consultation, people)
    with pytest.raises(ValidationFailed) as refused:
        comments.decide(people["staff"], comment, CommentDecision.NOT_ADOPTED, reason)
    assert refused.value.field == "reason" and "不采纳" in refused.value.message
    assert comment.decision is None


def test_a_decision_is_shown_with_its_reason(consultation, people):
    """The public sees the decision and the reason next to the comment."""
    comment = published(consultation, people)
    comments.decide(people["staff"], comment, "not_adopted", "该点位已有监测设施。", now=OPEN_DAY)
    shown = comments.public_comments(consultation)[0]
    assert (shown.decision, shown.decision_label, shown.reason) == (
        CommentDecision.NOT_ADOPTED,
        "Not adopted (不采纳)",
        "该点位已有监测设施。",
    )
    assert comment.decided_by_id == people["staff"].id and comment.decided_at == OPEN_DAY


def test_adoption_needs_no_reason(consultation, people):
    """采纳 may be given without an explanation."""
    comment = published(consultation, people)
    comments.decide(people["staff"], comment, CommentDecision.ADOPTED, "")
    assert comment.decision is CommentDecision.ADOPTED


def test_only_published_comments_are_decided(consultation, people):
    """A pending or hidden comment gets no decision."""
    waiting = submit(consultation)
    with pytest.raises(Conflict):
        comments.decide(people["staff"], waiting, CommentDecision.ADOPTED, "")
    assert waiting.decision is None


def test_another_unit_cannot_decide(consultation, people):
    """Staff of another unit are Forbidden to answer a published comment."""
    comment = published(consultation, people)
    with pytest.raises(Forbidden):
        comments.decide(people["stranger"], comment, CommentDecision.ADOPTED, "")


def test_an_unknown_decision_is_refused(consultation, people):
    """Only the four decisions exist."""
    with pytest.raises(ValidationFailed) as refused:
        comments.decide(people["staff"], published(consultation, people), "maybe", "")
    assert refused.value.field == "decision"


def test_bulk_decision_applies_one_explanation(consultation, people):
    """Several comments get the same decision and shared reason at once."""
    batch = [published(consultation, people) for _ in range(3)]
    comments.decide_many(
        people["staff"], batch, CommentDecision.OUT_OF_SCOPE, "属于规划环评范围，已转交。"
    )
    assert {(c.decision, c.decision_reason) for c in batch} == {
        (CommentDecision.OUT_OF_SCOPE, "属于规划环评范围，已转交。")
    }


def test_bulk_decision_is_all_or_nothing(consultation, people):
    """One comment that cannot be decided (still pending) leaves all of them undecided."""
    batch = [published(consultation, people), submit(consultation), published(consultation, people)]
    with pytest.raises(Conflict) as refused:
        comments.decide_many(people["staff"], batch, CommentDecision.ADOPTED, "一并采纳。")
    assert f"Comment {batch[1].id}" in refused.value.message
    assert [c.decision for c in batch] == [None, None, None]


def test_bulk_not_adopted_without_reason_changes_nothing(consultation, people):
    """A shared 不采纳 without explanation is refused for the whole batch."""
    batch = [published(consultation, people) for _ in range(2)]
    with pytest.raises(ValidationFailed):
        comments.decide_many(people["staff"], batch, CommentDecision.NOT_ADOPTED, "")
    assert [c.decision for c in batch] == [None, None]


def test_decisions_are_final_once_the_statement_is_out(app_context, consultation, people):
    """After the participation statement, a decision can no longer change."""
    comment = published(consultation, people)
    comments.decide(people["staff"], comment, CommentDecision.ADOPTED, "")
    consultations.close_due(datetime(2026, 10, 16, 9, 0, tzinfo=BJ), app_context.config)
    consultations.publish_statement(people["staff"], consultation, "本次共收到意见1条，已采纳。")
    with pytest.raises(Conflict):
        comments.decide(people["staff"], comment, CommentDecision.NOT_ADOPTED, "改变主意。")
    assert comment.decision is CommentDecision.ADOPTED


# --- what the public sees, and confidential contacts ----------------------------------------------


def test_public_comments_never_show_contacts(consultation, people):
    """The planted phone and email are in no field or repr of the public comments; the name only if allowed."""
    named = published(
        consultation, people, phone=PHONE, email=EMAIL, name="张三", publish_name=True, paragraph=2
    )
    published(consultation, people, phone="", email=EMAIL.upper(), name="李四", publish_name=False)
    shown = comments.public_comments(consultation)
    dumped = repr(shown) + repr([asdict(c) for c in shown])
    for secret in (PHONE, EMAIL, EMAIL.upper(), named.author_key, "李四"):
        assert secret not in dumped
    assert [c.author for c in shown] == ["张三", "Member of the public"]
    assert shown[0].paragraph_number == 2


def test_read_contact_is_audited(consultation, people):
    """The unit's staff read the contact with a purpose; each read leaves an audit record."""
    comment = submit(consultation, email=EMAIL)
    for _ in range(2):
        contact = comments.read_contact(people["staff"], comment, "电话回访，核实意见内容")
        assert (contact.phone, contact.email) == (PHONE, EMAIL)
    records = db.session.scalars(
        sa.select(AuditRecord).where(AuditRecord.action == "comment_contact.read")
    ).all()
    assert [(r.actor_id, r.subject_type, r.subject_id, r.detail) for r in records] == [
        (people["staff"].id, "comment", comment.id, "电话回访，核实意见内容")
    ] * 2


def test_read_contact_is_refused_to_another_unit(consultation, people):
    """Another unit's staff get nothing, and nothing is recorded as read."""
    comment = published(consultation, people)
    assert comments.read_contact(people["stranger"], comment, "好奇") is None
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditRecord)
            .where(AuditRecord.action == "comment_contact.read")
        )
        == 0
    )


def test_site_administrators_may_read_contacts(consultation, people):
    """A site administrator reads the contact, audited under their name."""
    comment = submit(consultation)
    assert comments.read_contact(people["site"], comment, "投诉核查").phone == PHONE
    record = db.session.scalar(
        sa.select(AuditRecord).where(AuditRecord.action == "comment_contact.read")
    )
    assert record.actor_id == people["site"].id


def test_reading_a_contact_needs_a_purpose(consultation, people):
    """An empty purpose is refused before anything is read."""
    with pytest.raises(ValidationFailed) as refused:
        comments.read_contact(people["staff"], submit(consultation), "  ")
    assert refused.value.field == "purpose"
