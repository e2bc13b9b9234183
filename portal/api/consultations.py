"""/api/v1/consultations: published consultations, read-only."""

from flask import request

from portal.api import bp, serializers
from portal.services import comments, consultations, hearings


@bp.get("/consultations")
def consultations_index():
    """Published consultations, newest first, filtered by state, unit, area, kind and stage, a page at a time."""
    filters = {name: request.args.get(name) for name in consultations.PUBLIC_FILTERS}
    page = consultations.list_public(
        filters, request.args.get("page"), request.args.get("per_page")
    )
    return serializers.page(page, [serializers.consultation_summary(c) for c in page.items])


@bp.get("/consultations/<consultation_id>")
def consultations_show(consultation_id):
    """One published consultation with its paragraphs, hearings (public view) and published comments."""
    consultation = consultations.POLICY.get_public(consultation_id)
    return serializers.consultation_detail(
        consultation,
        consultation.paragraphs,
        hearings.public_views(consultation.hearings),
        comments.public_comments(consultation),
    )
