"""Documents with a unit's litigation answer (issue 15 §3): the handling unit attaches PDFs and images to its answer
to provide the record; the requesting organisation downloads them through its management link (audited); the
answering unit and site oversight read them in the console; nobody else can, and the report's public page says
only how many were handed over and when. Files are checked and cleaned as every other attachment."""

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from portal.extensions import db
from portal.models import AuditRecord, LitigationDocument, LitigationRequest
from tests.helpers import field_error, hidden_value, queued_mail, staff_client
from tests.public.test_organisations import (
    CONTACT,
    apply_form,
    closed_case,
    manage_post,
    the_organisation,
    valid_code,
    verified,
    verifier,
)
from tests.services.test_evidence import assert_no_planted, jpeg_bytes
from tests.services.test_pdf_cleaning import AUTHOR, assert_clean, hostile_pdf

OTHER_CONTACT = "qingshan@example.org"


@pytest.fixture
def requested(app):
    """A verified organisation asked for a closed report's record: (management path, reference, staff, request id)."""
    _organisation_id, path = verified(app)
    reference, staff = closed_case(app)
    client = app.test_client()
    asked = manage_post(
        client, path, "litigation", reference=reference, reason="拟就河道污染提起环境公益诉讼。"
    )
    assert asked.status_code == 302
    with app.app_context():
        request_id = db.session.scalar(sa.select(LitigationRequest.id))
    return path, reference, staff, request_id


def answer(staff, request_id, files=(), decision="provide", text="已提供现场检查笔录及照片。"):
    """POST the console's answer form with `files` ([(name, bytes)])."""
    page = staff.get(f"/console/litigation/{request_id}").get_data(as_text=True)
    data = {"csrf_token": hidden_value(page, "csrf_token"), "decision": decision, "text": text}
    data["files"] = [(io.BytesIO(content), name) for name, content in files]
    return staff.post(
        f"/console/litigation/{request_id}", data=data, content_type="multipart/form-data"
    )


def documents(app):
    """(id, filename, content type) of every stored litigation document, in order."""
    with app.app_context():
        rows = db.session.scalars(sa.select(LitigationDocument).order_by(LitigationDocument.id))
        return [(d.id, d.filename, d.content_type) for d in rows]


def other_organisation(app):
    """A second verified organisation: its management path."""
    assert (
        apply_form(
            app.test_client(),
            credit_code=valid_code("52660000MJ0000002"),
            name="青山环保公益中心",
            contact_email=OTHER_CONTACT,
        ).status_code
        == 302
    )
    organisation_id = the_organisation(app)
    staff = verifier(app, "mzj2")
    page = staff.get(f"/console/organisations/{organisation_id}").get_data(as_text=True)
    token = re.search(r'id="verify-csrf" name="csrf_token" type="hidden" value="([^"]+)"', page)
    staff.post(
        f"/console/organisations/{organisation_id}/verify", data={"csrf_token": token.group(1)}
    )
    with app.app_context():
        body = queued_mail(OTHER_CONTACT)[-1].body
    return re.search(r"/organisations/manage/[a-z0-9]+", body).group(0)


def test_the_unit_hands_over_a_pdf_and_a_photo_that_only_the_organisation_downloads(app, requested):
    path, reference, staff, request_id = requested
    answered = answer(
        staff, request_id, [("现场检查笔录.pdf", hostile_pdf()), ("现场照片.jpg", jpeg_bytes())]
    )
    assert answered.status_code == 302
    (pdf_id, pdf_name, pdf_type), (photo_id, photo_name, photo_type) = documents(app)
    assert (pdf_name, pdf_type, photo_name, photo_type) == (
        "现场检查笔录.pdf",
        "application/pdf",
        "现场照片.jpg",
        "image/jpeg",
    )
    # The unit's page lists them, with links of the console.
    console_page = staff.get(f"/console/litigation/{request_id}").get_data(as_text=True)
    assert "现场检查笔录.pdf" in console_page and "现场照片.jpg" in console_page
    assert f"/console/litigation/{request_id}/documents/{pdf_id}" in console_page
    # The unit's list of requests counts them.
    listing = staff.get("/console/litigation").get_data(as_text=True)
    assert re.search(r'<td class="number">2</td></tr>', listing)

    # The organisation's mail says there are documents and where to fetch them.
    with app.app_context():
        mail = queued_mail(CONTACT)[-1].body
    assert "2 documents handed over" in mail and "现场检查笔录.pdf" in mail and path in mail

    # The organisation sees them on its management page and downloads both, cleaned.
    organisation = app.test_client()
    organisation.get("/language/en")
    manage = organisation.get(path).get_data(as_text=True)
    pdf_url = f"{path}/litigation/{request_id}/documents/{pdf_id}"
    photo_url = f"{path}/litigation/{request_id}/documents/{photo_id}"
    assert pdf_url in manage and photo_url in manage and "现场照片.jpg" in manage
    pdf = organisation.get(pdf_url)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("attachment")
    assert pdf.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in pdf.headers["Cache-Control"]
    assert "现场" not in pdf.headers["Content-Disposition"]  # the server's name, not the client's
    assert_clean(pdf.data, 3)
    assert AUTHOR.encode() not in pdf.data
    photo = organisation.get(photo_url)
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert_no_planted(photo.data)
    with Image.open(io.BytesIO(photo.data)) as image:
        assert not image.getexif() and image.size == (64, 48)
    # Stored privately: the data directory's own folder, a server-made name, mode 0600.
    with app.app_context():
        stored = db.session.get(LitigationDocument, pdf_id).path
    assert stored.startswith("litigation-documents/") and "现场" not in stored
    assert (Path(app.config["FILES_DIR"]) / stored).stat().st_mode & 0o777 == 0o600

    # Each of the organisation's downloads is audited, and so is the handing over.
    with app.app_context():
        actions = list(db.session.scalars(sa.select(AuditRecord.action)))
    assert actions.count("litigation.downloaded") == 2 and "litigation.documents" in actions

    # The public report page says how many and when, with no name and no link.
    public = app.test_client()
    public.get("/language/en")
    page = public.get(f"/reports/{reference}").get_data(as_text=True)
    assert "Documents handed over" in page and "2 documents, the last handed over on" in page
    assert "现场照片" not in page and "现场检查笔录.pdf" not in page and "/documents/" not in page


def test_a_guessed_document_url_does_not_exist_for_anyone_else(app, requested):
    path, _reference, staff, request_id = requested
    assert answer(staff, request_id, [("笔录.pdf", hostile_pdf())]).status_code == 302
    [(document_id, _name, _type)] = documents(app)
    organisation_url = f"{path}/litigation/{request_id}/documents/{document_id}"
    console_url = f"/console/litigation/{request_id}/documents/{document_id}"
    anyone = app.test_client()
    token = path.rsplit("/", 1)[1]
    guessed = organisation_url.replace(token, "0" * len(token))
    assert anyone.get(guessed).status_code == 404
    assert anyone.get(console_url).status_code == 302  # the console asks for a login first
    # Another organisation, through its own valid link.
    other_path = other_organisation(app)
    other = app.test_client()
    assert (
        other.get(f"{other_path}/litigation/{request_id}/documents/{document_id}").status_code
        == 404
    )
    # Another unit's staff.
    stranger = staff_client(app, username="jsj", unit="兵团建设局")
    assert stranger.get(console_url).status_code == 404
    # The document under another request's number.
    assert (
        anyone.get(f"{path}/litigation/{request_id + 1}/documents/{document_id}").status_code == 404
    )
    # The answering unit and site oversight read it.
    assert staff.get(console_url).status_code == 200
    overseer = staff_client(app, username="root", unit="兵团审计局", role="site_admin")
    assert overseer.get(console_url).status_code == 200
    assert app.test_client().get(organisation_url).status_code == 200


def test_a_wrong_type_or_too_much_is_refused_under_the_documents_field(app, requested):
    _path, _reference, staff, request_id = requested
    wrong = answer(
        staff, request_id, [("笔录.pdf", hostile_pdf()), ("macro.docx", b"PK\x03\x04 word")]
    )
    assert wrong.status_code == 400
    message = field_error(wrong.get_data(as_text=True), "files")
    assert message and "macro.docx" in message and "not a PDF, JPEG, PNG or WebP" in message
    assert documents(app) == []
    with app.app_context():
        assert db.session.get(LitigationRequest, request_id).status.value == "requested"
    assert not list(Path(app.config["FILES_DIR"]).glob("litigation-documents/**/*.*"))

    files = [("a.pdf", hostile_pdf()), ("b.jpg", jpeg_bytes())]
    # One byte less than the two files together.
    app.config["LITIGATION_FILES_MAX_MB"] = (sum(len(data) for _n, data in files) - 1) / 2**20
    too_much = answer(staff, request_id, files)
    assert too_much.status_code == 400
    message = field_error(too_much.get_data(as_text=True), "files")
    assert message and "MB together" in message
    assert documents(app) == []

    refusing = answer(
        staff, request_id, [("a.pdf", hostile_pdf())], decision="refuse", text="涉密。"
    )
    assert "provides the record" in field_error(refusing.get_data(as_text=True), "files")


def test_more_documents_until_the_outcome_is_recorded(app, requested):
    path, _reference, staff, request_id = requested
    assert answer(staff, request_id).status_code == 302  # provided, no file yet
    page = staff.get(f"/console/litigation/{request_id}").get_data(as_text=True)
    token = hidden_value(page, "csrf_token")

    def add(name, content):
        return staff.post(
            f"/console/litigation/{request_id}/documents",
            data={"csrf_token": token, "files": [(io.BytesIO(content), name)]},
            content_type="multipart/form-data",
        )

    assert add("补充笔录.pdf", hostile_pdf()).status_code == 302
    assert [name for _id, name, _type in documents(app)] == ["补充笔录.pdf"]
    with app.app_context():
        assert "补充笔录.pdf" in queued_mail(CONTACT)[-1].body
    assert (
        manage_post(
            app.test_client(),
            path,
            "outcome",
            request=str(request_id),
            outcome="filed",
            text="已起诉。",
        ).status_code
        == 302
    )
    late = add("再补充.pdf", hostile_pdf())
    assert late.status_code == 400 and "records the litigation" in late.get_data(as_text=True)
    assert len(documents(app)) == 1
