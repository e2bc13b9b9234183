"""Once a task report is published its contributions and evidence links are part of the record: each change is
kept (append-only, refused UPDATE and DELETE by the database), shown on the public page and in the API, snapshotted
in each version for the comparison page, and audited; a draft changes freely without history."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from portal.extensions import db
from portal.models import (
    AuditRecord,
    EvidenceChange,
    TaskReportContributionChange,
    TaskReportEvidenceChange,
)
from portal.services import history, task_reports
from tests.services.test_disclosures import published as published_disclosure
from tests.services.test_task_reports import app_context as app_context  # noqa: F401 (fixture)
from tests.services.test_task_reports import draft
from tests.services.test_task_reports import people as people  # noqa: F401 (fixture)

FIRST = "完成灌区节水改造两处。"
SECOND = "完成灌区节水改造三处,新增节水能力800万立方米。"
PUBLISHED = datetime(2026, 1, 10, 4, tzinfo=UTC)
EDITED = datetime(2026, 2, 3, 4, tzinfo=UTC)


def published(people, evidence=()):  # noqa: F811
    """The lead unit's report with the participating unit's contribution (and `evidence`), published."""
    report = draft(people)
    task_reports.contribute(people["helper"], report, FIRST)
    if evidence:
        task_reports.set_evidence(people["staff"], report, evidence)
    task_reports.publish(people["staff"], report, now=PUBLISHED)
    return report


def actions(report):
    """The audit actions on `report`, oldest first."""
    return db.session.scalars(
        sa.select(AuditRecord.action)
        .where(AuditRecord.subject_type == "task_report", AuditRecord.subject_id == report.id)
        .order_by(AuditRecord.id)
    ).all()


def page(app, path):
    """The public page at `path`, in English."""
    db.session.commit()
    client = app.test_client()
    client.get("/language/en")
    answer = client.get(path)
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def test_a_draft_changes_freely_without_history(people):  # noqa: F811
    """Before publication a contribution and the evidence change without a trace."""
    report = draft(people)
    task_reports.contribute(people["helper"], report, FIRST)
    task_reports.contribute(people["helper"], report, SECOND)
    task_reports.contribute(people["helper"], report, "")
    assert report.contribution_changes == [] and report.evidence_changes == []
    assert actions(report) == []


def test_an_edited_contribution_keeps_its_earlier_text_in_public(app_context, people):  # noqa: F811
    """After publication an edit is kept with its date and earlier text, shown on the task page and in the API."""
    report = published(people)
    task_reports.contribute(people["helper"], report, SECOND, now=EDITED)
    task_reports.contribute(people["helper"], report, SECOND, now=EDITED)  # unchanged: nothing kept
    [change] = report.contribution_changes
    assert (change.old_text, change.new_text, change.changed_at) == (FIRST, SECOND, EDITED)
    assert change.changed_by_id == people["helper"].id
    assert actions(report) == ["task_report.published", "task_report.contribution_changed"]
    text = page(app_context, f"/tasks/{report.task_id}")
    assert SECOND in text and FIRST in text
    assert "edited on" in text and "2026-02-03" in text
    assert "<del>" in text and "<ins>" in text  # the word diff of the edit
    api = app_context.test_client().get(f"/api/v1/tasks/{report.task_id}/reports").get_json()
    item = next(i for i in api["items"] if i["id"] == report.id)
    [entry] = item["contribution_history"]
    assert (entry["old_text"], entry["text"]) == (FIRST, SECOND)
    assert entry["unit"]["name"] == "兵团水利局"
    assert "changed_by" not in str(entry) and str(people["helper"].id) not in str(entry["unit"])
    assert item["versions"][0]["contributions"][0]["text"] == FIRST


def test_a_removed_contribution_leaves_a_trace(app_context, people):  # noqa: F811
    """Removing a contribution after publication keeps the removed text on the page."""
    report = published(people)
    task_reports.contribute(people["helper"], report, "", now=EDITED)
    assert report.contributions == []
    [change] = report.contribution_changes
    assert (change.old_text, change.new_text) == (FIRST, "")
    text = page(app_context, f"/tasks/{report.task_id}")
    assert FIRST in text and "removed on" in text


def test_removing_evidence_after_publication_leaves_a_public_trace(app_context, people):  # noqa: F811
    """An evidence link removed after publication stays listed as removed, with its date, on the page and in the API."""
    disclosure = published_disclosure(people)
    key = f"disclosure:{disclosure.id}"
    report = published(people, evidence=[key])
    assert report.versions[0].evidence_keys == [key]
    task_reports.set_evidence(people["staff"], report, [], now=EDITED)
    assert report.evidence == []
    [change] = report.evidence_changes
    assert (change.key, change.change, change.changed_at) == (key, EvidenceChange.REMOVED, EDITED)
    assert change.unit_id == report.unit_id
    assert actions(report)[-1] == "task_report.evidence_changed"
    text = page(app_context, f"/tasks/{report.task_id}")
    assert "Changes of the evidence since publication" in text
    assert "removed" in text and disclosure.title in text
    api = app_context.test_client().get(f"/api/v1/tasks/{report.task_id}/reports").get_json()
    item = next(i for i in api["items"] if i["id"] == report.id)
    assert item["evidence"] == []
    assert [(e["kind"], e["id"], e["change"]) for e in item["evidence_history"]] == [
        ("disclosure", disclosure.id, "removed")
    ]


def test_the_version_comparison_shows_evidence_and_contributions(app_context, people):  # noqa: F811
    """Each version keeps the evidence and contributions as published; the diff page compares them."""
    disclosure = published_disclosure(people)
    report = published(people, evidence=[f"disclosure:{disclosure.id}"])
    task_reports.contribute(people["helper"], report, SECOND, now=EDITED)
    task_reports.set_evidence(people["staff"], report, [], now=EDITED)
    task_reports.revise(
        people["staff"], report, "done", "100", "## 进展\n\n全部完成。", "巩固。", "更正"
    )
    first, second = report.versions
    assert first.contribution_texts[0]["text"] == FIRST
    assert second.contribution_texts[0]["text"] == SECOND and second.evidence_keys == []
    result = task_reports.record_diff(report, first, second)
    assert result.recorded and result.changed
    assert [key for key, _item in result.removed] == [f"disclosure:{disclosure.id}"]
    text = page(app_context, f"/tasks/{report.task_id}/reports/{report.id}/diff?from=1&to=2")
    assert "Evidence and contributions" in text and "Contribution changed" in text
    assert disclosure.title in text


def test_history_rows_are_append_only(people):  # noqa: F811
    """The database refuses UPDATE and DELETE of the history rows and of the versions, as for the case events."""
    disclosure = published_disclosure(people)
    report = published(people, evidence=[f"disclosure:{disclosure.id}"])
    task_reports.contribute(people["helper"], report, SECOND, now=EDITED)
    task_reports.set_evidence(people["staff"], report, [], now=EDITED)
    db.session.commit()
    for statement in (
        "UPDATE task_report_contribution_changes SET old_text = 'x'",
        "DELETE FROM task_report_contribution_changes",
        "UPDATE task_report_evidence_changes SET item_id = 1",
        "DELETE FROM task_report_evidence_changes",
        "UPDATE task_report_versions SET done_text = 'x'",
        "DELETE FROM task_report_versions",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
            db.session.execute(sa.text(statement))
        db.session.rollback()
    assert history.missing_guards() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TaskReportContributionChange))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TaskReportEvidenceChange))


def test_another_unit_still_gets_not_found(people):  # noqa: F811
    """Staff of a unit that neither leads nor takes part cannot change a published report's record."""
    from portal.errors import NotFound

    report = published(people)
    with pytest.raises(NotFound):
        task_reports.contribute(people["stranger"], report, SECOND)
    with pytest.raises(NotFound):
        task_reports.set_evidence(people["stranger"], report, [])
    assert report.contribution_changes == [] and report.evidence_changes == []
