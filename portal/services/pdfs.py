"""PDF uploads made safe to publish: parsed with pikepdf (qpdf), active content and metadata removed.

A PDF is a graph of objects, and since PDF 1.5 most of them may sit inside compressed object
streams where no byte scan can see them: a document whose /OpenAction runs JavaScript looks, byte
for byte, like any other. So every PDF is opened with a real parser, every object is walked, and a
new file is written from what is left:

- the document's /OpenAction goes, whatever it does; actions that run or fetch something (JavaScript,
  Launch, forms' SubmitForm/ImportData/ResetForm, GoToR/GoToE into other files, renditions, movies
  and sounds) are removed wherever they hang — /A of annotations, form fields and outline items,
  /Next chains — and so are all /AA trigger dictionaries and the /Names trees /JavaScript and
  /EmbeddedFiles;
- file-attachment, rich-media, screen, movie and sound annotations are taken off their pages, and
  embedded file streams (/EF) go with them; an /AcroForm loses XFA;
- document metadata (the /Info dictionary and every XMP /Metadata stream, also those of pages and
  images) and application data (/PieceInfo) are dropped, as EXIF is from photos, and the file
  identifier is replaced by a hash of the new content;
- the file is saved with fresh object streams, so old revisions kept by incremental updates and
  objects nothing refers to are not carried over.

The result is opened again and walked once more; anything active or identifying still found refuses
the file, as `evidence.assert_clean` does for images. Encrypted and password-protected PDFs cannot
be inspected and are refused.
"""

import io

from flask_babel import gettext as _

from portal.errors import ValidationFailed


class _Pikepdf:
    """Stands for the pikepdf module until the first PDF is cleaned, then imports it and gives way to it."""

    # pikepdf (qpdf, lxml) is imported with the first PDF, not with the app: a web worker serving pages
    # never needs it.
    def __getattr__(self, name):
        import pikepdf as module

        globals()["pikepdf"] = module
        return getattr(module, name)


pikepdf = _Pikepdf()

# Action types that run code, send data, or open another file or program.
ACTIVE_ACTIONS = frozenset(
    "/" + name
    for name in (
        "JavaScript",
        "Launch",
        "SubmitForm",
        "ImportData",
        "ResetForm",
        "GoToR",
        "GoToE",
        "Rendition",
        "RichMediaExecute",
        "Movie",
        "Sound",
    )
)
# Keys whose value is an action (or, for /Next, one or more actions).
ACTION_KEYS = ("/A", "/OpenAction", "/Next")
# Annotations that carry files or media players rather than marks on the page.
ACTIVE_ANNOTATIONS = frozenset(
    ("/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D")
)
# Keys removed from every dictionary: triggers, scripts, embedded files, XFA forms, metadata.
REMOVED_KEYS = (
    "/AA",
    "/JS",
    "/EF",
    "/XFA",
    "/Metadata",
    "/PieceInfo",
    "/RichMediaContent",
    "/Collection",
)
REMOVED_NAME_TREES = ("/JavaScript", "/EmbeddedFiles")


class PdfRejected(ValidationFailed):
    """A PDF that is refused; the message names the file and says why."""


def clean(name, data, field="file"):
    """The PDF's bytes rewritten without active content or metadata; PdfRejected (on `field`) if it cannot be."""

    def unreadable():
        return PdfRejected(
            _("%(name)s could not be read as a PDF file. It may be damaged.", name=name),
            field=field,
        )

    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError as exc:
        raise PdfRejected(
            _(
                "%(name)s is protected by a password. Please send it without the password.",
                name=name,
            ),
            field=field,
        ) from exc
    except Exception as exc:
        # qpdf raises PdfError for most damage, but hostile input can also raise other errors.
        raise unreadable() from exc
    try:
        with pdf:
            if pdf.is_encrypted:
                raise PdfRejected(
                    _("%(name)s is encrypted. Please send it without encryption.", name=name),
                    field=field,
                )
            pages = len(pdf.pages)
            _strip(pdf)
            output = io.BytesIO()
            pdf.save(
                output,
                object_stream_mode=pikepdf.ObjectStreamMode.generate,
                compress_streams=True,
                # Streams are copied as they are: decoding them could inflate a small file a
                # thousandfold, and their content is not what is being cleaned.
                stream_decode_level=pikepdf.StreamDecodeLevel.none,
                fix_metadata_version=False,
                # The new file identifier is a hash of the content: the same upload gives the same bytes.
                deterministic_id=True,
            )
    except PdfRejected:
        raise
    except Exception as exc:
        raise unreadable() from exc
    cleaned = output.getvalue()
    try:
        with pikepdf.open(io.BytesIO(cleaned)) as result:
            remains = leftovers(result)
            same = len(result.pages) == pages
    except Exception as exc:
        raise unreadable() from exc
    if remains or not same:
        raise PdfRejected(
            _(
                "%(name)s could not be cleaned of scripts, attached files or hidden information and was not accepted.",
                name=name,
            ),
            field=field,
        )
    return cleaned


def _strip(pdf):
    """Remove active content and metadata from an open document, in place."""
    trailer = pdf.trailer
    for key in ("/Info", "/ID"):
        if key in trailer:
            del trailer[key]
    root = pdf.Root
    # Even a harmless opening view (a page and zoom) goes: nothing should happen when the file opens.
    if "/OpenAction" in root:
        del root["/OpenAction"]
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        for key in REMOVED_NAME_TREES:
            if key in names:
                del names[key]
    for page in pdf.pages:
        annotations = page.obj.get("/Annots")
        if isinstance(annotations, pikepdf.Array):
            kept = [
                a
                for a in annotations
                if not (
                    isinstance(a, pikepdf.Dictionary)
                    and _name(a.get("/Subtype")) in ACTIVE_ANNOTATIONS
                )
            ]
            if len(kept) != len(annotations):
                page.obj.Annots = pikepdf.Array(kept)
    # Every object in the file, those inside object streams included, and the dictionaries nested in them.
    for obj in list(pdf.objects):
        _strip_object(obj)
    _strip_object(root)


def _dictionaries(obj, seen):
    """Every dictionary in `obj` (a stream's own included) and in the direct objects nested in it; indirect
    objects are left to be visited on their own, each once per `seen`."""
    if not _container(obj):
        return
    if obj.is_indirect:
        if obj.objgen in seen:
            return
        seen.add(obj.objgen)
    if isinstance(obj, pikepdf.Array):
        children = list(obj)
    else:
        dictionary = obj.stream_dict if isinstance(obj, pikepdf.Stream) else obj
        yield dictionary
        # Read after the caller has cleaned the dictionary: what it removed is not walked.
        children = [dictionary[key] for key in list(dictionary.keys())]
    for child in children:
        if _container(child) and not child.is_indirect:
            yield from _dictionaries(child, seen)


def _strip_object(obj):
    """Clean one object and the direct objects inside it (indirect ones are visited on their own)."""
    for dictionary in _dictionaries(obj, set()):
        for key in REMOVED_KEYS:
            if key in dictionary:
                del dictionary[key]
        for key in ACTION_KEYS:
            if key in dictionary:
                value = dictionary[key]
                if isinstance(value, pikepdf.Array):
                    kept = [v for v in value if not _active(v)]
                    if len(kept) != len(value):
                        dictionary[key] = pikepdf.Array(kept)
                elif _active(value):
                    del dictionary[key]
        if _name(dictionary.get("/Type")) == "/Filespec" and "/RF" in dictionary:
            del dictionary["/RF"]


def _container(value):
    """True for the objects that can hold others: dictionaries, arrays and streams."""
    return isinstance(value, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream))


def _name(value):
    """A PDF name as a str ("/JavaScript"), or "" for anything else."""
    return str(value) if isinstance(value, pikepdf.Name) else ""


def _active(action):
    """True for an action dictionary of a type that runs, sends or opens something."""
    return isinstance(action, pikepdf.Dictionary) and (
        _name(action.get("/S")) in ACTIVE_ACTIONS or "/JS" in action
    )


def leftovers(pdf):
    """What active or identifying content an open PDF still holds, as short descriptions (empty: none)."""
    found = []
    if "/Info" in pdf.trailer:
        found.append("Info")
    if "/OpenAction" in pdf.Root:
        found.append("OpenAction")
    names = pdf.Root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        found.extend(key[1:] for key in REMOVED_NAME_TREES if key in names)
    for obj in pdf.objects:
        _find(obj, found)
    return found


def _find(obj, found):
    """Add to `found` what active or identifying content `obj` and the direct objects inside it hold."""
    for dictionary in _dictionaries(obj, set()):
        found.extend(key[1:] for key in REMOVED_KEYS if key in dictionary)
        for key, kinds in (
            ("/S", ACTIVE_ACTIONS),
            ("/Subtype", ACTIVE_ANNOTATIONS),
            ("/Type", {"/EmbeddedFile"}),
        ):
            if _name(dictionary.get(key)) in kinds:
                found.append(_name(dictionary.get(key))[1:])
