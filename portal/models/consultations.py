"""Consultations (意见征集), their comments, hearings (听证会) and subscriptions."""

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.encryption import EncryptedText
from portal.extensions import db
from portal.models.policy import Task
from portal.models.records import AttachmentMixin, UnitRecord, task_links
from portal.models.types import UTCDateTime, enum_column, utcnow
from portal.models.units import Area, Unit

if TYPE_CHECKING:
    from portal.models.reports import Category, Report


class ConsultationKind(enum.Enum):
    """What is open for comment."""

    EIA = "eia"  # 建设项目环评
    POLICY_DRAFT = "policy_draft"  # 政策文件草案
    PLAN = "plan"  # 规划


class ProjectStage(enum.Enum):
    """The stage of a construction project a consultation belongs to (measure (三十))."""

    APPROVAL = "approval"  # 立项
    IMPLEMENTATION = "implementation"  # 实施
    POST_EVALUATION = "post_evaluation"  # 后评价


class ConsultationState(enum.Enum):
    """draft → open → closed → answered; withdrawn from draft or open, with a public reason."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"


class Project(db.Model):
    """A construction project whose consultations run across its stages."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    location: Mapped[str] = mapped_column(sa.String(300), default="")
    developer: Mapped[str] = mapped_column(sa.String(200), default="")
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    area: Mapped[Area] = relationship()
    unit: Mapped[Unit] = relationship()
    consultations: Mapped[list["Consultation"]] = relationship(
        back_populates="project", order_by="Consultation.id"
    )


consultation_tasks = task_links("consultation_tasks", "consultations")


class Consultation(UnitRecord, db.Model):
    """A document open for comment, run by its responsible unit."""

    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ConsultationKind] = mapped_column(enum_column(ConsultationKind))
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    stage: Mapped[ProjectStage | None] = mapped_column(enum_column(ProjectStage))
    state: Mapped[ConsultationState] = mapped_column(
        enum_column(ConsultationState), default=ConsultationState.DRAFT, index=True
    )
    opens_on: Mapped[date | None]
    closes_on: Mapped[date | None]
    # The first closing date, kept when the period is extended so the page can show both.
    original_closes_on: Mapped[date | None]
    # The items an EIA notice must carry (环境影响评价公众参与办法).
    project_location: Mapped[str] = mapped_column(sa.String(300), default="")
    developer_name: Mapped[str] = mapped_column(sa.String(200), default="")
    developer_contact: Mapped[str] = mapped_column(sa.String(200), default="")
    eia_preparer: Mapped[str] = mapped_column(sa.String(200), default="")
    how_to_comment: Mapped[str] = mapped_column(sa.Text, default="")
    statement: Mapped[str] = mapped_column(sa.Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    project: Mapped[Project | None] = relationship(back_populates="consultations")
    tasks: Mapped[list[Task]] = relationship(secondary=consultation_tasks, order_by=Task.id)
    paragraphs: Mapped[list["Paragraph"]] = relationship(
        back_populates="consultation", order_by="Paragraph.number", cascade="all, delete-orphan"
    )
    comments: Mapped[list["Comment"]] = relationship(
        back_populates="consultation", order_by="Comment.id", cascade="all, delete-orphan"
    )
    hearings: Mapped[list["Hearing"]] = relationship(
        back_populates="consultation", order_by="Hearing.starts_at", cascade="all, delete-orphan"
    )


class ConsultationAttachment(AttachmentMixin, db.Model, owner="consultations"):
    """A file published with a consultation."""


class Paragraph(db.Model):
    """A numbered paragraph of the consultation document, commentable on its own."""

    __tablename__ = "paragraphs"
    __table_args__ = (sa.UniqueConstraint("consultation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text)

    consultation: Mapped[Consultation] = relationship(back_populates="paragraphs")


class CommentState(enum.Enum):
    """Moderation state of a comment."""

    PENDING = "pending"  # waiting in the unit's queue
    PUBLISHED = "published"
    HIDDEN = "hidden"  # hidden by staff, with a reason
    FLAGGED = "flagged"  # hidden after 3 flags, pending review


class CommentDecision(enum.Enum):
    """The unit's answer to a comment."""

    ADOPTED = "adopted"  # 采纳
    PARTLY_ADOPTED = "partly_adopted"  # 部分采纳
    NOT_ADOPTED = "not_adopted"  # 不采纳 (reason required)
    OUT_OF_SCOPE = "out_of_scope"  # 不属于本次征求范围


class Comment(db.Model):
    """A resident's opinion on a consultation or one of its paragraphs; contact kept apart."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    paragraph_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("paragraphs.id", ondelete="SET NULL")
    )
    # Encrypted at rest like every contact (portal/encryption.py); shown only when publish_name.
    author_name: Mapped[str] = mapped_column(EncryptedText("comments.author_name"))
    publish_name: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[CommentState] = mapped_column(
        enum_column(CommentState), default=CommentState.PENDING, index=True
    )
    moderation_reason: Mapped[str] = mapped_column(sa.Text, default="")
    flag_count: Mapped[int] = mapped_column(default=0)
    decision: Mapped[CommentDecision | None] = mapped_column(enum_column(CommentDecision))
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Groups people, not comments: one person may comment several times (the statement counts both).
    author_key: Mapped[str] = mapped_column(sa.String(64), index=True)

    consultation: Mapped[Consultation] = relationship(back_populates="comments")
    paragraph: Mapped[Paragraph | None] = relationship()


class CommentContact(db.Model):
    """A commenter's phone or email: confidential like a reporter's identity."""

    __tablename__ = "comment_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="CASCADE"), unique=True
    )
    phone: Mapped[str] = mapped_column(EncryptedText("comment_contacts.phone"), default="")
    email: Mapped[str] = mapped_column(EncryptedText("comment_contacts.email"), default="")


class CommentFlag(db.Model):
    """One client's flag on a published comment (each client counts once)."""

    __tablename__ = "comment_flags"
    __table_args__ = (sa.UniqueConstraint("comment_id", "client_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    client_key: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Hearing(db.Model):
    """A hearing (听证会) of a consultation, with seats and a registration deadline."""

    __tablename__ = "hearings"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(sa.String(300))
    seats: Mapped[int]
    registration_closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    eligibility: Mapped[str] = mapped_column(sa.Text, default="")
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    minutes: Mapped[str] = mapped_column(sa.Text, default="")
    attendance_count: Mapped[int | None]
    minutes_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    consultation: Mapped[Consultation] = relationship(back_populates="hearings")
    registrations: Mapped[list["Registration"]] = relationship(
        back_populates="hearing", order_by="Registration.id", cascade="all, delete-orphan"
    )


class RegistrationStatus(enum.Enum):
    """A registrant's place."""

    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class Registration(db.Model):
    """A registration for a hearing; found again by its code (stored hashed)."""

    __tablename__ = "registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(
        sa.ForeignKey("hearings.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(EncryptedText("registrations.name"))
    phone: Mapped[str] = mapped_column(EncryptedText("registrations.phone"), default="")
    email: Mapped[str] = mapped_column(EncryptedText("registrations.email"), default="")
    wants_to_speak: Mapped[bool] = mapped_column(default=False)
    viewpoint: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[RegistrationStatus] = mapped_column(enum_column(RegistrationStatus), index=True)
    attended: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    hearing: Mapped[Hearing] = relationship(back_populates="registrations")


class SubscriptionTopic(enum.Enum):
    """What a subscription follows: consultations and hearings, reports of an area or category, or one report."""

    CONSULTATIONS = "consultations"  # of an area or a unit
    REPORTS = (
        "reports"  # new public reports of an area and/or a category, their acceptance and closure
    )
    REPORT = "report"  # one report's public events


class Subscription(db.Model):
    """An email address following consultations (area or unit), reports (area and/or category) or one report."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(EncryptedText("subscriptions.email"))
    # The keyed HMAC of the lower-cased address (KeyRing.index), to find a subscription by its address.
    email_index: Mapped[str] = mapped_column(
        sa.String(64), index=True, info={"identity_index_of": "email"}
    )
    topic: Mapped[SubscriptionTopic] = mapped_column(
        enum_column(SubscriptionTopic), default=SubscriptionTopic.CONSULTATIONS
    )
    area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("areas.id"))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("categories.id"))
    report_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    # A daily digest instead of one mail per event (reports only); `digest_sent_on` is the last Beijing day
    # whose digest was queued, so that a second run the same day sends nothing.
    digest: Mapped[bool] = mapped_column(default=False)
    digest_sent_on: Mapped[date | None]
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    area: Mapped[Area | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    category: Mapped["Category | None"] = relationship()
    report: Mapped["Report | None"] = relationship()


class ReportNotice(db.Model):
    """A public report event whose notices to report subscribers were queued (once: `portal tick`)."""

    __tablename__ = "report_notices"

    event_id: Mapped[int] = mapped_column(sa.ForeignKey("report_events.id"), primary_key=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
