"""Every public page passes axe-core's WCAG 2.1 A/AA rules in Chromium, and the skip link works by keyboard.

axe-core comes from npm (package.json; `make test` installs it into node_modules/); it is injected from
disk, never from a CDN. The pages are the ones the HTML validity test checks.
"""

import pytest
from playwright.sync_api import expect

from tests.conftest import app_on_template, serving
from tests.public.test_html_validity import (
    INSTALL,
    PAGES,
    ROOT,
    STAFF_LOGIN,
    STAFF_PAGES,
    page_values,
)

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 800}
SKIP_LINK = {"zh": "跳到正文", "en": "Skip to main content"}


@pytest.fixture(scope="module")
def demo_site(databases, tmp_path_factory):
    """One site with the sample data for the whole module, served on a free port: (base URL, path values).

    The pages are only read (and staff log in), so the 132 checks share one database and index instead of
    loading the sample data 132 times.
    """
    with app_on_template(databases, "demo", tmp_path_factory.mktemp("demo-site")) as app:
        values = page_values(app)
        with serving(app) as url:
            yield url, values


def open_in(page, live_server, language, path="/"):
    """Load `path` in `language` (English is chosen through the language switch's address)."""
    if language == "en":
        page.goto(live_server + "/language/en")
    response = page.goto(live_server + path)
    expect(page.locator("html")).to_have_attribute("lang", "en" if language == "en" else "zh-Hans")
    return response


def axe_violations(page, context="document"):
    """Run axe-core on the loaded page (or the `context` selector) with the WCAG 2.0/2.1 A and AA rules."""
    if not AXE.is_file():
        pytest.fail(f"{AXE.relative_to(ROOT)} is missing. {INSTALL}")
    if not page.evaluate("typeof axe !== 'undefined'"):
        # Evaluated through DevTools, not added as a <script> tag: the pages' Content-Security-Policy runs no inline
        # script, and a test must not need the policy loosened.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        f"tags => axe.run({context}, {{runOnly: {{type: 'tag', values: tags}}, resultTypes: ['violations']}}).then(r => r.violations)",
        WCAG_TAGS,
    )


def describe(violation):
    """Rule id, impact, help and the first few offending selectors."""
    targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
    more = len(violation["nodes"]) - len(targets)
    return (
        f"  {violation['id']} ({violation['impact']}): {violation['help']}\n"
        f"      at {'; '.join(targets)}" + (f" and {more} more" if more > 0 else "")
    )


def log_in(page, live_server):
    """Log in as the sample site administrator through the form."""
    page.goto(live_server + "/login")
    page.locator("#username").fill(STAFF_LOGIN[0])
    page.locator("#password").fill(STAFF_LOGIN[1])
    page.locator("form.form [type=submit]").click()
    page.wait_for_url("**/console/")


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize(
    "slug, path, status, staff",
    [(*p, False) for p in PAGES] + [(*p, True) for p in STAFF_PAGES],
    ids=[p[0] for p in PAGES + STAFF_PAGES],
)
def test_page_passes_axe(page, demo_site, language, slug, path, status, staff):
    """axe-core finds no WCAG 2.1 A or AA violation (colour contrast included), on a phone and on a desktop."""
    live_server, values = demo_site
    if staff:
        log_in(page, live_server)
    response = open_in(page, live_server, language, path.format(**values))
    assert response.status == status
    found = [
        (f"phone {page.viewport_size['width']}px", violation) for violation in axe_violations(page)
    ]
    # The desktop layout differs (two-column cards, wider tables whose cells a phone scrolls out of view).
    page.set_viewport_size(DESKTOP)
    found += [(f"desktop {DESKTOP['width']}px", violation) for violation in axe_violations(page)]
    assert not found, f"axe-core: {len(found)} violation(s) on {path} ({language}):\n" + "\n".join(
        f"{describe(violation)} [{viewport}]" for viewport, violation in found
    )


@pytest.mark.parametrize("language", ["zh", "en"])
def test_skip_link_is_the_first_tab_stop_and_moves_to_main(page, live_server, language):
    """Tab first reaches the (then visible) skip link; Enter moves focus to <main>, so the next Tab is in it."""
    open_in(page, live_server, language, "/measures/14")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name=SKIP_LINK[language])
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0 and box["width"] > 0, (
        f"the focused skip link is off-screen: {box}"
    )
    violations = axe_violations(page, "document.activeElement")
    assert not violations, "axe-core on the focused skip link:\n" + "\n".join(
        map(describe, violations)
    )
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server + "/measures/14#main")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null"), (
        "after the skip link, Tab should go on inside <main>, not back to the header"
    )
