"""Dashboard pages: goals with an accessible chart and table, the units' record sorted and as CSV, the measures."""

import csv
import html
import io
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import DisclosureState, ReportSource, User
from portal.models.types import utcnow
from portal.services import handling
from portal.services.reports import ReportInput
from tests.helpers import People
from tests.public.test_html_validity import assert_valid_html
from tests.services.test_dashboard import (
    BUSY_UNIT,
    PEOPLE,
    SMALL_UNIT,
    disclosure,
    plant_consultations,
    plant_reports,
    task_of,
)

# Characters that mean something in HTML (the disclosures service strips tags, but keeps these).
MARKUP_TITLE = '2020年统计公报 "A&B" <5% 达标'


def plant(app):
    """Reports and consultations of two divisions, and published, draft and withdrawn statistics; returns ids."""
    with app.app_context():
        people = People(PEOPLE)
        now = utcnow()
        plant_reports(people, start=now - timedelta(days=200), now=now)
        plant_consultations(people)
        fourteen = task_of(14)
        published = disclosure(
            MARKUP_TITLE,
            published_on=date(2021, 3, 1),
            tasks=[fourteen],
            observations={
                ("用水总量", 2019): "125",
                ("用水总量", 2020): "118",
                ("主要城市空气质量优良天数比例", 2020): "78.5",
                ("单位生产总值用水量", 2015): "1000",
                ("单位生产总值用水量", 2020): "740",
            },
        )
        disclosure(
            "2021年统计公报(草稿)",
            DisclosureState.DRAFT,
            tasks=[fourteen],
            observations={("用水总量", 2021): "130.25"},
        )
        disclosure(
            "2022年统计公报(已撤回)",
            DisclosureState.WITHDRAWN,
            tasks=[fourteen],
            observations={("用水总量", 2022): "200.75"},
        )
        db.session.commit()
        return {"published": published.id}


@pytest.fixture
def planted(app):
    """The planted data's ids."""
    return plant(app)


def english(client):
    """Switch `client` to English and return it."""
    client.get("/language/en")
    return client


def text(client, path, status=200):
    """GET `path`, check the status, return the page."""
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


def csv_rows(client, path):
    """GET a CSV download and return its rows (checking the type, the attachment header and the BOM)."""
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def section(page, anchor):
    """The HTML of the <section> with id `anchor`."""
    match = re.search(rf'<section class="goal" id="{anchor}".*?</section>', page, re.S)
    assert match, anchor
    return match.group(0)


def test_navigation_and_overview_lead_to_the_three_parts(client):
    """Every page links to the dashboard; the overview links its three parts."""
    assert 'href="/dashboard"' in text(client, "/")
    overview = text(english(client), "/dashboard")
    for path in ("/dashboard/goals", "/dashboard/units", "/dashboard/measures"):
        assert f'href="{path}"' in overview


def test_goals_page_shows_values_verdicts_and_a_chart(client, app, planted):
    """Each goal: its values by year with the disclosure, the verdict, and an SVG chart with title and
    description; draft and withdrawn values never appear; text is escaped."""
    page = text(english(client), "/dashboard/goals")
    with app.app_context():
        from portal.services import policy

        ids = {i.name: i.id for i in policy.list_goals()}
    water = section(page, f"indicator-{ids['用水总量']}")
    assert re.search(r'<svg[^>]*role="img"', water)
    assert re.search(r"<title id=\"chart-\d+-title\">[^<]*用水总量", water)
    assert "<desc" in water and "2019: 125亿立方米; 2020: 118亿立方米." in water
    assert "stroke-dasharray" in water  # the target line
    assert "Target met" in water
    assert f'href="/disclosures/{planted["published"]}"' in water
    assert "&#34;A&amp;B&#34; &lt;5% 达标" in water and "<5%" not in page
    assert "130.25" not in page and "200.75" not in page
    assert "Target not met" in section(page, f"indicator-{ids['主要城市空气质量优良天数比例']}")
    reduction = section(page, f"indicator-{ids['单位生产总值用水量']}")
    assert "Target met" in reduction and "26.0% less than in 2015" in reduction
    forest = section(page, f"indicator-{ids['森林覆盖率']}")
    assert "Cannot tell: no value for the target year" in forest and "<svg" not in forest
    assert "No value has been published for this indicator yet." in forest


def goal_ids(app):
    """{goal name: id}."""
    with app.app_context():
        from portal.services import policy

        return {i.name: i.id for i in policy.list_goals()}


def test_a_target_is_judged_on_its_target_year_and_a_later_value_is_for_information(client, app):
    """ "≤ 120 by 2020" with 121 in 2020 and 110 in 2025: not met (on 2020), and 2025's value shown as
    information, in both languages; the chart marks the target year."""
    with app.app_context():
        disclosure(
            "统计公报",
            observations={
                ("用水总量", 2019): "125",
                ("用水总量", 2020): "121",
                ("用水总量", 2025): "110",
            },
        )
        db.session.commit()
    anchor = f"indicator-{goal_ids(app)['用水总量']}"
    water = section(text(english(client), "/dashboard/goals"), anchor)
    assert "Target for 2020" in water and "Target not met" in water and "Target met<" not in water
    assert "The 2020 value: 121亿立方米" in water
    assert (
        "110亿立方米 in 2025" in water
        and "For information only: the target is judged on the 2020 value." in water
    )
    assert "Target year 2020" in water and 'class="target-year"' in water
    client.get("/language/zh_Hans_CN")
    chinese = section(text(client, "/dashboard/goals"), anchor)
    assert "2020 年目标" in chinese and "未达标" in chinese and "已达标" not in chinese
    assert "2020 年数值：121亿立方米" in chinese and "2025 年：110亿立方米" in chinese


def test_without_a_value_for_the_target_year_the_page_cannot_tell(client, app):
    """Only 2019 and 2025 values: no verdict is claimed, though 2025's value is below the target."""
    with app.app_context():
        disclosure("统计公报", observations={("用水总量", 2019): "125", ("用水总量", 2025): "110"})
        db.session.commit()
    water = section(
        text(english(client), "/dashboard/goals"), f"indicator-{goal_ids(app)['用水总量']}"
    )
    assert (
        "Cannot tell: no value for the target year" in water
        and "No value has been published for 2020." in water
    )
    assert "Target met" not in water and "Target not met" not in water


def test_the_goals_page_opens_with_a_summary_linking_every_goal(client, app, planted):
    """Before the first goal: how many targets are met, not met or cannot be judged, and a table with each
    goal's verdict linking to its section; the values by year are folded under each chart."""
    page = text(english(client), "/dashboard/goals")
    ids = goal_ids(app)
    summary = page.split('id="goal-summary-title"', 1)[1].split('<section class="goal"', 1)[0]
    assert page.index('id="goal-summary-title"') < page.index('<section class="goal"')
    tally = dict(
        (label, int(n))
        for label, n in re.findall(
            r'<strong class="goal-status status-\w+">([^<]+)</strong> (\d+) targets?', summary
        )
    )
    assert tally == {"Target met": 2, "Target not met": 1, "Cannot tell": len(ids) - 3}
    for name, number in ids.items():
        assert f'<a href="#indicator-{number}">{name}</a>' in summary
    assert re.search(
        r'<a href="#indicator-\d+">用水总量</a></th>\s*<td><strong class="goal-status status-met">'
        r"Target met</strong></td>\s*<td>118亿立方米 \(2020\)</td>",
        summary,
    )
    water = section(page, f"indicator-{ids['用水总量']}")
    assert re.search(
        r'<details class="goal-values">\s*<summary>Published values by year \(2 years\)</summary>',
        water,
    )


def test_reduction_without_baseline_says_it_cannot_tell(client, app):
    """A reduction target with values but none for its baseline year cannot be judged."""
    with app.app_context():
        disclosure("统计公报", observations={("单位生产总值用水量", 2020): "740"})
        db.session.commit()
    assert "Cannot tell: no baseline observation" in text(english(client), "/dashboard/goals")


def test_goals_csv_has_every_published_value(client, planted):
    """One row per published observation, with its disclosure's address; no draft or withdrawn value."""
    rows = csv_rows(client, "/dashboard/goals.csv")
    header, body = rows[0], rows[1:]
    assert header[:3] == ["indicator", "comparison", "target"] and header[-1] == "disclosure_url"
    by_value = {(r[0], r[6]): r for r in body}
    assert set(by_value) == {
        ("用水总量", "2019"),
        ("用水总量", "2020"),
        ("主要城市空气质量优良天数比例", "2020"),
        ("单位生产总值用水量", "2015"),
        ("单位生产总值用水量", "2020"),
    }
    water = by_value[("用水总量", "2020")]
    assert water[1:4] == ["le", "120", "亿立方米"] and water[7] == "118"
    assert water[-1] == f"http://localhost/disclosures/{planted['published']}"
    assert water[header.index("disclosure_title")] == MARKUP_TITLE


def test_units_page_shows_the_record_and_small_units_with_a_note(client, planted):
    """The busy division's numbers exactly; the division with 4 reports is listed too, marked as having few
    reports (fewer than DASHBOARD_MIN_REPORTS) with a link to the note on small numbers."""
    page = text(english(client), "/dashboard/units")
    row = re.search(
        rf"<tr>\s*<th scope=\"row\"[^>]*><a [^>]*>{BUSY_UNIT}</a></th>(.*?)</tr>", page, re.S
    )
    assert row, page
    cells = [
        re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row.group(1), re.S)
    ]
    assert cells == ["7", "4", "3", "2.8", "20.0", "66.7% (2/3)", "2", "2", "33.3% (1/3)"]
    small = re.search(rf"<th scope=\"row\"[^>]*><a [^>]*>{SMALL_UNIT}</a>(.*?)</th>", page, re.S)
    assert small and 'href="#small-numbers">few reports</a>' in small.group(1)
    assert 'id="small-numbers"' in page and "Small numbers vary a lot" in page
    assert "few reports" not in row.group(0)


def test_units_are_sortable_by_links_with_aria_sort(make_app):
    """Received, most first by default (aria-sort descending); the header links flip or choose the order."""
    app = make_app(DASHBOARD_MIN_REPORTS=4)
    plant(app)
    client = english(app.test_client())
    page = text(client, "/dashboard/units")
    assert page.index(BUSY_UNIT) < page.index(SMALL_UNIT)
    assert re.search(
        r'<th scope="col" aria-sort="descending">\s*<a href="/dashboard/units\?sort=received&amp;dir=asc"',
        page,
    )
    assert page.count("aria-sort=") == 1
    assert 'href="/dashboard/units?sort=overdue&amp;dir=desc"' in page
    ascending = text(client, "/dashboard/units?sort=received&dir=asc")
    assert ascending.index(SMALL_UNIT) < ascending.index(BUSY_UNIT)
    assert re.search(
        r'<th scope="col" aria-sort="ascending">\s*<a href="/dashboard/units\?sort=received&amp;dir=desc"',
        ascending,
    )
    by_overdue = text(client, "/dashboard/units?sort=overdue")
    assert by_overdue.index(SMALL_UNIT) < by_overdue.index(BUSY_UNIT)
    rows = csv_rows(client, "/dashboard/units.csv?sort=received&dir=asc")
    assert [r[1] for r in rows[1:]] == [SMALL_UNIT, BUSY_UNIT]


def test_units_csv_content(client, planted):
    """The CSV carries the same numbers under machine-readable column names."""
    rows = csv_rows(client, "/dashboard/units.csv")
    assert rows[0] == [
        "unit_id",
        "unit",
        "received",
        "accepted",
        "closed",
        "median_days_to_acceptance",
        "median_days_to_closure",
        "closed_within_limit_percent",
        "overdue",
        "consultations",
        "published_comments",
        "comments_with_decision_percent",
    ]
    assert [r[1] for r in rows[1:]] == [BUSY_UNIT, SMALL_UNIT]
    assert rows[1][1:] == [BUSY_UNIT, "7", "4", "3", "2.8", "20.0", "66.7", "2", "2", "3", "33.3"]


@pytest.mark.parametrize(
    "query, name",
    [
        ("sort=reporter", "Sort the table by one of its columns"),
        ("sort=received&dir=sideways", "The sort direction must be asc or desc."),
    ],
)
def test_bad_sort_is_a_clear_400(client, query, name):
    """An unknown column or direction is answered with a message naming the parameter, never a 500."""
    page = text(english(client), f"/dashboard/units?{query}", 400)
    assert name in page
    assert english(client).get(f"/dashboard/units.csv?{query}").status_code == 400


def test_measures_page_counts_and_links(client, planted):
    """Each of the 35 measures with its counts, each count linking to the list on the measure page."""
    page = text(english(client), "/dashboard/measures")
    assert page.count('<tr id="measure-') == 35
    row = re.search(r'<tr id="measure-14">(.*?)</tr>', page, re.S).group(1)
    counts = re.findall(r'<td><a href="/measures/14#measure-(\w+)"[^>]*>(\d+)</a></td>', row)
    assert counts == [("disclosures", "1"), ("consultations", "0"), ("reports", "11")]
    rows = csv_rows(
        client, "/dashboard/measures.csv"
    )  # "cases": a public contract name, kept for CSV readers
    assert rows[0] == ["measure", "title", "disclosures", "consultations", "cases"]
    assert rows[14] == ["14", "全面推进污染防治", "1", "0", "11"]


PAGES = [
    "/dashboard",
    "/dashboard/goals",
    "/dashboard/units",
    "/dashboard/measures",
    "/dashboard/areas",
    "/dashboard/areas/8",
    "/measures/14",
]


def test_dashboard_pages_are_valid_html(make_app, tmp_path):
    """The Nu Html Checker finds no error on the dashboard pages, with data, in Chinese and in English."""
    app = make_app(DASHBOARD_MIN_REPORTS=4)
    plant(app)
    pages = {}
    for language in ("zh", "en"):
        client = app.test_client()
        if language == "en":
            english(client)
        for n, path in enumerate(PAGES):
            pages[f"{language}-{n}"] = text(client, path)
    assert_valid_html(pages, tmp_path)


@pytest.mark.browser
@pytest.mark.parametrize("language", ["zh", "en"])
def test_dashboard_pages_pass_axe(page, live_server, app, language):
    """axe-core finds no WCAG 2.1 A/AA violation on the dashboard pages, on a phone and on a desktop."""
    from tests.browser.test_accessibility import DESKTOP, axe_violations
    from tests.browser.test_accessibility import describe as describe_violation

    plant(app)
    if language == "en":
        page.goto(live_server + "/language/en")
    found = []
    for path in PAGES:
        page.set_viewport_size({"width": 360, "height": 740})
        assert page.goto(live_server + path).status == 200
        found += [(path, v) for v in axe_violations(page)]
        page.set_viewport_size(DESKTOP)
        found += [(path, v) for v in axe_violations(page)]
    assert not found, "\n".join(f"{path}: {describe_violation(v)}" for path, v in found)


def test_the_goals_list_links_to_the_verdicts(client):
    """/goals lists the targets without judging them and links to where they are judged on their target year."""
    page = text(english(client), "/goals")
    assert '<a href="/dashboard/goals">Whether each target was met in its target year</a>' in page


def test_units_page_counts_the_reports_of_each_channel(client, app, planted):
    """Every channel is listed with its public reports, the ones staff logged from a phone call included."""
    with app.app_context():
        staff = db.session.scalar(sa.select(User).where(User.username == PEOPLE["busy"][0]))
        handling.log_report(
            staff,
            ReportInput(
                submission_key="call-1",
                category="water",
                area=8,
                place="石河子市北泉镇",
                description="来电反映排污口夜间排放黑臭污水。",
                source=ReportSource.PHONE,
                received_at=utcnow() - timedelta(hours=3),
            ),
            app.config,
        )
        db.session.commit()
    page = text(english(client), "/dashboard/units")
    table = re.search(r'<table id="channels".*?</table>', page, re.S)
    assert table, page
    counts = dict(
        (html.unescape(re.sub(r"<[^>]+>", "", label)).strip(), int(n))
        for label, n in re.findall(
            r"<tr>\s*<th scope=\"row\">(.*?)</th>\s*<td>(\d+)</td>", table.group(0), re.S
        )
    )
    assert counts == {
        "The portal's report form": 11,
        "Another application (Open311)": 0,
        "Phone (12369 hotline)": 1,
        "Letter": 0,
        "Visit in person (信访)": 0,
        "Email": 0,
        "News or public opinion (舆论监督)": 0,
    }
