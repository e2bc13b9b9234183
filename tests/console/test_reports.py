"""Unit staff in the console: queue, report page, every action, concurrency, other units, evidence, export, CSRF, mail."""

import csv
import hashlib
import html
import io
import re
import threading
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    AuditRecord,
    EventKind,
    Evidence,
    ExtensionState,
    MailMessage,
    Report,
    ReportStatus,
    User,
)
from portal.models.types import utcnow
from portal.services import reports as reports_service
from tests.helpers import (
    act,
    csrf_token,
    get_report,
    jpeg_photo,
    queued_mail,
    report_forms,
    staff_client,
    submit_report,
    summary_of,
    tracking_path,
    update_report,
)

BJ = ZoneInfo("Asia/Shanghai")
ACTIONS = (
    "accept",
    "not-accept",
    "assign",
    "transfer",
    "category",
    "extension",
    "extension-decision",
    "reply",
    "note",
    "close",
    "summary",
    "merge",
)
CHANGED = "changed by someone else"


def flashes(page):
    """Flashed messages shown on a page."""
    return [m.strip() for m in re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', page, re.S)]


def errors(response):
    """The report page sent back after an action with bad input (400): its error summary, {field id: message}."""
    assert response.status_code == 400, response.status_code
    return dict(summary_of(response.get_data(as_text=True)))


def action_forms(page):
    """The names of the action forms on a report page."""
    return re.findall(r'action="/console/reports/[^/"]+/([\w-]+)"', page)


def events(app, reference, kind=None):
    """The kinds of a report's events (or how many of `kind`)."""
    with app.app_context():
        report = db.session.scalar(sa.select(Report).where(Report.reference == reference))
        kinds = [e.kind for e in report.events]
    return kinds if kind is None else kinds.count(kind)


def user_id(app, username):
    """The id of the account `username`."""
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.username == username))


def evidence_ids(app, reference):
    """Ids of a report's evidence rows."""
    with app.app_context():
        return db.session.scalars(
            sa.select(Evidence.id).join(Report).where(Report.reference == reference)
        ).all()


def follow(client, response):
    """GET where a redirect points and return the page text."""
    assert response.status_code == 302, response.status_code
    return client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.fixture
def photo():
    """The bytes of the resident's photo."""
    return jpeg_photo()


@pytest.fixture
def submitted(app, photo):
    """A water report in 第八师石河子市 with a photo and a contact email; (reference, code, resident client)."""
    resident = app.test_client()
    reference, code = submit_report(
        resident,
        email="resident@example.org",
        phone="13912345678",
        name="王小明",
        visibility="handling_unit",
        files=[("IMG_我家窗外.jpg", photo)],
    )
    return reference, code, resident


@pytest.fixture
def shz(app):
    """Logged-in staff of 第八师石河子市, the handling unit."""
    return staff_client(app, "shz")


# Queue and report page


def test_queue_lists_the_units_reports_with_their_deadline(app, submitted, shz):
    """The unit sees its report with status and deadline; another division's report is not listed."""
    reference, _code, _resident = submitted
    elsewhere, _ = submit_report(app.test_client(), area="1")
    page = shz.get("/console/reports").get_data(as_text=True)
    assert f'href="/console/reports/{reference}"' in page and "badge-received" in page
    assert elsewhere not in page
    due = get_report(app, reference)["acceptance_due_at"].astimezone(BJ).strftime("%Y-%m-%d %H:%M")
    assert due in page
    assert reference not in shz.get("/console/reports?status=accepted").get_data(as_text=True)
    assert reference in shz.get("/console/reports?status=received&category=water&area=8").get_data(
        as_text=True
    )


def test_queue_marks_and_filters_overdue_reports(app, submitted, shz):
    """A report past its acceptance deadline is marked overdue and found by the overdue filter."""
    reference, _code, _resident = submitted
    assert reference not in shz.get("/console/reports?overdue=1").get_data(as_text=True)
    update_report(app, reference, acceptance_due_at=utcnow() - timedelta(hours=1))
    page = shz.get("/console/reports?overdue=1").get_data(as_text=True)
    assert reference in page and 'class="overdue"' in page
    assert reference not in shz.get("/console/reports?due_soon=1").get_data(as_text=True)


def test_queue_pages_keep_the_filters(app, shz):
    """With 23 reports the queue has two pages; the link to the second keeps the filter, and it shows 3."""
    from portal.services import reports

    with app.app_context():
        for n in range(23):
            reports.submit(
                reports.ReportInput(
                    submission_key=f"q-{n}",
                    category="noise",
                    area=8,
                    place="石河子市某工地",
                    description="工地夜间施工噪声很大,无法入睡。",
                ),
                app.config,
            )
        db.session.commit()
    first = shz.get("/console/reports?status=received").get_data(as_text=True)
    assert len(re.findall(r'<th scope="row">', first)) == 20
    link = re.search(r'<a rel="next" href="\?([^"]+)"', first).group(1).replace("&amp;", "&")
    assert sorted(link.split("&")) == ["page=2", "status=received"]
    second = shz.get(f"/console/reports?{link}").get_data(as_text=True)
    assert len(re.findall(r'<th scope="row">', second)) == 3 and 'rel="prev"' in second


def test_report_page_states_why_the_unit_has_it(app, submitted, shz):
    """The basis of the routing, the copied units, the description and the acceptance clock's legal basis."""
    reference, _code, _resident = submitted
    page, _token, _version = report_forms(shz, reference)
    assert (
        "依据《实施意见》(十四) 推进水污染治理 — 牵头单位: 兵团建设局(环保局)、兵团水利局;属地办理: 第八师石河子市"
        in page
    )
    for copied in ("兵团建设局(环保局)", "兵团水利局", "兵团工信委", "兵团国土资源局"):
        assert copied in page
    assert "排污口每天夜里排放黑臭污水" in page
    assert "Acceptance decision due" in page and "《环保举报热线工作管理办法》" in page
    assert set(action_forms(page)) >= {
        "accept",
        "not-accept",
        "assign",
        "transfer",
        "reply",
        "note",
    }
    assert "close" not in action_forms(page)


# Transitions


def test_accept_starts_the_closure_clock_shown_with_its_legal_basis(app, submitted, shz):
    """After 受理 the report page shows a closure deadline about 60 days on, citing the hotline rules."""
    reference, _code, _resident = submitted
    page = follow(shz, act(shz, reference, "accept"))
    row = get_report(app, reference)
    due = row["closure_due_at"].astimezone(BJ)
    assert flashes(page) == [f"{reference} accepted. It must be closed by {due:%Y-%m-%d}."]
    assert "badge-accepted" in page
    assert row["status"] is ReportStatus.ACCEPTED
    assert timedelta(days=60) <= row["closure_due_at"] - row["accepted_at"] <= timedelta(days=68)
    shown = row["closure_due_at"].astimezone(BJ).strftime("%Y-%m-%d %H:%M")
    closure = re.search(r"<dt>Closure due</dt>\s*<dd>(.*?)</dd>", page, re.S).group(1)
    assert (
        shown in closure
        and "60 calendar days" in closure
        and "《环保举报热线工作管理办法》" in closure
    )
    assert "close" in action_forms(page) and "accept" not in action_forms(page)


def test_not_accept_requires_a_legal_reason_and_an_explanation(app, submitted, shz):
    """Missing explanation or an unknown reason is refused; a proper decision reaches the resident's page."""
    reference, code, resident = submitted
    refused = errors(act(shz, reference, "not-accept", reason="outside_remit"))
    assert "explanation to the resident" in refused["not-accept-explanation"].lower()
    refused = errors(
        act(
            shz,
            reference,
            "not-accept",
            reason="whatever",
            explanation="这件事我们不想管,请找别人。",
        )
    )
    assert "legal reason" in refused["not-accept-reason"].lower()
    assert get_report(app, reference)["status"] is ReportStatus.RECEIVED
    page = follow(
        shz,
        act(
            shz,
            reference,
            "not-accept",
            reason="legal_proceedings",
            explanation="该纠纷已进入诉讼程序,请等待法院判决。",
            confirm="yes",
        ),
    )
    assert get_report(app, reference)["status"] is ReportStatus.NOT_ACCEPTED
    assert flashes(page) == [
        f"{reference} not accepted. The resident sees the legal reason and your explanation "
        "on their tracking page."
    ]
    resident.get("/language/en")
    tracked = resident.get(tracking_path(resident, reference, code)).get_data(as_text=True)
    assert "badge-not-accepted" in tracked
    assert (
        "Being or to be resolved through litigation" in tracked
        and "该纠纷已进入诉讼程序,请等待法院判决。" in tracked
    )


def test_closing_a_report_never_accepted_is_refused_clearly(app, submitted, shz):
    """办结 before 受理: the message says acceptance comes first; nothing changes."""
    reference, _code, _resident = submitted
    page = follow(shz, act(shz, reference, "close", result="已经处理好了。"))
    assert "A report must be accepted before it can be closed." in flashes(page)
    assert "badge-received" in page
    assert get_report(app, reference)["status"] is ReportStatus.RECEIVED
    assert events(app, reference, EventKind.CLOSED) == 0


def test_close_with_a_result_shows_on_the_tracking_and_supervision_pages(app, submitted, shz):
    """The result is public; the report shows as closed everywhere."""
    reference, code, resident = submitted
    act(shz, reference, "accept")
    page = follow(
        shz, act(shz, reference, "close", result="已责令企业停产整改并处罚款。", confirm="yes")
    )
    assert "badge-closed" in page
    tracked = resident.get(tracking_path(resident, reference, code)).get_data(as_text=True)
    public = resident.get(f"/reports/{reference}").get_data(as_text=True)
    for text in (tracked, public):
        assert "badge-closed" in text and "已责令企业停产整改并处罚款。" in text


# Irreversible actions ask first: the first POST shows what will happen, only the confirmed one acts.


def confirmation_form(page):
    """(action path, {name: [values]}) of the confirmation page's form, as a browser would send it."""
    form = re.search(r'<form method="post" class="form confirm"[^>]*>(.*?)</form>', page, re.S)
    assert form, "no confirmation form"
    fields = {}
    for name, value in re.findall(
        r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(1)
    ) + re.findall(
        r'<input id="[^"]*" name="(csrf_token)" type="hidden" value="([^"]*)"', form.group(1)
    ):
        fields.setdefault(name, []).append(html.unescape(value))
    button = re.search(
        r'<button type="submit" name="confirm" value="yes"[^>]*>(.*?)</button>', form.group(1), re.S
    )
    return fields, button.group(1).strip()


IRREVERSIBLE = {
    "close": (
        {"result": "已责令企业停产整改,\n并处罚款五万元。"},
        "Close {ref}?",
        "Confirm closing",
        ReportStatus.CLOSED,
        "{ref} closed. The resident may appeal until {appeal}.",
    ),
    "not-accept": (
        {"reason": "outside_remit", "explanation": "不属于生态环境部门职责,请向城管部门反映。"},
        "Not accept {ref}?",
        "Confirm: do not accept",
        ReportStatus.NOT_ACCEPTED,
        "{ref} not accepted. The resident sees the legal reason and your explanation on their "
        "tracking page.",
    ),
    "transfer": (
        {"unit": "审计局", "reason": "属于审计监督事项,转兵团审计局办理。"},
        "Transfer {ref} to 兵团审计局?",
        "Confirm transfer",
        ReportStatus.RECEIVED,
        "{ref} transferred to 兵团审计局.",
    ),
}


@pytest.mark.parametrize("action", sorted(IRREVERSIBLE))
def test_an_irreversible_action_is_confirmed_first(app, submitted, shz, action):
    """The first POST restates what will happen and changes nothing; the confirmed POST acts; cancel goes back."""
    reference, _code, _resident = submitted
    fields, heading, button, status, message = IRREVERSIBLE[action]
    if action == "close":
        act(shz, reference, "accept")
    if action == "transfer":
        with app.app_context():
            from portal.services.units import find_unit

            fields = dict(fields, unit=str(find_unit("兵团审计局").id))
    before = get_report(app, reference)
    events_before = events(app, reference)
    first = act(shz, reference, action, **fields)
    page = first.get_data(as_text=True)
    assert first.status_code == 200 and "no-store" in first.headers["Cache-Control"]  # a staff page
    assert f"<h1>{heading.format(ref=reference)}</h1>" in page and "cannot be undone" in page
    for value in fields.values():
        if not value.isdigit():
            assert html.escape(value, quote=False).split("\n")[0] in page
    assert f'href="/console/reports/{reference}"' in page  # cancel
    assert get_report(app, reference) == before and events(app, reference) == events_before
    sent, label = confirmation_form(page)
    assert label == button
    assert sent["version"] == [str(before["version"])] and sent["csrf_token"][0]
    assert {k: v[0] for k, v in sent.items() if k in fields} == fields
    response = shz.post(f"/console/reports/{reference}/{action}", data={**sent, "confirm": "yes"})
    assert response.status_code == 302
    row = get_report(app, reference)
    assert row["status"] is status
    appeal = (
        row["appeal_due_at"].astimezone(BJ).strftime("%Y-%m-%d") if row["appeal_due_at"] else ""
    )
    landing = shz.get(response.headers["Location"]).get_data(as_text=True)
    assert flashes(landing) == [message.format(ref=reference, appeal=appeal)]


def test_cancelling_a_confirmation_leaves_the_report_as_it_was(app, submitted, shz):
    """Cancel shows the report page, still being handled; a confirmation sent after a colleague's change is refused."""
    reference, _code, _resident = submitted
    act(shz, reference, "accept")
    page = act(shz, reference, "close", result="已责令企业整改。").get_data(as_text=True)
    back = re.search(
        r'<a class="button secondary" href="([^"]+)">Cancel and go back</a>', page
    ).group(1)
    assert back == f"/console/reports/{reference}"
    assert "badge-accepted" in shz.get(back).get_data(as_text=True)
    sent, _label = confirmation_form(page)
    act(shz, reference, "note", text="别人先动了这个案件")  # the version moves on meanwhile
    response = shz.post(f"/console/reports/{reference}/close", data={**sent, "confirm": "yes"})
    assert any(CHANGED in m for m in flashes(follow(shz, response)))
    assert get_report(app, reference)["status"] is ReportStatus.ACCEPTED


def test_what_the_action_would_refuse_is_refused_before_asking(app, submitted, shz):
    """Not accepting a report already accepted is refused at once, with the reason, and no confirmation page."""
    reference, _code, _resident = submitted
    act(shz, reference, "accept")
    response = act(
        shz, reference, "not-accept", reason="outside_remit", explanation="不属于生态环境部门职责。"
    )
    assert response.status_code == 302
    assert flashes(follow(shz, response)) == [
        "This action is not possible while the report is being handled."
    ]
    assert get_report(app, reference)["status"] is ReportStatus.ACCEPTED


def test_confirmation_pages_are_valid_html(app, tmp_path):
    """The three confirmation pages, in English and Chinese, pass the Nu Html Checker with unique ids."""
    from portal.services.units import find_unit
    from tests.public.test_html_validity import assert_valid_html

    with app.app_context():
        target = str(find_unit("兵团审计局").id)
    found = {}
    for language in ("en", "zh"):
        client = staff_client(app, f"shz-{language}", english=language == "en")
        waiting, _code = submit_report(app.test_client())
        handled, _code = submit_report(app.test_client())
        act(client, handled, "accept")
        pages = {
            "not-accept": act(
                client,
                waiting,
                "not-accept",
                reason="repeated",
                explanation="与此前举报重复,已经处理过。",
            ),
            "transfer": act(client, waiting, "transfer", unit=target, reason="属于审计监督事项。"),
            "close": act(client, handled, "close", result="已责令企业整改,\n并处罚款。"),
        }
        for action, response in pages.items():
            page = response.get_data(as_text=True)
            assert response.status_code == 200 and 'class="form confirm"' in page, (
                language,
                action,
            )
            found[f"{language}-{action}"] = page
    assert_valid_html(found, tmp_path)


def test_every_action_says_what_it_did(app, submitted, shz):
    """Assign, reply, note, summary, extension request and decision: each flash names the report and the outcome."""
    reference, _code, _resident = submitted
    act(shz, reference, "accept")
    said = {}
    for action, fields in (
        ("assign", {"assignee": str(user_id(app, "shz"))}),
        ("reply", {"text": "已派员现场检查"}),
        ("note", {"text": "内部备注"}),
        ("summary", {"summary": "群众反映的问题正在处理。"}),
        ("extension", {"days": "10", "reason": "需要第三方检测机构出具报告"}),
    ):
        said[action] = flashes(follow(shz, act(shz, reference, action, **fields)))
    admin = staff_client(app, "shz-admin", role="unit_admin")
    said["extension-decision"] = flashes(
        follow(admin, act(admin, reference, "extension-decision", approve="Approve extension"))
    )
    due = get_report(app, reference)["closure_due_at"].astimezone(BJ).strftime("%Y-%m-%d")
    assert said == {
        "assign": [f"{reference} assigned to shz."],
        "reply": [f"Reply on {reference} published: the resident and the public can read it."],
        "note": [f"Internal note added to {reference}."],
        "summary": [f"Public summary of {reference} published."],
        "extension": [
            f"Extension of 10 days requested for {reference}; a unit administrator decides."
        ],
        "extension-decision": [f"Extension approved: {reference} must now be closed by {due}."],
    }
    assert not any("Done." in m for messages in said.values() for m in messages)


# Deadlines as staff see them


def test_a_closed_report_is_not_shown_as_overdue_when_its_appeal_window_ends(app, submitted, shz):
    """Closed in time, weeks ago: the report page says met and "appeal period ended"; nothing says overdue."""
    reference, _code, _resident = submitted
    act(shz, reference, "accept")
    act(shz, reference, "close", result="已责令企业整改。", confirm="yes")
    row = get_report(app, reference)
    week = timedelta(days=7)
    update_report(
        app,
        reference,
        **{
            column: row[column] - 6 * week
            for column in (
                "submitted_at",
                "received_at",
                "accepted_at",
                "closed_at",
                "acceptance_due_at",
                "closure_due_at",
                "appeal_due_at",
            )
        },
    )
    page = shz.get(f"/console/reports/{reference}").get_data(as_text=True)
    listed = re.search(r'<dl class="deadlines">.*?</dl>', page, re.S).group(0)
    states = dict(
        re.findall(
            r'<dt>([^<]+)</dt>\s*<dd>.*?<span class="deadline deadline-([a-z-]+)">', listed, re.S
        )
    )
    assert states == {
        "Acceptance decision due": "met",
        "Closure due": "met",
        "Appeal possible until": "na",
    }
    assert "Appeal period ended" in page and "On time: closed on" in page
    queue = shz.get("/console/reports").get_data(as_text=True)
    row_html = re.search(
        rf'<tr[^>]*>\s*<th scope="row"><a[^>]* href="/console/reports/{reference}">.*?</tr>',
        queue,
        re.S,
    ).group(0)
    assert "deadline-met" in row_html and "On time: closed on" in row_html
    for text in (page, row_html):
        assert (
            "Overdue" not in text
            and "deadline-overdue" not in text
            and 'class="overdue"' not in text
        )


def test_one_extension_requested_by_staff_and_approved_by_the_unit_admin(app, submitted, shz):
    """≤ 30 days with a reason; staff cannot approve (no button, POST refused); the admin's approval moves closure."""
    reference, code, resident = submitted
    act(shz, reference, "accept")
    accepted = datetime(2026, 6, 1, 10, tzinfo=BJ)
    update_report(
        app,
        reference,
        accepted_at=accepted,
        closure_due_at=datetime(2026, 7, 31, 23, 59, 59, 999999, tzinfo=BJ),
    )
    assert (
        "extra days"
        in errors(act(shz, reference, "extension", days="31", reason="需要第三方检测机构出具报告"))[
            "extension-days"
        ].lower()
    )
    assert (
        "reason" in errors(act(shz, reference, "extension", days="10"))["extension-reason"].lower()
    )
    assert get_report(app, reference)["extension_state"] is ExtensionState.NONE
    page = follow(
        shz, act(shz, reference, "extension", days="10", reason="需要第三方检测机构出具报告")
    )
    assert get_report(app, reference)["extension_state"] is ExtensionState.REQUESTED
    assert "extension-decision" not in action_forms(page) and "Approve extension" not in page
    page = follow(shz, act(shz, reference, "extension-decision", approve="Approve extension"))
    assert any("unit administrator" in m for m in flashes(page))
    assert get_report(app, reference)["extension_state"] is ExtensionState.REQUESTED
    admin = staff_client(app, "shz-admin", role="unit_admin")
    page, _token, _version = report_forms(admin, reference)
    assert "extension-decision" in action_forms(page) and "Approve extension" in page
    act(admin, reference, "extension-decision", approve="Approve extension")
    row = get_report(app, reference)
    assert row["extension_state"] is ExtensionState.APPROVED and row["extension_days"] == 10
    assert row["closure_due_at"] == datetime(2026, 8, 10, 23, 59, 59, 999999, tzinfo=BJ)
    page = shz.get(f"/console/reports/{reference}").get_data(as_text=True)
    assert "2026-08-10 23:59" in page and "70 calendar days" in page
    assert "extension" not in action_forms(page)
    page = follow(shz, act(shz, reference, "extension", days="5", reason="还需要再延长几天"))
    assert any("one extension" in m for m in flashes(page)) or "extension" not in action_forms(page)
    assert get_report(app, reference)["extension_days"] == 10
    tracked = resident.get(tracking_path(resident, reference, code)).get_data(as_text=True)
    assert "2026-08-10 23:59" in tracked


def test_a_second_extension_request_is_refused(app, submitted, shz):
    """After a refused request, asking again is refused with a message."""
    reference, _code, _resident = submitted
    act(shz, reference, "accept")
    act(shz, reference, "extension", days="10", reason="需要第三方检测机构出具报告")
    admin = staff_client(app, "shz-admin", role="unit_admin")
    act(admin, reference, "extension-decision", refuse="Refuse extension")
    assert get_report(app, reference)["extension_state"] is ExtensionState.REFUSED
    page = follow(shz, act(shz, reference, "extension", days="5", reason="再申请一次延期"))
    assert "This report has had its one extension request already." in flashes(page)
    assert get_report(app, reference)["extension_state"] is ExtensionState.REFUSED


def test_assign_only_to_a_colleague_of_the_same_unit(app, submitted, shz):
    """The choice lists the unit's staff only; another unit's member is refused; a colleague gets it."""
    reference, _code, _resident = submitted
    colleague = staff_client(app, "shz2")
    staff_client(app, "sjj", unit="兵团审计局")
    page, _token, _version = report_forms(shz, reference)
    options = re.search(
        r'<select id="assign-assignee" name="assignee">(.*?)</select>', page, re.S
    ).group(1)
    assert "shz2" in options and "sjj" not in options
    assert (
        "staff member"
        in errors(act(shz, reference, "assign", assignee=str(user_id(app, "sjj"))))[
            "assign-assignee"
        ].lower()
    )
    assert get_report(app, reference)["assigned_user_id"] is None
    assert flashes(
        follow(shz, act(shz, reference, "assign", assignee=str(user_id(app, "shz2"))))
    ) == [f"{reference} assigned to shz2."]
    assert get_report(app, reference)["assigned_user_id"] == user_id(app, "shz2")
    assert reference in colleague.get("/console/reports?mine=1").get_data(as_text=True)
    assert reference not in shz.get("/console/reports?mine=1").get_data(as_text=True)


def test_transfer_moves_the_report_to_the_receiving_units_queue(app, submitted, shz):
    """The receiver sees and handles it; the sender gets 404 on the report and sees only the transfer record."""
    reference, code, resident = submitted
    receiver = staff_client(app, "sjj", unit="兵团审计局")
    with app.app_context():
        from portal.services.units import find_unit

        target = find_unit("兵团审计局").id
    response = act(
        shz,
        reference,
        "transfer",
        unit=str(target),
        reason="属于审计监督事项,转兵团审计局办理。",
        confirm="yes",
    )
    assert response.status_code == 302 and response.headers["Location"] == "/console/transfers"
    record = shz.get("/console/transfers").get_data(as_text=True)
    assert reference in record and "兵团审计局" in record and "属于审计监督事项" in record
    assert f'href="/console/reports/{reference}"' not in record
    assert shz.get(f"/console/reports/{reference}").status_code == 404
    assert reference not in shz.get("/console/reports").get_data(as_text=True)
    queue = receiver.get("/console/reports").get_data(as_text=True)
    assert reference in queue and "badge-received" in queue
    page, _token, _version = report_forms(receiver, reference)
    assert "accept" in action_forms(page)
    tracked = resident.get(tracking_path(resident, reference, code)).get_data(as_text=True)
    assert "兵团审计局" in tracked and "属于审计监督事项,转兵团审计局办理。" in tracked


def test_correcting_the_category_keeps_the_report_when_the_unit_handles_the_new_one(
    app, submitted, shz
):
    """第八师 handles air as well as water: the category changes, the staff keep the report, the resident
    reads the change and its reason; a missing reason is refused, naming the field."""
    reference, code, resident = submitted
    page, _token, _version = report_forms(shz, reference)
    assert "category" in action_forms(page)
    refused = act(shz, reference, "category", category="air", reason="")
    assert refused.status_code == 400 and "category-reason" in errors(refused)
    done = follow(shz, act(shz, reference, "category", category="air", reason="现场为锅炉烟尘。"))
    assert flashes(done) == [f"{reference} is now about Air pollution."]
    assert get_report(app, reference)["unit_id"] == user_id_unit(app, "shz")
    tracked = resident.get(tracking_path(resident, reference, code)).get_data(as_text=True)
    assert "水污染 → 大气污染:现场为锅炉烟尘。" in tracked


def user_id_unit(app, username):
    """The unit id of staff member `username`."""
    with app.app_context():
        from portal.models import User

        return db.session.scalar(sa.select(User.unit_id).where(User.username == username))


def test_public_reply_is_shown_and_internal_note_is_not(app, submitted, shz):
    """A reply reaches the tracking and supervision pages; a note stays on the report page."""
    reference, code, resident = submitted
    act(shz, reference, "reply", text="已派员现场检查")
    act(shz, reference, "note", text="内部备注:该企业曾两次被处罚")
    report_page = shz.get(f"/console/reports/{reference}").get_data(as_text=True)
    assert "已派员现场检查" in report_page and "内部备注:该企业曾两次被处罚" in report_page
    tracked = resident.get(tracking_path(resident, reference, code)).get_data(as_text=True)
    for page in (
        tracked,
        resident.get(f"/reports/{reference}").get_data(as_text=True),
        resident.get("/reports").get_data(as_text=True),
    ):
        assert "已派员现场检查" in page
        assert "该企业曾两次被处罚" not in page


def test_published_summary_appears_on_the_supervision_page(app, submitted, shz):
    """A redacted summary written by staff is public; the description still is not."""
    reference, _code, resident = submitted
    act(shz, reference, "summary", summary="群众反映北泉镇某企业夜间排污,已立案调查。")
    public = resident.get(f"/reports/{reference}").get_data(as_text=True)
    assert "群众反映北泉镇某企业夜间排污,已立案调查。" in public
    assert "排污口每天夜里排放黑臭污水" not in public


def test_a_deadline_in_a_year_without_a_holiday_calendar_is_flagged(app, submitted, shz):
    """A clock that ran through a year no holiday calendar covers warns staff and the resident on that deadline."""
    reference, code, resident = submitted
    update_report(
        app,
        reference,
        acceptance_due_at=datetime(2031, 1, 6, 23, 59, tzinfo=BJ),
        clock_warning="acceptance:2031",
    )
    for page in (
        shz.get(f"/console/reports/{reference}").get_data(as_text=True),
        resident.get(tracking_path(resident, reference, code)).get_data(as_text=True),
    ):
        warning = re.search(r'<span class="clock-warning" role="note">(.*?)</span>', page, re.S)
        assert warning and "2031" in warning.group(1)


def test_only_the_deadline_whose_count_ran_into_an_unknown_year_warns(app, submitted, shz):
    """Acceptance due in 2026 and closure counted into 2027: one warning, under the closure deadline."""
    reference, _code, _resident = submitted
    update_report(
        app,
        reference,
        status=ReportStatus.ACCEPTED,
        accepted_at=datetime(2026, 11, 7, 10, tzinfo=BJ),
        acceptance_due_at=datetime(2026, 11, 23, 23, 59, tzinfo=BJ),
        closure_due_at=datetime(2027, 1, 6, 23, 59, tzinfo=BJ),
        clock_warning="closure:2027",
    )
    page = shz.get(f"/console/reports/{reference}").get_data(as_text=True)
    acceptance = re.search(r"<dt>Acceptance decision due</dt>\s*<dd>(.*?)</dd>", page, re.S).group(
        1
    )
    closure = re.search(r"<dt>Closure due</dt>\s*<dd>(.*?)</dd>", page, re.S).group(1)
    assert "clock-warning" not in acceptance and "2027" in closure and "clock-warning" in closure


# Concurrency


def test_the_second_of_two_colleagues_is_told_the_report_changed(app, submitted, shz):
    """Both load version v; the first accepts; the second's not-accept is refused and they see the new state."""
    reference, _code, _resident = submitted
    other = staff_client(app, "shz2")
    _page, token_a, version = report_forms(shz, reference)
    _page, token_b, version_b = report_forms(other, reference)
    assert version == version_b
    first = shz.post(
        f"/console/reports/{reference}/accept", data={"csrf_token": token_a, "version": version}
    )
    second = other.post(
        f"/console/reports/{reference}/not-accept",
        data={
            "csrf_token": token_b,
            "version": version,
            "reason": "repeated",
            "explanation": "与此前举报重复,已经处理过。",
        },
    )
    assert (
        first.headers["Location"] == second.headers["Location"] == f"/console/reports/{reference}"
    )
    page = other.get(second.headers["Location"]).get_data(as_text=True)
    assert any(CHANGED in m for m in flashes(page))
    assert "badge-accepted" in page
    assert (
        events(app, reference, EventKind.ACCEPTED) == 1
        and events(app, reference, EventKind.NOT_ACCEPTED) == 0
    )


def test_two_identical_actions_on_the_same_version_count_once(app, submitted, shz):
    """The same reply form sent twice (a double click) records one reply."""
    reference, _code, _resident = submitted
    _page, token, version = report_forms(shz, reference)
    for _ in range(2):
        shz.post(
            f"/console/reports/{reference}/reply",
            data={"csrf_token": token, "version": version, "text": "已派员现场检查"},
        )
    assert events(app, reference, EventKind.REPLIED) == 1


def test_parallel_accepts_record_one_acceptance(app, submitted, monkeypatch):
    """Two staff press 受理 at the same moment, both past the version check: exactly one ACCEPTED event."""
    reference, _code, _resident = submitted
    clients = [staff_client(app, "shz"), staff_client(app, "shz2")]
    forms = [report_forms(c, reference) for c in clients]
    inside = threading.Barrier(2, timeout=10)
    met = []
    real_deadline = reports_service.deadline

    def deadline_when_both_are_inside(*args, **kwargs):
        try:
            inside.wait()
            met.append(True)
        except threading.BrokenBarrierError:
            pass
        return real_deadline(*args, **kwargs)

    monkeypatch.setattr(reports_service, "deadline", deadline_when_both_are_inside)
    start = threading.Barrier(2)
    responses = [None, None]

    def press(n):
        start.wait()
        _page, token, version = forms[n]
        responses[n] = clients[n].post(
            f"/console/reports/{reference}/accept", data={"csrf_token": token, "version": version}
        )

    threads = [threading.Thread(target=press, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(met) == 2, "the two requests did not overlap"
    assert [r.status_code for r in responses] == [302, 302]
    assert events(app, reference, EventKind.ACCEPTED) == 1
    pages = [c.get(f"/console/reports/{reference}").get_data(as_text=True) for c in clients]
    told = [any(CHANGED in m for m in flashes(p)) for p in pages]
    assert sorted(told) == [False, True]
    assert all("badge-accepted" in p for p in pages)


# Other units


def console_requests(app, reference, evidence_id):
    """Every console route that names a report, as (method, path, form data)."""
    data = {
        "accept": {},
        "not-accept": {"reason": "outside_remit", "explanation": "不属于本单位职责范围。"},
        "assign": {"assignee": "1"},
        "transfer": {"unit": "1", "reason": "转给其他单位办理。"},
        "category": {"category": "air", "reason": "改为大气污染。"},
        "extension": {"days": "10", "reason": "需要检测报告"},
        "extension-decision": {"approve": "Approve extension"},
        "reply": {"text": "已收到"},
        "note": {"text": "内部备注"},
        "close": {"result": "已经处理完毕。"},
        "summary": {"summary": "群众反映的问题已处理。"},
        "merge": {"target": reference, "confirm": "yes"},
    }
    yield "GET", f"/console/reports/{reference}", None
    for action in ACTIONS:
        yield "POST", f"/console/reports/{reference}/{action}", data[action]
    yield "POST", f"/console/reports/{reference}/identity", {}
    yield "GET", f"/console/reports/{reference}/evidence/{evidence_id}", None
    yield "GET", f"/console/reports/{reference}/evidence/{evidence_id}/original", None


def test_console_routes_naming_a_report_are_all_covered(app):
    """Every console rule with <reference> is exercised by the cross-unit test below."""
    rules = {
        r.rule
        for r in app.url_map.iter_rules()
        if r.endpoint.startswith("console.") and "<reference>" in r.rule
    }
    assert rules == {
        "/console/reports/<reference>",
        "/console/reports/<reference>/<action>",
        "/console/reports/<reference>/identity",
        "/console/reports/<reference>/evidence/<int:evidence_id>",
        "/console/reports/<reference>/evidence/<int:evidence_id>/original",
    }
    assert set(ACTIONS) == set(__import__("portal.console.reports", fromlist=["ACTIONS"]).ACTIONS)


@pytest.mark.parametrize("role", ["staff", "unit_admin"])
def test_an_unrelated_unit_gets_404_everywhere(app, submitted, role):
    """兵团审计局 asking for 第八师's report by page, action, identity, evidence or export learns nothing."""
    reference, _code, _resident = submitted
    stranger = staff_client(app, "sjj", unit="兵团审计局", role=role)
    token = csrf_token(stranger, "/reports/track")
    [evidence_id] = evidence_ids(app, reference)
    before = events(app, reference)
    for method, path, data in console_requests(app, reference, evidence_id):
        if method == "GET":
            response = stranger.get(path)
        else:
            response = stranger.post(path, data={"csrf_token": token, "version": "2", **data})
        expected = (403, 404) if path.endswith("/original") else (404,)
        assert response.status_code in expected, (path, response.status_code)
    assert events(app, reference) == before
    export = stranger.get("/console/reports/export.csv")
    assert export.status_code == 200 and reference not in export.get_data(as_text=True)
    assert reference not in stranger.get("/console/reports").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditRecord)) == 0


def test_404_for_another_unit_looks_like_404_for_nothing(app, submitted):
    """The page for a report of another unit is the same as for a reference that does not exist."""
    reference, _code, _resident = submitted
    stranger = staff_client(app, "sjj", unit="兵团审计局")
    real = stranger.get(f"/console/reports/{reference}")
    fake = stranger.get("/console/reports/JB-2026-999999")
    assert real.status_code == fake.status_code == 404
    assert real.get_data(as_text=True).replace(reference, "REF") == fake.get_data(
        as_text=True
    ).replace("JB-2026-999999", "REF")


def test_a_copied_unit_reads_but_cannot_act(app, submitted):
    """兵团水利局 (copied) sees the report without action forms; its POSTs are refused and change nothing."""
    reference, _code, _resident = submitted
    copied = staff_client(app, "slj", unit="兵团水利局")
    page, _token, _version = report_forms(copied, reference)
    assert "read-only copy" in page and "排污口每天夜里排放黑臭污水" in page
    assert action_forms(page) == [] and 'name="csrf_token"' not in page
    assert "王小明" not in page
    token, version = (
        csrf_token(copied, "/reports/track"),
        str(get_report(app, reference)["version"]),
    )
    response = copied.post(
        f"/console/reports/{reference}/accept", data={"csrf_token": token, "version": version}
    )
    assert response.headers["Location"] == f"/console/reports/{reference}"
    assert "Only the handling unit can act on this report." in flashes(
        copied.get(response.headers["Location"]).get_data(as_text=True)
    )
    response = copied.post(
        f"/console/reports/{reference}/note",
        data={"csrf_token": token, "version": version, "text": "抄送单位的备注"},
    )
    assert response.status_code == 302
    assert events(app, reference) == [EventKind.SUBMITTED]
    assert reference in copied.get("/console/reports").get_data(as_text=True)
    [evidence_id] = evidence_ids(app, reference)
    assert copied.get(f"/console/reports/{reference}/evidence/{evidence_id}").status_code == 200


def test_a_site_admin_oversees_read_only(app, submitted):
    """A site administrator of another unit sees the report but has no actions."""
    reference, _code, _resident = submitted
    root = staff_client(app, "root", unit="兵团审计局", role="site_admin")
    page, token, version = report_forms(root, reference)
    assert "site administrator" in page
    assert "accept" not in action_forms(page)
    response = root.post(
        f"/console/reports/{reference}/accept", data={"csrf_token": token, "version": version}
    )
    assert response.headers["Location"] == f"/console/reports/{reference}"
    assert get_report(app, reference)["status"] is ReportStatus.RECEIVED


# Evidence


def test_evidence_download_is_an_attachment_with_a_server_made_name(app, submitted, shz):
    """Content-Disposition attachment, nosniff, no-store, named after the reference, not the upload."""
    reference, _code, _resident = submitted
    [evidence_id] = evidence_ids(app, reference)
    page = shz.get(f"/console/reports/{reference}").get_data(as_text=True)
    assert f"/console/reports/{reference}/evidence/{evidence_id}" in page
    response = shz.get(f"/console/reports/{reference}/evidence/{evidence_id}")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and f"{reference}-{evidence_id}.jpg" in disposition
    assert "IMG" not in disposition and "%E6%88%91" not in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.mimetype == "image/jpeg"
    assert b"Exif" not in response.data and b"13800138000" not in response.data


def test_original_evidence_is_for_site_admins_only(app, submitted, shz, photo):
    """Staff and unit admins get 403; a site admin gets the exact upload, as an octet-stream attachment."""
    reference, _code, _resident = submitted
    [evidence_id] = evidence_ids(app, reference)
    path = f"/console/reports/{reference}/evidence/{evidence_id}/original"
    assert shz.get(path).status_code in (403, 404)
    assert staff_client(app, "shz-admin", role="unit_admin").get(path).status_code in (403, 404)
    assert f'{path}"' not in shz.get(f"/console/reports/{reference}").get_data(as_text=True)
    root = staff_client(app, "root", unit="兵团建设局", role="site_admin")
    response = root.get(path)
    assert response.status_code == 200 and response.data == photo
    assert hashlib.sha256(response.data).hexdigest() in root.get(
        f"/console/reports/{reference}"
    ).get_data(as_text=True)
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.mimetype == "application/octet-stream"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_unknown_evidence_is_404(app, submitted, shz):
    """An evidence id that is not the report's is 404."""
    reference, _code, _resident = submitted
    [evidence_id] = evidence_ids(app, reference)
    assert shz.get(f"/console/reports/{reference}/evidence/{evidence_id + 1}").status_code == 404


# Export


def test_export_lists_the_units_reports_without_identity_or_description(app, submitted, shz):
    """The CSV has one row per report of the unit, with status and deadline, and nothing about the reporter."""
    reference, _code, _resident = submitted
    response = shz.get("/console/reports/export.csv")
    assert response.mimetype == "text/csv" and response.headers["Content-Disposition"].startswith(
        "attachment"
    )
    text = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["reference"] for r in rows] == [reference]
    assert (
        rows[0]["status"] == "received"
        and rows[0]["unit"] == "第八师石河子市"
        and rows[0]["due_at"]
    )
    for secret in ("王小明", "13912345678", "resident@example.org", "黑臭污水"):
        assert secret not in text


# CSRF


@pytest.mark.parametrize("action", [*ACTIONS, "identity"])
def test_console_forms_without_csrf_token_are_refused(app, submitted, shz, action):
    """Each action form and the identity reveal refuse a POST without the token: 400, nothing changes."""
    reference, _code, _resident = submitted
    act(shz, reference, "accept")
    _page, _token, version = report_forms(shz, reference)
    before = events(app, reference)
    response = shz.post(
        f"/console/reports/{reference}/{action}",
        data={
            "version": version,
            "text": "没有令牌",
            "result": "没有令牌的办结",
            "reason": "outside_remit",
            "explanation": "没有令牌的不予受理说明",
            "days": "10",
            "approve": "Approve extension",
            "summary": "没有令牌的摘要",
            "assignee": str(user_id(app, "shz")),
        },
    )
    assert response.status_code == 400
    assert "王小明" not in response.get_data(as_text=True)
    assert events(app, reference) == before
    assert get_report(app, reference)["status"] is ReportStatus.ACCEPTED
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditRecord)) == 0


# Mail


def resident_mail(app):
    """Subjects and bodies of messages to the resident, oldest first."""
    with app.app_context():
        return [(m.subject, m.body) for m in queued_mail("resident@example.org")]


def test_the_resident_is_mailed_receipt_acceptance_reply_and_closure(app, submitted, shz):
    """Four messages, each naming the report; the receipt has the private link and never the phone number."""
    reference, code, resident = submitted
    act(shz, reference, "accept")
    act(shz, reference, "reply", text="已派员现场检查")
    act(shz, reference, "note", text="内部备注不发邮件")
    act(shz, reference, "close", result="已责令企业整改。", confirm="yes")
    mail = resident_mail(app)
    assert len(mail) == 4
    assert all(reference in subject for subject, _body in mail)
    receipt = mail[0][1]
    path = tracking_path(resident, reference, code)
    assert path in receipt and "13912345678" not in receipt
    assert "已派员现场检查" in mail[2][1] and "已责令企业整改。" in mail[3][1]
    assert not any("内部备注" in body for _subject, body in mail)


def test_staff_with_an_email_are_told_of_new_reports(app):
    """Staff of the routed unit who have an address get a notice; no reporter details in it."""
    staff_client(app, "shz")
    with app.app_context():
        db.session.scalar(sa.select(User).where(User.username == "shz")).email = "shz@unit.example"
        db.session.commit()
    reference, _code = submit_report(app.test_client(), name="王小明", phone="13912345678")
    with app.app_context():
        [notice] = queued_mail("shz@unit.example")
        assert reference in notice.body and f"/console/reports/{reference}" in notice.body
        assert "王小明" not in notice.body and "13912345678" not in notice.body


def send_mail(app):
    """Drain the outbox the way an operator would: the CLI command if it exists, else the service."""
    portal_group = app.cli.commands.get("portal")
    if portal_group is not None and "send-mail" in getattr(portal_group, "commands", {}):
        result = app.test_cli_runner().invoke(args=["portal", "send-mail"])
        return result.exit_code, result.output
    from portal.services.mail import send_pending

    with app.app_context():
        sent, failed = send_pending(app.config)
    return (1 if failed else 0), f"sent {sent}, failed {failed}"


def test_send_mail_writes_eml_files_and_marks_messages_sent(app, submitted, shz):
    """Without a mail server the outbox is written under DATA_DIR/mail and every message is marked sent."""
    reference, _code, _resident = submitted
    act(shz, reference, "accept")
    exit_code, output = send_mail(app)
    assert exit_code == 0 and "failed 0" in output
    files = sorted((Path(app.config["DATA_DIR"]) / "mail").glob("*.eml"))
    assert len(files) == 2
    texts = [f.read_bytes().decode("utf-8", "replace") for f in files]
    assert all("To: resident@example.org" in t for t in texts)
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(MailMessage)
                .where(MailMessage.sent_at.is_(None))
            )
            == 0
        )
    assert send_mail(app)[0] == 0
    assert len(list((Path(app.config["DATA_DIR"]) / "mail").glob("*.eml"))) == 2


def test_an_unreachable_mail_server_keeps_messages_queued(make_app):
    """Submitting works with the SMTP server down; sending fails, and the message waits with its error."""
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=9)
    reference, _code = submit_report(app.test_client(), email="resident@example.org")
    assert get_report(app, reference)["status"] is ReportStatus.RECEIVED
    exit_code, _output = send_mail(app)
    assert exit_code != 0
    with app.app_context():
        message = db.session.scalar(sa.select(MailMessage))
        assert message.sent_at is None and message.attempts == 1 and message.last_error


# Logging a report from another channel


def test_staff_log_a_phone_report_and_give_the_caller_its_codes(app, shz):
    """The form is valid HTML; a phone report logged a day after the call is routed, shows the reference and
    receipt code once, names its channel on the report page, and the caller can follow it with the codes."""
    page = shz.get("/console/reports/new")
    assert page.status_code == 200
    form = page.get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', form).group(1)
    called = (datetime.now(ZoneInfo("Asia/Shanghai")) - timedelta(days=1)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    data = {
        "csrf_token": token,
        "submission_key": key,
        "source": "phone",
        "received_at": called,
        "category": "water",
        "area": "8",
        "place": "石河子市北泉镇排污口",
        "description": "来电反映排污口每天夜里排放黑臭污水。",
        "phone": "13912345678",
        "visibility": "administrators",
    }
    logged = shz.post("/console/reports/new", data=data)
    assert logged.status_code == 200
    text = logged.get_data(as_text=True)
    reference = re.search(r'id="reference">([^<]+)<', text).group(1)
    code = re.search(r'id="receipt-code">([^<]+)<', text).group(1)
    shown = shz.get(f"/console/reports/{reference}").get_data(as_text=True)
    assert "Phone (12369 hotline)" in shown and "13912345678" not in shown
    again = shz.post("/console/reports/new", data=data).get_data(as_text=True)
    assert f'id="reference">{reference}<' in again and "recorded once" in again
    resident = app.test_client()
    assert resident.get(tracking_path(resident, reference, code)).status_code == 200


def test_a_logged_letter_keeps_its_scanned_photo_as_evidence(app, shz, photo):
    """A letter's photo uploaded with the log is the report's evidence, as a resident's would be."""
    form = shz.get("/console/reports/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', form).group(1)
    received = (datetime.now(ZoneInfo("Asia/Shanghai")) - timedelta(days=2)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    logged = shz.post(
        "/console/reports/new",
        data={
            "csrf_token": token,
            "submission_key": key,
            "source": "letter",
            "received_at": received,
            "category": "air",
            "area": "8",
            "place": "石河子市某热电厂",
            "description": "来信反映热电厂烟囱夜间冒黑烟,附照片一张。",
            "visibility": "administrators",
            "evidence": (io.BytesIO(photo), "来信照片.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert logged.status_code == 200
    reference = re.search(r'id="reference">([^<]+)<', logged.get_data(as_text=True)).group(1)
    assert len(evidence_ids(app, reference)) == 1
    assert "evidence-title" in shz.get(f"/console/reports/{reference}").get_data(as_text=True)


def test_a_log_without_a_received_time_names_the_field(app, shz):
    """Leaving out when it was received sends the form back with the field named, and records nothing."""
    form = shz.get("/console/reports/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    refused = shz.post(
        "/console/reports/new",
        data={
            "csrf_token": token,
            "source": "letter",
            "category": "air",
            "area": "8",
            "place": "某厂",
            "description": "来信反映烟囱冒黑烟,气味刺鼻。",
        },
    )
    assert "received_at" in errors(refused)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 0
