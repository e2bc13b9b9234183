"""/feeds/consultations.atom: the published consultations as an Atom 1.0 feed, newest first."""

from flask_babel import gettext as _

from portal.feeds import atom, bp
from portal.models import ConsultationState
from portal.services import consultations
from portal.urls import absolute_url, public_root

FEED_LENGTH = consultations.MAX_PER_PAGE


def entry(consultation):
    """The feed entry of a published consultation; a withdrawn one carries its public reason."""
    page = absolute_url("public.consultations_show", consultation_id=consultation.id)
    summary = consultation.summary or consultation.title
    if consultation.state is ConsultationState.WITHDRAWN:
        summary = f"{summary}\n\n{consultation.withdrawn_reason}"
    return atom.Entry(
        id=page,
        title=consultation.title,
        url=page,
        updated=max(
            consultation.published_at, consultation.updated_at or consultation.published_at
        ),
        published=consultation.published_at,
        author=consultation.unit.name,
        summary=summary,
        categories=((consultation.kind.value, consultations.kind_label(consultation.kind)),),
    )


@bp.get("/consultations.atom")
def consultations_atom():
    """The latest published consultations (drafts never), newest first."""
    items = consultations.list_public({}, 1, FEED_LENGTH).items
    root = public_root()
    body = atom.document(
        f"{root}/feeds/consultations.atom",
        _("Consultations"),
        f"{root}/feeds/consultations.atom",
        f"{root}/",
        [entry(c) for c in items],
    )
    return atom.response(body)
