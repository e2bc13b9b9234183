"""The dashboard's numbers from known data: goals against their targets, units' handling record, measures."""

import logging
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import current_app

from portal import config
from portal.config import load
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.models import (
    CommentDecision,
    Comparison,
    ConsultationKind,
    DisclosureCategory,
    DisclosureState,
    Goal,
    Measure,
    ReportStatus,
    Task,
    User,
)
from portal.services import (
    comments,
    consultations,
    dashboard,
    disclosures,
    handling,
    policy,
    reports,
)
from portal.services.accounts import create_user
from portal.services.dashboard import GoalStatus
from portal.services.handling import QueueFilters
from portal.services.reports import ReportInput
from portal.services.units import find_unit
from tests.helpers import PASSWORD, People

BJ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 6, 1, 10, 0, tzinfo=BJ)  # a Monday
NOW = T0 + timedelta(days=200)
BUSY_UNIT, SMALL_UNIT = "第八师石河子市", "第六师五家渠市"

PEOPLE = {
    "busy": ("shz", BUSY_UNIT, "staff"),
    "small": ("wjq", SMALL_UNIT, "staff"),
    "site": ("root", "兵团审计局", "site_admin"),
}


@pytest.fixture
def app_context(english_context):
    """This module reads the services' messages in English, the language they are written in."""
    return english_context


@pytest.fixture
def people(app_context):
    """Staff of the two divisions and a site administrator, made on first use."""
    return People(PEOPLE)


# --- builders, shared with the page tests ----------------------------------------------------------


def submit(key, area, now, category="water"):
    """A report about `category` in division `area`, submitted at `now` (routed to that division's unit)."""
    data = ReportInput(
        submission_key=key,
        category=category,
        area=area,
        place="北泉镇排污口",
        description="排污口每天夜里排放黑臭污水,渠道里的鱼都死了。",
    )
    return reports.submit(data, current_app.config, now=now).report


def plant_reports(people, start=T0, now=NOW):
    """Seven reports of 第八师石河子市 handled in known ways, four of 第六师五家渠市; commits.

    第八师, all received at `start`: accepted after 1, 2.5, 3 and 4 days; closed after 11, 20 (in time)
    and 100 days (late); one not accepted; one never accepted (overdue at `now`); and one received the day
    before `now` (not overdue). 第六师: four received at `start`, never accepted.
    """
    config = current_app.config
    staff = people["busy"]
    handled = [
        (timedelta(days=1), timedelta(days=11)),
        (timedelta(days=2, hours=12), timedelta(days=20)),
        (timedelta(days=3), timedelta(days=100)),
        (timedelta(days=4), None),
    ]
    for n, (to_accept, to_close) in enumerate(handled):
        report = submit(f"busy-{n}", 8, start)
        handling.accept(staff, report, report.version, config, now=start + to_accept)
        if to_close:
            handling.close(
                staff, report, report.version, "已责令整改并复查。", config, now=start + to_close
            )
    refused = submit("busy-refused", 8, start)
    handling.not_accept(
        staff,
        refused,
        refused.version,
        "repeated",
        "该问题已于上月办结,无新的事实。",
        now=start + timedelta(days=1),
    )
    submit("busy-waiting", 8, start)
    submit("busy-recent", 8, now - timedelta(days=1))
    for n in range(4):
        submit(f"small-{n}", 6, start)
    db.session.commit()


def plant_consultations(people):
    """第八师: one open consultation with 3 published comments (1 answered) and 1 pending, one withdrawn, one draft."""
    unit, staff = find_unit(BUSY_UNIT), people["busy"]
    config = current_app.config

    def draft(title):
        return consultations.create_consultation(
            unit, ConsultationKind.POLICY_DRAFT, title, "第一段。\n\n第二段。", 8
        )

    held = draft("第八师生态环境保护规划(征求意见稿)")
    consultations.publish(staff, held, date(2026, 6, 2), date(2026, 6, 30), config, now=T0)
    written = [
        comments.submit_comment(
            held,
            f"第{n}条意见:建议加强排污口监管。",
            "居民",
            "",
            "a@example.org",
            False,
            now=T0 + timedelta(days=2),
            secret=config["SECRET_KEY"],
        )
        for n in range(4)
    ]
    for comment in written[:3]:
        comments.publish_comment(staff, comment)
    comments.decide(staff, written[0], CommentDecision.ADOPTED, "", now=T0 + timedelta(days=3))
    withdrawn = draft("第八师噪声管理办法(征求意见稿)")
    consultations.publish(staff, withdrawn, date(2026, 6, 2), date(2026, 6, 30), config, now=T0)
    consultations.withdraw(
        staff, withdrawn, "上位法修订,本稿撤回重新起草。", now=T0 + timedelta(days=1)
    )
    draft("第八师尚未发布的草稿")
    db.session.commit()


def statistics_category():
    """A disclosure category that takes observations (made here, so as not to depend on the seeded codes)."""
    category = db.session.scalar(
        sa.select(DisclosureCategory).where(DisclosureCategory.code == "test_statistics")
    )
    return category or disclosures.create_category(
        "test_statistics", "测试统计数据", "Test statistics", takes_observations=True
    )


def goal_named(name):
    """A goal of measure (三) by name."""
    return db.session.scalar(sa.select(Goal).where(Goal.name == name))


def task_of(measure_number):
    """The first task of a measure."""
    return db.session.scalar(
        sa.select(Task)
        .join(Measure)
        .where(Measure.number == measure_number)
        .order_by(Task.position)
        .limit(1)
    )


def discloser(unit):
    """A staff member of `unit` who may publish disclosures, made on first use."""
    username = f"disclose-{find_unit(unit).id}"
    user = db.session.scalar(sa.select(User).where(User.username == username))
    return user or create_user(username, unit, "staff", PASSWORD)


def disclosure(
    title,
    state=DisclosureState.PUBLISHED,
    published_on=date(2021, 3, 1),
    observations=(),
    tasks=(),
    unit="兵团建设局",
):
    """A 兵团-level disclosure of `unit` through the disclosures service, left in `state`, with observations
    {(goal name, year): value} and related tasks; flushed."""
    staff = discloser(unit)
    item = disclosures.create_draft(
        find_unit(unit),
        statistics_category(),
        title,
        0,
        body="统计数据见附表。",
        task_ids=[t.id for t in tasks],
        published_on=published_on,
    )
    rows = [
        disclosures.ObservationInput(goal_named(name).id, year, value, "兵团统计年鉴")
        for (name, year), value in dict(observations).items()
    ]
    disclosures.replace_observations(staff, item, rows)
    moment = datetime.combine(published_on, datetime.min.time(), tzinfo=BJ) + timedelta(hours=10)
    if state is not DisclosureState.DRAFT:
        disclosures.publish(staff, item, now=moment)
    if state is DisclosureState.WITHDRAWN:
        disclosures.withdraw(
            staff, item, "数据有误,予以撤回,更正后重新发布。", now=moment + timedelta(days=30)
        )
    return item


def progress(name):
    """The dashboard's Progress of the goal called `name`."""
    return next(g for g in dashboard.goals() if g.goal.name == name)


# --- units ---------------------------------------------------------------------------------------


def record_of(records, unit_name):
    """The UnitRecord of `unit_name`, or None when it is not listed."""
    return next((r for r in records if r.name == unit_name), None)


def test_unit_record_numbers(people):
    """Counts, medians (calendar days, one decimal, half up), share in time and overdue come out exactly."""
    plant_reports(people)
    plant_consultations(people)
    busy = record_of(dashboard.unit_records(5, now=NOW), BUSY_UNIT)
    assert (busy.received, busy.accepted, busy.closed) == (7, 4, 3)
    assert busy.median_days_to_acceptance == Decimal("2.8")  # median of 1, 2.5, 3, 4 = 2.75
    assert busy.median_days_to_closure == Decimal("20.0")  # 11, 20, 100
    assert (busy.closed_within_limit, busy.closed_within_limit_percent) == (2, Decimal("66.7"))
    assert busy.overdue == 2  # the one accepted but never closed, the one never accepted
    assert busy.consultations == 2  # the open one and the withdrawn one; never the draft
    assert (busy.published_comments, busy.decided_comments, busy.answered_percent) == (
        3,
        1,
        Decimal("33.3"),
    )


def test_overdue_is_the_consoles_overdue_filter(people):
    """The dashboard's overdue count equals what the console's overdue filter lists for the unit."""
    plant_reports(people)
    listed = handling.queue(people["site"], QueueFilters(overdue=True), per_page=100, now=NOW).items
    busy = record_of(dashboard.unit_records(5, now=NOW), BUSY_UNIT)
    assert busy.overdue == len([r for r in listed if r.unit.name == BUSY_UNIT]) == 2
    early = record_of(dashboard.unit_records(5, now=T0 + timedelta(hours=1)), BUSY_UNIT)
    assert early.overdue == 0


def test_units_under_the_minimum_are_left_out(people):
    """第六师 has 4 reports: absent with the default minimum of 5, present with 4."""
    plant_reports(people)
    assert record_of(dashboard.unit_records(5, now=NOW), SMALL_UNIT) is None
    small = record_of(dashboard.unit_records(4, now=NOW), SMALL_UNIT)
    assert (small.received, small.accepted, small.closed, small.overdue) == (4, 0, 0, 4)
    assert small.median_days_to_acceptance is None and small.closed_within_limit_percent is None
    assert small.answered_percent is None
    assert dashboard.unit_records(8, now=NOW) == []


def test_units_sort_by_any_column_with_missing_values_last(people):
    """Ascending and descending by a count; a column a unit has no value for puts it last both ways."""
    plant_reports(people)
    plant_consultations(people)
    names = lambda rows: [r.name for r in rows]  # noqa: E731
    assert names(dashboard.units_table(4, "received", "asc", now=NOW)[0]) == [SMALL_UNIT, BUSY_UNIT]
    assert names(dashboard.units_table(4, "received", "desc", now=NOW)[0]) == [
        BUSY_UNIT,
        SMALL_UNIT,
    ]
    assert names(dashboard.units_table(4, "overdue", "desc", now=NOW)[0]) == [SMALL_UNIT, BUSY_UNIT]
    for direction in ("asc", "desc"):
        assert names(dashboard.units_table(4, "answered", direction, now=NOW)[0]) == [
            BUSY_UNIT,
            SMALL_UNIT,
        ]
    assert dashboard.units_table(4, now=NOW)[1:] == ("received", "desc")
    assert dashboard.units_table(4, "unit", now=NOW)[1:] == ("unit", "asc")


@pytest.mark.parametrize(
    "sort, direction, field", [("reporter", None, "sort"), ("received", "up", "dir")]
)
def test_unknown_sort_is_refused_naming_the_parameter(app_context, sort, direction, field):
    """A sort column or direction that does not exist is a clear error on that parameter."""
    with pytest.raises(ValidationFailed) as refused:
        dashboard.units_table(5, sort, direction)
    assert refused.value.field == field


CONFIG_BASE = {
    "PORTAL_ENV": "testing",
    "PORTAL_SECRET_KEY": "k",
    "PORTAL_DATA_DIR": "/tmp/portal-dashboard-config",
}


def test_minimum_is_configurable_from_the_environment():
    """DASHBOARD_MIN_REPORTS defaults to 5; PORTAL_DASHBOARD_MIN_REPORTS changes it."""
    assert load(environ=CONFIG_BASE)["DASHBOARD_MIN_REPORTS"] == 5
    assert (
        load(environ={**CONFIG_BASE, "PORTAL_DASHBOARD_MIN_REPORTS": "3"})["DASHBOARD_MIN_REPORTS"]
        == 3
    )


def test_the_old_variable_name_still_works_with_one_warning(caplog, monkeypatch):
    """A deployment that still sets PORTAL_DASHBOARD_MIN_CASES keeps its minimum, and the log says once, naming
    the new variable, that the old name is deprecated; once the new name is set, it wins."""
    monkeypatch.setattr(config, "_warned_renamed", set())
    old = {**CONFIG_BASE, "PORTAL_DASHBOARD_MIN_CASES": "3"}
    with caplog.at_level(logging.WARNING, logger="portal.config"):
        assert load(environ=old)["DASHBOARD_MIN_REPORTS"] == 3
        assert load(environ=old)["DASHBOARD_MIN_REPORTS"] == 3
        assert (
            load(environ={**old, "PORTAL_DASHBOARD_MIN_REPORTS": "7"})["DASHBOARD_MIN_REPORTS"] == 7
        )
    warnings = [
        r.getMessage() for r in caplog.records if "PORTAL_DASHBOARD_MIN_CASES" in r.getMessage()
    ]
    assert len(warnings) == 1, warnings
    assert "deprecated" in warnings[0] and "PORTAL_DASHBOARD_MIN_REPORTS" in warnings[0]


# --- goals ---------------------------------------------------------------------------------------


def test_goals_count_only_published_disclosures(app_context):
    """A draft's and a withdrawn disclosure's values are ignored: the latest value stays the published one."""
    disclosure(
        "2020年统计公报", observations={("用水总量", 2019): "125", ("用水总量", 2020): "118"}
    )
    disclosure(
        "2021年统计公报(草稿)", DisclosureState.DRAFT, observations={("用水总量", 2021): "130"}
    )
    disclosure(
        "2022年统计公报(已撤回)",
        DisclosureState.WITHDRAWN,
        date(2023, 2, 1),
        observations={("用水总量", 2022): "200"},
    )
    water = progress("用水总量")
    assert [(p.year, p.value) for p in water.points] == [
        (2019, Decimal("125")),
        (2020, Decimal("118")),
    ]
    assert water.latest.year == 2020 and water.status is GoalStatus.MET
    assert {r["year"] for r in dashboard.observation_rows()} == {2019, 2020}


@pytest.mark.parametrize(
    "values, status, judged, latest",
    [
        # ≤ 120 亿立方米 by 2020: the 2020 value decides, whatever came later.
        ({2019: "125", 2020: "121", 2025: "110"}, GoalStatus.NOT_MET, 2020, 2025),
        ({2019: "125", 2020: "119", 2025: "130"}, GoalStatus.MET, 2020, 2025),
        ({2019: "125", 2025: "110"}, GoalStatus.NO_DATA, None, 2025),
        ({2020: "118"}, GoalStatus.MET, 2020, 2020),
    ],
)
def test_a_target_is_judged_on_its_target_year_and_the_latest_value_is_only_shown(
    app_context, values, status, judged, latest
):
    """ "≤ 120 by 2020" is met or missed on the 2020 value alone; a later value is reported, never judged; without a
    2020 value the dashboard says it cannot tell, even when a later value is below the target."""
    disclosure(
        "统计公报", observations={("用水总量", year): value for year, value in values.items()}
    )
    water = progress("用水总量")
    assert water.goal.target_year == 2020
    assert water.status is status
    assert (water.judged.year if water.judged else None) == judged
    assert water.latest.year == latest
    assert (water.later.year if water.later else None) == (latest if latest != judged else None)


def test_a_reduction_is_judged_on_the_target_year_against_the_baseline_year(app_context):
    """−25 % vs 2015 by 2020: 2020's 800 (−20 %) is not met, though 2025's 700 (−30 %) would be."""
    disclosure(
        "统计公报",
        observations={
            ("单位生产总值用水量", year): value
            for year, value in {2015: "1000", 2020: "800", 2025: "700"}.items()
        },
    )
    water = progress("单位生产总值用水量")
    assert water.status is GoalStatus.NOT_MET and water.reduction == Decimal("20.0")
    assert water.judged.year == 2020 and water.later.year == 2025


def test_the_goals_are_tallied_by_verdict(app_context):
    """The summary counts every goal once: met, not met, no value for the target year, cannot tell."""
    disclosure(
        "统计公报",
        observations={
            ("用水总量", 2020): "118",
            ("主要城市空气质量优良天数比例", 2020): "78.5",
            ("森林覆盖率", 2025): "25",
            ("单位生产总值用水量", 2020): "740",
        },
    )
    goals = dashboard.goals()
    tally = dashboard.tally(goals)
    assert list(tally) == list(GoalStatus)
    assert (
        tally[GoalStatus.MET] == 1
        and tally[GoalStatus.NOT_MET] == 1
        and tally[GoalStatus.NO_BASELINE] == 1
    )
    assert tally[GoalStatus.NO_DATA] == len(goals) - 3 and sum(tally.values()) == len(goals)


def test_at_least_target_not_met_and_no_data(app_context):
    """78.5 % good-air days against ≥ 80 % is not met; a goal without any value says so."""
    disclosure("2020年统计公报", observations={("主要城市空气质量优良天数比例", 2020): "78.5"})
    assert progress("主要城市空气质量优良天数比例").status is GoalStatus.NOT_MET
    forest = progress("森林覆盖率")
    assert forest.status is GoalStatus.NO_DATA and forest.latest is None and forest.chart is None


def test_the_newest_disclosure_wins_a_year_and_the_csv_keeps_both(app_context):
    """Two published values for 2020: the later publication counts; the CSV lists both."""
    disclosure(
        "2020年统计公报", published_on=date(2021, 3, 1), observations={("森林覆盖率", 2020): "19.5"}
    )
    corrected = disclosure(
        "2020年统计公报(更正)",
        published_on=date(2021, 6, 1),
        observations={("森林覆盖率", 2020): "20.1"},
    )
    forest = progress("森林覆盖率")
    assert [(p.value, p.disclosure_id) for p in forest.points] == [(Decimal("20.1"), corrected.id)]
    assert forest.status is GoalStatus.MET
    assert sorted(r["value"] for r in dashboard.observation_rows()) == ["19.5", "20.1"]


@pytest.mark.parametrize(
    "values, status, reduction",
    [
        ({2015: "1000", 2020: "740"}, GoalStatus.MET, Decimal("26.0")),
        ({2015: "1000", 2020: "750"}, GoalStatus.MET, Decimal("25.0")),
        ({2015: "1000", 2020: "800"}, GoalStatus.NOT_MET, Decimal("20.0")),
        ({2019: "900", 2020: "740"}, GoalStatus.NO_BASELINE, None),
    ],
)
def test_reduction_target_against_the_baseline_year(app_context, values, status, reduction):
    """−25 % vs 2015 is judged against the 2015 observation; without one the dashboard cannot tell."""
    name = "单位生产总值用水量"
    disclosure("统计公报", observations={(name, year): value for year, value in values.items()})
    water = progress(name)
    assert water.status is status and water.reduction == reduction
    if status is GoalStatus.NO_BASELINE:
        assert water.status.label == "Cannot tell: no baseline observation"
        assert water.target_value is None
    else:
        assert water.target_value == Decimal("750")


@pytest.mark.parametrize(
    "comparison, value, met",
    [
        (Comparison.AT_MOST, "120", True),
        (Comparison.AT_MOST, "120.01", False),
        (Comparison.AT_LEAST, "0.58", True),
        (Comparison.AT_LEAST, "0.57", False),
        (Comparison.EQUAL, "40", True),
        (Comparison.EQUAL, "40.1", False),
    ],
)
def test_direct_comparisons(comparison, value, met):
    """≤, ≥ and = compare the latest value with the target directly, boundaries included."""
    target = {"le": "120", "ge": "0.58", "eq": "40"}[comparison.value]
    item = Goal(name="x", comparison=comparison, target_value=Decimal(target), target_year=2020)
    latest = dashboard.Point(2020, Decimal(value), "", 1, "", None)
    status, _reduction, _threshold = dashboard.judge(item, latest, None)
    assert status is (GoalStatus.MET if met else GoalStatus.NOT_MET)


def test_chart_geometry():
    """Years run left to right, larger values higher; the target line lies inside the plot; one year is centred."""
    points = [
        dashboard.Point(year, Decimal(v), "", 1, "", None)
        for year, v in ((2016, "110"), (2018, "125"))
    ]
    chart = dashboard.chart(points, Decimal("120"))
    (x1, y1, _), (x2, y2, _) = chart.points
    assert chart.left <= x1 < x2 <= chart.right and y2 < y1
    assert chart.top <= chart.target_y <= chart.bottom and y2 < chart.target_y < y1
    single = dashboard.chart(points[:1], None)
    assert single.points[0][0] == (single.left + single.right) / 2 and single.target_y is None
    assert dashboard.chart([], Decimal("1")) is None
    decade = [dashboard.Point(year, Decimal(year), "", 1, "", None) for year in range(2016, 2026)]
    labelled = [year for _x, year in dashboard.chart(decade, None).x_ticks]
    assert labelled[-1] == 2025 and len(labelled) < 10 and labelled == sorted(labelled)
    marked = dashboard.chart(decade, Decimal("2020"), 2020)
    assert marked.target_x == next(x for x, _y, p in marked.points if p.year == 2020)
    assert dashboard.chart(decade, None, 2030).target_x is None


# --- measures ------------------------------------------------------------------------------------


def test_measures_count_published_disclosures_public_consultations_and_reports(people):
    """Measure (十四): one published disclosure (not the draft or withdrawn one), one public consultation
    (not the draft), and the reports whose category (大气污染, 水污染) belongs to its tasks."""
    fourteen = task_of(14)
    disclosure("2026年大气污染防治工作进展", tasks=[fourteen])
    disclosure("未发布的草稿", DisclosureState.DRAFT, tasks=[fourteen])
    disclosure("已撤回的信息", DisclosureState.WITHDRAWN, tasks=[fourteen])
    unit, staff = find_unit(BUSY_UNIT), people["busy"]
    public = consultations.create_consultation(
        unit, ConsultationKind.PLAN, "大气污染防治规划", "第一段。", 8, task_ids=[fourteen.id]
    )
    consultations.publish(
        staff, public, date(2026, 6, 2), date(2026, 6, 30), current_app.config, now=T0
    )
    consultations.create_consultation(
        unit, ConsultationKind.PLAN, "草稿", "第一段。", 8, task_ids=[fourteen.id]
    )
    for n, category in enumerate(("air", "water", "noise")):
        submit(f"m-{n}", 8, T0, category=category)
    db.session.commit()
    table = {m.number: m for m in dashboard.measures_table()}
    assert len(table) == len(policy.list_measures()) == 35
    assert (table[14].disclosures, table[14].consultations, table[14].reports) == (1, 1, 2)
    assert table[18].reports == 1  # 噪声 belongs to a task of (十八)
    assert (table[1].disclosures, table[1].consultations, table[1].reports) == (0, 0, 0)

    record = dashboard.measure_record(policy.get_measure(14))
    assert [d.title for d in record.disclosures] == ["2026年大气污染防治工作进展"]
    assert [c.title for c in record.consultations] == ["大气污染防治规划"]
    assert record.reports[ReportStatus.RECEIVED] == 2 and record.report_total == 2


def test_measure_record_lists_the_newest_first_up_to_the_limit(app_context):
    """Twelve disclosures: the ten newest by publication date, with the total of twelve."""
    fourteen = task_of(14)
    for n in range(12):
        disclosure(f"第{n}期", published_on=date(2025, 1, 1) + timedelta(days=n), tasks=[fourteen])
    record = dashboard.measure_record(policy.get_measure(14))
    assert record.disclosure_total == 12
    assert [d.title for d in record.disclosures] == [f"第{n}期" for n in range(11, 1, -1)]
