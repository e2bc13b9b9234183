"""Consultation pages for residents: the list, a consultation in each state, commenting, flags, the statement."""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.models import (
    Comment,
    CommentDecision,
    CommentState,
    ConsultationKind,
    ConsultationState,
    Hearing,
    ProjectStage,
    Task,
    User,
)
from portal.models.types import utcnow
from portal.services import clocks, comments, consultations
from portal.services.accounts import create_user
from portal.services.units import find_unit
from tests.helpers import PASSWORD, hidden_value

BJ = ZoneInfo("Asia/Shanghai")
UNIT = "第六师五家渠市"
STAFF = "wjq"
DOCUMENT = "第一段：项目概况。\n\n第二段：主要污染物及治理措施。\n\n第三段：环境风险。"
PLANTED_PHONE, PLANTED_EMAIL = "13912345678", "planted-commenter@example.org"
WITHDRAW_REASON = "建设单位已撤回项目申请，本次征求意见终止。"


def today():
    """Today in Beijing, the day the comment periods are counted in."""
    return clocks.local_day(utcnow())


def staff():
    """The responsible unit's staff member, made on first use."""
    user = db.session.scalar(sa.select(User).where(User.username == STAFF))
    return user or create_user(STAFF, UNIT, "staff", PASSWORD)


def project(name="五家渠市某化工园区污水处理厂扩建项目"):
    """A construction project of 第六师五家渠市."""
    return consultations.create_project(
        find_unit(UNIT),
        name,
        6,
        location="五家渠市经济技术开发区",
        developer="五家渠某水务有限公司",
    )


def draft(kind=ConsultationKind.POLICY_DRAFT, title="第六师生态环境保护条例(草案)", **fields):
    """A draft of 第六师五家渠市 (EIA drafts carry every notice item)."""
    if kind is ConsultationKind.EIA:
        fields = {
            "developer_contact": "0994-5800000",
            "eia_preparer": "新疆某环境科技有限公司",
            "how_to_comment": "在本平台逐段提交意见。",
            **fields,
        }
    return consultations.create_consultation(find_unit(UNIT), kind, title, DOCUMENT, 6, **fields)


def opened(who, consultation, days=40, ago=0):
    """Publish `consultation` as if on the day `ago` days back, for `days` days."""
    start = today() - timedelta(days=ago)
    consultations.publish(
        who,
        consultation,
        start,
        start + timedelta(days=days),
        current_app.config,
        now=utcnow() - timedelta(days=ago),
    )
    return consultation


def comment(
    consultation,
    body,
    publish=True,
    name="张三",
    publish_name=True,
    paragraph=None,
    phone=PLANTED_PHONE,
    email="",
):
    """A comment submitted while the consultation is open (at noon of its first day), published unless told not to."""
    submitted = datetime.combine(consultation.opens_on, time(12), tzinfo=BJ)
    item = comments.submit_comment(
        consultation,
        body,
        name,
        phone,
        email,
        publish_name,
        paragraph,
        now=submitted,
        secret=current_app.config["SECRET_KEY"],
    )
    if publish:
        comments.publish_comment(staff(), item)
    return item


def close(consultation):
    """Close `consultation` (its period must have ended) as the daily job does."""
    consultations.close_due(utcnow(), current_app.config)
    assert consultation.state is ConsultationState.CLOSED
    return consultation


def add_hearing(
    consultation, seats=50, closes_in=timedelta(days=18), place="五家渠市政务服务中心三楼会议室"
):
    """A hearing of `consultation`, announced now, in 20 days."""
    now = utcnow()
    hearing = Hearing(
        starts_at=now + timedelta(days=20),
        place=place,
        seats=seats,
        registration_closes_at=now + closes_in,
        eligibility="五家渠市居民",
        announced_at=now,
    )
    consultation.hearings.append(hearing)
    db.session.flush()
    return hearing


@pytest.fixture
def world(app):
    """An open EIA of a project (with a hearing and comments), an extended plan, a withdrawn and an answered
    policy draft, and an unpublished draft; ids by name."""
    with app.app_context():
        who = staff()
        site = project()
        eia = draft(
            ConsultationKind.EIA,
            "污水处理厂扩建项目环境影响报告书征求意见稿",
            project=site,
            stage=ProjectStage.APPROVAL,
            task_ids=[db.session.scalar(sa.select(Task.id).limit(1))],
            summary="扩建规模为每日五万吨。",
        )
        opened(who, eia)
        add_hearing(eia)
        named = comment(eia, "建议增加夜间噪声监测点位。", paragraph=2)
        anonymous = comment(
            eia,
            "厂址距离居民区太近，反对扩建。",
            name="李四不公开",
            publish_name=False,
            phone="",
            email=PLANTED_EMAIL,
        )
        waiting = comment(eia, "这条意见还在等待审核。", publish=False, name="王五")
        plan = opened(who, draft(ConsultationKind.PLAN, "五家渠市生态保护规划"), days=20)
        consultations.extend(who, plan, plan.closes_on + timedelta(days=10))
        withdrawn = opened(who, draft(title="第六师节水条例(草案)"))
        consultations.withdraw(who, withdrawn, WITHDRAW_REASON)
        answered = opened(who, draft(title="第六师生态补偿办法(草案)"), days=40, ago=50)
        adopted = comment(answered, "建议提高生态补偿标准。", paragraph=1)
        close(answered)
        comments.decide(who, adopted, CommentDecision.ADOPTED, "已在第一段提高补偿标准。")
        hearing = add_hearing(answered, place="五家渠市人民会堂")
        hearing.minutes, hearing.attendance_count, hearing.minutes_published_at = (
            "听证会记录：与会代表发言十二人。",
            12,
            utcnow(),
        )
        consultations.publish_statement(who, answered, "本次征求意见共收到一条意见，已全部采纳。")
        unpublished = draft(title="尚未发布的草稿")
        db.session.commit()
        return {
            "eia": eia.id,
            "plan": plan.id,
            "withdrawn": withdrawn.id,
            "answered": answered.id,
            "draft": unpublished.id,
            "named": named.id,
            "anonymous": anonymous.id,
            "waiting": waiting.id,
            "adopted": adopted.id,
            "project": site.id,
            "task": eia.tasks[0].id,
            "measure": eia.tasks[0].measure.number,
            "hearing": eia.hearings[0].id,
        }


def english(client):
    """Switch the client's interface to English (the msgids) and return it."""
    client.get("/language/en")
    return client


def page_of(client, path, status=200):
    """GET `path`, check the status, return the page text."""
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


def post_comment(client, consultation_id, **fields):
    """POST the comment form with a token from the consultation page; returns the response."""
    token = hidden_value(
        client.get(f"/consultations/{consultation_id}").get_data(as_text=True), "csrf_token"
    )
    data = {
        "csrf_token": token,
        "paragraph": "",
        "author_name": "赵六",
        "phone": "13800001111",
        "email": "",
        "body": "建议延长施工噪声的限制时段。",
        **fields,
    }
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"/consultations/{consultation_id}/comments", data=data)


# --- the list ------------------------------------------------------------------------------------


def test_index_lists_published_consultations_and_filters_them(client, world):
    """Every published consultation with its kind, state and period; drafts never; the filters narrow it."""
    page = page_of(english(client), "/consultations")
    for title in (
        "污水处理厂扩建项目环境影响报告书征求意见稿",
        "五家渠市生态保护规划",
        "第六师节水条例(草案)",
        "第六师生态补偿办法(草案)",
    ):
        assert title in page
    assert "尚未发布的草稿" not in page
    assert "4 consultations" in page
    assert "EIA of a construction project (建设项目环评)" in page and "2 published comments" in page
    assert "Extended to" in page
    eia_only = page_of(client, "/consultations?kind=eia")
    assert (
        "污水处理厂扩建项目环境影响报告书征求意见稿" in eia_only
        and "五家渠市生态保护规划" not in eia_only
    )
    assert '<option value="eia" selected>' in eia_only
    withdrawn = page_of(client, "/consultations?state=withdrawn&area=6")
    assert "第六师节水条例(草案)" in withdrawn and "第六师生态补偿办法(草案)" not in withdrawn
    assert "No consultation matches these filters." in page_of(client, "/consultations?area=8")
    approval = page_of(client, "/consultations?stage=approval")
    assert (
        "污水处理厂扩建项目环境影响报告书征求意见稿" in approval
        and "五家渠市生态保护规划" not in approval
    )


def test_index_refuses_a_bad_filter_and_pages(make_app):
    """An unknown filter value is a 400 naming the filter; the pager links the next page."""
    app = make_app(PER_PAGE=2)
    with app.app_context():
        who = staff()
        for n in range(3):
            opened(who, draft(title=f"草案第{n}号"))
        db.session.commit()
    client = english(app.test_client())
    first = page_of(client, "/consultations")
    assert "Page 1 of 2" in first and 'rel="next" href="?page=2"' in first
    assert "草案第2号" in first and "草案第0号" not in first
    second = page_of(client, "/consultations?page=2")
    assert "草案第0号" in second and "草案第2号" not in second
    refused = page_of(client, "/consultations?state=draft", 400)
    assert "The state “draft” is not one of the values offered." in refused


# --- one consultation ----------------------------------------------------------------------------


def test_open_consultation_shows_notice_document_hearings_comments_and_form(client, world):
    """The open EIA: notice items, numbered paragraphs to comment on, the hearing, published comments, the form."""
    page = page_of(english(client), f"/consultations/{world['eia']}")
    for text in (
        "Open for comments",
        "五家渠某水务有限公司",
        "0994-5800000",
        "新疆某环境科技有限公司",
        "在本平台逐段提交意见。",
        "五家渠市经济技术开发区",
        "扩建规模为每日五万吨。",
        "Approval (立项)",
    ):
        assert text in page
    assert f'href="/projects/{world["project"]}"' in page
    assert f'href="/measures/{world["measure"]}#task-{world["task"]}"' in page
    assert '<li id="p2" value="2">' in page and "第二段：主要污染物及治理措施。" in page
    assert f'href="/consultations/{world["eia"]}?paragraph=2#comment-form"' in page
    assert "Comment on paragraph 3" in page
    assert (
        f'href="/hearings/{world["hearing"]}"' in page and "五家渠市政务服务中心三楼会议室" in page
    )
    assert "50 of 50" in page
    assert "建议增加夜间噪声监测点位。" in page and "张三" in page and "On paragraph 2" in page
    assert (
        "厂址距离居民区太近" in page and "Member of the public" in page and "李四不公开" not in page
    )
    assert "这条意见还在等待审核。" not in page
    assert page.count('class="flag-form"') == 2
    assert f'action="/consultations/{world["eia"]}/comments"' in page
    assert "at least one of the two" in page and "confidential" in page
    preselected = page_of(client, f"/consultations/{world['eia']}?paragraph=2")
    assert (
        '<option selected value="2">' in preselected or '<option value="2" selected>' in preselected
    )


def test_extended_consultation_shows_both_dates(client, world, app):
    """An extended period shows the new end date and the original one."""
    with app.app_context():
        plan = consultations.POLICY.get_public(world["plan"])
        new, original = plan.closes_on.isoformat(), plan.original_closes_on.isoformat()
    page = page_of(english(client), f"/consultations/{world['plan']}")
    assert new in page
    assert f"Extended: the period first ended on {original}." in page


def test_withdrawn_consultation_keeps_its_page_with_the_reason(client, world):
    """The reason is shown prominently; the document stays; no comment form, but a note why."""
    page = page_of(english(client), f"/consultations/{world['withdrawn']}")
    assert "This consultation was withdrawn" in page and WITHDRAW_REASON in page
    assert "第一段：项目概况。" in page
    assert "This consultation was withdrawn; comments are no longer accepted." in page
    assert 'name="body"' not in page and "Comment on paragraph" not in page


def test_consultation_not_yet_open_says_when_it_opens(client, app):
    """Published with a later start: the document is readable, the form is replaced by the opening date."""
    with app.app_context():
        later = opened(staff(), draft(title="下周开始征求意见的草案"), ago=-3)
        later_id, opens_on = later.id, later.opens_on.isoformat()
        db.session.commit()
    page = page_of(english(client), f"/consultations/{later_id}")
    assert f"Comments are not accepted yet: this consultation opens on {opens_on}." in page
    assert "第一段：项目概况。" in page and 'name="body"' not in page


def test_answered_consultation_links_the_statement_and_shows_decisions(client, world, app):
    """Closed with a date in the note, each comment's decision and reason, the statement link, hearing minutes."""
    with app.app_context():
        closes_on = consultations.POLICY.get_public(world["answered"]).closes_on.isoformat()
    page = page_of(english(client), f"/consultations/{world['answered']}")
    assert f"Comments are no longer accepted: this consultation closed on {closes_on}." in page
    assert "Adopted (采纳)" in page and "已在第一段提高补偿标准。" in page
    assert f'href="/consultations/{world["answered"]}/statement"' in page
    assert "听证会记录：与会代表发言十二人。" in page and "12 people attended" in page
    assert 'name="body"' not in page


def test_drafts_do_not_exist_for_the_public(client, world):
    """A draft's page, statement, comment form and unknown numbers answer 404."""
    page_of(client, f"/consultations/{world['draft']}", 404)
    page_of(client, f"/consultations/{world['draft']}/statement", 404)
    page_of(client, "/consultations/99999", 404)
    token = hidden_value(
        client.get(f"/consultations/{world['eia']}").get_data(as_text=True), "csrf_token"
    )
    refused = client.post(
        f"/consultations/{world['draft']}/comments",
        data={"csrf_token": token, "body": "意见内容。"},
    )
    assert refused.status_code == 404


# --- commenting ----------------------------------------------------------------------------------


def test_comment_waits_for_moderation_then_appears(client, world, app):
    """A comment is received (confirmation page), pending and invisible until the unit publishes it."""
    response = post_comment(
        english(client),
        world["eia"],
        paragraph="3",
        body="第三段的环境风险评估不够充分。",
        publish_name="y",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/consultations/{world['eia']}/comments/received")
    received = page_of(client, response.headers["Location"])
    assert "waits for moderation" in received and "participation statement" in received
    assert "第三段的环境风险评估不够充分。" not in page_of(client, f"/consultations/{world['eia']}")
    with app.app_context():
        item = db.session.scalar(
            sa.select(Comment).where(Comment.body == "第三段的环境风险评估不够充分。")
        )
        assert (
            item.state is CommentState.PENDING and item.paragraph.number == 3 and item.publish_name
        )
        comments.publish_comment(staff(), item)
        db.session.commit()
    page = page_of(client, f"/consultations/{world['eia']}")
    assert "第三段的环境风险评估不够充分。" in page and "赵六" in page


@pytest.mark.parametrize(
    "fields, field, message",
    [
        (
            {"body": "太短"},
            "body",
            "Your comment must be between 5 and 5,000 characters (it has 2).",
        ),
        (
            {"phone": "", "email": ""},
            "phone",
            "Enter your phone number or your email address: the rules",
        ),
        (
            {"email": "not-an-address", "phone": ""},
            "email",
            "Enter your email address in the right format, like name@example.com.",
        ),
        ({"author_name": " "}, "author_name", "Enter your name."),
        (
            {"paragraph": "9"},
            "paragraph",
            "The part you comment on does not exist: the document has no paragraph 9.",
        ),
    ],
)
def test_invalid_comment_is_refused_on_its_field(client, world, app, fields, field, message):
    """The consultation page comes back (400) with the message under the named field; nothing is stored."""
    response = post_comment(english(client), world["eia"], **fields)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    error = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', page)
    assert error and message in error.group(1), page[page.find("comment-form-title") :][:3000]
    assert "第二段：主要污染物及治理措施。" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 4


@pytest.mark.parametrize(
    "language, names",
    [
        (
            "en",
            [
                "the part you comment on",
                "your comment",
                "your name",
                "your phone number",
                "your email address",
            ],
        ),
        ("zh_Hans_CN", ["意见所针对的部分", "意见内容", "姓名", "联系电话", "电子邮箱"]),
    ],
)
def test_every_error_of_a_comment_comes_back_at_once(client, world, app, language, names):
    """One submit with five mistakes: five messages, in the summary and under their fields, each naming its field
    once (no "意见内容: 意见：…"), in the page's language; nothing is stored."""
    client.get(f"/language/{language}")
    response = post_comment(
        client,
        world["eia"],
        paragraph="9",
        author_name=" ",
        phone="138-abc",
        email="not-an-address",
        body="太短",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    summary = re.search(r'<div class="error-summary".*?</ul>', page, re.S).group(0)
    listed = re.findall(r'<li><a href="#([\w-]+)">([^<]*)</a></li>', summary)
    assert [anchor for anchor, _message in listed] == [
        "paragraph",
        "body",
        "author_name",
        "phone",
        "email",
    ]
    for (anchor, message), name in zip(listed, names, strict=True):
        shown = re.search(rf'<p class="field-error" id="{anchor}-error">([^<]*)</p>', page).group(1)
        assert shown == message and message.casefold().count(name.casefold()) == 1, (message, name)
        assert ": " + message not in page and "：" + message not in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 4


def test_late_comment_is_refused_with_a_clear_message(client, world, app):
    """A comment on a closed consultation gets 409 and the closing date, not a 500."""
    with app.app_context():
        who = staff()
        late = close(opened(who, draft(title="已截止的草案"), days=40, ago=50))
        late_id, closes_on = late.id, late.closes_on.isoformat()
        db.session.commit()
    english(client)
    token = hidden_value(
        client.get(f"/consultations/{world['eia']}").get_data(as_text=True), "csrf_token"
    )
    response = client.post(
        f"/consultations/{late_id}/comments",
        data={
            "csrf_token": token,
            "author_name": "赵六",
            "phone": "13800001111",
            "body": "迟到的意见内容。",
        },
    )
    assert response.status_code == 409
    message = f"Comments are no longer accepted: this consultation closed on {closes_on}."
    assert message in response.get_data(as_text=True)


# --- flags ---------------------------------------------------------------------------------------


def flag(app, consultation_id, comment_id, address):
    """Flag a comment from a new client at `address`; returns the response."""
    client = english(app.test_client())
    client.environ_base["REMOTE_ADDR"] = address
    token = hidden_value(
        client.get(f"/consultations/{consultation_id}").get_data(as_text=True), "csrf_token"
    )
    return client.post(
        f"/consultations/{consultation_id}/comments/{comment_id}/flag",
        data={"csrf_token": token},
        follow_redirects=False,
    ), client


def test_flags_count_once_per_client_and_three_hide_the_comment(app, world):
    """Thanks and back to the comment; the same client twice counts once; 3 different clients hide it."""
    response, client = flag(app, world["eia"], world["named"], "198.51.100.1")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/consultations/{world['eia']}#comment-{world['named']}"
    )
    assert "Thank you, the unit will review it." in page_of(
        client, f"/consultations/{world['eia']}"
    )
    flag(app, world["eia"], world["named"], "198.51.100.1")
    flag(app, world["eia"], world["named"], "198.51.100.2")
    with app.app_context():
        assert db.session.get(Comment, world["named"]).flag_count == 2
    assert "建议增加夜间噪声监测点位。" in page_of(
        app.test_client(), f"/consultations/{world['eia']}"
    )
    flag(app, world["eia"], world["named"], "198.51.100.3")
    with app.app_context():
        assert db.session.get(Comment, world["named"]).state is CommentState.FLAGGED
    assert "建议增加夜间噪声监测点位。" not in page_of(
        app.test_client(), f"/consultations/{world['eia']}"
    )


def test_flag_of_a_comment_that_is_not_published_is_404(app, world):
    """Only published comments can be flagged; a comment of another consultation is not found either."""
    assert flag(app, world["eia"], world["waiting"], "198.51.100.9")[0].status_code == 404
    assert flag(app, world["answered"], world["named"], "198.51.100.9")[0].status_code == 404


# --- the participation statement -----------------------------------------------------------------


def test_statement_page_printable_and_downloadable(client, world):
    """Counts, the adoption matrix, hearings with minutes, the unit's text; print and download versions."""
    page_of(client, f"/consultations/{world['eia']}/statement", 404)
    page = page_of(english(client), f"/consultations/{world['answered']}/statement")
    for text in (
        "1 comment from one person",
        "建议提高生态补偿标准。",
        "Adopted (采纳)",
        "已在第一段提高补偿标准。",
        "本次征求意见共收到一条意见，已全部采纳。",
        "五家渠市人民会堂",
        "听证会记录：与会代表发言十二人。",
        "Comments on this portal",
        UNIT,
    ):
        assert text in page, text
    assert 'aria-label="Main navigation"' in page
    assert f'href="/consultations/{world["answered"]}/statement?print=1"' in page
    assert f'href="/consultations/{world["answered"]}/statement?download=1"' in page
    printable = page_of(client, f"/consultations/{world['answered']}/statement?print=1")
    assert (
        'aria-label="Main navigation"' not in printable
        and "<title>Participation statement" in printable
    )
    assert "本次征求意见共收到一条意见，已全部采纳。" in printable and UNIT in printable
    download = client.get(f"/consultations/{world['answered']}/statement?download=1")
    assert download.status_code == 200
    assert (
        download.headers["Content-Disposition"]
        == f'attachment; filename="statement-{world["answered"]}.html"'
    )
    # Opened from disk, the file links its stylesheet under PORTAL_PUBLIC_URL; the page shown links it on this site.
    stylesheet = re.search(r'href="/static/css/portal\.css\?v=[0-9a-f]{10}"', printable).group()
    assert download.get_data(as_text=True) == printable.replace(
        stylesheet, stylesheet.replace('"/', '"http://localhost/')
    )


# --- confidentiality -----------------------------------------------------------------------------


def test_commenters_contacts_never_appear_on_public_pages(client, world):
    """The planted phone and email of commenters appear on no consultation, statement or project page."""
    paths = [
        "/consultations",
        f"/consultations/{world['eia']}",
        f"/consultations/{world['answered']}",
        f"/consultations/{world['answered']}/statement",
        f"/consultations/{world['answered']}/statement?print=1",
        f"/projects/{world['project']}",
        f"/hearings/{world['hearing']}",
        f"/consultations/{world['eia']}/comments/received",
    ]
    for language in ("zh", "en"):
        if language == "en":
            english(client)
        for path in paths:
            page = page_of(client, path)
            assert PLANTED_PHONE not in page and PLANTED_EMAIL not in page, path
