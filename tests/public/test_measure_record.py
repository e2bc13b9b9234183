"""The measure page's record: linked disclosures and consultations (newest first, ten at most) and reports by status."""

import re
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.models import ConsultationKind, DisclosureState, User
from portal.models.types import utcnow
from portal.services import consultations
from portal.services.accounts import create_user
from portal.services.units import find_unit
from tests.helpers import PASSWORD
from tests.services.test_dashboard import disclosure, submit, task_of

UNIT = "第八师石河子市"


def record_section(client, number):
    """The English "what has happened" section of measure `number`'s page."""
    client.get("/language/en")
    response = client.get(f"/measures/{number}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    match = re.search(r'<section aria-labelledby="record-title">.*?</section>', page, re.S)
    assert match, "the measure page has no record section"
    return match.group(0)


def consultation(title, task, publish=True, now=None):
    """A policy draft of 第八师 linked to `task`, published unless told otherwise."""
    staff = db.session.scalar(sa.select(User).where(User.username == "shz")) or create_user(
        "shz", UNIT, "staff", PASSWORD
    )
    item = consultations.create_consultation(
        find_unit(UNIT), ConsultationKind.POLICY_DRAFT, title, "第一段。", 8, task_ids=[task.id]
    )
    if publish:
        now = now or utcnow()
        consultations.publish(
            staff,
            item,
            now.date() + timedelta(days=1),
            now.date() + timedelta(days=20),
            current_app.config,
            now=now,
        )
    return item


def test_measure_page_lists_planted_disclosures_and_consultations(app, client):
    """Published ones appear as links, newest first; drafts and withdrawn disclosures do not; reports by status."""
    with app.app_context():
        fourteen = task_of(14)
        older = disclosure(
            "2025年大气污染防治工作进展", published_on=date(2025, 6, 1), tasks=[fourteen]
        )
        newer = disclosure(
            "2026年大气污染防治工作进展", published_on=date(2026, 6, 1), tasks=[fourteen]
        )
        disclosure("尚未发布的大气信息", DisclosureState.DRAFT, tasks=[fourteen])
        disclosure("已撤回的大气信息", DisclosureState.WITHDRAWN, tasks=[fourteen])
        first = consultation(
            "第八师大气污染防治规划(征求意见稿)", fourteen, now=utcnow() - timedelta(days=2)
        )
        second = consultation("第八师扬尘治理办法(征求意见稿)", fourteen)
        consultation("第八师尚未发布的草稿", fourteen, publish=False)
        submit("air-1", 8, utcnow(), category="air")
        db.session.commit()
        ids = {"older": older.id, "newer": newer.id, "first": first.id, "second": second.id}
    record = record_section(client, 14)
    newer_link = (
        f'<a href="/disclosures/{ids["newer"]}" lang="zh-Hans">2026年大气污染防治工作进展</a>'
    )
    older_link = (
        f'<a href="/disclosures/{ids["older"]}" lang="zh-Hans">2025年大气污染防治工作进展</a>'
    )
    assert newer_link in record and older_link in record
    assert record.index(newer_link) < record.index(older_link)
    second_link = f'<a href="/consultations/{ids["second"]}" lang="zh-Hans">第八师扬尘治理办法(征求意见稿)</a>'
    first_link = f'<a href="/consultations/{ids["first"]}" lang="zh-Hans">第八师大气污染防治规划(征求意见稿)</a>'
    assert record.index(second_link) < record.index(first_link)
    for hidden in ("尚未发布的大气信息", "已撤回的大气信息", "第八师尚未发布的草稿"):
        assert hidden not in record
    assert re.search(r"<dt>Awaiting acceptance</dt><dd>1</dd>", record)
    assert re.search(r"<dt>Closed</dt><dd>0</dd>", record)
    assert "All " not in record  # no "more" link for fewer than ten


def test_more_than_ten_disclosures_link_to_the_dashboard(app, client):
    """Twelve linked disclosures: the ten newest are listed and a link leads to the dashboard's row."""
    with app.app_context():
        fourteen = task_of(14)
        for n in range(12):
            disclosure(
                f"大气环境质量月报第{n}期",
                published_on=date(2025, 1, 1) + timedelta(days=n),
                tasks=[fourteen],
            )
        db.session.commit()
    record = record_section(client, 14)
    assert record.count('<a href="/disclosures/') == 10
    assert "第11期" in record and "第1期<" not in record and "第0期" not in record
    more = '<a href="/dashboard/measures#measure-14">All 12 disclosures under this measure, on the dashboard</a>'
    assert more in record


def test_a_measure_with_nothing_says_so(client):
    """No disclosure, consultation or report: three plain empty-state messages."""
    record = record_section(client, 1)
    assert "No disclosure linked to this measure has been published yet." in record
    assert "No consultation linked to this measure has been published yet." in record
    assert "No report about this measure's tasks has been received yet." in record
