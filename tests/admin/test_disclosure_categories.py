"""Site administration of the disclosure categories: who may, listing, renaming, reordering, retiring and offering
again, adding, errors on their fields, and valid HTML."""

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import DisclosureCategory
from portal.services import disclosures
from tests.console.test_consultations_console import flashes, follow
from tests.helpers import hidden_value, staff_client
from tests.public.test_html_validity import assert_valid_html

INDEX = "/admin/disclosure-categories"


@pytest.fixture
def admin(app):
    """A logged-in site administrator (English)."""
    return staff_client(app, "root", "兵团建设局", role="site_admin")


def category(app, code):
    """(id, name_zh, name_en, position, active) of the category `code`."""
    with app.app_context():
        found = db.session.scalar(
            sa.select(DisclosureCategory).where(DisclosureCategory.code == code)
        )
        return found.id, found.name_zh, found.name_en, found.position, found.active


def ordered_codes(app):
    """The category codes in list order."""
    with app.app_context():
        return [c.code for c in disclosures.list_categories()]


def post(client, path, page_path=INDEX, **fields):
    """POST to `path` with a CSRF token from the page at `page_path`."""
    token = hidden_value(client.get(page_path).get_data(as_text=True), "csrf_token")
    return client.post(path, data={"csrf_token": token, **fields})


def test_only_site_administrators_reach_the_page(app):
    """Staff and unit administrators get 403 on every page and action; anonymous visitors go to the login page."""
    unit_admin = staff_client(app, "unit-admin", "兵团建设局", role="unit_admin")
    penalties = category(app, "penalties")[0]
    for path in (INDEX, f"{INDEX}/{penalties}/edit"):
        assert unit_admin.get(path).status_code == 403
    for path in (INDEX, f"{INDEX}/{penalties}/up", f"{INDEX}/{penalties}/retire"):
        assert unit_admin.post(path).status_code in (400, 403)
    assert app.test_client().get(INDEX).status_code == 302


def test_the_page_lists_the_ten_categories_in_order(app, admin):
    """Every category with its two names, code and state; the console home links here."""
    page = admin.get(INDEX).get_data(as_text=True)
    assert page.count('<th scope="row" lang="zh-Hans">') == 10
    assert (
        "环境质量" in page and "Environmental quality" in page and "<code>statistics</code>" in page
    )
    assert f'href="{INDEX}"' in admin.get("/console/").get_data(as_text=True)


def test_rename_keeps_the_code(app, admin):
    """New names are saved; the code (and so the public links) stays."""
    penalties = category(app, "penalties")[0]
    response = post(
        admin,
        f"{INDEX}/{penalties}/edit",
        f"{INDEX}/{penalties}/edit",
        name_zh="行政处罚决定",
        name_en="Penalty decisions",
    )
    assert "The names were saved." in " ".join(flashes(follow(admin, response)))
    assert category(app, "penalties")[1:3] == ("行政处罚决定", "Penalty decisions")


def test_a_duplicate_or_empty_name_is_refused_on_its_field(app, admin):
    """Another category's name is refused on the Chinese name; an empty one too; nothing changes."""
    penalties = category(app, "penalties")[0]
    response = post(
        admin,
        f"{INDEX}/{penalties}/edit",
        f"{INDEX}/{penalties}/edit",
        name_zh="环境质量",
        name_en="Something",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert (
        'aria-invalid="true"' in page
        and "Another category already has the Chinese name 环境质量." in page
    )
    assert (
        post(
            admin, f"{INDEX}/{penalties}/edit", f"{INDEX}/{penalties}/edit", name_zh="", name_en="X"
        ).status_code
        == 400
    )
    assert category(app, "penalties")[1] == "行政处罚"


def test_move_up_and_down(app, admin):
    """Moving a category swaps it with its neighbour; the first has no 'up' button."""
    before = ordered_codes(app)
    penalties = category(app, "penalties")[0]
    follow(admin, post(admin, f"{INDEX}/{penalties}/up"))
    after = ordered_codes(app)
    index = before.index("penalties")
    assert after[index - 1] == "penalties" and after[index] == before[index - 1]
    follow(admin, post(admin, f"{INDEX}/{penalties}/down"))
    assert ordered_codes(app) == before
    first = category(app, before[0])[0]
    assert f"{INDEX}/{first}/up" not in admin.get(INDEX).get_data(as_text=True)


def test_retire_and_offer_again(app, admin):
    """A retired category is not offered to staff drafting a disclosure; offered again, it is back."""
    other = category(app, "other")[0]
    page = follow(admin, post(admin, f"{INDEX}/{other}/retire"))
    assert "is retired" in " ".join(flashes(page)) and category(app, "other")[4] is False
    staff = staff_client(app, "jsj", "兵团建设局")
    assert "Other" not in offered(staff)
    follow(admin, post(admin, f"{INDEX}/{other}/reactivate"))
    assert category(app, "other")[4] is True
    assert "Other" in offered(staff)


def offered(client):
    """The category names offered on the new-disclosure form."""
    page = client.get("/console/disclosures/new").get_data(as_text=True)
    select = re.search(r'<select[^>]*id="category"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.findall(r"<option[^>]*>([^<]+)</option>", select)


def test_add_a_category(app, admin):
    """A new category goes to the end, with observations if asked; a taken or malformed code is refused."""
    response = post(
        admin,
        INDEX,
        code="water_sources",
        name_zh="饮用水水源",
        name_en="Drinking water sources",
        takes_observations="y",
    )
    assert "Drinking water sources was added" in " ".join(flashes(follow(admin, response)))
    assert ordered_codes(app)[-1] == "water_sources"
    with app.app_context():
        added = db.session.scalar(
            sa.select(DisclosureCategory).where(DisclosureCategory.code == "water_sources")
        )
        assert added.takes_observations and added.active
    for code in ("water_sources", "Water Sources", "x"):
        refused = post(
            admin, INDEX, code=code, name_zh=f"水源{len(code)}", name_en=f"Sources {len(code)}"
        )
        assert refused.status_code == 400, code
        assert re.search(r'id="code-error"', refused.get_data(as_text=True)), code
    assert len(ordered_codes(app)) == 11


def test_the_pages_are_valid_html(app, admin, tmp_path):
    """The list (with and without errors) and the rename page pass the Nu Html Checker; ids are unique."""
    penalties = category(app, "penalties")[0]
    pages = {
        "index": admin.get(INDEX),
        "edit": admin.get(f"{INDEX}/{penalties}/edit"),
        "index-errors": post(admin, INDEX, code="", name_zh="", name_en=""),
    }
    assert_valid_html(
        {slug: response.get_data(as_text=True) for slug, response in pages.items()}, tmp_path
    )
