"""Site administration: routing rules and the working-day calendar."""

import re
from datetime import date

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Area, Category, HolidayOverride, RoutingRule, Unit
from portal.services import routing
from tests.helpers import add_user, csrf_token, login


def admin_client(app, client):
    add_user(app, username="root", role="site_admin")
    login(client, username="root")
    return client


def unit_id(app, name):
    with app.app_context():
        return db.session.scalar(sa.select(Unit.id).where(Unit.name == name))


def test_staff_cannot_reach_administration(app, client):
    """Staff and unit admins get 403 on every admin page."""
    add_user(app, username="unit-admin", role="unit_admin")
    login(client, username="unit-admin")
    for path in ("/admin/routing", "/admin/routing/air/8", "/admin/calendar"):
        assert client.get(path).status_code == 403


def test_routing_matrix_shows_every_category_and_area(app, client):
    """The matrix lists 13 categories and 15 areas with the seeded handling units."""
    page = admin_client(app, client).get("/admin/routing").get_data(as_text=True)
    assert page.count('<th scope="row">') == 13
    assert "第八师石河子市" in page and "兵团国土资源局" in page


def test_editing_a_rule_reroutes_new_reports(app, client):
    """Pointing (air, 第八师) at 兵团生态… another unit sends the next air report there."""
    admin_client(app, client)
    target = unit_id(app, "兵团水利局")
    token = csrf_token(client, "/admin/routing/air/8")
    response = client.post("/admin/routing/air/8", data={"csrf_token": token, "unit": target})
    assert response.status_code == 302
    with app.app_context():
        category = db.session.scalar(sa.select(Category).where(Category.code == "air"))
        area = db.session.scalar(sa.select(Area).where(Area.number == 8))
        decision = routing.route(category, area, app.config["TRIAGE_UNIT"])
        assert decision.unit.name == "兵团水利局"
        assert "(十四) 加强大气污染防治" in decision.basis


def test_a_collective_addressee_is_not_offered(app, client):
    """Collective addressees cannot be chosen as handling units."""
    admin_client(app, client)
    page = client.get("/admin/routing/air/0").get_data(as_text=True)
    assert "各师(市)党委" not in page
    collective = unit_id(app, "各师(市)党委")
    token = csrf_token(client, "/admin/routing/air/0")
    response = client.post("/admin/routing/air/0", data={"csrf_token": token, "unit": collective})
    assert response.status_code == 200  # the form comes back with an error
    with app.app_context():
        rule = db.session.scalar(
            sa.select(RoutingRule)
            .join(Category)
            .join(Area)
            .where(Category.code == "air", Area.number == 0)
        )
        assert rule.unit.name == "兵团建设局"


def test_unknown_category_or_area_is_404(app, client):
    """Editing a rule for an unknown category or area answers 404."""
    admin_client(app, client)
    assert client.get("/admin/routing/nothing/0").status_code == 404
    assert client.get("/admin/routing/air/15").status_code == 404


def test_calendar_override_is_saved_and_deleted(app, client):
    """An admin declares a day a holiday, sees it listed, and deletes it."""
    admin_client(app, client)
    token = csrf_token(client, "/admin/calendar")
    response = client.post(
        "/admin/calendar",
        data={"csrf_token": token, "day": "2031-10-01", "is_workday": "0", "note": "国庆节"},
    )
    assert response.status_code == 302
    page = client.get("/admin/calendar").get_data(as_text=True)
    assert "2031-10-01" in page and "国庆节" in page
    with app.app_context():
        override = db.session.scalar(sa.select(HolidayOverride))
        assert (override.day, override.is_workday) == (date(2031, 10, 1), False)
        override_id = override.id
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(f"/admin/calendar/{override_id}/delete", data={"csrf_token": token})
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HolidayOverride)) == 0


def test_calendar_refuses_a_missing_date(app, client):
    """A missing date is refused with the field named."""
    admin_client(app, client)
    token = csrf_token(client, "/admin/calendar")
    response = client.post(
        "/admin/calendar", data={"csrf_token": token, "day": "", "is_workday": "0"}
    )
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
