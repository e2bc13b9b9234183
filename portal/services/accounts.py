"""Staff accounts: creation, password checks throttled per account and address, sessions, passwords."""

import secrets
from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from portal.errors import Conflict, NotFound, ValidationFailed
from portal.extensions import db
from portal.models import User
from portal.models.accounts import new_session_token
from portal.models.types import utcnow
from portal.permissions import Role
from portal.services import throttle
from portal.services.units import find_unit

MIN_PASSWORD_LENGTH = 12


@cache
def _dummy_hash():
    # Checked against when the username is unknown, so both failures take the same time: the same
    # method and parameters as every stored hash.
    return generate_password_hash(secrets.token_urlsafe(32), method="scrypt")


def create_user(username, unit_name, role, password, display_name="", email=""):
    """Add a staff account for the unit named `unit_name` (or one of its aliases)."""
    username = (username or "").strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise ValidationFailed(_("A username is 1–64 characters without spaces."), field="username")
    _check_new_password(password, "password")
    try:
        role = Role(role)
    except ValueError:
        raise ValidationFailed(
            _("The role must be one of %(roles)s.", roles=", ".join(r.value for r in Role)),
            field="role",
        ) from None
    unit = find_unit(unit_name)
    if not unit.handles_reports:
        raise ValidationFailed(
            _("%(unit)s is a collective addressee, not a unit with staff.", unit=unit.name),
            field="unit",
        )
    email = (email or "").strip()
    if email and ("@" not in email or len(email) > 254):
        raise ValidationFailed(
            _("Enter an email address in the right format, like name@example.com."), field="email"
        )
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
    """The result of a login attempt: `user` on success, otherwise the one message every failure gets."""

    user: User | None
    message: str = ""


def authenticate(username, password, client, secret, limits, now=None):
    """Check a password, counting failures per (account, client address) and per address.

    `limits` is (failures per account and address, failures per address, window in seconds). Every
    attempt checks exactly one password hash and answers with the same message whatever went wrong
    (unknown account, wrong password, deactivated, too many failures), so neither the time taken nor
    the words tell an account that exists from one that does not. Failures from one address never
    refuse the account to its owner at another.
    """
    per_account, per_address, window = limits
    now = now or utcnow()
    username = (username or "").strip()
    user = db.session.scalar(sa.select(User).where(User.username == username))
    account_key = throttle.private_key(secret, "login-account", username, client)
    address_key = throttle.private_key(secret, "login-address", client)
    # `|`, not `or`: both counters are read on every attempt, so a throttled one takes as long as any.
    throttled = throttle.exhausted(account_key, per_account, window, now) | throttle.exhausted(
        address_key, per_address, window, now
    )
    matches = check_password_hash(user.password_hash if user else _dummy_hash(), password or "")
    if user is not None and matches and user.active and not throttled:
        user.last_login_at = now
        # The owner's earlier typos stop counting; the address's count stays, or one account of one's own
        # would reset the limit on guessing at all the others.
        throttle.forget(account_key)
        return LoginOutcome(user)
    throttle.hit(account_key, window, now)
    throttle.hit(address_key, window, now)
    return LoginOutcome(None, _("Wrong username or password."))


def find_user(username):
    """The account named `username`, or NotFound."""
    user = db.session.scalar(sa.select(User).where(User.username == (username or "").strip()))
    if user is None:
        raise NotFound(_("There is no account named %(name)s.", name=username))
    return user


def end_sessions(user):
    """Sign `user` out of every browser: the token their session cookies carry is replaced."""
    user.session_token = new_session_token()


def _check_new_password(password, field):
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            _("The password must have at least %(n)s characters.", n=MIN_PASSWORD_LENGTH),
            field=field,
        )


def set_password(user, password):
    """Give `user` a new password and end all their sessions (an administrator's reset)."""
    _check_new_password(password, "password")
    user.password_hash = generate_password_hash(password, method="scrypt")
    end_sessions(user)


def change_password(user, current, new, new_again, secret, limits, now=None):
    """The user's own change: the current password, then the new one twice; ends all their sessions.

    `limits` is (wrong current passwords allowed, window in seconds): past it even the right password is
    refused until the window ends, so a stolen session cannot guess its way to the password. A wrong
    guess is counted in the session, which the caller commits whatever the outcome.
    """
    allowed, window = limits
    now = now or utcnow()
    key = throttle.private_key(secret, "password-change", user.id)
    throttled = throttle.exhausted(key, allowed, window, now)
    matches = check_password_hash(user.password_hash, current or "")
    if throttled:
        minutes = max(1, throttle.seconds_left(window, now) // 60)
        raise ValidationFailed(
            _("Too many wrong passwords. Please wait %(n)s minutes and try again.", n=minutes),
            field="current_password",
        )
    if not matches:
        throttle.hit(key, window, now)
        raise ValidationFailed(_("Your current password is not right."), field="current_password")
    _check_new_password(new, "new_password")
    if new != new_again:
        raise ValidationFailed(
            _("The two new passwords are not the same."), field="new_password_again"
        )
    set_password(user, new)


def set_active(user, active):
    """Allow or refuse logging in; deactivating also ends every session of the account."""
    user.active = active
    if not active:
        end_sessions(user)


def user_by_session_token(token):
    """The active user whose sessions carry `token`, or None."""
    user = db.session.scalar(sa.select(User).where(User.session_token == token))
    return user if user and user.active else None
