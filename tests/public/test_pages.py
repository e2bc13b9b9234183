"""Public pages through the test client: content, links, language, errors."""

import re

import pytest


def text(response):
    return response.get_data(as_text=True)


def test_home_links_every_live_service_and_claims_none_is_closed(client):
    """Every service that works is linked from the main part of the home page; none is called "not open yet"."""
    page = text(client.get("/"))
    main = page[page.index("<main") : page.index("</main>")]
    for path in (
        "/reports/new",
        "/reports/track",
        "/reports",
        "/consultations",
        "/subscriptions/new",
        "/disclosures",
        "/search",
        "/dashboard",
        "/goals",
        "/measures",
        "/units",
    ):
        assert f'href="{path}"' in main, path
    assert "尚未开通" not in page and "建设中" not in page
    assert "35" in page and "59" in page


def test_policy_index_lists_chapters_and_measures(client):
    """All 9 chapters and 35 measure links, with the document's metadata."""
    page = text(client.get("/measures"))
    assert "兵团党委 兵团关于加强生态文明建设工作的实施意见" in page
    assert "兵团办公厅" in page and "2017-01-03" in page
    assert len(re.findall(r'href="/measures/\d+"', page)) == 35
    assert "九、切实加强组织领导" in page
    assert '<a href="/measures/14">(十四) 全面推进污染防治</a>' in page


def test_measure_page_shows_text_tasks_and_unit_links(client, app):
    """(十四) shows its full text and each task's lead and participating units as links."""
    page = text(client.get("/measures/14"))
    assert "<h1" in page and "(十四) 全面推进污染防治" in page
    assert "实施大气污染防治行动计划" in page
    assert "加强大气污染防治" in page
    lead_section = page.split("加强大气污染防治</h3>")[1].split("</article>")[0]
    lead, participating = lead_section.split("参加单位")
    assert re.search(r'<a href="/units/\d+">兵团建设局\(环保局\)</a>', lead)
    names = re.findall(r'<a href="/units/\d+">([^<]+)</a>', participating)
    assert names == ["兵团发展改革委", "兵团工信委", "兵团科技局", "兵团财务局"]
    assert 'rel="prev" href="/measures/13"' in page and 'rel="next" href="/measures/15"' in page


def test_measure_without_tasks_says_so(client):
    """(一) assigns no task, and the page says so instead of showing an empty list."""
    assert "本条措施未向单位分配任务" in text(client.get("/measures/1"))


@pytest.mark.parametrize("path", ["/measures/0", "/measures/36", "/units/99999"])
def test_unknown_numbers_are_404_pages(client, path):
    """Unknown measures and units give a 404 page in Chinese, not a traceback."""
    response = client.get(path)
    assert response.status_code == 404
    assert "错误 404" in text(response)
    assert "Traceback" not in text(response)


def test_unit_directory_is_grouped(client):
    """Departments, divisions and collective addressees are listed in their own sections."""
    page = text(client.get("/units"))
    departments = page.split('id="group-department"')[1].split('id="group-division"')[0]
    divisions = page.split('id="group-division"')[1].split('id="group-collective"')[0]
    collective = page.split('id="group-collective"')[1]
    assert "兵团建设局" in departments and "兵团环保局" in departments
    assert "第八师石河子市" in divisions and "第十一师" in divisions
    assert divisions.count("<li>") == 14
    assert "各师(市)党委" in collective and "兵团建设局" not in collective


def test_unit_page_lists_tasks_it_leads_and_joins(client):
    """兵团民政局 leads (三十) and joins (五)'s first task."""
    directory = text(client.get("/units"))
    unit_id = re.search(r'<a href="/units/(\d+)">兵团民政局</a>', directory).group(1)
    page = text(client.get(f"/units/{unit_id}"))
    leads = page.split('id="leads-title"')[1].split('id="joins-title"')[0]
    joins = page.split('id="joins-title"')[1]
    assert "鼓励公众积极参与" in leads and "/measures/30" in leads
    assert "加快新型城镇化发展,加强城镇规划工作" in joins


def test_goals_page_lists_the_ten_goals(client):
    """The goals table has one row per goal, with targets and lead units."""
    page = text(client.get("/goals"))
    assert page.count('<th scope="row"') == 10
    assert "≤ 120亿立方米" in page
    assert "较2015年" in page
    assert "兵团水利局" in page


def test_language_switch_persists_and_returns(client):
    """Switching to English sets a cookie, comes back to the page, and later pages stay English."""
    response = client.get("/language/en?next=/measures/14")
    assert response.status_code == 302 and response.headers["Location"] == "/measures/14"
    page = text(client.get("/measures/14"))
    assert '<html lang="en">' in page and "Lead units" in page
    assert "全面推进污染防治" in page  # the policy text itself stays Chinese
    assert "Participating units" in text(client.get("/units/1")) or "Tasks it leads" in text(
        client.get("/units/1")
    )
    client.get("/language/zh_Hans_CN?next=/")
    assert '<html lang="zh-Hans">' in text(client.get("/"))


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_language_switch_never_redirects_off_site(client, target):
    """The `next` parameter cannot send visitors to another site."""
    response = client.get("/language/en", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_unknown_language_is_404(client):
    """Only Chinese and English are offered."""
    assert client.get("/language/fr").status_code == 404


def test_pages_serve_local_assets_only(client):
    """No CDN: every stylesheet and script comes from /static/."""
    page = text(client.get("/"))
    assets = re.findall(r'(?:href|src)="([^"]+\.(?:css|js)(?:\?v=[0-9a-f]{10})?)"', page)
    assert assets and all(a.startswith("/static/") for a in assets)
    assert client.get(assets[0]).status_code == 200


def test_forms_and_landmarks_are_labelled(client):
    """Pages have one h1, a main landmark, a labelled navigation; the login fields have labels."""
    page = text(client.get("/measures/14"))
    assert page.count("<h1") == 1 and '<main id="main"' in page
    assert re.search(r'<nav [^>]*aria-label="[^"]+"', page)
    login = text(client.get("/login"))
    for field in ("username", "password"):
        assert f'<label for="{field}">' in login and f'id="{field}"' in login


def test_ids_beyond_a_database_integer_are_not_found(client):
    """A URL id larger than any database id answers 404 (PostgreSQL would otherwise fail the query)."""
    for path in (
        "/units/99999999999999",
        "/api/v1/units/99999999999999",
        "/consultations/99999999999999",
    ):
        assert client.get(path).status_code == 404, path
