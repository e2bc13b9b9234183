"""/feeds/activities.atom: volunteer activities of verified organisations as registered, newest first."""

from flask_babel import gettext as _

from portal.feeds import atom, bp
from portal.services import organisations
from portal.templating import local_datetime
from portal.urls import absolute_url, public_root


def entry(activity):
    """The feed entry of a volunteer activity: when, where, what, how to sign up."""
    page = absolute_url("public.organisations_show", organisation_id=activity.organisation_id)
    when = local_datetime(activity.starts_at)
    return atom.Entry(
        id=f"{page}#activity-{activity.id}",
        title=f"{when} {activity.title}",
        url=page,
        updated=activity.created_at,
        published=activity.created_at,
        author=activity.organisation.name,
        summary=f"{activity.area.label} {activity.place}\n{activity.description}\n{activity.signup}",
        categories=((activity.kind.value, ""),),
    )


@bp.get("/activities.atom")
def activities_atom():
    """The latest registered volunteer activities (of verified organisations only)."""
    root = public_root()
    body = atom.document(
        f"{root}/feeds/activities.atom",
        _("Volunteer calendar"),
        f"{root}/feeds/activities.atom",
        f"{root}/organisations/activities",
        [entry(a) for a in organisations.recent_activities()],
    )
    return atom.response(body)
