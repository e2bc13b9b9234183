"""A resident's private page of their reports ("my reports"), reached only by an emailed link."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.encryption import EncryptedText
from portal.extensions import db
from portal.models.reports import Report
from portal.models.types import UTCDateTime, utcnow


class ResidentPage(db.Model):
    """One address's private page listing the reports its owner chose to keep there."""

    __tablename__ = "resident_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(EncryptedText("resident_pages.email"))
    # The keyed HMAC of the lower-cased address (KeyRing.index), to find the page by its address.
    email_index: Mapped[str] = mapped_column(
        sa.String(64), index=True, info={"identity_index_of": "email"}
    )
    # SHA-256 of the derived link token (see services/resident_pages.py); the link itself is never stored.
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entries: Mapped[list["ResidentPageEntry"]] = relationship(
        back_populates="page", order_by="ResidentPageEntry.id", cascade="all, delete-orphan"
    )


class ResidentPageEntry(db.Model):
    """A report kept on a resident's page."""

    __tablename__ = "resident_page_entries"
    __table_args__ = (sa.UniqueConstraint("page_id", "report_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(
        sa.ForeignKey("resident_pages.id", ondelete="CASCADE"), index=True
    )
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    page: Mapped[ResidentPage] = relationship(back_populates="entries")
    report: Mapped[Report] = relationship()
