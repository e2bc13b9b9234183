"""Identities encrypted at rest: a reporter's identity, a commenter's name and contact, a hearing registrant's and
a subscriber's address, typed into the web forms, appear nowhere in the raw database (the SQLite files, or a
pg_dump); staff allowed to see them still do; `rotate-identity-key` moves every value to a new key so the old one
can be dropped; a wrong key fails loudly."""

import shutil
import subprocess  # nosec B404 - the test runs pg_dump, a fixed program, on its own test database
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy.engine import make_url

from portal import create_app
from portal.encryption import IdentityKeyError, KeyRing, generate_key
from portal.extensions import db
from portal.models import MailMessage, ReporterIdentity, Subscription
from portal.services import identity_keys
from tests.helpers import PASSWORD, hidden_value, login, queued_mail, staff_client, submit_report
from tests.public.test_consultation_pages import add_hearing, draft, opened, post_comment, staff
from tests.public.test_hearing_pages import code_of, register
from tests.public.test_subscription_pages import post_subscription

REPORTER = ("甄隐名", "13987650001", "hidden.reporter@example.org")
COMMENTER = ("钱匿名", "13987650002", "hidden.commenter@example.org")
REGISTRANT = ("孙藏名", "13987650003", "hidden.registrant@example.org")
SUBSCRIBER = "hidden.subscriber@example.org"
PLANTED = (*REPORTER, *COMMENTER, *REGISTRANT, SUBSCRIBER)
# Not an identity: stored as typed, it proves the dump is read at all.
DESCRIPTION = "排污口每天夜里排放黑臭污水,渠道里的鱼都死了。"


def plant(app, client):
    """Submit a report with identity, a comment with contact, a hearing registration and a subscription through
    the web forms; returns (report reference, consultation id, hearing session id)."""
    reference, _code = submit_report(
        client,
        name=REPORTER[0],
        phone=REPORTER[1],
        email=REPORTER[2],
        visibility="handling_unit",
        description=DESCRIPTION,
    )
    with app.app_context():
        consultation = opened(staff(), draft(title="第六师湿地保护规划(草案)"))
        session = add_hearing(consultation)
        db.session.commit()
        ids = consultation.id, session.id
    response = post_comment(
        client, ids[0], author_name=COMMENTER[0], phone=COMMENTER[1], email=COMMENTER[2]
    )
    assert response.status_code in (200, 302), response.get_data(as_text=True)[:2000]
    code_of(register(client, ids[1], name=REGISTRANT[0], phone=REGISTRANT[1], email=REGISTRANT[2]))
    assert post_subscription(client, email=SUBSCRIBER).status_code in (200, 302)
    return (reference, *ids)


def raw_database(app):
    """The database as stored: the SQLite file with its WAL, or pg_dump's data dump on PostgreSQL."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        path = Path(url.database)
        return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        pytest.fail("pg_dump is needed to read the PostgreSQL database as stored")
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    # The program is found on PATH and given a fixed argument list, no shell.
    return subprocess.run(
        [pg_dump, "--data-only", "--dbname", dsn],  # nosec B603
        check=True,
        capture_output=True,
    ).stdout


@contextmanager
def same_database(app, identity_key):
    """Another app on `app`'s database and data directory, with PORTAL_IDENTITY_KEY = `identity_key`."""
    keys = ("ENV", "TESTING", "SECRET_KEY", "DATA_DIR", "DATABASE_URL")
    other = create_app({**{k: app.config[k] for k in keys}, "IDENTITY_KEY": identity_key})
    try:
        yield other
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def kid(identity_key):
    """The id of the primary key of a PORTAL_IDENTITY_KEY value."""
    return KeyRing.parse(identity_key).primary_id


def _token(client, path):
    return hidden_value(client.get(path).get_data(as_text=True), "csrf_token")


def portal(app, *args):
    """Run `flask portal …` against `app`; returns the click result."""
    return app.test_cli_runner().invoke(args=["portal", *args])


def test_a_database_dump_names_no_one(app, client):
    """Names, phones and addresses typed into the four forms are nowhere in the stored bytes; the description is."""
    plant(app, client)
    with app.app_context():
        assert queued_mail(REGISTRANT[2]) and queued_mail(
            REPORTER[2]
        )  # mail to them is queued, encrypted too
    stored = raw_database(app)
    assert DESCRIPTION.encode() in stored
    found = [
        value for value in PLANTED if value.encode() in stored or value.lower().encode() in stored
    ]
    assert found == [], f"stored in plaintext: {found}"


def test_staff_still_see_identities_they_may_see(app, client):
    """The handling unit's reveal shows the reporter; the hearing's unit sees its registrants' names and contacts."""
    reference, _consultation, session = plant(app, client)
    shz = staff_client(app, "shz")
    revealed = shz.post(
        f"/console/reports/{reference}/identity",
        data={"csrf_token": _token(shz, f"/console/reports/{reference}")},
    ).get_data(as_text=True)
    assert all(value in revealed for value in REPORTER)
    unit = app.test_client()
    assert login(unit, username="wjq", password=PASSWORD).status_code == 302
    listing = unit.get(f"/console/hearings/{session}").get_data(as_text=True)
    assert all(value in listing for value in REGISTRANT)


def test_rotation_moves_every_value_to_the_new_key_and_the_old_one_can_go(app, client):
    """With the new key first and the old one kept, everything reads; after rotate-identity-key only the new key
    is used, and an app holding only the new key reads every identity and finds the subscriber by address."""
    reference, _consultation, _session = plant(app, client)
    old, new = app.config["IDENTITY_KEY"], generate_key()
    with same_database(app, f"{new},{old}") as both:
        with both.app_context():
            assert db.session.scalar(sa.select(ReporterIdentity.name)) == REPORTER[0]
        # Subscribing again before the rotation finds the row written under the old key: still one row.
        assert post_subscription(both.test_client(), email=SUBSCRIBER.upper()).status_code in (
            200,
            302,
        )
        result = portal(both, "rotate-identity-key")
        assert result.exit_code == 0, result.output
        assert "no value needs the other keys any more" in result.output
        with both.app_context(), db.engine.connect() as connection:
            assert set(identity_keys.survey(connection, KeyRing.parse(new)).by_key) == {kid(new)}
    assert f"enc1:{kid(old)}:".encode() not in raw_database(app)
    with same_database(app, new) as alone:
        with alone.app_context():
            identity = db.session.scalar(sa.select(ReporterIdentity))
            assert (identity.name, identity.phone, identity.email) == REPORTER
            assert [s.email for s in db.session.scalars(sa.select(Subscription))] == [SUBSCRIBER]
            assert all(m.body for m in db.session.scalars(sa.select(MailMessage)))
        assert post_subscription(alone.test_client(), email=SUBSCRIBER).status_code in (200, 302)
        with alone.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 1
        shz = staff_client(alone, "shz")
        revealed = shz.post(
            f"/console/reports/{reference}/identity",
            data={"csrf_token": _token(shz, f"/console/reports/{reference}")},
        )
        assert all(value in revealed.get_data(as_text=True) for value in REPORTER)


def test_a_wrong_key_fails_loudly(app, client):
    """An app given another key cannot read an identity: an error naming the key, never garbage or an empty name;
    `portal check` fails naming the missing key."""
    submit_report(client, name=REPORTER[0], phone=REPORTER[1], email=REPORTER[2])
    written_by = kid(app.config["IDENTITY_KEY"])
    with same_database(app, generate_key()) as wrong:
        with wrong.app_context(), pytest.raises(IdentityKeyError, match=written_by):
            db.session.scalar(sa.select(ReporterIdentity.name))
        result = portal(wrong, "check")
        assert (
            result.exit_code == 1
            and f"under key {written_by}, which PORTAL_IDENTITY_KEY lacks" in result.output
        )


def test_check_reports_plaintext_and_rotation_encrypts_it(app, client):
    """A value written around the portal in plaintext is reported by `portal check`; rotation encrypts it."""
    submit_report(client, name=REPORTER[0], phone=REPORTER[1], email=REPORTER[2])
    with app.app_context():
        db.session.execute(
            sa.text("UPDATE reporter_identities SET name = :name"), {"name": "明文姓名"}
        )
        db.session.commit()
    result = portal(app, "check")
    assert (
        result.exit_code == 1 and "1 plaintext values in reporter_identities.name" in result.output
    )
    assert portal(app, "rotate-identity-key").exit_code == 0
    with app.app_context():
        assert db.session.scalar(sa.select(ReporterIdentity.name)) == "明文姓名"
        with db.engine.connect() as connection:
            assert (
                identity_keys.survey(
                    connection, KeyRing.parse(app.config["IDENTITY_KEY"])
                ).plaintext
                == {}
            )
    assert "plaintext values" not in portal(app, "check").output


def test_migration_encrypts_existing_rows_and_the_downgrade_restores_them(app, client):
    """Rows written before revision 0007 (here: by its downgrade) are encrypted by it, children kept, and the
    subscriber is still found by address; going back to 0006 gives the plaintext back."""
    plant(app, client)
    queries = {
        "reporter_identities": "name, phone, email",
        "comment_contacts": "phone, email",
        "registrations": "name, phone, email",
        "comments": "author_name",
        "subscriptions": "email",
    }

    def stored():
        with db.engine.connect() as connection:
            return {
                table: [
                    tuple(r) for r in connection.execute(sa.text(f"SELECT {columns} FROM {table}"))
                ]
                for table, columns in queries.items()
            }  # nosec B608 - fixed table and column names

    with app.app_context():
        downgrade(revision="0006")
        plain = stored()
        assert plain["reporter_identities"] == [REPORTER] and plain["registrations"] == [REGISTRANT]
        assert plain["comment_contacts"] == [COMMENTER[1:]] and plain["subscriptions"] == [
            (SUBSCRIBER,)
        ]
        upgrade()
        encrypted = stored()
        assert all(
            value.startswith("enc1:")
            for rows in encrypted.values()
            for row in rows
            for value in row
        )
        assert {t: len(rows) for t, rows in encrypted.items()} == {
            t: len(rows) for t, rows in plain.items()
        }
        db.session.remove()
    assert post_subscription(client, email=SUBSCRIBER).status_code in (200, 302)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 1
        assert db.session.scalar(sa.select(ReporterIdentity.email)) == REPORTER[2]


def test_a_malformed_key_stops_the_start(tmp_path):
    """A key that is not 32 bytes of base64url is refused at start-up, naming the variable."""
    from portal.config import ConfigError

    settings = {
        "ENV": "testing",
        "SECRET_KEY": "k",
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": None,
    }
    with pytest.raises(ConfigError, match="PORTAL_IDENTITY_KEY: key 2 is not 32 bytes"):
        create_app({**settings, "IDENTITY_KEY": f"{generate_key()},not-a-key"})
