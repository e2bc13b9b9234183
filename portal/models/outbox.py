"""Outgoing mail, written in the same transaction as the change that causes it."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.encryption import EncryptedText
from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class MailMessage(db.Model):
    """An email waiting for (or done with) `portal send-mail`."""

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Encrypted at rest: the address is a resident's contact, the body may name them or carry their
    # receipt link. Subjects name no one (a reference number at most).
    recipient: Mapped[str] = mapped_column(EncryptedText("mail_outbox.recipient"))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(EncryptedText("mail_outbox.body"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
