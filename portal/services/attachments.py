"""Files published with a consultation (the EIA report, maps, annexes) or with a disclosure (the permit, the
monitoring report), and the documents a handling unit hands over with its answer to a litigation request:
checked, stored privately, downloaded as attachments.

The checks are those of report evidence (`portal.services.evidence`): the type is decided by the
content's magic bytes, never by the name; a PDF is refused when it cannot be parsed, is encrypted or
hides another format, and otherwise is rewritten by `portal.services.pdfs` without scripts, actions,
attached files or document metadata (only that copy is stored); an image is re-encoded from its
pixels through `evidence.process`, so no EXIF, GPS or other metadata is kept. Files live under
DATA_DIR/consultation-attachments (disclosure-attachments, litigation-documents) with server-made names,
mode 0600, never under `static/`, and are served only as attachments with `nosniff`.

The same functions serve the three owners (`Owner`); their rules (`RULES`) differ in the states, the
limits and who reads. Staff of the responsible unit add files while a consultation is a draft or open (a
disclosure: a draft or published), and remove them while it is a draft: once published, a file is part
of the public record. A litigation request's documents are added by the answering unit's staff with
their answer to provide the record (`organisations.answer`), and afterwards while the organisation has
recorded no outcome; they are never removed (they were handed over), and all of a request's documents
together may not exceed LITIGATION_FILES_MAX_MB. Who may download or act on a file is the policy of its
kind (`access.CONSULTATION_ATTACHMENTS`, `access.DISCLOSURE_ATTACHMENTS`, `access.LITIGATION_DOCUMENTS`):
a consultation's or disclosure's file is public with its owner, and read in the console by the owner's
unit and site oversight; a litigation document is never public, and read by the requesting organisation
(`holder_download`), the answering unit and site oversight. Functions never commit.
"""

import enum
import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _

from portal import numbers
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.extensions import db
from portal.models import (
    Consultation,
    ConsultationAttachment,
    ConsultationState,
    Disclosure,
    DisclosureAttachment,
    DisclosureState,
    LitigationDocument,
    LitigationRequest,
    LitigationStatus,
)
from portal.models.types import utcnow
from portal.services import access, disclosures, evidence, pdfs

# The consultations' folder (the name predates disclosure attachments); FOLDERS has both.
FOLDER = "consultation-attachments"
DISCLOSURE_FOLDER = "disclosure-attachments"
LITIGATION_FOLDER = "litigation-documents"
MAX_BYTES = 20 * 1024 * 1024
MAX_FILES = 10
# Files are added to a draft or to an open consultation (a corrected annex during the period).
ADDING_STATES = (ConsultationState.DRAFT, ConsultationState.OPEN)
# A published disclosure may gain a file (a corrected annex), shown with the day it was added.
DISCLOSURE_ADDING_STATES = (DisclosureState.DRAFT, DisclosureState.PUBLISHED)
EXTENSIONS = {
    content_type: evidence.EXTENSIONS[kind] for kind, content_type in evidence.CONTENT_TYPES.items()
}


class Owner(enum.Enum):
    """What an attachment belongs to."""

    CONSULTATION = "consultation"
    DISCLOSURE = "disclosure"
    LITIGATION = "litigation"


@dataclass(frozen=True)
class _Rules:
    """How one owner's attachments are kept: folder, models, states, limits, access checks and wording."""

    folder: str
    owner_model: type
    attachment_model: type
    owner_field: (
        str  # the attachment's relationship to its owner (its column is `<owner_field>_id`)
    )
    may_add: object  # (owner) -> bool: whether files may be added in the owner's state
    may_remove: object  # (owner) -> bool: whether its files may be removed
    owner_policy: object  # the owner's access.Policy: act (adding a file is acting on the owner)
    policy: object  # the attachments' access.Policy: get_public, get_for_unit, get_for_holder, act
    adding_refused: object  # () -> message
    too_many: object  # (n) -> message
    removal_refused: object  # () -> message
    collection: str = "attachments"  # the owner's relationship to its files
    field: str = "file"  # the form field errors are shown under
    total_bytes: object = lambda config: (
        None
    )  # (config) -> the limit of all of an owner's files, or None


RULES = {
    Owner.CONSULTATION: _Rules(
        FOLDER,
        Consultation,
        ConsultationAttachment,
        "consultation",
        lambda c: c.state in ADDING_STATES,
        lambda c: c.state is ConsultationState.DRAFT,
        access.CONSULTATIONS,
        access.CONSULTATION_ATTACHMENTS,
        lambda: _("Files can be added while the consultation is a draft or open for comments."),
        lambda n: _("A consultation can have at most %(n)s files.", n=n),
        lambda: _("Files of a published consultation are part of the public record and stay."),
    ),
    Owner.DISCLOSURE: _Rules(
        DISCLOSURE_FOLDER,
        Disclosure,
        DisclosureAttachment,
        "disclosure",
        lambda d: d.state in DISCLOSURE_ADDING_STATES,
        lambda d: d.state is DisclosureState.DRAFT,
        access.DISCLOSURES,
        access.DISCLOSURE_ATTACHMENTS,
        lambda: _("Files can be added while the disclosure is a draft or published."),
        lambda n: _("A disclosure can have at most %(n)s files.", n=n),
        lambda: _("Files of a published disclosure are part of the public record and stay."),
    ),
    # Documents go with an answer that provides the record, and may follow it until the organisation records
    # the litigation's outcome; handed over, they stay.
    Owner.LITIGATION: _Rules(
        LITIGATION_FOLDER,
        LitigationRequest,
        LitigationDocument,
        "request",
        lambda r: r.status is LitigationStatus.PROVIDED and r.outcome is None,
        lambda r: False,
        access.LITIGATION_REQUESTS,
        access.LITIGATION_DOCUMENTS,
        lambda: _(
            "Documents are added to an answer that provides the record, until the organisation "
            "records the litigation's outcome."
        ),
        lambda n: _("A litigation request can have at most %(n)s documents.", n=n),
        lambda: _("Documents handed over to the organisation stay with the request."),
        collection="documents",
        field="files",
        total_bytes=lambda config: int(float(config["LITIGATION_FILES_MAX_MB"]) * 1024 * 1024),
    ),
}
FOLDERS = {owner: rules.folder for owner, rules in RULES.items()}


def owner_of(thing):
    """The Owner kind of a consultation, disclosure or litigation request, or of one of their files."""
    for owner, rules in RULES.items():
        if isinstance(thing, (rules.owner_model, rules.attachment_model)):
            return owner
    raise TypeError(f"attachments: no attachments for {type(thing).__name__}")


def _checked(filename, data, config, field="file"):
    """(content type, bytes to store) for an accepted file; ValidationFailed naming the file (under `field`) otherwise."""
    name = evidence.clean_name(filename)
    if len(data) > MAX_BYTES:
        raise ValidationFailed(_("%(name)s is larger than 20 MB.", name=name), field=field)
    if not data:
        raise ValidationFailed(_("%(name)s is empty.", name=name), field=field)
    kind = evidence.detect(data)
    try:
        if kind == "pdf":
            # Only the cleaned copy is stored, never the file as sent.
            evidence.check_pdf(name, data)
            return evidence.CONTENT_TYPES[kind], pdfs.clean(name, data, field=field)
        if kind is not None:
            processed = evidence.process(name, data, config["EVIDENCE_MAX_MEGAPIXELS"])
            return processed.content_type, processed.public_bytes
    except evidence.EvidenceRejected as error:
        raise ValidationFailed(error.message, field=field) from error
    if data[:5] == b"%PDF-":
        raise ValidationFailed(_("%(name)s is not a complete PDF file.", name=name), field=field)
    raise ValidationFailed(
        _("%(name)s is not a PDF, JPEG, PNG or WebP file.", name=name), field=field
    )


def _megabytes(size):
    return f"{size / 1024 / 1024:.0f}" if size >= 1024 * 1024 else f"{size / 1024 / 1024:.2f}"


def check_files(owner, files, config):
    """[(name, content type, bytes to store)] of `files` ([(file name, bytes)]) for `owner`, checked before anything
    is stored: their number, their total size against the owner's limit, each file's type and content.
    ValidationFailed with every refused file under the owner's field."""
    rules = RULES[owner_of(owner)]
    existing = getattr(owner, rules.collection)
    if len(existing) + len(files) > MAX_FILES:
        raise ValidationFailed(rules.too_many(MAX_FILES), field=rules.field)
    limit = rules.total_bytes(config)
    total = sum(a.size for a in existing) + sum(len(data) for _name, data in files)
    if limit is not None and total > limit:
        raise ValidationFailed(
            _(
                "The documents come to more than %(mb)s MB together: send fewer or smaller files.",
                mb=_megabytes(limit),
            ),
            field=rules.field,
        )
    checked, errors = [], []
    for filename, data in files:
        try:
            checked.append(
                (
                    evidence.clean_name(filename),
                    *_checked(filename, bytes(data), config, rules.field),
                )
            )
        except ValidationFailed as error:
            errors.extend(error.errors)
    if errors:
        raise ValidationFailed.every(errors)
    return checked


def store_checked(user, owner, checked, config, now=None):
    """Store and record files `check_files` accepted for `owner`, when `user` may add them in its state; the rows."""
    kind = owner_of(owner)
    rules = RULES[kind]
    rules.owner_policy.act(user, owner)
    if not rules.may_add(owner):
        raise Conflict(rules.adding_refused())
    now = now or utcnow()
    added = []
    for name, content_type, stored in checked:
        relative = Path(
            rules.folder, f"{now:%Y}", f"{now:%m}", secrets.token_hex(16) + EXTENSIONS[content_type]
        )
        attachment = rules.attachment_model(
            filename=name,
            content_type=content_type,
            size=len(stored),
            sha256=hashlib.sha256(stored).hexdigest(),
            path=relative.as_posix(),
            created_at=now,
            created_by_id=user.id,
            **{rules.owner_field: owner},
        )
        db.session.add(attachment)
        db.session.flush()
        # Written after the row is accepted, atomically and 0600, as evidence files are.
        evidence.write_atomic(Path(config["FILES_DIR"]) / relative, stored)
        added.append(attachment)
    if kind is Owner.DISCLOSURE and owner.state is not DisclosureState.DRAFT:
        disclosures.changed_in_public(owner)
    return added


def add_attachments(user, owner, files, config, now=None):
    """Check, store and record files ([(file name, bytes)]) of `owner` in a state that takes them; the rows."""
    rules = RULES[owner_of(owner)]
    rules.owner_policy.act(user, owner)
    if not rules.may_add(owner):
        raise Conflict(rules.adding_refused())
    return store_checked(user, owner, check_files(owner, files, config), config, now)


def add_attachment(user, owner, filename, data, config, now=None):
    """Check, store and record one file of a consultation (draft or open) or disclosure (draft or published)."""
    return add_attachments(user, owner, [(filename, data)], config, now)[0]


def remove_attachment(user, attachment, config):
    """Delete a file of a draft (row and stored file); a published consultation or disclosure keeps its files."""
    rules = RULES[owner_of(attachment)]
    owner = getattr(attachment, rules.owner_field)
    rules.policy.act(user, attachment)
    if not rules.may_remove(owner):
        raise Conflict(rules.removal_refused())
    path = _resolve(config["FILES_DIR"], attachment.path, rules.folder)
    getattr(owner, rules.collection).remove(attachment)
    db.session.flush()
    evidence.unlink(path)


def _resolve(files_dir, relative_path, folder=FOLDER):
    """The absolute path of a stored attachment, refusing anything outside its owner's attachments folder."""
    root = (Path(files_dir) / folder).resolve()
    relative = str(relative_path or "")
    path = (Path(files_dir) / relative).resolve() if relative and "\x00" not in relative else root
    if not path.is_relative_to(root) or path == root:
        raise NotFound(_("This file does not exist."))
    return path


def _of_owner(rules, attachment, owner_id):
    """`attachment` when it is a file of the owner numbered `owner_id` (the one in the URL), else NotFound."""
    if getattr(attachment, f"{rules.owner_field}_id") != numbers.identifier(owner_id):
        raise rules.policy.not_found(attachment.id)
    return attachment


def get_for_unit(user, owner_id, attachment_id, owner=Owner.CONSULTATION):
    """An attachment for the console (the owner's unit or site oversight), or NotFound."""
    rules = RULES[owner]
    return _of_owner(rules, rules.policy.get_for_unit(user, attachment_id), owner_id)


def download(attachment, files_dir):
    """(path, download name, content type) of a stored attachment; the name is the server's, ASCII only."""
    kind = owner_of(attachment)
    rules = RULES[kind]
    path = _resolve(files_dir, attachment.path, rules.folder)
    if not path.is_file():
        raise NotFound(_("This file does not exist."))
    owner_id = getattr(attachment, f"{rules.owner_field}_id")
    name = f"{kind.value}-{owner_id}-file-{attachment.id}{EXTENSIONS[attachment.content_type]}"
    return path, name, attachment.content_type


def public_download(owner_id, attachment_id, files_dir, owner=Owner.CONSULTATION):
    """`download` of a file of a public consultation or disclosure; NotFound for drafts and unknown files."""
    rules = RULES[owner]
    return download(_of_owner(rules, rules.policy.get_public(attachment_id), owner_id), files_dir)


def get_for_holder(holder, owner_id, attachment_id, owner=Owner.LITIGATION):
    """A file for someone outside the console who holds it (the organisation that requested a litigation record),
    when it belongs to the owner numbered `owner_id`; NotFound for anyone else and for unknown files."""
    rules = RULES[owner]
    return _of_owner(rules, rules.policy.get_for_holder(holder, attachment_id), owner_id)
