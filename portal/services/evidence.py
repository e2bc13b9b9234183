"""Evidence files attached to citizen reports: type by content, metadata stripped, stored privately.

Residents often photograph pollution with their phones and report anonymously, so a photo's EXIF
(GPS position, phone model, owner name), XMP, ICC profile and comments could identify them. Images
are therefore decoded and re-encoded from pixels alone before anyone but an administrator can see
them, and the re-encoded bytes are scanned to prove nothing survived. The untouched original is kept
apart, for administrators only, with its SHA-256 for evidence integrity. PDFs are rewritten the same
way by `portal.services.pdfs`: without scripts, actions, attached files or document metadata.
"""

import hashlib
import io
import os
import re
import secrets
import sys
import tempfile
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask_babel import gettext as _

from portal.errors import NotFound, ValidationFailed
from portal.services import pdfs

ALLOWED = ("jpeg", "png", "webp", "pdf")
MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 5
# An image may decode to as many bytes as a colour photo of this many megapixels (PORTAL_EVIDENCE_
# MAX_MEGAPIXELS): 24 MP is above what phones save by default (12–16 MP; 48/50 MP sensors bin to 12)
# and keeps one upload's decoded buffer under 96 MB. Decoded bytes, not pixels, are what cost memory
# and encoding time: a 6,300 × 6,300 RGBA PNG of 154 KB decodes to 159 MB.
DEFAULT_MAX_MEGAPIXELS = 24
# A baseline JPEG larger than the limit is decoded at 1/2 or 1/4 scale (libjpeg's DCT scaling, which
# never builds the full-size image) when only that fits; the original is kept as sent for staff.
JPEG_MAX_REDUCTION = 4
MAX_NAME_LENGTH = 100

PUBLIC_DIR = "evidence"
ORIGINALS_DIR = "evidence-originals"

CONTENT_TYPES = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "pdf": "application/pdf",
}
EXTENSIONS = {"jpeg": ".jpg", "png": ".png", "webp": ".webp", "pdf": ".pdf"}
# Pillow opens phone JPEGs that carry a Multi-Picture (MPF) segment as "MPO"; they are still JPEGs.
PILLOW_FORMATS = {"jpeg": {"JPEG", "MPO"}, "png": {"PNG"}, "webp": {"WEBP"}}

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# A PDF reader looks for %%EOF in the last 1024 bytes; the same window is used here.
PDF_TAIL = 1024

# Allow-lists rather than deny-lists: a chunk or segment nobody thought of is refused too.
PNG_CHUNKS_ALLOWED = {
    b"IHDR",
    b"PLTE",
    b"IDAT",
    b"IEND",
    b"tRNS",
    b"pHYs",
    b"gAMA",
    b"cHRM",
    b"sRGB",
    b"sBIT",
    b"bKGD",
}
WEBP_CHUNKS_ALLOWED = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF"}

# Markers of formats that a browser or a server would act on. Looked for after the end of an image
# (where phones append only other images or video) and anywhere in a PDF (which is served as it
# came). Each is long enough not to turn up by chance in megabytes of compressed data.
FOREIGN_MARKERS = re.compile(rb"<script|<html|<!doctype|<iframe|<\?php|%PDF-", re.IGNORECASE)
# A ZIP (or JAR, DOCX, APK) is read from its end: an end-of-central-directory record in the last
# 64 KiB plus a local file header is a ZIP polyglot. Four bytes alone would match random data.
ZIP_LOCAL, ZIP_END, ZIP_TAIL = b"PK\x03\x04", b"PK\x05\x06", 65536 + 22
PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")


class EvidenceRejected(ValidationFailed):
    """An evidence file that is refused; the message names the file and says why."""

    def __init__(self, message):
        super().__init__(message, field="evidence")


class MetadataRemains(EvidenceRejected):
    """Re-encoded bytes that still hold a metadata segment or chunk; `found` lists them."""

    def __init__(self, found):
        super().__init__(
            _("A file still contained hidden information after cleaning and was not accepted.")
        )
        self.found = tuple(found)


@dataclass(frozen=True)
class ProcessedEvidence:
    """A checked evidence file, ready to store: public bytes are safe to show to anyone."""

    kind: str
    content_type: str
    extension: str
    # Images: re-encoded from pixels, with no metadata. PDFs: rewritten by `pdfs.clean` without
    # scripts, actions, attached files or metadata; still only ever served as attachments.
    public_bytes: bytes
    original_bytes: bytes
    sha256_original: str
    size: int
    original_name: str
    width: int | None = None
    height: int | None = None

    def __repr__(self):
        # The default repr would dump megabytes of bytes into logs and tracebacks.
        return (
            f"ProcessedEvidence(kind={self.kind!r}, size={self.size}, original_name={self.original_name!r}, "
            f"sha256_original={self.sha256_original!r})"
        )


@dataclass(frozen=True)
class StoredEvidence:
    """Where a processed file was written; paths are relative to the data directory."""

    public_path: str
    original_path: str
    token: str
    kind: str
    content_type: str
    size: int
    original_size: int
    sha256_original: str
    original_name: str
    width: int | None = None
    height: int | None = None


def clean_name(filename):
    """The client's file name made fit for display: base name only, no control characters, ≤ 100 characters."""
    name = unicodedata.normalize("NFC", str(filename or ""))
    # Browsers on Windows may send the full path; either separator ends a folder name.
    name = re.split(r"[\\/]", name)[-1]
    # Cc: control characters; Cf: format characters such as U+202E, which can make "gpj.exe" read as
    # "exe.jpg"; Zl/Zp: line breaks that would split a log line.
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp", "Cs"))
    name = " ".join(name.split()).strip(" .")
    if not name:
        return "evidence"
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: MAX_NAME_LENGTH - len(ext) - 1] + "." + ext
        else:
            name = name[:MAX_NAME_LENGTH]
    return name


def detect(data):
    """The allowed kind that the magic bytes announce ("jpeg", "png", "webp", "pdf"), or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == PNG_SIGNATURE:
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:5] == b"%PDF-" and b"%%EOF" in data[-PDF_TAIL:]:
        return "pdf"
    return None


def process(filename, data, max_megapixels=DEFAULT_MAX_MEGAPIXELS):
    """Check one uploaded file and return it with metadata stripped; raise EvidenceRejected if refused."""
    name = clean_name(filename)
    data = bytes(data)
    if len(data) > MAX_BYTES:
        raise EvidenceRejected(_("%(name)s is larger than 10 MB.", name=name))
    if not data:
        raise EvidenceRejected(_("%(name)s is empty.", name=name))
    kind = detect(data)
    if kind is None:
        if data[:5] == b"%PDF-":
            raise EvidenceRejected(_("%(name)s is not a complete PDF file.", name=name))
        raise EvidenceRejected(_("%(name)s is not a JPEG, PNG, WebP or PDF file.", name=name))
    sha256 = hashlib.sha256(data).hexdigest()
    if kind == "pdf":
        check_pdf(name, data)
        try:
            public = pdfs.clean(name, data, field="evidence")
        except pdfs.PdfRejected as exc:
            raise EvidenceRejected(exc.message) from exc
        return ProcessedEvidence(
            kind=kind,
            content_type=CONTENT_TYPES[kind],
            extension=EXTENSIONS[kind],
            public_bytes=public,
            original_bytes=data,
            sha256_original=sha256,
            size=len(public),
            original_name=name,
        )
    _check_container(name, kind, data)
    public, width, height = _reencode(name, kind, data, max_megapixels)
    try:
        assert_clean(kind, public)
    except MetadataRemains as exc:
        raise EvidenceRejected(
            _(
                "%(name)s could not be cleaned of hidden information and was not accepted.",
                name=name,
            )
        ) from exc
    return ProcessedEvidence(
        kind=kind,
        content_type=CONTENT_TYPES[kind],
        extension=EXTENSIONS[kind],
        public_bytes=public,
        original_bytes=data,
        sha256_original=sha256,
        size=len(public),
        original_name=name,
        width=width,
        height=height,
    )


def process_all(files, max_megapixels=DEFAULT_MAX_MEGAPIXELS):
    """Process (filename, bytes) pairs for one report, refusing more than MAX_FILES; all or nothing."""
    files = list(files)
    if len(files) > MAX_FILES:
        raise EvidenceRejected(_("A report can have at most %(n)s evidence files.", n=MAX_FILES))
    return [process(filename, data, max_megapixels) for filename, data in files]


def check_pdf(name, data):
    """Refuse a PDF that is not complete or hides another format, naming the file."""
    # The structure and active content are dealt with by `pdfs.clean`, which parses the file; this
    # looks at the raw bytes, which the original keeps: a header with a version, a cross-reference
    # pointer and %%EOF at the end, and no markup, script or archive that a browser or server would
    # act on if the file were ever served as something else.
    if not PDF_HEADER.match(data) or b"startxref" not in data[-PDF_TAIL:]:
        raise EvidenceRejected(_("%(name)s is not a complete PDF file.", name=name))
    if _foreign(data, 5):
        raise EvidenceRejected(
            _("%(name)s contains another kind of file hidden inside it.", name=name)
        )


def _check_container(name, kind, data):
    # Bytes after the end of an image are invisible to viewers and are how polyglots (an image that
    # is also a ZIP, HTML or PDF) are made. The re-encoded copy never carries them, but the original
    # is kept too, so such files are refused outright.
    hidden = _("%(name)s contains another kind of file hidden inside it.", name=name)
    broken = _(
        "%(name)s could not be read as an image. It may be damaged or not what its name says.",
        name=name,
    )
    if kind == "png":
        end = _png_end(data)
        if end is None:
            raise EvidenceRejected(broken)
        if data[end:].strip(b"\x00\r\n\t "):
            raise EvidenceRejected(hidden)
    elif kind == "webp":
        declared = int.from_bytes(data[4:8], "little") + 8
        if declared > len(data):
            raise EvidenceRejected(broken)
        if data[declared + (declared & 1) :].strip(b"\x00\r\n\t "):
            raise EvidenceRejected(hidden)
    elif kind == "jpeg":
        # Phones append a second image (MPO) or a video (motion photos) after the first EOI, so
        # trailing bytes as such are normal; only markers of active formats are refused.
        end = _jpeg_end(data)
        if end is None:
            raise EvidenceRejected(broken)
        if _foreign(data, end):
            raise EvidenceRejected(hidden)


def _foreign(data, start):
    """True when data[start:] holds markup, a script, a PDF or a ZIP archive."""
    if FOREIGN_MARKERS.search(data, start):
        return True
    return (
        data.find(ZIP_LOCAL, start) >= 0
        and data.find(ZIP_END, max(start, len(data) - ZIP_TAIL)) >= 0
    )


# Bytes per pixel of a decoded image as Pillow holds it, once in the mode it is saved in: one for
# bilevel and greyscale, two for 16-bit greyscale, four for the rest (Pillow pads RGB to four bytes,
# and palette images are expanded to RGB or RGBA before saving).
_BYTES_PER_PIXEL = {"1": 1, "L": 1, "I;16": 2, "I;16L": 2, "I;16B": 2}


def decoded_bytes(mode, width, height):
    """How many bytes an image of this mode and size takes once decoded and ready to save."""
    return width * height * _BYTES_PER_PIXEL.get(mode, 4)


def pixel_budget(max_megapixels):
    """The decoded bytes allowed per image: those of a colour image of `max_megapixels`."""
    return max_megapixels * 1_000_000 * 4


def pillow_limit(max_megapixels):
    """The pixels an image header may declare (Pillow's MAX_IMAGE_PIXELS): a JPEG's before reduction."""
    return max_megapixels * 1_000_000 * JPEG_MAX_REDUCTION**2


# Pillow is imported on the first image (`_pillow`), not with the app: a web worker serving pages never
# needs its ~7 MiB. The limit `configure_pillow` is given waits here until then.
_PENDING_PILLOW_LIMIT = []


def configure_pillow(max_megapixels):
    """Set Pillow's process-wide decompression-bomb limit from the portal's setting (at app creation)."""
    limit = pillow_limit(max_megapixels)
    image = sys.modules.get("PIL.Image")
    if image is None:
        _PENDING_PILLOW_LIMIT[:] = [limit]
    else:
        _PENDING_PILLOW_LIMIT.clear()
        image.MAX_IMAGE_PIXELS = limit


def _pillow():
    """Pillow's Image and ImageOps modules, imported on first use with the configured limit applied."""
    from PIL import Image, ImageOps

    for limit in _PENDING_PILLOW_LIMIT[:1]:
        # Applied once: a limit set on Pillow afterwards (by a test, say) is left alone.
        Image.MAX_IMAGE_PIXELS = limit
        _PENDING_PILLOW_LIMIT.clear()
    return Image, ImageOps


class TooManyPixels(Exception):
    """An image whose decoded size would exceed the budget; raised before any pixel is decoded."""

    def __init__(self, width, height):
        super().__init__(f"{width}x{height}")
        self.width, self.height = width, height


def _open(data, max_megapixels):
    """The image with its header read and, for a large baseline JPEG, a reduced decoding scale set."""
    image = _pillow()[0].open(io.BytesIO(data))
    # Image.open reads only the header, so the size is known before any pixel is decoded. Pillow's own
    # MAX_IMAGE_PIXELS is process-wide (see `configure_pillow`); this check holds whatever it is.
    width, height = image.size
    budget = pixel_budget(max_megapixels)
    try:
        if width * height > pillow_limit(max_megapixels):
            raise TooManyPixels(width, height)
        if (
            image.format in PILLOW_FORMATS["jpeg"]
            and decoded_bytes(image.mode, width, height) > budget
        ):
            # A progressive JPEG's decoder keeps every coefficient of the full-size image, whatever the
            # scale, so only baseline JPEGs are reduced.
            if image.info.get("progressive") or image.info.get("progression"):
                raise TooManyPixels(width, height)
            scale = next(
                (
                    s
                    for s in (2, 4)
                    if decoded_bytes(image.mode, -(-width // s), -(-height // s)) <= budget
                ),
                None,
            )
            if scale is None:
                raise TooManyPixels(width, height)
            # draft() picks the largest scale s with width // requested >= s, hence the floor division.
            image.draft(image.mode, (width // scale, height // scale))
        mode = "RGBA" if image.mode == "P" else image.mode
        if decoded_bytes(mode, *image.size) > budget:
            raise TooManyPixels(width, height)
    except TooManyPixels:
        image.close()
        raise
    return image


def _reencode(name, kind, data, max_megapixels):
    Image, _ImageOps = _pillow()
    broken = _(
        "%(name)s could not be read as an image. It may be damaged or not what its name says.",
        name=name,
    )
    try:
        # Pillow warns (rather than raises) between MAX_IMAGE_PIXELS and twice that; a bomb is a
        # refusal. catch_warnings swaps process-wide filters and is not thread-safe, which is why
        # _open also checks the limit itself: it holds whatever another thread does.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with _open(data, max_megapixels) as probe:
                if probe.format not in PILLOW_FORMATS[kind]:
                    raise EvidenceRejected(broken)
                probe.verify()
            with _open(data, max_megapixels) as image:
                if image.format not in PILLOW_FORMATS[kind]:
                    raise EvidenceRejected(broken)
                image.load()
                pixels = _pixels_only(image, kind)
    except EvidenceRejected:
        raise
    except (TooManyPixels, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        width, height = getattr(exc, "width", None), getattr(exc, "height", None)
        if width is None:
            raise EvidenceRejected(
                _(
                    "%(name)s has too many pixels (at most %(n)s megapixels).",
                    name=name,
                    n=max_megapixels,
                )
            ) from exc
        raise EvidenceRejected(
            _(
                "%(name)s is %(width)s × %(height)s pixels, more than the %(n)s megapixels a file can have. "
                "Please send a smaller copy.",
                name=name,
                width=width,
                height=height,
                n=max_megapixels,
            )
        ) from exc
    except Exception as exc:
        # Pillow's parsers raise many exception types on hostile input (OSError, SyntaxError,
        # ValueError, struct.error, …); each of them means the file cannot be accepted.
        raise EvidenceRejected(broken) from exc

    try:
        buffer = io.BytesIO()
        if kind == "jpeg":
            pixels.save(buffer, "JPEG", quality=88, optimize=True, exif=b"", comment=b"")
        elif kind == "png":
            pixels.save(buffer, "PNG", optimize=True)
        else:
            pixels.save(buffer, "WEBP", quality=85, exif=b"", xmp=b"", icc_profile=b"")
    except Exception as exc:
        # Never fall back to the raw bytes: a file that cannot be re-encoded is not accepted.
        raise EvidenceRejected(
            _(
                "%(name)s could not be cleaned of hidden information and was not accepted.",
                name=name,
            )
        ) from exc
    finally:
        pixels.close()
    return buffer.getvalue(), pixels.width, pixels.height


def _pixels_only(image, kind):
    """The decoded image turned upright, in the mode it is saved in, with no metadata left to copy."""
    # Each step replaces the pixels rather than keeping a second full-size copy alive: the decoded
    # buffer is the largest allocation of an upload, and holding two or three of them is what made a
    # 154 KB PNG cost a worker 450 MB.
    _pillow()[1].exif_transpose(image, in_place=True)
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    if kind == "jpeg":
        mode = (
            image.mode
            if image.mode in ("L", "RGB")
            else ("L" if image.mode in ("1", "LA", "La") else "RGB")
        )
    elif kind == "png":
        if image.mode == "P" or "transparency" in image.info:
            mode = "RGBA" if has_alpha else "RGB"
        elif image.mode in ("1", "L", "LA", "RGB", "RGBA", "I;16"):
            mode = image.mode
        else:
            mode = "RGBA" if has_alpha else "RGB"
    else:
        mode = "RGBA" if has_alpha else "RGB"
    pixels = image if image.mode == mode else image.convert(mode)
    if pixels is not image:
        image.im = None  # free the decoded buffer now; the file object closes with the `with` block
    # Pillow's savers copy some metadata from `info` rather than from the save() arguments (JPEG
    # comments, PNG ICC profiles and transparency); the byte scan in assert_clean proves none is left.
    pixels.info = {}
    return pixels


def assert_clean(kind, data):
    """Raise MetadataRemains if re-encoded image bytes still hold any metadata segment or chunk."""
    if kind == "jpeg":
        found = _jpeg_metadata(data)
    elif kind == "png":
        found = _png_metadata(data)
    elif kind == "webp":
        found = _webp_metadata(data)
    else:
        raise ValueError(f"assert_clean does not check {kind!r}")
    if found:
        raise MetadataRemains(found)


def _jpeg_segments(data, strict=True):
    """Yield (marker, start, end) for each JPEG segment; the last is EOI, or ("truncated", …)."""
    if data[:2] != b"\xff\xd8":
        yield "truncated", 0, 0
        return
    pos = 2
    size = len(data)
    while pos < size:
        if data[pos] != 0xFF:
            # Some cameras leave stray bytes between segments, which decoders skip with a warning;
            # an upload is read leniently, but the portal's own output must be exact.
            following = data.find(b"\xff", pos)
            if strict or following < 0:
                yield "truncated", pos, size
                return
            pos = following
        while pos < size and data[pos] == 0xFF:
            pos += 1  # fill bytes
        if pos >= size:
            break
        marker = data[pos]
        start = pos - 1
        pos += 1
        if marker == 0xD9:
            yield marker, start, pos
            return
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            yield marker, start, pos
            continue
        if pos + 2 > size:
            break
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2 or pos + length > size:
            break
        end = pos + length
        yield marker, start, end
        pos = end
        if marker == 0xDA:
            # Entropy-coded data: 0xFF is followed by 0x00 (a stuffed byte) or a restart marker;
            # anything else starts the next segment.
            while True:
                pos = data.find(b"\xff", pos)
                if pos < 0 or pos + 1 >= size:
                    yield "truncated", end, size
                    return
                following = data[pos + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    pos += 1 if following == 0xFF else 2
                    continue
                break
    yield "truncated", pos, size


def _jpeg_end(data):
    """The offset just past the first image's EOI, or None when the segments do not parse."""
    for marker, _start, end in _jpeg_segments(data, strict=False):
        if marker == "truncated":
            return None
        if marker == 0xD9:
            return end
    return None


def _jpeg_metadata(data):
    found = []
    for marker, start, end in _jpeg_segments(data):
        if marker == "truncated":
            found.append("unparsable JPEG")
        elif marker == 0xD9:
            if data[end:]:
                found.append("data after EOI")
        elif marker == 0xE0:
            if data[start + 4 : start + 9] != b"JFIF\x00":
                found.append("APP0 other than JFIF")
        elif 0xE1 <= marker <= 0xEF:
            found.append(f"APP{marker - 0xE0}")
        elif marker == 0xFE:
            found.append("COM")
        elif not (0xC0 <= marker <= 0xDF or marker == 0x01):
            found.append(f"marker 0x{marker:02X}")
    return found


def _png_chunks(data):
    """Yield (type, start, end) for each PNG chunk; ("truncated", …) when the structure breaks."""
    if data[:8] != PNG_SIGNATURE:
        yield "truncated", 0, 0
        return
    pos = 8
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            break
        yield kind, pos, end
        pos = end
        if kind == b"IEND":
            return
    yield "truncated", pos, len(data)


def _png_end(data):
    """The offset just past IEND, or None when the chunks do not parse."""
    for kind, _start, end in _png_chunks(data):
        if kind == "truncated":
            return None
        if kind == b"IEND":
            return end
    return None


def _png_metadata(data):
    found = []
    for kind, _start, end in _png_chunks(data):
        if kind == "truncated":
            found.append("unparsable PNG")
        elif kind not in PNG_CHUNKS_ALLOWED:
            found.append(kind.decode("latin-1"))
        elif kind == b"IEND" and data[end:]:
            found.append("data after IEND")
    return found


def _webp_metadata(data):
    found = []
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return ["unparsable WebP"]
    end = min(len(data), int.from_bytes(data[4:8], "little") + 8)
    if end < len(data):
        found.append("data after RIFF")
    pos = 12
    while pos + 8 <= end:
        kind = data[pos : pos + 4]
        length = int.from_bytes(data[pos + 4 : pos + 8], "little")
        if kind not in WEBP_CHUNKS_ALLOWED:
            found.append(kind.decode("latin-1"))
        pos += 8 + length + (length & 1)
    if pos != end and pos != end + 1:
        found.append("unparsable WebP")
    return found


def store(files_dir, processed, *, now=None):
    """Write the public and original bytes under the data directory with new names; return where."""
    files_dir = Path(files_dir)
    now = now or datetime.now(UTC)
    month = Path(f"{now:%Y}", f"{now:%m}")
    # The name is the server's, never the client's: it cannot collide, traverse or be guessed.
    token = secrets.token_hex(16)
    public_path = Path(PUBLIC_DIR) / month / f"{token}{processed.extension}"
    original_path = Path(ORIGINALS_DIR) / month / f"{token}.orig"
    write_atomic(files_dir / public_path, processed.public_bytes)
    try:
        write_atomic(files_dir / original_path, processed.original_bytes)
    except BaseException:
        unlink(files_dir / public_path)
        raise
    return StoredEvidence(
        public_path=public_path.as_posix(),
        original_path=original_path.as_posix(),
        token=token,
        kind=processed.kind,
        content_type=processed.content_type,
        size=processed.size,
        original_size=len(processed.original_bytes),
        sha256_original=processed.sha256_original,
        original_name=processed.original_name,
        width=processed.width,
        height=processed.height,
    )


def write_atomic(path, data):
    """Write `data` to `path` (mode 0600) through a synced temporary file, so no reader sees half a file."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # mkstemp creates the file with mode 0o600; a reader never sees a half-written file, and the
    # fsyncs make a report that was confirmed to the resident survive a power cut.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fileobj:
            fileobj.write(data)
            fileobj.flush()
            os.fsync(fileobj.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        unlink(Path(temporary))
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a directory; the file itself is synced
    finally:
        os.close(fd)


def unlink(path):
    """Remove a stored file; one already gone is not an error."""
    path.unlink(missing_ok=True)


def _resolve(files_dir, relative_path):
    """The absolute path of a stored evidence file, refusing anything outside the evidence folders."""
    root = Path(files_dir).resolve()
    relative = str(relative_path or "")
    candidate = Path(relative)
    if not relative or "\x00" in relative or candidate.is_absolute():
        raise NotFound(_("This evidence file does not exist."))
    # resolve() also follows symbolic links, so a link pointing out of the folders is refused too.
    path = (root / candidate).resolve()
    allowed = (root / PUBLIC_DIR, root / ORIGINALS_DIR)
    if not any(path.is_relative_to(folder) and path != folder for folder in allowed):
        raise NotFound(_("This evidence file does not exist."))
    return path


def open_stored(files_dir, relative_path):
    """The Path of a stored evidence file; NotFound if it is missing or lies outside the evidence folders."""
    path = _resolve(files_dir, relative_path)
    if not path.is_file():
        raise NotFound(_("This evidence file does not exist."))
    return path


def remove(files_dir, stored):
    """Delete both files of a StoredEvidence (after a failed transaction); missing files are fine."""
    for relative in (stored.public_path, stored.original_path):
        unlink(_resolve(files_dir, relative))
