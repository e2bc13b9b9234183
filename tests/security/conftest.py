"""One app with the demo's sample data, files included, shared by the security tests that only read from it."""

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.extensions import db
from tests.conftest import settings
from tests.helpers import jpeg_photo, login, submit_report

STAFF = ("demo-admin", "demo-password-2026")


def _organisation_values(app):
    """The sample verified organisation's id and management token, its litigation request's id, and a document
    its handling unit handed over with the answer."""
    from portal.models import LitigationRequest, Organisation, OrganisationStatus, User
    from portal.services import organisations

    organisation = db.session.scalar(
        sa.select(Organisation).where(Organisation.status == OrganisationStatus.VERIFIED)
    )
    request = db.session.scalar(sa.select(LitigationRequest))
    handler = db.session.scalar(
        sa.select(User).where(User.unit_id == request.unit_id, User.username.like("demo-%"))
    )
    organisations.answer(
        handler, request.id, True, "示例答复。", app.config, [("record.jpg", jpeg_photo())]
    )
    db.session.commit()
    return {
        "organisation_id": organisation.id,
        "organisation_token": organisations.link_token(app.config["SECRET_KEY"], organisation),
        "request_id": request.id,
        "document_id": request.documents[0].id,
    }


def _values(app, client):
    """The demo's ids and secrets that fill the URL map's variables."""
    from portal.models import (
        Consultation,
        Disclosure,
        DisclosureCategory,
        Report,
        RoutingRule,
        TaskReport,
        TaskReportState,
        Unit,
        User,
    )
    from portal.services import attachments, demo, reports, subscriptions

    reference, _code = submit_report(client, files=[("photo.jpg", jpeg_photo())])
    exported = app.test_cli_runner().invoke(args=["portal", "export-data"])  # the files of /data
    assert exported.exit_code == 0, exported.output
    with app.app_context():
        eia, answered = (
            db.session.scalar(sa.select(Consultation).where(Consultation.title == title))
            for title in (demo.EIA_TITLE, demo.ANSWERED_TITLE)
        )
        revised = db.session.scalar(
            sa.select(Disclosure).where(Disclosure.title.contains("生态环境状况公报"))
        )
        user = {
            name: db.session.scalar(sa.select(User).where(User.username == name))
            for name in ("demo-wujiaqu", "demo-jsj")
        }
        consultation_file = attachments.add_attachment(
            user["demo-wujiaqu"], eia, "notice.jpg", jpeg_photo(), app.config
        )
        disclosure_file = attachments.add_attachment(
            user["demo-jsj"], revised, "bulletin.jpg", jpeg_photo(), app.config
        )
        subscription = subscriptions.subscribe("reader@example.com", area=6, config=app.config)
        db.session.commit()
        report = reports.find_submission("demo-accepted")
        rule = db.session.scalars(sa.select(RoutingRule)).first()
        task_report = db.session.scalars(
            sa.select(TaskReport)
            .where(TaskReport.state == TaskReportState.PUBLISHED)
            .order_by(TaskReport.id)
        ).first()
        evidence = db.session.scalar(
            sa.select(Report).where(Report.reference == reference)
        ).evidence[0]
        values = {
            "consultation_id": eia.id,
            "attachment_id": consultation_file.id,
            "hearing_id": answered.hearings[0].id,
            "disclosure_id": revised.id,
            "disclosure_attachment_id": disclosure_file.id,
            "number": 1,
            "measure_number": 14,
            "unit_id": db.session.scalar(sa.select(Unit.id).where(Unit.name == "兵团建设局")),
            "project_id": eia.project_id,
            "task_id": task_report.task_id,
            "report_id": task_report.id,
            "reference": report.reference,
            "own_reference": reference,
            "follow_token": reports.link_token(app.config["SECRET_KEY"], report),
            "token": subscriptions.link_token(app.config["SECRET_KEY"], subscription),
            "code": "en",
            "category_code": revised.category.code,
            "category_id": db.session.scalar(sa.select(DisclosureCategory.id)),
            "routing_code": rule.category.code,
            "area_number": rule.area.number,
            "answered": answered.id,
            "evidence_id": evidence.id,
            **_organisation_values(app),
        }
    return values


@pytest.fixture(scope="session")
def demo_site(databases, tmp_path_factory):
    """(app, values): the demo's samples, a report with a photo, attachments and a subscription."""
    server, templates = databases
    data_dir = tmp_path_factory.mktemp("demo-site")
    context = server.database(templates["demo"], data_dir)
    url = context.__enter__()
    app = create_app(settings(data_dir, url))
    values = _values(app, app.test_client())
    yield app, values
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    context.__exit__(None, None, None)


@pytest.fixture
def staff(demo_site):
    """A test client of the demo site logged in as its site administrator."""
    app, _values = demo_site
    client = app.test_client()
    response = login(client, *STAFF)
    assert response.status_code == 302, response.status_code
    return client
