"""Writing the audit trail."""
from portal.services import history


def record(action, subject_type, subject_id, actor=None, detail="", now=None):
    """Add an audit record to the site's hash chain in the current transaction."""
    return history.add_record(action, subject_type, subject_id, actor=actor, detail=detail, now=now)
