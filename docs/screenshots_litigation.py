"""Pictures of the documents with a unit's litigation answer (issue 15 §3) at 1280 and 360 px, in Chinese and
English, on the sample data of `portal demo`: the console's answer form with its file field, then (after the
sample request is answered with a PDF and a photo) the console's request with its documents, the organisation's
management page listing them, and the report's public page with the count only.
Run: PYTHONPATH=. .venv/bin/python docs/screenshots_litigation.py [--out DIR]."""

import argparse
import sys
import tempfile
from pathlib import Path

from screenshots import CHROMIUM_ARGS, ROOT, STAFF, build_site, picture_pages, serve

BEFORE = ("console-answer-form",)
AFTER = ("console-documents", "manage", "report")


def _paths(app):
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.models import LitigationRequest
    from portal.services import organisations

    with app.app_context():
        request = db.session.scalar(sa.select(LitigationRequest))
        token = organisations.link_token(app.config["SECRET_KEY"], request.organisation)
        paths = {
            "console-answer-form": f"/console/litigation/{request.id}",
            "console-documents": f"/console/litigation/{request.id}",
            "manage": organisations.manage_path(token) + "#litigation-title",
            "report": f"/reports/{request.report.reference}",
        }
        db.session.remove()
    return paths


def _answer(app):
    """The sample request answered by 第八师石河子市 with a PDF and a photo."""
    import io

    import sqlalchemy as sa
    from PIL import Image

    from portal.extensions import db
    from portal.models import LitigationRequest, User
    from portal.services import organisations
    from tests.services.test_evidence import minimal_pdf

    photo = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 140, 90)).save(photo, "JPEG")
    with app.app_context():
        request = db.session.scalar(sa.select(LitigationRequest))
        user = db.session.scalar(sa.select(User).where(User.username == STAFF[0]))
        files = [
            ("现场检查笔录（已遮蔽个人信息）.pdf", minimal_pdf()),
            ("排污口现场照片.jpg", photo.getvalue()),
        ]
        organisations.answer(
            user, request.id, True, "已提供现场检查笔录及照片，见附件。", app.config, files
        )
        db.session.commit()
        db.session.remove()


def main(argv=None):
    """Build the sample site and take the pictures; prints each path, and any page wider than the window."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "screenshots-litigation")
    out = parser.parse_args(argv).out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    app, _sample = build_site(Path(tempfile.mkdtemp(prefix="portal-litigation-")))
    paths = _paths(app)
    server, base = serve(app)
    wide = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        for stage, pages in (("before", BEFORE), ("after", AFTER)):
            if stage == "after":
                _answer(app)
            wide += picture_pages(
                browser,
                base,
                out,
                paths,
                pages,
                lambda _n, name, stage=stage: f"{stage}-{name}",
                STAFF,
            )
        browser.close()
    server.shutdown()
    for line in wide:
        print("wider than the window:", line, file=sys.stderr)
    return 1 if wide else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main())
