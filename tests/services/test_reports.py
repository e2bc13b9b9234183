"""Report intake and the resident's side: receipt codes, validation, deadlines, tracking, information, appeal."""

import hashlib
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from portal.errors import NotFound, ValidationFailed
from portal.extensions import db
from portal.models import (
    EventKind,
    Evidence,
    IdentityVisibility,
    MailMessage,
    Report,
    ReporterIdentity,
    ReportStatus,
)
from portal.services import clocks, handling, reports
from portal.services.accounts import create_user
from portal.services.evidence import EvidenceRejected
from portal.services.reports import ReportInput
from portal.services.units import find_unit
from tests.helpers import PASSWORD, PHOTO_COMMENT, PHOTO_PHONE, jpeg_photo, queued_mail

BJ = ZoneInfo("Asia/Shanghai")
CODE = re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){4}$")


def bj(year, month, day, hour=10, minute=0):
    """A moment in Beijing time."""
    return datetime(year, month, day, hour, minute, tzinfo=BJ)


def end_of(year, month, day):
    """The last instant of a day in Beijing, as deadlines end."""
    return datetime(year, month, day, 23, 59, 59, 999999, tzinfo=BJ)


def report_input(key="key-1", **fields):
    """A valid water report in 第八师石河子市."""
    values = dict(
        submission_key=key,
        category="water",
        area=8,
        place="石河子市北泉镇排污口",
        description="排污口每天夜里排放黑臭污水,渠道里的鱼都死了。",
    )
    values.update(fields)
    return ReportInput(**values)


def submit(app, key="key-1", now=None, **fields):
    """Submit and commit a report; returns the Submission."""
    submission = reports.submit(report_input(key, **fields), app.config, now=now)
    db.session.commit()
    return submission


def staff(username, unit="第八师石河子市", role="staff", email=""):
    """A committed staff account."""
    user = create_user(username, unit, role, PASSWORD)
    user.email = email
    db.session.commit()
    return user


def count(model):
    """Rows of `model`."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def evidence_files(data_dir):
    """Every file stored under the evidence folders."""
    root = Path(data_dir)
    return [
        p
        for folder in ("evidence", "evidence-originals")
        for p in (root / folder).rglob("*")
        if p.is_file()
    ]


# Receipt codes


def test_receipt_code_is_100_bits_in_five_groups_of_base32(app_context):
    """20 base32 characters (≥ 80 bits), grouped by four, fixed per submission, different across them."""
    code = reports.receipt_code("secret", "key-1")
    assert CODE.match(code)
    assert len(code.replace("-", "")) * 5 >= 80
    assert reports.receipt_code("secret", "key-1") == code
    assert reports.receipt_code("secret", "key-2") != code
    assert reports.receipt_code("other secret", "key-1") != code


def test_hash_code_ignores_case_spaces_and_dashes(app_context):
    """A code typed in lower case, without dashes or with spaces, hashes like the printed one."""
    code = reports.receipt_code("secret", "key-1")
    typed = [code.lower(), code.replace("-", ""), " " + code.replace("-", " ") + " "]
    assert {reports.hash_code(t) for t in typed} == {reports.hash_code(code)}
    assert reports.hash_code(code) != reports.hash_code(
        code[:-1] + ("A" if code[-1] != "A" else "B")
    )
    assert reports.hash_code(code) != code and len(reports.hash_code(code)) == 64


# Intake


def test_submit_records_a_routed_report_with_its_acceptance_deadline(app_context):
    """Received on Saturday 7 March 2026: 15 calendar days end on Sunday the 22nd, so the 23rd is the deadline."""
    submission = submit(app_context, now=bj(2026, 3, 7))
    report = db.session.get(Report, submission.report.id)
    assert submission.created is True
    assert re.fullmatch(r"JB-2026-\d{6}", report.reference)
    assert report.status is ReportStatus.RECEIVED
    assert (
        report.unit.name == "第八师石河子市"
        and report.area.number == 8
        and report.category.code == "water"
    )
    assert report.acceptance_due_at == end_of(2026, 3, 23)
    assert report.closure_due_at is None and report.clock_warning == ""
    assert [e.kind for e in report.events] == [EventKind.SUBMITTED]
    assert report.receipt_hash == reports.hash_code(submission.receipt_code)
    assert sorted(c.unit.name for c in report.copies) == sorted(
        ["兵团建设局", "兵团水利局", "兵团工信委", "兵团国土资源局"]
    )


def test_references_count_up(app_context):
    """Each report gets the next number."""
    first = submit(app_context, "a", now=bj(2026, 3, 7)).report.reference
    second = submit(app_context, "b", now=bj(2026, 3, 7)).report.reference
    assert int(second.rsplit("-", 1)[1]) == int(first.rsplit("-", 1)[1]) + 1


def test_reference_year_is_the_year_in_beijing(app_context):
    """At 00:30 on 1 January in Beijing (still 31 December in UTC) the reference carries the new year."""
    moment = bj(2026, 1, 1, 0, 30).astimezone(UTC)  # the clock of the server, in UTC
    assert moment.year == 2025
    assert submit(app_context, now=moment).report.reference.startswith("JB-2026-")


def test_reference_prefix_comes_from_configuration(make_app):
    """REPORT_PREFIX replaces JB."""
    app = make_app(REPORT_PREFIX="BT")
    with app.app_context():
        assert submit(app, now=bj(2026, 3, 7)).report.reference.startswith("BT-2026-")


def test_the_same_submission_key_gives_the_first_report_back(app_context):
    """A resubmitted form creates nothing new and returns the same receipt code."""
    first = submit(app_context)
    again = reports.submit(
        report_input(description="第二次提交的描述文字,不应保存。"), app_context.config
    )
    db.session.commit()
    assert again.created is False
    assert again.report.id == first.report.id and again.receipt_code == first.receipt_code
    assert (
        count(Report) == 1 and "第二次" not in db.session.get(Report, first.report.id).description
    )


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"description": "太短了"}, "description"),
        ({"description": "          很短          "}, "description"),
        ({"description": "污" * 4001}, "description"),
        ({"place": "   "}, "place"),
        ({"place": "地" * 301}, "place"),
        ({"email": "not-an-address"}, "email"),
        ({"email": "a@b"}, "email"),
        ({"phone": "call me"}, "phone"),
        ({"name": "名" * 81}, "name"),
        ({"latitude": "44.3"}, "latitude"),
        ({"longitude": "86.0"}, "latitude"),
        ({"latitude": "91", "longitude": "86.0"}, "latitude"),
        ({"latitude": "44.3", "longitude": "east"}, "longitude"),
        ({"area": None}, "area"),
        ({"area": 15}, "area"),
        ({"submission_key": ""}, "form"),
        ({"submission_key": "k" * 65}, "form"),
        ({"files": [("a.jpg", b"x")] * 6}, "evidence"),
    ],
)
def test_invalid_input_is_refused_naming_the_field(app_context, fields, field):
    """Each broken rule raises ValidationFailed for its field, and nothing is left to commit."""
    with pytest.raises(ValidationFailed) as refused:
        reports.submit(report_input(**fields), app_context.config)
    assert refused.value.field == field
    db.session.rollback()
    assert count(Report) == count(ReporterIdentity) == count(MailMessage) == 0


def test_observed_time_in_the_future_is_refused_but_clock_skew_is_tolerated(app_context):
    """An hour ahead is refused; four minutes ahead (a phone's clock) is accepted."""
    now = bj(2026, 3, 7)
    with pytest.raises(ValidationFailed) as refused:
        reports.submit(
            report_input(observed_at=now + timedelta(hours=1)), app_context.config, now=now
        )
    assert refused.value.field == "observed_at"
    db.session.rollback()
    report = submit(app_context, now=now, observed_at=now + timedelta(minutes=4)).report
    assert report.observed_at == now + timedelta(minutes=4)


def test_unknown_category_is_not_found(app_context):
    """A category code that does not exist is refused naming the category field."""
    with pytest.raises(NotFound) as refused:
        reports.submit(report_input(category="radiation"), app_context.config)
    assert refused.value.field == "category"


def test_coordinates_are_kept_to_six_decimals(app_context):
    """Latitude and longitude are stored as given, to a micro-degree."""
    report = submit(app_context, latitude="44.3051234", longitude="-86.0449").report
    assert (str(report.latitude), str(report.longitude)) == ("44.305123", "-86.044900")


def test_a_refused_file_leaves_no_report_and_no_file(app_context):
    """One disguised file among good ones: the whole submission is refused and nothing is written."""
    files = [("good.jpg", jpeg_photo()), ("photo.jpg", b"<!doctype html><script>alert(1)</script>")]
    with pytest.raises(EvidenceRejected) as refused:
        reports.submit(report_input(files=files), app_context.config)
    assert "photo.jpg" in refused.value.message
    db.session.rollback()
    assert count(Report) == count(Evidence) == 0
    assert evidence_files(app_context.config["FILES_DIR"]) == []


@pytest.mark.parametrize("number", [1, 42, 999999, 1000000, 12345678])
def test_reference_numbers_are_written_with_at_least_six_digits(app_context, number):
    """The database writes a report's number as Python would: JB-2026-000042, and JB-2026-12345678 uncut."""
    assert db.session.scalar(sa.select(reports.six_digits(sa.literal(number)))) == f"{number:06d}"


def test_reference_numbers_follow_the_report_ids(app_context):
    """Each new report's reference carries its own id, whatever was recorded before."""
    first, second = (
        submit(app_context, key=f"key-{n}", now=bj(2026, 5, 1)).receipt for n in (1, 2)
    )
    assert [first.reference, second.reference] == [
        f"JB-2026-{n:06d}" for n in (first.id, second.id)
    ]
    assert second.id == first.id + 1


def test_files_of_a_report_that_is_not_committed_are_removed(app_context):
    """A report whose transaction ends without a commit (a failed commit, a later error) leaves no file;
    a committed one keeps its files."""
    reports.submit(report_input(files=[("photo.jpg", jpeg_photo())]), app_context.config)
    assert (
        len(evidence_files(app_context.config["FILES_DIR"])) == 2
    )  # the public copy and the original
    db.session.rollback()
    assert count(Report) == 0 and evidence_files(app_context.config["FILES_DIR"]) == []
    reports.submit(
        report_input(key="key-2", files=[("photo.jpg", jpeg_photo())]), app_context.config
    )
    db.session.commit()
    db.session.close()
    assert count(Report) == 1 and len(evidence_files(app_context.config["FILES_DIR"])) == 2


def test_the_same_submission_key_records_one_report_and_keeps_its_files(app_context):
    """A second submission with a recorded key answers with the first report, writes nothing, and removes
    the files it stored on the way."""
    first = reports.submit(report_input(files=[("photo.jpg", jpeg_photo())]), app_context.config)
    db.session.commit()
    again = reports.submit(report_input(files=[("photo.jpg", jpeg_photo())]), app_context.config)
    db.session.commit()
    assert (again.created, again.report.id, again.receipt_code) == (
        False,
        first.receipt.id,
        first.receipt_code,
    )
    assert count(Report) == count(Evidence) == 1
    assert len(evidence_files(app_context.config["FILES_DIR"])) == 2


def test_photos_are_stored_cleaned_with_the_hash_of_the_original(app_context):
    """The public copy has no EXIF, GPS or comment; the original is kept byte for byte with its SHA-256."""
    photo = jpeg_photo()
    assert b"Exif" in photo and PHOTO_COMMENT in photo and PHOTO_PHONE.encode() in photo
    report = submit(app_context, files=[("IMG_0001.jpg", photo)]).report
    [item] = db.session.get(Report, report.id).evidence
    root = Path(app_context.config["FILES_DIR"])
    public, original = (
        (root / item.public_path).read_bytes(),
        (root / item.original_path).read_bytes(),
    )
    assert item.sha256_original == hashlib.sha256(photo).hexdigest()
    assert original == photo
    assert public[:3] == b"\xff\xd8\xff" and item.size == len(public)
    for planted in (b"Exif", PHOTO_COMMENT, PHOTO_PHONE.encode(), b"Xiaomi"):
        assert planted not in public, planted
    assert item.public_path.startswith("evidence/") and item.original_path.startswith(
        "evidence-originals/"
    )
    assert "IMG_0001" not in item.public_path and item.original_name == "IMG_0001.jpg"


def test_identity_lives_apart_from_the_report(app_context):
    """Name, phone and email go to their own table with the resident's choice; the report holds none of them."""
    report = submit(
        app_context,
        name="王小明",
        phone="13912345678",
        email="wxm@example.org",
        visibility=IdentityVisibility.HANDLING_UNIT,
    ).report
    identity = db.session.scalar(
        sa.select(ReporterIdentity).where(ReporterIdentity.report_id == report.id)
    )
    assert (identity.name, identity.phone, identity.email) == (
        "王小明",
        "13912345678",
        "wxm@example.org",
    )
    assert identity.visibility is IdentityVisibility.HANDLING_UNIT
    row = db.session.execute(sa.select(Report.__table__).where(Report.id == report.id)).one()
    assert not any(
        isinstance(v, str) and ("王小明" in v or "13912345678" in v or "wxm@" in v) for v in row
    )


def test_anonymous_report_has_no_identity_row(app_context):
    """With no contact details nothing is stored about the reporter."""
    submit(app_context)
    assert count(ReporterIdentity) == 0


def test_receipt_mail_has_reference_and_private_link_but_no_phone_or_code(app_context):
    """The resident's receipt names the report and the private link; not the phone number, not the receipt code."""
    submission = submit(app_context, phone="13912345678", email="wxm@example.org")
    [message] = queued_mail("wxm@example.org")
    report = submission.report
    token = reports.link_token(app_context.config["SECRET_KEY"], report)
    assert report.reference in message.subject and report.reference in message.body
    assert f"/reports/track/{report.reference}/{token}" in message.body
    assert "13912345678" not in message.body
    assert submission.receipt_code not in message.body
    assert submission.receipt_code.replace("-", "") not in message.body


def test_unit_staff_are_told_of_a_new_report_without_reporter_details(app_context):
    """Active staff of the handling unit get a notice; others, and the inactive, do not; no identity in it."""
    staff("shz", email="shz@unit.example")
    gone = staff("shz-old", email="old@unit.example")
    gone.active = False
    staff("jsj", unit="兵团建设局", email="jsj@unit.example")
    db.session.commit()
    report = submit(app_context, name="王小明", phone="13912345678", email="wxm@example.org").report
    notices = queued_mail(suffix="@unit.example")
    assert [m.recipient for m in notices] == ["shz@unit.example"]
    assert report.reference in notices[0].body
    for planted in ("王小明", "13912345678", "wxm@example.org", "黑臭污水"):
        assert planted not in notices[0].body


def test_submitting_needs_no_mail_server(make_app):
    """With an unreachable SMTP server configured, submission still succeeds; the mail waits in the outbox."""
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=9)
    with app.app_context():
        submit(app, email="wxm@example.org")
        assert db.session.scalar(sa.select(MailMessage.sent_at)) is None


# Tracking


def test_track_accepts_the_code_in_any_case_with_or_without_dashes(app_context):
    """The printed code, lower case, without dashes, and a lower-case reference all open the report."""
    submission = submit(app_context)
    ref, code = submission.report.reference, submission.receipt_code
    for typed_ref, typed_code in (
        (ref, code),
        (ref.lower(), code.lower()),
        (ref, code.replace("-", "")),
    ):
        result = reports.track(typed_ref, typed_code, "10.0.0.1", app_context.config)
        assert result.report is not None and result.report.id == submission.report.id, (
            typed_ref,
            typed_code,
        )


def test_track_refuses_a_wrong_code_and_counts_it(app_context):
    """A wrong code or an unknown reference is a 404 with a message; each counts against the client."""
    submission = submit(app_context)
    wrong = reports.track(
        submission.report.reference, "AAAA-AAAA-AAAA-AAAA-AAAA", "10.0.0.1", app_context.config
    )
    unknown = reports.track(
        "JB-2026-999999", submission.receipt_code, "10.0.0.1", app_context.config
    )
    assert (wrong.report, wrong.status) == (None, 404) and wrong.message
    assert (unknown.report, unknown.status) == (None, 404) and unknown.message == wrong.message


def test_track_blocks_a_client_after_the_limit_for_the_window(make_app):
    """After TRACK_LIMIT wrong codes even the right code is refused (429), for that client and window only."""
    app = make_app(TRACK_LIMIT=3)
    with app.app_context():
        submission = submit(app)
        ref, code = submission.report.reference, submission.receipt_code
        now = datetime(2026, 3, 7, 2, 0, 30, tzinfo=UTC)
        for _ in range(3):
            assert reports.track(ref, "WRONG", "10.0.0.1", app.config, now=now).status == 404
        blocked = reports.track(ref, code, "10.0.0.1", app.config, now=now)
        assert blocked.status == 429 and blocked.report is None and "15" in blocked.message
        assert reports.track(ref, code, "10.0.0.2", app.config, now=now).report is not None
        later = now + timedelta(seconds=app.config["TRACK_WINDOW_SECONDS"])
        assert reports.track(ref, code, "10.0.0.1", app.config, now=later).report is not None


def test_private_link_opens_only_with_its_token(app_context):
    """The mailed link's token opens the report; any other token is NotFound."""
    report = submit(app_context).report
    token = reports.link_token(app_context.config["SECRET_KEY"], report)
    assert reports.open_link(report.reference, token, app_context.config).id == report.id
    with pytest.raises(NotFound):
        reports.open_link(
            report.reference, token[:-1] + ("a" if token[-1] != "a" else "b"), app_context.config
        )
    with pytest.raises(NotFound):
        reports.open_link(report.reference, "", app_context.config)


# The resident's actions


def accepted_and_closed(app, now):
    """A report accepted and closed by 第八师 staff; returns (report, staff member)."""
    user = staff("shz")
    report = submit(app, now=now).report
    handling.accept(user, report, report.version, app.config, now=now + timedelta(days=1))
    handling.close(
        user,
        report,
        report.version,
        "已现场检查并责令整改。",
        app.config,
        now=now + timedelta(days=5),
    )
    db.session.commit()
    return report, user


def test_information_is_added_while_open_with_files(app_context):
    """Text and a photo from the resident join the report and its public timeline."""
    report = submit(app_context).report
    reports.add_information(
        report, "今天早上又排了一次,气味很大。", [("more.jpg", jpeg_photo())], app_context.config
    )
    db.session.commit()
    assert len(report.evidence) == 1
    [added] = [e for e in reports.public_timeline(report) if e.kind is EventKind.INFORMATION_ADDED]
    assert added.body == "今天早上又排了一次,气味很大。"


def test_information_needs_content_and_an_open_report(app_context):
    """Empty information is refused, and nothing can be added after closure."""
    report = submit(app_context).report
    with pytest.raises(ValidationFailed):
        reports.add_information(report, "   ", [], app_context.config)
    db.session.rollback()
    closed, _user = accepted_and_closed(app_context, bj(2026, 6, 1))
    with pytest.raises(ValidationFailed):
        reports.add_information(closed, "补充材料", [], app_context.config)


def test_rating_only_after_closure_and_only_once(app_context):
    """A closed report is rated 1–5 once; an open one cannot be rated."""
    open_report = submit(app_context, "open").report
    with pytest.raises(ValidationFailed):
        reports.rate(open_report, 5, "")
    db.session.rollback()
    report, _user = accepted_and_closed(app_context, bj(2026, 6, 1))
    with pytest.raises(ValidationFailed):
        reports.rate(report, 6, "")
    reports.rate(report, 4, "处理及时")
    db.session.commit()
    assert (report.rating, report.rating_comment) == (4, "处理及时")
    with pytest.raises(ValidationFailed):
        reports.rate(report, 5, "")


def test_appeal_within_the_window_reopens_with_a_new_closure_deadline(app_context):
    """Closed 6 June 2026: appealing on the 10th puts it back in handling, due 60 days later (9 August → 10th)."""
    report, user = accepted_and_closed(app_context, bj(2026, 6, 1))
    assert report.appeal_due_at == end_of(2026, 6, 22)  # 6 June + 15 = 21st, a Sunday
    reports.appeal(report, "问题没有解决,排污口仍在排放。", app_context.config, now=bj(2026, 6, 10))
    db.session.commit()
    assert report.status is ReportStatus.ACCEPTED and report.appealed and report.closed_at is None
    assert report.closure_due_at == end_of(2026, 8, 10)
    assert report.events[-1].kind is EventKind.REOPENED and report.events[-1].body.startswith(
        "问题没有解决"
    )


def test_an_appeal_starts_a_new_round_with_its_own_extension(app_context):
    """An extension approved before closure does not stretch the new 60-day clock; the new round may ask again."""
    user, admin = staff("shz"), staff("shz-admin", role="unit_admin")
    report = submit(app_context, now=bj(2026, 6, 1)).report
    steps = (
        lambda: handling.accept(
            user, report, report.version, app_context.config, now=bj(2026, 6, 1, 11)
        ),
        lambda: handling.request_extension(user, report, report.version, 10, "需要第三方检测"),
        lambda: handling.decide_extension(admin, report, report.version, True, app_context.config),
        lambda: handling.close(
            user, report, report.version, "已责令整改。", app_context.config, now=bj(2026, 6, 5)
        ),
        lambda: reports.appeal(report, "问题没有解决。", app_context.config, now=bj(2026, 6, 10)),
    )
    for step in steps:  # each in its own request, as in the console
        step()
        db.session.commit()
    [closure] = [
        v
        for v in reports.deadlines(report, app_context.config, now=bj(2026, 6, 10))
        if v.kind is clocks.ClockKind.CLOSURE
    ]
    assert closure.due_at == end_of(2026, 8, 10) and closure.days == 60
    handling.request_extension(user, report, report.version, 5, "复查需要重新检测")
    assert report.extension_days == 5
    handling.decide_extension(admin, report, report.version, True, app_context.config)
    assert report.closure_due_at == end_of(
        2026, 8, 14
    )  # 10 June + 65 days, not 1 June + 65 (earlier than before)


def test_a_second_appeal_is_refused(app_context):
    """Reopened once and closed again, the report cannot be appealed again."""
    report, user = accepted_and_closed(app_context, bj(2026, 6, 1))
    reports.appeal(report, "问题没有解决。", app_context.config, now=bj(2026, 6, 10))
    handling.close(
        user,
        report,
        report.version,
        "再次检查,已停产整改。",
        app_context.config,
        now=bj(2026, 6, 20),
    )
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        reports.appeal(report, "还是没有解决。", app_context.config, now=bj(2026, 6, 21))
    assert refused.value.field == "reason"


def test_an_appeal_after_the_window_is_refused(app_context):
    """A day after the appeal deadline the report stays closed."""
    report, _user = accepted_and_closed(app_context, bj(2026, 6, 1))
    with pytest.raises(ValidationFailed):
        reports.appeal(
            report,
            "问题没有解决。",
            app_context.config,
            now=report.appeal_due_at + timedelta(seconds=1),
        )
    db.session.rollback()
    assert db.session.get(Report, report.id).status is ReportStatus.CLOSED


def test_an_open_report_cannot_be_appealed(app_context):
    """Appeals are for closed reports."""
    report = submit(app_context).report
    with pytest.raises(ValidationFailed):
        reports.appeal(report, "我不同意。", app_context.config)


def test_public_timeline_leaves_out_internal_events(app_context):
    """Notes, assignments, extension requests and ratings stay inside the console."""
    user = staff("shz")
    report = submit(app_context, now=bj(2026, 6, 1)).report
    handling.accept(user, report, report.version, app_context.config, now=bj(2026, 6, 1, 11))
    handling.note(user, report, report.version, "内部:企业负责人是熟人")
    handling.assign(user, report, report.version, user.id)
    handling.request_extension(user, report, report.version, 10, "需要第三方检测")
    handling.reply(user, report, report.version, "已派员现场检查")
    db.session.commit()
    kinds = [e.kind for e in reports.public_timeline(report)]
    assert kinds == [EventKind.SUBMITTED, EventKind.ACCEPTED, EventKind.REPLIED]


def test_deadlines_show_the_running_clock_with_its_legal_basis(app_context):
    """While received only acceptance runs; accepted, closure runs and acceptance is kept for the record."""
    user = staff("shz")
    report = submit(app_context, now=bj(2026, 6, 1)).report
    [acceptance] = reports.deadlines(report, app_context.config, now=bj(2026, 6, 2))
    assert acceptance.kind is clocks.ClockKind.ACCEPTANCE and acceptance.days == 15
    assert (
        "《环保举报热线工作管理办法》" in acceptance.basis
        and acceptance.state is reports.DeadlineState.DUE
    )
    overdue = reports.deadlines(report, app_context.config, now=bj(2026, 7, 1))[0]
    assert overdue.state is reports.DeadlineState.OVERDUE
    handling.accept(user, report, report.version, app_context.config, now=bj(2026, 6, 1, 11))
    views = reports.deadlines(report, app_context.config, now=bj(2026, 6, 2))
    assert [v.kind for v in views] == [clocks.ClockKind.ACCEPTANCE, clocks.ClockKind.CLOSURE]
    assert (
        views[0].state is reports.DeadlineState.MET and views[1].state is reports.DeadlineState.DUE
    )
    assert views[1].due_at == end_of(2026, 7, 31) and views[1].days == 60


# What each deadline's state says: the one place that decides it (templates only show it).

State = reports.DeadlineState


def states(report, config, now):
    """{clock kind: (state, when the unit acted)} of every deadline shown for `report` at `now`."""
    return {v.kind.value: (v.state, v.done_at) for v in reports.deadlines(report, config, now=now)}


def test_a_running_deadline_is_due_then_due_soon_then_overdue(app_context):
    """Received 1 June: due until 13 June, due soon from the 14th (3 days left), overdue after the 16th."""
    report = submit(app_context, now=bj(2026, 6, 1)).report
    assert report.acceptance_due_at == end_of(2026, 6, 16)
    assert states(report, app_context.config, bj(2026, 6, 2)) == {"acceptance": (State.DUE, None)}
    assert states(report, app_context.config, bj(2026, 6, 14)) == {
        "acceptance": (State.DUE_SOON, None)
    }
    assert states(report, app_context.config, bj(2026, 6, 17)) == {
        "acceptance": (State.OVERDUE, None)
    }


def test_a_decision_within_the_limit_is_met_and_one_after_it_late(app_context):
    """Accepting (or not accepting) by the deadline meets it, with the day it was done; later, it was late."""
    user = staff("shz")
    on_time = submit(app_context, "on-time", now=bj(2026, 6, 1)).report
    handling.accept(user, on_time, on_time.version, app_context.config, now=bj(2026, 6, 3))
    late = submit(app_context, "late", now=bj(2026, 6, 1)).report
    handling.accept(user, late, late.version, app_context.config, now=bj(2026, 6, 20))
    refused = submit(app_context, "refused", now=bj(2026, 6, 1)).report
    handling.not_accept(
        user,
        refused,
        refused.version,
        "outside_remit",
        "不属于生态环境部门职责,请向城管部门反映。",
        now=bj(2026, 6, 5),
    )
    later = bj(2026, 9, 1)
    assert states(on_time, app_context.config, later)["acceptance"] == (State.MET, bj(2026, 6, 3))
    assert states(late, app_context.config, later)["acceptance"] == (State.LATE, bj(2026, 6, 20))
    assert states(refused, app_context.config, later) == {"acceptance": (State.MET, bj(2026, 6, 5))}


def test_a_closed_report_is_met_and_its_ended_appeal_window_is_nobodys_delay(app_context):
    """Closed in time: closure met; the resident's appeal window is open, then ended, never overdue."""
    report, _user = accepted_and_closed(app_context, bj(2026, 6, 1))
    closed = bj(2026, 6, 6)
    during = states(report, app_context.config, bj(2026, 6, 10))
    assert during == {
        "acceptance": (State.MET, bj(2026, 6, 2)),
        "closure": (State.MET, closed),
        "appeal": (State.OPEN, None),
    }
    after = states(report, app_context.config, bj(2026, 12, 1))
    assert after["appeal"] == (State.ENDED, None) and after["closure"] == (State.MET, closed)
    assert State.OVERDUE not in {state for state, _done in after.values()}


def test_closing_after_the_deadline_is_late_and_an_appeal_restarts_the_clock(app_context):
    """Closed a day after the closure deadline: late. After an appeal the new closure clock runs (no appeal row)."""
    user = staff("shz")
    report = submit(app_context, now=bj(2026, 6, 1)).report
    handling.accept(user, report, report.version, app_context.config, now=bj(2026, 6, 1, 11))
    handling.close(
        user, report, report.version, "已责令整改。", app_context.config, now=bj(2026, 8, 1)
    )
    assert states(report, app_context.config, bj(2026, 8, 2))["closure"] == (
        State.LATE,
        bj(2026, 8, 1),
    )
    reports.appeal(report, "问题没有解决。", app_context.config, now=bj(2026, 8, 3))
    assert states(report, app_context.config, bj(2026, 8, 4)) == {
        "acceptance": (State.MET, bj(2026, 6, 1, 11)),
        "closure": (State.DUE, None),
    }


def test_the_report_list_flags_what_the_unit_is_late_with(app_context):
    """Overdue while a deadline of the unit has passed; on time when closed within every limit; late otherwise."""
    waiting = submit(app_context, "waiting", now=bj(2026, 6, 1)).report
    assert reports.timeliness(waiting, app_context.config, now=bj(2026, 6, 2)) is None
    assert (
        reports.timeliness(waiting, app_context.config, now=bj(2026, 6, 17))
        is reports.Timeliness.OVERDUE
    )
    closed, user = accepted_and_closed(app_context, bj(2026, 6, 1))
    assert (
        reports.timeliness(closed, app_context.config, now=bj(2026, 12, 1))
        is reports.Timeliness.ON_TIME
    )
    late = submit(app_context, "late", now=bj(2026, 6, 1)).report
    handling.accept(user, late, late.version, app_context.config, now=bj(2026, 6, 1, 11))
    handling.close(user, late, late.version, "已责令整改。", app_context.config, now=bj(2026, 8, 1))
    assert (
        reports.timeliness(late, app_context.config, now=bj(2026, 8, 2)) is reports.Timeliness.LATE
    )


# The clock warning belongs to the deadline whose count ran through a year without a holiday calendar.


def warnings(report, config, now):
    """{clock kind: years warned about} of every deadline shown for `report`."""
    return {v.kind.value: v.warning_years for v in reports.deadlines(report, config, now=now)}


@pytest.fixture
def unknown_2027():
    """The tests below need 2027 to be a year the installed chinesecalendar does not know."""
    if clocks.library_covers(2027):
        pytest.skip("the installed chinesecalendar covers 2027")


def test_a_2026_deadline_never_warns_about_2027(app_context, unknown_2027):
    """Received 6 Nov 2026 and accepted the next day: only the closure count (to Jan 2027) warns, before and after."""
    user = staff("shz")
    report = submit(app_context, now=bj(2026, 11, 6)).report
    assert warnings(report, app_context.config, bj(2026, 11, 6, 12)) == {"acceptance": ()}
    handling.accept(user, report, report.version, app_context.config, now=bj(2026, 11, 7))
    assert report.acceptance_due_at == end_of(2026, 11, 23) and report.closure_due_at.year == 2027
    assert warnings(report, app_context.config, bj(2026, 11, 8)) == {
        "acceptance": (),
        "closure": (2027,),
    }
    handling.close(
        user, report, report.version, "已责令整改。", app_context.config, now=bj(2026, 11, 9)
    )
    # Closed in time: the closure deadline is met and can no longer move, so it warns of nothing either.
    assert warnings(report, app_context.config, bj(2026, 11, 10)) == {
        "acceptance": (),
        "closure": (),
        "appeal": (),
    }


def test_an_appeal_window_counted_into_2027_warns(app_context, unknown_2027):
    """Closed on 20 Dec 2026: the 15-day appeal window ends in January 2027, whose holidays are not known."""
    user = staff("shz")
    report = submit(app_context, now=bj(2026, 12, 1)).report
    handling.accept(user, report, report.version, app_context.config, now=bj(2026, 12, 2))
    handling.close(
        user, report, report.version, "已责令整改。", app_context.config, now=bj(2026, 12, 20)
    )
    assert warnings(report, app_context.config, bj(2026, 12, 21))["appeal"] == (2027,)


def test_a_transfer_forgets_the_warnings_of_the_clocks_it_stops(app_context, unknown_2027):
    """Accepted with a closure count into 2027, then transferred: the new acceptance clock (2026) warns of nothing."""
    user = staff("shz")
    report = submit(app_context, now=bj(2026, 11, 6)).report
    handling.accept(user, report, report.version, app_context.config, now=bj(2026, 11, 7))
    handling.transfer(
        user,
        report,
        report.version,
        find_unit("兵团审计局").id,
        "属于审计监督事项。",
        app_context.config,
        now=bj(2026, 11, 8),
    )
    assert warnings(report, app_context.config, bj(2026, 11, 9)) == {"acceptance": ()}


def test_working_day_clocks_follow_configuration(make_app):
    """CLOCK_ACCEPTANCE_WORKING_DAYS counts 15 working days, skipping the National Day week and counting 调休 days."""
    app = make_app(CLOCK_ACCEPTANCE_WORKING_DAYS=True)
    with app.app_context():
        report = submit(app, now=bj(2026, 9, 25)).report
        # 26 Sep is a Saturday (off), 1–7 Oct are holidays, 10 Oct (a Saturday) is a make-up workday.
        assert report.acceptance_due_at == end_of(2026, 10, 22)
        [view] = reports.deadlines(report, app.config, now=bj(2026, 9, 26))
        assert view.working_days is True


def test_a_report_wide_warning_from_before_goes_only_to_deadlines_that_reach_its_year(
    app_context, unknown_2027
):
    """A bare "2027" (written when one list served every clock) no longer marks the 2026 acceptance deadline."""
    user = staff("shz")
    report = submit(app_context, now=bj(2026, 11, 6)).report
    handling.accept(user, report, report.version, app_context.config, now=bj(2026, 11, 7))
    report.clock_warning = "2027"
    assert warnings(report, app_context.config, bj(2026, 11, 8)) == {
        "acceptance": (),
        "closure": (2027,),
    }


def test_deadlines_in_a_year_without_a_holiday_calendar_carry_a_warning(app_context):
    """A clock running into a year chinesecalendar does not cover is flagged on that deadline."""
    if clocks.library_covers(2031):
        pytest.skip("the installed chinesecalendar covers 2031")
    report = submit(app_context, now=bj(2030, 12, 20)).report
    assert reports.deadlines(report, app_context.config, now=bj(2030, 12, 21))[0].warning_years == (
        2031,
    )


def test_control_characters_are_dropped_from_what_the_resident_typed(app_context):
    """A NUL or an escape in the place or description is dropped (PostgreSQL would refuse the row); '<' stays."""
    submission = submit(
        app_context,
        place="北泉镇\x00排污口",
        description="夜里排放黑臭污水\x1b,COD < 50 是假的\x00。",
        name="王\x00芳",
    )
    db.session.flush()
    report = db.session.get(Report, submission.report.id)
    assert (
        report.place == "北泉镇排污口"
        and report.description == "夜里排放黑臭污水,COD < 50 是假的。"
    )
