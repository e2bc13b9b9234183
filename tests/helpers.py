"""Helpers shared by tests: real forms with real CSRF tokens."""

import io
import re

from portal.extensions import db
from portal.services.accounts import create_user

PASSWORD = "correct horse battery"


def csrf_token(client, path):
    """GET `path` and return the CSRF token of its form."""
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def client_at(app, address):
    """A test client whose requests come from `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def add_user(app, username="jsj-staff", unit="兵团建设局", role="staff", password=PASSWORD):
    """Create a staff account and commit it."""
    with app.app_context():
        user = create_user(username, unit, role, password)
        db.session.commit()
        return user.id


def login(client, username="jsj-staff", password=PASSWORD, next_path=None):
    """Log in through the form, as a browser would."""
    path = "/login" + (f"?next={next_path}" if next_path else "")
    token = csrf_token(client, path)
    return client.post(path, data={"csrf_token": token, "username": username, "password": password})


# Reports: the public form, the report page's action forms, test files.

PHOTO_PHONE = "13800138000"
PHOTO_COMMENT = b"secret reporter phone 13800138000"


def hidden_value(page, name):
    """The value of the hidden input `name` in an HTML page, or None."""
    match = re.search(rf'name="{re.escape(name)}" type="hidden" value="([^"]*)"', page)
    return match.group(1) if match else None


def report_form(client):
    """GET /reports/new and return (csrf_token, submission_key) from its form."""
    page = client.get("/reports/new").get_data(as_text=True)
    return hidden_value(page, "csrf_token"), hidden_value(page, "submission_key")


def report_fields(**fields):
    """A valid report about water pollution in 第八师石河子市, with `fields` replacing the defaults."""
    data = {
        "category": "water",
        "area": "8",
        "place": "石河子市北泉镇排污口",
        "description": "排污口每天夜里排放黑臭污水,渠道里的鱼都死了。",
        "visibility": "administrators",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def post_report(client, files=(), csrf=None, submission_key=None, **fields):
    """POST the report form as a browser would (multipart), with tokens from a fresh GET; returns the response.

    `files` is a list of (file name, bytes); a field given as None is left out.
    """
    token, key = report_form(client)
    data = report_fields(**fields)
    data["csrf_token"] = token if csrf is None else csrf
    data["submission_key"] = key if submission_key is None else submission_key
    if not data["csrf_token"]:
        del data["csrf_token"]
    data["evidence"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post("/reports/new", data=data, content_type="multipart/form-data")


def receipt_of(page):
    """(reference, receipt code) shown on the confirmation page."""
    reference = re.search(r'id="reference">([^<]+)<', page).group(1).strip()
    code = re.search(r'id="receipt-code">([^<]+)<', page).group(1).strip()
    return reference, code


def submit_report(client, files=(), **fields):
    """Submit a valid report (overridden by `fields`) and return (reference, receipt code)."""
    response = post_report(client, files=files, **fields)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return receipt_of(response.get_data(as_text=True))


def tracking_path(client, reference, code):
    """Track with reference + receipt code through the form; the private page's path (asserts success)."""
    token = csrf_token(client, "/reports/track")
    response = client.post(
        "/reports/track", data={"csrf_token": token, "reference": reference, "code": code}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.headers["Location"]


def report_forms(client, reference):
    """GET the console report page; returns (page text, csrf token, version)."""
    response = client.get(f"/console/reports/{reference}")
    assert response.status_code == 200, response.status_code
    page = response.get_data(as_text=True)
    return page, hidden_value(page, "csrf_token"), hidden_value(page, "version")


def act(client, reference, action, version=None, csrf=None, **fields):
    """POST a console action on a report with the report page's CSRF token and version (unless given)."""
    _page, token, seen = report_forms(client, reference)
    data = {
        "csrf_token": token if csrf is None else csrf,
        "version": seen if version is None else version,
        **fields,
    }
    return client.post(
        f"/console/reports/{reference}/{action}", data={k: v for k, v in data.items() if v != ""}
    )


def jpeg_photo(size=(64, 48), comment=PHOTO_COMMENT, artist=PHOTO_PHONE):
    """A JPEG like a phone's: EXIF with maker, artist (the owner) and a GPS position, plus a comment."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "Xiaomi"  # Make
    exif[0x013B] = artist  # Artist
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (44.0, 18.0, 27.5), "E", (86.0, 2.0, 31.2)
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, comment=comment)
    return buffer.getvalue()


def staff_client(app, username="shz", unit="第八师石河子市", role="staff", english=True):
    """A new test client logged in as a new staff account of `unit` (in English unless asked otherwise)."""
    add_user(app, username=username, unit=unit, role=role)
    client = app.test_client()
    if english:
        client.get("/language/en")
    response = login(client, username=username)
    assert response.status_code == 302, response.status_code
    return client


def resident_act(client, path, action, files=(), **fields):
    """POST one of the tracking page's forms (information, rating, appeal) with the page's CSRF token."""
    token = hidden_value(client.get(path).get_data(as_text=True), "csrf_token")
    data = {"csrf_token": token, **fields}
    if files:
        data["evidence"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(f"{path}/{action}", data=data, content_type="multipart/form-data")


def update_report(app, reference, **values):
    """Change columns of a report directly in the database (to move clocks), bumping nothing else."""
    import sqlalchemy as sa

    from portal.models import Report

    with app.app_context():
        db.session.execute(sa.update(Report).where(Report.reference == reference).values(**values))
        db.session.commit()


def get_report(app, reference):
    """A detached snapshot of a report's columns, for assertions: {column: value}."""
    import sqlalchemy as sa

    from portal.models import Report

    with app.app_context():
        row = db.session.execute(
            sa.select(Report.__table__).where(Report.reference == reference)
        ).one()
        return dict(row._mapping)


class People(dict):
    """Staff accounts made on first use (password hashing is slow), from {key: (username, unit, role)}."""

    def __init__(self, accounts):
        super().__init__()
        self.accounts = accounts

    def __missing__(self, key):
        username, unit, role = self.accounts[key]
        self[key] = create_user(username, unit, role, PASSWORD)
        return self[key]


def summary_of(page):
    """The error summary of a page as [(link target or None, message)], or None when the page has none."""
    block = re.search(r'<div class="error-summary".*?</ul>', page, re.S)
    if block is None:
        return None
    return [
        (target or None, message.strip())
        for target, message in re.findall(r'<li>(?:<a href="#([\w-]+)">)?([^<]*)', block.group(0))
    ]


def field_error(page, field_id):
    """The message shown under the field `field_id`, or None."""
    match = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">([^<]*)</p>', page)
    return match.group(1) if match else None


def queued_mail(address=None, suffix=None):
    """The queued messages (to `address`, or to addresses ending in `suffix`), oldest first.

    Recipients are encrypted at rest (a fresh nonce each time), so they are compared after reading.
    """
    import sqlalchemy as sa

    from portal.models import MailMessage

    messages = db.session.scalars(sa.select(MailMessage).order_by(MailMessage.id)).all()
    return [
        m
        for m in messages
        if (address is None or m.recipient == address)
        and (suffix is None or m.recipient.endswith(suffix))
    ]
