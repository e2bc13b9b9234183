"""Roles, the permissions they grant, and the decorator that guards views."""

import enum
from functools import wraps

from flask import abort
from flask_login import current_user


class Role(enum.Enum):
    """What a staff account may do; every account belongs to exactly one unit."""

    STAFF = "staff"
    UNIT_ADMIN = "unit_admin"
    SITE_ADMIN = "site_admin"


class Permission(enum.Enum):
    """A capability, named scope:resource:action."""

    CONSOLE_VIEW = "console:dashboard:view"
    REPORTS_HANDLE = "unit:reports:handle"
    REPORTS_APPROVE_EXTENSION = "unit:reports:approve_extension"
    HEARINGS_MANAGE = "unit:hearings:manage"
    CONSULTATIONS_MANAGE = "unit:consultations:manage"
    UNIT_USERS_MANAGE = "unit:users:manage"
    SITE_USERS_MANAGE = "site:users:manage"
    SITE_REPORTS_VIEW = "site:reports:view"
    SITE_IDENTITIES_READ = "site:identities:read"
    SITE_EVIDENCE_ORIGINALS = "site:evidence:originals"
    SITE_ROUTING_EDIT = "site:routing:edit"
    SITE_CALENDAR_EDIT = "site:calendar:edit"
    SITE_CONSULTATIONS_VIEW = "site:consultations:view"
    SITE_COMMENT_CONTACTS_READ = "site:comment_contacts:read"
    DISCLOSURES_MANAGE = "unit:disclosures:manage"
    SITE_DISCLOSURES_VIEW = "site:disclosures:view"
    SITE_DISCLOSURE_CATEGORIES_EDIT = "site:disclosure_categories:edit"
    SITE_AUDIT_VIEW = "site:audit:view"
    TASK_REPORTS_MANAGE = "unit:task_reports:manage"
    SITE_TASK_REPORTS_VIEW = "site:task_reports:view"
    # Verifying social organisations: site administrators; 兵团民政局's staff by their unit (services/organisations.py).
    SITE_ORGANISATIONS_VERIFY = "site:organisations:verify"


_STAFF = {
    Permission.CONSOLE_VIEW,
    Permission.REPORTS_HANDLE,
    Permission.HEARINGS_MANAGE,
    Permission.CONSULTATIONS_MANAGE,
    Permission.DISCLOSURES_MANAGE,
    Permission.TASK_REPORTS_MANAGE,
}
ROLE_PERMISSIONS = {
    Role.STAFF: frozenset(_STAFF),
    Role.UNIT_ADMIN: frozenset(
        _STAFF | {Permission.REPORTS_APPROVE_EXTENSION, Permission.UNIT_USERS_MANAGE}
    ),
    Role.SITE_ADMIN: frozenset(Permission),
}


def role_grants(role, permission):
    """True when `role` carries `permission`."""
    return permission in ROLE_PERMISSIONS[role]


def permission_required(permission):
    """Guard a view: anonymous users go to the login page, others without `permission` get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            from portal.extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.can(permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
