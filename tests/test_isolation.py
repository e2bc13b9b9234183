"""Each test's database is its own: on PostgreSQL a used database is put back as its template before reuse."""

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import User
from tests.helpers import add_user

IDS = set()


def usernames(app):
    """The usernames in `app`'s database."""
    with app.app_context():
        return set(db.session.scalars(sa.select(User.username)))


@pytest.mark.parametrize("run", range(4))
def test_a_test_never_sees_another_tests_data_or_database(make_app, run):
    """Every run finds none of the earlier runs' rows, and numbering starts again where the template left it."""
    app = make_app()
    assert "isolation-probe" not in usernames(app)
    IDS.add(add_user(app, username="isolation-probe"))
    # An id that grew between runs would mean a sequence (and so the database) kept another test's use.
    assert len(IDS) == 1


def test_two_apps_in_one_test_have_two_databases(make_app):
    """Two apps made in one test do not share data, with or without the policy."""
    first, second, bare = make_app(), make_app(), make_app(policy=False)
    add_user(first, username="only-in-first")
    assert "only-in-first" in usernames(first)
    assert "only-in-first" not in usernames(second) | usernames(bare)


LEFTOVER = [
    sa.text(
        "INSERT INTO rate_limit_hits (key, window_start, count) VALUES ('leftover', '2026-01-01 00:00:00', 1)"
    ),
    sa.text("UPDATE areas SET name = 'leftover' WHERE number = 1"),
]


def _tables_and_values(url):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            values = set(
                connection.scalars(
                    sa.text("SELECT key FROM rate_limit_hits UNION SELECT name FROM areas")
                )
            )
            return set(sa.inspect(connection).get_table_names()), values
    finally:
        engine.dispose()


def _leave(url, statements):
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(statement)
    engine.dispose()


def test_a_database_comes_back_without_the_rows_or_tables_a_test_left(databases, tmp_path):
    """Rows added or changed and a table made in a database by one user are not there for the next one."""
    server, templates = databases
    with server.database(templates["policy"], tmp_path) as url:
        _leave(url, [sa.text("CREATE TABLE isolation_leftover (id INTEGER)"), *LEFTOVER])
    for _ in range(2):
        with server.database(templates["policy"], tmp_path) as url:
            tables, values = _tables_and_values(url)
            assert "isolation_leftover" not in tables and "leftover" not in values
            assert "measures" in tables and "第八师" in values
            _leave(url, LEFTOVER)
