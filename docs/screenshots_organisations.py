"""Pictures of the organisation pages (issue 15 §3) at 1280 and 360 px, in Chinese and English, on the
sample data of `portal demo`: the register, an organisation, the calendar, the management page and a report
with litigation. Run: PYTHONPATH=. .venv/bin/python docs/screenshots_organisations.py [--out DIR]."""

import argparse
import sys
import tempfile
from pathlib import Path

from screenshots import CHROMIUM_ARGS, ROOT, build_site, picture_pages, serve

PAGES = ("organisations", "organisation", "activities", "manage", "report")


def _paths(app):
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.models import Organisation, OrganisationStatus
    from portal.services import organisations, reports

    with app.app_context():
        organisation = db.session.scalar(
            sa.select(Organisation).where(Organisation.status == OrganisationStatus.VERIFIED)
        )
        token = organisations.link_token(app.config["SECRET_KEY"], organisation)
        paths = {
            "organisations": "/organisations",
            "organisation": f"/organisations/{organisation.id}",
            "activities": "/organisations/activities",
            "manage": organisations.manage_path(token),
            "report": f"/reports/{reports.find_submission('demo-closed').reference}",
        }
        db.session.remove()
    return paths


def main(argv=None):
    """Build the sample site and take the pictures; prints each path, and any page wider than the window."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "screenshots-organisations")
    out = parser.parse_args(argv).out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    app, _sample = build_site(Path(tempfile.mkdtemp(prefix="portal-organisations-")))
    paths = _paths(app)
    server, base = serve(app)
    wide = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        wide = picture_pages(
            browser, base, out, paths, PAGES, lambda number, name: f"{number:02d}-{name}"
        )
        browser.close()
    server.shutdown()
    for line in wide:
        print("wider than the window:", line, file=sys.stderr)
    return 1 if wide else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main())
