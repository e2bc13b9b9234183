"""Open311 GeoReport v2 documents: their shapes as plain data, rendered as JSON or XML.

Only what the publication rules allow leaves here: a request carries the staff-published
summary (never the resident's own description), the area and the public point its unit confirmed (never
the resident's place text or reported coordinates), and no identity field at all.
"""

import re

# Builds XML answers only; the portal parses no XML.
import xml.etree.ElementTree as ET  # nosec B405
from zoneinfo import ZoneInfo

from flask import current_app, jsonify, make_response
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.models import EventKind
from portal.services import access

FORMATS = {"xml": "text/xml", "json": "application/json"}  # XML is the spec's default
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# The date this implementation of the endpoint last changed (discovery's changeset).
CHANGESET = "2026-11-26T00:00:00+08:00"
KEY_COMMAND = "flask --app wsgi portal create-api-key NAME"
# XML: each list's element name, and the name of the elements it holds.
ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}
# Characters XML 1.0 cannot carry at all, even escaped.
NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def timestamp(moment):
    """ISO 8601 in the portal's time zone with its offset, e.g. 2026-11-26T18:30:00+08:00 ('' for None)."""
    if moment is None:
        return ""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return moment.astimezone(zone).isoformat(timespec="seconds")


def keywords(examples):
    """The category's examples (separated by ；) as the spec's comma-separated keywords."""
    return ", ".join(part.strip() for part in re.split(r"[；;]", examples or "") if part.strip())


def service(category):
    """One entry of services.[fmt]: a report category."""
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": True,
        "type": "realtime",
        "keywords": keywords(category.examples),
        "group": category.family,
    }


def definition(category, areas, key_length):
    """services/{code}.[fmt]: the attributes a client may send, the area (which routes the report) and a
    submission key of at most `key_length` characters."""
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": "area",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": _(
                    "0 for the 兵团 level (the default) or a division's number from 1 to 14."
                ),
                "order": 1,
                "description": _(
                    "Where the problem is: the report goes to the unit responsible there."
                ),
                "values": [{"key": str(area.number), "name": area.label} for area in areas],
            },
            {
                "variable": True,
                "code": "submission_key",
                "datatype": "string",
                "required": False,
                "datatype_description": _("At most %(n)s characters.", n=key_length),
                "order": 2,
                "description": _(
                    "A key of your choosing: a report sent again with the same key is recorded once."
                ),
            },
        ],
    }


def status_notes(report):
    """The latest public reply of the handling unit, or ''."""
    return next((e.body for e in reversed(report.events) if e.kind is EventKind.REPLIED), "")


def service_request(report, expected):
    """One request as the public may see it; `expected` is the running legal deadline (None when closed).

    `lat`/`long` are the public point its unit confirmed (WGS-84, rounded to about 500 m), null without one.
    """
    point = access.public_point(report)
    return {
        "service_request_id": report.reference,
        "status": "open" if report.status.is_open else "closed",
        "status_notes": status_notes(report),
        "service_name": report.category.name,
        "service_code": report.category.code,
        "description": report.public_summary or "",
        "agency_responsible": report.unit.name,
        "service_notice": "",
        "requested_datetime": timestamp(report.submitted_at),
        "updated_datetime": timestamp(report.updated_at),
        "expected_datetime": timestamp(expected) if report.status.is_open else "",
        "address": report.area.label,
        "address_id": "",
        "zipcode": "",
        "lat": point[0] if point else None,
        "long": point[1] if point else None,
        "media_url": "",
    }


def _notice(report):
    due = report.acceptance_due_at.astimezone(
        ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    )
    return _(
        "%(unit)s handles this report and decides whether to accept it by %(due)s.",
        unit=report.unit.name,
        due=due.strftime("%Y-%m-%d"),
    )


def notice(report):
    """The handling unit and acceptance deadline, in Chinese and in English (once if they read the same)."""
    sentences = []
    for locale in ("zh_Hans_CN", "en"):
        with force_locale(locale):
            sentences.append(_notice(report))
    return " ".join(dict.fromkeys(sentences))


def created(report):
    """The answer to POST requests.[fmt]: the new request's reference and notice."""
    return {
        "service_request_id": report.reference,
        "service_notice": notice(report),
        "account_id": "",
    }


def discovery(base_url, contact):
    """discovery.[fmt]: this endpoint, its formats, and how to get a key."""
    return {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": _(
            "Ask the portal's administrators for a key; they issue one with: %(command)s",
            command=KEY_COMMAND,
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base_url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": list(FORMATS.values()),
            }
        ],
    }


def error(status, message):
    """One error of the spec's error list."""
    return {"code": status, "description": str(message)}


def _text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return NOT_XML.sub("", "" if value is None else str(value))


def _fill(element, value):
    if isinstance(value, dict):
        for name, child in value.items():
            _fill(ET.SubElement(element, name), child)
    elif isinstance(value, list):
        for child in value:
            _fill(ET.SubElement(element, ITEMS.get(element.tag, "item")), child)
    else:
        element.text = _text(value)


def to_xml(root, value):
    """`value` (a dict, or a list of dicts) as a UTF-8 XML document with root element `root`."""
    element = ET.Element(root)
    _fill(element, value)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def render(fmt, root, value, status=200):
    """A response in `fmt` (json or xml); `root` names the XML root element."""
    if fmt == "xml":
        response = make_response(to_xml(root, value), status)
        response.mimetype = FORMATS["xml"]
        return response
    response = jsonify(value)
    response.status_code = status
    return response
