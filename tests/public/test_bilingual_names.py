"""Bilingual data in the page's language: in English a report category reads "Air pollution" beside its English
description, not "大气污染"; a disclosure category reads "Environmental quality". In Chinese, the Chinese names."""

import re

import pytest

from tests.helpers import add_user, login, staff_client, submit_report

ENGLISH, CHINESE = "Air pollution", "大气污染"
# The policy text stays Chinese in English mode: the task a category points at is quoted as written.
POLICY_TASK = "加强大气污染防治"


@pytest.fixture
def air_report(app):
    """A report about air pollution in 第八师石河子市, and the resident's client; (reference, client)."""
    resident = app.test_client()
    reference, _code = submit_report(resident, category="air")
    return reference, resident


def visible(page):
    """The page's text without tags, scripts and attribute values, nor the policy's own (Chinese) task title."""
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page).replace(POLICY_TASK, "")


def pages(app, client, reference, *paths):
    """{path: visible text} for each path, asserting a 200."""
    found = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        found[path] = visible(response.get_data(as_text=True))
    return found


@pytest.mark.parametrize(
    "language, shown, hidden", [("en", ENGLISH, CHINESE), ("zh_Hans_CN", CHINESE, ENGLISH)]
)
def test_public_report_pages_name_the_category_in_the_page_language(
    app, air_report, language, shown, hidden
):
    """The report form, the supervision list (its filter too) and the public report page."""
    reference, resident = air_report
    resident.get(f"/language/{language}")
    for path, text in pages(
        app, resident, reference, "/reports/new", "/reports", f"/reports/{reference}"
    ).items():
        assert shown in text and hidden not in text, path


def test_console_and_admin_pages_name_the_category_in_english(app, air_report):
    """The queue (its filter too), the report page and the routing matrix, for staff reading in English."""
    reference, _resident = air_report
    staff = staff_client(app, "shz", "第八师石河子市")
    for path, text in pages(
        app, staff, reference, "/console/reports", f"/console/reports/{reference}"
    ).items():
        assert ENGLISH in text and CHINESE not in text, path
    add_user(app, username="root", role="site_admin")
    admin = app.test_client()
    admin.get("/language/en")
    login(admin, username="root")
    text = pages(app, admin, reference, "/admin/routing")["/admin/routing"]
    assert ENGLISH in text and CHINESE not in text


@pytest.mark.parametrize(
    "language, shown, hidden",
    [
        ("en", "Environmental quality", "环境质量"),
        ("zh_Hans_CN", "环境质量", "Environmental quality"),
    ],
)
def test_disclosure_categories_follow_the_page_language(app, client, language, shown, hidden):
    """The disclosure list's category filter."""
    client.get(f"/language/{language}")
    text = pages(app, client, None, "/disclosures")["/disclosures"]
    assert shown in text and hidden not in text
