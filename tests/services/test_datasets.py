"""The schedule of the open data's bulk files (services/datasets.py)."""

from datetime import UTC, datetime

import pytest

from portal.services.datasets import due
from portal.text import csv_text

URUMQI = "Asia/Urumqi"  # UTC+6: 03:00 there is 21:00 UTC the day before


def manifest(written):
    return {"written_at": written.isoformat(), "datasets": {}}


@pytest.mark.parametrize(
    ("written", "now", "expected"),
    [
        (None, datetime(2026, 6, 1, 12, tzinfo=UTC), True),
        # Written after 03:00 local on 1 June; at noon local the same day: not again.
        (datetime(2026, 5, 31, 21, 30, tzinfo=UTC), datetime(2026, 6, 1, 6, tzinfo=UTC), False),
        # The next local day, after 03:00: due.
        (datetime(2026, 5, 31, 21, 30, tzinfo=UTC), datetime(2026, 6, 1, 21, 5, tzinfo=UTC), True),
        # The next local day but before 03:00: not yet.
        (datetime(2026, 5, 31, 21, 30, tzinfo=UTC), datetime(2026, 6, 1, 20, 0, tzinfo=UTC), False),
        # Written at 02:00 local (before the hour): due once 03:00 comes the same day.
        (datetime(2026, 5, 31, 20, 0, tzinfo=UTC), datetime(2026, 5, 31, 21, 1, tzinfo=UTC), True),
    ],
)
def test_files_are_due_once_a_day_after_the_hour_in_the_portals_time_zone(written, now, expected):
    assert due(manifest(written) if written else None, now, 3, URUMQI) is expected


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_written_as_text():
    text = csv_text(("a", "b"), [('=HYPERLINK("x")', "-5")])
    assert text.splitlines()[1] == '"\'=HYPERLINK(""x"")",-5'
