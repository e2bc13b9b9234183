"""Environmental information disclosures (环境信息公开): versions, attachments, and goal observations."""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.policy import Goal, Task
from portal.models.records import AttachmentMixin, UnitRecord, task_links
from portal.models.types import UTCDateTime, enum_column, utcnow


class DisclosureState(enum.Enum):
    """draft → published (each published change a new version) → withdrawn (kept as a tombstone)."""

    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class DisclosureCategory(db.Model):
    """A kind of disclosure (环境质量, 排污许可, …); administrators edit the list."""

    __tablename__ = "disclosure_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(sa.String(60))
    name_en: Mapped[str] = mapped_column(sa.String(80))
    position: Mapped[int] = mapped_column(default=0)
    # A retired category keeps its disclosures but is not offered for new ones.
    active: Mapped[bool] = mapped_column(default=True)
    # Only a category that carries statistics (统计数据) takes goal observations.
    takes_observations: Mapped[bool] = mapped_column(default=False)


disclosure_tasks = task_links("disclosure_tasks", "disclosures")


class Disclosure(UnitRecord, db.Model):
    """What a unit discloses; `title` and `body` are the current text, `versions` every published one."""

    __tablename__ = "disclosures"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("disclosure_categories.id"), index=True)
    state: Mapped[DisclosureState] = mapped_column(
        enum_column(DisclosureState), default=DisclosureState.DRAFT, index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    # Markdown as written; rendered with raw HTML off and sanitised on the way out.
    body: Mapped[str] = mapped_column(sa.Text, default="")
    # The date the unit gives as its publication date (may precede its arrival on the portal).
    published_on: Mapped[date | None]
    first_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    category: Mapped[DisclosureCategory] = relationship()
    tasks: Mapped[list[Task]] = relationship(secondary=disclosure_tasks, order_by=Task.id)
    # Versions are append-only (database triggers): never deleted or orphaned through the ORM.
    versions: Mapped[list["DisclosureVersion"]] = relationship(
        back_populates="disclosure",
        order_by="DisclosureVersion.number",
        cascade="save-update, merge",
        passive_deletes="all",
    )
    observations: Mapped[list["Observation"]] = relationship(
        back_populates="disclosure", order_by="Observation.id", cascade="all, delete-orphan"
    )


class DisclosureVersion(db.Model):
    """One published text of a disclosure, numbered from 1; never changed once written."""

    __tablename__ = "disclosure_versions"
    __table_args__ = (sa.UniqueConstraint("disclosure_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(sa.ForeignKey("disclosures.id"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    # What changed and why, as the unit explains it to the public.
    note: Mapped[str] = mapped_column(sa.Text, default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    disclosure: Mapped[Disclosure] = relationship(back_populates="versions")


class DisclosureAttachment(AttachmentMixin, db.Model, owner="disclosures"):
    """A file published with a disclosure."""


class Observation(db.Model):
    """A value of a goal for one year, published in a 统计数据 disclosure."""

    __tablename__ = "observations"
    __table_args__ = (sa.UniqueConstraint("disclosure_id", "goal_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(
        sa.ForeignKey("disclosures.id", ondelete="CASCADE"), index=True
    )
    goal_id: Mapped[int] = mapped_column(sa.ForeignKey("goals.id"), index=True)
    year: Mapped[int]
    value: Mapped[Decimal] = mapped_column(sa.Numeric(16, 4))
    source: Mapped[str] = mapped_column(sa.String(300), default="")

    disclosure: Mapped[Disclosure] = relationship(back_populates="observations")
    goal: Mapped[Goal] = relationship()
