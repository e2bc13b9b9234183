"""Evidence files: type by content, metadata stripped from images, refusals, private storage."""

import functools
import hashlib
import io
import os
import stat
import struct
import warnings
import zlib
from datetime import UTC, datetime

import pikepdf
import pytest
from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo

from portal.errors import NotFound, ValidationFailed
from portal.services import evidence
from portal.services.evidence import EvidenceRejected, MetadataRemains


@pytest.fixture
def app_context(english_context):
    """This module reads the services' messages in English, the language they are written in."""
    return english_context


PHONE = b"13800138000"
NAME = "张三".encode()
XMP_NS = b"http://ns.adobe.com/xap"
PLANTED = (
    PHONE,
    NAME,
    b"Exif",
    XMP_NS,
    b"secret reporter",
    b"Xiaomi",
    b"ICC Profile",
    b"sRGB IEC",
    b"lcms",
)
XMP_PACKET = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/">'
    "<dc:creator>张三 13800138000</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>"
).encode()


def picture(size=(64, 48), mode="RGB"):
    """A picture with real detail, so that the encoders have something to compress."""
    image = Image.linear_gradient("L").resize(size)
    if mode == "L":
        return image
    other = image.transpose(Image.Transpose.ROTATE_90).resize(size)
    image = Image.merge("RGB", (image, other, Image.new("L", size, 90)))
    return image.convert(mode) if mode != "RGB" else image


def srgb_profile():
    """Bytes of an ICC profile, to plant in test files."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def phone_exif(orientation=1):
    """EXIF like a phone's: maker, owner, orientation and a GPS position in 石河子."""
    exif = Image.Exif()
    exif[0x010F] = "Xiaomi"  # Make
    exif[0x013B] = "13800138000"  # Artist
    exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (44.0, 18.0, 27.5)
    gps[3] = "E"
    gps[4] = (86.0, 2.0, 31.2)
    return exif


def jpeg_bytes(size=(64, 48), orientation=1, mode="RGB", **extra):
    """A JPEG with EXIF (GPS, maker), a comment, XMP and an ICC profile planted in it."""
    buffer = io.BytesIO()
    picture(size, mode).save(
        buffer,
        "JPEG",
        exif=phone_exif(orientation),
        comment=b"secret reporter phone 13800138000",
        xmp=XMP_PACKET,
        icc_profile=srgb_profile(),
        **extra,
    )
    return buffer.getvalue()


def png_bytes(size=(64, 48), mode="RGBA"):
    """A PNG with tEXt, iTXt (non-Latin text and XMP), zTXt, eXIf and iCCP chunks planted in it."""
    info = PngInfo()
    info.add_text("Author", "张三 13800138000")
    info.add_text("Software", "Xiaomi Camera")
    info.add_text("Comment", "secret reporter phone 13800138000", zip=True)
    info.add_itxt("XML:com.adobe.xmp", XMP_PACKET.decode())
    buffer = io.BytesIO()
    picture(size, mode).save(
        buffer, "PNG", pnginfo=info, exif=phone_exif(), icc_profile=srgb_profile()
    )
    return buffer.getvalue()


def webp_bytes(size=(64, 48)):
    """A WebP with EXIF, XMP and ICC chunks planted in it."""
    buffer = io.BytesIO()
    picture(size).save(
        buffer, "WEBP", exif=phone_exif(), xmp=XMP_PACKET, icc_profile=srgb_profile()
    )
    return buffer.getvalue()


def png_chunk(kind, data):
    """One PNG chunk with its CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def blank_bilevel_png(width, height):
    """A real, valid 1-bit PNG of any size, built row by row so that huge ones stay cheap to make."""
    return blank_png(width, height, depth=1, colour=0)


@functools.lru_cache(maxsize=4)
def blank_png(width, height, depth=8, colour=6):
    """A real, valid, transparent PNG (RGBA unless told) of any size: tiny on disk, huge once decoded."""
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    row = 1 + (width * channels * depth + 7) // 8  # a filter byte, then the samples: all zero
    # Compressing hundreds of megabytes of zeros takes seconds; a row compressed once and ended with a
    # full flush is a self-contained deflate block that can be repeated, so the stream is assembled.
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(b"\x00" * row) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    adler = ((row * height) % 65521) << 16 | 1  # Adler-32 of zeros: a stays 1, b counts the bytes
    idat = b"\x78\xda" + block * height + end + struct.pack(">I", adler)
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return (
        evidence.PNG_SIGNATURE
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def minimal_pdf(body=b"BT /F1 12 Tf 72 720 Td (Evidence) Tj ET"):
    """A small, well-formed PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def assert_no_planted(data):
    """None of the planted identifying strings is in `data`."""
    for planted in PLANTED:
        assert planted not in data, planted


def refused(filename, data):
    """The EvidenceRejected that process() raises for this file."""
    with pytest.raises(EvidenceRejected) as caught:
        evidence.process(filename, data)
    assert caught.value.field == "evidence"
    assert isinstance(caught.value, ValidationFailed)
    return caught.value.message


# Detection


@pytest.mark.parametrize(
    "data, kind",
    [
        (b"\xff\xd8\xff\xe0rest", "jpeg"),
        (b"\x89PNG\r\n\x1a\nrest", "png"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "webp"),
        (b"%PDF-1.7\n...\n%%EOF\n", "pdf"),
        (b"%PDF-1.7\n... no end", None),
        (b"GIF89a....", None),
        (b"<!DOCTYPE html><html>", None),
        (b"MZ\x90\x00", None),
        (b"RIFF\x10\x00\x00\x00WAVEfmt ", None),
        (b"\x89PNG\r\n", None),
        (b"", None),
    ],
)
def test_detect_reads_magic_bytes(data, kind):
    assert evidence.detect(data) == kind


# Images: metadata stripped


def test_jpeg_loses_exif_gps_xmp_comment_and_icc(app_context):
    original = jpeg_bytes()
    for planted in (PHONE, b"Exif", XMP_NS, b"secret reporter", b"Xiaomi"):
        assert planted in original, planted  # the test file really carries them
    result = evidence.process("IMG_20240501.jpg", original)
    assert (result.kind, result.content_type, result.extension) == ("jpeg", "image/jpeg", ".jpg")
    assert_no_planted(result.public_bytes)
    evidence.assert_clean("jpeg", result.public_bytes)
    with Image.open(io.BytesIO(result.public_bytes)) as image:
        assert image.format == "JPEG"
        assert image.size == (64, 48) == (result.width, result.height)
        assert not image.getexif()
        assert not {"exif", "xmp", "comment", "icc_profile"} & set(image.info)
    assert result.size == len(result.public_bytes)
    assert result.original_bytes == original
    assert result.sha256_original == hashlib.sha256(original).hexdigest()
    assert result.original_name == "IMG_20240501.jpg"


def test_png_loses_text_chunks_exif_and_icc(app_context):
    original = png_bytes()
    assert NAME in original and b"tEXt" in original and b"iCCP" in original and b"eXIf" in original
    result = evidence.process("截图.png", original)
    assert (
        result.kind == "png" and result.content_type == "image/png" and result.extension == ".png"
    )
    assert_no_planted(result.public_bytes)
    for chunk in (b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"iCCP", b"tIME"):
        assert chunk not in result.public_bytes, chunk
    with Image.open(io.BytesIO(result.public_bytes)) as image:
        assert image.size == (64, 48)
        assert image.mode == "RGBA"
        assert not image.text
    assert result.sha256_original == hashlib.sha256(original).hexdigest()


def test_webp_loses_exif_xmp_and_icc(app_context):
    original = webp_bytes()
    assert b"EXIF" in original and b"XMP " in original and PHONE in original
    result = evidence.process("photo.webp", original)
    assert (
        result.kind == "webp"
        and result.content_type == "image/webp"
        and result.extension == ".webp"
    )
    assert_no_planted(result.public_bytes)
    for chunk in (b"EXIF", b"XMP ", b"ICCP"):
        assert chunk not in result.public_bytes, chunk
    with Image.open(io.BytesIO(result.public_bytes)) as image:
        assert image.format == "WEBP"
        assert image.size == (64, 48)
    assert result.sha256_original == hashlib.sha256(original).hexdigest()


def test_exif_orientation_is_applied_before_stripping(app_context):
    # Left half red, right half blue; orientation 6 means "turn 90° clockwise to view".
    image = Image.new("RGB", (40, 20), (255, 0, 0))
    image.paste((0, 0, 255), (20, 0, 40, 20))
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=95)
    result = evidence.process("portrait.jpg", buffer.getvalue())
    assert (result.width, result.height) == (20, 40)
    with Image.open(io.BytesIO(result.public_bytes)) as output:
        assert output.size == (20, 40)
        assert not output.getexif()
        top, bottom = (
            output.convert("RGB").getpixel((10, 5)),
            output.convert("RGB").getpixel((10, 35)),
        )
    assert top[0] > 200 and top[2] < 60  # red went to the top
    assert bottom[2] > 200 and bottom[0] < 60


def test_cmyk_jpeg_becomes_rgb(app_context):
    result = evidence.process("scan.jpg", jpeg_bytes(mode="CMYK"))
    with Image.open(io.BytesIO(result.public_bytes)) as image:
        assert image.mode == "RGB" and image.size == (64, 48)
    assert_no_planted(result.public_bytes)


def test_palette_png_with_transparency_keeps_its_alpha(app_context):
    image = Image.new("P", (16, 16), 0)
    image.putpalette([255, 0, 0, 0, 255, 0])
    image.paste(1, (8, 0, 16, 16))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", transparency=0)
    result = evidence.process("map.png", buffer.getvalue())
    with Image.open(io.BytesIO(result.public_bytes)) as output:
        assert output.mode == "RGBA"
        assert output.getpixel((0, 0))[3] == 0
        assert output.getpixel((12, 0)) == (0, 255, 0, 255)


def test_grey_with_alpha_png_is_accepted(app_context):
    buffer = io.BytesIO()
    Image.merge("LA", (picture(mode="L"), Image.new("L", (64, 48), 128))).save(buffer, "PNG")
    result = evidence.process("grey.png", buffer.getvalue())
    with Image.open(io.BytesIO(result.public_bytes)) as output:
        assert output.size == (64, 48)
        assert "A" in output.mode


def test_type_comes_from_content_not_name(app_context):
    result = evidence.process("photo.png", jpeg_bytes())
    assert (result.kind, result.extension, result.content_type) == ("jpeg", ".jpg", "image/jpeg")
    assert result.original_name == "photo.png"  # shown as the resident named it, stored as .jpg


def test_a_jpeg_followed_by_a_second_image_is_accepted(app_context):
    # Phones write multi-picture JPEGs (MPO) and motion photos: data after the first image's end.
    result = evidence.process("mpo.jpg", jpeg_bytes() + jpeg_bytes(size=(16, 12)))
    assert result.kind == "jpeg" and (result.width, result.height) == (64, 48)
    assert_no_planted(result.public_bytes)


def test_global_pillow_state_is_left_alone(app_context):
    limit = Image.MAX_IMAGE_PIXELS
    filters = list(warnings.filters)
    evidence.process("a.jpg", jpeg_bytes())
    with pytest.raises(EvidenceRejected):
        evidence.process("bomb.png", blank_bilevel_png(10_000, 10_000))
    assert limit == Image.MAX_IMAGE_PIXELS
    assert warnings.filters == filters


# Refusals


def test_too_large_is_refused_before_anything_else(app_context):
    message = refused("huge.jpg", b"\xff\xd8\xff" + b"\x00" * evidence.MAX_BYTES)
    assert "huge.jpg" in message and "10 MB" in message


def test_exactly_the_limit_is_not_refused_for_size(app_context):
    message = refused("edge.jpg", b"\xff\xd8\xff" + b"\x00" * (evidence.MAX_BYTES - 3))
    assert "10 MB" not in message


def test_empty_file_is_refused(app_context):
    assert "empty.jpg" in refused("empty.jpg", b"")


@pytest.mark.parametrize(
    "filename, data",
    [
        ("photo.jpg", b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"),
        (
            "photo.jpg",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"
            + b"\x00" * 64
            + b"This program cannot be run",
        ),
        ("photo.jpg", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x00;"),
        ("photo.png", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
        ("report.pdf", b"PK\x03\x04\x14\x00\x00\x00"),
    ],
)
def test_other_formats_are_refused_whatever_their_name(app_context, filename, data):
    message = refused(filename, data)
    assert filename in message and "JPEG, PNG, WebP or PDF" in message


def test_gif_is_refused_even_when_real(app_context):
    buffer = io.BytesIO()
    picture().save(buffer, "GIF")
    assert "JPEG, PNG, WebP or PDF" in refused("animation.gif", buffer.getvalue())


def test_png_signature_followed_by_junk_is_refused(app_context):
    message = refused("photo.png", evidence.PNG_SIGNATURE + os.urandom(2000))
    assert "photo.png" in message and "could not be read" in message


def test_jpeg_signature_followed_by_html_is_refused(app_context):
    assert "could not be read" in refused(
        "photo.jpg", b"\xff\xd8\xff\xe0<html><body>hello</body></html>"
    )


def test_truncated_jpeg_is_refused(app_context):
    data = jpeg_bytes(size=(256, 256))
    assert "could not be read" in refused("cut.jpg", data[: len(data) * 2 // 3])


def test_png_with_bad_crc_is_refused(app_context):
    data = bytearray(png_bytes())
    index = data.index(b"IDAT") + 20
    data[index] ^= 0xFF
    assert "could not be read" in refused("flipped.png", bytes(data))


def test_webp_header_around_garbage_is_refused(app_context):
    data = (
        b"RIFF"
        + struct.pack("<I", 4 + 8 + 100)
        + b"WEBPVP8 "
        + struct.pack("<I", 100)
        + os.urandom(100)
    )
    assert "could not be read" in refused("photo.webp", data)


@pytest.mark.parametrize(
    "tail",
    [
        b"<html><script>alert(1)</script></html>",
        b"<?php system($_GET['c']); ?>",
        minimal_pdf(),
    ],
)
def test_polyglot_jpeg_is_refused(app_context, tail):
    assert "hidden inside" in refused("photo.jpg", jpeg_bytes() + tail)


def zip_archive():
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", "<b>hi</b>")
    return buffer.getvalue()


@pytest.mark.parametrize("make", [jpeg_bytes, png_bytes, webp_bytes])
def test_image_with_a_zip_appended_is_refused(app_context, make):
    assert "hidden inside" in refused("photo", make() + zip_archive())


def test_png_with_anything_after_iend_is_refused(app_context):
    assert "hidden inside" in refused("photo.png", png_bytes() + b"anything at all")


def test_webp_with_data_beyond_its_riff_size_is_refused(app_context):
    assert "hidden inside" in refused("photo.webp", webp_bytes() + b"<html>")


@pytest.mark.parametrize(
    "width, height, colour",
    [
        (
            20_000,
            20_000,
            0,
        ),  # a header beyond Pillow's limit (16 times the megapixels): refused unread
        (
            10_000,
            10_000,
            0,
        ),  # 100 MB once decoded at one byte per pixel: over the 96 MB of 24 MP in colour
        (
            6_300,
            6_300,
            6,
        ),  # the 154 KB RGBA PNG that took a worker from 214 to 668 MB: 159 MB decoded
        (5_000, 5_000, 2),  # RGB: Pillow holds it in four bytes per pixel too, 100 MB
    ],
)
def test_decompression_bombs_are_refused(app_context, width, height, colour):
    data = blank_png(width, height, depth=1 if colour == 0 else 8, colour=colour)
    assert len(data) < evidence.MAX_BYTES
    message = refused("bomb.png", data)
    assert "bomb.png" in message and "24 megapixels" in message
    if (
        width * height <= Image.MAX_IMAGE_PIXELS
    ):  # else Pillow refuses the header before the portal sees it
        assert f"{width} × {height} pixels" in message


def test_the_limit_is_a_setting(app_context):
    data = blank_png(2_000, 2_000)  # 16 MB decoded
    assert "1 megapixels" in refused_with(1, "big.png", data)
    assert evidence.process("big.png", data, max_megapixels=4).width == 2_000


def test_largest_allowed_image_is_accepted(app_context):
    result = evidence.process("wide.png", blank_bilevel_png(8000, 5000))
    assert (result.width, result.height) == (8000, 5000)
    result = evidence.process(
        "clear.png", blank_png(1000, 1000), max_megapixels=1
    )  # exactly the budget
    assert (result.width, result.height) == (1000, 1000)


def test_a_jpeg_over_the_limit_is_decoded_at_a_reduced_scale(app_context):
    # 640 × 480 in colour is 1.2 MB decoded; with a 0.1 MP limit (400 kB) it is decoded at half scale.
    data = jpeg_bytes(size=(640, 480))
    result = evidence.process("big.jpg", data, max_megapixels=0.1)
    assert (result.width, result.height) == (320, 240)
    assert (
        result.original_bytes == data and result.sha256_original == hashlib.sha256(data).hexdigest()
    )
    assert_no_planted(result.public_bytes)
    with Image.open(io.BytesIO(result.public_bytes)) as public:
        assert public.size == (320, 240)


def test_a_jpeg_too_large_even_at_a_quarter_is_refused(app_context):
    assert "640 × 480 pixels" in refused_with(0.01, "huge.jpg", jpeg_bytes(size=(640, 480)))


def test_a_progressive_jpeg_over_the_limit_is_refused(app_context):
    # libjpeg keeps every coefficient of a progressive JPEG at full size, whatever the output scale.
    data = jpeg_bytes(size=(640, 480), progressive=True)
    assert "640 × 480 pixels" in refused_with(0.1, "progressive.jpg", data)
    assert evidence.process("progressive.jpg", data).width == 640


def refused_with(max_megapixels, filename, data):
    """The message of the EvidenceRejected that process() raises with this limit."""
    with pytest.raises(EvidenceRejected) as caught:
        evidence.process(filename, data, max_megapixels=max_megapixels)
    return caught.value.message


# PDF


def test_minimal_pdf_is_rewritten_and_its_original_kept(app_context):
    data = minimal_pdf()
    result = evidence.process("通知.pdf", data)
    assert (result.kind, result.content_type, result.extension) == (
        "pdf",
        "application/pdf",
        ".pdf",
    )
    assert result.original_bytes == data and result.public_bytes != data
    assert result.size == len(result.public_bytes)
    assert result.sha256_original == hashlib.sha256(data).hexdigest()
    assert result.width is None and result.height is None
    with pikepdf.open(io.BytesIO(result.public_bytes)) as public:
        assert len(public.pages) == 1


def test_pdf_without_eof_is_refused(app_context):
    data = minimal_pdf().replace(b"%%EOF", b"")
    assert evidence.detect(data) is None
    message = refused("cut.pdf", data)
    assert "cut.pdf" in message and "not a complete PDF" in message


def test_pdf_without_startxref_is_refused(app_context):
    assert "not a complete PDF" in refused("fake.pdf", b"%PDF-1.4\nhello\n%%EOF\n")


def test_pdf_that_is_also_html_is_refused(app_context):
    assert "hidden inside" in refused(
        "page.pdf", minimal_pdf(b"<html><script>alert(1)</script></html>")
    )


# assert_clean: a byte scan of the output


def jpeg_with_segment(marker, payload):
    """A clean re-encoded JPEG with one extra segment inserted after SOI."""
    buffer = io.BytesIO()
    picture().save(buffer, "JPEG")
    data = buffer.getvalue()
    segment = bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload
    return data[:2] + segment + data[2:]


@pytest.mark.parametrize(
    "marker, payload, expected",
    [
        (0xFE, b"secret reporter phone 13800138000", "COM"),
        (0xE1, b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x00", "APP1"),
        (0xE1, b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta/>", "APP1"),
        (0xED, b"Photoshop 3.0\x008BIM", "APP13"),
        (0xE2, b"ICC_PROFILE\x00\x01\x01", "APP2"),
        (0xE0, b"JFXX\x00\x10", "APP0 other than JFIF"),
    ],
)
def test_assert_clean_refuses_jpeg_metadata_segments(app_context, marker, payload, expected):
    with pytest.raises(MetadataRemains) as caught:
        evidence.assert_clean("jpeg", jpeg_with_segment(marker, payload))
    assert expected in caught.value.found
    assert caught.value.field == "evidence"


def test_assert_clean_refuses_bytes_after_jpeg_end(app_context):
    buffer = io.BytesIO()
    picture().save(buffer, "JPEG")
    with pytest.raises(MetadataRemains):
        evidence.assert_clean("jpeg", buffer.getvalue() + b"trailer")


def test_pillow_resave_alone_would_keep_the_comment_but_assert_clean_catches_it(app_context):
    # Why the byte scan exists: Pillow copies the COM segment from the opened image on save.
    with Image.open(io.BytesIO(jpeg_bytes())) as image:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG")
    if b"secret reporter" in buffer.getvalue():
        with pytest.raises(MetadataRemains) as caught:
            evidence.assert_clean("jpeg", buffer.getvalue())
        assert "COM" in caught.value.found


@pytest.mark.parametrize("chunk", [b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"iCCP", b"tIME", b"prVt"])
def test_assert_clean_refuses_png_metadata_chunks(app_context, chunk):
    buffer = io.BytesIO()
    picture().save(buffer, "PNG")
    data = buffer.getvalue()
    after_ihdr = 8 + 12 + 13
    data = data[:after_ihdr] + png_chunk(chunk, b"Author\x00" + PHONE) + data[after_ihdr:]
    with pytest.raises(MetadataRemains) as caught:
        evidence.assert_clean("png", data)
    assert chunk.decode() in caught.value.found


@pytest.mark.parametrize("chunk", [b"EXIF", b"XMP ", b"ICCP"])
def test_assert_clean_refuses_webp_metadata_chunks(app_context, chunk):
    buffer = io.BytesIO()
    picture().save(buffer, "WEBP")
    data = buffer.getvalue()
    extra = chunk + struct.pack("<I", len(PHONE) + 1) + PHONE + b"\x00\x00"  # odd length, padded
    body = data[12:] + extra
    data = b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body
    with pytest.raises(MetadataRemains) as caught:
        evidence.assert_clean("webp", data)
    assert chunk.decode("latin-1") in caught.value.found


@pytest.mark.parametrize(
    "make, kind", [(jpeg_bytes, "jpeg"), (png_bytes, "png"), (webp_bytes, "webp")]
)
def test_assert_clean_passes_processed_output(app_context, make, kind):
    evidence.assert_clean(kind, evidence.process("x", make()).public_bytes)


def test_assert_clean_rejects_unknown_kind():
    with pytest.raises(ValueError):
        evidence.assert_clean("pdf", minimal_pdf())


def test_assert_clean_refuses_unparsable_output(app_context):
    with pytest.raises(MetadataRemains):
        evidence.assert_clean("jpeg", b"\xff\xd8\xff\xe0\x00")
    with pytest.raises(MetadataRemains):
        evidence.assert_clean("png", evidence.PNG_SIGNATURE + b"\x00\x00")


def test_failed_reencoding_rejects_and_never_falls_back_to_raw_bytes(app_context, monkeypatch):
    def broken_save(self, *args, **kwargs):
        raise OSError("encoder broke")

    data = jpeg_bytes()
    monkeypatch.setattr(Image.Image, "save", broken_save)
    message = refused("photo.jpg", data)
    assert "photo.jpg" in message and "could not be cleaned" in message


def test_metadata_left_by_the_encoder_rejects_the_file(app_context, monkeypatch):
    real_save = Image.Image.save

    def leaky_save(self, fp, format=None, **params):
        params["comment"] = b"secret reporter phone 13800138000"
        return real_save(self, fp, format, **params)

    data = jpeg_bytes()
    monkeypatch.setattr(Image.Image, "save", leaky_save)
    message = refused("photo.jpg", data)
    assert "could not be cleaned" in message


# Several files, names


def test_process_all_limits_the_number_of_files(app_context):
    files = [(f"p{n}.jpg", jpeg_bytes()) for n in range(evidence.MAX_FILES + 1)]
    with pytest.raises(EvidenceRejected) as caught:
        evidence.process_all(files)
    assert str(evidence.MAX_FILES) in caught.value.message
    assert len(evidence.process_all(files[: evidence.MAX_FILES])) == evidence.MAX_FILES


def test_process_all_refuses_the_lot_when_one_file_is_bad(app_context):
    with pytest.raises(EvidenceRejected) as caught:
        evidence.process_all([("good.jpg", jpeg_bytes()), ("bad.jpg", b"<html>")])
    assert "bad.jpg" in caught.value.message


@pytest.mark.parametrize(
    "given, shown",
    [
        ("C:\\Users\\李四\\Desktop\\排污口.jpg", "排污口.jpg"),
        ("../../etc/passwd", "passwd"),
        ("/var/tmp/photo.jpg", "photo.jpg"),
        ("evil\u202egpj.exe", "evilgpj.exe"),
        ("line\nbreak\x00.jpg", "linebreak.jpg"),
        ("   ", "evidence"),
        ("..", "evidence"),
        (None, "evidence"),
        ("污" * 300 + ".jpeg", "污" * 95 + ".jpeg"),
        ("x" * 300, "x" * 100),
    ],
)
def test_clean_name(given, shown):
    assert evidence.clean_name(given) == shown
    assert len(evidence.clean_name(given)) <= evidence.MAX_NAME_LENGTH


def test_refusal_names_the_file_by_its_clean_name(app_context):
    message = refused("C:\\fakepath\\bad\u202e.jpg", b"<html>")
    assert "bad.jpg" in message and "fakepath" not in message and "\u202e" not in message


# Storage


def test_store_writes_both_files_privately(app_context, tmp_path):
    processed = evidence.process("photo.jpg", jpeg_bytes())
    when = datetime(2024, 5, 1, 8, 30, tzinfo=UTC)
    stored = evidence.store(tmp_path, processed, now=when)
    assert stored.public_path == f"evidence/2024/05/{stored.token}.jpg"
    assert stored.original_path == f"evidence-originals/2024/05/{stored.token}.orig"
    assert len(stored.token) == 32 and int(stored.token, 16) >= 0
    public, original = tmp_path / stored.public_path, tmp_path / stored.original_path
    assert public.read_bytes() == processed.public_bytes
    assert original.read_bytes() == processed.original_bytes
    for path in (public, original):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stored.sha256_original == hashlib.sha256(original.read_bytes()).hexdigest()
    assert (stored.kind, stored.content_type, stored.size, stored.original_name) == (
        "jpeg",
        "image/jpeg",
        processed.size,
        "photo.jpg",
    )
    assert stored.original_size == len(processed.original_bytes)
    leftovers = [p.name for p in tmp_path.rglob("*") if p.is_file() and p.name.startswith(".tmp-")]
    assert leftovers == []
    assert "photo.jpg" not in {p.name for p in tmp_path.rglob("*")}


def test_store_uses_a_new_name_each_time(app_context, tmp_path):
    processed = evidence.process("photo.jpg", jpeg_bytes())
    first, second = evidence.store(tmp_path, processed), evidence.store(tmp_path, processed)
    assert first.token != second.token
    now = datetime.now(UTC)
    assert first.public_path.startswith(f"evidence/{now:%Y}/{now:%m}/")


def test_store_leaves_nothing_when_the_second_write_fails(app_context, tmp_path, monkeypatch):
    processed = evidence.process("photo.jpg", jpeg_bytes())
    real_replace = os.replace

    def failing_replace(source, target):
        if str(target).endswith(".orig"):
            raise OSError("disk full")
        return real_replace(source, target)

    monkeypatch.setattr(evidence.os, "replace", failing_replace)
    data_dir = tmp_path / "store"
    with pytest.raises(OSError):
        evidence.store(data_dir, processed)
    assert [p for p in data_dir.rglob("*") if p.is_file()] == []


def test_open_stored_finds_stored_files(app_context, tmp_path):
    stored = evidence.store(tmp_path, evidence.process("a.pdf", minimal_pdf()))
    assert (
        evidence.open_stored(tmp_path, stored.public_path)
        == (tmp_path / stored.public_path).resolve()
    )
    assert evidence.open_stored(str(tmp_path), stored.original_path).read_bytes() == minimal_pdf()


@pytest.mark.parametrize(
    "path",
    [
        "../../etc/passwd",
        "evidence/../../../etc/passwd",
        "evidence/2024/../../portal.db",
        "/etc/passwd",
        "portal.db",
        "evidence",
        "evidence/2024/05/missing.jpg",
        "evidence/\x00.jpg",
        "",
    ],
)
def test_open_stored_refuses_paths_outside_the_evidence_folders(app_context, tmp_path, path):
    (tmp_path / "portal.db").write_bytes(b"database")
    (tmp_path / "evidence").mkdir()
    with pytest.raises(NotFound):
        evidence.open_stored(tmp_path, path)


def test_open_stored_refuses_a_symlink_that_leads_out(app_context, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    folder = tmp_path / "data" / "evidence" / "2024" / "05"
    folder.mkdir(parents=True)
    (folder / "link.jpg").symlink_to(secret)
    with pytest.raises(NotFound):
        evidence.open_stored(tmp_path / "data", "evidence/2024/05/link.jpg")


def test_remove_deletes_both_files(app_context, tmp_path):
    stored = evidence.store(tmp_path, evidence.process("photo.jpg", jpeg_bytes()))
    evidence.remove(tmp_path, stored)
    assert not (tmp_path / stored.public_path).exists()
    assert not (tmp_path / stored.original_path).exists()
    evidence.remove(tmp_path, stored)  # already gone: no error


def test_pillow_bomb_warning_is_an_error_even_without_the_module_limit(app_context, monkeypatch):
    # 100 MP is over this MAX_IMAGE_PIXELS but under twice it, so Pillow only warns.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 60_000_000)
    assert "megapixels" in refused_with(10**6, "bomb.png", blank_bilevel_png(10_000, 10_000))


def test_the_app_sets_pillows_limit_from_the_setting(app_context):
    from portal import create_app
    from tests.conftest import settings

    before = Image.MAX_IMAGE_PIXELS
    try:
        create_app(
            settings(
                app_context.config["DATA_DIR"],
                app_context.config["DATABASE_URL"],
                EVIDENCE_MAX_MEGAPIXELS=5,
            )
        )
        assert Image.MAX_IMAGE_PIXELS == 5 * 1_000_000 * 16
    finally:
        Image.MAX_IMAGE_PIXELS = before
