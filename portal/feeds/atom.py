"""Atom 1.0 (RFC 4287) documents for every feed: entries in, valid XML out.

Text is always written as XML text (escaped by the serialiser): a summary as type="text", and HTML
only when it has already been rendered and sanitised, as escaped type="html", never as raw markup.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

# Builds feeds only; the portal parses no XML.
from xml.etree import ElementTree as ET  # nosec B405

from flask import Response, current_app
from flask_babel import gettext as _

from portal import open_data

ATOM = "http://www.w3.org/2005/Atom"
GEORSS = "http://www.georss.org/georss"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
# A feed needs an <updated> even before its first entry: a fixed moment keeps it stable.
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
# Characters XML 1.0 cannot carry at all; pasted text sometimes has them, and one would break the feed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

ET.register_namespace("", ATOM)
ET.register_namespace("georss", GEORSS)


@dataclass(frozen=True)
class Entry:
    """One entry: `id` a stable URL or tag: URI, `summary` plain text, `content_html` sanitised HTML or '', `point`
    a public (latitude, longitude) or None."""

    id: str
    title: str
    url: str
    updated: datetime
    published: datetime | None = None
    author: str = ""
    summary: str = ""
    content_html: str = ""
    categories: tuple = ()
    point: tuple | None = None  # (latitude, longitude) WGS-84, as GeoRSS-Simple <georss:point>


def stamp(moment):
    """An aware datetime as an RFC 3339 UTC timestamp (2026-09-21T08:00:00Z)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def xml_text(value):
    """`value` as text XML can carry: characters that XML 1.0 forbids are dropped."""
    return _NOT_XML.sub("", str(value))


def _add(parent, tag, text=None, **attributes):
    element = ET.SubElement(
        parent, f"{{{ATOM}}}{tag}", {k: xml_text(v) for k, v in attributes.items()}
    )
    if text is not None:
        element.text = xml_text(text)
    return element


def _add_licence(feed):
    """The open-data licence as the feed's <rights>, when configured (the HTTP answer also links it)."""
    name, url = open_data.licence(current_app.config)
    if name and url:
        _add(
            feed,
            "rights",
            _("Open data under the licence %(licence)s: %(url)s", licence=name, url=url),
            type="text",
        )
    elif name or url:
        _add(
            feed,
            "rights",
            _("Open data under the licence %(licence)s", licence=name or url),
            type="text",
        )


def document(feed_id, title, self_url, alternate_url, entries, subtitle=""):
    """The Atom document (bytes) with `entries` in the order given; the feed's updated is their latest."""
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "zh-CN"})
    _add(feed, "id", feed_id)
    _add(feed, "title", title, type="text")
    if subtitle:
        _add(feed, "subtitle", subtitle, type="text")
    _add(feed, "updated", stamp(max((e.updated for e in entries), default=EPOCH)))
    _add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _add(feed, "link", rel="alternate", type="text/html", href=alternate_url)
    _add_licence(feed)
    # An entry without its own author takes the feed's: the portal speaks for the units.
    _add(_add(feed, "author"), "name", _("Bingtuan Ecological Civilisation Participation Portal"))
    for item in entries:
        entry = _add(feed, "entry")
        _add(entry, "id", item.id)
        _add(entry, "title", item.title, type="text")
        _add(entry, "updated", stamp(item.updated))
        if item.published is not None:
            _add(entry, "published", stamp(item.published))
        _add(entry, "link", rel="alternate", type="text/html", href=item.url)
        if item.author:
            _add(_add(entry, "author"), "name", item.author)
        for term, label in item.categories:
            _add(entry, "category", term=term, **({"label": label} if label else {}))
        _add(entry, "summary", item.summary or item.title, type="text")
        if item.content_html:
            _add(entry, "content", item.content_html, type="html")
        if item.point is not None:
            ET.SubElement(entry, f"{{{GEORSS}}}point").text = f"{item.point[0]} {item.point[1]}"
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def response(body):
    """An HTTP response carrying an Atom document."""
    return Response(body, content_type=CONTENT_TYPE)


def text_error(message, status=400):
    """A plain-text error for feed readers, which show text better than a page."""
    return Response(
        xml_text(message) + "\n", status=status, content_type="text/plain; charset=utf-8"
    )
