"""/styleguide: the design system's components, for staff, rendered by the real macros."""

import re

from tests.helpers import add_user, login


def test_the_styleguide_is_for_staff_only(client):
    """A visitor is sent to the login page; the components are not public."""
    response = client.get("/styleguide")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_styleguide_shows_every_component_with_its_markup(app, client):
    """Form controls in their error state, the focused error summary, buttons, notices, badges, deadlines, tables."""
    add_user(app)
    login(client)
    page = client.get("/styleguide").get_data(as_text=True)
    summary = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', page, re.S)
    assert summary and "autofocus" in page[summary.start() : summary.start() + 200]
    links = re.findall(r'<a href="#([\w-]+)">', summary.group(1))
    assert links == ["title", "kind-0", "area", "text"]
    for marker in (
        'class="radio"',
        'class="checkbox"',
        "<select",
        "<textarea",
        'class="button warning"',
        'class="notice notice-warning"',
        'class="badge badge-overdue"',
        'class="deadline deadline-na"',
        'class="table-scroll"',
        'class="pager"',
    ):
        assert marker in page, marker
    # Each example is followed by its own markup, escaped, for people building pages.
    assert "&lt;span class=&#34;badge badge-overdue&#34;&gt;" in page
