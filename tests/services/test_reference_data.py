"""What each worker keeps of categories, areas, routing rules, units, tasks and holidays: a change committed
in any process is followed by the very next report (and form) in every other, and a change made in the
report's own transaction by that report."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.extensions import db
from portal.models import (
    Area,
    Category,
    HolidayOverride,
    Report,
    Task,
    TaskUnit,
    TaskUnitRole,
    UnitAlias,
)
from portal.services import reference_data, reports
from portal.services.api_keys import create_api_key
from portal.services.routing import set_rule
from portal.services.units import find_unit
from tests.conftest import settings
from tests.helpers import post_report, receipt_of

BJ = ZoneInfo("Asia/Shanghai")
BASE = "/open311/v2"


@pytest.fixture
def other_worker(app, tmp_path):
    """A second app on the same database, as another gunicorn worker: its own engine, its own kept data."""
    data_dir = tmp_path / "other-worker"
    data_dir.mkdir()
    other = create_app(settings(data_dir, app.config["SQLALCHEMY_DATABASE_URI"]))
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def open311_report(client, key, code="water", area="8"):
    """POST an Open311 report; returns the stored report's handling unit, basis and copied units."""
    response = client.post(
        f"{BASE}/requests.json",
        data={
            "api_key": key,
            "service_code": code,
            "attribute[area]": area,
            "address_string": "北泉镇排污口",
            "description": "排污口每天夜里排放黑臭污水,渠道里的鱼都死了。",
        },
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()[0]["service_request_id"]


def stored(app, reference):
    """(handling unit's name, routing basis, names of the units copied, acceptance due) of a stored report."""
    with app.app_context():
        report = db.session.scalar(sa.select(Report).where(Report.reference == reference))
        return (
            report.unit.name,
            report.routing_basis,
            [c.unit.name for c in report.copies],
            report.acceptance_due_at,
        )


def in_other(other, change):
    """Run `change` in the other worker and commit it there."""
    with other.app_context():
        change()
        db.session.commit()


def api_key(app):
    """A committed Open311 key's plain text."""
    with app.app_context():
        _key, plaintext = create_api_key("reference-data")
        db.session.commit()
        return plaintext


def category(code):
    """The category `code`."""
    return db.session.scalar(sa.select(Category).where(Category.code == code))


def area(number):
    """The area numbered `number`."""
    return db.session.scalar(sa.select(Area).where(Area.number == number))


def test_a_rule_changed_in_another_worker_routes_the_very_next_report(app, other_worker):
    """第八师's water reports go to 兵团水利局 from the report after the edit, in the worker that kept the old rule."""
    client, key = app.test_client(), api_key(app)
    assert stored(app, open311_report(client, key))[0] == "第八师石河子市"
    in_other(other_worker, lambda: set_rule(category("water"), area(8), find_unit("兵团水利局")))
    unit, basis, _copies, _due = stored(app, open311_report(client, key))
    assert unit == "兵团水利局" and basis.endswith(";属地办理: 兵团水利局")


def test_a_category_renamed_in_another_worker_shows_in_the_next_form_and_receipt(app, other_worker):
    """The form and the receipt name the category as it was renamed, without a restart."""
    client = app.test_client()
    assert "水体污染" not in client.get("/reports/new").get_data(as_text=True)

    def rename():
        category("water").name = "水体污染"

    in_other(other_worker, rename)
    assert "水体污染" in client.get("/reports/new").get_data(as_text=True)
    page = post_report(client).get_data(as_text=True)
    assert receipt_of(page) and "水体污染" in page


def test_a_unit_alias_added_in_another_worker_shows_in_the_next_basis(app, other_worker):
    """The basis names the lead units as labelled: an alias added to one is in the next report's basis."""
    client, key = app.test_client(), api_key(app)
    assert "兵团水利局(水务局)" not in stored(app, open311_report(client, key, area="0"))[1]
    in_other(
        other_worker,
        lambda: db.session.add(
            UnitAlias(unit_id=find_unit("兵团水利局").id, name="兵团水务局", position=0)
        ),
    )
    assert "兵团水利局(水务局)" in stored(app, open311_report(client, key, area="0"))[1]


def test_a_participant_added_to_the_task_in_another_worker_gets_a_copy_of_the_next_report(
    app, other_worker
):
    """The units copied are the task's as it stands: one added to the policy task is copied from the next report."""
    client, key = app.test_client(), api_key(app)
    assert "兵团科技局" not in stored(app, open311_report(client, key))[2]

    def join():
        task = db.session.get(Task, category("water").task_id)
        db.session.add(
            TaskUnit(
                task=task,
                unit=find_unit("兵团科技局"),
                role=TaskUnitRole.PARTICIPATING,
                position=99,
            )
        )

    in_other(other_worker, join)
    assert "兵团科技局" in stored(app, open311_report(client, key))[2]


def test_a_holiday_added_in_another_worker_moves_the_next_deadline(app, other_worker):
    """Acceptance is due 15 calendar days on, moved to the next working day: a new holiday on that day moves it."""
    moment = datetime(
        2026, 3, 2, 10, 0, tzinfo=BJ
    )  # 17 March 2026, 15 days on, is a Tuesday and a working day

    def submit(key):
        with app.app_context():
            data = reports.ReportInput(
                submission_key=key,
                category="water",
                area=8,
                place="石河子市北泉镇排污口",
                description="排污口每天夜里排放黑臭污水,渠道里的鱼都死了。",
            )
            reference = reports.submit(data, app.config, now=moment).receipt.reference
            db.session.commit()
        return stored(app, reference)[3].astimezone(BJ).date()

    assert submit("before-the-holiday") == date(2026, 3, 17)
    in_other(
        other_worker,
        lambda: db.session.add(HolidayOverride(day=date(2026, 3, 17), is_workday=False)),
    )
    assert submit("after-the-holiday") == date(2026, 3, 18)


def test_a_rule_changed_in_the_reports_own_transaction_routes_it(app_context):
    """Kept data never hides what the same transaction changed: the report follows the rule set just before it."""
    data = reports.ReportInput(
        submission_key="same-transaction",
        category="water",
        area=8,
        place="北泉镇排污口",
        description="排污口每天夜里排放黑臭污水,渠道里的鱼都死了。",
    )
    reports.submit(
        reports.ReportInput(**{**data.__dict__, "submission_key": "warm"}), app_context.config
    )
    set_rule(category("water"), area(8), find_unit("兵团水利局"))
    assert reports.submit(data, app_context.config).report.unit.name == "兵团水利局"


def test_a_change_made_behind_the_portals_back_shows_once_the_kept_data_is_old(app, monkeypatch):
    """SQL that bumps no version (written outside the portal) is followed once the kept data is MAX_AGE old."""
    client, key = app.test_client(), api_key(app)
    assert stored(app, open311_report(client, key))[0] == "第八师石河子市"
    with app.app_context():
        unit_id = find_unit("兵团水利局").id
        db.session.remove()
    with app.app_context(), db.engine.begin() as connection:  # no session: no version is bumped
        connection.execute(
            sa.update(Category.__table__).where(Category.code == "water").values(name="水体污染")
        )
        connection.execute(
            sa.text(
                "UPDATE routing_rules SET unit_id = :unit WHERE category_id = "
                "(SELECT id FROM categories WHERE code = 'water') AND area_id = "
                "(SELECT id FROM areas WHERE number = 8)"
            ),
            {"unit": unit_id},
        )
    monkeypatch.setattr(reference_data, "MAX_AGE", 0)
    assert stored(app, open311_report(client, key))[0] == "兵团水利局"
