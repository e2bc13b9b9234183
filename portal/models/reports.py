"""Citizen reports (举报): categories, routing rules, the report and its events and evidence."""

import enum
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.encryption import EncryptedText
from portal.extensions import db
from portal.models.policy import Task
from portal.models.types import UTCDateTime, enum_column, utcnow
from portal.models.units import Area, Unit

if TYPE_CHECKING:
    from portal.models.accounts import User


class Category(db.Model):
    """What a report is about; points at the policy task whose lead unit is responsible."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    family: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(40))
    name_en: Mapped[str] = mapped_column(sa.String(60))
    description: Mapped[str] = mapped_column(sa.String(200))
    description_en: Mapped[str] = mapped_column(sa.String(300))
    examples: Mapped[str] = mapped_column(sa.String(300))
    examples_en: Mapped[str] = mapped_column(sa.String(400))
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tasks.id"))
    position: Mapped[int] = mapped_column(default=0)

    task: Mapped[Task | None] = relationship()


class RoutingRule(db.Model):
    """(category, area) → handling unit; the 兵团 area's rule applies where no division rule exists."""

    __tablename__ = "routing_rules"
    __table_args__ = (sa.UniqueConstraint("category_id", "area_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id"), index=True)
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    category: Mapped[Category] = relationship()
    area: Mapped[Area] = relationship()
    unit: Mapped[Unit] = relationship()


class ReportStatus(enum.Enum):
    """Where a report stands in the 12369 handling flow."""

    RECEIVED = "received"  # 待受理: waiting for the unit's acceptance decision
    ACCEPTED = "accepted"  # 办理中
    NOT_ACCEPTED = "not_accepted"  # 不予受理, with a legal reason
    CLOSED = "closed"  # 已办结

    @property
    def is_open(self):
        """Received or being handled."""
        return self in (ReportStatus.RECEIVED, ReportStatus.ACCEPTED)


class ReportSource(enum.Enum):
    """How the report arrived: the portal's form, Open311, or a channel whose reports staff log."""

    WEB = "web"
    OPEN311 = "open311"
    PHONE = "phone"  # the 12369 hotline or a unit's own number
    LETTER = "letter"
    VISIT = "visit"  # 来访, a visit in person (信访)
    EMAIL = "email"
    NEWS = "news"  # 舆论监督: a news story or a post the unit picked up

    @property
    def logged_by_staff(self):
        """A channel whose reports staff log in the console (the rest arrive by themselves)."""
        return self not in (ReportSource.WEB, ReportSource.OPEN311)


class ExtensionState(enum.Enum):
    """The one extension a report may get."""

    NONE = "none"
    REQUESTED = "requested"
    APPROVED = "approved"
    REFUSED = "refused"


class IdentityVisibility(enum.Enum):
    """Who may see the reporter's identity besides the portal's administrators."""

    HANDLING_UNIT = "handling_unit"
    ADMINISTRATORS = "administrators"


class Report(db.Model):
    """A resident's report and its handling state; the reporter's identity lives elsewhere."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(40), unique=True)
    submission_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    receipt_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    source: Mapped[ReportSource] = mapped_column(
        enum_column(ReportSource), default=ReportSource.WEB
    )
    api_key_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_keys.id"))
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id"), index=True)
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id"), index=True)
    place: Mapped[str] = mapped_column(sa.String(300))
    latitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    # The point the public may see, confirmed by the handling unit on acceptance (services/locations.py):
    # the reported point rounded to about 500 m, or none (the place text only). Never the raw point.
    public_latitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    public_longitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    observed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    description: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[ReportStatus] = mapped_column(
        enum_column(ReportStatus), default=ReportStatus.RECEIVED, index=True
    )
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tasks.id"))
    rule_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("routing_rules.id", ondelete="SET NULL")
    )
    routing_basis: Mapped[str] = mapped_column(sa.Text)
    assigned_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acceptance_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closure_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appeal_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Years a deadline was counted across that no holiday calendar covers: shown as a warning.
    clock_warning: Mapped[str] = mapped_column(sa.String(60), default="")
    extension_state: Mapped[ExtensionState] = mapped_column(
        enum_column(ExtensionState), default=ExtensionState.NONE
    )
    extension_days: Mapped[int | None]
    extension_reason: Mapped[str | None] = mapped_column(sa.Text)
    public_summary: Mapped[str | None] = mapped_column(sa.Text)
    rating: Mapped[int | None]
    rating_comment: Mapped[str | None] = mapped_column(sa.Text)
    appealed: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    category: Mapped[Category] = relationship()
    area: Mapped[Area] = relationship()
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    task: Mapped[Task | None] = relationship()
    assigned_user: Mapped["User | None"] = relationship(foreign_keys=[assigned_user_id])
    copies: Mapped[list["ReportCopy"]] = relationship(
        back_populates="report", order_by="ReportCopy.id", cascade="all, delete-orphan"
    )
    # Events are append-only (database triggers): the ORM never deletes or orphans them, and the foreign key
    # without ON DELETE CASCADE makes deleting a report with a history fail instead of erasing it.
    events: Mapped[list["ReportEvent"]] = relationship(
        back_populates="report",
        order_by="ReportEvent.id",
        cascade="save-update, merge",
        passive_deletes="all",
    )
    evidence: Mapped[list["Evidence"]] = relationship(
        back_populates="report", order_by="Evidence.id", cascade="all, delete-orphan"
    )

    # Set when staff merged this report into another (a closed duplicate): see `ReportMerge`.
    merge: Mapped["ReportMerge | None"] = relationship(
        foreign_keys="ReportMerge.report_id", viewonly=True, uselist=False
    )

    @property
    def merged_into(self):
        """The report this duplicate was merged into, or None."""
        return self.merge.into if self.merge else None

    @property
    def running_due_at(self):
        """The deadline that runs now: acceptance while received, closure while accepted."""
        return {
            ReportStatus.RECEIVED: self.acceptance_due_at,
            ReportStatus.ACCEPTED: self.closure_due_at,
        }.get(self.status)

    @property
    def public_texts(self):
        """What the unit wrote for the public: replies and the closing result (never the description)."""
        return [e for e in self.events if e.kind in (EventKind.REPLIED, EventKind.CLOSED)]


class ReportCopy(db.Model):
    """A unit that receives a read-only copy: the task's other lead and participating units."""

    __tablename__ = "report_copies"
    __table_args__ = (sa.UniqueConstraint("report_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)

    report: Mapped[Report] = relationship(back_populates="copies")
    unit: Mapped[Unit] = relationship()


class ReporterIdentity(db.Model):
    """Who reported: kept apart from the report, read only through `services.identities`."""

    __tablename__ = "reporter_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reports.id", ondelete="CASCADE"), unique=True
    )
    # Encrypted at rest (portal/encryption.py): a database dump alone names no one.
    name: Mapped[str] = mapped_column(EncryptedText("reporter_identities.name"), default="")
    phone: Mapped[str] = mapped_column(EncryptedText("reporter_identities.phone"), default="")
    email: Mapped[str] = mapped_column(EncryptedText("reporter_identities.email"), default="")
    visibility: Mapped[IdentityVisibility] = mapped_column(enum_column(IdentityVisibility))


class EventKind(enum.Enum):
    """Something that happened to a report."""

    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    ASSIGNED = "assigned"
    TRANSFERRED = "transferred"
    EXTENSION_REQUESTED = "extension_requested"
    EXTENSION_APPROVED = "extension_approved"
    EXTENSION_REFUSED = "extension_refused"
    REPLIED = "replied"
    NOTE = "note"
    CLOSED = "closed"
    REOPENED = "reopened"
    INFORMATION_ADDED = "information_added"
    RATED = "rated"
    SUMMARY_PUBLISHED = "summary_published"
    CATEGORY_CHANGED = "category_changed"
    SUPPORTED = "supported"  # a resident added their voice (the body never names them)
    MERGED = "merged"  # on the duplicate: merged into another report, which carries on
    VOICES_ADDED = "voices_added"  # on the report a duplicate was merged into


PUBLIC_EVENTS = frozenset(
    {
        EventKind.SUBMITTED,
        EventKind.ACCEPTED,
        EventKind.NOT_ACCEPTED,
        EventKind.TRANSFERRED,
        EventKind.CATEGORY_CHANGED,
        EventKind.EXTENSION_APPROVED,
        EventKind.REPLIED,
        EventKind.CLOSED,
        EventKind.REOPENED,
        EventKind.INFORMATION_ADDED,
        EventKind.MERGED,
        EventKind.VOICES_ADDED,
    }
)


class ReportEvent(db.Model):
    """One step in a report's timeline, with who did it and when; written only by `services.history.add_event`."""

    __tablename__ = "report_events"
    # One successor per event: two concurrent appends to one report cannot fork its chain.
    __table_args__ = (sa.UniqueConstraint("report_id", "previous_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("reports.id"), index=True)
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    to_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    reason: Mapped[str | None] = mapped_column(sa.String(40))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # SHA-256 of the report's previous event (zeros for the first) and of this one, see `services.history`.
    previous_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))

    report: Mapped[Report] = relationship(back_populates="events")
    actor: Mapped["User | None"] = relationship()
    unit: Mapped[Unit | None] = relationship(foreign_keys=[unit_id])
    to_unit: Mapped[Unit | None] = relationship(foreign_keys=[to_unit_id])

    @property
    def public(self):
        """Shown to the resident on the tracking page."""
        return self.kind in PUBLIC_EVENTS


class Evidence(db.Model):
    """A file attached to a report; the public copy is re-encoded, the original kept for admins."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(10))
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int]
    sha256_original: Mapped[str] = mapped_column(sa.String(64))
    public_path: Mapped[str] = mapped_column(sa.String(200))
    original_path: Mapped[str] = mapped_column(sa.String(200))
    original_name: Mapped[str] = mapped_column(sa.String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[Report] = relationship(back_populates="evidence")


class ReportSupporter(db.Model):
    """A resident who added their voice (支持/附议) to an open report instead of filing a duplicate, or the
    reporter or a supporter of a duplicate merged into it; the identity lives in `SupporterIdentity`."""

    __tablename__ = "report_supporters"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    # A voice carried over by a merge has no form of its own, no key and no code: it tracks the duplicate.
    submission_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    receipt_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    note: Mapped[str] = mapped_column(sa.Text, default="")  # for the handling unit only
    merged_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reports.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[Report] = relationship(foreign_keys=[report_id])
    merged_from: Mapped[Report | None] = relationship(foreign_keys=[merged_from_id])


class SupporterIdentity(db.Model):
    """Who a supporter is: kept apart, encrypted, read only through `services.supporters`."""

    __tablename__ = "supporter_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    supporter_id: Mapped[int] = mapped_column(
        sa.ForeignKey("report_supporters.id", ondelete="CASCADE"), unique=True
    )
    name: Mapped[str] = mapped_column(EncryptedText("supporter_identities.name"), default="")
    phone: Mapped[str] = mapped_column(EncryptedText("supporter_identities.phone"), default="")
    email: Mapped[str] = mapped_column(EncryptedText("supporter_identities.email"), default="")
    visibility: Mapped[IdentityVisibility] = mapped_column(enum_column(IdentityVisibility))


class ReportMerge(db.Model):
    """Staff merged a duplicate (`report`, now closed) into an open report of their unit (`into`)."""

    __tablename__ = "report_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("reports.id"), unique=True)
    into_id: Mapped[int] = mapped_column(sa.ForeignKey("reports.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[Report] = relationship(foreign_keys=[report_id])
    into: Mapped[Report] = relationship(foreign_keys=[into_id])
