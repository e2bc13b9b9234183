"""The Content-Security-Policy in Chromium: the main pages load with no violation reported, and the features that
need JavaScript (error summary focus, the location button, the print button) still work from their files."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_report_journey import fill_water_report
from tests.public.test_html_validity import STAFF_LOGIN, page_values

pytestmark = pytest.mark.browser

# Collects what the browser refused (the event fires for enforced policies) and counts print() calls.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
  e => window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile));
window.__printed = 0;
window.print = () => { window.__printed += 1; };
"""


@pytest.fixture
def app(demo_app):
    """The tests' app has the sample data (`portal demo`)."""
    return demo_app


@pytest.fixture
def watched(browser):
    """A page whose CSP violations (events and console messages) are recorded, with geolocation available."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    context.set_default_timeout(10_000)
    context.add_init_script(WATCH)
    page = context.new_page()
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    yield page, messages
    context.close()


def violations(page, messages):
    """Every violation the page reported, as an event or as a console message."""
    found = page.evaluate("window.__violations")
    return found + [
        m for m in messages if "Content Security Policy" in m or "Content-Security-Policy" in m
    ]


def test_main_pages_run_under_the_policy(watched, live_server, app):
    """Home, report form (with errors), receipt (print), consultation, search and console: no violation, and the
    error summary takes focus, the location button shows, the print button prints."""
    page, messages = watched
    values = page_values(app)
    for path in ("/", f"/consultations/{values['eia']}", "/search?q=大气污染", "/measures/14"):
        response = page.goto(live_server + path)
        assert "script-src 'self'" in response.headers.get("content-security-policy", ""), path
        expect(page.locator("main")).to_be_visible()
        assert not violations(page, messages), (path, violations(page, messages))

    # The report form: its script shows the location button; an empty submission focuses the error summary.
    page.goto(live_server + "/reports/new")
    expect(page.locator(".geolocation")).to_be_visible()
    page.locator('form input[type="submit"][name="submit"]').click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    assert not violations(page, messages), violations(page, messages)

    # A complete report: the receipt's print button prints.
    fill_water_report(page)
    page.locator('form input[type="submit"][name="submit"]').click()
    expect(page.locator("#reference")).to_have_text(re.compile(r"^JB-\d{4}-\d{6}$"))
    page.locator("[data-print]").click()
    assert page.evaluate("window.__printed") == 1
    assert not violations(page, messages), violations(page, messages)

    # The console, as the sample site administrator.
    page.goto(live_server + "/login")
    page.locator("#username").fill(STAFF_LOGIN[0])
    page.locator("#password").fill(STAFF_LOGIN[1])
    page.locator("form.form [type=submit]").click()
    page.wait_for_url("**/console/")
    for path in ("/console/", "/console/reports", f"/console/reports/{values['accepted']}"):
        page.goto(live_server + path)
        expect(page.locator("main")).to_be_visible()
    assert not violations(page, messages), violations(page, messages)
