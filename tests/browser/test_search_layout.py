"""What a reader sees of the search page's facets: a sidebar beside the results on a desktop, a closed block
above them on a phone that opens without JavaScript."""

import pytest
from playwright.sync_api import expect

from tests.public.test_search_page import live_server, site  # noqa: F401 - the planted content, served

pytestmark = pytest.mark.browser

QUERY = "/search?q=大气污染"


def box(page, selector):
    """The bounding box of the first element matching `selector`."""
    return page.locator(selector).first.bounding_box()


def test_on_a_desktop_the_facets_are_a_sidebar_beside_the_results(page, live_server):  # noqa: F811
    """At 1,280 px the facets stand left of the results, level with them, every group shown without a click."""
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server + QUERY)
    facets, results = box(page, "details.facets"), box(page, ".search-results-column")
    assert facets["x"] + facets["width"] <= results["x"]
    assert abs(facets["y"] - results["y"]) < 2
    expect(page.locator("details.facets > summary")).to_be_hidden()
    expect(page.locator("#facets-title")).to_be_visible()
    expect(page.locator('details.facets a[href*="kind=measure"]')).to_be_visible()


def test_on_a_phone_the_facets_are_a_closed_block_above_the_results(page, live_server):  # noqa: F811
    """At 360 px the facets come above the results, closed; the summary opens them; nothing is wider than the screen."""
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server + QUERY + "&area=6")
    facets, results = box(page, "details.facets"), box(page, ".search-results-column")
    assert facets["y"] + facets["height"] <= results["y"] and facets["width"] > 300
    assert facets["height"] < 80  # closed: one line, not the whole list
    summary = page.locator("details.facets > summary")
    expect(summary).to_have_text("筛选结果（已选 1 项）")
    consultations = page.locator('details.facets a[href*="kind=consultation"]')
    expect(consultations).to_be_hidden()
    summary.click()
    expect(consultations).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_on_a_phone_the_filters_in_use_stay_visible_with_a_remove_link(page, live_server):  # noqa: F811
    """With the facets closed, each filter in use is still shown with its "×", whose name says what it removes."""
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server + QUERY + "&area=6")
    chip = page.locator(".filter-chip")
    expect(chip).to_be_visible()
    expect(chip).to_contain_text("管辖区域")
    remove = chip.get_by_role("link", name="移除筛选条件“第六师五家渠市”")
    target = remove.bounding_box()
    assert target["width"] >= 24 and target["height"] >= 24
    remove.click()
    expect(page).not_to_have_url(r"area=")
    expect(page.locator(".filter-chip")).to_have_count(0)
