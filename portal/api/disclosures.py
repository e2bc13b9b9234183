"""/api/v1/disclosures: published and withdrawn disclosures, read-only; drafts do not exist here."""

from flask import request

from portal.api import bp, serializers
from portal.rendering import render_markdown
from portal.services import disclosures


@bp.get("/disclosures")
def disclosures_index():
    """Public disclosures, newest first, filtered by category, unit, area, year and measure, a page at a time."""
    filters = {name: request.args.get(name) for name in disclosures.PUBLIC_FILTERS}
    page = disclosures.list_public(filters, request.args.get("page"), request.args.get("per_page"))
    return serializers.page(
        page, [serializers.disclosure_summary(d) for d in disclosures.load_versions(page.items)]
    )


@bp.get("/disclosures/<int:disclosure_id>")
def disclosures_show(disclosure_id):
    """One public disclosure with its current text, related tasks, files, observations and versions."""
    disclosure = disclosures.POLICY.get_public(disclosure_id)
    return serializers.disclosure_detail(
        disclosure, render_markdown(disclosure.body), disclosures.observation_table(disclosure)
    )
