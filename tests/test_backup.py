"""`portal backup` while 16 clients submit reports, and `portal restore` into a fresh data directory."""

import json
import threading
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db
from portal.models import Evidence, Report
from portal.services import storage
from portal.services.api_keys import create_api_key
from tests.conftest import ON_POSTGRES, settings
from tests.load import start_clients, stop_clients


@pytest.fixture
def fresh_target(databases, tmp_path):
    """(data directory, database URL) of an empty target: a new directory and, on PostgreSQL, a new database."""
    server, _templates = databases
    data_dir = tmp_path / "restored"
    if not ON_POSTGRES:
        yield data_dir, f"sqlite:///{data_dir / 'portal.db'}"
        return
    name = f"{server.prefix}_restore_{uuid.uuid4().hex[:8]}"
    url = server._create(name)
    yield data_dir, url
    server.drop(name)


def serve(app):
    """Serve `app` on 127.0.0.1 in threads; (base URL, stop function)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        thread.join(timeout=10)

    return f"http://127.0.0.1:{server.server_port}", stop


def cli(app, *args):
    """Run `flask portal …` in-process; the click Result."""
    return app.test_cli_runner().invoke(args=["portal", *args])


def table_counts(app):
    """{table: rows} of the app's database."""
    with app.app_context():
        names = sa.inspect(db.engine).get_table_names()
        return {
            name: db.session.scalar(sa.select(sa.func.count()).select_from(sa.table(name)))
            for name in names
        }


def wait_for(condition, seconds=60):
    """Wait until `condition()` is true (a deadline, not a timing assertion)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the clients made no progress"
        time.sleep(0.05)


def test_backup_under_load_restores_into_a_fresh_portal_that_serves_the_reports(
    make_app, fresh_target, tmp_path
):
    """Every report acknowledged before the backup, every referenced file and every count comes back."""
    # 16 clients on one address: the per-address and per-key hourly limits are lifted for the drill.
    app = make_app(API_KEY_HOURLY_LIMIT=10**6, REPORT_LIMIT=10**6)
    with app.app_context():
        _key, api_key = create_api_key("drill")
        db.session.commit()
    base, stop_server = serve(app)
    acknowledged, stop, threads = start_clients(base, api_key, 16)
    try:
        wait_for(lambda: acknowledged.count() >= 32)
        before = dict(acknowledged.items)
        backup_dir = tmp_path / "backup"
        result = cli(app, "backup", str(backup_dir))
        during = acknowledged.count() - len(before)
        wait_for(lambda: acknowledged.count() >= len(before) + during + 16)
    finally:
        stop_clients(stop, threads)
        stop_server()
    assert result.exit_code == 0, result.output
    assert not [status for status, _text in acknowledged.refusals if status >= 500], (
        acknowledged.refusals[:3]
    )
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["tables"]["reports"] >= len(before)
    assert manifest["referenced_files"] >= 2 * sum(1 for _ref, code in before.values() if code)

    data_dir, url = fresh_target
    restored = create_app(settings(data_dir, url))
    outcome = cli(restored, "restore", str(backup_dir))
    assert outcome.exit_code == 0, outcome.output
    assert "search index rebuilt" in outcome.output

    # Counts and hashes, compared here with the manifest rather than trusting restore's own check; the
    # search outbox was consumed by the index rebuilt after the restore.
    counts = table_counts(restored)
    assert counts.pop("search_outbox") == 0
    assert counts == {
        name: rows for name, rows in manifest["tables"].items() if name != "search_outbox"
    }
    files_dir = Path(restored.config["FILES_DIR"])
    on_disk = {
        path: storage.sha256_of(files_dir / path) for path in storage.stored_files(files_dir)
    }
    assert on_disk == manifest["files"]
    with restored.app_context():
        evidence = db.session.execute(
            sa.select(Evidence.public_path, Evidence.original_path, Evidence.sha256_original)
        ).all()
        descriptions = db.session.scalars(sa.select(Report.description)).all()
    assert evidence and len(evidence) * 2 == manifest["referenced_files"]
    for public_path, original_path, sha256 in evidence:
        assert public_path in on_disk and on_disk[original_path] == sha256
    for marker in before:
        assert sum(marker in text for text in descriptions) == 1, marker

    # The restored portal serves a report restored from the backup to its resident.
    reference, code = next(value for value in before.values() if value[1])
    client = restored.test_client()
    page = client.get("/reports/track").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    tracked = client.post(
        "/reports/track", data={"csrf_token": token, "reference": reference, "code": code}
    )
    assert tracked.status_code == 302
    assert reference in client.get(tracked.headers["Location"]).get_data(as_text=True)
    checked = cli(restored, "check")
    assert checked.exit_code == 0 and checked.output.startswith("OK"), checked.output

    # A second restore into the now non-empty target is refused, and so is a backup whose file changed.
    again = cli(restored, "restore", str(backup_dir))
    assert again.exit_code == 1 and "not empty" in again.output
    tampered = sorted(manifest["files"])[0]
    path = backup_dir / "files" / tampered
    path.write_bytes(path.read_bytes() + b"\0")
    refused = cli(restored, "restore", "--force", str(backup_dir))
    assert refused.exit_code == 1 and tampered in refused.output
    with restored.app_context():
        db.session.remove()
        db.engine.dispose()
