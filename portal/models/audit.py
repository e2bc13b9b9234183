"""The audit trail: who read or changed what that must be accounted for."""

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from portal.models.accounts import User


class AuditRecord(db.Model):
    """One accountable action, e.g. reading a reporter's identity; written only by `services.history.add_record`."""

    __tablename__ = "audit_records"
    __table_args__ = (sa.Index("ix_audit_records_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(64))
    subject_type: Mapped[str] = mapped_column(sa.String(32))
    subject_id: Mapped[int]
    detail: Mapped[str] = mapped_column(sa.Text, default="")
    # The site keeps one chain: SHA-256 of the previous record (zeros for the first) and of this one.
    # Unique, so two concurrent appends cannot both follow the same record.
    previous_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    hash: Mapped[str] = mapped_column(sa.String(64))

    actor: Mapped["User | None"] = relationship()
