"""Residents on the web: the report form, the receipt, tracking, adding information, rating, appeal, supervision."""

import hashlib
import re
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    Category,
    EventKind,
    Evidence,
    MailMessage,
    RateLimitHit,
    Report,
    ReporterIdentity,
    ReportEvent,
    ReportStatus,
)
from portal.models.types import utcnow
from portal.services import clocks, reports
from portal.services.reports import ReportInput
from tests.helpers import (
    PHOTO_COMMENT,
    PHOTO_PHONE,
    act,
    csrf_token,
    get_report,
    hidden_value,
    jpeg_photo,
    post_report,
    receipt_of,
    report_fields,
    report_form,
    resident_act,
    staff_client,
    submit_report,
    tracking_path,
    update_report,
)

CODE = re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){4}$")
DISGUISED = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"

BJ = ZoneInfo("Asia/Shanghai")


def english(client):
    """Switch the client's interface to English (the msgids) and return it."""
    client.get("/language/en")
    return client


def counts(app):
    """How many reports, identities, events, evidence rows and outbox messages exist."""
    with app.app_context():
        return {
            m.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(m))
            for m in (Report, ReporterIdentity, ReportEvent, Evidence, MailMessage)
        }


def stored_files(app):
    """Every file under the data directory's evidence folders."""
    root = Path(app.config["FILES_DIR"])
    return [p for folder in root.glob("evidence*") for p in folder.rglob("*") if p.is_file()]


def field_errors(page):
    """{field id: message} of errors shown under fields."""
    return dict(re.findall(r'<p class="field-error" id="([\w-]+)-error">([^<]*)</p>', page))


def alerts(page):
    """Messages in the error summary that belong to no visible field (the form's own, hidden fields')."""
    block = re.search(r'<ul class="error-summary-list">(.*?)</ul>', page, re.S)
    return re.findall(r"<li>([^<]+)</li>", block.group(1)) if block else []


def flashes(page):
    """Flashed messages on a page."""
    return [m.strip() for m in re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', page, re.S)]


def timeline(page):
    """The text of the tracking page's timeline."""
    return re.search(r'<ol class="timeline">(.*?)</ol>', page, re.S).group(1)


def closed_report(app, client, **fields):
    """A report submitted by `client` and accepted and closed by 第八师 staff: (reference, code, path, staff)."""
    reference, code = submit_report(client, **fields)
    staff = staff_client(app)
    assert act(staff, reference, "accept").status_code == 302
    assert (
        act(
            staff, reference, "close", result="已现场检查,责令企业停产整改。", confirm="yes"
        ).status_code
        == 302
    )
    assert get_report(app, reference)["status"] is ReportStatus.CLOSED
    return reference, code, tracking_path(client, reference, code), staff


# The form


def test_form_offers_every_category_with_its_description_and_every_area(app, client):
    """Each category is a choice with its one-line description and examples; 兵团 and the 14 师(市) are areas."""
    page = client.get("/reports/new").get_data(as_text=True)
    with app.app_context():
        categories = db.session.scalars(sa.select(Category)).all()
    assert len(categories) == 13
    for category in categories:
        assert (
            f'value="{category.code}"' in page
            and category.name in page
            and category.description in page
        )
    areas = re.findall(
        r'<option[^>]*value="(\d+)"',
        re.search(r'<select[^>]*name="area".*?</select>', page, re.S).group(0),
    )
    assert areas == [str(n) for n in range(15)]
    assert "第八师石河子市" in page
    checked = re.findall(r'<input checked[^>]*name="visibility"[^>]*value="(\w+)"', page)
    assert checked == ["administrators"]  # the safer choice is the default
    assert hidden_value(page, "submission_key") and hidden_value(page, "csrf_token")


def test_each_form_gets_its_own_submission_key(client):
    """Two visits to the form give two keys, so two real reports are two reports."""
    assert report_form(client)[1] != report_form(client)[1]


def test_each_visitor_gets_the_form_with_their_own_token_and_key(app):
    """The empty form is rendered once per language: each visitor still gets a token of their own session (which
    another's session refuses) and a key of their own, in Chinese and in English."""
    first, second = app.test_client(), app.test_client()
    english(second)
    forms = [report_form(first), report_form(second), report_form(first)]
    assert len({key for _token, key in forms}) == 3
    assert (
        forms[0][0] != forms[1][0]
        and "csrf-slot" not in forms[0][0]
        and "key-slot" not in forms[0][1]
    )
    assert 'lang="en"' in second.get("/reports/new").get_data(as_text=True)
    assert post_report(first, csrf=forms[1][0]).status_code == 400  # the other visitor's token
    reference, _code = receipt_of(
        post_report(second, csrf=forms[1][0], submission_key=forms[1][1]).get_data(as_text=True)
    )
    assert reference.startswith("JB-")


# Validation


@pytest.mark.parametrize(
    "fields, field, fragment",
    [
        (
            {"description": "太短了"},
            "description",
            "The description of the problem must be between 10 and 4000",
        ),
        (
            {"description": "污" * 4001},
            "description",
            "The description of the problem must be between 10 and 4000",
        ),
        ({"place": ""}, "place", "Enter the place."),
        (
            {"email": "planted-at-example.org"},
            "email",
            "Enter your email address in the right format",
        ),
        ({"phone": "call me maybe"}, "phone", "Enter your phone number in digits only"),
        (
            {"observed_at": "2099-01-01T10:00"},
            "observed_at",
            "The time you observed it cannot be in the future.",
        ),
        ({"category": None}, "category", "Choose what you are reporting."),
    ],
)
def test_invalid_field_is_refused_with_a_message_naming_it(app, client, fields, field, fragment):
    """The form comes back with 400 and a message under the field; nothing is stored."""
    english(client)
    response = post_report(client, name="王小明", **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    errors = field_errors(page)
    assert field in errors, errors
    assert fragment in errors[field]
    assert f'aria-describedby="{field}-error"' in page or f"{field}-error" in page
    assert counts(app) == {
        "Report": 0,
        "ReporterIdentity": 0,
        "ReportEvent": 0,
        "Evidence": 0,
        "MailMessage": 0,
    }


def test_a_message_names_its_field_once(client):
    """A message names its field once, and is shown as it is (no label prefixed): in English and in Chinese."""
    english(client)
    page = post_report(client, email="planted-at-example.org").get_data(as_text=True)
    assert (
        field_errors(page)["email"]
        == "Enter your email address in the right format, like name@example.com."
    )
    client.get("/language/zh_Hans_CN")
    page = post_report(client, phone="call me maybe", description="太短了").get_data(as_text=True)
    assert field_errors(page)["phone"] == "联系电话只能填写数字，例如 13800138000。"
    assert field_errors(page)["description"] == "问题描述应为 10 至 4000 个字符。"


def test_latitude_without_longitude_is_refused_with_a_visible_message(app, client):
    """Coordinates come from hidden fields, so their error must be shown at the top of the form."""
    english(client)
    response = post_report(client, latitude="44.305")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert any("latitude" in message for message in alerts(page)), alerts(page)
    assert counts(app)["Report"] == 0


def test_a_refused_form_keeps_what_the_resident_typed(client):
    """After an error the place and description are still filled in."""
    response = post_report(
        client, email="bad", place="北泉镇幸福路口", description="夜里有很刺鼻的化学气味。"
    )
    page = response.get_data(as_text=True)
    assert 'value="北泉镇幸福路口"' in page and "夜里有很刺鼻的化学气味。" in page


# Success


def test_receipt_shows_reference_and_code_and_is_not_cached(app, client):
    """JB-<year>-<6 digits> and a 20-character code; the page is no-store and sends no referrer."""
    response = post_report(client)
    page = response.get_data(as_text=True)
    reference, code = receipt_of(page)
    year = clocks.local_day(utcnow()).year
    assert response.status_code == 200
    assert re.fullmatch(rf"JB-{year}-\d{{6}}", reference)
    assert CODE.match(code) and len(code.replace("-", "")) * 5 >= 80
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "same-origin"  # nothing to other sites
    assert "第八师石河子市" in page and "依据《实施意见》(十四) 推进水污染治理" in page
    assert get_report(app, reference)["status"] is ReportStatus.RECEIVED


def test_report_is_committed_before_the_receipt_is_shown(app, client, monkeypatch):
    """While the receipt page is being rendered, another connection already sees the report."""
    from portal import slots

    seen = []
    original = slots.render_in_layout

    def spy(template, **context):
        if template == "public/reports/received.html":
            engine = sa.create_engine(
                app.config["SQLALCHEMY_DATABASE_URI"], poolclass=sa.pool.NullPool
            )
            with engine.connect() as other:
                seen.append(other.execute(sa.text("SELECT reference FROM reports")).scalars().all())
            engine.dispose()
        return original(template, **context)

    monkeypatch.setattr(slots, "render_in_layout", spy)
    reference, _code = submit_report(client)
    assert seen == [[reference]]


def test_resubmitting_the_same_form_records_one_report(app, client):
    """A double click (the same submission key twice) gives one report and the same receipt code."""
    token, key = report_form(client)
    first = post_report(client, csrf=token, submission_key=key)
    second = post_report(client, csrf=token, submission_key=key)
    assert first.status_code == second.status_code == 200
    assert receipt_of(first.get_data(as_text=True)) == receipt_of(second.get_data(as_text=True))
    assert 'class="note"' in second.get_data(as_text=True) and 'class="note"' not in first.get_data(
        as_text=True
    )
    assert counts(app)["Report"] == 1


def test_simultaneous_double_submission_records_one_report(app, client, monkeypatch):
    """A copy of the form committed while the first is still being checked: one report, its receipt shown
    to both, and none of the later one's files left behind."""
    token, key = report_form(client)
    photo = [("photo.jpg", jpeg_photo())]
    store, copies = reports._store, []

    def a_copy_lands_first(processed, config):
        # The other POST of a double click commits while this one is between its checks and its insert.
        if not copies:
            copies.append(None)
            with app.app_context():  # a session and transaction of its own, as another worker's
                data = ReportInput(
                    submission_key=key,
                    category="water",
                    area=8,
                    place="石河子市北泉镇排污口",
                    description="排污口每天夜里排放黑臭污水,渠道里的鱼都死了。",
                    files=photo,
                )
                copies.append(reports.submit(data, app.config).receipt.reference)
                db.session.commit()
        return store(processed, config)

    monkeypatch.setattr(reports, "_store", a_copy_lands_first)
    response = post_report(client, csrf=token, submission_key=key, files=photo)
    assert response.status_code == 200
    assert receipt_of(response.get_data(as_text=True))[0] == copies[1]
    assert 'class="note"' in response.get_data(as_text=True)  # "already sent; recorded once"
    assert counts(app)["Report"] == 1 and counts(app)["Evidence"] == 1
    assert len(stored_files(app)) == 2  # the copy's public and original files


def test_observed_time_is_kept_in_beijing_time(app, client):
    """The time typed into the form is the time staff see, not shifted by a time zone."""
    reference, _code = submit_report(client, observed_at="2026-05-01T21:30")
    staff = staff_client(app)
    page = staff.get(f"/console/reports/{reference}").get_data(as_text=True)
    assert re.search(r"<dt>Observed</dt><dd>2026-05-01 21:30</dd>", page)


def test_a_category_without_rules_reaches_the_triage_unit(make_app):
    """A category added without routing rules is offered, and its reports go to TRIAGE_UNIT, not nowhere."""
    app = make_app(TRIAGE_UNIT="兵团审计局")
    with app.app_context():
        db.session.add(
            Category(
                code="light",
                family="pollution",
                name="光污染",
                name_en="Light pollution",
                description="夜间强光扰民。",
                description_en="Glare at night.",
                examples="",
                examples_en="",
                position=99,
            )
        )
        db.session.commit()
    client = app.test_client()
    assert 'value="light"' in client.get("/reports/new").get_data(as_text=True)
    response = post_report(client, category="light", area="8")
    page = response.get_data(as_text=True)
    reference, _code = receipt_of(page)
    assert "兵团审计局" in page
    with app.app_context():
        report = db.session.scalar(sa.select(Report).where(Report.reference == reference))
        assert report.unit.name == "兵团审计局" and report.category.code == "light"


def test_receipt_code_is_stored_only_as_a_hash(app, client):
    """No text column of any table, nor any mail written out, holds the receipt code in any spelling."""
    reference, code = submit_report(
        client,
        name="王小明",
        phone="13912345678",
        email="wxm@example.org",
        files=[("photo.jpg", jpeg_photo())],
    )
    spellings = {code, code.replace("-", ""), code.lower(), code.replace("-", "").lower()}
    with app.app_context():
        from portal.services.mail import send_pending

        send_pending(app.config)
        scanned = 0
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(sa.select(table)):
                for value in row:
                    if isinstance(value, str):
                        scanned += 1
                        assert not any(s in value for s in spellings), (table.name, value)
        assert scanned > 100
        hashes = db.session.scalars(sa.select(Report.receipt_hash)).all()
    assert hashes == [reports.hash_code(code)]
    mail_files = list((Path(app.config["DATA_DIR"]) / "mail").glob("*.eml"))
    assert mail_files
    for path in mail_files:
        text = path.read_bytes().decode("utf-8", "replace")
        assert not any(s in text for s in spellings)


# Evidence


def test_photo_is_stored_without_metadata_and_with_the_hash_of_the_original(app, client):
    """The stored public copy has lost EXIF, GPS and the comment; sha256_original is the upload's."""
    photo = jpeg_photo()
    for planted in (b"Exif", PHOTO_COMMENT, PHOTO_PHONE.encode(), b"Xiaomi"):
        assert planted in photo
    submit_report(client, files=[("IMG_20260501_张三.jpg", photo)])
    with app.app_context():
        item = db.session.scalar(sa.select(Evidence))
        public_path, original_path, sha = item.public_path, item.original_path, item.sha256_original
    root = Path(app.config["FILES_DIR"])
    public = (root / public_path).read_bytes()
    assert sha == hashlib.sha256(photo).hexdigest()
    assert public.startswith(b"\xff\xd8\xff")
    for planted in (b"Exif", PHOTO_COMMENT, PHOTO_PHONE.encode(), b"Xiaomi", b"\x88\x25"):
        assert planted not in public, planted
    assert (root / original_path).read_bytes() == photo
    assert not any("张三" in str(p) or "IMG_2026" in str(p) for p in stored_files(app))
    assert not (Path(app.root_path).parent / "static").joinpath(public_path).exists()


@pytest.mark.parametrize(
    "files",
    [
        [("photo.jpg", DISGUISED)],
        [("good.jpg", jpeg_photo()), ("photo.jpg", DISGUISED)],
    ],
)
def test_disguised_file_is_refused_naming_it_and_nothing_is_stored(app, client, files):
    """HTML named photo.jpg: 400, the message names photo.jpg, and no report, row or file is left."""
    english(client)
    response = post_report(client, email="wxm@example.org", files=files)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "photo.jpg" in field_errors(page).get("evidence", "")
    assert counts(app) == {
        "Report": 0,
        "ReporterIdentity": 0,
        "ReportEvent": 0,
        "Evidence": 0,
        "MailMessage": 0,
    }
    assert stored_files(app) == []


def test_oversized_file_is_refused(app, client):
    """A file over 10 MB is refused with a message naming it."""
    english(client)
    big = b"\xff\xd8\xff\xe0" + b"\0" * (10 * 1024 * 1024)
    response = post_report(client, files=[("huge.jpg", big)])
    assert response.status_code == 400
    assert "huge.jpg" in field_errors(response.get_data(as_text=True)).get("evidence", "")
    assert counts(app)["Report"] == 0 and stored_files(app) == []


def test_decompression_bomb_is_refused_before_decoding_and_a_photo_still_goes_through(app, client):
    """A 6,300 × 6,300 transparent PNG (small on disk, 159 MB decoded) is refused under the files field,
    naming the file and the limit; nothing is stored. The same form with a phone photo is accepted."""
    from tests.services.test_evidence import blank_png

    english(client)
    bomb = blank_png(6_300, 6_300)
    assert len(bomb) < 400_000
    response = post_report(client, files=[("photo.jpg", jpeg_photo()), ("screenshot.png", bomb)])
    assert response.status_code == 400
    message = field_errors(response.get_data(as_text=True)).get("evidence", "")
    assert (
        "screenshot.png" in message
        and "6300 × 6300 pixels" in message
        and "24 megapixels" in message
    )
    assert counts(app)["Report"] == 0 and stored_files(app) == []
    submit_report(client, files=[("photo.jpg", jpeg_photo(size=(1600, 1200)))])
    assert counts(app)["Evidence"] == 1


def test_more_than_five_files_are_refused(app, client):
    """Six files are one too many."""
    photo = jpeg_photo()
    response = post_report(client, files=[(f"p{n}.jpg", photo) for n in range(6)])
    assert response.status_code == 400
    assert counts(app)["Report"] == 0 and stored_files(app) == []


# Tracking


@pytest.mark.parametrize(
    "spell",
    [
        lambda code: code,
        lambda code: code.lower(),
        lambda code: code.replace("-", ""),
        lambda code: code.replace("-", " ").lower(),
    ],
)
def test_reference_and_code_open_the_private_page(app, client, spell):
    """The code works in any case, with or without dashes; the page shows the report's state and place."""
    reference, code = submit_report(client, place="北泉镇幸福路口")
    other = app.test_client()
    path = tracking_path(other, reference.lower(), spell(code))
    assert path.startswith(f"/reports/track/{reference}/")
    response = other.get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert reference in page and "badge-received" in page and "北泉镇幸福路口" in page
    assert "《环保举报热线工作管理办法》" in page


def test_wrong_code_is_404_with_a_message(app, client):
    """A wrong code shows the form again with a message, as 404, never cached."""
    reference, _code = submit_report(client)
    english(client)
    token = csrf_token(client, "/reports/track")
    response = client.post(
        "/reports/track",
        data={"csrf_token": token, "reference": reference, "code": "AAAA-BBBB-CCCC-DDDD-EEEE"},
    )
    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "no-store"
    assert any("do not match" in m for m in alerts(response.get_data(as_text=True)))


def test_too_many_wrong_codes_block_the_client_even_with_the_right_code(make_app):
    """With TRACK_LIMIT=3, the fourth attempt is 429 even with the right code; another client is unaffected."""
    app = make_app(TRACK_LIMIT=3)
    resident = app.test_client()
    reference, code = submit_report(resident)
    guesser = english(app.test_client())
    token = csrf_token(guesser, "/reports/track")
    for attempt in range(3):
        wrong = guesser.post(
            "/reports/track",
            data={"csrf_token": token, "reference": reference, "code": f"WRONG-CODE-{attempt}"},
        )
        assert wrong.status_code == 404
    blocked = guesser.post(
        "/reports/track", data={"csrf_token": token, "reference": reference, "code": code}
    )
    assert blocked.status_code == 429
    assert blocked.headers["Cache-Control"] == "no-store"
    assert any("Too many wrong codes" in m for m in alerts(blocked.get_data(as_text=True)))
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert tracking_path(elsewhere, reference, code).startswith("/reports/track/")


def test_tracking_form_is_never_cached(client):
    """The page where the code is typed is no-store too."""
    response = client.get("/reports/track")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


def test_private_link_with_a_wrong_token_is_404(app, client):
    """Guessing the link's token gets nothing."""
    reference, code = submit_report(client)
    path = tracking_path(client, reference, code)
    assert client.get(path[:-4] + "aaaa").status_code == 404
    assert client.get(f"/reports/track/{reference}/").status_code == 404


def test_information_added_while_open_shows_on_the_timeline(app, client):
    """Text and a photo added from the tracking page appear on it."""
    reference, code = submit_report(client)
    path = tracking_path(client, reference, code)
    response = resident_act(
        client,
        path,
        "information",
        text="今天早上又排了一次,气味很大。",
        files=[("more.jpg", jpeg_photo())],
    )
    assert response.status_code == 302 and response.headers["Location"] == path
    page = client.get(path).get_data(as_text=True)
    assert "今天早上又排了一次,气味很大。" in timeline(page)
    assert re.search(r"<dd>1</dd>", page)  # one file
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)) == 1


def test_no_information_can_be_added_after_closure(app, client):
    """A closed report has no information form and refuses a POST."""
    reference, _code, path, _staff = closed_report(app, client)
    assert 'action="' + path + '/information"' not in client.get(path).get_data(as_text=True)
    response = resident_act(client, path, "information", text="还想补充一点情况。")
    assert response.status_code == 400
    assert "还想补充一点情况。" not in timeline(client.get(path).get_data(as_text=True))


def test_a_closed_report_is_rated_once(app, client):
    """The rating form disappears after rating; a second rating is refused and the first stays."""
    english(client)
    reference, _code, path, _staff = closed_report(app, client)
    page = client.get(path).get_data(as_text=True)
    assert "badge-closed" in page and f'action="{path}/rating"' in page
    assert resident_act(client, path, "rating", rating="4", comment="处理及时").status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert f'action="{path}/rating"' not in page and "You rated the handling 4 of 5." in page
    assert resident_act(client, path, "rating", rating="1").status_code == 400
    assert get_report(app, reference)["rating"] == 4


def test_appeal_within_the_window_reopens_the_report(app, client):
    """The report goes back to being handled with a new closure deadline, and the appeal is on the timeline."""
    reference, _code, path, _staff = closed_report(app, client)
    old_due = utcnow() - timedelta(days=3)  # as if accepted two months ago
    update_report(app, reference, closure_due_at=old_due)
    assert f'action="{path}/appeal"' in client.get(path).get_data(as_text=True)
    response = resident_act(client, path, "appeal", reason="排污口仍在夜间排放,问题没有解决。")
    assert response.status_code == 302
    after = get_report(app, reference)
    assert (
        after["status"] is ReportStatus.ACCEPTED
        and after["appealed"]
        and after["closed_at"] is None
    )
    assert after["closure_due_at"] > old_due
    assert timedelta(days=60) <= after["closure_due_at"] - utcnow() <= timedelta(days=68)
    page = client.get(path).get_data(as_text=True)
    assert "badge-accepted" in page and "排污口仍在夜间排放,问题没有解决。" in timeline(page)


def test_a_second_appeal_is_refused(app, client):
    """After one appeal and a second closure, the appeal form is gone and a POST is refused."""
    reference, _code, path, staff = closed_report(app, client)
    assert (
        resident_act(client, path, "appeal", reason="问题没有解决,请重新处理。").status_code == 302
    )
    assert (
        act(staff, reference, "close", result="复查后企业已停产。", confirm="yes").status_code
        == 302
    )
    assert get_report(app, reference)["status"] is ReportStatus.CLOSED
    assert f'action="{path}/appeal"' not in client.get(path).get_data(as_text=True)
    response = resident_act(client, path, "appeal", reason="还是没有解决,再次申诉。")
    assert response.status_code == 400
    assert get_report(app, reference)["status"] is ReportStatus.CLOSED


def test_an_appeal_after_the_window_is_refused(app, client):
    """Once appeal_due_at has passed the form is gone, and a POST is refused and changes nothing."""
    reference, _code, path, _staff = closed_report(app, client)
    update_report(app, reference, appeal_due_at=utcnow() - timedelta(minutes=1))
    assert f'action="{path}/appeal"' not in client.get(path).get_data(as_text=True)
    response = resident_act(client, path, "appeal", reason="问题没有解决,请重新处理。")
    assert response.status_code == 400
    after = get_report(app, reference)
    assert after["status"] is ReportStatus.CLOSED and not after["appealed"]


def test_not_accepted_report_shows_reason_and_explanation_to_the_resident(app, client):
    """The resident sees the status, the legal reason and the unit's explanation."""
    english(client)
    reference, code = submit_report(client)
    staff = staff_client(app)
    act(
        staff,
        reference,
        "not-accept",
        reason="outside_remit",
        explanation="该问题属于城市管理部门职责,请向其反映。",
        confirm="yes",
    )
    page = client.get(tracking_path(client, reference, code)).get_data(as_text=True)
    assert "badge-not-accepted" in page
    assert "Not within the remit of environmental authorities" in page
    assert "该问题属于城市管理部门职责,请向其反映。" in page


# Public supervision


def test_supervision_lists_reports_without_descriptions(app, client):
    """/reports shows reference, status, unit and the latest public reply, never the description or place."""
    reference, _code = submit_report(
        client, description="PLANTED 排污口夜里排放黑臭污水,邻居都知道。", place="幸福路17号院内"
    )
    staff = staff_client(app)
    act(staff, reference, "reply", text="已派员现场检查")
    act(staff, reference, "note", text="内部备注:企业负责人电话已查到")
    for path in (
        "/reports",
        f"/reports/{reference}",
        "/reports?status=received&area=8&category=water",
    ):
        page = client.get(path).get_data(as_text=True)
        assert reference in page and "badge-received" in page and "第八师石河子市" in page, path
        assert "已派员现场检查" in page, path
        for secret in ("PLANTED", "邻居都知道", "幸福路17号", "企业负责人电话"):
            assert secret not in page, (path, secret)


def test_the_public_sees_a_legal_reason_for_not_accepting_but_not_the_explanation(app, client):
    """The public report page and list give the date of the decision and its legal reason; the unit's explanation to
    the resident (written for their tracking page) and the description stay private."""
    english(client)
    reference, _code = submit_report(client)
    staff = staff_client(app)
    act(
        staff,
        reference,
        "not-accept",
        reason="outside_remit",
        explanation="PLANTED 请向城市管理部门反映。",
        confirm="yes",
    )
    decided = get_report(app, reference)["closed_at"].astimezone(BJ).strftime("%Y-%m-%d")
    page = client.get(f"/reports/{reference}").get_data(as_text=True)
    meta = re.search(r'<dl class="meta">.*?</dl>', page, re.S).group(0)
    assert re.search(rf"<dt>Decided not to accept</dt><dd>{decided}</dd>", meta)
    assert re.search(
        r"<dt>Reason for not accepting</dt><dd>Not within the remit of environmental authorities</dd>",
        meta,
    )
    assert "<dt>Closed</dt>" not in meta
    listing = client.get("/reports").get_data(as_text=True)
    assert "Reason for not accepting: Not within the remit of environmental authorities" in re.sub(
        r"<[^>]+>", "", listing
    )
    for text in (page, listing):
        assert "PLANTED" not in text and "排污口每天夜里" not in text


def badges(page, reference):
    """The badges next to `reference` in the public list: [(class, text)]."""
    item = re.search(
        rf'<li class="report-item">\s*<h2><a href="/reports/{reference}">.*?</h2>', page, re.S
    ).group(0)
    return re.findall(r'<span class="badge (badge-[a-z-]+)">([^<]+)</span>', item)


def test_the_public_list_flags_overdue_reports_and_those_closed_on_time(app, client):
    """A report past its acceptance deadline is marked overdue; one closed within every limit, closed on time."""
    english(client)
    late, _code = submit_report(client)
    on_time, _code = submit_report(client)
    waiting, _code = submit_report(client)
    update_report(app, late, acceptance_due_at=utcnow() - timedelta(hours=1))
    staff = staff_client(app)
    act(staff, on_time, "accept")
    act(staff, on_time, "close", result="已责令企业整改。", confirm="yes")
    page = client.get("/reports").get_data(as_text=True)
    assert badges(page, late) == [
        ("badge-received", "Awaiting acceptance"),
        ("badge-overdue", "Overdue"),
    ]
    assert badges(page, on_time) == [
        ("badge-closed", "Closed"),
        ("badge-on-time", "Closed on time"),
    ]
    assert badges(page, waiting) == [("badge-received", "Awaiting acceptance")]
    shown = client.get(f"/reports/{late}").get_data(as_text=True)
    assert '<span class="badge badge-overdue">Overdue</span>' in re.search(
        r"<h1>.*?</h1>", shown, re.S
    ).group(0)


def test_a_closed_report_whose_appeal_window_ended_is_not_called_overdue(app, client):
    """Weeks after closure the public page says the appeal period ended, and the unit met its deadlines."""
    english(client)
    reference, _code = submit_report(client)
    staff = staff_client(app)
    act(staff, reference, "accept")
    act(staff, reference, "close", result="已责令企业整改。", confirm="yes")
    row, shift = get_report(app, reference), timedelta(days=40)
    update_report(
        app,
        reference,
        **{
            column: row[column] - shift
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
    page = client.get(f"/reports/{reference}").get_data(as_text=True)
    assert '<span class="deadline deadline-na">Appeal period ended</span>' in page
    assert (
        page.count("deadline-met") == 2 and "Overdue" not in page and "deadline-overdue" not in page
    )


def test_supervision_filters(app, client):
    """A status or area filter leaves out reports that do not match."""
    reference, _code = submit_report(client)
    assert reference in client.get("/reports?status=received").get_data(as_text=True)
    assert reference not in client.get("/reports?status=closed").get_data(as_text=True)
    assert reference not in client.get("/reports?area=1").get_data(as_text=True)


def test_supervision_list_pages(app, client):
    """21 reports: the first page has 20 and links to the second, which has the oldest."""
    with app.app_context():
        for n in range(21):
            reports.submit(
                reports.ReportInput(
                    submission_key=f"page-{n}",
                    category="air",
                    area=0,
                    place="兵团某工地",
                    description="工地扬尘很严重,整天灰蒙蒙的。",
                ),
                app.config,
            )
        db.session.commit()
    first = client.get("/reports").get_data(as_text=True)
    assert len(re.findall(r'<li class="report-item">', first)) == 20
    assert 'rel="next" href="?page=2"' in first and "JB-" in first
    second = client.get("/reports?page=2").get_data(as_text=True)
    assert len(re.findall(r'<li class="report-item">', second)) == 1
    assert re.search(r"JB-\d{4}-000001", second)


def test_unknown_public_report_is_404(client):
    """A reference that does not exist is a 404 page."""
    assert client.get("/reports/JB-2026-999999").status_code == 404


# CSRF


def test_report_form_without_csrf_token_is_refused(app, client):
    """POST /reports/new without the token: 400 and nothing stored."""
    _token, key = report_form(client)
    response = client.post("/reports/new", data={**report_fields(), "submission_key": key})
    assert response.status_code == 400
    assert counts(app)["Report"] == 0


def test_track_form_without_csrf_token_is_refused(app, client):
    """POST /reports/track without the token: 400, no redirect, no attempt counted."""
    reference, code = submit_report(client)
    response = client.post("/reports/track", data={"reference": reference, "code": code})
    assert response.status_code == 400 and "Location" not in response.headers
    with app.app_context():
        tracking = (
            sa.select(sa.func.count())
            .select_from(RateLimitHit)
            .where(RateLimitHit.key.like("track:%"))
        )
        assert db.session.scalar(tracking) == 0


@pytest.mark.parametrize(
    "action, fields",
    [
        ("information", {"text": "没有令牌的补充信息"}),
        ("rating", {"rating": "5"}),
        ("appeal", {"reason": "没有令牌的申诉理由"}),
    ],
)
def test_tracking_forms_without_csrf_token_are_refused(app, client, action, fields):
    """Each form of the tracking page refuses a POST without the token and changes nothing."""
    reference, _code, path, _staff = closed_report(app, client)
    if action == "information":
        update_report(app, reference, status=ReportStatus.ACCEPTED)
    with app.app_context():
        events = db.session.scalar(sa.select(sa.func.count()).select_from(ReportEvent))
    response = client.post(f"{path}/{action}", data=fields)
    assert response.status_code == 400
    after = get_report(app, reference)
    assert after["rating"] is None and not after["appealed"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportEvent)) == events
        assert not db.session.scalars(
            sa.select(ReportEvent).where(ReportEvent.kind == EventKind.INFORMATION_ADDED)
        ).all()


def test_every_public_report_form_is_covered_by_a_csrf_test(app):
    """The POST routes of public.reports_* are exactly the ones tested above."""
    posts = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("public.reports") and "POST" in rule.methods
    }
    assert posts == {
        "/reports/new",
        "/reports/track",
        "/reports/track/<reference>/<token>/<action>",
        "/reports/<reference>/support",  # tests/public/test_voices.py
    }
