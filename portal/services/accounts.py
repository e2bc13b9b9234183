"""Staff accounts: creation, password checks with per-account throttling, session lookup."""
from dataclasses import dataclass
from functools import cache
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from portal.errors import Conflict, ValidationFailed
from portal.extensions import db
from portal.models import User
from portal.models.types import utcnow
from portal.permissions import Role
from portal.services.units import find_unit

MIN_PASSWORD_LENGTH = 12


@cache
def _dummy_hash():
    # Checked against when the username is unknown, so both failures take the same time.
    return generate_password_hash("portal-dummy-password", method="scrypt")


def create_user(username, unit_name, role, password, display_name="", email=""):
    """Add a staff account for the unit named `unit_name` (or one of its aliases)."""
    username = (username or "").strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise ValidationFailed(_("A username is 1–64 characters without spaces."), field="username")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            _("The password must have at least %(n)s characters.", n=MIN_PASSWORD_LENGTH), field="password"
        )
    try:
        role = Role(role)
    except ValueError:
        raise ValidationFailed(
            _("The role must be one of %(roles)s.", roles=", ".join(r.value for r in Role)), field="role"
        ) from None
    unit = find_unit(unit_name)
    if not unit.handles_cases:
        raise ValidationFailed(_("%(unit)s is a collective addressee, not a unit with staff.", unit=unit.name), field="unit")
    email = (email or "").strip()
    if email and ("@" not in email or len(email) > 254):
        raise ValidationFailed(_("Enter an email address in the right format, like name@example.com."), field="email")
    if db.session.scalar(sa.select(User).where(User.username == username)):
        raise Conflict(_("The username %(name)s is taken.", name=username), field="username")
    user = User(
        username=username,
        display_name=display_name or username,
        email=email,
        password_hash=generate_password_hash(password, method="scrypt"),
        unit=unit,
        role=role,
    )
    db.session.add(user)
    db.session.flush()
    return user


@dataclass
class LoginOutcome:
    """The result of a login attempt: `user` on success, otherwise a message for the person."""

    user: User | None
    message: str = ""


def authenticate(username, password, max_failures, lockout_seconds, now=None):
    """Check a password, counting failures per account and locking it after `max_failures`."""
    now = now or utcnow()
    user = db.session.scalar(sa.select(User).where(User.username == (username or "").strip()))
    refused = LoginOutcome(None, _("Wrong username or password."))
    if user is None:
        check_password_hash(_dummy_hash(), password or "")
        return refused
    if user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        return LoginOutcome(None, _("Too many failed attempts. Try again in %(n)s minutes.", n=minutes))
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(seconds=lockout_seconds)
            user.failed_logins = 0
        return refused
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return LoginOutcome(user)


def user_by_session_token(token):
    """The active user whose sessions carry `token`, or None."""
    user = db.session.scalar(sa.select(User).where(User.session_token == token))
    return user if user and user.active else None
