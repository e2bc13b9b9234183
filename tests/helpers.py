"""Helpers shared by tests: real forms with real CSRF tokens."""
import re

from portal.extensions import db
from portal.services.accounts import create_user

PASSWORD = "correct horse battery"


def csrf_token(client, path):
    """GET `path` and return the CSRF token of its form."""
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def add_user(app, username="jsj-staff", unit="兵团建设局", role="staff", password=PASSWORD):
    """Create a staff account and commit it."""
    with app.app_context():
        user = create_user(username, unit, role, password)
        db.session.commit()
        return user.id


def login(client, username="jsj-staff", password=PASSWORD, next_path=None):
    """Log in through the form, as a browser would."""
    path = "/login" + (f"?next={next_path}" if next_path else "")
    token = csrf_token(client, path)
    return client.post(path, data={"csrf_token": token, "username": username, "password": password})
