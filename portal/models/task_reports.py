"""Task implementation reports (落实情况): a lead unit's report on one policy task for one period, its
published versions, the evidence it links, the participating units' contributions, the reminders sent, and
once a report is published, every later change of its contributions and evidence links (append-only)."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.policy import Task
from portal.models.types import UTCDateTime, enum_column, utcnow
from portal.models.units import Unit


class TaskReportState(enum.Enum):
    """draft → published (each published change a new version)."""

    DRAFT = "draft"
    PUBLISHED = "published"


class TaskStatus(enum.Enum):
    """How far the task is carried out, as the lead unit reports it."""

    NOT_STARTED = "not_started"  # 未启动
    IN_PROGRESS = "in_progress"  # 推进中
    DONE = "done"  # 已完成
    SUSTAINED = "sustained"  # 已完成并长效化


class EvidenceKind(enum.Enum):
    """What a report may link as evidence: public records of the portal."""

    DISCLOSURE = "disclosure"
    CONSULTATION = "consultation"
    REPORT = "report"  # a closed citizen report
    OBSERVATION = "observation"  # a goal observation of a published disclosure


class TaskReport(db.Model):
    """One (task, lead unit, period) report; `status` … `next_steps` are the draft or the latest version's values."""

    __tablename__ = "task_reports"
    __table_args__ = (sa.UniqueConstraint("task_id", "unit_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    # "2026" for the annual report, "2026-H1" / "2026-H2" for a half-year one.
    period: Mapped[str] = mapped_column(sa.String(7))
    state: Mapped[TaskReportState] = mapped_column(
        enum_column(TaskReportState), default=TaskReportState.DRAFT, index=True
    )
    status: Mapped[TaskStatus] = mapped_column(enum_column(TaskStatus))
    progress: Mapped[int | None]
    # Markdown as written; rendered with raw HTML off and sanitised on the way out.
    done_text: Mapped[str] = mapped_column(sa.Text, default="")
    next_steps: Mapped[str] = mapped_column(sa.Text, default="")
    first_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The optimistic lock: a change made from an out-of-date page fails instead of overwriting.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    task: Mapped[Task] = relationship()
    unit: Mapped[Unit] = relationship()
    versions: Mapped[list["TaskReportVersion"]] = relationship(
        back_populates="report",
        order_by="TaskReportVersion.number",
        cascade="save-update, merge",
        passive_deletes="all",
    )
    evidence: Mapped[list["TaskReportEvidence"]] = relationship(
        back_populates="report",
        order_by="(TaskReportEvidence.kind, TaskReportEvidence.item_id)",
        cascade="all, delete-orphan",
    )
    contributions: Mapped[list["TaskReportContribution"]] = relationship(
        back_populates="report",
        order_by="TaskReportContribution.id",
        cascade="all, delete-orphan",
    )
    contribution_changes: Mapped[list["TaskReportContributionChange"]] = relationship(
        back_populates="report",
        order_by="TaskReportContributionChange.id",
        cascade="save-update, merge",
        passive_deletes="all",
    )
    evidence_changes: Mapped[list["TaskReportEvidenceChange"]] = relationship(
        back_populates="report",
        order_by="TaskReportEvidenceChange.id",
        cascade="save-update, merge",
        passive_deletes="all",
    )


class TaskReportVersion(db.Model):
    """One published text of a task report, numbered from 1; never changed once written."""

    __tablename__ = "task_report_versions"
    __table_args__ = (sa.UniqueConstraint("report_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("task_reports.id"), index=True)
    number: Mapped[int]
    status: Mapped[TaskStatus] = mapped_column(enum_column(TaskStatus))
    progress: Mapped[int | None]
    done_text: Mapped[str] = mapped_column(sa.Text)
    next_steps: Mapped[str] = mapped_column(sa.Text)
    # What changed and why, as the unit explains it to the public.
    note: Mapped[str] = mapped_column(sa.Text, default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # As the version was published: the evidence keys (["disclosure:12", …]) and the contributions
    # ([{"unit_id": 3, "text": "…"}]). None for versions published before revision 0020 (not recorded).
    evidence_keys: Mapped[list | None] = mapped_column(sa.JSON)
    contribution_texts: Mapped[list | None] = mapped_column(sa.JSON)

    report: Mapped[TaskReport] = relationship(back_populates="versions")

    @property
    def title(self):
        """Compared as the first line of a diff: the status and progress."""
        progress = "" if self.progress is None else f" {self.progress}%"
        return f"{self.status.value}{progress}"

    @property
    def body(self):
        """What was done, then the next steps: the text a diff compares."""
        return f"{self.done_text}\n\n{self.next_steps}".strip()


class TaskReportEvidence(db.Model):
    """A public record a task report links as evidence; shown only while that record stays public."""

    __tablename__ = "task_report_evidence"

    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("task_reports.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[EvidenceKind] = mapped_column(enum_column(EvidenceKind), primary_key=True)
    item_id: Mapped[int] = mapped_column(primary_key=True)

    report: Mapped[TaskReport] = relationship(back_populates="evidence")


class TaskReportContribution(db.Model):
    """A participating unit's own account of its part, public with the lead unit's report under its name."""

    __tablename__ = "task_report_contributions"
    __table_args__ = (sa.UniqueConstraint("report_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("task_reports.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    report: Mapped[TaskReport] = relationship(back_populates="contributions")
    unit: Mapped[Unit] = relationship()


class EvidenceChange(enum.Enum):
    """What happened to an evidence link of a published report."""

    ADDED = "added"
    REMOVED = "removed"


class TaskReportContributionChange(db.Model):
    """A participating unit changed its contribution to a published report: the text before and after ("" when
    there was none, or it was removed). Never changed or deleted; who did it (a staff user) is never public."""

    __tablename__ = "task_report_contribution_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No ON DELETE CASCADE: a report with a history cannot be deleted.
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("task_reports.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    old_text: Mapped[str] = mapped_column(sa.Text)
    new_text: Mapped[str] = mapped_column(sa.Text)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    report: Mapped[TaskReport] = relationship(back_populates="contribution_changes")
    unit: Mapped[Unit] = relationship()


class TaskReportEvidenceChange(db.Model):
    """An evidence link added to or removed from a published report, by its lead unit. Never changed or deleted."""

    __tablename__ = "task_report_evidence_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("task_reports.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    kind: Mapped[EvidenceKind] = mapped_column(enum_column(EvidenceKind))
    item_id: Mapped[int]
    change: Mapped[EvidenceChange] = mapped_column(enum_column(EvidenceChange))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    report: Mapped[TaskReport] = relationship(back_populates="evidence_changes")

    @property
    def key(self):
        """ "disclosure:12", as the version snapshots and forms name the item."""
        return f"{self.kind.value}:{self.item_id}"


class TaskReportReminder(db.Model):
    """The reminder queued for a lead unit's administrators before a report's due date: once per period."""

    __tablename__ = "task_report_reminders"

    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
