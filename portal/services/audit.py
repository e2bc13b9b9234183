"""Writing the audit trail."""
from portal.extensions import db
from portal.models import AuditRecord


def record(action, subject_type, subject_id, actor=None, detail=""):
    """Add an audit record in the current transaction."""
    entry = AuditRecord(action=action, subject_type=subject_type, subject_id=subject_id,
                        actor_id=actor.id if actor else None, detail=detail)
    db.session.add(entry)
    return entry
