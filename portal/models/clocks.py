"""Holiday overrides: the days where the official calendar differs from what the library knows."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class HolidayOverride(db.Model):
    """One day declared a working day (调休 make-up day) or a holiday, overriding chinesecalendar."""

    __tablename__ = "holiday_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, unique=True)
    is_workday: Mapped[bool] = mapped_column(sa.Boolean)
    note: Mapped[str] = mapped_column(sa.String(200), default="")
