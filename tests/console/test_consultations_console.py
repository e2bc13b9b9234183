"""Staff consultations in the console: the list, drafting and editing, publishing under the EIA rules, extending,
withdrawing, attachments (upload, refusal, downloads), other units, and valid HTML of every new console page."""

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.models import Consultation, ConsultationKind, ConsultationState, Project, User
from portal.models.consultations import ConsultationAttachment
from portal.models.types import utcnow
from portal.services import clocks, comments, consultations, hearings
from tests.helpers import hidden_value, jpeg_photo, staff_client, summary_of
from tests.services.test_evidence import minimal_pdf

UNIT = "第六师五家渠市"
DOCUMENT = "第一段：项目概况。\n\n第二段：主要污染物及治理措施。\n\n第三段：环境风险。"
CHANGED = "changed by someone else"


# --- helpers shared by the console tests of consultations, comments and hearings -------------------


def today():
    """Today in Beijing, the day comment periods are counted in."""
    return clocks.local_day(utcnow())


def flashes(page):
    """Flashed messages shown on a page."""
    return [
        re.sub(r"\s+", " ", m).strip()
        for m in re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', page, re.S)
    ]


def text(page):
    """A page's text without tags, whitespace collapsed, entities of quotes decoded (for assertions)."""
    plain = (
        re.sub(r"<[^>]+>", " ", page)
        .replace("&#34;", '"')
        .replace("&#39;", "'")
        .replace("&amp;", "&")
    )
    return re.sub(r"\s+", " ", plain)


def user(app, username):
    """The account `username` (in the current app context)."""
    return db.session.scalar(sa.select(User).where(User.username == username))


def make_consultation(
    app, username="wjq", kind=ConsultationKind.EIA, publish=False, complete=True, **fields
):
    """A consultation of the user's unit built through the services (published from today for a month); its id."""
    with app.app_context():
        staff = user(app, username)
        values = {
            "kind": kind,
            "title": "五家渠污水处理厂扩建项目环境影响报告书",
            "body_text": DOCUMENT,
            "area": 6,
        }
        if kind is ConsultationKind.EIA and complete:
            site = consultations.create_project(
                staff.unit,
                "五家渠污水处理厂扩建",
                6,
                location="五家渠市开发区",
                developer="五家渠某水务有限公司",
            )
            values.update(
                project=site,
                stage="approval",
                developer_contact="0994-5800000",
                eia_preparer="新疆某环境科技有限公司",
                how_to_comment="在本平台逐段提交意见。",
            )
        values.update(fields)
        consultation = consultations.create_consultation(staff.unit, created_by=staff, **values)
        if publish:
            consultations.publish(
                staff, consultation, today(), today() + timedelta(days=30), app.config
            )
        db.session.commit()
        return consultation.id


def set_state(app, consultation_id, state):
    """Move a consultation to `state` directly (e.g. CLOSED, as `portal tick` does after the closing day)."""
    with app.app_context():
        db.session.execute(
            sa.update(Consultation).where(Consultation.id == consultation_id).values(state=state)
        )
        db.session.commit()


def get(app, consultation_id):
    """A snapshot of a consultation's columns."""
    with app.app_context():
        row = db.session.execute(
            sa.select(Consultation.__table__).where(Consultation.id == consultation_id)
        ).one()
        return dict(row._mapping)


def form_post(client, page_path, action_path, **fields):
    """POST to `action_path` with the CSRF token (and consultation version) of the page at `page_path`."""
    page = client.get(page_path).get_data(as_text=True)
    data = {"csrf_token": hidden_value(page, "csrf_token"), **fields}
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page)
    if version and "version" not in fields:
        data["version"] = version.group(1)
    return client.post(action_path, data={k: v for k, v in data.items() if v is not None})


def follow(client, response):
    """GET where a redirect points; the page text."""
    assert response.status_code == 302, (
        response.status_code,
        response.get_data(as_text=True)[:3000],
    )
    return client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.fixture
def wjq(app):
    """Logged-in staff of 第六师五家渠市 (English)."""
    return staff_client(app, "wjq", UNIT)


@pytest.fixture
def stranger(app):
    """Logged-in staff of 第八师石河子市, another division."""
    return staff_client(app, "shz", "第八师石河子市")


def show_path(consultation_id):
    """The manage page of a consultation."""
    return f"/console/consultations/{consultation_id}"


def act(client, consultation_id, action, **fields):
    """POST an action of the manage page with its token and version."""
    return form_post(
        client, show_path(consultation_id), f"{show_path(consultation_id)}/{action}", **fields
    )


NEW_EIA = {
    "kind": "eia",
    "title": "五家渠污水处理厂扩建项目环境影响报告书征求意见稿",
    "summary": "扩建规模每日5万吨。",
    "body_text": DOCUMENT,
    "area": "6",
    "project": "new",
    "name": "五家渠污水处理厂扩建",
    "location": "五家渠市开发区",
    "developer": "五家渠某水务有限公司",
    "stage": "approval",
}


# --- the list -------------------------------------------------------------------------------------


def test_empty_list_invites_a_new_consultation(app, wjq):
    """A unit without consultations is told so and offered the button; the console home links the pages."""
    page = wjq.get("/console/consultations").get_data(as_text=True)
    assert "Your unit has no consultation yet." in page
    assert 'href="/console/consultations/new"' in page and "New consultation" in page
    home = wjq.get("/console/").get_data(as_text=True)
    assert 'href="/console/consultations"' in home and 'href="/console/comments"' in home
    assert "Comments waiting for moderation</a>\n    (0)" in home


def test_list_shows_state_counts_and_filters(app, wjq):
    """Counts of comments waiting and without decision per consultation; the state filter narrows the list."""
    draft_id = make_consultation(app, title="草案:五家渠市园林绿化规划", kind=ConsultationKind.PLAN)
    open_id = make_consultation(app, publish=True)
    with app.app_context():
        item = db.session.get(Consultation, open_id)
        for n in range(3):
            comments.submit_comment(
                item,
                f"第{n}条意见:请加强污泥处置。",
                "居民",
                "",
                f"r{n}@example.org",
                False,
                secret=current_app.config["SECRET_KEY"],
            )
        published = comments.submit_comment(
            item,
            "已发布的意见,尚未答复。",
            "居民",
            "13800138000",
            "",
            True,
            secret=current_app.config["SECRET_KEY"],
        )
        comments.publish_comment(user(app, "wjq"), published)
        db.session.commit()
    page = wjq.get("/console/consultations").get_data(as_text=True)
    row = re.search(rf'href="/console/consultations/{open_id}".*?</tr>', page, re.S).group(0)
    assert re.findall(r"<td>(?:<a [^>]+><strong>)?(\d+)", row) == ["3", "1"]
    assert "Open for comments" in row and today().isoformat() in row
    assert f'/console/consultations/{draft_id}"' in page
    only_open = wjq.get("/console/consultations?state=open").get_data(as_text=True)
    assert (
        f'/console/consultations/{open_id}"' in only_open
        and f'/console/consultations/{draft_id}"' not in only_open
    )
    answered = wjq.get("/console/consultations?state=answered").get_data(as_text=True)
    assert "No consultation is in this state." in answered
    assert wjq.get("/console/consultations?state=bogus").status_code == 200
    # A page that is not a page number is refused naming it, as on every list (it was quietly page 1).
    assert wjq.get("/console/consultations?page=x").status_code == 400


def test_the_list_pages_at_twenty(app, wjq):
    """21 consultations: 20 on the first page, a link to the second keeping the filter."""
    with app.app_context():
        staff = user(app, "wjq")
        for n in range(21):
            consultations.create_consultation(
                staff.unit, "policy_draft", f"草案{n}", DOCUMENT, 6, created_by=staff
            )
        db.session.commit()
    first = wjq.get("/console/consultations?state=draft").get_data(as_text=True)
    assert len(re.findall(r'<th scope="row">', first)) == 20 and "Page 1 of 2" in first
    second = wjq.get("/console/consultations?state=draft&page=2").get_data(as_text=True)
    assert len(re.findall(r'<th scope="row">', second)) == 1


# --- drafting and the EIA rules -------------------------------------------------------------------


def test_create_edit_and_publish_an_eia_under_its_rules(app, wjq):
    """Create → refused publication listing missing EIA items → edit → too short a period refused naming the rule
    → published with the working days counted."""
    response = form_post(
        wjq,
        "/console/consultations/new",
        "/console/consultations/new",
        tasks=["14", "15"],
        **NEW_EIA,
    )
    page = follow(wjq, response)
    consultation_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert "Draft saved." in " ".join(flashes(page))
    assert '<li id="paragraph-3" value="3"><p class="prewrap">第三段：环境风险。</p>' in page
    with app.app_context():
        item = db.session.get(Consultation, consultation_id)
        assert item.project.name == "五家渠污水处理厂扩建" and item.project.unit.name == UNIT
        assert [t.id for t in item.tasks] == [14, 15] and item.state is ConsultationState.DRAFT
    assert "Still missing before this EIA notice can be published" in page

    refused = act(
        wjq,
        consultation_id,
        "publish",
        opens_on=today().isoformat(),
        closes_on=(today() + timedelta(days=30)).isoformat(),
    )
    assert refused.status_code == 400
    message = text(refused.get_data(as_text=True))
    assert "The EIA notice lacks required items (《环境影响评价公众参与办法》)" in message
    for item in ("developer and its contact details", "EIA document preparer", "how to comment"):
        assert item in message

    edit_path = f"/console/consultations/{consultation_id}/edit"
    edit_page = wjq.get(edit_path).get_data(as_text=True)
    assert (
        "五家渠污水处理厂扩建项目环境影响报告书征求意见稿" in edit_page
        and "Separate paragraphs with a blank line" in edit_page
    )
    assert re.search(r'value="14" id="task-14" checked', edit_page)
    saved = form_post(
        wjq,
        edit_path,
        edit_path,
        **{
            **NEW_EIA,
            "project": hidden_project(edit_page),
            "title": "扩建项目环评(第二稿)",
            "tasks": ["14"],
            "developer_contact": "0994-5800000",
            "eia_preparer": "新疆某环境科技有限公司",
            "how_to_comment": "在本平台提交意见。",
            "body_text": DOCUMENT + "\n\n第四段：公众参与。",
        },
    )
    page = follow(wjq, saved)
    assert "扩建项目环评(第二稿)" in page and "第四段：公众参与。" in page
    missing = re.search(r"Still missing before this EIA notice.*?</ul>", page, re.S).group(0)
    assert "start and end dates" in missing and "EIA document preparer" not in missing
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Project)) == 1

    short = act(
        wjq,
        consultation_id,
        "publish",
        opens_on=today().isoformat(),
        closes_on=(today() + timedelta(days=3)).isoformat(),
    )
    assert short.status_code == 400
    message = text(short.get_data(as_text=True))
    assert (
        "the 《环境影响评价公众参与办法》 requires at least 10 working days for comments on an EIA"
        in message
    )
    assert get(app, consultation_id)["state"] is ConsultationState.DRAFT

    closes = today() + timedelta(days=30)
    asked = act(
        wjq, consultation_id, "publish", opens_on=today().isoformat(), closes_on=closes.isoformat()
    )
    assert (
        asked.status_code == 200 and get(app, consultation_id)["state"] is ConsultationState.DRAFT
    )
    page = follow(
        wjq,
        act(
            wjq,
            consultation_id,
            "publish",
            opens_on=today().isoformat(),
            closes_on=closes.isoformat(),
            confirm="yes",
        ),
    )
    with app.app_context():
        expected = consultations.count_period(today(), closes, 10).working_days
    assert (
        f"Published. Comments are open from {today().isoformat()} to {closes.isoformat()}: "
        f"{expected} working days."
    ) in " ".join(flashes(page))
    assert get(app, consultation_id)["state"] is ConsultationState.OPEN
    assert f'href="/consultations/{consultation_id}"' in page  # the public page
    assert wjq.get(edit_path).status_code == 302


def hidden_project(page):
    """The selected option of the drafting form's project list."""
    projects = re.search(r'<select[^>]* name="project">(.*?)</select>', page, re.S).group(1)
    return re.search(r'<option selected value="(\d+)">', projects).group(1)


def test_drafting_errors_are_shown_on_their_fields(app, wjq):
    """Empty title (form) and a stage without a project (service) are named on their fields, nothing saved."""
    response = form_post(
        wjq,
        "/console/consultations/new",
        "/console/consultations/new",
        **{**NEW_EIA, "title": "", "project": ""},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="title-error"' in page
    response = form_post(
        wjq,
        "/console/consultations/new",
        "/console/consultations/new",
        **{**NEW_EIA, "project": ""},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert (
        "A project stage belongs to a construction project: choose the project too." in page
        and 'id="stage-error"' in page
    )
    response = form_post(
        wjq,
        "/console/consultations/new",
        "/console/consultations/new",
        **{**NEW_EIA, "kind": "policy_draft", "stage": ""},
    )
    assert "Only an EIA or a plan belongs to a construction project" in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Consultation)) == 0
        assert (
            db.session.scalar(sa.select(sa.func.count()).select_from(Project)) == 0
        )  # rolled back with it


def test_a_stale_edit_says_changed_meanwhile_and_keeps_the_text(app, wjq):
    """Someone saved the draft after the page was loaded: 409, the message, and the user's text still there."""
    consultation_id = make_consultation(
        app, kind=ConsultationKind.POLICY_DRAFT, title="第六师条例(草案)"
    )
    edit_path = f"/console/consultations/{consultation_id}/edit"
    page = wjq.get(edit_path).get_data(as_text=True)
    with app.app_context():
        item = db.session.get(Consultation, consultation_id)
        consultations.update_draft(user(app, "wjq"), item, title="同事修改的标题")
        db.session.commit()
    data = {
        "csrf_token": hidden_value(page, "csrf_token"),
        "version": hidden_value(page, "version"),
        "kind": "policy_draft",
        "title": "我的修改",
        "body_text": "我的新段落。",
        "area": "6",
        "project": "",
        "stage": "",
    }
    response = wjq.post(edit_path, data=data)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert CHANGED in page and "我的新段落。" in page
    assert get(app, consultation_id)["title"] == "同事修改的标题"
    again = wjq.post(edit_path, data={**data, "version": hidden_value(page, "version")})
    assert again.status_code == 302 and get(app, consultation_id)["title"] == "我的修改"


def test_a_stale_action_says_changed_meanwhile(app, wjq):
    """Publishing from a page loaded before an edit is refused with the message; the draft stays."""
    consultation_id = make_consultation(app, kind=ConsultationKind.POLICY_DRAFT)
    page = wjq.get(show_path(consultation_id)).get_data(as_text=True)
    with app.app_context():
        consultations.update_draft(
            user(app, "wjq"), db.session.get(Consultation, consultation_id), title="新标题"
        )
        db.session.commit()
    response = wjq.post(
        f"{show_path(consultation_id)}/publish",
        data={
            "csrf_token": hidden_value(page, "csrf_token"),
            "version": hidden_value(page, "version"),
            "opens_on": today().isoformat(),
            "closes_on": (today() + timedelta(days=20)).isoformat(),
        },
    )
    assert any(CHANGED in m for m in flashes(follow(wjq, response)))
    assert get(app, consultation_id)["state"] is ConsultationState.DRAFT
    tampered = wjq.post(
        f"{show_path(consultation_id)}/publish",
        data={
            "csrf_token": hidden_value(page, "csrf_token"),
            "version": "abc",
            "opens_on": today().isoformat(),
            "closes_on": (today() + timedelta(days=20)).isoformat(),
        },
    )
    assert tampered.status_code == 400
    [(link, message)] = summary_of(tampered.get_data(as_text=True))
    assert link is None and "out of date" in message


def test_extend_shows_the_new_date_and_the_first_one(app, wjq):
    """An open consultation gets a later last day; the page shows both."""
    consultation_id = make_consultation(app, publish=True)
    first = today() + timedelta(days=30)
    refused = act(wjq, consultation_id, "extend", closes_on=first.isoformat())
    assert refused.status_code == 400
    assert f"The new last day must be after the current last day, {first.isoformat()}." in text(
        refused.get_data(as_text=True)
    )
    later = first + timedelta(days=10)
    page = follow(wjq, act(wjq, consultation_id, "extend", closes_on=later.isoformat()))
    assert f"Extended: comments are now open until {later.isoformat()}." in flashes(page)
    assert later.isoformat() in page and f"Extended; it first ended on {first.isoformat()}." in page
    assert get(app, consultation_id)["closes_on"] == later


def test_withdraw_needs_a_public_reason(app, wjq):
    """No reason: refused on the field; with one: withdrawn and the reason shown."""
    consultation_id = make_consultation(app, publish=True)
    refused = act(wjq, consultation_id, "withdraw", reason="")
    assert refused.status_code == 400 and 'id="withdraw-reason-error"' in refused.get_data(
        as_text=True
    )
    short = act(wjq, consultation_id, "withdraw", reason="撤回")
    assert "Reason must be between 5 and 2000 characters." in text(short.get_data(as_text=True))
    assert get(app, consultation_id)["state"] is ConsultationState.OPEN
    page = follow(
        wjq,
        act(
            wjq,
            consultation_id,
            "withdraw",
            reason="项目选址调整,本次征求意见撤回。",
            confirm="yes",
        ),
    )
    assert get(app, consultation_id)["state"] is ConsultationState.WITHDRAWN
    assert "项目选址调整,本次征求意见撤回。" in page and "withdraw-submit" not in page


@pytest.mark.parametrize("action", ["publish", "withdraw"])
def test_publishing_and_withdrawing_ask_first(app, wjq, action):
    """The first POST restates what will happen and changes nothing; the confirmed POST acts; cancel goes back."""
    from portal.models import MailMessage
    from tests.console.test_reports import confirmation_form

    consultation_id = make_consultation(
        app,
        kind=ConsultationKind.POLICY_DRAFT,
        publish=action == "withdraw",
        title="第六师生态环境保护规划(草案)",
    )
    closes = today() + timedelta(days=20)
    fields = (
        {"opens_on": today().isoformat(), "closes_on": closes.isoformat()}
        if action == "publish"
        else {"reason": "规划编制依据调整,本次征求意见撤回。"}
    )
    before = get(app, consultation_id)
    with app.app_context():
        mail_before = db.session.scalar(sa.select(sa.func.count()).select_from(MailMessage))
    first = act(wjq, consultation_id, action, **fields)
    page = first.get_data(as_text=True)
    verb = {"publish": "Publish", "withdraw": "Withdraw"}[action]
    assert first.status_code == 200 and f"<h1>{verb} “第六师生态环境保护规划(草案)”?</h1>" in page
    assert "cannot be undone" in text(page)
    if action == "publish":
        with app.app_context():
            days = consultations.count_period(today(), closes, 1).working_days
        assert (
            f"comments are taken from {today().isoformat()} to {closes.isoformat()} ({days} working days)"
            in text(page)
        )
    else:
        assert (
            "规划编制依据调整,本次征求意见撤回。" in page
            and "Comments are no longer taken." in page
        )
    assert f'href="{show_path(consultation_id)}"' in page
    assert get(app, consultation_id) == before
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MailMessage)) == mail_before
    sent, label = confirmation_form(page)
    assert label == {"publish": "Confirm publishing", "withdraw": "Confirm withdrawal"}[action]
    assert {k: v[0] for k, v in sent.items() if k in fields} == fields and sent["version"] == [
        str(before["version"])
    ]
    done = follow(
        wjq, wjq.post(f"{show_path(consultation_id)}/{action}", data={**sent, "confirm": "yes"})
    )
    expected = {"publish": ConsultationState.OPEN, "withdraw": ConsultationState.WITHDRAWN}[action]
    assert get(app, consultation_id)["state"] is expected
    assert {"publish": "Published.", "withdraw": "Withdrawn."}[action] in " ".join(flashes(done))


def test_actions_follow_the_state(app, wjq):
    """A draft offers publish and withdraw, an open one extend, withdraw and a hearing; closed, the statement."""
    draft_id = make_consultation(app, kind=ConsultationKind.POLICY_DRAFT)
    open_id = make_consultation(app, publish=True)

    def forms_of(cid):
        return set(re.findall(r'id="(\w+)-submit"', wjq.get(show_path(cid)).get_data(as_text=True)))

    assert forms_of(draft_id) >= {"publish", "withdraw", "attachment"} and "extend" not in forms_of(
        draft_id
    )
    assert forms_of(open_id) >= {
        "extend",
        "withdraw",
        "attachment",
        "hearing",
    } and "publish" not in forms_of(open_id)
    set_state(app, open_id, ConsultationState.CLOSED)
    assert forms_of(open_id) >= {"statement", "hearing"} and "withdraw" not in forms_of(open_id)


# --- access ---------------------------------------------------------------------------------------


def test_another_units_staff_get_404_on_every_page_and_action(app, wjq, stranger):
    """Drafts and public consultations alike: pages, files, comments, hearings and every POST answer 404."""
    draft_id = make_consultation(app, kind=ConsultationKind.POLICY_DRAFT)
    open_id = make_consultation(app, publish=True)
    with app.app_context():
        item = db.session.get(Consultation, open_id)
        comment = comments.submit_comment(
            item,
            "请公开污泥去向。",
            "居民",
            "13800138000",
            "",
            True,
            secret=current_app.config["SECRET_KEY"],
        )
        from portal.services import attachments

        attachment = attachments.add_attachment(
            user(app, "wjq"), item, "a.pdf", minimal_pdf(), app.config
        )
        start = utcnow() + timedelta(days=40)
        hearing = hearings.schedule(
            user(app, "wjq"),
            item,
            start,
            "五家渠市政府会议室",
            10,
            start - timedelta(days=2),
            "",
            app.config,
        )
        db.session.commit()
        comment_id, attachment_id, hearing_id = comment.id, attachment.id, hearing.id
    token = hidden_value(stranger.get("/console/").get_data(as_text=True), "csrf_token")
    for cid in (draft_id, open_id):
        for path in (show_path(cid), f"{show_path(cid)}/edit", f"{show_path(cid)}/comments"):
            assert stranger.get(path).status_code == 404, path
        for action in (
            "publish",
            "extend",
            "withdraw",
            "statement",
            "edit",
            "attachments",
            "hearings",
            "comments/decide",
        ):
            assert (
                stranger.post(
                    f"{show_path(cid)}/{action}",
                    data={"csrf_token": token, "version": "1", "reason": "别的单位想撤回它。"},
                ).status_code
                == 404
            )
    assert stranger.get(f"{show_path(open_id)}/attachments/{attachment_id}").status_code == 404
    assert (
        stranger.post(
            f"{show_path(open_id)}/attachments/{attachment_id}/remove", data={"csrf_token": token}
        ).status_code
        == 404
    )
    for action in ("publish", "hide", "review", "decide", "contact"):
        assert (
            stranger.post(
                f"/console/comments/{comment_id}/{action}",
                data={"csrf_token": token, "reason": "别的单位想隐藏它。", "purpose": "好奇"},
            ).status_code
            == 404
        )
    assert stranger.get(f"/console/comments?consultation={open_id}").status_code == 404
    for path in (
        f"/console/hearings/{hearing_id}",
        f"/console/hearings/{hearing_id}/attendees.csv",
    ):
        assert stranger.get(path).status_code == 404
    for action in ("attendance", "minutes"):
        assert (
            stranger.post(
                f"/console/hearings/{hearing_id}/{action}", data={"csrf_token": token}
            ).status_code
            == 404
        )
    assert get(app, open_id)["state"] is ConsultationState.OPEN
    assert get(app, draft_id)["state"] is ConsultationState.DRAFT
    assert "请公开污泥去向。" not in stranger.get("/console/comments").get_data(as_text=True)


def test_a_site_administrator_sees_every_unit_read_only(app, wjq):
    """The list shows other units' consultations; the page has no action; an action is Forbidden."""
    consultation_id = make_consultation(app, kind=ConsultationKind.POLICY_DRAFT, title="五家渠草案")
    admin = staff_client(app, "root", "兵团审计局", role="site_admin")
    assert "五家渠草案" in admin.get("/console/consultations").get_data(as_text=True)
    page = admin.get(show_path(consultation_id)).get_data(as_text=True)
    assert "read-only" in page and "publish-submit" not in page
    response = form_post(
        admin,
        "/console/",
        f"{show_path(consultation_id)}/withdraw",
        reason="管理员不能替单位撤回。",
        version=str(get(app, consultation_id)["version"]),
    )
    assert response.status_code == 403
    assert get(app, consultation_id)["state"] is ConsultationState.DRAFT


# --- attachments ----------------------------------------------------------------------------------


def upload(client, consultation_id, name, data):
    """POST a file with the manage page's token."""
    page = client.get(show_path(consultation_id)).get_data(as_text=True)
    return client.post(
        f"{show_path(consultation_id)}/attachments",
        content_type="multipart/form-data",
        data={"csrf_token": hidden_value(page, "csrf_token"), "file": (io.BytesIO(data), name)},
    )


def test_a_pdf_is_uploaded_and_a_disguised_file_refused_by_name(app, wjq):
    """The PDF is listed with its name; an HTML page called .pdf is refused naming it; nothing else is stored."""
    consultation_id = make_consultation(app, kind=ConsultationKind.POLICY_DRAFT)
    page = follow(wjq, upload(wjq, consultation_id, "条例草案全文.pdf", minimal_pdf()))
    assert "File added: 条例草案全文.pdf." in flashes(page) and ">条例草案全文.pdf</a>" in page
    refused = upload(wjq, consultation_id, "说明.pdf", b"<html><script>alert(1)</script></html>")
    assert refused.status_code == 400
    assert "说明.pdf is not a PDF, JPEG, PNG or WebP file." in text(refused.get_data(as_text=True))
    assert 'id="attachment-file-error"' in refused.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(sa.select(sa.func.count()).select_from(ConsultationAttachment)) == 1
        )


def test_downloads_publicly_only_once_published_as_an_attachment(app, wjq):
    """Public: 404 for a draft's file; once published, an attachment with nosniff and a server-made ASCII name.
    The unit downloads its draft's files in the console."""
    consultation_id = make_consultation(app, kind=ConsultationKind.POLICY_DRAFT)
    follow(wjq, upload(wjq, consultation_id, "现场照片.jpg", jpeg_photo()))
    with app.app_context():
        attachment_id = db.session.scalar(sa.select(ConsultationAttachment.id))
    public = app.test_client()
    path = f"/consultations/{consultation_id}/attachments/{attachment_id}"
    assert public.get(path).status_code == 404
    console = wjq.get(f"{show_path(consultation_id)}/attachments/{attachment_id}")
    assert console.status_code == 200 and "no-store" in console.headers["Cache-Control"]
    with app.app_context():
        staff = user(app, "wjq")
        consultations.publish(
            staff,
            db.session.get(Consultation, consultation_id),
            today(),
            today() + timedelta(days=20),
            app.config,
        )
        db.session.commit()
    response = public.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=consultation-{consultation_id}-file-{attachment_id}.jpg"
    )
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.data[:3] == b"\xff\xd8\xff" and b"Exif" not in response.data
    assert (
        public.get(f"/consultations/{consultation_id}/attachments/{attachment_id + 1}").status_code
        == 404
    )


def test_a_drafts_file_can_be_removed(app, wjq):
    """The remove button deletes the file of a draft."""
    consultation_id = make_consultation(app, kind=ConsultationKind.POLICY_DRAFT)
    page = follow(wjq, upload(wjq, consultation_id, "旧版.pdf", minimal_pdf()))
    attachment_id = re.search(r"/attachments/(\d+)/remove", page).group(1)
    page = follow(
        wjq,
        form_post(
            wjq,
            show_path(consultation_id),
            f"{show_path(consultation_id)}/attachments/{attachment_id}/remove",
        ),
    )
    assert "File removed." in flashes(page) and "旧版.pdf" not in page


# --- valid HTML and accessibility of the new console pages ----------------------------------------


def console_pages(app, client, username):
    """Build one consultation in each state (with files, comments, a hearing) and return {slug: page text},
    including pages re-rendered with errors and the page that shows a revealed contact."""
    from portal.services import attachments

    draft_id = make_consultation(app, username, complete=False)
    open_id = make_consultation(app, username, publish=True, summary="扩建项目概况。")
    closed_id = make_consultation(app, username, publish=True, title="已截止的征求意见")
    answered_id = make_consultation(app, username, publish=True, title="已答复的征求意见")
    with app.app_context():
        staff = user(app, username)
        attachments.add_attachment(
            staff, db.session.get(Consultation, draft_id), "报告书.pdf", minimal_pdf(), app.config
        )
        item = db.session.get(Consultation, open_id)
        pending = comments.submit_comment(
            item,
            "请说明污泥去向。",
            "李居民",
            "13912345678",
            "",
            True,
            paragraph_number=2,
            secret=current_app.config["SECRET_KEY"],
        )
        flagged = comments.submit_comment(
            item,
            "被举报的意见。",
            "王居民",
            "",
            "w@example.org",
            False,
            secret=current_app.config["SECRET_KEY"],
        )
        comments.publish_comment(staff, flagged)
        for n in range(3):
            comments.flag_comment(flagged, f"k{n}", app.config)
        published = comments.submit_comment(
            item,
            "建议增加在线监测。",
            "赵居民",
            "",
            "z@example.org",
            True,
            secret=current_app.config["SECRET_KEY"],
        )
        comments.publish_comment(staff, published)
        comments.decide(staff, published, "not_adopted", "监测方案已满足要求。")
        start = utcnow() + timedelta(days=40)
        hearing = hearings.schedule(
            staff,
            item,
            start,
            "五家渠市政务服务中心",
            1,
            start - timedelta(days=2),
            "周边居民。",
            app.config,
        )
        for name, speaks in (("张三", True), ("李四", False)):
            hearings.register(
                hearing,
                name,
                "13900000001",
                "",
                speaks,
                "选址离居民区太近,应重新论证。" if speaks else "",
                app.config["SECRET_KEY"],
            )
        hearing.starts_at = utcnow() - timedelta(hours=1)
        for cid in (closed_id, answered_id):
            done = comments.submit_comment(
                db.session.get(Consultation, cid),
                "同意该方案。",
                "钱居民",
                "",
                "q@example.org",
                False,
                secret=current_app.config["SECRET_KEY"],
            )
            comments.publish_comment(staff, done)
            comments.decide(staff, done, "adopted", "")
        db.session.flush()
        db.session.execute(
            sa.update(Consultation)
            .where(Consultation.id.in_([closed_id, answered_id]))
            .values(state=ConsultationState.CLOSED)
        )
        db.session.commit()
        consultations.publish_statement(
            staff, db.session.get(Consultation, answered_id), "本次意见均已采纳,详见下表。"
        )
        db.session.commit()
        pending_id, hearing_id = pending.id, hearing.id
    ready_id = make_consultation(app, username, title="待发布的征求意见")
    pages = {
        "home": client.get("/console/"),
        "index": client.get("/console/consultations"),
        "new": client.get("/console/consultations/new"),
        "edit": client.get(f"{show_path(draft_id)}/edit"),
        "draft": client.get(show_path(draft_id)),
        "open": client.get(show_path(open_id)),
        "closed": client.get(show_path(closed_id)),
        "answered": client.get(show_path(answered_id)),
        "queue": client.get("/console/comments"),
        "comments": client.get(f"{show_path(open_id)}/comments"),
        "hearing": client.get(f"/console/hearings/{hearing_id}"),
        "new-errors": form_post(
            client,
            "/console/consultations/new",
            "/console/consultations/new",
            **{**NEW_EIA, "title": "", "project": ""},
        ),
        "publish-refused": act(
            client,
            draft_id,
            "publish",
            opens_on=today().isoformat(),
            closes_on=(today() + timedelta(days=2)).isoformat(),
        ),
        "publish-confirm": act(
            client,
            ready_id,
            "publish",
            opens_on=today().isoformat(),
            closes_on=(today() + timedelta(days=30)).isoformat(),
        ),
        "withdraw-confirm": act(
            client, open_id, "withdraw", reason="项目选址调整,本次征求意见撤回。"
        ),
        "hearing-refused": form_post(
            client,
            show_path(open_id),
            f"{show_path(open_id)}/hearings",
            place="",
            seats="0",
            starts_at="",
            registration_closes_at="",
        ),
        "contact": form_post(
            client,
            f"{show_path(open_id)}/comments",
            f"/console/comments/{pending_id}/contact",
            purpose="核实",
        ),
    }
    for slug, response in pages.items():
        assert response.status_code in (200, 400), (slug, response.status_code)
    return {slug: response.get_data(as_text=True) for slug, response in pages.items()}, open_id


def test_new_console_pages_are_valid_html_without_duplicate_ids(app, tmp_path):
    """The Nu Html Checker finds no error on any new page, in English and in Chinese, with and without errors."""
    from tests.public.test_html_validity import assert_valid_html

    found = {}
    for language in ("en", "zh"):
        client = staff_client(app, f"wjq-{language}", UNIT, english=language == "en")
        pages, _open_id = console_pages(app, client, f"wjq-{language}")
        found.update({f"{language}-{slug}": page for slug, page in pages.items()})
    assert_valid_html(found, tmp_path)


@pytest.mark.browser
def test_new_console_pages_pass_axe_on_a_phone(app, live_server, page):
    """axe-core finds no WCAG 2.1 A/AA violation on the new pages at 360 px, and none scrolls sideways."""
    from tests.browser.test_accessibility import axe_violations, describe
    from tests.helpers import PASSWORD

    client = staff_client(app, "wjq", UNIT)
    _pages, open_id = console_pages(app, client, "wjq")
    page.goto(live_server + "/language/en")
    page.goto(live_server + "/login")
    page.locator("#username").fill("wjq")
    page.locator("#password").fill(PASSWORD)
    page.locator("form.form [type=submit]").click()
    page.wait_for_url("**/console/")
    found = []
    for path in (
        "/console/consultations",
        "/console/consultations/new",
        show_path(open_id - 1),
        show_path(open_id),
        show_path(open_id + 2),
        "/console/comments",
        f"{show_path(open_id)}/comments",
        "/console/hearings/1",
    ):
        page.goto(live_server + path)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        found += [f"{path}: {describe(v)}" for v in axe_violations(page)]
        if page.evaluate("document.documentElement.scrollWidth") > 360:
            found.append(f"{path}: wider than the phone")
    assert not found, "\n".join(found)
