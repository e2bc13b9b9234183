"""Environmental social organisations, their volunteer activities, the reports they support and their
public-interest litigation requests (measure (三十)), with the documents the handling unit hands over."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from portal.encryption import EncryptedText
from portal.extensions import db
from portal.models.accounts import User
from portal.models.records import AttachmentMixin
from portal.models.reports import Report
from portal.models.types import UTCDateTime, enum_column, utcnow
from portal.models.units import Area, Unit


class OrganisationStatus(enum.Enum):
    """Where an application stands: only verified organisations are public."""

    PENDING = "pending"
    VERIFIED = "verified"
    REFUSED = "refused"


class ActivityKind(enum.Enum):
    """What a volunteer activity does."""

    CLEANUP = "cleanup"
    MONITORING = "monitoring"
    EDUCATION = "education"
    PLANTING = "planting"
    OTHER = "other"


class LitigationStatus(enum.Enum):
    """The handling unit's answer to a request for a report's record."""

    REQUESTED = "requested"
    PROVIDED = "provided"
    REFUSED = "refused"


class LitigationOutcome(enum.Enum):
    """What became of the litigation, as the organisation records it."""

    FILED = "filed"  # 已起诉(立案)
    COURT = "court"  # 审理中
    JUDGMENT = "judgment"  # 已判决
    SETTLED = "settled"  # 调解/和解


class Organisation(db.Model):
    """An environmental social organisation (环保社会组织) that applied to the register."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    credit_code: Mapped[str] = mapped_column(sa.String(18), index=True)  # 统一社会信用代码
    registration_authority: Mapped[str] = mapped_column(sa.String(100))
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id"), index=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    contact_name: Mapped[str] = mapped_column(EncryptedText("organisations.contact_name"))
    contact_phone: Mapped[str] = mapped_column(EncryptedText("organisations.contact_phone"))
    contact_email: Mapped[str] = mapped_column(EncryptedText("organisations.contact_email"))
    # What the organisation chose to publish of its contact; nothing else of it is ever public.
    publish_name: Mapped[bool] = mapped_column(default=False)
    publish_phone: Mapped[bool] = mapped_column(default=False)
    publish_email: Mapped[bool] = mapped_column(default=False)
    status: Mapped[OrganisationStatus] = mapped_column(
        enum_column(OrganisationStatus), default=OrganisationStatus.PENDING, index=True
    )
    refusal_reason: Mapped[str] = mapped_column(sa.Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # SHA-256 of the derived management-link token (services/organisations.py); the link is never stored.
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    area: Mapped[Area] = relationship()
    decided_by: Mapped[User | None] = relationship()
    activities: Mapped[list["OrganisationActivity"]] = relationship(
        back_populates="organisation",
        order_by="OrganisationActivity.starts_at",
        cascade="all, delete-orphan",
    )


class OrganisationActivity(db.Model):
    """A volunteer activity a verified organisation registered (clean-up, monitoring, education…)."""

    __tablename__ = "organisation_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ActivityKind] = mapped_column(enum_column(ActivityKind))
    title: Mapped[str] = mapped_column(sa.String(120))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id"))
    place: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # How volunteers sign up: published on purpose (a group's phone, a form's address).
    signup: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="activities")
    area: Mapped[Area] = relationship()


class OrganisationSupport(db.Model):
    """A verified organisation supports a public report: shown on the report with its name."""

    __tablename__ = "organisation_supports"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "report_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    report: Mapped[Report] = relationship()


class LitigationRequest(db.Model):
    """A verified organisation asks the handling unit for a closed report's record for public-interest
    litigation (公益诉讼); the unit's answer and the litigation's outcome are kept with it."""

    __tablename__ = "litigation_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    # The unit answering: the report's handling unit when the request was made.
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[LitigationStatus] = mapped_column(
        enum_column(LitigationStatus), default=LitigationStatus.REQUESTED
    )
    answer: Mapped[str] = mapped_column(sa.Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    outcome: Mapped[LitigationOutcome | None] = mapped_column(enum_column(LitigationOutcome))
    outcome_text: Mapped[str] = mapped_column(sa.Text, default="")
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()
    report: Mapped[Report] = relationship()
    unit: Mapped[Unit] = relationship()
    answered_by: Mapped[User | None] = relationship()
    documents: Mapped[list["LitigationDocument"]] = relationship(
        back_populates="request", order_by="LitigationDocument.id", cascade="all, delete-orphan"
    )


class LitigationDocument(AttachmentMixin, db.Model):
    """A document the handling unit handed over with its answer to a litigation request (a PDF as cleaned, an
    image re-encoded): never public; read by the requesting organisation, the unit and site oversight
    (`access.LITIGATION_DOCUMENTS`). Named by hand, not by the mixin's `owner`: "litigation_request_…" makes
    constraint names longer than PostgreSQL's 63 characters."""

    __tablename__ = "litigation_documents"

    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("litigation_requests.id", ondelete="CASCADE"), index=True
    )

    request: Mapped[LitigationRequest] = relationship(back_populates="documents")


# All the public learns of the documents: how many were handed over, and when the last was (read with the
# request, in the same statement, by every page that shows one).
LitigationRequest.documents_count = column_property(
    sa.select(sa.func.count(LitigationDocument.id))
    .where(LitigationDocument.request_id == LitigationRequest.id)
    .correlate_except(LitigationDocument)
    .scalar_subquery()
)
LitigationRequest.documents_at = column_property(
    sa.select(sa.func.max(LitigationDocument.created_at))
    .where(LitigationDocument.request_id == LitigationRequest.id)
    .correlate_except(LitigationDocument)
    .scalar_subquery()
)
