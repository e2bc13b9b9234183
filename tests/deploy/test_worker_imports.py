"""What a web worker imports: nothing that only the CLI, migrations or uploads need.

Each gunicorn worker must stay under 120 MB after serving every page family (bench/README.md, "Memory").
Alembic and Flask-Migrate (~11 MiB), Pillow and pikepdf (uploads only) were imported by `create_app`
and carried by every worker; they are now imported on first use. These tests run a fresh interpreter, as
a worker is, so that what the test process itself imported proves nothing, and fail when one of them
is imported again by building the app and serving the public pages.
"""

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import sqlalchemy as sa
from PIL import Image

from portal.extensions import db
from portal.models import Measure

ROOT = Path(__file__).resolve().parents[2]
# Imported only by the CLI, by migrations or by an upload: never by serving pages.
NOT_FOR_PAGES = ("alembic", "flask_migrate", "mako", "PIL", "pikepdf", "lxml")
PAGES = (
    "/",
    "/measures",
    "/measures/14",
    "/disclosures",
    "/search?q=%E6%B1%A1%E6%9F%93",
    "/reports",
    "/reports/new",
    "/consultations",
    "/dashboard",
    "/dashboard/goals",
    "/units",
    "/api/v1/measures",
    "/feeds/disclosures.atom",
)

SERVE = textwrap.dedent("""
    import json, sys
    from portal import create_app

    app = create_app()
    client = app.test_client()
    statuses = {path: client.get(path).status_code for path in sys.argv[2:]}
    loaded = lambda: sorted({name.split(".")[0] for name in sys.modules} & set(sys.argv[1].split(",")))
    after_pages = loaded()
    # The first image imports Pillow, which then gets the limit set from the app's setting.
    from portal.services import evidence

    evidence.process("photo.jpg", sys.stdin.buffer.read())
    from PIL import Image

    print(json.dumps({"statuses": statuses, "after_pages": after_pages, "after_image": loaded(),
                      "max_image_pixels": Image.MAX_IMAGE_PIXELS}))
""")

MASTER = textwrap.dedent("""
    import importlib.util, json, sys, types
    from portal import create_app

    spec = importlib.util.spec_from_file_location("gunicorn_conf", "deploy/gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    app = create_app()
    conf.on_starting(types.SimpleNamespace(app=types.SimpleNamespace(wsgi=lambda: app)))
    print(json.dumps(sorted({name.split(".")[0] for name in sys.modules} & set(sys.argv[1].split(",")))))
""")


def environment(app, **extra):
    """The variables that make a fresh interpreter's `create_app()` use `app`'s database and data directory."""
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PORTAL_ENV": "development",
        "PORTAL_SECRET_KEY": app.config["SECRET_KEY"],
        "PORTAL_IDENTITY_KEY": app.config["IDENTITY_KEY"],
        "PORTAL_DATA_DIR": app.config["DATA_DIR"],
        "PORTAL_DATABASE_URL": app.config["DATABASE_URL"],
        **extra,
    }


def jpeg():
    """A small photo, as a resident would attach."""
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (40, 120, 60)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_serving_every_page_family_imports_no_migration_or_upload_library(app):
    """A fresh worker builds the app and serves each family's pages without Alembic, Pillow or pikepdf."""
    assert app.test_cli_runner().invoke(args=["portal", "reindex"]).exit_code == 0
    result = subprocess.run(
        [sys.executable, "-c", SERVE, ",".join(NOT_FOR_PAGES), *PAGES],
        cwd=ROOT,
        env=environment(app, PORTAL_EVIDENCE_MAX_MEGAPIXELS="5"),
        input=jpeg(),
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode()
    found = json.loads(result.stdout.decode().splitlines()[-1])
    assert found["statuses"] == {path: 200 for path in PAGES}
    assert found["after_pages"] == []
    # Pillow, once an upload needs it, still has the portal's decompression-bomb limit (5 MP × 16).
    assert found["after_image"] == ["PIL"]
    assert found["max_image_pixels"] == 5 * 1_000_000 * 16


def test_the_gunicorn_master_runs_init_and_keeps_only_the_app(make_app):
    """`on_starting` migrates and imports the policy, but in a child: the master (and every worker forked
    from it) has not imported Alembic."""
    app = make_app(policy=False)
    result = subprocess.run(
        [sys.executable, "-c", MASTER, ",".join(NOT_FOR_PAGES)],
        cwd=ROOT,
        env=environment(app),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "policy imported: 9 chapters, 35 measures" in result.stdout
    assert json.loads(result.stdout.splitlines()[-1]) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Measure)) == 35
        db.session.remove()


def test_the_gunicorn_master_stops_when_init_fails(make_app, tmp_path):
    """A failing `portal init` (here: a database it cannot open) stops gunicorn before any worker starts."""
    app = make_app(policy=False)
    missing = f"sqlite:///{tmp_path / 'no-such-directory' / 'portal.db'}"
    result = subprocess.run(
        [sys.executable, "-c", MASTER, ",".join(NOT_FOR_PAGES)],
        cwd=ROOT,
        env=environment(app, PORTAL_DATABASE_URL=missing),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0
    assert "portal init failed" in result.stderr
