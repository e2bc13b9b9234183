"""The policy the portal serves: document, chapters, measures, tasks and goals."""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, enum_column, utcnow
from portal.models.units import Unit


class PolicyDocument(db.Model):
    """The imported policy text and its metadata; re-imports compare `sha256`."""

    __tablename__ = "policy_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    issuer: Mapped[str] = mapped_column(sa.String(80))
    written_on: Mapped[date | None]
    published_on: Mapped[date | None]
    preamble: Mapped[str] = mapped_column(sa.Text, default="")
    sha256: Mapped[str] = mapped_column(sa.String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    chapters: Mapped[list["Chapter"]] = relationship(
        back_populates="document", order_by="Chapter.number", cascade="all, delete-orphan"
    )


class Chapter(db.Model):
    """一、 … 九、: a group of measures."""

    __tablename__ = "chapters"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("policy_documents.id"), index=True)
    number: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))

    document: Mapped[PolicyDocument] = relationship(back_populates="chapters")
    measures: Mapped[list["Measure"]] = relationship(
        back_populates="chapter", order_by="Measure.number"
    )


class Measure(db.Model):
    """(一) … (三十五): a numbered measure with its full text; its number is its permanent address."""

    __tablename__ = "measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    chapter_id: Mapped[int] = mapped_column(sa.ForeignKey("chapters.id"), index=True)
    number: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    text: Mapped[str] = mapped_column(sa.Text)

    chapter: Mapped[Chapter] = relationship(back_populates="measures")
    tasks: Mapped[list["Task"]] = relationship(back_populates="measure", order_by="Task.position")

    @property
    def paragraphs(self):
        """The text as paragraphs, without the heading's number and title (shown above it)."""
        first, *rest = self.text.split("\n")
        body = first.partition("。")[2].strip()
        return ([body] if body else []) + rest


class TaskKind(enum.Enum):
    """Where a task comes from in the text."""

    PARAGRAPH = "paragraph"  # a titled paragraph with its own annotation
    MEASURE = "measure"  # a measure whose single annotation covers it whole
    GOAL = "goal"  # a —— goal bullet of measure (三)


class TaskUnitRole(enum.Enum):
    """A unit's part in a task."""

    LEAD = "lead"
    PARTICIPATING = "participating"


class Task(db.Model):
    """A responsibility assignment inside a measure, with ordered lead and participating units."""

    __tablename__ = "tasks"
    __table_args__ = (sa.UniqueConstraint("measure_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(sa.ForeignKey("measures.id"), index=True)
    position: Mapped[int]
    kind: Mapped[TaskKind] = mapped_column(enum_column(TaskKind))
    title: Mapped[str] = mapped_column(sa.String(200))
    text: Mapped[str] = mapped_column(sa.Text)
    # The policy ends some lists with 等 (and others): the named units are not the whole list.
    participating_open: Mapped[bool] = mapped_column(default=False)

    measure: Mapped[Measure] = relationship(back_populates="tasks")
    assignments: Mapped[list["TaskUnit"]] = relationship(
        back_populates="task", order_by="TaskUnit.position", cascade="all, delete-orphan"
    )

    def units(self, role):
        """The units in `role`, in the policy's order."""
        return [a.unit for a in self.assignments if a.role is role]

    @property
    def lead_units(self):
        """Lead units (牵头单位) in order."""
        return self.units(TaskUnitRole.LEAD)

    @property
    def participating_units(self):
        """Participating units (参加单位) in order."""
        return self.units(TaskUnitRole.PARTICIPATING)


class TaskUnit(db.Model):
    """One unit's place in a task's lead or participating list."""

    __tablename__ = "task_units"
    __table_args__ = (sa.UniqueConstraint("task_id", "role", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    role: Mapped[TaskUnitRole] = mapped_column(enum_column(TaskUnitRole))
    position: Mapped[int]

    task: Mapped[Task] = relationship(back_populates="assignments")
    unit: Mapped[Unit] = relationship()


class Comparison(enum.Enum):
    """How an observed value is judged against a goal's target."""

    AT_MOST = "le"
    AT_LEAST = "ge"
    EQUAL = "eq"
    REDUCTION_BY = "reduce_by"

    @property
    def symbol(self):
        """≤, ≥, = or −."""
        return {"le": "≤", "ge": "≥", "eq": "=", "reduce_by": "−"}[self.value]


class Goal(db.Model):
    """A numeric target of measure (三), e.g. 用水总量 ≤ 120 亿立方米 by 2020."""

    __tablename__ = "goals"
    __table_args__ = (sa.UniqueConstraint("task_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(120))
    comparison: Mapped[Comparison] = mapped_column(enum_column(Comparison))
    target_value: Mapped[Decimal] = mapped_column(sa.Numeric(16, 4))
    unit_of_measure: Mapped[str] = mapped_column(sa.String(20), default="")
    baseline_year: Mapped[int | None]
    target_year: Mapped[int]
    source_text: Mapped[str] = mapped_column(sa.Text)

    task: Mapped[Task] = relationship()

    @property
    def lead_units(self):
        """The lead units of the task (the goal bullet) this goal belongs to."""
        return self.task.lead_units

    @property
    def target_display(self):
        """The target as written for people: ≤ 120 亿立方米, − 25 % (vs 2015)."""
        value = format(self.target_value.normalize(), "f")
        return f"{self.comparison.symbol} {value}{self.unit_of_measure}"
