"""Staff login and logout."""

import sqlalchemy as sa

from portal.extensions import db
from portal.models import RateLimitHit, User
from tests.helpers import PASSWORD, add_user, csrf_token, field_error, login, summary_of


def test_login_shows_the_users_unit_on_the_console(app, client):
    """A staff member logs in and the console shows their unit."""
    add_user(app)
    response = login(client)
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    page = client.get("/console/").get_data(as_text=True)
    assert "兵团建设局(环保局)" in page and "jsj-staff" in page


def test_wrong_password_is_refused_with_a_message(app, client):
    """A wrong password gives a clear message and no session."""
    add_user(app)
    page = login(client, password="wrong password!").get_data(as_text=True)
    assert "用户名或密码错误" in page
    assert client.get("/console/").status_code == 302


def test_unknown_user_gets_the_same_message(app, client):
    """An unknown username is not distinguishable from a wrong password."""
    page = login(client, username="nobody").get_data(as_text=True)
    assert "用户名或密码错误" in page


def test_missing_fields_are_named(app, client):
    """Sent empty, the form comes back with a summary at the top listing both fields at once, each message naming
    its field once (no "用户名: 请填写用户名"), linking to it and shown under it."""
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"csrf_token": token, "username": "", "password": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    listed = summary_of(page)
    assert listed == [("username", "请填写用户名。"), ("password", "请填写密码。")], listed
    for anchor, message in listed:
        assert field_error(page, anchor) == message
    assert page.index('class="error-summary"') < page.index('name="username"')


def test_wrong_password_is_in_the_error_summary(app, client):
    """A refused login says why at the top of the form, in the focused error summary."""
    add_user(app)
    listed = summary_of(login(client, password="wrong password!").get_data(as_text=True))
    assert listed and listed[0][0] is None and "用户名或密码错误" in listed[0][1], listed


def test_login_without_csrf_token_is_refused(app, client):
    """A login form posted without its CSRF token does not log in."""
    add_user(app)
    response = client.post("/login", data={"username": "jsj-staff", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/console/").status_code == 302


def test_failed_logins_throttle_this_client_until_the_window_ends(app, client):
    """After 5 failures from one client even the right password is refused there, with the same message,
    until the counting window ends (here: its counters are removed, as a new window would start)."""
    add_user(app)
    for _ in range(5):
        login(client, password="wrong password!")
    response = login(client)
    assert response.status_code == 400 and "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/console/").status_code == 302
    with app.app_context():
        db.session.execute(sa.delete(RateLimitHit))
        db.session.commit()
    assert login(client).status_code == 302


def test_session_is_rotated_on_login(app, client):
    """Whatever was in the session before login does not survive it."""
    add_user(app)
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("_user_id")


def test_logout_ends_the_session(app, client):
    """Logging out (a POST with a CSRF token) ends access to the console."""
    add_user(app)
    login(client)
    token = csrf_token(client, "/console/")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/console/").status_code == 302


def test_next_parameter_stays_on_site(app, client):
    """After login the user returns to a local page, never to another site."""
    add_user(app)
    assert login(client, next_path="/units").headers["Location"] == "/units"
    client.get("/language/zh_Hans_CN")
    other = app.test_client()
    assert login(other, next_path="//evil.example/").headers["Location"] == "/console/"


def test_passwords_are_stored_hashed_with_scrypt(app):
    """The stored hash is scrypt and never the password."""
    user_id = add_user(app)
    with app.app_context():
        stored = db.session.scalar(sa.select(User.password_hash).where(User.id == user_id))
    assert stored.startswith("scrypt:") and PASSWORD not in stored
