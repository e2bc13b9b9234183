"""App hosts started together on one new (or newly upgraded) PostgreSQL database each run `portal init`.

Found by the two-host run (deploy/two_hosts.py): two inits at once both migrated, and one failed on
`alembic_version` already existing, so its gunicorn refused to serve.
"""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import ON_POSTGRES, SERVER_URL

ROOT = Path(__file__).resolve().parents[2]
HOSTS = 3

pytestmark = pytest.mark.skipif(
    not ON_POSTGRES, reason="several hosts share a PostgreSQL database (PORTAL_DATABASE_URL)"
)


def test_hosts_running_init_at_once_on_a_new_database_all_start_and_import_once(tmp_path):
    """Three `portal init` at the same moment: each exits 0, and the policy is there once."""
    server = sa.make_url(SERVER_URL)
    name = f"init_race_{os.getpid()}"
    admin = sa.create_engine(
        server.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = server.set(database=name).render_as_string(hide_password=False)
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    try:
        starts = []
        for host in range(HOSTS):
            environ = {
                **{k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")},
                "PYTHONPATH": str(ROOT),
                "PORTAL_ENV": "production",
                "PORTAL_SECRET_KEY": "a shared secret of the hosts",
                "PORTAL_IDENTITY_KEY": key,
                "PORTAL_DATA_DIR": str(tmp_path / f"host-{host}"),
                "PORTAL_DATABASE_URL": url,
                "PORTAL_SEARCH_ENGINE": "postgresql",
            }
            starts.append(
                subprocess.Popen(
                    [sys.executable, "-m", "flask", "--app", "wsgi", "portal", "init"],
                    cwd=ROOT,
                    env=environ,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            )
        outputs = [(start.communicate(timeout=300)[0], start.returncode) for start in starts]
        assert [code for _output, code in outputs] == [0] * HOSTS, outputs
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            chapters = connection.exec_driver_sql("SELECT count(*) FROM chapters").scalar()
            measures = connection.exec_driver_sql("SELECT count(*) FROM measures").scalar()
        engine.dispose()
        assert (chapters, measures) == (9, 35)
        imported = [output for output, _code in outputs if "policy imported" in output]
        assert len(imported) == 1, outputs
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
