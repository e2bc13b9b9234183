"""A report's public location: the reported point rounded to about 500 m, or no point at all.

The resident's own point (from the browser's location or a tap on the map, WGS-84) stays the handling
unit's. When the unit accepts a report it confirms what the public sees (`PublicLocation`): by default
the point snapped to a grid of 0.005° of latitude (about 556 m) by the longitude step that spans the
same distance at that latitude (0.005° / cos(latitude): about 0.0069° at 石河子's 44° N), so that a
cell is roughly square and the public point is at most about 390 m from the reported one; or only the
place text, with no point public.
"""

import enum
import math
from decimal import ROUND_HALF_EVEN, Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.errors import ValidationFailed

LATITUDE_STEP = 0.005
SIX_DECIMALS = Decimal("0.000001")


class PublicLocation(enum.Enum):
    """What staff make public of the reported point when they accept a report."""

    ROUNDED = "rounded"  # the point rounded to about 500 m
    PLACE_ONLY = "place_only"  # no point: the public sees the area only

    @property
    def label(self):
        """The choice as staff read it."""
        return {
            PublicLocation.ROUNDED: _l("Show the point rounded to about 500 m"),
            PublicLocation.PLACE_ONLY: _l("Show no point (place text only)"),
        }[self]


def _six(value):
    return Decimal(repr(value)).quantize(SIX_DECIMALS, rounding=ROUND_HALF_EVEN)


def rounded_point(latitude, longitude):
    """(latitude, longitude) snapped to the grid of about 500 m, as Decimals with 6 decimals."""
    lat = round(float(latitude) / LATITUDE_STEP) * LATITUDE_STEP
    # Near a pole the longitude step would grow without bound: there one step of 0.005° / cos(89°) is enough.
    step = LATITUDE_STEP / max(math.cos(math.radians(lat)), math.cos(math.radians(89)))
    lon = round(float(longitude) / step) * step
    lon = max(-180.0, min(180.0, lon))
    return _six(lat), _six(lon)


def choice_from(value):
    """The staff's choice `value` ('rounded' when empty), or ValidationFailed naming the field."""
    try:
        return PublicLocation(value or PublicLocation.ROUNDED.value)
    except ValueError:
        raise ValidationFailed(
            _("Public location: choose the rounded point or the place text only."),
            field="public_location",
        ) from None


def confirm(report, choice):
    """Set `report`'s public point from its reported point and the staff's `choice` (a PublicLocation)."""
    if choice is PublicLocation.ROUNDED and report.latitude is not None:
        report.public_latitude, report.public_longitude = rounded_point(
            report.latitude, report.longitude
        )
    else:
        report.public_latitude = report.public_longitude = None
