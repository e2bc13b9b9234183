"""Report handling: who may see and act, every transition, the one extension, transfers, the queue."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from portal.errors import Conflict, Forbidden, NotFound, ValidationFailed
from portal.extensions import db
from portal.models import AuditRecord, EventKind, ExtensionState, Report, ReportSource, ReportStatus
from portal.services import handling, reports, routing
from portal.services.handling import Access, QueueFilters
from portal.services.reports import ReportInput
from portal.services.units import find_unit
from tests.helpers import People, jpeg_photo, queued_mail


@pytest.fixture
def app_context(english_context):
    """This module reads the services' messages in English, the language they are written in."""
    return english_context


BJ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 6, 1, 10, 0, tzinfo=BJ)  # a Monday with no holiday near any of the clocks below


def end_of(year, month, day):
    """The last instant of a day in Beijing."""
    return datetime(year, month, day, 23, 59, 59, 999999, tzinfo=BJ)


def new_report(app, key="k1", category="water", area=8, now=T0, **fields):
    """A submitted report (committed)."""
    data = ReportInput(
        submission_key=key,
        category=category,
        area=area,
        place="石河子市北泉镇排污口",
        description="排污口每天夜里排放黑臭污水,渠道里的鱼都死了。",
        **fields,
    )
    report = reports.submit(data, app.config, now=now).report
    db.session.commit()
    return report


PEOPLE = {
    "staff": ("shz", "第八师石河子市", "staff"),
    "colleague": ("shz2", "第八师石河子市", "staff"),
    "admin": ("shz-admin", "第八师石河子市", "unit_admin"),
    "copied": ("slj", "兵团水利局", "staff"),
    "stranger": ("sjj", "兵团审计局", "staff"),
    "stranger_admin": ("sjj-admin", "兵团审计局", "unit_admin"),
    "site": ("root", "兵团审计局", "site_admin"),
    "other_division": ("alr", "第一师阿拉尔市", "staff"),
}


@pytest.fixture
def world(app_context):
    """A water report in 第八师 with its unit's staff, unit admin, a copied unit and an unrelated unit."""
    report = new_report(app_context, email="resident@example.org")
    return app_context, report, People(PEOPLE)


def accept(app, report, who, now=T0 + timedelta(days=1)):
    """Accept as `who`, committing."""
    handling.accept(who, report, report.version, app.config, now=now)
    db.session.commit()


def kinds(report):
    """The report's event kinds, in order."""
    return [e.kind for e in report.events]


# Who sees what


def test_access_levels(world):
    """The handling unit handles, a copied unit reads, a site admin oversees, anyone else sees nothing."""
    _app, report, p = world
    assert handling.access(p["staff"], report) is Access.HANDLE
    assert handling.access(p["admin"], report) is Access.HANDLE
    assert handling.access(p["copied"], report) is Access.COPY
    assert handling.access(p["site"], report) is Access.OVERSIGHT
    for name in ("stranger", "stranger_admin", "other_division"):
        assert handling.access(p[name], report) is None, name


def test_other_units_get_not_found_not_forbidden(world):
    """Asking for another unit's report by reference is indistinguishable from asking for none."""
    _app, report, p = world
    with pytest.raises(NotFound) as found:
        handling.get_for(p["stranger"], report.reference)
    with pytest.raises(NotFound) as missing:
        handling.get_for(p["stranger"], "JB-2026-999999")
    assert found.value.status == missing.value.status == 404
    assert handling.get_for(p["copied"], report.reference).id == report.id


def test_other_units_cannot_act_or_download(world):
    """An unrelated unit's staff get NotFound from every action and from evidence."""
    app, report, p = world
    with pytest.raises(NotFound):
        handling.accept(p["stranger"], report, report.version, app.config)
    with pytest.raises(NotFound):
        handling.evidence_for(p["stranger"], report.reference, 1, False, app.config["FILES_DIR"])
    assert report.status is ReportStatus.RECEIVED


def test_copied_unit_and_site_admin_cannot_act(world):
    """Read-only access refuses actions with Forbidden and changes nothing."""
    app, report, p = world
    for who in (p["copied"], p["site"]):
        with pytest.raises(Forbidden):
            handling.accept(who, report, report.version, app.config)
        with pytest.raises(Forbidden):
            handling.note(who, report, report.version, "看看")
    db.session.rollback()
    assert kinds(report) == [EventKind.SUBMITTED]


def test_refusals_say_who_may_act(world):
    """Each refusal tells the user why, in the words they see on the report's page: another unit's report does
    not exist, a copied unit and site oversight read only, approving an extension is a unit administrator's."""
    app, report, p = world
    with pytest.raises(NotFound, match=f"No report has the reference {report.reference}."):
        handling.note(p["stranger"], report, report.version, "看看")
    for who in (p["copied"], p["site"]):
        with pytest.raises(Forbidden, match="Only the handling unit can act on this report."):
            handling.note(who, report, report.version, "看看")
    accept(app, report, p["staff"])
    handling.request_extension(p["staff"], report, report.version, 10, "需要第三方检测")
    db.session.commit()
    with pytest.raises(
        Forbidden, match="Only a unit administrator of the handling unit can do this."
    ):
        handling.decide_extension(p["staff"], report, report.version, True, app.config)
    with pytest.raises(
        Forbidden, match="Only a unit administrator of the handling unit can do this."
    ):
        handling.decide_extension(
            p["staff"], report, report.version - 1, True, app.config
        )  # who before when
    with pytest.raises(Conflict, match="Here is its current state"):
        handling.decide_extension(p["admin"], report, report.version - 1, True, app.config)
    assert report.extension_state is ExtensionState.REQUESTED


# Transitions


def test_accept_starts_the_closure_clock_and_tells_the_resident(world):
    """Accepted on 2 June: closure due 60 calendar days later, 1 August (a Saturday) → 3 August."""
    app, report, p = world
    accept(app, report, p["staff"], now=datetime(2026, 6, 2, 10, tzinfo=BJ))
    assert report.status is ReportStatus.ACCEPTED
    assert report.accepted_at == datetime(2026, 6, 2, 10, tzinfo=BJ)
    assert report.closure_due_at == end_of(2026, 8, 3)
    event = report.events[-1]
    assert (
        event.kind is EventKind.ACCEPTED
        and event.actor_id == p["staff"].id
        and event.unit.name == "第八师石河子市"
    )
    mail = queued_mail("resident@example.org")
    assert any(report.reference in m.subject and "受理" in m.subject for m in mail)


def test_accept_twice_is_refused(world):
    """An accepted report cannot be accepted again."""
    app, report, p = world
    accept(app, report, p["staff"])
    with pytest.raises(Conflict):
        handling.accept(p["colleague"], report, report.version, app.config)


def test_not_accept_needs_a_legal_reason_and_an_explanation(world):
    """Unknown reasons and short explanations are refused; a valid decision ends the report."""
    app, report, p = world
    with pytest.raises(ValidationFailed) as bad_reason:
        handling.not_accept(
            p["staff"], report, report.version, "dont_like_it", "这不是我们管的事情,请找别人。"
        )
    assert bad_reason.value.field == "reason"
    with pytest.raises(ValidationFailed) as short:
        handling.not_accept(p["staff"], report, report.version, "outside_remit", "不管")
    assert short.value.field == "explanation"
    handling.not_accept(
        p["staff"],
        report,
        report.version,
        "outside_remit",
        "该问题属于城市管理部门职责,请向其反映。",
    )
    db.session.commit()
    assert report.status is ReportStatus.NOT_ACCEPTED and report.closed_at is not None
    assert report.events[-1].reason == "outside_remit"
    assert report.events[-1] in reports.public_timeline(report)
    with pytest.raises(Conflict):
        handling.accept(p["staff"], report, report.version, app.config)


def test_closing_a_report_never_accepted_is_refused_clearly(world):
    """Close before accept: Conflict that says acceptance comes first."""
    app, report, p = world
    with pytest.raises(Conflict) as refused:
        handling.close(p["staff"], report, report.version, "已处理完毕。", app.config)
    assert "accepted before" in refused.value.message
    assert report.status is ReportStatus.RECEIVED


def test_close_records_the_result_and_opens_the_appeal_window(world):
    """Closed on 3 June: appeal until 18 June; the result is public."""
    app, report, p = world
    accept(app, report, p["staff"])
    with pytest.raises(ValidationFailed):
        handling.close(p["staff"], report, report.version, "好", app.config)
    handling.close(
        p["staff"],
        report,
        report.version,
        "已责令企业停产整改。",
        app.config,
        now=datetime(2026, 6, 3, 10, tzinfo=BJ),
    )
    db.session.commit()
    assert report.status is ReportStatus.CLOSED and report.appeal_due_at == end_of(2026, 6, 18)
    assert report.public_texts[-1].body == "已责令企业停产整改。"


def test_a_stale_version_is_a_conflict(world):
    """Acting on the version seen before someone else's action is refused."""
    app, report, p = world
    seen = report.version
    accept(app, report, p["colleague"])
    with pytest.raises(Conflict) as refused:
        handling.reply(p["staff"], report, seen, "收到")
    assert "changed by someone else" in refused.value.message


def test_every_action_bumps_the_version(world):
    """Even an internal note changes the version, so a form shown before it is stale."""
    app, report, p = world
    before = report.version
    handling.note(p["staff"], report, report.version, "内部备注")
    db.session.commit()
    assert report.version > before


# The extension


def test_extension_request_is_limited_to_30_days_with_a_reason(world):
    """0 or 31 days and an empty reason are refused; only an accepted report can ask."""
    app, report, p = world
    with pytest.raises(Conflict):
        handling.request_extension(p["staff"], report, report.version, 10, "需要检测")
    accept(app, report, p["staff"])
    for days in (0, 31, "many"):
        with pytest.raises(ValidationFailed) as refused:
            handling.request_extension(p["staff"], report, report.version, days, "需要第三方检测")
        assert refused.value.field == "days"
    with pytest.raises(ValidationFailed) as no_reason:
        handling.request_extension(p["staff"], report, report.version, 30, " ")
    assert no_reason.value.field == "reason"
    handling.request_extension(p["staff"], report, report.version, 30, "需要第三方检测")
    db.session.commit()
    assert (report.extension_state, report.extension_days) == (ExtensionState.REQUESTED, 30)


def test_only_a_unit_admin_approves_and_the_deadline_moves(world):
    """Staff cannot decide; the unit admin approves 10 days and closure moves from 31 July to 10 August."""
    app, report, p = world
    accept(app, report, p["staff"], now=T0)
    assert report.closure_due_at == end_of(2026, 7, 31)
    handling.request_extension(p["staff"], report, report.version, 10, "需要第三方检测")
    db.session.commit()
    with pytest.raises(Forbidden):
        handling.decide_extension(p["staff"], report, report.version, True, app.config)
    with pytest.raises(NotFound):
        handling.decide_extension(p["stranger_admin"], report, report.version, True, app.config)
    handling.decide_extension(p["admin"], report, report.version, True, app.config)
    db.session.commit()
    assert report.extension_state is ExtensionState.APPROVED
    assert report.closure_due_at == end_of(2026, 8, 10)
    views = reports.deadlines(report, app.config, now=T0)
    assert views[-1].days == 70
    assert any(e.kind is EventKind.EXTENSION_APPROVED for e in reports.public_timeline(report))


def test_a_second_extension_request_is_refused(world):
    """One extension per report, whether the first was approved or refused."""
    app, report, p = world
    accept(app, report, p["staff"])
    handling.request_extension(p["staff"], report, report.version, 10, "需要第三方检测")
    handling.decide_extension(p["admin"], report, report.version, False, app.config)
    db.session.commit()
    assert report.extension_state is ExtensionState.REFUSED
    with pytest.raises(Conflict):
        handling.request_extension(p["staff"], report, report.version, 5, "再延一次")


def test_deciding_without_a_request_is_refused(world):
    """There is nothing to approve before staff ask."""
    app, report, p = world
    accept(app, report, p["staff"])
    with pytest.raises(Conflict):
        handling.decide_extension(p["admin"], report, report.version, True, app.config)


# Assigning and transferring


def test_assign_only_to_an_active_colleague(world):
    """Staff of another unit, an inactive colleague or no one are refused; a colleague is assigned."""
    app, report, p = world
    p["admin"].active = False
    for other in (p["stranger"].id, p["admin"].id, 0, None):
        with pytest.raises(ValidationFailed):
            handling.assign(p["staff"], report, report.version, other)
    handling.assign(p["staff"], report, report.version, p["colleague"].id)
    db.session.commit()
    assert report.assigned_user_id == p["colleague"].id
    mine = handling.queue(p["colleague"], QueueFilters(mine=True))
    assert [r.id for r in mine.items] == [report.id]
    assert handling.queue(p["staff"], QueueFilters(mine=True)).total == 0


def test_transfer_hands_the_report_over_with_a_fresh_clock(world):
    """The receiving unit gets it to accept within 15 days; the sender keeps only the record."""
    app, report, p = world
    accept(app, report, p["staff"])
    handling.transfer(
        p["staff"],
        report,
        report.version,
        find_unit("兵团审计局").id,
        "属于审计事项,转审计局办理。",
        app.config,
        now=datetime(2026, 6, 5, 10, tzinfo=BJ),
    )
    db.session.commit()
    assert report.unit.name == "兵团审计局" and report.status is ReportStatus.RECEIVED
    assert report.accepted_at is None and report.closure_due_at is None
    assert report.acceptance_due_at == end_of(2026, 6, 22)  # 20 June is a Saturday
    assert handling.access(p["stranger"], report) is Access.HANDLE
    with pytest.raises(NotFound):
        handling.get_for(p["staff"], report.reference)
    [record] = handling.transfers_away(p["staff"]).items
    assert record.report_id == report.id and record.to_unit.name == "兵团审计局"
    assert handling.transfers_away(p["stranger"]).total == 0


def test_transfer_refuses_collective_or_same_unit_and_needs_a_reason(world):
    """A collective addressee or the unit itself cannot receive; the reason is required."""
    app, report, p = world
    for target in ("各师(市)", "第八师石河子市"):
        with pytest.raises(ValidationFailed):
            handling.transfer(
                p["staff"],
                report,
                report.version,
                find_unit(target).id,
                "转给别人办理。",
                app.config,
            )
    with pytest.raises(ValidationFailed):
        handling.transfer(
            p["staff"], report, report.version, find_unit("兵团审计局").id, "", app.config
        )
    assert report.unit.name == "第八师石河子市"


def test_transfer_to_a_copied_unit_drops_its_copy(world):
    """A copied unit that receives the report handles it rather than reading a copy."""
    app, report, p = world
    handling.transfer(
        p["staff"],
        report,
        report.version,
        find_unit("兵团水利局").id,
        "属于水资源管理事项。",
        app.config,
    )
    db.session.commit()
    assert "兵团水利局" not in [c.unit.name for c in report.copies]
    assert handling.access(p["copied"], report) is Access.HANDLE


# Replies, notes, summaries


def test_reply_is_public_and_note_is_internal(world):
    """A reply joins the public texts and is mailed; a note does neither."""
    app, report, p = world
    handling.reply(p["staff"], report, report.version, "已派员现场检查")
    handling.note(p["staff"], report, report.version, "内部:下周复查")
    db.session.commit()
    assert [e.body for e in report.public_texts] == ["已派员现场检查"]
    assert "内部:下周复查" not in [e.body for e in reports.public_timeline(report)]
    bodies = [m.body for m in queued_mail("resident@example.org")]
    assert any("已派员现场检查" in b for b in bodies) and not any("下周复查" in b for b in bodies)


def test_no_reply_after_not_accepting(world):
    """A not-accepted report's explanation is the last word."""
    app, report, p = world
    handling.not_accept(
        p["staff"], report, report.version, "not_specific", "没有具体地点和事实,无法核查。"
    )
    with pytest.raises(Conflict):
        handling.reply(p["staff"], report, report.version, "补充说明")


def test_publish_summary_needs_text(world):
    """A redacted summary is stored for the supervision page; a blank one is refused."""
    app, report, p = world
    with pytest.raises(ValidationFailed):
        handling.publish_summary(p["staff"], report, report.version, "  ")
    handling.publish_summary(p["staff"], report, report.version, "群众反映某企业夜间排污,已核查。")
    db.session.commit()
    assert report.public_summary == "群众反映某企业夜间排污,已核查。"


# Evidence


def test_evidence_download_names_are_made_by_the_server(world):
    """The cleaned copy is offered as <reference>-<id>.jpg; the original as octet-stream."""
    app, report, p = world
    reports.add_information(report, "补充照片", [("我家窗外_张三.jpg", jpeg_photo())], app.config)
    db.session.commit()
    item = report.evidence[0]
    path, name, content_type = handling.evidence_for(
        p["copied"], report.reference, item.id, False, app.config["FILES_DIR"]
    )
    assert name == f"{report.reference}-{item.id}.jpg" and content_type == "image/jpeg"
    assert path.read_bytes()[:3] == b"\xff\xd8\xff"
    _path, original_name, original_type = handling.evidence_for(
        p["site"], report.reference, item.id, True, app.config["FILES_DIR"]
    )
    assert (
        original_name == f"{report.reference}-{item.id}.orig.jpg"
        and original_type == "application/octet-stream"
    )
    with pytest.raises(NotFound):
        handling.evidence_for(
            p["staff"], report.reference, item.id + 100, False, app.config["FILES_DIR"]
        )


# The queue


def test_queue_shows_the_units_reports_and_copies_only(world):
    """Each unit sees what it handles or is copied on; an unrelated unit sees nothing."""
    app, report, p = world
    elsewhere = new_report(app, key="k2", area=1)
    assert [r.id for r in handling.queue(p["staff"], QueueFilters()).items] == [report.id]
    assert [r.id for r in handling.queue(p["other_division"], QueueFilters()).items] == [
        elsewhere.id
    ]
    assert {r.id for r in handling.queue(p["copied"], QueueFilters()).items} == {
        report.id,
        elsewhere.id,
    }
    assert handling.queue(p["stranger"], QueueFilters()).total == 0
    assert handling.queue(p["site"], QueueFilters()).total == 2


def test_queue_filters_and_orders_by_urgency(world):
    """Status, category, area, overdue and due-soon filters; the most urgent deadline first."""
    app, report, p = world
    air = new_report(app, key="k2", category="air", now=T0 - timedelta(days=14))
    late = new_report(app, key="k3", now=T0 - timedelta(days=30))
    accept(app, report, p["staff"])
    staff = p["staff"]
    now = T0 + timedelta(days=1)
    assert [r.id for r in handling.queue(staff, QueueFilters(), now=now).items] == [
        late.id,
        air.id,
        report.id,
    ]
    assert [
        r.id
        for r in handling.queue(staff, QueueFilters(status=ReportStatus.ACCEPTED), now=now).items
    ] == [report.id]
    assert [r.id for r in handling.queue(staff, QueueFilters(category="air"), now=now).items] == [
        air.id
    ]
    assert handling.queue(staff, QueueFilters(area=1), now=now).total == 0
    assert [r.id for r in handling.queue(staff, QueueFilters(overdue=True), now=now).items] == [
        late.id
    ]
    assert [r.id for r in handling.queue(staff, QueueFilters(due_soon=True), now=now).items] == [
        air.id
    ]


def test_queue_pages(world):
    """Twenty-five reports make two pages of 20 and 5."""
    app, _report, p = world
    for n in range(24):
        new_report(app, key=f"page-{n}")
    first = handling.queue(p["staff"], QueueFilters(), page=1)
    second = handling.queue(p["staff"], QueueFilters(), page=2)
    assert (first.total, first.pages, len(first.items), len(second.items)) == (25, 2, 20, 5)
    assert not {r.id for r in first.items} & {r.id for r in second.items}


# Correcting the category


def test_a_category_corrected_within_the_unit_keeps_the_report_and_its_clock(world):
    """第八师 handles water and air alike: the category changes, the report stays, the reason is public."""
    app, report, p = world
    accept(app, report, p["staff"])
    due = report.closure_due_at
    handling.change_category(
        p["staff"], report, report.version, "air", "现场核实为锅炉烟尘,非废水。", app.config
    )
    db.session.commit()
    assert report.category.code == "air" and report.unit.name == "第八师石河子市"
    assert report.status is ReportStatus.ACCEPTED and report.closure_due_at == due
    event = report.events[-1]
    assert event.kind is EventKind.CATEGORY_CHANGED and event.public
    assert event.body == "水污染 → 大气污染:现场核实为锅炉烟尘,非废水。"
    assert "大气污染" in report.routing_basis


def test_a_category_corrected_to_another_units_remit_routes_the_report_there(app_context):
    """At the 兵团 level each category has its own lead unit: the report moves to the new one, which gets a
    fresh acceptance clock, and the sender keeps only the record, as with a transfer."""
    app = app_context
    report = new_report(app, key="k-bt", category="water", area=0)
    people = People(
        {"env": ("jsj", "兵团建设局", "staff"), "water": ("slj", "兵团水利局", "staff")}
    )
    assert report.unit.name == "兵团建设局"
    handling.accept(people["env"], report, report.version, app.config, now=T0 + timedelta(days=1))
    later = T0 + timedelta(days=3)
    handling.change_category(
        people["env"],
        report,
        report.version,
        "water_resources",
        "实为取水许可问题。",
        app.config,
        now=later,
    )
    db.session.commit()
    assert report.category.code == "water_resources" and report.unit.name == "兵团水利局"
    assert report.status is ReportStatus.RECEIVED and report.received_at == later
    assert report.accepted_at is None and report.closure_due_at is None
    assert handling.access(people["water"], report) is Access.HANDLE
    # The new category's task names 兵团建设局 among its units: it keeps a copy to read, no longer to act.
    assert handling.access(people["env"], report) is Access.COPY
    assert {c.unit.name for c in report.copies} == {u.name for u in routing_copies(report)}
    assert report.events[-1].to_unit.name == "兵团水利局"


def routing_copies(report):
    """The units a new report of this category and area would be copied to."""
    return routing.route(report.category, report.area, "兵团建设局").copies


def test_a_category_change_needs_another_category_and_a_reason(world):
    """The same category, an unknown one or no reason is refused, naming the field; nothing changes."""
    app, report, p = world
    for code, reason, field in (
        ("water", "同一类别。", "category"),
        ("nuclear", "不存在的类别。", "category"),
        ("air", "", "reason"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            handling.change_category(p["staff"], report, report.version, code, reason, app.config)
        assert refused.value.errors[0][0] == field
    with pytest.raises(NotFound):
        handling.change_category(
            p["stranger"], report, report.version, "air", "改为大气。", app.config
        )
    assert report.category.code == "water"


# Reports staff log from other channels


def phone_report(key="phone-1", received=T0, **fields):
    """A water report in 第八师 that came by the 12369 hotline at `received`."""
    values = {
        "submission_key": key,
        "category": "water",
        "area": 8,
        "place": "石河子市北泉镇排污口",
        "description": "来电反映排污口夜间排放黑臭污水。",
        "source": ReportSource.PHONE,
        "received_at": received,
        "phone": "13912345678",
        **fields,
    }
    return ReportInput(**values)


def test_a_logged_report_is_routed_and_its_clock_runs_from_when_it_was_received(world):
    """Logged two days after the call, it is due 15 days from the call; the channel is kept, and the
    audit log names who logged it."""
    app, _report, p = world
    logged_at = T0 + timedelta(days=2)
    submission = handling.log_report(p["staff"], phone_report(), app.config, now=logged_at)
    db.session.commit()
    report = db.session.get(Report, submission.receipt.id)
    assert report.source is ReportSource.PHONE and report.unit.name == "第八师石河子市"
    assert report.received_at == T0 and report.submitted_at == logged_at
    # 15 days from the call on 1 June, not from the logging on 3 June.
    assert report.acceptance_due_at == end_of(2026, 6, 16)
    [record] = db.session.scalars(
        sa.select(AuditRecord).where(AuditRecord.action == "report.logged")
    )
    assert record.actor_id == p["staff"].id and record.detail == "phone"
    assert len(submission.receipt_code) >= 6  # the receipt code staff give the caller


def test_a_logged_report_needs_a_channel_and_a_received_time_not_in_the_future(world):
    """The web form's channel, no received time, a future one or one over a year old is refused, naming it."""
    app, _report, p = world
    for data, field in (
        (phone_report(source=ReportSource.WEB), "source"),
        (phone_report(received=None), "received_at"),
        (phone_report(received=T0 + timedelta(days=1)), "received_at"),
        (phone_report(received=T0 - timedelta(days=366)), "received_at"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            handling.log_report(p["staff"], data, app.config, now=T0)
        assert refused.value.errors[0][0] == field
        db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 1
