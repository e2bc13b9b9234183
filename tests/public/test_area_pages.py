"""/dashboard/areas and an area's page: the figures of known reports in Chinese and English, the suppression
rule in the HTML and the CSV (a category count of 1 or 2 never shows its number), and clear 404s."""

import html
import re

import pytest

from tests.public.test_dashboard_pages import csv_rows, english, text
from tests.services.test_statistics import plant_statistics


@pytest.fixture
def planted(app):
    """The known reports of tests/services/test_statistics.py."""
    with app.app_context():
        plant_statistics(app)


def cells(row_html):
    """The text of each <td> of a row."""
    return [
        html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
        for c in re.findall(r"<td>(.*?)</td>", row_html, re.S)
    ]


def row_of(page, name):
    """The <tr> whose header names `name`."""
    match = re.search(
        rf"<tr[^>]*>\s*<th scope=\"row\"[^>]*>(?:<a [^>]*>)?{name}(?:</a>)?</th>(.*?)</tr>",
        page,
        re.S,
    )
    assert match, name
    return match.group(1)


def category_table(page):
    """The HTML of the table of reports by category."""
    return re.search(r'<table class="category-table">.*?</table>', page, re.S).group(0)


def test_areas_page_compares_every_area_in_english(client, planted):
    """15 areas and a total; 第八师's figures exactly; each area links to its page; the note on small numbers."""
    page = text(english(client), "/dashboard/areas")
    table = re.search(r'<table class="dashboard-areas">.*?</table>', page, re.S).group(0)
    assert table.count('<th scope="row"') == 16
    assert cells(row_of(table, "第八师石河子市")) == [
        "8",
        "5",
        "3",
        "66.7% (2/3)",
        "15.0",
        "3.7 of 5 (3 ratings)",
    ]
    assert cells(row_of(table, "第六师五家渠市"))[-1] == "— (1 rating)"
    assert cells(row_of(table, "All areas"))[0] == "13"
    assert 'href="/dashboard/areas/8"' in page and 'href="/dashboard/areas/0"' in page
    assert "Small numbers vary a lot" in page
    assert 'href="/dashboard/areas.csv"' in page and 'href="/dashboard/areas/monthly.csv"' in page
    assert '<a href="/dashboard/areas" aria-current="page">Reports by area</a>' in page


def test_areas_page_in_chinese(client, planted):
    """The same page in Chinese: headings, ratings and notes translated."""
    page = text(client, "/dashboard/areas")
    assert "<h1>各地区举报统计</h1>" in page
    assert "5分制平均3.7分" in page
    assert "数量较小时" in page


def test_no_category_cell_shows_one_or_two_in_html(client, planted):
    """第八师 has 2 air and 1 noise report, 第六师 1 air report (and 4 water, hidden with it): none shows
    its number on the areas page or on the area pages; zero and three or more are shown."""
    pages = [
        text(english(client), p)
        for p in ("/dashboard/areas", "/dashboard/areas/8", "/dashboard/areas/6")
    ]
    for page in pages:
        numbers = [c for c in cells(category_table(page))]
        assert "1" not in numbers and "2" not in numbers, numbers
        assert "<3" in numbers
    assert cells(row_of(category_table(pages[0]), "第八师石河子市")).count("<3") == 2
    six = cells(row_of(category_table(pages[0]), "第六师五家渠市"))
    assert six.count("<3") == 1 and six.count("—") == 1 and "4" not in six
    assert "5" in cells(row_of(category_table(pages[0]), "第八师石河子市"))
    assert "1 or 2 reports: hidden so that no reporter can be identified" in pages[0]


def test_no_category_cell_shows_one_or_two_in_csv(client, planted):
    """The areas CSV hides the same cells: no received_<category> column holds 1 or 2."""
    rows = csv_rows(client, "/dashboard/areas.csv")
    header = rows[0]
    assert header[:4] == ["area_number", "area", "received", "accepted"]
    columns = [n for n, name in enumerate(header) if name.startswith("received_")]
    assert len(columns) == 13
    for row in rows[1:]:
        assert not {row[n] for n in columns} & {"1", "2"}, row
    eight = next(r for r in rows if r[0] == "8")
    assert eight[header.index("received_air")] == "<3"
    assert eight[header.index("received_water")] == "5"
    assert eight[header.index("mean_rating")] == "3.7"
    assert rows[-1][:3] == ["", "all", "13"]
    # No category totals: 第八师's air count would be the total less the other areas' shown counts.
    assert {rows[-1][n] for n in columns} == {""}


def test_monthly_csv_is_long_format(client, planted):
    """One row per area and month, 24 months; an area's own CSV has its 24 rows."""
    rows = csv_rows(client, "/dashboard/areas/monthly.csv")
    assert rows[0] == [
        "area_number",
        "area",
        "month",
        "received",
        "accepted",
        "closed",
        "closed_within_limit",
        "ratings",
        "mean_rating",
    ]
    assert len(rows) == 1 + 15 * 24
    own = csv_rows(client, "/dashboard/areas/8/monthly.csv")
    assert len(own) == 1 + 24 and {r[0] for r in own[1:]} == {"8"}
    assert sum(int(r[3]) for r in own[1:]) <= 8


@pytest.mark.parametrize("language", ["zh", "en"])
def test_area_page_has_facts_chart_and_table(client, planted, language):
    """第八师's page: its totals, a titled chart or a note, a table of 24 months and its CSV link."""
    if language == "en":
        english(client)
    page = text(client, "/dashboard/areas/8")
    assert "第八师石河子市" in page
    table = re.search(r'<table class="month-table">.*?</table>', page, re.S).group(0)
    assert table.count('<th scope="row">') == 24
    assert 'href="/dashboard/areas/8/monthly.csv"' in page
    assert '<a href="/dashboard/areas" aria-current="page">' in page
    if language == "en":
        assert "<dt>Reports received</dt><dd>8</dd>" in page
        assert "3.7 of 5" in page


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/areas/15",
        "/dashboard/areas/99/monthly.csv",
        "/dashboard/areas/x",
        "/dashboard/areas/-1",
    ],
)
def test_unknown_areas_are_404(client, path):
    """A number that is no area, or no number, is a 404, never a 500."""
    response = english(client).get(path)
    assert response.status_code == 404


def test_unknown_area_says_which_numbers_exist(client):
    """The 404 for a number names the valid ones."""
    page = text(english(client), "/dashboard/areas/15", 404)
    assert "the 兵团 level is 0, the divisions 1 to 14" in page


def test_the_overview_links_to_the_areas(client):
    """The dashboard's overview and navigation lead to the areas."""
    page = text(english(client), "/dashboard")
    assert page.count('href="/dashboard/areas"') == 2


def test_units_page_draws_every_units_months(app, client):
    """Below the units' table, each unit's months: a chart and its table, the small division included."""
    from tests.public.test_dashboard_pages import plant

    plant(app)
    page = text(english(client), "/dashboard/units")
    trends = re.search(r'<ul class="small-multiples">.*?</ul>\s*</section>', page, re.S).group(0)
    assert trends.count("<li>") == 2
    assert "7 reports in these months" in trends and "4 reports in these months" in trends
    assert trends.count('<svg class="month-chart small"') == 2
    assert trends.count('<table class="month-table">') == 2
    assert "第六师五家渠市: reports received each month" in trends
