"""Stored files under FILES_DIR, apart from the data directory: a file written by one app host is served by
another host that shares only the database and the files folder (issue 13, files that any host can serve)."""

from datetime import timedelta
from pathlib import Path

import pytest

from portal import create_app
from portal.config import load
from portal.extensions import db
from portal.models import ConsultationKind
from portal.models.types import utcnow
from portal.services import attachments, clocks, consultations, storage
from portal.services.units import find_unit
from tests.conftest import settings
from tests.helpers import People, jpeg_photo, staff_client, submit_report
from tests.services.test_evidence import minimal_pdf


@pytest.fixture
def other_host(app, tmp_path):
    """A second app on the same database and files folder, with a data directory of its own."""
    host = create_app(
        settings(tmp_path / "host-b", app.config["DATABASE_URL"], FILES_DIR=app.config["FILES_DIR"])
    )
    yield host
    with host.app_context():
        db.session.remove()
        db.engine.dispose()


def test_files_dir_defaults_to_the_data_directory_and_is_made_absolute(tmp_path, monkeypatch):
    """Unset, files live in the data directory (as before the setting existed); PORTAL_FILES_DIR moves them."""
    monkeypatch.chdir(tmp_path)
    base = {"DATA_DIR": "data", "SECRET_KEY": "s", "IDENTITY_KEY": "k"}
    assert load(base, environ={})["FILES_DIR"] == str(tmp_path / "data")
    moved = load(base, environ={"PORTAL_FILES_DIR": "shared/files"})
    assert moved["FILES_DIR"] == str(tmp_path / "shared/files") and moved["DATA_DIR"] == str(
        tmp_path / "data"
    )


def test_evidence_stored_by_one_host_is_served_by_the_other(app, other_host):
    """The resident's photo goes to host A; staff on host B download it, and nothing is under A's data dir."""
    photo = jpeg_photo()
    reference, _code = submit_report(app.test_client(), files=[("IMG_1.jpg", photo)])
    files_dir = Path(app.config["FILES_DIR"])
    stored = storage.stored_files(files_dir)
    assert len(stored) == 2  # the public copy and the original
    assert storage.stored_files(app.config["DATA_DIR"]) == []
    staff = staff_client(other_host, "shz")
    page = staff.get(f"/console/reports/{reference}").get_data(as_text=True)
    evidence_path = next(
        part.split('"')[0]
        for part in page.split('href="')
        if part.startswith(f"/console/reports/{reference}/evidence/")
    )
    download = staff.get(evidence_path)
    assert download.status_code == 200 and download.mimetype == "image/jpeg"
    public_copy = next(path for path in stored if path.startswith("evidence/"))
    assert download.data == (files_dir / public_copy).read_bytes()
    root = staff_client(other_host, "root", unit="兵团建设局", role="site_admin")
    assert root.get(f"{evidence_path}/original").data == photo


def test_an_attachment_published_on_one_host_downloads_from_the_other(app, other_host):
    """A consultation's file added and published through host A is a public download on host B."""
    with app.app_context():
        people = People({"staff": ("wjq", "第六师五家渠市", "staff")})
        draft = consultations.create_consultation(
            find_unit("第六师五家渠市"),
            ConsultationKind.POLICY_DRAFT,
            "共享文件测试(草案)",
            "第一段。",
            6,
            created_by=people["staff"],
        )
        item = attachments.add_attachment(
            people["staff"], draft, "说明.pdf", minimal_pdf(), app.config
        )
        today = clocks.local_day(utcnow())
        consultations.publish(people["staff"], draft, today, today + timedelta(days=30), app.config)
        db.session.commit()
        path = f"/consultations/{draft.id}/attachments/{item.id}"
        stored = (Path(app.config["FILES_DIR"]) / item.path).read_bytes()
    download = other_host.test_client().get(path)
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.data == stored and download.data.startswith(b"%PDF")
