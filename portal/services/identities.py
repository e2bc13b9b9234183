"""The only way to read a reporter's identity; every read leaves an audit record."""

import sqlalchemy as sa

from portal.extensions import db
from portal.models import IdentityVisibility, ReporterIdentity
from portal.permissions import Permission
from portal.services import audit


def may_see(user, report, visibility):
    """Administrators always; the handling unit's staff only if the resident allowed it."""
    if visibility is None:
        return False
    if user.can(Permission.SITE_IDENTITIES_READ):
        return True
    return visibility is IdentityVisibility.HANDLING_UNIT and user.unit_id == report.unit_id


def read_identity(user, report, purpose):
    """The identity if `user` may see it (recording the read), else None."""
    identity = db.session.scalar(
        sa.select(ReporterIdentity).where(ReporterIdentity.report_id == report.id)
    )
    if identity is None or not may_see(user, report, identity.visibility):
        return None
    audit.record("identity.read", "report", report.id, actor=user, detail=purpose)
    return identity


def contact_email(report):
    """The address to send the resident's own notifications to ('' when none); not a disclosure."""
    return (
        db.session.scalar(
            sa.select(ReporterIdentity.email).where(ReporterIdentity.report_id == report.id)
        )
        or ""
    )


def describe_visibility(report):
    """The resident's choice, without the identity itself (None for anonymous reports)."""
    return db.session.scalar(
        sa.select(ReporterIdentity.visibility).where(ReporterIdentity.report_id == report.id)
    )
