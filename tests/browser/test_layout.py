"""What people see, measured in Chromium: radios and checkboxes are small and beside their labels; no page is
wider than a 360 px phone; a failed submit shows a focused summary of every error, each linking to its field;
the header leaves room for the page; the home page links every live service.

The pages come with the sample data (`portal demo`), as in the HTML validity and axe checks. Each test uses one
browser context and loops over its pages, so a failure names the page (and the elements) at fault.
"""

import re
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa
from flask import url_for

from portal.extensions import db
from portal.models import DisclosureCategory
from portal.services import reports
from tests.browser.test_accessibility import log_in
from tests.public.test_html_validity import PAGES, STAFF_PAGES, page_values

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 800}
LANGUAGES = ["zh", "en"]
# Console pages beyond those of the validity check: the forms that edit (a draft consultation or disclosure is
# edited on the page that creates it), one routing rule, one disclosure category, the closed sample report.
MORE_STAFF_PAGES = [
    ("admin-routing-rule", "/admin/routing/water/8", 200),
    ("admin-disclosure-category", "/admin/disclosure-categories/{category}/edit", 200),
    ("console-report-closed", "/console/reports/{closed}", 200),
]


@pytest.fixture
def app(demo_app):
    """The tests' app has the sample data (`portal demo`)."""
    return demo_app


@pytest.fixture
def values(app):
    """The sample data loaded and indexed; the values page paths need."""
    found = page_values(app)
    with app.app_context():
        found["closed"] = reports.find_submission("demo-closed").reference
        found["category"] = db.session.scalar(sa.select(sa.func.min(DisclosureCategory.id)))
    return found


def choose_language(page, live_server, language):
    """Switch the browser context to `language` ("zh" or "en") through the language switch's address."""
    page.goto(live_server + "/language/" + ("en" if language == "en" else "zh_Hans_CN"))


def load(page, live_server, path, status=200):
    """Open `path` and check its status; returns a failure line, or None when it answered as expected."""
    response = page.goto(live_server + path)
    if response is None or response.status != status:
        return f"{path}: answered {response.status if response else 'nothing'}, expected {status}"
    return None


# Lines of visible text of an element: each line's number of non-blank characters, by the characters' positions.
LINES_OF = """el => {
  const lines = [];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const box = node.parentElement.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;  // visually hidden text (for screen readers)
    for (let i = 0; i < node.data.length; i++) {
      if (!node.data[i].trim()) continue;
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const r = Array.from(range.getClientRects()).find(r => r.width > 0 && r.height > 0);
      if (!r) continue;
      const line = lines.find(l => Math.abs(l.middle - (r.top + r.bottom) / 2) < r.height / 2);
      if (line) line.count += 1; else lines.push({middle: (r.top + r.bottom) / 2, count: 1});
    }
  }
  return lines.map(l => l.count);
}"""


# --- radios and checkboxes ----------------------------------------------------------------------------------

# For every visible radio and checkbox in <main>: its box, and the first line of its <label>'s text (the label
# may hold the control).
MEASURE_OPTIONS = """() => Array.from(document.querySelectorAll(
    'main input[type="radio"], main input[type="checkbox"]')).map(input => {
  const box = input.getBoundingClientRect();
  const label = input.labels && input.labels.length ? input.labels[0] : null;
  let line = null;
  if (label) {
    const rects = [];
    const walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.data.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      rects.push(...Array.from(range.getClientRects()).filter(r => r.width > 0 && r.height > 0));
    }
    if (rects.length) {
      const top = Math.min(...rects.map(r => r.top));
      const first = rects.filter(r => r.top < top + 4);
      line = {left: Math.min(...first.map(r => r.left)), top: top,
              bottom: Math.max(...first.map(r => r.bottom))};
    }
  }
  return {name: input.name, value: input.value, type: input.type,
          visible: box.width > 0 && box.height > 0 && getComputedStyle(input).visibility !== 'hidden',
          width: box.width, height: box.height, right: box.right, middle: (box.top + box.bottom) / 2,
          label: label ? label.textContent.trim().replace(/\\s+/g, ' ').slice(0, 40) : null, line: line};
})"""
MAX_OPTION_SIZE = (
    32  # px: a radio or checkbox is a control beside its label, not a 44 px circle above it
)
MAX_MIDDLE_OFFSET = 6  # px between the control's vertical centre and that of its label's first line
MAX_LABEL_GAP = 24  # px from the control's right edge to its label's text


def option_problems(page, where, minimum):
    """Problems with the radios and checkboxes of the loaded page (at least `minimum` of them visible)."""
    options = [o for o in page.evaluate(MEASURE_OPTIONS) if o["visible"]]
    problems = []
    if len(options) < minimum:
        problems.append(
            f"{where}: {len(options)} visible radios/checkboxes, expected at least {minimum}"
        )
    for o in options:
        found = []
        if o["width"] > MAX_OPTION_SIZE or o["height"] > MAX_OPTION_SIZE:
            found.append(f"it is {o['width']:.0f}×{o['height']:.0f} px (at most {MAX_OPTION_SIZE})")
        line = o["line"]
        if o["label"] is None:
            found.append("it has no <label>")
        elif line is None:
            found.append("its label shows no text")
        else:
            middle = (line["top"] + line["bottom"]) / 2
            if abs(middle - o["middle"]) > MAX_MIDDLE_OFFSET:
                found.append(
                    f"it is not on the first line of its label (centres {abs(middle - o['middle']):.0f} px "
                    f"apart: control at y={o['middle']:.0f}, label text at y={middle:.0f})"
                )
            if not 0 <= line["left"] - o["right"] + 1 <= MAX_LABEL_GAP + 1:
                found.append(
                    f"its label does not start just right of it (control ends at x={o['right']:.0f}, "
                    f"label text starts at x={line['left']:.0f})"
                )
        if found:
            problems.append(
                f"{where}: {o['type']} {o['name']}={o['value']} ({o['label']!r}): "
                + "; ".join(found)
            )
    return problems


def assert_options_beside_labels(page, live_server, forms):
    """Check the radios and checkboxes of each (path, at least so many) on a phone and a desktop, in both languages."""
    problems = []
    for language in LANGUAGES:
        choose_language(page, live_server, language)
        for path, minimum in forms:
            page.set_viewport_size(PHONE)
            failed = load(page, live_server, path)
            if failed:
                problems.append(failed)
                continue
            problems += option_problems(page, f"{path} ({language}, 360 px)", minimum)
            page.set_viewport_size(DESKTOP)
            problems += option_problems(page, f"{path} ({language}, 1280 px)", minimum)
    assert not problems, f"{len(problems)} misplaced radio(s)/checkbox(es):\n" + "\n".join(
        problems[:60]
    )


def test_public_radios_and_checkboxes_sit_beside_their_labels(page, live_server, values):
    """On the report form, the rating form, the comment, hearing and subscription forms: every radio and checkbox
    is at most 32 px and on the first line of its label, which starts just to its right; phone and desktop."""
    forms = [
        ("/reports/new", 13 + 2),  # 13 categories, 2 identity choices
        (values["follow_closed"], 5),  # the rating of a closed report, 5 to 1
        (f"/consultations/{values['eia']}", 1),  # publish my name with my comment
        (f"/hearings/{values['eia_hearing']}", 1),  # I want to speak
        ("/subscriptions/new", 0),
    ]
    assert_options_beside_labels(page, live_server, forms)


def test_console_radios_and_checkboxes_sit_beside_their_labels(page, live_server, values):
    """The console's radios and checkboxes (consultation kind, comment decisions, attendance, calendar, categories)
    are at most 32 px and on the first line of their labels too."""
    log_in(page, live_server)
    forms = [
        ("/console/consultations/new", 2),
        (f"/console/consultations/{values['answered']}/comments", 0),
        (f"/console/hearings/{values['answered_hearing']}", 0),
        ("/console/reports", 0),
        ("/admin/calendar", 2),
        ("/admin/disclosure-categories", 1),
    ]
    assert_options_beside_labels(page, live_server, forms)


# --- every page fits a 360 px phone -------------------------------------------------------------------------

# The document's width, and the outermost elements whose right edge passes the viewport's, leaving out what
# is inside a box that scrolls sideways on its own (a `.table-scroll` wrapper) and the insides of SVG drawings.
MEASURE_OVERFLOW = """() => {
  const width = window.innerWidth;
  const scrolls = el => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {  // body's overflow is the page's
      const x = getComputedStyle(a).overflowX;
      if (x === 'auto' || x === 'scroll') return true;
    }
    return false;
  };
  const wide = new Set();
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.right <= width + 1) continue;
    if (getComputedStyle(el).visibility === 'hidden' || scrolls(el)) continue;
    wide.add(el);
  }
  const describe = el => {
    const classes = Array.from(el.classList).map(c => '.' + c).join('');
    const text = (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 30);
    return `<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${classes}> right edge at `
      + `${Math.round(el.getBoundingClientRect().right)} px` + (text ? ` ("${text}")` : '');
  };
  const outermost = Array.from(wide).filter(el => !wide.has(el.parentElement));
  return {scrollWidth: document.documentElement.scrollWidth, width: width,
          offenders: outermost.slice(0, 5).map(describe), more: Math.max(0, outermost.length - 5)};
}"""


HEADER_LINES = (
    f"headers => headers.map(el => [el.textContent.trim().replace(/\\s+/g, ' '), ({LINES_OF})(el)])"
)
SHORT_HEADER = (
    12  # characters: a table header this short should never be broken leaving one character alone
)
REFERENCE = re.compile(
    r"[A-Z]+-\d{4}-\d{6}"
)  # a report's reference number, JB-2026-000001: read and copied whole


def phone_problems(page, where):
    """How the loaded page fails a phone: it overflows sideways, a short table header is broken leaving a character
    alone on a line, or a reference number is split (a table squeezed instead of scrolling in its `.table-scroll`)."""
    found = page.evaluate(MEASURE_OVERFLOW)
    problems = []
    if found["scrollWidth"] > found["width"]:
        problems.append(
            f"{where}: the page is {found['scrollWidth']} px wide in a {found['width']} px viewport"
        )
    if found["offenders"]:
        more = f" and {found['more']} more" if found["more"] else ""
        problems.append(f"{where}: beyond the right edge: " + "; ".join(found["offenders"]) + more)
    broken = [
        f"{text!r} {lines}"
        for text, lines in page.locator("main th").evaluate_all(HEADER_LINES)
        if len(text.replace(" ", "")) <= SHORT_HEADER and len(lines) > 1 and min(lines) == 1
    ]
    if broken:
        more = f" and {len(broken) - 6} more" if len(broken) > 6 else ""
        problems.append(
            f"{where}: table headers broken leaving a character alone on a line (characters per "
            f"line): " + ", ".join(broken[:6]) + more
        )
    split = sorted(
        {
            text
            for text, lines in page.locator("main a, main .code").evaluate_all(HEADER_LINES)
            if REFERENCE.fullmatch(text) and len(lines) > 1
        }
    )
    if split:
        problems.append(f"{where}: reference numbers broken across lines: {', '.join(split[:6])}")
    return problems


def test_every_public_page_fits_a_phone(page, live_server, values):
    """At 360 px no public page scrolls sideways and nothing passes the right edge; tables scroll in their own
    `.table-scroll` box rather than squeeze their headers one character per line or split reference numbers."""
    page.set_viewport_size(PHONE)
    problems = []
    for language in LANGUAGES:
        choose_language(page, live_server, language)
        for _slug, path, status in PAGES:
            path = path.format(**values)
            failed = load(page, live_server, path, status)
            problems += [failed] if failed else phone_problems(page, f"{path} ({language})")
    assert not problems, f"{len(problems)} page(s) that do not fit 360 px:\n" + "\n".join(problems)


def test_every_console_page_fits_a_phone(page, live_server, values):
    """At 360 px no console or administration page (as the sample site administrator) scrolls sideways, and no
    table squeezes its headers one character per line or splits reference numbers. In both languages."""
    log_in(page, live_server)
    page.set_viewport_size(PHONE)
    problems = []
    for language in LANGUAGES:
        choose_language(page, live_server, language)
        for _slug, path, status in STAFF_PAGES + MORE_STAFF_PAGES:
            path = path.format(**values)
            failed = load(page, live_server, path, status)
            problems += [failed] if failed else phone_problems(page, f"{path} ({language})")
    assert not problems, f"{len(problems)} page(s) that do not fit 360 px:\n" + "\n".join(problems)


# --- the error summary after a failed submit ----------------------------------------------------------------

# The summary in <main>: whether it is focused, comes before every heading h2 and every form control of <main>,
# and for each of its links, the target's id and the names of the controls the target is or contains.
MEASURE_SUMMARY = """() => {
  const main = document.querySelector('main');
  const summary = main && main.querySelector('.error-summary');
  if (!summary) return null;
  const before = el => summary.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_PRECEDING;
  const earlier = Array.from(main.querySelectorAll('h2, input:not([type="hidden"]), select, textarea, button'))
    .filter(el => !summary.contains(el) && before(el)).map(el => el.outerHTML.slice(0, 80));
  const controls = 'input:not([type="hidden"]), select, textarea';
  const links = Array.from(summary.querySelectorAll('a')).map(a => {
    const href = a.getAttribute('href') || '';
    const target = href.startsWith('#') ? document.getElementById(href.slice(1)) : null;
    const names = !target ? [] : target.matches(controls) ? [target.name]
      : Array.from(target.querySelectorAll(controls)).map(c => c.name);
    return {href: href, text: a.textContent.trim(), found: target !== null, names: names};
  });
  const invalid = Array.from(main.querySelectorAll(
      '[aria-invalid="true"], .has-error input:not([type="hidden"]), .has-error select, .has-error textarea'))
    .filter(el => !summary.contains(el)).map(el => el.name);
  return {role: summary.getAttribute('role'), focused: summary.contains(document.activeElement),
          earlier: earlier, links: links, invalid: Array.from(new Set(invalid))};
}"""
# Which control has focus: its name and id, and whether it is the element `id` or inside it.
FOCUSED = """id => {
  const el = document.activeElement, target = document.getElementById(id);
  return {name: el.name || null, id: el.id || null, tag: el.tagName.toLowerCase(),
          inTarget: !!target && (el === target || target.contains(el))};
}"""
# (where, form, expected fields): each expected field is a name, or a tuple of names any one of which will do
# (a missing contact may be marked on the phone or the email field).
FAILED_SUBMITS = [
    (
        "/reports/new",
        'main form input[type="submit"][name="submit"]',
        ["category", "place", "description"],
    ),
    (
        "/consultations/{eia}",
        "main form.comment-form [type=submit]",
        ["body", "author_name", ("phone", "email")],
    ),
    (
        "/hearings/{eia_hearing}",
        "main form.registration-form [type=submit]",
        ["name", ("phone", "email")],
    ),
    ("/subscriptions/new", "main form.form [type=submit]", ["email", ("area", "unit")]),
    ("/login", "main form.form [type=submit]", ["username", "password"]),
]


def summary_problems(page, where, expected):
    """Problems with the error summary of the page a failed submit led to."""
    found = page.evaluate(MEASURE_SUMMARY)
    if found is None:
        return [f"{where}: no .error-summary in <main> after the failed submit"]
    problems = []
    if found["role"] != "alert":
        problems.append(f"{where}: the error summary has role={found['role']!r}, not 'alert'")
    if not found["focused"]:
        problems.append(f"{where}: the error summary does not have focus")
    if found["earlier"]:
        problems.append(
            f"{where}: the error summary is not at the top of <main>; before it: {found['earlier'][:3]}"
        )
    broken = [link["href"] for link in found["links"] if not link["found"] or not link["names"]]
    if broken:
        problems.append(f"{where}: summary links that lead to no field: {broken}")
    linked = {name for link in found["links"] for name in link["names"]}
    for field in expected:
        names = field if isinstance(field, tuple) else (field,)
        if not linked.intersection(names):
            problems.append(
                f"{where}: the summary has no link to the field {' or '.join(names)} "
                f"(it links to {sorted(linked)})"
            )
    unlisted = sorted(set(found["invalid"]) - linked)
    if unlisted:
        problems.append(f"{where}: fields marked invalid but not in the summary: {unlisted}")
    for number, link in enumerate(found["links"]):
        if not link["found"] or not link["names"]:
            continue
        page.locator("main .error-summary a").nth(number).click()
        focus = page.evaluate(FOCUSED, link["href"][1:])
        if not focus["inTarget"] or focus["name"] not in link["names"]:
            problems.append(
                f"{where}: the summary link {link['href']} ({link['text'][:30]!r}) left focus on "
                f"<{focus['tag']} name={focus['name']} id={focus['id']}>, not on its field"
            )
    return problems


def test_failed_submit_shows_a_focused_summary_of_every_error(page, live_server, values):
    """Sending the report, comment, hearing registration, subscription and login forms empty: a summary at the top
    of <main>, focused, lists every error with a link to its field; each link moves focus to that field."""
    page.set_viewport_size(PHONE)
    problems = []
    for language in LANGUAGES:
        choose_language(page, live_server, language)
        for path, submit, expected in FAILED_SUBMITS:
            path = path.format(**values)
            failed = load(page, live_server, path)
            if failed:
                problems.append(failed)
                continue
            with page.expect_navigation():
                page.locator(submit).first.click()
            page.wait_for_load_state("load")
            problems += summary_problems(page, f"{path} ({language}), sent empty", expected)
    assert not problems, f"{len(problems)} problem(s) with error summaries:\n" + "\n".join(problems)


# --- the header ---------------------------------------------------------------------------------------------

MAX_HEADER = PHONE["height"] // 4  # 195 px: a quarter of a 360 × 780 phone screen


def header_problems(page, where, language):
    """Problems with the header of the loaded page on a 360 × 780 phone."""
    problems = []
    height = page.locator("header.site-header").evaluate("el => el.getBoundingClientRect().height")
    if height > MAX_HEADER:
        problems.append(
            f"{where}: the header is {height:.0f} px tall, more than a quarter of the screen "
            f"({MAX_HEADER} px)"
        )
    lines = page.locator("header.site-header .brand").first.evaluate(LINES_OF)
    if language == "zh" and len(lines) != 1:
        problems.append(
            f"{where}: the site's name wraps onto {len(lines)} lines (characters per line: {lines})"
        )
    elif len(lines) > 2:
        problems.append(
            f"{where}: the site's name takes {len(lines)} lines (characters per line: {lines})"
        )
    if lines and min(lines) < 2:
        problems.append(
            f"{where}: the site's name leaves a character alone on a line (characters per line: "
            f"{lines})"
        )
    return problems


# Every link of the header but the site's name: text, whether it is shown and in the navigation, its top, its lines.
HEADER_LINKS = f"""links => links.map(a => {{
  const box = a.getBoundingClientRect();
  return {{text: a.textContent.trim(), shown: box.width > 0 && box.height > 0, nav: !!a.closest('nav'),
          top: box.top, lines: ({LINES_OF})(a)}};
}})"""


def nav_problems(page, where, one_row):
    """Header links of the loaded page whose text wraps onto more than one line; with `one_row`, navigation links
    that fall onto a second row."""
    found = page.locator("header.site-header a:not(.brand)").evaluate_all(HEADER_LINKS)
    shown = [link for link in found if link["shown"]]
    problems = [
        f"{where}: the header link {link['text']!r} wraps onto {len(link['lines'])} lines"
        for link in shown
        if len(link["lines"]) > 1
    ]
    nav = [link for link in shown if link["nav"]]
    if not nav:
        problems.append(f"{where}: no navigation links are shown in the header")
    elif one_row:
        top = min(link["top"] for link in nav)
        below = [link["text"] for link in nav if link["top"] > top + 4]
        if below:
            problems.append(f"{where}: the navigation runs onto a second row: {below}")
    return problems


def test_header_is_compact_on_a_phone_and_nav_items_do_not_wrap_on_a_desktop(
    page, live_server, values
):
    """On a 360 × 780 phone the header takes at most a quarter of the screen and the site's name does not break
    (one line in Chinese); at 1,280 px every header link is one line, and a resident's navigation one row."""
    problems = []
    for who in ("resident", "staff"):
        if who == "staff":
            log_in(page, live_server)
        for language in LANGUAGES:
            choose_language(page, live_server, language)
            for path in ("/", "/reports/new") if who == "resident" else ("/console/",):
                page.set_viewport_size(PHONE)
                failed = load(page, live_server, path)
                if failed:
                    problems.append(failed)
                    continue
                problems += header_problems(page, f"{path} ({language}, {who}, 360 px)", language)
                page.set_viewport_size(DESKTOP)
                problems += nav_problems(
                    page, f"{path} ({language}, {who}, 1280 px)", one_row=who == "resident"
                )
    assert not problems, f"{len(problems)} header problem(s):\n" + "\n".join(problems)


# --- the home page ------------------------------------------------------------------------------------------

SERVICES = {
    "report": "public.reports_new",
    "track": "public.reports_track",
    "public supervision": "public.reports_index",
    "consultations": "public.consultations_index",
    "disclosures": "public.disclosures_index",
    "search": "public.search",
    "dashboard": "public.dashboard_index",
    "policy": "public.measures_index",
}
NOT_OPEN = ("尚未开通", "not open yet")


def test_home_page_links_every_live_service(page, live_server, app):
    """The home page's <main> links to each service that works, and says of none that it is not open yet."""
    with app.test_request_context():
        paths = {service: url_for(endpoint) for service, endpoint in SERVICES.items()}
    problems = []
    for language in LANGUAGES:
        choose_language(page, live_server, language)
        assert load(page, live_server, "/") is None
        linked = {
            urlparse(href).path
            for href in page.locator("main a[href]").evaluate_all("links => links.map(a => a.href)")
        }
        missing = [f"{service} ({path})" for service, path in paths.items() if path not in linked]
        if missing:
            problems.append(f"the home page ({language}) does not link: {', '.join(missing)}")
        text = page.locator("body").inner_text().lower()
        said = [words for words in NOT_OPEN if words in text]
        if said:
            problems.append(f"the home page ({language}) says a service is {' / '.join(said)!r}")
    assert not problems, "\n".join(problems)
