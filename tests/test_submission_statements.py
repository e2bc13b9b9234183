"""SQL statements and commits per submitted report, once a first report has warmed what a worker keeps.

Every report runs the submission path, so a statement added to it is paid at every report: the limits
are the counts once the path was made lean (bench/README.md, submit.py), plus one. SQLite and PostgreSQL
run the same statements. An acknowledged report is one commit; a refused Open311 report commits its
key's count alone.
"""

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import RateLimitHit, Report
from portal.services.api_keys import create_api_key
from tests.helpers import post_report, receipt_of, report_fields, report_form

BASE = "/open311/v2"
LIMITS = {"open311": 11 + 1, "form GET": 1 + 1, "form POST": 9 + 1}
# With a name, a phone and an email: the identity row and the resident's mail are written too.
OPEN311 = {
    "service_code": "water",
    "attribute[area]": "8",
    "address_string": "北泉镇排污口",
    "first_name": "小明",
    "last_name": "王",
    "phone": "13912345678",
    "email": "resident@example.com",
    "description": "排污口每天夜里排放黑臭污水,渠道里的鱼都死了。",
}


class Statements:
    """The statements and commits the app's engine runs."""

    def __init__(self, app):
        self.statements, self.commits = [], 0
        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", self._statement)
            sa.event.listen(db.engine, "commit", self._commit)

    def _statement(self, _connection, _cursor, statement, *_args):
        self.statements.append(statement)

    def _commit(self, _connection):
        self.commits += 1

    def clear(self):
        """Forget what was counted so far."""
        self.statements.clear()
        self.commits = 0


@pytest.fixture
def counted(app):
    """(the app's Statements, a test client, an Open311 key's plain text)."""
    with app.app_context():
        _key, plaintext = create_api_key("statements")
        db.session.commit()
    return Statements(app), app.test_client(), plaintext


def test_an_open311_report_runs_at_most_its_statements_in_one_commit(counted):
    """One acknowledged Open311 report: its limit of statements, one commit, the key's count in it."""
    statements, client, key = counted
    assert client.post(f"{BASE}/requests.json", data={"api_key": key, **OPEN311}).status_code == 201
    statements.clear()
    response = client.post(f"{BASE}/requests.json", data={"api_key": key, **OPEN311})
    assert response.status_code == 201
    assert len(statements.statements) <= LIMITS["open311"], "\n".join(statements.statements)
    assert statements.commits == 1


def test_a_refused_open311_report_commits_its_keys_count_alone(app, counted):
    """A refused report leaves no row, but its key's count stands, committed on its own."""
    statements, client, key = counted
    assert client.post(f"{BASE}/requests.json", data={"api_key": key, **OPEN311}).status_code == 201
    statements.clear()
    response = client.post(
        f"{BASE}/requests.json", data={"api_key": key, **OPEN311, "description": "太短"}
    )
    assert response.status_code == 400
    assert statements.commits == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Report.id))) == 1
        counts = db.session.scalars(
            sa.select(RateLimitHit.count).where(RateLimitHit.key.startswith("open311:"))
        )
        assert list(counts) == [2]


def test_the_report_form_runs_at_most_its_statements_in_one_commit(counted):
    """The form's GET, and its POST with the receipt page: their limits of statements, one commit."""
    statements, client, _key = counted
    assert receipt_of(
        post_report(client, name="王小明", email="resident@example.com").get_data(as_text=True)
    )
    statements.clear()
    token, submission_key = report_form(client)
    assert len(statements.statements) <= LIMITS["form GET"], "\n".join(statements.statements)
    statements.clear()
    data = {
        **report_fields(name="王小明", email="resident@example.com"),
        "csrf_token": token,
        "submission_key": submission_key,
    }
    response = client.post("/reports/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 200 and receipt_of(response.get_data(as_text=True))
    assert len(statements.statements) <= LIMITS["form POST"], "\n".join(statements.statements)
    assert statements.commits == 1
