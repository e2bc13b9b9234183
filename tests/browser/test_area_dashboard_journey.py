"""The area dashboard in Chromium on the sample data (`portal demo`): a journalist compares the areas, sees two
years of monthly trends drawn without JavaScript, follows 第八师 to its page and reads the same trend in the
chart and in its table; at 1280 and 360 px, in Chinese and English, with nothing wider than the phone and no
axe violation."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import axe_violations
from tests.browser.test_accessibility import describe as describe_violation
from tests.browser.test_layout import phone_problems

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 780}}

# The points of a chart's line, as [x, y] pairs in the SVG's own units.
POINTS = "el => el.getAttribute('points').trim().split(/\\s+/).map(p => p.split(',').map(Number))"


@pytest.fixture
def app(demo_app):
    """The sample data."""
    return demo_app


def month_counts(page, table):
    """The "Reports received" column of a month table, oldest month first."""
    rows = page.locator(f"{table} tbody tr")
    return [int(rows.nth(n).locator("td").first.inner_text()) for n in range(rows.count())][::-1]


def visible_chart(page, selector):
    """The chart's box, after checking it is drawn on the page with a line of 24 months that is not flat."""
    chart = page.locator(selector)
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box["width"] > 200 and box["height"] > 80, box
    points = chart.locator("polyline.line-received").evaluate(POINTS)
    assert len(points) == 24 and len({y for _x, y in points}) > 3, points
    return box


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_area_dashboard_shows_the_sample_trends(page, live_server, language, size):
    """Every area compared, the 24-month chart of all areas, small charts per area; 第八师's page: received
    rising over the two years (the sample data's trend) in its table and its chart; fits, axe clean."""
    page.set_viewport_size(SIZES[size])
    if language == "en":
        page.goto(live_server + "/language/en")
    page.goto(live_server + "/dashboard")
    page.locator("nav.dashboard-nav a[href='/dashboard/areas']").click()
    page.wait_for_url("**/dashboard/areas")
    expect(page.locator("table.dashboard-areas tbody tr")).to_have_count(16)
    box = visible_chart(page, "#all-chart-title >> xpath=..")
    assert box["x"] + box["width"] <= SIZES[size]["width"]
    expect(page.locator(".small-multiples svg.month-chart")).to_have_count(15)
    # Small counts are there, with the reason they are hidden.
    expect(page.locator("table.category-table abbr").first).to_be_visible()
    problems = phone_problems(page, "/dashboard/areas")
    violations = [describe_violation(v) for v in axe_violations(page)]

    page.locator("table.dashboard-areas a[href='/dashboard/areas/8']").click()
    page.wait_for_url("**/dashboard/areas/8")
    expect(page.locator("h1")).to_contain_text("第八师石河子市")
    counts = month_counts(page, "table.month-table")
    assert len(counts) == 24
    assert sum(counts[12:]) > sum(counts[:12]) > 0, (
        counts
    )  # the sample's rising trend, as the table says
    chart = page.locator("svg.month-chart")
    visible_chart(page, "svg.month-chart")
    line = chart.locator("polyline.line-received").evaluate(POINTS)
    # Higher counts are drawn higher (smaller y): the chart says what the table says.
    first, second = line[:12], line[12:]
    assert sum(y for _x, y in second) < sum(y for _x, y in first)
    problems += phone_problems(page, "/dashboard/areas/8")
    violations += [describe_violation(v) for v in axe_violations(page)]
    assert not problems, "\n".join(problems)
    assert not violations, "\n".join(violations)


def test_the_units_trends_show_every_unit(page, live_server):
    """/dashboard/units lists units with few reports too, marked, and draws each unit's months; fits a phone."""
    page.set_viewport_size(SIZES["phone"])
    page.goto(live_server + "/language/en")
    page.goto(live_server + "/dashboard/units")
    expect(page.locator(".small-multiples svg.month-chart").first).to_be_visible()
    assert page.locator(".small-multiples > li").count() >= 15
    expect(page.locator("#small-numbers")).to_be_visible()
    assert not phone_problems(page, "/dashboard/units")
    assert not [describe_violation(v) for v in axe_violations(page)]
