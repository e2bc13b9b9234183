"""/disclosures.csv: the public disclosure list as a spreadsheet, with the list page's filters."""

from flask import request

from portal.downloads import csv_response
from portal.public import bp
from portal.services import disclosures
from portal.urls import absolute_url

COLUMNS = ("id", "title", "category", "unit", "area", "published_on", "versions", "state", "url")


def all_public(filters):
    """Every public disclosure matching `filters` (as the list page takes them), page by page, newest first."""
    number, found = 1, []
    while True:
        page = disclosures.list_public(filters, number, disclosures.MAX_PER_PAGE)
        if not page.items:
            return found
        counts = disclosures.version_counts(page.items)
        found.extend((d, counts[d.id]) for d in page.items)
        if len(found) >= page.total:
            return found
        number += 1


def row(disclosure, versions):
    """One disclosure as a CSV row (names in Chinese, as published; the state as its code)."""
    return [
        disclosure.id,
        disclosure.title,
        disclosure.category.name_zh,
        disclosure.unit.name,
        disclosure.area.label,
        disclosure.published_on.isoformat() if disclosure.published_on else "",
        versions,
        disclosure.state.value,
        absolute_url("public.disclosures_show", disclosure_id=disclosure.id),
    ]


@bp.get("/disclosures.csv")
def disclosures_csv():
    """The disclosures the list shows for the same filters, all pages, as CSV; a refused filter is a 400."""
    filters = {name: request.args.get(name, "") for name in disclosures.PUBLIC_FILTERS}
    return csv_response("disclosures.csv", COLUMNS, [row(d, n) for d, n in all_public(filters)])
