"""Consultation attachments: type by content, PDF and image checks reused from evidence, limits, private storage,
removal from drafts only, and downloads of published consultations only."""

import hashlib
import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from portal.errors import Conflict, Forbidden, NotFound, ValidationFailed
from portal.extensions import db
from portal.models import ConsultationKind, ConsultationState
from portal.models.consultations import ConsultationAttachment
from portal.models.types import utcnow
from portal.services import attachments, clocks, consultations, pdfs
from portal.services.units import find_unit
from tests.helpers import PHOTO_COMMENT, People, jpeg_photo
from tests.services.test_evidence import minimal_pdf

UNIT = "第六师五家渠市"
PEOPLE = {
    "staff": ("wjq", UNIT, "staff"),
    "stranger": ("shz", "第八师石河子市", "staff"),
}


@pytest.fixture
def app_context(english_context):
    """Messages are read in English, the language they are written in."""
    return english_context


@pytest.fixture
def people(app_context):
    """Staff of the responsible unit and of another division."""
    return People(PEOPLE)


@pytest.fixture
def draft(people):
    """A policy draft of 第六师五家渠市."""
    return consultations.create_consultation(
        find_unit(UNIT),
        ConsultationKind.POLICY_DRAFT,
        "第六师生态环境保护条例(草案)",
        "第一段。\n\n第二段。",
        6,
        created_by=people["staff"],
    )


def add(people, consultation, filename, data, who="staff"):
    """Add a file as `who` with the app's configuration."""
    from flask import current_app

    return attachments.add_attachment(people[who], consultation, filename, data, current_app.config)


def publish(people, consultation):
    """Open `consultation` for comments from today for a month."""
    from flask import current_app

    today = clocks.local_day(utcnow())
    consultations.publish(
        people["staff"], consultation, today, today + timedelta(days=30), current_app.config
    )


def test_a_pdf_is_stored_cleaned_privately_with_its_hash(app_context, people, draft):
    """Only the rewritten PDF (no scripts, no metadata) is kept under consultation-attachments, mode 0600,
    with a server-made name."""
    pdf = minimal_pdf()
    cleaned = pdfs.clean("环评报告书 (全本).pdf", pdf)
    item = add(people, draft, "环评报告书 (全本).pdf", pdf)
    assert item.content_type == "application/pdf" and item.size == len(cleaned)
    assert (
        item.sha256 == hashlib.sha256(cleaned).hexdigest()
        and item.filename == "环评报告书 (全本).pdf"
    )
    path = Path(app_context.config["FILES_DIR"]) / item.path
    assert item.path.startswith("consultation-attachments/") and item.path.endswith(".pdf")
    assert "环评" not in item.path and path.read_bytes() == cleaned
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert draft.attachments == [item]


def test_an_image_is_re_encoded_without_its_metadata(app_context, people, draft):
    """A phone photo loses its EXIF (GPS, owner) and comment: what is stored is what the public gets."""
    item = add(people, draft, "现场.jpg", jpeg_photo())
    stored = (Path(app_context.config["FILES_DIR"]) / item.path).read_bytes()
    assert item.content_type == "image/jpeg" and stored[:3] == b"\xff\xd8\xff"
    assert PHOTO_COMMENT not in stored and b"Exif" not in stored
    assert item.sha256 == hashlib.sha256(stored).hexdigest()


@pytest.mark.parametrize(
    "name, data, expected",
    [
        (
            "通知.pdf",
            b"<html><script>alert(1)</script></html>",
            "通知.pdf is not a PDF, JPEG, PNG or WebP file.",
        ),
        ("report.pdf", b"%PDF-1.4\nno end", "report.pdf is not a complete PDF file."),
        (
            "page.pdf",
            minimal_pdf(b"<html><script>alert(1)</script></html>"),
            "page.pdf contains another kind of file",
        ),
        (
            "broken.pdf",
            b"%PDF-1.4\n1 0 obj\n<<\n" + b"\xff" * 40 + b"\nstartxref\n9\n%%EOF\n",
            "broken.pdf could not be read as a PDF file.",
        ),
        ("empty.pdf", b"", "empty.pdf is empty."),
    ],
)
def test_refused_files_are_named_with_the_reason(app_context, people, draft, name, data, expected):
    """A disguised, broken, polyglot, unparsable or empty file is refused on the file field, naming it."""
    with pytest.raises(ValidationFailed) as refused:
        add(people, draft, name, data)
    assert refused.value.field == "file"
    assert expected in refused.value.message
    assert db.session.query(ConsultationAttachment).count() == 0


def test_files_over_20_mb_are_refused(app_context, people, draft):
    """The limit is 20 MB per file."""
    pdf = minimal_pdf()
    big = pdf[:20] + b"%" + b"0" * (attachments.MAX_BYTES) + pdf[20:]
    with pytest.raises(ValidationFailed) as refused:
        add(people, draft, "big.pdf", big)
    assert "big.pdf is larger than 20 MB." in refused.value.message


def test_at_most_ten_files(app_context, people, draft):
    """The eleventh file is refused."""
    for n in range(attachments.MAX_FILES):
        add(people, draft, f"annex-{n}.pdf", minimal_pdf(b"BT (%d) Tj ET" % n))
    with pytest.raises(ValidationFailed) as refused:
        add(people, draft, "annex-11.pdf", minimal_pdf())
    assert "at most 10 files" in refused.value.message


def test_only_the_responsible_unit_adds_files(app_context, people, draft):
    """Another division's staff cannot see the draft: NotFound, and nothing is stored."""
    with pytest.raises(NotFound):
        add(people, draft, "x.pdf", minimal_pdf(), who="stranger")
    publish(people, draft)
    with pytest.raises(Forbidden):
        add(people, draft, "x.pdf", minimal_pdf(), who="stranger")
    assert not (Path(app_context.config["FILES_DIR"]) / attachments.FOLDER).exists()


def test_files_are_added_to_drafts_and_open_consultations_only(app_context, people, draft):
    """Open: still allowed; withdrawn: refused."""
    publish(people, draft)
    add(people, draft, "corrigendum.pdf", minimal_pdf())
    consultations.withdraw(people["staff"], draft, "项目暂停,撤回本次征求意见。")
    with pytest.raises(Conflict):
        add(people, draft, "late.pdf", minimal_pdf())


def test_removing_a_file_of_a_draft_deletes_it(app_context, people, draft):
    """Row and stored file go; once published, files stay as part of the record."""
    item = add(people, draft, "old.pdf", minimal_pdf())
    path = Path(app_context.config["FILES_DIR"]) / item.path
    attachments.remove_attachment(people["staff"], item, app_context.config)
    assert draft.attachments == [] and not path.exists()
    kept = add(people, draft, "kept.pdf", minimal_pdf())
    publish(people, draft)
    with pytest.raises(Conflict) as refused:
        attachments.remove_attachment(people["staff"], kept, app_context.config)
    assert "part of the public record" in refused.value.message


def test_public_download_only_once_published(app_context, people, draft):
    """A draft's file does not exist for the public; after publishing it downloads under an ASCII name."""
    item = add(people, draft, "环评报告书.pdf", minimal_pdf())
    db.session.flush()
    with pytest.raises(NotFound):
        attachments.public_download(draft.id, item.id, app_context.config["FILES_DIR"])
    publish(people, draft)
    path, name, content_type = attachments.public_download(
        draft.id, item.id, app_context.config["FILES_DIR"]
    )
    assert path.read_bytes() == pdfs.clean("环评报告书.pdf", minimal_pdf())
    assert name == f"consultation-{draft.id}-file-{item.id}.pdf" and name.isascii()
    assert content_type == "application/pdf"
    with pytest.raises(NotFound):
        attachments.public_download(draft.id, item.id + 1, app_context.config["FILES_DIR"])


def test_a_stored_path_outside_the_folder_is_never_served(app_context, people, draft):
    """A tampered path (traversal) is NotFound, not a file elsewhere in the data directory."""
    item = add(people, draft, "a.pdf", minimal_pdf())
    publish(people, draft)
    item.path = "consultation-attachments/../portal.db"
    with pytest.raises(NotFound):
        attachments.public_download(draft.id, item.id, app_context.config["FILES_DIR"])
    assert draft.state is ConsultationState.OPEN


def test_a_file_goes_with_its_consultation(app_context, people, draft):
    """A file of a consultation withdrawn before publication never downloads; under another consultation's
    number a file does not exist; in the console only its unit (and site oversight) reaches it."""
    item = add(people, draft, "环评报告书.pdf", minimal_pdf())
    consultations.withdraw(people["staff"], draft, "项目暂停,撤回本次征求意见。")
    with pytest.raises(NotFound, match="This file does not exist."):
        attachments.public_download(draft.id, item.id, app_context.config["FILES_DIR"])
    other = consultations.create_consultation(
        find_unit(UNIT),
        ConsultationKind.POLICY_DRAFT,
        "另一份草案",
        "第一段。",
        6,
        created_by=people["staff"],
    )
    shown = add(people, other, "公告.pdf", minimal_pdf())
    publish(people, other)
    assert attachments.public_download(other.id, shown.id, app_context.config["FILES_DIR"])[
        0
    ].is_file()
    with pytest.raises(NotFound):
        attachments.public_download(other.id, item.id, app_context.config["FILES_DIR"])
    with pytest.raises(NotFound):
        attachments.public_download(draft.id, shown.id, app_context.config["FILES_DIR"])
    assert attachments.get_for_unit(people["staff"], draft.id, item.id) is item
    with pytest.raises(NotFound):
        attachments.get_for_unit(people["stranger"], draft.id, item.id)
    with pytest.raises(NotFound):
        attachments.remove_attachment(people["stranger"], item, app_context.config)
