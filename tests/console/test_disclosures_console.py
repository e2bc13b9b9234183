"""Staff disclosures in the console: the list, drafting and editing, publishing, revising with a note, withdrawing,
the observations editor, attachments, other units and site administrators, stale pages, and valid, accessible
HTML of every new page."""

import io
import re
from datetime import date

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Disclosure, DisclosureCategory, DisclosureState, Goal, Measure, Task
from portal.services import attachments, disclosures
from tests.console.test_consultations_console import flashes, follow, form_post, text, user
from tests.helpers import staff_client
from tests.services.test_evidence import minimal_pdf

UNIT = "兵团建设局"
BODY = "## 监测结果\n\n石河子市PM2.5年均浓度为每立方米38微克。\n\n- 优良天数比例82%"
CHANGED = "changed by someone else"


@pytest.fixture
def jsj(app):
    """Logged-in staff of 兵团建设局 (English)."""
    return staff_client(app, "jsj", UNIT)


@pytest.fixture
def stranger(app):
    """Logged-in staff of 第八师石河子市, another unit."""
    return staff_client(app, "shz", "第八师石河子市")


def category_id(app, code):
    """The id of the disclosure category `code`."""
    with app.app_context():
        return db.session.scalar(
            sa.select(DisclosureCategory.id).where(DisclosureCategory.code == code)
        )


def air_task_id(app):
    """The task 加强大气污染防治 of measure (十四)."""
    with app.app_context():
        return db.session.scalar(
            sa.select(Task.id)
            .join(Measure)
            .where(Measure.number == 14, Task.title == "加强大气污染防治")
        )


def make_disclosure(
    app,
    username="jsj",
    code="environment_quality",
    title="2025年兵团环境质量状况公报",
    body=BODY,
    publish=False,
    **values,
):
    """A disclosure of the user's unit built through the services; its id."""
    with app.app_context():
        staff = user(app, username)
        category = db.session.scalar(
            sa.select(DisclosureCategory).where(DisclosureCategory.code == code)
        )
        item = disclosures.create_draft(
            staff.unit,
            category,
            title,
            values.pop("area", 0),
            body=body,
            created_by=staff,
            **values,
        )
        if publish:
            disclosures.publish(staff, item)
        db.session.commit()
        return item.id


def snapshot(app, disclosure_id):
    """(state, title, body, number of versions) of a disclosure."""
    with app.app_context():
        item = db.session.get(Disclosure, disclosure_id)
        return item.state, item.title, item.body, len(item.versions)


def show_path(disclosure_id):
    """The manage page of a disclosure."""
    return f"/console/disclosures/{disclosure_id}"


def act(client, disclosure_id, action, **fields):
    """POST an action of the manage page with its token and version."""
    return form_post(
        client, show_path(disclosure_id), f"{show_path(disclosure_id)}/{action}", **fields
    )


def new_fields(app, **fields):
    """A valid new-draft form."""
    return {
        "category": str(category_id(app, "environment_quality")),
        "title": "2025年兵团环境质量状况公报",
        "body": BODY,
        "area": "0",
        "published_on": "",
        "tasks": [str(air_task_id(app))],
        **fields,
    }


def test_empty_list_invites_a_new_disclosure(app, jsj):
    """No disclosure yet: the list says so and offers the button; the console home links to it."""
    page = jsj.get("/console/disclosures").get_data(as_text=True)
    assert "Your unit has no disclosure yet" in page and 'href="/console/disclosures/new"' in page
    home = jsj.get("/console/").get_data(as_text=True)
    assert 'href="/console/disclosures"' in home


def test_create_a_draft_and_see_its_preview(app, jsj):
    """The form makes a private draft with its tasks; the page previews the Markdown as HTML."""
    response = form_post(
        jsj, "/console/disclosures/new", "/console/disclosures/new", **new_fields(app)
    )
    page = follow(jsj, response)
    assert "Draft saved." in " ".join(flashes(page))
    assert "<h3>监测结果</h3>" in page and "<li>优良天数比例82%</li>" in page
    assert "(十四) 加强大气污染防治" in text(page)
    with app.app_context():
        item = db.session.scalar(sa.select(Disclosure))
        assert item.state is DisclosureState.DRAFT and item.unit.name == UNIT and item.body == BODY
    listing = jsj.get("/console/disclosures").get_data(as_text=True)
    assert "2025年兵团环境质量状况公报" in listing and "Draft" in listing
    assert app.test_client().get(f"/disclosures/{item.id}").status_code == 404


def test_drafting_errors_are_shown_on_their_fields(app, jsj):
    """An empty title and a tampered category come back on their fields; nothing is saved."""
    response = form_post(
        jsj,
        "/console/disclosures/new",
        "/console/disclosures/new",
        **new_fields(app, title="", category="99999"),
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert (
        page.count('aria-invalid="true"') == 2
        and 'id="title-error"' in page
        and 'id="category-error"' in page
    )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Disclosure)) == 0


def test_a_future_publication_date_is_refused_when_publishing(app, jsj):
    """The date field takes a past date; publishing with a future one is refused on its own form."""
    disclosure_id = make_disclosure(app, published_on=date(2099, 1, 1))
    response = act(jsj, disclosure_id, "publish")
    assert response.status_code == 400
    assert "The publication date cannot be later than today" in response.get_data(as_text=True)
    assert snapshot(app, disclosure_id)[0] is DisclosureState.DRAFT


def test_edit_a_draft_and_a_stale_edit_keeps_the_text(app, jsj):
    """Saving with an old version says someone else changed it (409) and keeps what the user typed."""
    disclosure_id = make_disclosure(app)
    page = jsj.get(f"{show_path(disclosure_id)}/edit").get_data(as_text=True)
    assert "2025年兵团环境质量状况公报" in page
    response = form_post(
        jsj,
        f"{show_path(disclosure_id)}/edit",
        f"{show_path(disclosure_id)}/edit",
        **new_fields(app, title="改过的标题"),
    )
    assert "Draft saved." in " ".join(flashes(follow(jsj, response)))
    stale = form_post(
        jsj,
        f"{show_path(disclosure_id)}/edit",
        f"{show_path(disclosure_id)}/edit",
        **new_fields(app, title="我的新标题", version="1"),
    )
    assert stale.status_code == 409
    assert CHANGED in stale.get_data(as_text=True) and 'value="我的新标题"' in stale.get_data(
        as_text=True
    )
    assert snapshot(app, disclosure_id)[1] == "改过的标题"


def test_publish_revise_and_withdraw(app, jsj):
    """Publish makes version 1; a revision with a note makes version 2; withdrawal keeps the page with its reason."""
    disclosure_id = make_disclosure(app)
    page = follow(jsj, act(jsj, disclosure_id, "publish", confirm="yes"))
    assert "Published as version 1" in " ".join(flashes(page))
    assert f'href="/disclosures/{disclosure_id}"' in page and "/edit" not in page
    response = act(
        jsj,
        disclosure_id,
        "revise",
        title="2025年兵团环境质量状况公报",
        body=BODY.replace("38", "36"),
        note="更正石河子市PM2.5年均浓度。",
    )
    page = follow(jsj, response)
    assert "Version 2 is published with your note." in " ".join(flashes(page))
    assert (
        "更正石河子市PM2.5年均浓度。" in page
        and f"/disclosures/{disclosure_id}/diff?from=1&amp;to=2" in page
    )
    assert snapshot(app, disclosure_id)[2:] == (BODY.replace("38", "36"), 2)
    page = follow(
        jsj, act(jsj, disclosure_id, "withdraw", reason="数据口径有误,将重新发布。", confirm="yes")
    )
    assert "Withdrawn." in " ".join(flashes(page)) and "数据口径有误,将重新发布。" in page
    assert snapshot(app, disclosure_id)[0] is DisclosureState.WITHDRAWN
    assert "No action is open in this state." in page


@pytest.mark.parametrize("action", ["publish", "withdraw"])
def test_publishing_and_withdrawing_ask_first(app, jsj, action):
    """The first POST restates what will happen and changes nothing; the confirmed POST acts; cancel goes back."""
    from tests.console.test_reports import confirmation_form

    disclosure_id = make_disclosure(app, publish=action == "withdraw")
    fields = {"reason": "数据口径有误,将重新发布。"} if action == "withdraw" else {}
    before = snapshot(app, disclosure_id)
    first = act(jsj, disclosure_id, action, **fields)
    page = first.get_data(as_text=True)
    verb = {"publish": "Publish", "withdraw": "Withdraw"}[action]
    assert first.status_code == 200 and f"<h1>{verb} “2025年兵团环境质量状况公报”?</h1>" in page
    assert "cannot be undone" in text(page)
    assert {"publish": "version 1", "withdraw": "数据口径有误,将重新发布。"}[action] in page
    assert f'href="{show_path(disclosure_id)}"' in page
    assert snapshot(app, disclosure_id) == before
    sent, label = confirmation_form(page)
    assert label == {"publish": "Confirm publishing", "withdraw": "Confirm withdrawal"}[action]
    done = follow(
        jsj, jsj.post(f"{show_path(disclosure_id)}/{action}", data={**sent, "confirm": "yes"})
    )
    expected = {"publish": DisclosureState.PUBLISHED, "withdraw": DisclosureState.WITHDRAWN}[action]
    assert snapshot(app, disclosure_id)[0] is expected
    assert {"publish": "Published as version 1", "withdraw": "Withdrawn."}[action] in " ".join(
        flashes(done)
    )


def test_a_revision_without_change_or_note_is_refused_on_its_fields(app, jsj):
    """'Nothing changed' lands on the text field; a missing note on the note field; nothing is published."""
    disclosure_id = make_disclosure(app, publish=True)
    unchanged = act(
        jsj,
        disclosure_id,
        "revise",
        title="2025年兵团环境质量状况公报",
        body=BODY,
        note="没有改动。",
    )
    assert unchanged.status_code == 400
    page = unchanged.get_data(as_text=True)
    assert 'id="revise-body-error"' in page and "Nothing changed" in page
    no_note = act(jsj, disclosure_id, "revise", title="新标题", body=BODY, note="")
    assert no_note.status_code == 400 and 'id="revise-note-error"' in no_note.get_data(as_text=True)
    assert snapshot(app, disclosure_id)[3] == 1


def test_withdrawal_needs_a_public_reason(app, jsj):
    """An empty reason is refused on its field."""
    disclosure_id = make_disclosure(app, publish=True)
    response = act(jsj, disclosure_id, "withdraw", reason="")
    assert response.status_code == 400 and 'id="withdraw-reason-error"' in response.get_data(
        as_text=True
    )
    assert snapshot(app, disclosure_id)[0] is DisclosureState.PUBLISHED


def test_a_stale_action_says_changed_meanwhile(app, jsj):
    """Publishing from a page seen before an edit is refused with a message; the draft stays a draft."""
    disclosure_id = make_disclosure(app)
    with app.app_context():
        disclosures.update_draft(
            user(app, "jsj"), db.session.get(Disclosure, disclosure_id), title="同事改了"
        )
        db.session.commit()
    response = act(jsj, disclosure_id, "publish", version="1")
    assert CHANGED in " ".join(flashes(follow(jsj, response)))
    assert snapshot(app, disclosure_id)[0] is DisclosureState.DRAFT


def test_another_units_staff_get_404_on_every_page_and_action(app, jsj, stranger):
    """A draft or published disclosure of 兵团建设局 does not exist in 第八师's console."""
    draft_id = make_disclosure(app)
    published_id = make_disclosure(app, publish=True, title="已发布")
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"',
        stranger.get("/console/disclosures/new").get_data(as_text=True),
    ).group(1)
    for disclosure_id in (draft_id, published_id):
        for path in ("", "/edit", "/attachments/1"):
            assert stranger.get(show_path(disclosure_id) + path).status_code == 404, path
        for action in (
            "publish",
            "revise",
            "withdraw",
            "observations",
            "attachments",
            "attachments/1/remove",
        ):
            response = stranger.post(
                f"{show_path(disclosure_id)}/{action}", data={"csrf_token": token, "version": "1"}
            )
            assert response.status_code == 404, action
    assert "已发布" not in stranger.get("/console/disclosures").get_data(as_text=True)


def test_a_site_administrator_reads_every_unit_but_does_not_act(app, jsj):
    """The site administrator of another unit lists and opens the disclosure, without actions; acting is 403."""
    disclosure_id = make_disclosure(app)
    admin = staff_client(app, "root", "第六师五家渠市", role="site_admin")
    assert "2025年兵团环境质量状况公报" in admin.get("/console/disclosures").get_data(as_text=True)
    page = admin.get(show_path(disclosure_id)).get_data(as_text=True)
    assert "read-only" in page and f"{show_path(disclosure_id)}/publish" not in page
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"',
        admin.get("/console/disclosures/new").get_data(as_text=True),
    ).group(1)
    response = admin.post(
        f"{show_path(disclosure_id)}/publish", data={"csrf_token": token, "version": "1"}
    )
    assert response.status_code == 403 and snapshot(app, disclosure_id)[0] is DisclosureState.DRAFT


def goal_ids(app, *names):
    """Ids of the goals called `names`."""
    with app.app_context():
        return [db.session.scalar(sa.select(Goal.id).where(Goal.name == name)) for name in names]


def test_the_observations_editor_saves_rows_and_names_a_bad_one(app, jsj):
    """A statistics draft offers the editor with blank rows; saved rows come back; a bad row is named."""
    disclosure_id = make_disclosure(app, code="statistics", title="兵团生态环境统计数据")
    page = jsj.get(show_path(disclosure_id)).get_data(as_text=True)
    assert page.count('name="observations-') == 4 * 5
    air, forest = goal_ids(app, "主要城市空气质量优良天数比例", "森林覆盖率")
    rows = {
        "observations-0-goal": air,
        "observations-0-year": "2020",
        "observations-0-value": "76.8",
        "observations-0-source": "兵团统计年鉴",
        "observations-1-goal": "",
        "observations-1-year": "",
        "observations-1-value": "",
        "observations-1-source": "",
        "observations-2-goal": forest,
        "observations-2-year": "2020",
        "observations-2-value": "18.8",
        "observations-2-source": "林业统计",
    }
    response = form_post(
        jsj, show_path(disclosure_id), f"{show_path(disclosure_id)}/observations", **rows
    )
    page = follow(jsj, response)
    assert "2 observations saved." in " ".join(flashes(page))
    assert 'value="76.8"' in page and 'value="18.8"' in page
    bad = form_post(
        jsj,
        show_path(disclosure_id),
        f"{show_path(disclosure_id)}/observations",
        **{**rows, "observations-2-year": "1999"},
    )
    assert bad.status_code == 400
    assert "Row 3: the year must be a whole number from 2000 to 2100." in bad.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.get(Disclosure, disclosure_id).observations) == 2


def test_no_observations_editor_outside_statistics_or_after_publication(app, jsj):
    """Other categories have no editor; a published statistics disclosure shows its values read-only."""
    other = make_disclosure(app)
    assert "observations-0-goal" not in jsj.get(show_path(other)).get_data(as_text=True)
    stats = make_disclosure(app, code="statistics", title="统计")
    [air] = goal_ids(app, "主要城市空气质量优良天数比例")
    with app.app_context():
        item = db.session.get(Disclosure, stats)
        disclosures.replace_observations(
            user(app, "jsj"), item, [disclosures.ObservationInput(air, 2020, "76.80", "公报")]
        )
        disclosures.publish(user(app, "jsj"), item)
        db.session.commit()
    page = jsj.get(show_path(stats)).get_data(as_text=True)
    assert "observations-0-goal" not in page and "76.8%" in page and "≥ 80%" in page


def upload(client, disclosure_id, name, data):
    """POST a file to the disclosure's attachments with the page's token."""
    page = client.get(show_path(disclosure_id)).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post(
        f"{show_path(disclosure_id)}/attachments",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_attachments_upload_refuse_remove_and_stay_once_published(app, jsj):
    """A PDF is added, a disguised file refused by name; a draft's file is removed; after publication files are
    added but stay; the console download is private."""
    disclosure_id = make_disclosure(app)
    page = follow(jsj, upload(jsj, disclosure_id, "监测报告.pdf", minimal_pdf()))
    assert "File added: 监测报告.pdf." in " ".join(flashes(page))
    refused = upload(jsj, disclosure_id, "伪装.pdf", b"<html><script>alert(1)</script></html>")
    assert refused.status_code == 400
    assert "伪装.pdf is not a PDF, JPEG, PNG or WebP file." in refused.get_data(as_text=True)
    with app.app_context():
        first = db.session.get(Disclosure, disclosure_id).attachments[0].id
    download = jsj.get(f"{show_path(disclosure_id)}/attachments/{first}")
    assert download.status_code == 200 and download.headers["Cache-Control"] == "private, no-store"
    assert "attachment" in download.headers["Content-Disposition"]
    removed = form_post(
        jsj, show_path(disclosure_id), f"{show_path(disclosure_id)}/attachments/{first}/remove"
    )
    assert "File removed." in " ".join(flashes(follow(jsj, removed)))
    follow(jsj, upload(jsj, disclosure_id, "附件.pdf", minimal_pdf()))
    act(jsj, disclosure_id, "publish", confirm="yes")
    follow(jsj, upload(jsj, disclosure_id, "更正附件.pdf", minimal_pdf(b"BT (2) Tj ET")))
    with app.app_context():
        kept = [a.id for a in db.session.get(Disclosure, disclosure_id).attachments]
    assert len(kept) == 2
    page = jsj.get(show_path(disclosure_id)).get_data(as_text=True)
    assert "/remove" not in page
    refused = form_post(
        jsj, show_path(disclosure_id), f"{show_path(disclosure_id)}/attachments/{kept[0]}/remove"
    )
    assert "part of the public record" in " ".join(flashes(follow(jsj, refused)))


def console_pages(app, client, username):
    """One disclosure in each state (statistics draft with observations, published with two versions and a file,
    withdrawn) and the pages re-rendered with errors; {slug: page text}."""
    draft_id = make_disclosure(app, username, code="statistics", title="统计草稿")
    published_id = make_disclosure(app, username, publish=True, title="已发布的公报")
    withdrawn_id = make_disclosure(app, username, publish=True, title="已撤回的公示")
    [air] = goal_ids(app, "主要城市空气质量优良天数比例")
    with app.app_context():
        staff = user(app, username)
        disclosures.replace_observations(
            staff,
            db.session.get(Disclosure, draft_id),
            [disclosures.ObservationInput(air, 2020, "76.8", "公报")],
        )
        item = db.session.get(Disclosure, published_id)
        attachments.add_attachment(staff, item, "报告.pdf", minimal_pdf(), app.config)
        disclosures.revise(
            staff,
            item,
            item.title,
            BODY + "\n\n| 城市 | 比例 |\n|---|---|\n| 石河子 | 82% |",
            "补充表格。",
        )
        disclosures.withdraw(staff, db.session.get(Disclosure, withdrawn_id), "撤回的理由。")
        db.session.commit()
    pages = {
        "home": client.get("/console/"),
        "index": client.get("/console/disclosures"),
        "new": client.get("/console/disclosures/new"),
        "edit": client.get(f"{show_path(draft_id)}/edit"),
        "draft": client.get(show_path(draft_id)),
        "published": client.get(show_path(published_id)),
        "withdrawn": client.get(show_path(withdrawn_id)),
        "new-errors": form_post(
            client,
            "/console/disclosures/new",
            "/console/disclosures/new",
            **new_fields(app, title=""),
        ),
        "observations-refused": form_post(
            client,
            show_path(draft_id),
            f"{show_path(draft_id)}/observations",
            **{
                "observations-0-goal": air,
                "observations-0-year": "x",
                "observations-0-value": "1",
                "observations-0-source": "s",
            },
        ),
        "revise-refused": act(client, published_id, "revise", title="", body="", note=""),
        "publish-confirm": act(client, draft_id, "publish"),
        "withdraw-confirm": act(
            client, published_id, "withdraw", reason="数据口径有误,将重新发布。"
        ),
    }
    for slug, response in pages.items():
        assert response.status_code in (200, 400), (slug, response.status_code)
    return {slug: response.get_data(as_text=True) for slug, response in pages.items()}, (
        draft_id,
        published_id,
        withdrawn_id,
    )


def test_new_console_pages_are_valid_html_without_duplicate_ids(app, tmp_path):
    """The Nu Html Checker finds no error on any new page, in English and in Chinese, with and without errors."""
    from tests.public.test_html_validity import assert_valid_html

    found = {}
    for language in ("en", "zh"):
        client = staff_client(app, f"jsj-{language}", UNIT, english=language == "en")
        pages, _ids = console_pages(app, client, f"jsj-{language}")
        found.update({f"{language}-{slug}": page for slug, page in pages.items()})
    assert_valid_html(found, tmp_path)


@pytest.mark.browser
def test_new_console_pages_pass_axe_on_a_phone(app, live_server, page):
    """axe-core finds no WCAG 2.1 A/AA violation on the new pages at 360 px, and none scrolls sideways."""
    from tests.browser.test_accessibility import axe_violations, describe
    from tests.helpers import PASSWORD

    client = staff_client(app, "jsj", UNIT)
    _pages, ids = console_pages(app, client, "jsj")
    page.goto(live_server + "/language/en")
    page.goto(live_server + "/login")
    page.locator("#username").fill("jsj")
    page.locator("#password").fill(PASSWORD)
    page.locator("form.form [type=submit]").click()
    page.wait_for_url("**/console/")
    found = []
    for path in (
        "/console/disclosures",
        "/console/disclosures/new",
        f"{show_path(ids[0])}/edit",
        *map(show_path, ids),
    ):
        page.goto(live_server + path)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        found += [f"{path}: {describe(v)}" for v in axe_violations(page)]
        if page.evaluate("document.documentElement.scrollWidth") > 360:
            found.append(f"{path}: wider than the phone")
    assert not found, "\n".join(found)
