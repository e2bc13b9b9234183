"""Units (the responsible bodies) and areas (the 兵团 level and the 14 师(市))."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, enum_column, utcnow


class UnitKind(enum.Enum):
    """How a unit appears in the directory, and whether it can handle cases."""

    DEPARTMENT = "department"
    DIVISION = "division"
    COLLECTIVE = "collective"


class Area(db.Model):
    """Where something happens: the 兵团 level (number 0) or one 师(市)."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    city: Mapped[str | None] = mapped_column(sa.String(40))

    @property
    def label(self):
        """The name residents know: 第八师石河子市, 第十一师, 兵团."""
        return f"{self.name}{self.city or ''}"


class Unit(db.Model):
    """A responsible body: a 兵团 department, a 师(市), or a collective addressee of the policy."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind))
    area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("areas.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    area: Mapped[Area | None] = relationship()
    aliases: Mapped[list["UnitAlias"]] = relationship(
        back_populates="unit", order_by="UnitAlias.position", cascade="all, delete-orphan"
    )

    @property
    def label(self):
        """The name as the policy writes it, aliases in brackets: 兵团建设局(环保局)."""
        if not self.aliases:
            return self.name
        short = "、".join(a.name.removeprefix("兵团") for a in self.aliases)
        return f"{self.name}({short})"

    @property
    def handles_reports(self):
        """Collective addressees are named by the policy but never handle a report."""
        return self.kind is not UnitKind.COLLECTIVE


class UnitAlias(db.Model):
    """Another name the same unit acts under (兵团环保局 for 兵团建设局)."""

    __tablename__ = "unit_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    position: Mapped[int] = mapped_column(default=0)

    unit: Mapped[Unit] = relationship(back_populates="aliases")
