"""Sample task reports (落实情况) for `portal demo`: one on time and revised (two versions) with a participating
unit's contribution edited after publication, one published late, one left as a draft past its due date, an
interim half-year report, and the other tasks without any report (missing). Every text is marked 示例."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Disclosure, TaskReport, TaskUnitRole, User
from portal.models.types import utcnow
from portal.services import access, clocks, task_reports
from portal.services.units import find_unit

SAMPLE = "【示例】"
LEAD, PARTICIPATING = "兵团建设局", "兵团水利局"
# (lead task index among 兵团建设局's tasks, period offset from the last due year, days after the due date it
# was published (None: a draft), status, progress, what was done, next steps, revision or None)
SAMPLES = (
    (
        0,
        0,
        -12,
        "in_progress",
        70,
        "## 主要进展\n\n"
        f"{SAMPLE}\n\n- 完成城镇污水处理厂提标改造3座,新增处理能力每日6万立方米。\n"
        "- 主要城市空气质量优良天数比例达到81.5%。",
        "推进第二批污水处理厂提标改造,2027年6月底前完工。",
        (
            5,
            "## 主要进展\n\n"
            f"{SAMPLE}\n\n- 完成城镇污水处理厂提标改造4座,新增处理能力每日8万立方米。\n"
            "- 主要城市空气质量优良天数比例达到81.5%。",
            "更正提标改造数量:年底前第四座完成验收。",
        ),
    ),
    (
        1,
        0,
        16,
        "in_progress",
        40,
        f"{SAMPLE}完成相关制度初稿起草,征求各师(市)意见。",
        "年内印发实施。",
        None,
    ),
    (2, 0, None, "not_started", None, f"{SAMPLE}尚在起草中。", "", None),
    (
        0,
        -1,
        -5,
        "in_progress",
        30,
        f"{SAMPLE}启动城镇污水处理厂提标改造前期工作。",
        "开工建设第一批项目。",
        None,
    ),
)
CONTRIBUTION = f"{SAMPLE}兵团水利局完成重点灌区节水改造两处,城镇供水水源地水质监测实现全覆盖。"
CONTRIBUTION_EDITED = (
    f"{SAMPLE}兵团水利局完成重点灌区节水改造三处,城镇供水水源地水质监测实现全覆盖。"
)


def load(config):
    """Add the sample task reports that are missing; lines saying what was added."""
    lead = find_unit(LEAD)
    staff = db.session.scalar(
        sa.select(User).where(User.unit_id == lead.id, User.username == "demo-jsj-staff")
    )
    helper = db.session.scalar(sa.select(User).where(User.username == "demo-slj"))
    if staff is None:
        return []
    tz = config.get("BABEL_DEFAULT_TIMEZONE") or clocks.DEFAULT_TZ
    now = utcnow()
    today = clocks.local_day(now, tz)
    # The last annual period due, whatever the calendar (with half-years required it may be a half-year's).
    annual = {**config, "TASK_REPORT_PERIODS": "annual"}
    last = int(task_reports.last_due_period(annual, today) or today.year - 1)
    tasks = task_reports.lead_tasks(lead.id)
    shared = [
        t
        for t in tasks
        if helper is not None
        and any(
            a.unit_id == helper.unit_id and a.role is TaskUnitRole.PARTICIPATING
            for a in t.assignments
        )
    ]
    ordered = shared[:1] + [t for t in tasks if t not in shared[:1]]
    lines = []
    for index, offset, days, status, progress, done, steps, revision in SAMPLES:
        task, period = ordered[index], str(last + offset)
        if db.session.scalar(
            sa.select(TaskReport.id).where(
                TaskReport.task_id == task.id,
                TaskReport.unit_id == lead.id,
                TaskReport.period == period,
            )
        ):
            continue
        report = task_reports.create_draft(staff, task.id, period, status, progress, done, steps)
        if index == 0 and offset == 0 and helper is not None:
            task_reports.contribute(helper, report, CONTRIBUTION)
        evidence = db.session.scalars(
            sa.select(Disclosure.id)
            .where(Disclosure.unit_id == lead.id, access.PUBLISHED_DISCLOSURES.where())
            .order_by(Disclosure.id)
            .limit(1)
        ).all()
        if evidence and offset == 0:
            task_reports.set_evidence(staff, report, [f"disclosure:{i}" for i in evidence])
        if days is not None:
            due = task_reports.due_date(period, config.get("TASK_REPORT_DUE", "01-31"))
            published = min(_at(due + timedelta(days=days)), now - timedelta(hours=2))
            task_reports.publish(staff, report, now=published)
            if index == 0 and offset == 0 and helper is not None:
                # After publication the participating unit corrects its contribution: the page shows the edit.
                task_reports.contribute(
                    helper,
                    report,
                    CONTRIBUTION_EDITED,
                    now=min(published + timedelta(days=2), now - timedelta(minutes=90)),
                )
            if revision is not None:
                later, text, note = revision
                task_reports.revise(
                    staff,
                    report,
                    status,
                    progress,
                    text,
                    steps,
                    note,
                    now=min(published + timedelta(days=later), now - timedelta(hours=1)),
                )
        lines.append(
            f"sample task report {report.id} ({period}, {report.state.value}) on task {task.id}"
        )
    # An interim half-year report of the year under way, once its half-year is over.
    interim = f"{last + 1}-H1"
    if task_reports.due_date(interim) < today and not db.session.scalar(
        sa.select(TaskReport.id).where(
            TaskReport.task_id == ordered[0].id,
            TaskReport.unit_id == lead.id,
            TaskReport.period == interim,
        )
    ):
        report = task_reports.create_draft(
            staff,
            ordered[0].id,
            interim,
            "in_progress",
            85,
            f"{SAMPLE}上半年完成第五座污水处理厂主体工程。",
            "下半年完成设备安装调试。",
        )
        task_reports.publish(
            staff, report, now=_at(task_reports.due_date(interim) - timedelta(days=3))
        )
        lines.append(f"sample task report {report.id} ({interim}, published)")
    db.session.flush()
    return lines


def _at(day):
    """10:00 in Beijing on `day`."""
    return datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=2)
