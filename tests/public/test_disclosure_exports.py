"""/disclosures.csv: the public disclosure list as a spreadsheet, with the list's filters."""

import csv
import io

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Disclosure, User
from portal.services import disclosures
from tests.api.test_disclosures_api import DRAFT_TITLE, T0, category, disclosure_world  # noqa: F401 (fixture)

HEADER = ["id", "title", "category", "unit", "area", "published_on", "versions", "state", "url"]


def rows(response):
    """The CSV rows of a download, after checking it is UTF-8 with a byte-order mark and an attachment."""
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == "attachment; filename=disclosures.csv"
    data = response.get_data()
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_one_row_per_public_disclosure_newest_first(client, disclosure_world):  # noqa: F811 (fixture)
    """The same order as the list, drafts never, with the version count and the state."""
    table = rows(client.get("/disclosures.csv"))
    assert table[0] == HEADER
    world = disclosure_world
    assert [int(r[0]) for r in table[1:]] == [
        world[k] for k in ("penalty", "permit", "quality", "statistics")
    ]
    penalty, permit, quality, _statistics = table[1:]
    assert penalty[1:] == [
        "石河子市某企业行政处罚决定",
        "行政处罚",
        "第八师石河子市",
        "第八师石河子市",
        "2026-03-04",
        "1",
        "withdrawn",
        f"http://localhost/disclosures/{world['penalty']}",
    ]
    assert (permit[6], permit[7]) == ("2", "published")
    assert quality[2:6] == ["环境质量", "兵团建设局", "兵团", "2026-03-01"]
    assert DRAFT_TITLE not in client.get("/disclosures.csv").get_data(as_text=True)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("unit={shz_unit}", ["penalty", "permit"]),
        ("category=statistics", ["statistics"]),
        ("area=0&year=2026", ["quality"]),
        ("measure=14", ["quality"]),
    ],
)
def test_filters_as_on_the_list(client, disclosure_world, query, expected):  # noqa: F811 (fixture)
    """The list page's filters select the same rows."""
    table = rows(client.get("/disclosures.csv?" + query.format(**disclosure_world)))
    assert [int(r[0]) for r in table[1:]] == [disclosure_world[k] for k in expected]


def test_every_page_is_exported(app, client, disclosure_world):  # noqa: F811 (fixture)
    """More disclosures than one page of the list (at most 100): all of them are in the file."""
    with app.app_context():
        staff = db.session.scalar(sa.select(User).where(User.username == "jsj"))
        for number in range(110):
            item = disclosures.create_draft(
                staff.unit,
                category("monitoring"),
                f"监测数据第{number}期",
                0,
                body="正文。",
                created_by=staff,
            )
            disclosures.publish(staff, item, now=T0)
        db.session.commit()
    table = rows(client.get("/disclosures.csv"))
    assert len(table) - 1 == 114 and len({r[0] for r in table[1:]}) == 114


def test_a_formula_in_a_title_is_not_run_by_spreadsheets(app, client, disclosure_world):  # noqa: F811 (fixture)
    """A title starting with = is written as text."""
    with app.app_context():
        staff = db.session.scalar(sa.select(User).where(User.username == "shz"))
        permit = db.session.get(Disclosure, disclosure_world["permit"])
        disclosures.revise(
            staff, permit, '=HYPERLINK("http://example.org")', permit.body, "标题更正。"
        )
        db.session.commit()
    table = rows(client.get("/disclosures.csv"))
    assert table[2][1] == '\'=HYPERLINK("http://example.org")'


@pytest.mark.parametrize(
    "query, name",
    [
        ("category=nothing", "category"),
        ("unit=abc", "unit"),
        ("year=20x5", "year"),
        ("area=99", "area"),
    ],
)
def test_bad_filters_are_refused_with_a_message(client, disclosure_world, query, name):  # noqa: F811 (fixture)
    """A refused filter is a 400 page whose message names the filter, not a file."""
    response = client.get("/disclosures.csv?" + query)
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert name in response.get_data(as_text=True)
