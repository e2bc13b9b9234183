"""Disclosure feeds: all public disclosures (optionally filtered), and stable feeds per unit and per category.

Entries are ordered by the last change the public saw (a new version or a withdrawal), so a revised
or withdrawn disclosure comes back to the top of its feed with a later <updated>; its entry id, the
address of its page, never changes. A withdrawn one says so, with its public reason, and no longer
carries its text. Drafts never appear.
"""

from flask import request
from flask_babel import gettext as _

from portal.errors import NotFound
from portal.feeds import atom, bp
from portal.models import DisclosureState
from portal.rendering import render_markdown
from portal.services import disclosures, units
from portal.templating import category_name
from portal.urls import absolute_url

FEED_LENGTH = 50
FILTERS = disclosures.FEED_FILTERS


def _summary(disclosure):
    lines = []
    if disclosure.state is DisclosureState.WITHDRAWN:
        lines.append(_("Withdrawn: %(reason)s", reason=disclosure.withdrawn_reason))
    latest = disclosure.versions[-1]
    if latest.number > 1:
        lines.append(_("Version %(n)s: %(note)s", n=latest.number, note=latest.note))
    lines.append(
        f"{category_name(disclosure.category)} · {disclosure.area.label}"
        + (f" · {disclosure.published_on.isoformat()}" if disclosure.published_on else "")
    )
    return "\n".join(lines)


def entry(disclosure):
    """The feed entry of a public disclosure: its current text, or for a withdrawn one its reason."""
    page = absolute_url("public.disclosures_show", disclosure_id=disclosure.id)
    withdrawn = disclosure.state is DisclosureState.WITHDRAWN
    title = _("Withdrawn: %(title)s", title=disclosure.title) if withdrawn else disclosure.title
    return atom.Entry(
        id=page,
        title=title,
        url=page,
        updated=disclosures.last_changed_at(disclosure),
        published=disclosure.first_published_at,
        author=disclosure.unit.name,
        summary=_summary(disclosure),
        content_html="" if withdrawn else str(render_markdown(disclosure.body)),
        categories=((disclosure.category.code, category_name(disclosure.category)),),
    )


def _feed(title, self_url, filters):
    alternate = absolute_url("public.disclosures_index", **filters)
    items = disclosures.public_last_changed(filters, FEED_LENGTH)
    body = atom.document(self_url, title, self_url, alternate, [entry(d) for d in items])
    return atom.response(body)


@bp.get("/disclosures.atom")
def disclosures_atom():
    """Every public disclosure, last changed first; ?unit=<id>&category=<code>&area=<n> narrow it."""
    given = {name: request.args.get(name, "").strip() for name in FILTERS}
    filters = {name: value for name, value in given.items() if value}
    return _feed(_("Disclosures"), absolute_url("feeds.disclosures_atom", **filters), filters)


@bp.get("/units/<int:unit_id>/disclosures.atom")
def unit_disclosures_atom(unit_id):
    """The public disclosures of one unit (an unknown unit is not found)."""
    unit = units.get_unit(unit_id)
    return _feed(
        _("Disclosures of %(unit)s", unit=unit.name),
        absolute_url("feeds.unit_disclosures_atom", unit_id=unit.id),
        {"unit": str(unit.id)},
    )


@bp.get("/categories/<code>/disclosures.atom")
def category_disclosures_atom(code):
    """The public disclosures of one category, by its permanent code (an unknown code is not found)."""
    category = disclosures.category_by_code(code)
    if category is None:
        raise NotFound(_("There is no disclosure category %(id)s.", id=code))
    return _feed(
        _("Disclosures: %(category)s", category=category_name(category)),
        absolute_url("feeds.category_disclosures_atom", code=category.code),
        {"category": category.code},
    )
