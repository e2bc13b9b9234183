"""Ending a login's sessions server-side: logout, password change, deactivation, `end-sessions`."""

from tests.helpers import PASSWORD, add_user, csrf_token, field_error, login, summary_of

NEW_PASSWORD = "a brand new passphrase"


def saved_cookie(client):
    """The session cookie as a thief (or a shared computer's browser) would keep it."""
    return client.get_cookie("session").value


def replayed(app, cookie):
    """A fresh client that sends only `cookie`: what the holder of a copied cookie would see at /console/."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get("/console/")


def logged_in(app, client):
    """Log `client` in and check that its cookie opens the console."""
    login(client)
    cookie = saved_cookie(client)
    assert replayed(app, cookie).status_code == 200
    return cookie


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=["portal", *args], input=input)


def test_a_cookie_saved_before_logout_no_longer_opens_the_console(app, client):
    """After POST /logout, the copy of the cookie taken before it is refused, and so is every other session."""
    add_user(app)
    cookie = logged_in(app, client)
    second = app.test_client()
    login(second)
    assert second.get("/console/").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/console/")})
    response = replayed(app, cookie)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert second.get("/console/").status_code == 302


def test_logging_in_again_after_logout_works(app, client):
    """Ending the sessions does not lock the account: the next login opens the console."""
    add_user(app)
    logged_in(app, client)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/console/")})
    login(client)
    assert client.get("/console/").status_code == 200


def change_password(client, current=PASSWORD, new=NEW_PASSWORD, again=None):
    token = csrf_token(client, "/password")
    return client.post(
        "/password",
        data={
            "csrf_token": token,
            "current_password": current,
            "new_password": new,
            "new_password_again": new if again is None else again,
        },
    )


def test_changing_the_password_ends_every_other_session(app, client):
    """The changer stays logged in; a saved cookie and a second browser are logged out; the new password works."""
    add_user(app)
    cookie = logged_in(app, client)
    second = app.test_client()
    login(second)
    response = change_password(client)
    assert response.status_code == 302
    assert client.get("/console/").status_code == 200
    assert replayed(app, cookie).status_code == 302
    assert second.get("/console/").status_code == 302
    assert login(app.test_client(), password=PASSWORD).status_code == 400
    assert login(app.test_client(), password=NEW_PASSWORD).status_code == 302


def test_password_change_errors_name_their_fields(app, client):
    """A wrong current password, a short new one and a mismatch are each named in the error summary."""
    add_user(app)
    login(client)
    page = change_password(client, current="not my password").get_data(as_text=True)
    assert [anchor for anchor, _ in summary_of(page)] == ["current_password"]
    assert "当前密码" in field_error(page, "current_password")
    response = change_password(client, new="short", again="short")
    assert response.status_code == 400
    assert [anchor for anchor, _ in summary_of(response.get_data(as_text=True))] == ["new_password"]
    page = change_password(client, again="a different passphrase").get_data(as_text=True)
    assert [anchor for anchor, _ in summary_of(page)] == ["new_password_again"]
    assert login(app.test_client()).status_code == 302  # the old password still works


def test_guessing_the_current_password_is_limited(make_app):
    """A stolen session cannot guess the password at /password: after LOGIN_MAX_FAILURES wrong current
    passwords even the right one is refused for the window, and the password stays as it was."""
    app = make_app(LOGIN_MAX_FAILURES=3)
    add_user(app)
    client = app.test_client()
    login(client)
    for _ in range(3):
        assert change_password(client, current="a guess").status_code == 400
    refused = change_password(client)
    assert refused.status_code == 400
    assert [anchor for anchor, _ in summary_of(refused.get_data(as_text=True))] == [
        "current_password"
    ]
    assert login(app.test_client(), password=NEW_PASSWORD).status_code == 400
    assert login(app.test_client()).status_code == 302


def test_the_password_page_needs_a_login(app, client):
    """Anonymous visitors are sent to the login page."""
    response = client.get("/password")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_deactivating_from_the_command_line_ends_the_sessions(app, client):
    """`deactivate-user` refuses the saved cookie and the password; `activate-user` allows logging in again."""
    add_user(app)
    cookie = logged_in(app, client)
    result = run(app, "deactivate-user", "jsj-staff")
    assert result.exit_code == 0, result.output
    assert replayed(app, cookie).status_code == 302
    assert client.get("/console/").status_code == 302
    assert login(app.test_client()).status_code == 400
    result = run(app, "activate-user", "jsj-staff")
    assert result.exit_code == 0, result.output
    assert replayed(app, cookie).status_code == 302
    assert login(app.test_client()).status_code == 302


def test_end_sessions_and_set_password_commands(app, client):
    """`end-sessions` logs a user out everywhere; `set-password` does too and sets the new password."""
    add_user(app)
    cookie = logged_in(app, client)
    result = run(app, "end-sessions", "jsj-staff")
    assert result.exit_code == 0, result.output
    assert replayed(app, cookie).status_code == 302
    cookie = logged_in(app, client)
    result = run(app, "set-password", "jsj-staff", "--password-stdin", input=NEW_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert replayed(app, cookie).status_code == 302
    assert login(app.test_client(), password=NEW_PASSWORD).status_code == 302
    result = run(app, "set-password", "jsj-staff", "--password-stdin", input="short\n")
    assert result.exit_code == 1 and "12" in result.output
    assert run(app, "end-sessions", "nobody").exit_code == 1


def test_an_anonymous_visitor_is_sent_their_cookie_once(client):
    """A visitor who has opened a form keeps one session cookie: later pages set no cookie at all (a
    Set-Cookie on every answer costs every request and keeps pages out of shared caches)."""
    first = client.get("/reports/new")
    assert [c.split("=")[0] for c in first.headers.getlist("Set-Cookie")] == ["session"]
    for path in ("/reports/new", "/", "/reports", "/consultations"):
        assert client.get(path).headers.getlist("Set-Cookie") == [], path


def test_a_staff_cookie_replayed_from_another_browser_is_refused(app, client):
    """Session protection still guards a signed-in session: the same cookie from another user agent is
    treated as signed out."""
    add_user(app)
    cookie = logged_in(app, client)
    other = app.test_client()
    other.set_cookie("session", cookie)
    response = other.get("/console/", headers={"User-Agent": "SomethingElse/1.0"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
