"""Report statistics by area and unit, month by month, from known reports: exact figures, Beijing months, and
the suppression rule that keeps 1 or 2 reports of a category from pointing at who reported."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from portal.errors import NotFound
from portal.extensions import db
from portal.models import Area
from portal.services import handling, reports, statistics
from portal.services.statistics import Cell, protect
from portal.services.units import find_unit
from tests.helpers import People
from tests.services.test_dashboard import BUSY_UNIT, PEOPLE, SMALL_UNIT, submit

BJ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=BJ)
TZ = "Asia/Shanghai"


@pytest.fixture
def app_context(english_context):
    """The services' messages in English."""
    return english_context


def plant_statistics(app):
    """第八师: 5 water reports in March 2026 (3 closed after 10, 15 and 200 days, rated 5, 4 and 2), 2 air
    reports at 01:00 on 1 June Beijing time (still 31 May in UTC), 1 noise report in mid-June.
    第六师: 3 water reports in August 2026, 1 in November 2024 (before the 24 months), 1 air report; one water
    report closed after 5 days and rated 5. Commits."""
    people = People(PEOPLE)
    config = app.config
    busy, small = people["busy"], people["small"]
    march = datetime(2026, 3, 10, 10, 0, tzinfo=BJ)
    for n, (to_close, stars) in enumerate([(10, 5), (15, 4), (200, 2), (None, None), (None, None)]):
        report = submit(f"stat-8-water-{n}", 8, march)
        handling.accept(busy, report, report.version, config, now=march + timedelta(days=1))
        if to_close:
            closed_at = march + timedelta(days=to_close)
            handling.close(
                busy, report, report.version, "已责令整改并复查。", config, now=closed_at
            )
            reports.rate(report, stars, "", now=closed_at + timedelta(hours=1))
    midnight = datetime(2026, 5, 31, 17, 0, tzinfo=UTC)  # 2026-06-01 01:00 in Beijing
    for n in range(2):
        submit(f"stat-8-air-{n}", 8, midnight, category="air")
    submit("stat-8-noise", 8, datetime(2026, 6, 15, 9, 0, tzinfo=BJ), category="noise")
    august = datetime(2026, 8, 3, 9, 0, tzinfo=BJ)
    for n in range(3):
        report = submit(f"stat-6-water-{n}", 6, august)
        if n == 0:
            handling.accept(small, report, report.version, config, now=august + timedelta(days=1))
            handling.close(
                small,
                report,
                report.version,
                "已责令整改并复查。",
                config,
                now=august + timedelta(days=5),
            )
            reports.rate(report, 5, "", now=august + timedelta(days=6))
    submit("stat-6-old", 6, datetime(2024, 11, 15, 9, 0, tzinfo=BJ))
    submit("stat-6-air", 6, august, category="air")
    db.session.commit()


@pytest.fixture
def planted(app_context):
    """The known reports."""
    plant_statistics(app_context)


def by_number(records):
    """{area number: Record}."""
    return {r.key: r for r in records}


def counts_of(record):
    """{category code: cell text} for the categories with reports or hidden cells."""
    return {c.code: cell.text for c, cell in record.by_category.items() if cell.count}


def test_the_rule_hides_one_or_two_and_protects_a_lone_hidden_cell():
    """1 and 2 → "<3"; 0 and 3+ shown; a single hidden cell takes the smallest other non-zero one with it."""
    assert protect({"a": 0, "b": 3, "c": 7}) == {"a": Cell(0), "b": Cell(3), "c": Cell(7)}
    both = protect({"a": 1, "b": 2, "c": 9})
    assert [both[k].text for k in "abc"] == ["<3", "<3", "9"]
    lone = protect({"a": 1, "b": 0, "c": 5, "d": 4})
    assert [lone[k].text for k in "abcd"] == ["<3", "0", "5", "—"]
    assert lone["d"].count == 4 and lone["d"].value is None
    # Nothing else to hide: the total alone cannot tell 1 from 2 apart from the hidden one itself.
    assert protect({"a": 2, "b": 0})["a"].text == "<3"


def test_area_figures_are_exact(app_context, planted):
    """Totals, closure in time, median days, mean rating (from 3 ratings), categories with the rule applied."""
    records, total, months = statistics.area_records(TZ, now=NOW)
    assert [r.key for r in records] == list(range(15))
    areas = by_number(records)
    eight, six = areas[8], areas[6]
    assert eight.name == "第八师石河子市"
    assert (eight.received, eight.accepted, eight.closed, eight.closed_within_limit) == (8, 5, 3, 2)
    assert eight.closed_within_limit_percent == Decimal("66.7")
    assert eight.median_days_to_closure == Decimal("15.0")
    assert (eight.ratings, eight.mean_rating) == (3, Decimal("3.7"))
    assert counts_of(eight) == {"air": "<3", "water": "5", "noise": "<3"}
    assert (six.received, six.closed, six.ratings, six.mean_rating) == (5, 1, 1, None)
    assert counts_of(six) == {"air": "<3", "water": "—"}  # 4 water reports, hidden to protect the 1
    assert areas[0].received == 0 and areas[0].chart is None
    assert (total.received, total.closed, total.ratings, total.mean_rating) == (
        13,
        4,
        4,
        Decimal("4.0"),
    )
    assert months[0].isoformat() == "2025-01-01" and months[-1].isoformat() == "2026-12-01"


def test_months_are_beijing_months(app_context, planted):
    """Reports fall in the Beijing calendar month they arrived in; older ones count in totals only."""
    eight = by_number(statistics.area_records(TZ, now=NOW)[0])[8]
    months = {m.label: m for m in eight.months}
    assert len(eight.months) == 24
    march, may, june, september = (months[k] for k in ("2026-03", "2026-05", "2026-06", "2026-09"))
    assert (march.received, march.accepted, march.closed, march.closed_within_limit) == (5, 5, 2, 2)
    assert (march.ratings, march.mean_rating) == (2, None)  # two ratings: too few to average
    assert (may.received, june.received) == (0, 3)
    assert (september.closed, september.closed_within_limit, september.ratings) == (1, 0, 1)
    six = by_number(statistics.area_records(TZ, now=NOW)[0])[6]
    assert six.received == 5 and six.months_received == 4
    # In UTC the air reports would be May's.
    utc = by_number(statistics.area_records("UTC", now=NOW)[0])[8]
    assert {m.label: m.received for m in utc.months}["2026-05"] == 2


def test_one_area_and_an_unknown_number(app_context, planted):
    """An area's record by number; a number that is no area is NotFound naming the valid numbers."""
    record = statistics.area_record(8, TZ, now=NOW)
    assert (record.key, record.received, record.months_received) == (8, 8, 8)
    assert record.chart is not None and set(record.chart.lines) == {"received", "closed"}
    with pytest.raises(NotFound, match="0, the divisions 1 to 14"):
        statistics.area_record(15, TZ, now=NOW)


def test_unit_trends_of_the_units_asked_for(app_context, planted):
    """Each unit's months: 第六师 has 4 in the months shown even though it has few reports."""
    units = {find_unit(name).id: name for name in (BUSY_UNIT, SMALL_UNIT)}
    trends = statistics.unit_trends(units, TZ, now=NOW)
    names = {r.name: r for r in trends.values()}
    assert set(names) == {BUSY_UNIT, SMALL_UNIT}
    assert names[SMALL_UNIT].months_received == 4
    assert {m.label: m.received for m in names[BUSY_UNIT].months}["2026-06"] == 3


def test_csv_rows_carry_the_rule(app_context, planted):
    """The areas CSV hides the same cells as the page; the monthly CSV has one row per area and month."""
    records, total, _months = statistics.area_records(TZ, now=NOW)
    header, rows = statistics.area_csv(records, total)
    six = next(r for r in rows if r[0] == 6)
    assert six[header.index("received_air")] == "<3"
    assert six[header.index("received_water")] == "—"
    assert rows[-1][:3] == ["", "all", 13]
    monthly = statistics.month_csv(records)
    assert len(monthly) == 15 * 24
    assert [8, "第八师石河子市", "2026-03", 5, 5, 2, 2, 2, None] in monthly


def test_one_grouped_select_whatever_the_number_of_areas(app_context, planted):
    """The areas' figures take a fixed number of statements: areas, categories, the reports counted by the
    database (one grouped statement), and the durations of closed reports for the medians."""
    seen = []

    def count(*_args):
        seen.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        statistics.area_records(TZ, now=NOW)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(seen) <= 4
    assert db.session.scalar(sa.select(sa.func.count(Area.id))) == 15
