"""Staff accounts: each belongs to one unit and has one role."""

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, enum_column, utcnow
from portal.models.units import Unit
from portal.permissions import Role, role_grants


def new_session_token():
    """A fresh random token identifying a user's sessions."""
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    """A staff member of a unit."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(80), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="", server_default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role))
    active: Mapped[bool] = mapped_column(default=True)
    # The login cookie carries this token, not the id: changing it signs the user out everywhere.
    session_token: Mapped[str] = mapped_column(
        sa.String(64), unique=True, default=new_session_token
    )
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()

    @property
    def is_active(self):
        """Deactivated accounts cannot log in."""
        return self.active

    def get_id(self):
        """The value Flask-Login keeps in the session."""
        return self.session_token

    def can(self, permission):
        """True when the user's role carries `permission`."""
        return role_grants(self.role, permission)


class ApiKey(db.Model):
    """A key for the Open311 endpoint; only its hash is stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
