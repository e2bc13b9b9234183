"""The open-data licence, named in one place: /developers states it, Atom feeds carry it in <rights>, and
every answer of the JSON API, every feed and every public CSV export sends it as a Link header; and the
DCAT catalogue of the bulk files of /data."""

from flask import request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from portal.i18n import HTML_LANG
from portal.services.datasets import MEDIA_TYPES
from portal.urls import absolute_url

LICENSE_REL = "license"  # the IANA link relation (RFC 4946), spelt the American way
# The answers that are open data: JSON under /api/ and /data/, and the feeds' and public pages' Atom and CSV files.
# Console exports (the hearing sign-in sheet, the staff queue) are internal and carry no licence.
OPEN_FILES = {"application/atom+xml": ("feeds", "public"), "text/csv": ("feeds", "public")}


def licence(config):
    """(name, url) of the licence the open data is published under; either may be '' when not configured."""
    return config.get("DATA_LICENCE", ""), config.get("DATA_LICENCE_URL", "")


def is_open_data(path, blueprint, mimetype):
    """True when an answer with this path, blueprint and media type is part of the open data."""
    if mimetype == "application/json":
        return path.startswith(("/api/", "/data/"))
    return blueprint in OPEN_FILES.get(mimetype, ())


def add_licence_link(response, config):
    """`response` with `Link: <url>; rel="license"` (RFC 8288) when it is open data and a licence is set."""
    _name, url = licence(config)
    if url and is_open_data(request.path, request.blueprint, response.mimetype):
        response.headers.add("Link", f'<{url}>; rel="{LICENSE_REL}"')
    return response


_CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "spdx": "http://spdx.org/rdf/terms#",
}


def _both_languages(text):
    """A lazily translated text as a JSON-LD value in Chinese and in English."""
    values = []
    for locale, tag in HTML_LANG.items():
        with force_locale(locale):
            values.append({"@value": str(text), "@language": tag})
    return values


def _distribution(dataset, extension, written):
    return {
        "@type": "dcat:Distribution",
        "dcat:downloadURL": absolute_url(
            "public.data_file", name=dataset.name, extension=extension
        ),
        "dcat:mediaType": MEDIA_TYPES[extension],
        "dcat:byteSize": written["bytes"],
        "spdx:checksum": {
            "@type": "spdx:Checksum",
            "spdx:algorithm": "spdx:checksumAlgorithm_sha256",
            "spdx:checksumValue": written["sha256"],
        },
    }


def catalog(listing, written_at, licence_url):
    """The DCAT catalogue (JSON-LD) of `listing`, [(dataset, its manifest entry or None)]."""
    page = absolute_url("public.data_index")
    modified = written_at.isoformat(timespec="seconds") if written_at else None
    found = []
    for dataset, entry in listing:
        item = {
            "@id": f"{page}#{dataset.name}",
            "@type": "dcat:Dataset",
            "dct:identifier": dataset.name,
            "dct:title": _both_languages(dataset.title),
            "dct:description": _both_languages(dataset.description),
            "dct:license": licence_url,
            "dcat:landingPage": f"{page}#{dataset.name}",
            "dcat:distribution": [],
        }
        if entry is not None:
            item["dct:modified"] = modified
            item["dcat:distribution"] = [
                _distribution(dataset, extension, written)
                for extension, written in entry["files"].items()
            ]
        found.append(item)
    return {
        "@context": _CONTEXT,
        "@id": absolute_url("public.data_catalog"),
        "@type": "dcat:Catalog",
        "dct:title": _both_languages(_l("Open data of the ecological civilisation portal")),
        "dct:license": licence_url,
        "dct:modified": modified,
        "dcat:dataset": found,
    }
