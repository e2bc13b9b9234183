"""The admin-edited table of working-day overrides, for years the holiday calendar does not cover."""

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.errors import NotFound, ValidationFailed
from portal.extensions import db
from portal.models import HolidayOverride
from portal.services.clocks import library_covers


def list_overrides():
    """All overrides, latest first."""
    return db.session.scalars(sa.select(HolidayOverride).order_by(HolidayOverride.day.desc())).all()


def set_override(day, is_workday, note=""):
    """Declare `day` a working day or a holiday, replacing any earlier override for it."""
    if not isinstance(day, date):
        raise ValidationFailed(_("Enter the date."), field="day")
    if len(note or "") > 200:
        raise ValidationFailed(_("The note must be 200 characters or fewer."), field="note")
    override = db.session.scalar(sa.select(HolidayOverride).where(HolidayOverride.day == day))
    if override is None:
        override = HolidayOverride(day=day)
        db.session.add(override)
    override.is_workday, override.note = bool(is_workday), (note or "").strip()
    db.session.flush()
    return override


def remove_override(override_id):
    """Delete one override."""
    override = db.session.get(HolidayOverride, override_id)
    if override is None:
        raise NotFound(_("This override does not exist."))
    db.session.delete(override)


def coverage(years):
    """(year, covered by the holiday calendar, number of overrides) for each year."""
    counts = dict(
        db.session.execute(
            sa.select(sa.extract("year", HolidayOverride.day), sa.func.count()).group_by(
                sa.extract("year", HolidayOverride.day)
            )
        ).all()
    )
    return [(year, library_covers(year), int(counts.get(year, 0))) for year in years]
