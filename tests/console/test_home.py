"""The console landing page."""

from tests.helpers import add_user, login


def test_console_requires_login(client):
    """Anonymous visitors are sent to the login page."""
    response = client.get("/console/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_console_shows_the_division_unit(app, client):
    """A division's staff member sees their division as unit."""
    add_user(app, username="shz", unit="第八师石河子市")
    login(client, username="shz")
    page = client.get("/console/").get_data(as_text=True)
    assert "第八师石河子市" in page


def test_deactivated_account_loses_access(app, client):
    """Deactivating an account ends its existing sessions."""
    from portal.extensions import db
    from portal.models import User

    user_id = add_user(app)
    login(client)
    assert client.get("/console/").status_code == 200
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    assert client.get("/console/").status_code == 302
