"""Files published with a consultation (the EIA report, maps, annexes): checked, stored privately, downloaded
as attachments.

The checks are those of report evidence (`portal.services.evidence`): the type is decided by the
content's magic bytes, never by the name; a PDF is refused when it carries active content (scripts,
launch actions, embedded files) or hides another format, and is stored as sent; an image is
re-encoded from its pixels through `evidence.process`, so no EXIF, GPS or other metadata is
published. Files live under DATA_DIR/consultation-attachments with server-made names, mode 0600,
never under `static/`, and are served only as attachments with `nosniff`.

Staff of the responsible unit add files while the consultation is a draft or open, and remove them
while it is a draft: once published, a file is part of the public record. Functions never commit.
"""
import hashlib
import secrets
from pathlib import Path

from flask_babel import gettext as _

from portal.errors import Conflict, NotFound, ValidationFailed
from portal.extensions import db
from portal.models import ConsultationState
from portal.models.consultations import ConsultationAttachment
from portal.models.types import utcnow
from portal.services import consultations, evidence

FOLDER = "consultation-attachments"
MAX_BYTES = 20 * 1024 * 1024
MAX_FILES = 10
# Files are added to a draft or to an open consultation (a corrected annex during the period).
ADDING_STATES = (ConsultationState.DRAFT, ConsultationState.OPEN)
EXTENSIONS = {content_type: evidence.EXTENSIONS[kind] for kind, content_type in evidence.CONTENT_TYPES.items()}


def _refused(message):
    return ValidationFailed(message, field="file")


def _checked(filename, data):
    """(content type, bytes to store) for an accepted file; ValidationFailed naming the file otherwise."""
    name = evidence.clean_name(filename)
    if len(data) > MAX_BYTES:
        raise _refused(_("%(name)s is larger than 20 MB.", name=name))
    if not data:
        raise _refused(_("%(name)s is empty.", name=name))
    kind = evidence.detect(data)
    try:
        if kind == "pdf":
            evidence.check_pdf(name, data)
            return evidence.CONTENT_TYPES[kind], data
        if kind is not None:
            processed = evidence.process(name, data)
            return processed.content_type, processed.public_bytes
    except evidence.EvidenceRejected as error:
        raise _refused(error.message) from error
    if data[:5] == b"%PDF-":
        raise _refused(_("%(name)s is not a complete PDF file.", name=name))
    raise _refused(_("%(name)s is not a PDF, JPEG, PNG or WebP file.", name=name))


def add_attachment(user, consultation, filename, data, config, now=None):
    """Check, store and record one file of `consultation` (draft or open); returns the attachment."""
    consultations.act(user, consultation)
    if consultation.state not in ADDING_STATES:
        raise Conflict(_("Files can be added while the consultation is a draft or open for comments."))
    if len(consultation.attachments) >= MAX_FILES:
        raise _refused(_("A consultation can have at most %(n)s files.", n=MAX_FILES))
    content_type, stored = _checked(filename, bytes(data))
    now = now or utcnow()
    relative = Path(FOLDER, f"{now:%Y}", f"{now:%m}", secrets.token_hex(16) + EXTENSIONS[content_type])
    attachment = ConsultationAttachment(
        consultation=consultation, filename=evidence.clean_name(filename), content_type=content_type,
        size=len(stored), sha256=hashlib.sha256(stored).hexdigest(), path=relative.as_posix(), created_at=now,
        created_by_id=user.id,
    )
    db.session.add(attachment)
    db.session.flush()
    # Written after the row is accepted, atomically and 0600, as evidence files are.
    evidence.write_atomic(Path(config["DATA_DIR"]) / relative, stored)
    return attachment


def remove_attachment(user, attachment, config):
    """Delete a file of a draft (row and stored file); a published consultation keeps its files."""
    consultation = attachment.consultation
    consultations.act(user, consultation)
    if consultation.state is not ConsultationState.DRAFT:
        raise Conflict(_("Files of a published consultation are part of the public record and stay."))
    path = _resolve(config["DATA_DIR"], attachment.path)
    consultation.attachments.remove(attachment)
    db.session.flush()
    evidence.unlink(path)


def _resolve(data_dir, relative_path):
    """The absolute path of a stored attachment, refusing anything outside the attachments folder."""
    root = (Path(data_dir) / FOLDER).resolve()
    relative = str(relative_path or "")
    path = (Path(data_dir) / relative).resolve() if relative and "\x00" not in relative else root
    if not path.is_relative_to(root) or path == root:
        raise NotFound(_("This file does not exist."))
    return path


def _attachment(consultation, attachment_id):
    found = next((a for a in consultation.attachments if a.id == attachment_id), None)
    if found is None:
        raise NotFound(_("This file does not exist."))
    return found


def get_for_unit(user, consultation_id, attachment_id):
    """An attachment for the console (the consultation's unit or site oversight), or NotFound."""
    return _attachment(consultations.get_for_unit(user, consultation_id), attachment_id)


def download(attachment, data_dir):
    """(path, download name, content type) of a stored attachment; the name is the server's, ASCII only."""
    path = _resolve(data_dir, attachment.path)
    if not path.is_file():
        raise NotFound(_("This file does not exist."))
    name = f"consultation-{attachment.consultation_id}-file-{attachment.id}{EXTENSIONS[attachment.content_type]}"
    return path, name, attachment.content_type


def public_download(consultation_id, attachment_id, data_dir):
    """`download` of a file of a published consultation; NotFound for drafts and unknown files."""
    return download(_attachment(consultations.get_public(consultation_id), attachment_id), data_dir)
