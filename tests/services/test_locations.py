"""A report's public location: the reported point rounded to about 500 m on a grid, confirmed by the handling unit
on acceptance (or no point at all), and what the policy lets the public see of it."""

import math
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.errors import ValidationFailed
from portal.extensions import db
from portal.models import Report
from portal.services import access
from portal.services.locations import (
    LATITUDE_STEP,
    PublicLocation,
    choice_from,
    confirm,
    rounded_point,
)

# 石河子 and points near the equator, the poles and the antimeridian.
POINTS = [
    (44.305123, 86.051234),
    (44.307499, 86.054999),
    (43.825592, 87.616848),
    (0.001234, 0.002345),
    (-33.868820, 151.209296),
    (89.999, 179.999),
    (-89.999, -179.999),
]


def metres(a, b):
    """The great-circle distance between two (latitude, longitude) points, in metres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*map(float, a), *map(float, b)))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


@pytest.mark.parametrize("point", POINTS)
def test_rounded_point_is_on_the_grid_and_within_about_400_metres(point):
    """The public point is a grid node (0.005° of latitude, six decimals) at most about 400 m away."""
    lat, lon = rounded_point(*point)
    assert isinstance(lat, Decimal) and -lat.as_tuple().exponent == 6
    assert float(lat) / LATITUDE_STEP == pytest.approx(round(float(lat) / LATITUDE_STEP))
    assert -90 <= lat <= 90 and -180 <= lon <= 180
    if (
        abs(point[0]) < 89
    ):  # near a pole the longitude steps are capped, and the distance means little
        assert metres(point, (lat, lon)) < 400


def test_points_in_one_cell_share_one_public_point_and_the_cell_is_about_500_metres():
    """Two points a hundred metres apart in one cell give the same public point; the next cell's is ~500 m away."""
    assert rounded_point(44.305123, 86.051234) == rounded_point(44.305900, 86.050600)
    here = rounded_point(44.305123, 86.051234)
    north = rounded_point(44.310123, 86.051234)
    east = rounded_point(44.305123, 86.058234)
    assert 500 < metres(here, north) < 600
    assert 500 < metres(here, east) < 600  # the longitude step matches the latitude step's distance


def test_rounded_point_never_repeats_the_reported_digits():
    """The six decimals the resident's phone gave are not in the public point."""
    lat, lon = rounded_point(44.305123, 86.051234)
    assert str(lat) == "44.305000"
    assert "305123" not in str(lat) and "051234" not in str(lon)
    assert lon != Decimal("86.051234")


def test_the_choice_defaults_to_the_rounded_point_and_a_bad_one_names_the_field():
    """An empty choice is the rounded point; an unknown one is a clear error on `public_location`."""
    assert choice_from("") is PublicLocation.ROUNDED
    assert choice_from("place_only") is PublicLocation.PLACE_ONLY
    with pytest.raises(ValidationFailed) as raised:
        choice_from("exact")
    assert raised.value.errors[0][0] == "public_location"


def test_confirm_sets_the_public_point_or_none():
    """Rounded: the grid point; place only, or no reported point: no public point."""
    report = Report(latitude=Decimal("44.305123"), longitude=Decimal("86.051234"))
    confirm(report, PublicLocation.ROUNDED)
    assert (report.public_latitude, report.public_longitude) == rounded_point(44.305123, 86.051234)
    confirm(report, PublicLocation.PLACE_ONLY)
    assert report.public_latitude is None and report.public_longitude is None
    without = Report(latitude=None, longitude=None)
    confirm(without, PublicLocation.ROUNDED)
    assert without.public_latitude is None


def test_public_point_is_the_confirmed_one_and_sql_agrees(app_context):
    """The policy's check and its SQL select the same reports: those with a confirmed public point."""
    rows = [
        Report(latitude=Decimal("44.305123"), longitude=Decimal("86.051234")),
        Report(
            latitude=Decimal("44.305123"),
            longitude=Decimal("86.051234"),
            public_latitude=Decimal("44.305"),
            public_longitude=Decimal("86.052624"),
        ),
        Report(latitude=None, longitude=None),
    ]
    assert [access.public_point(r) for r in rows] == [None, (44.305, 86.052624), None]
    assert access.public_point(rows[1]) != (44.305123, 86.051234)
    # The SQL condition, on the reports in the database (none has a public point before an acceptance).
    on_map = db.session.scalar(
        sa.select(sa.func.count()).select_from(Report).where(access.REPORT_POINTS.where())
    )
    assert on_map == 0
