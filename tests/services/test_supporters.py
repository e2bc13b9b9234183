"""Voices: similar open reports nearby (public points only), adding one's voice once, and merging duplicates."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from portal.errors import Conflict, NotFound, TooManyRequests, ValidationFailed
from portal.extensions import db
from portal.models import (
    AuditRecord,
    EventKind,
    IdentityVisibility,
    ReportMerge,
    ReportStatus,
    ReportSupporter,
    SupporterIdentity,
)
from portal.services import handling, reports, supporters
from portal.services.reports import ReportInput
from portal.services.supporters import SupportInput
from tests.helpers import People, queued_mail


@pytest.fixture
def app_context(english_context):
    """This module reads the services' messages in English, the language they are written in."""
    return english_context


BJ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 6, 1, 10, 0, tzinfo=BJ)
# 石河子: the reported points below; the public ones are these rounded to about 500 m on acceptance.
HERE = (Decimal("44.305123"), Decimal("86.041234"))
PEOPLE = {
    "staff": ("shz", "第八师石河子市", "staff"),
    "admin": ("shz-admin", "第八师石河子市", "unit_admin"),
    "stranger": ("sjj", "兵团审计局", "staff"),
    "site": ("root", "兵团审计局", "site_admin"),
}


def new_report(app, key, category="water", area=8, point=None, now=T0, **fields):
    """A submitted report (committed), with a reported point when given."""
    data = ReportInput(
        submission_key=key,
        category=category,
        area=area,
        place="石河子市北泉镇排污口",
        description="排污口每天夜里排放黑臭污水,渠道里的鱼都死了。",
        latitude=str(point[0]) if point else None,
        longitude=str(point[1]) if point else None,
        **fields,
    )
    report = reports.submit(data, app.config, now=now).report
    db.session.commit()
    return report


def accept(app, report, who, now=T0 + timedelta(hours=1)):
    handling.accept(who, report, report.version, app.config, now=now)
    db.session.commit()


def support(app, report, key="s1", **fields):
    """Add a voice (committed)."""
    result = supporters.support(
        report.reference, SupportInput(submission_key=key, **fields), app.config, client="10.0.0.9"
    )
    db.session.commit()
    return result


@pytest.fixture
def people(app_context):
    return People(PEOPLE)


def test_nearby_lists_open_reports_of_the_category_near_the_public_point_nearest_first(
    app_context, people
):
    app = app_context
    near = new_report(app, "near", point=HERE)
    far = new_report(app, "far", point=(Decimal("44.40"), Decimal("86.20")))  # about 15 km away
    other_kind = new_report(app, "air", category="air", point=HERE)
    for report in (near, far, other_kind):
        accept(app, report, people["staff"])
    closed = new_report(app, "closed", point=HERE)
    accept(app, closed, people["staff"])
    handling.close(people["staff"], closed, closed.version, "已责令整改并复查。", app.config)
    db.session.commit()

    found = supporters.nearby("water", "8", "44.3049", "86.0410", app.config)

    assert [case.report.reference for case in found] == [near.reference]
    assert found[0].meters is not None and found[0].meters < 1000


def test_distance_comes_from_the_public_point_never_the_reported_one(app_context, people):
    """A report placed only by its area (no public point) is listed by area, with no distance: asking
    near its reported point tells nothing more than asking anywhere in the area."""
    app = app_context
    report = new_report(app, "p1", point=HERE)
    handling.accept(
        people["staff"], report, report.version, app.config, public_location="place_only"
    )
    db.session.commit()
    at_reported = supporters.nearby("water", "8", str(HERE[0]), str(HERE[1]), app.config)
    elsewhere = supporters.nearby("water", "8", "44.20", "85.90", app.config)
    assert [(c.report.reference, c.meters) for c in at_reported] == [(report.reference, None)]
    assert [(c.report.reference, c.meters) for c in elsewhere] == [(report.reference, None)]


def test_a_received_report_is_listed_by_its_area_until_a_public_point_is_confirmed(app_context):
    app = app_context
    report = new_report(app, "r1", point=HERE)
    found = supporters.nearby("water", "8", str(HERE[0]), str(HERE[1]), app.config)
    assert [(c.report.reference, c.meters) for c in found] == [(report.reference, None)]
    assert supporters.nearby("water", "1", str(HERE[0]), str(HERE[1]), app.config) == []


def test_nearby_is_limited_and_its_radius_is_configurable(app_context, people):
    app = app_context
    for n in range(7):
        accept(app, new_report(app, f"k{n}", point=HERE), people["staff"])
    assert len(supporters.nearby("water", "8", "44.305", "86.041", app.config)) == 5
    app.config["NEARBY_METERS"] = 10
    assert supporters.nearby("water", None, "44.32", "86.041", app.config) == []


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("water", "8", "91", "86"), "latitude"),
        (("water", "8", "abc", "86"), "latitude"),
        (("water", "8", "44", ""), "latitude"),
        (("water", "8", "44", "1e400"), "longitude"),
        (("nothing", "8", "", ""), "category"),
        (("water", "99", "", ""), "area"),
        (("water", "x", "", ""), "area"),
        (("water", "", "", ""), "area"),
    ],
)
def test_bad_nearby_input_names_the_field(app_context, args, field):
    with pytest.raises(ValidationFailed) as refused:
        supporters.nearby(*args, app_context.config)
    assert refused.value.field == field


def test_a_voice_is_added_once_per_submission_key_with_its_own_receipt(app_context):
    app = app_context
    report = new_report(app, "k1")
    first = support(app, report, name="王五", phone="13900139000", email="wang@example.org")
    again = support(app, report, name="王五", phone="13900139000", email="wang@example.org")
    assert first.created and not again.created and first.receipt_code == again.receipt_code
    assert supporters.voices(report) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SupporterIdentity)) == 1
    # The supporter's code opens the report (as a supporter), and is stored only as a hash.
    tracked = reports.track(report.reference, first.receipt_code, "10.0.0.1", app.config)
    assert tracked.report.id == report.id and tracked.supporter is not None
    assert first.receipt_code.replace("-", "") not in str(tracked.supporter.receipt_hash)
    assert [m.subject for m in queued_mail("wang@example.org")] == [
        f"您已附议举报 {report.reference} / You added your voice to report {report.reference}"
    ]
    assert EventKind.SUPPORTED in [e.kind for e in report.events]


def test_a_supporter_identity_is_encrypted_and_kept_apart(app_context):
    app = app_context
    report = new_report(app, "k1")
    support(app, report, name="王五", phone="13900139000")
    stored = db.session.execute(sa.text("SELECT name, phone FROM supporter_identities")).one()
    assert "王五" not in stored[0] and "13900139000" not in stored[1]
    row = db.session.execute(sa.text("SELECT * FROM report_supporters")).mappings().one()
    assert "王五" not in str(dict(row)) and "13900139000" not in str(dict(row))


def test_closed_and_not_accepted_reports_take_no_voice(app_context, people):
    app = app_context
    report = new_report(app, "k1")
    handling.not_accept(
        people["staff"], report, report.version, "not_specific", "没有可以核实的具体地点和事实。"
    )
    db.session.commit()
    with pytest.raises(ValidationFailed, match="no longer open"):
        support(app, report)
    with pytest.raises(NotFound):
        supporters.support("JB-0000-000000", SupportInput(submission_key="x"), app.config)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"phone": "abc"}, "phone"),
        ({"email": "nobody"}, "email"),
        ({"name": "名" * 81}, "name"),
        ({"note": "说" * 1001}, "note"),
    ],
)
def test_bad_support_input_names_the_field(app_context, fields, field):
    report = new_report(app_context, "k1")
    with pytest.raises(ValidationFailed) as refused:
        support(app_context, report, **fields)
    assert refused.value.field == field
    db.session.rollback()
    assert supporters.voices(report) == 0


def test_voices_are_throttled_per_address(app_context):
    app = app_context
    app.config["REPORT_LIMIT"] = 2
    report = new_report(app, "k1")
    support(app, report, key="a")
    support(app, report, key="b")
    with pytest.raises(TooManyRequests):
        support(app, report, key="c")
    db.session.rollback()
    assert supporters.voices(report) == 2


def test_unit_staff_see_supporters_identities_only_as_allowed_and_each_read_is_audited(
    app_context, people
):
    app = app_context
    report = new_report(app, "k1")
    support(app, report, key="a", name="王五", visibility=IdentityVisibility.HANDLING_UNIT)
    support(app, report, key="b", name="赵六")  # administrators only
    support(app, report, key="c", note="晚上十点以后最严重")  # anonymous
    shown = supporters.for_unit(people["staff"], report)
    assert [v.identity for v in shown] == [None, None, None]  # nothing until revealed
    revealed = supporters.for_unit(people["staff"], report, reveal=True)
    assert [v.identity.name if v.identity else None for v in revealed] == ["王五", None, None]
    assert [v.supporter.note for v in revealed] == ["", "", "晚上十点以后最严重"]
    site = supporters.for_unit(people["site"], report, reveal=True)
    assert [v.identity.name if v.identity else None for v in site] == ["王五", "赵六", None]
    reads = db.session.scalars(
        sa.select(AuditRecord).where(AuditRecord.action == "identity.read")
    ).all()
    assert len(reads) == 3


def merged_pair(app, people):
    """A duplicate (with a reporter who left an email, and one supporter) merged into an accepted report."""
    target = new_report(app, "target", point=HERE)
    accept(app, target, people["staff"])
    duplicate = new_report(app, "dup", email="dup@example.org", name="李四")
    support(app, duplicate, key="dup-voice", email="voice@example.org")
    handling.merge(
        people["staff"],
        duplicate,
        duplicate.version,
        target.reference.lower(),
        app.config,
        now=T0 + timedelta(hours=2),
    )
    db.session.commit()
    return target, duplicate


def test_merge_closes_the_duplicate_and_carries_its_voices_to_the_target(app_context, people):
    app = app_context
    target, duplicate = merged_pair(app, people)
    assert duplicate.status is ReportStatus.CLOSED and duplicate.merged_into.id == target.id
    assert duplicate.closure_due_at is None and duplicate.running_due_at is None
    assert duplicate.events[-1].kind is EventKind.MERGED
    assert duplicate.events[-1].body == target.reference
    assert target.events[-1].kind is EventKind.VOICES_ADDED
    assert supporters.voices(target) == 2  # the duplicate's reporter and its supporter
    revealed = supporters.for_unit(people["site"], target, reveal=True)
    assert [(v.identity.name, v.identity.email) for v in revealed] == [
        ("李四", "dup@example.org"),
        ("", "voice@example.org"),
    ]
    assert all(v.supporter.merged_from_id == duplicate.id for v in revealed)
    # Everyone who left an email is told; the deadlines of the duplicate are settled.
    for address in ("dup@example.org", "voice@example.org"):
        assert [m.subject for m in queued_mail(address)][-1].startswith(
            f"举报 {duplicate.reference} 已并入 {target.reference}"
        )
    assert {v.state.value for v in reports.deadlines(duplicate, app.config)} == {"met"}
    assert db.session.scalar(
        sa.select(AuditRecord).where(AuditRecord.action == "report.merged")
    ).detail == (target.reference)
    # Receipts keep working: the duplicate's own receipt codes still open it.
    assert (
        reports.track(
            duplicate.reference,
            supporters.receipt_code(app.config["SECRET_KEY"], "support:dup-voice"),
            "10.0.0.2",
            app.config,
        ).supporter
        is not None
    )


def test_a_merged_duplicate_cannot_be_rated_appealed_supported_or_merged_again(app_context, people):
    app = app_context
    target, duplicate = merged_pair(app, people)
    with pytest.raises(ValidationFailed, match="merged into"):
        reports.rate(duplicate, 5, "")
    with pytest.raises(ValidationFailed, match="merged into"):
        reports.appeal(duplicate, "我不同意这个结果。", app.config)
    with pytest.raises(ValidationFailed, match="merged into"):
        support(app, duplicate, key="late")
    db.session.rollback()
    with pytest.raises(Conflict):
        handling.merge(people["staff"], duplicate, duplicate.version, target.reference, app.config)


def test_merge_refusals(app_context, people):
    app = app_context
    report = new_report(app, "a")
    closed = new_report(app, "closed")
    accept(app, closed, people["staff"])
    handling.close(people["staff"], closed, closed.version, "已责令整改并复查。", app.config)
    elsewhere = new_report(app, "b", area=1)  # 第一师: another unit handles it
    db.session.commit()
    for target, message in (
        ("JB-NONE", "another report your unit handles"),
        (report.reference, "another report your unit handles"),
        (elsewhere.reference, "handled by another unit"),
        (closed.reference, "no longer open"),
    ):
        with pytest.raises(ValidationFailed, match=message) as refused:
            handling.merge(people["staff"], report, report.version, target, app.config)
        assert refused.value.field == "target"
        db.session.rollback()
    with pytest.raises(NotFound):  # another unit's report does not exist for them
        handling.merge(people["stranger"], report, report.version, closed.reference, app.config)
    stale = report.version
    handling.note(people["staff"], report, report.version, "先核实地点。")
    db.session.commit()
    with pytest.raises((Conflict, StaleDataError)):
        handling.merge(people["staff"], report, stale, elsewhere.reference, app.config)
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportMerge)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportSupporter)) == 0


def test_a_merged_duplicate_is_not_counted_as_a_report_its_unit_closed(app_context, people):
    """The dashboards count closures with a result: the duplicate was received but not closed by handling."""
    from portal.services import dashboard, statistics

    app = app_context
    merged_pair(app, people)
    [record] = [r for r in dashboard.unit_records(1) if r.name == "第八师石河子市"]
    assert (record.received, record.closed, record.closed_within_limit) == (2, 0, 0)
    assert record.median_days_to_closure is None
    area = statistics.area_record(
        8, app.config["BABEL_DEFAULT_TIMEZONE"], now=T0 + timedelta(days=1)
    )
    assert (area.received, area.closed, area.median_days_to_closure) == (2, 0, None)
