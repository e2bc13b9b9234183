"""/feeds/consultations.atom: the published consultations as an Atom 1.0 feed, newest first."""
from datetime import datetime, timezone
from xml.etree import ElementTree as ET

from flask import Response, request, url_for
from flask_babel import gettext as _

from portal.feeds import bp
from portal.models import ConsultationState
from portal.services import consultations

ATOM = "http://www.w3.org/2005/Atom"
FEED_LENGTH = consultations.MAX_PER_PAGE
# Before the first consultation the feed still needs an <updated>: a fixed moment keeps it stable.
EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)

ET.register_namespace("", ATOM)


def _stamp(moment):
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _add(parent, tag, text=None, **attributes):
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    if text is not None:
        element.text = text
    return element


def _entry_updated(consultation):
    return max(consultation.published_at, consultation.updated_at or consultation.published_at)


def build_feed(items, root, self_url):
    """The Atom document (bytes) for `items`, links made absolute from `root` (the site's URL, no slash)."""
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "zh-CN"})
    _add(feed, "id", f"{root}/feeds/consultations.atom")
    _add(feed, "title", _("Consultations"))
    updated = max((_entry_updated(c) for c in items), default=EPOCH)
    _add(feed, "updated", _stamp(updated))
    _add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _add(feed, "link", rel="alternate", type="text/html", href=f"{root}/")
    for consultation in items:
        page = url_for("public.consultations_show", consultation_id=consultation.id, _external=True)
        entry = _add(feed, "entry")
        _add(entry, "id", page)
        _add(entry, "title", consultation.title)
        _add(entry, "updated", _stamp(_entry_updated(consultation)))
        _add(entry, "published", _stamp(consultation.published_at))
        _add(entry, "link", rel="alternate", type="text/html", href=page)
        author = _add(entry, "author")
        _add(author, "name", consultation.unit.name)
        summary = consultation.summary or consultation.title
        if consultation.state is ConsultationState.WITHDRAWN:
            summary = f"{summary}\n\n{consultation.withdrawn_reason}"
        _add(entry, "summary", summary, type="text")
        _add(entry, "category", term=consultation.kind.value)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


@bp.get("/consultations.atom")
def consultations_atom():
    """The latest published consultations (drafts never), newest first."""
    items, _total, _page, _per_page = consultations.list_public({}, 1, FEED_LENGTH)
    root = request.url_root.rstrip("/")
    body = build_feed(items, root, f"{root}/feeds/consultations.atom")
    return Response(body, content_type="application/atom+xml; charset=utf-8")
