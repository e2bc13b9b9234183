"""A failed console form in Chromium, on a phone: the page comes back with the error summary focused and in view,
inside the section of the form that failed; each of its links moves focus to its field; axe finds no violation.
In both languages, with the sample data."""

import pytest

from tests.browser.test_accessibility import axe_violations, describe
from tests.browser.test_honest_deadlines import log_in
from tests.browser.test_layout import FOCUSED, MEASURE_SUMMARY, PHONE, choose_language
from tests.public.test_html_validity import page_values

pytestmark = pytest.mark.browser


@pytest.fixture
def app(demo_app):
    """The tests' app has the sample data (`portal demo`)."""
    return demo_app


@pytest.fixture
def sample(app):
    """The sample data loaded; the values page paths need (the accepted sample report, the open sample EIA)."""
    return page_values(app)


# (account, page, the form, the names of the fields the summary must link to, in order)
FAILED = [
    ("demo-jsj", "/console/reports/{accepted}", 'form[action$="/close"]', ["result"]),
    ("demo-jsj", "/console/reports/{accepted}", 'form[action$="/transfer"]', ["reason"]),
    ("demo-wujiaqu", "/console/consultations/new", "form.wide", ["kind", "title", "body_text"]),
    (
        "demo-wujiaqu",
        "/console/consultations/{eia}",
        'form[action$="/hearings"]',
        ["starts_at", "place", "seats", "registration_closes_at"],
    ),
]


def problems_after(page, where, expected):
    """What is wrong with the error summary of the loaded page."""
    found = page.evaluate(MEASURE_SUMMARY)
    if found is None:
        return [f"{where}: no error summary"]
    problems = []
    if not found["focused"]:
        problems.append(f"{where}: the error summary does not have focus")
    box = page.locator("main .error-summary").bounding_box()
    if box is None or box["y"] < 0 or box["y"] + box["height"] > PHONE["height"]:
        problems.append(f"{where}: the error summary is not in view after the submit ({box})")
    linked = [name for link in found["links"] for name in link["names"]]
    if linked != expected:
        problems.append(f"{where}: the summary links to the fields {linked}, expected {expected}")
    for number, link in enumerate(found["links"]):
        page.locator("main .error-summary a").nth(number).click()
        focus = page.evaluate(FOCUSED, link["href"][1:])
        if not focus["inTarget"] or focus["name"] not in link["names"]:
            problems.append(
                f"{where}: the link {link['href']} left focus on <{focus['tag']} name={focus['name']}>"
            )
    problems += [f"{where}: {describe(v)}" for v in axe_violations(page)]
    return problems


def test_a_failed_console_form_shows_its_summary_focused(browser, live_server, sample):
    """Sending the close, transfer, new consultation and hearing forms empty, at 360 px, in Chinese and English."""
    problems = []
    for account in ("demo-jsj", "demo-wujiaqu"):
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        page = context.new_page()
        log_in(page, live_server, account)
        for language in ("zh", "en"):
            choose_language(page, live_server, language)
            for who, path, selector, expected in FAILED:
                if who != account:
                    continue
                path = path.format(**sample)
                page.goto(live_server + path)
                form = page.locator("main " + selector)
                fold = page.locator("main details.action", has=page.locator(selector))
                if fold.count():
                    fold.locator("summary").click()
                with page.expect_navigation():
                    form.locator('[type="submit"]').first.click()
                page.wait_for_load_state("load")
                problems += problems_after(page, f"{path} {selector} ({language})", expected)
        context.close()
    assert not problems, "\n".join(problems)
