"""What the records a unit drafts and then publishes (consultations, disclosures; task reports later) share
as tables: the columns of the record itself, its links to policy tasks, and its attachments.

Mixins only add columns and relationships; each table keeps its name, its own columns and its own
migration (tests/test_migrations.py compares the models with the migrations).
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow
from portal.models.units import Area, Unit


class UnitRecord:
    """A record its responsible unit drafts, publishes and may withdraw with a public reason; optimistically locked:
    a change made from an out-of-date page fails (StaleDataError) instead of overwriting someone else's."""

    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id"), index=True)
    withdrawn_reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(cls):  # noqa: N805 (declared_attr is a class method)
        """Every change raises the version: `version` is the optimistic lock."""
        return {"version_id_col": cls.__table__.c.version}

    @declared_attr
    def unit(cls) -> Mapped[Unit]:  # noqa: N805 (declared_attr is a class method)
        """The responsible unit."""
        return relationship()

    @declared_attr
    def area(cls) -> Mapped[Area]:  # noqa: N805
        """The area (the 兵团 level or a division) the record is about."""
        return relationship()

    @declared_attr
    def attachments(cls):  # noqa: N805
        """The record's files (`<Record>Attachment`), in the order they were added."""
        files = f"{cls.__name__}Attachment"
        return relationship(
            files,
            back_populates=cls.__tablename__[:-1],
            order_by=f"{files}.id",
            cascade="all, delete-orphan",
        )


def task_links(table_name, owner_table):
    """The association table of a record and the policy tasks it carries out or reports on.

    Its columns are `<owner>_id` (deleted with the record) and `task_id`, both the primary key.
    """
    owner = owner_table[:-1]  # consultations → consultation
    return sa.Table(
        table_name,
        db.metadata,
        sa.Column(
            f"{owner}_id", sa.ForeignKey(f"{owner_table}.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("task_id", sa.ForeignKey("tasks.id"), primary_key=True),
    )


class AttachmentMixin:
    """A file published with a record (PDF as cleaned, images re-encoded), stored under the data directory.

    The mapped class names its owner's table, `class ConsultationAttachment(AttachmentMixin, db.Model,
    owner="consultations")`, which gives it the table `consultation_attachments`, the foreign key
    `consultation_id` (deleted with the record) and the relationship `consultation`
    (`portal.services.attachments` keeps the files).
    """

    def __init_subclass__(cls, owner=None, **kwargs):
        """Add the table name, the foreign key to `owner` and the relationship back, before the class is mapped."""
        if owner is not None:
            name = owner[:-1]  # consultations → consultation
            cls.__tablename__ = f"{name}_attachments"
            setattr(
                cls,
                f"{name}_id",
                mapped_column(
                    sa.ForeignKey(f"{owner}.id", ondelete="CASCADE"), index=True, nullable=False
                ),
            )
            # ConsultationAttachment → Consultation
            record = cls.__name__.removesuffix("Attachment")
            setattr(cls, name, relationship(record, back_populates="attachments"))
        super().__init_subclass__(**kwargs)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The client's name, cleaned for display only: downloads get a name made by the server.
    filename: Mapped[str] = mapped_column(sa.String(120))
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int]
    # Of the stored bytes, i.e. of what the public downloads (images are re-encoded).
    sha256: Mapped[str] = mapped_column(sa.String(64))
    # Relative to the data directory; the server's random name, never the client's.
    path: Mapped[str] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
