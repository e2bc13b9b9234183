"""Each test's database is its own, also now that PostgreSQL databases are made ahead and dropped behind."""
import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import User
from tests.helpers import add_user

SEEN = set()


def usernames(app):
    """The usernames in `app`'s database."""
    with app.app_context():
        return set(db.session.scalars(sa.select(User.username)))


@pytest.mark.parametrize("run", range(4))
def test_a_test_never_sees_another_tests_data_or_database(make_app, run):
    """Every run adds the same account to a database no earlier test has used, in any order on any worker."""
    app = make_app()
    assert "isolation-probe" not in usernames(app)
    add_user(app, username="isolation-probe")
    assert app.config["SQLALCHEMY_DATABASE_URI"] not in SEEN
    SEEN.add(app.config["SQLALCHEMY_DATABASE_URI"])


def test_two_apps_in_one_test_have_two_databases(make_app):
    """Two apps made in one test do not share data, with or without the policy."""
    first, second, bare = make_app(), make_app(), make_app(policy=False)
    add_user(first, username="only-in-first")
    assert "only-in-first" in usernames(first)
    assert "only-in-first" not in usernames(second) | usernames(bare)
