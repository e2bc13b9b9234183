"""Comments in the console: the moderation queue, publish and hide with a reason, review after flags, decisions one
by one and in bulk, the participation statement, and the audited reveal of a commenter's contact details."""

import re

import pytest
import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.models import (
    AuditRecord,
    Comment,
    CommentDecision,
    CommentState,
    Consultation,
    ConsultationState,
)
from portal.services import comments
from tests.console.test_consultations_console import (
    UNIT,
    flashes,
    follow,
    form_post,
    get,
    make_consultation,
    set_state,
    show_path,
    text,
    user,
)
from tests.helpers import staff_client, summary_of

PHONE = "13912345678"
EMAIL = "commenter@example.org"


@pytest.fixture
def wjq(app):
    """Logged-in staff of 第六师五家渠市 (English)."""
    return staff_client(app, "wjq", UNIT)


@pytest.fixture
def consultation_id(app, wjq):
    """An open EIA consultation of 第六师五家渠市."""
    return make_consultation(app, publish=True)


def submit(
    app, consultation_id, body, state=CommentState.PENDING, paragraph=None, phone="", email=EMAIL
):
    """A resident's comment, then moved to `state` (published by the unit, or flagged); its id."""
    with app.app_context():
        item = db.session.get(Consultation, consultation_id)
        comment = comments.submit_comment(
            item,
            body,
            "李居民",
            phone,
            email,
            True,
            paragraph_number=paragraph,
            secret=current_app.config["SECRET_KEY"],
        )
        if state is not CommentState.PENDING:
            comments.publish_comment(user(app, "wjq"), comment)
        if state is CommentState.FLAGGED:
            for n in range(3):
                comments.flag_comment(comment, f"client-{n}", {"COMMENT_FLAG_LIMIT": 3})
        db.session.commit()
        return comment.id


def comment_row(app, comment_id):
    """A snapshot of a comment's columns."""
    with app.app_context():
        return dict(
            db.session.execute(sa.select(Comment.__table__).where(Comment.id == comment_id))
            .one()
            ._mapping
        )


def errors(response):
    """The list sent back after an action with bad input on a comment (400): its error summary, {field id: message}."""
    assert response.status_code == 400, response.status_code
    return dict(summary_of(response.get_data(as_text=True)))


def comments_path(consultation_id):
    """The comments tab of a consultation."""
    return f"/console/consultations/{consultation_id}/comments"


def comment_act(client, comment_id, action, page_path, **fields):
    """POST an action on a comment with the token of the page it is shown on."""
    return form_post(client, page_path, f"/console/comments/{comment_id}/{action}", **fields)


def test_the_queue_lists_new_comments_first_and_marks_flagged_ones(app, wjq, consultation_id):
    """Waiting comments come under "New comments", flagged ones after, marked; the filter keeps one consultation."""
    other_id = make_consultation(app, publish=True, title="另一项目环评")
    flagged = submit(app, consultation_id, "这条意见被多人举报。", state=CommentState.FLAGGED)
    waiting = submit(app, consultation_id, "请说明污泥去向。", paragraph=2)
    elsewhere = submit(app, other_id, "另一项目的意见。")
    submit(app, consultation_id, "已经发布的意见。", state=CommentState.PUBLISHED)
    page = wjq.get("/console/comments").get_data(as_text=True)
    new, flags = page.split('id="flagged-title"')
    assert f'id="comment-{waiting}"' in new and f'id="comment-{elsewhere}"' in new
    assert f'id="comment-{flagged}"' in flags
    assert "flagged 3 times" in flags and "on paragraph 2" in new and "已经发布的意见" not in page
    filtered = wjq.get(f"/console/comments?consultation={consultation_id}").get_data(as_text=True)
    assert f'id="comment-{waiting}"' in filtered and f'id="comment-{elsewhere}"' not in filtered
    assert "Comments waiting for moderation</a>\n    (3)" in wjq.get("/console/").get_data(
        as_text=True
    )
    assert PHONE not in page and EMAIL not in page


def test_publish_and_hide_with_a_reason(app, wjq, consultation_id):
    """Publish from the queue; hiding without a reason is refused, with one the reason is kept."""
    first = submit(app, consultation_id, "请公开监测数据。")
    second = submit(app, consultation_id, "广告:出售净水器。")
    page = follow(wjq, comment_act(wjq, first, "publish", "/console/comments", back="queue"))
    assert flashes(page) == [f"Comment {first} published: it is shown with the consultation."]
    assert comment_row(app, first)["state"] is CommentState.PUBLISHED
    assert errors(
        comment_act(wjq, second, "hide", "/console/comments", back="queue", reason="")
    ) == {f"c{second}-hide-reason": "Enter the reason for hiding."}
    assert comment_row(app, second)["state"] is CommentState.PENDING
    page = follow(
        wjq,
        comment_act(
            wjq, second, "hide", "/console/comments", back="queue", reason="广告,与本次征求无关。"
        ),
    )
    assert flashes(page) == [f"Comment {second} hidden, with your reason."]
    row = comment_row(app, second)
    assert (
        row["state"] is CommentState.HIDDEN and row["moderation_reason"] == "广告,与本次征求无关。"
    )
    tab = wjq.get(comments_path(consultation_id)).get_data(as_text=True)
    assert "广告,与本次征求无关。" in tab and "hidden" in tab
    again = comment_act(wjq, second, "publish", comments_path(consultation_id))
    assert any(
        "Only a comment waiting for moderation can be published." in m
        for m in flashes(follow(wjq, again))
    )


def test_review_after_flags_keeps_or_hides(app, wjq, consultation_id):
    """A flagged comment is published again, or stays hidden only with a reason."""
    kept = submit(app, consultation_id, "合理意见,被恶意举报。", state=CommentState.FLAGGED)
    hidden = submit(app, consultation_id, "含有人身攻击的意见。", state=CommentState.FLAGGED)
    page = follow(
        wjq,
        comment_act(
            wjq, kept, "review", "/console/comments", back="queue", keep="Publish it again"
        ),
    )
    assert flashes(page) == [f"Comment {kept} reviewed: published."]
    assert (
        comment_row(app, kept)["state"] is CommentState.PUBLISHED
        and comment_row(app, kept)["flag_count"] == 0
    )
    refused = errors(
        comment_act(wjq, hidden, "review", "/console/comments", back="queue", hide="Keep it hidden")
    )
    assert refused == {f"c{hidden}-review-reason": "Reason must be between 2 and 1000 characters."}
    assert comment_row(app, hidden)["state"] is CommentState.FLAGGED
    follow(
        wjq,
        comment_act(
            wjq,
            hidden,
            "review",
            "/console/comments",
            back="queue",
            hide="Keep it hidden",
            reason="人身攻击。",
        ),
    )
    assert comment_row(app, hidden)["state"] is CommentState.HIDDEN


def test_decide_one_comment_not_adopted_needs_a_reason(app, wjq, consultation_id):
    """不采纳 without a reason is refused with the rule; adopted is recorded and shown."""
    first = submit(app, consultation_id, "建议增加在线监测。", state=CommentState.PUBLISHED)
    refused = errors(
        comment_act(
            wjq, first, "decide", comments_path(consultation_id), decision="not_adopted", reason=""
        )
    )
    assert refused == {
        f"c{first}-decide-reason": "Give the reason why the comment is not adopted (不采纳)."
    }
    assert comment_row(app, first)["decision"] is None
    page = follow(
        wjq,
        comment_act(
            wjq,
            first,
            "decide",
            comments_path(consultation_id),
            decision="adopted",
            reason="已在报告书第5章补充在线监测方案。",
        ),
    )
    assert flashes(page) == [f"Comment {first} answered: Adopted (采纳)."]
    assert comment_row(app, first)["decision"] is CommentDecision.ADOPTED
    assert "Adopted (采纳)" in page and "已在报告书第5章补充在线监测方案。" in page


def test_bulk_decision_with_a_shared_explanation(app, wjq, consultation_id):
    """Ticked comments get one decision and explanation; the others stay undecided; none ticked is refused."""
    ids = [
        submit(app, consultation_id, f"关于噪声的意见{n}。", state=CommentState.PUBLISHED)
        for n in range(3)
    ]
    page = wjq.get(comments_path(consultation_id)).get_data(as_text=True)
    assert all(f'form="bulk-decide" name="comment_ids" value="{i}"' in page for i in ids)
    response = form_post(
        wjq,
        comments_path(consultation_id),
        f"{comments_path(consultation_id)}/decide",
        comment_ids=[str(ids[0]), str(ids[1])],
        decision="partly_adopted",
        reason="夜间施工时段已调整为22时前结束。",
    )
    assert "Decision recorded for 2 comments." in flashes(follow(wjq, response))
    rows = [comment_row(app, i) for i in ids]
    assert [r["decision"] for r in rows] == [CommentDecision.PARTLY_ADOPTED] * 2 + [None]
    assert (
        rows[0]["decision_reason"]
        == rows[1]["decision_reason"]
        == "夜间施工时段已调整为22时前结束。"
    )
    none = form_post(
        wjq,
        comments_path(consultation_id),
        f"{comments_path(consultation_id)}/decide",
        decision="adopted",
        reason="",
    )
    assert none.status_code == 400 and "Choose at least one comment." in none.get_data(as_text=True)
    refused = form_post(
        wjq,
        comments_path(consultation_id),
        f"{comments_path(consultation_id)}/decide",
        comment_ids=[str(ids[2])],
        decision="not_adopted",
        reason="",
    )
    assert refused.status_code == 400
    assert "Give the reason why the comment is not adopted" in text(refused.get_data(as_text=True))
    assert comment_row(app, ids[2])["decision"] is None


def test_statement_is_refused_while_a_comment_is_undecided_then_published(
    app, wjq, consultation_id
):
    """Closed with an undecided comment: refused, saying so; once all are decided: answered, shown with the matrix."""
    first = submit(
        app, consultation_id, "请增加绿化隔离带。", state=CommentState.PUBLISHED, paragraph=3
    )
    second = submit(app, consultation_id, "请公开环评全本。", state=CommentState.PUBLISHED)
    set_state(app, consultation_id, ConsultationState.CLOSED)
    page = wjq.get(show_path(consultation_id)).get_data(as_text=True)
    assert "Participation statement: preview" in page and "2 comments from one person" in page
    statement = "本次共收到意见2条,均已逐条答复,采纳情况见下表。"
    response = form_post(
        wjq,
        show_path(consultation_id),
        f"{show_path(consultation_id)}/statement",
        statement=statement,
    )
    assert any(
        "2 published comments have no decision yet" in m for m in flashes(follow(wjq, response))
    )
    assert get(app, consultation_id)["state"] is ConsultationState.CLOSED
    for comment_id, decision in ((first, "adopted"), (second, "out_of_scope")):
        follow(
            wjq,
            comment_act(
                wjq,
                comment_id,
                "decide",
                comments_path(consultation_id),
                decision=decision,
                reason="已答复。",
            ),
        )
    page = follow(
        wjq,
        form_post(
            wjq,
            show_path(consultation_id),
            f"{show_path(consultation_id)}/statement",
            statement=statement,
        ),
    )
    assert "The participation statement is published." in flashes(page)
    assert get(app, consultation_id)["state"] is ConsultationState.ANSWERED
    assert (
        statement in page
        and "Outside the scope of this consultation" in page
        and "statement-submit" not in page
    )


def test_contact_is_hidden_until_revealed_and_each_reveal_is_audited(app, wjq, consultation_id):
    """The tab never shows the phone; "Show contact" shows it on that no-store response and writes an audit record."""
    comment_id = submit(app, consultation_id, "请联系我了解现场情况。", phone=PHONE, email="")
    path = comments_path(consultation_id)
    assert PHONE not in wjq.get(path).get_data(as_text=True)
    missing = comment_act(wjq, comment_id, "contact", path, purpose="")
    assert errors(missing) == {
        f"c{comment_id}-contact-purpose": "Enter why you need the contact details."
    }
    assert PHONE not in missing.get_data(as_text=True)
    response = comment_act(wjq, comment_id, "contact", path, purpose="核实现场情况")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert PHONE in response.get_data(as_text=True)
    with app.app_context():
        records = db.session.scalars(
            sa.select(AuditRecord).where(AuditRecord.action == "comment_contact.read")
        ).all()
        assert [(r.subject_id, r.detail, r.actor_id) for r in records] == [
            (comment_id, "核实现场情况", user(app, "wjq").id)
        ]
    assert PHONE not in wjq.get(path).get_data(as_text=True)


def test_only_allowed_users_reveal_a_contact(app, wjq, consultation_id):
    """Another division's staff get 404 and no audit record; a site administrator may reveal (audited)."""
    comment_id = submit(
        app, consultation_id, "请联系我。", state=CommentState.PUBLISHED, phone=PHONE, email=""
    )
    stranger = staff_client(app, "shz", "第八师石河子市")
    response = comment_act(stranger, comment_id, "contact", "/console/", purpose="好奇")
    assert response.status_code == 404 and PHONE not in response.get_data(as_text=True)
    with app.app_context():
        reads = sa.select(AuditRecord.detail).where(AuditRecord.action == "comment_contact.read")
        assert db.session.scalars(reads).all() == []
    admin = staff_client(app, "root", "兵团审计局", role="site_admin")
    tab = admin.get(comments_path(consultation_id)).get_data(as_text=True)
    assert "read-only" in tab and "decide-submit" not in tab
    response = comment_act(
        admin, comment_id, "contact", comments_path(consultation_id), purpose="督查核实"
    )
    assert PHONE in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(reads).all() == ["督查核实"]
    refused = comment_act(
        admin, comment_id, "hide", comments_path(consultation_id), reason="管理员不能隐藏。"
    )
    assert (
        refused.status_code == 403
        and comment_row(app, comment_id)["state"] is CommentState.PUBLISHED
    )


def test_the_comments_tab_shows_state_paragraph_and_decision(app, wjq, consultation_id):
    """Every comment with its state, its paragraph and, once given, the decision."""
    pending = submit(app, consultation_id, "等待审核的意见。", paragraph=1)
    published = submit(app, consultation_id, "对全文的意见。", state=CommentState.PUBLISHED)
    page = wjq.get(comments_path(consultation_id)).get_data(as_text=True)

    def card(comment_id):
        return re.search(
            rf'<article class="comment" id="comment-{comment_id}".*?</article>', page, re.S
        ).group(0)

    assert "waiting for moderation" in card(pending) and "on paragraph 1" in card(pending)
    assert f'id="c{pending}-publish-submit"' in card(pending) and "decide-submit" not in card(
        pending
    )
    assert "published" in card(published) and "on the whole document" in card(published)
    assert f'id="c{published}-decide-submit"' in card(published)
    assert "2 comments; 1 published, 1 of them without decision." in text(page)
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "duplicate ids on the comments page"
