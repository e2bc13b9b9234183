"""The audit log: downloads of originals and attendee lists are recorded; site administrators read the log
through filters; everyone else gets 403."""

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditRecord, Evidence, Report, User
from portal.services import audit, history
from tests.console.test_hearings_console import consultation_id, hearing_id, wjq  # noqa: F401 (fixtures)
from tests.console.test_reports import photo, submitted  # noqa: F401 (fixtures)
from tests.helpers import add_user, staff_client

# 2026-05-20 10:00 in Beijing.
NOW = datetime(2026, 5, 20, 2, 0, tzinfo=UTC)


def records(app):
    """(action, actor username, subject type, subject id) of every audit record, oldest first."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(
                AuditRecord.action, User.username, AuditRecord.subject_type, AuditRecord.subject_id
            )
            .outerjoin(User, AuditRecord.actor_id == User.id)
            .order_by(AuditRecord.id)
        )
        return [tuple(row) for row in rows]


def rows(page):
    """The detail column of each row of the audit table."""
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S)
    return re.findall(r'<td class="detail">([^<]*)</td>', body.group(1)) if body else []


def test_downloading_an_original_or_an_attendee_list_is_audited(app, submitted, wjq, hearing_id):  # noqa: F811
    """Each download leaves a record of who downloaded what; the cleaned copy leaves none."""
    reference = submitted[0]
    root = staff_client(app, "root", "兵团审计局", role="site_admin")
    with app.app_context():
        report_id, evidence_id = db.session.execute(
            sa.select(Report.id, Evidence.id).join(Evidence).where(Report.reference == reference)
        ).one()
    assert root.get(f"/console/reports/{reference}/evidence/{evidence_id}").status_code == 200
    assert records(app) == []
    assert (
        root.get(f"/console/reports/{reference}/evidence/{evidence_id}/original").status_code == 200
    )
    assert wjq.get(f"/console/hearings/{hearing_id}/attendees.csv").status_code == 200
    assert records(app) == [
        ("evidence_original.download", "root", "report", report_id),
        ("attendee_list.download", "wjq", "hearing", hearing_id),
    ]
    page = root.get("/admin/audit").get_data(as_text=True)
    assert (
        "Original evidence file downloaded" in page and "Hearing attendee list downloaded" in page
    )
    assert (
        f'href="/console/reports/{reference}"' in page
        and f"{reference}-{evidence_id}.orig.jpg" in page
    )
    with app.app_context():
        assert history.verify().intact


def test_filters_by_actor_action_unit_days_and_report(app):
    """Each filter narrows the log; the filters combine; 50 records a page."""
    root_id, alr_id = (
        add_user(app, "root", "兵团审计局", "site_admin"),
        add_user(app, "alr", "第一师阿拉尔市"),
    )
    with app.app_context():
        root, alr = db.session.get(User, root_id), db.session.get(User, alr_id)
        for n in range(52):
            audit.record(
                "comment.published",
                "comment",
                n,
                actor=alr,
                detail=f"bulk {n}",
                now=NOW - timedelta(days=30),
            )
        audit.record("identity.read", "report", 7, actor=root, detail="root read", now=NOW)
        audit.record(
            "identity.read", "report", 8, actor=alr, detail="alr read", now=NOW + timedelta(days=1)
        )
        db.session.commit()
        alr_unit = alr.unit_id
    client = staff_client(app, "root2", "兵团审计局", role="site_admin")

    def shown(query=""):
        return rows(client.get(f"/admin/audit?{query}").get_data(as_text=True))

    everything = client.get("/admin/audit").get_data(as_text=True)
    assert (
        "54 records" in everything and len(rows(everything)) == 50 and "Page 1 of 2" in everything
    )
    assert len(shown("page=2")) == 4
    assert shown("action=identity.read") == ["alr read", "root read"]
    assert shown(f"actor={root_id}") == ["root read"]
    assert shown(f"unit={alr_unit}&action=identity.read") == ["alr read"]
    # Days are Beijing days: 2026-05-20 holds the 10:00 record only.
    assert shown("since=2026-05-20&until=2026-05-20") == ["root read"]
    assert len(shown("until=2026-04-30")) == 50


def test_the_report_filter_shows_the_records_of_one_report(app, submitted):  # noqa: F811
    """Filtering by a report reference shows the reads of that report only, linked to it."""
    reference = submitted[0]
    root = staff_client(app, "root", "兵团审计局", role="site_admin")
    with app.app_context():
        report = db.session.scalar(sa.select(Report).where(Report.reference == reference))
        audit.record("identity.read", "report", report.id, actor=None, detail="this report")
        audit.record(
            "identity.read", "report", report.id + 1000, actor=None, detail="another report"
        )
        db.session.commit()
    page = root.get(f"/admin/audit?report={reference}").get_data(as_text=True)
    assert rows(page) == ["this report"]
    assert rows(root.get("/admin/audit?report=BT-2099-999999").get_data(as_text=True)) == []


def test_the_old_name_of_the_report_filter_redirects(app):
    """A bookmark from before the rename (?case=) answers 301 to ?report=, the other filters kept."""
    root = staff_client(app, "root", "兵团审计局", role="site_admin")
    response = root.get("/admin/audit?case=JB-2026-000001&days=7")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/admin/audit?report=JB-2026-000001&days=7")


def test_bad_filters_get_a_message_naming_the_field(app):
    """A malformed day or an unknown choice is a 400 that says which filter is wrong, never a 500."""
    client = staff_client(app, "root", "兵团审计局", role="site_admin")
    for query, message in (
        ("since=2026-13-01", "The first day must be a date"),
        ("until=yesterday", "The last day must be a date"),
        ("since=2026-05-02&until=2026-05-01", "The first day must not be after the last day"),
        ("actor=abc", "The staff member is not one of the values offered"),
        ("unit=99999999999999999999", "The unit is not one of the values offered"),
        ("action=drop", "The action is not one of the values offered"),
        ("page=-1", "The page number is not one of the values offered"),
    ):
        response = client.get(f"/admin/audit?{query}")
        assert response.status_code == 400 and message in response.get_data(as_text=True), query


def test_only_site_administrators_read_the_audit_log(app):
    """Staff and unit administrators get 403; a visitor is sent to the login page."""
    assert app.test_client().get("/admin/audit").status_code == 302
    for role in ("staff", "unit_admin"):
        client = staff_client(app, f"user-{role}", role=role)
        assert client.get("/admin/audit").status_code == 403
        assert "/admin/audit" not in client.get("/console/").get_data(as_text=True)
    admin = staff_client(app, "root", "兵团审计局", role="site_admin")
    assert 'href="/admin/audit"' in admin.get("/console/").get_data(as_text=True)
