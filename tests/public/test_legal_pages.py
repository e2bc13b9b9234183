"""What a government site owes its readers: the footer's site information (configured, never invented), the
privacy notice (个人信息保护告知) linked from every form that collects personal information, and the
accessibility statement."""

import re
from html import unescape

import pytest

from portal import config

SITE = {
    "SITE_OWNER": "新疆生产建设兵团生态环境局",
    "SITE_CONTACT": "电话 0991-0000000；电子邮箱 portal@example.gov.cn",
    "ICP_NUMBER": "新ICP备00000000号-1",
    "PUBLIC_SECURITY_FILING": "新公网安备 65010202000001号",
}


def footer(client, path="/"):
    """The <footer> of a page."""
    html = client.get(path).get_data(as_text=True)
    return html[html.index("<footer") : html.index("</footer>")]


def text(client, path):
    """A page's HTML, unescaped, after checking it answers 200."""
    response = client.get(path)
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


def test_settings_come_from_the_environment(tmp_path):
    """PORTAL_SITE_OWNER, _SITE_CONTACT, _ICP_NUMBER, _PUBLIC_SECURITY_FILING, _DATA_LICENCE(_URL) are read; the
    site information is empty by default and the licence is CC BY 4.0."""
    base = {"PORTAL_ENV": "development", "PORTAL_DATA_DIR": str(tmp_path)}
    defaults = config.load(environ=base)
    assert [defaults[k] for k in SITE] == ["", "", "", ""]
    assert (defaults["DATA_LICENCE"], defaults["DATA_LICENCE_URL"]) == (
        "CC BY 4.0",
        "https://creativecommons.org/licenses/by/4.0/",
    )
    variables = {f"PORTAL_{key}": value for key, value in SITE.items()}
    settings = config.load(
        environ={
            **base,
            **variables,
            "PORTAL_DATA_LICENCE": "L",
            "PORTAL_DATA_LICENCE_URL": "https://example.org/l",
        }
    )
    assert {k: settings[k] for k in SITE} == SITE
    assert (settings["DATA_LICENCE"], settings["DATA_LICENCE_URL"]) == (
        "L",
        "https://example.org/l",
    )


def test_footer_names_no_owner_or_filing_unless_configured(client):
    """By default the footer claims no owner, contact or filing number: the lines are simply absent."""
    html = footer(client)
    for word in ("主办单位", "联系方式", "ICP", "公网安备", "beian"):
        assert word not in html


def test_footer_shows_the_configured_site_information(make_app):
    """Owner, contact, ICP filing (linked to the MIIT search) and public security filing (linked by its code)."""
    html = footer(make_app(**SITE).test_client())
    assert "主办单位：新疆生产建设兵团生态环境局" in html
    assert "联系方式：电话 0991-0000000；电子邮箱 portal@example.gov.cn" in html
    assert '<a href="https://beian.miit.gov.cn/">新ICP备00000000号-1</a>' in html
    assert (
        '<a href="https://beian.mps.gov.cn/#/query/webSearch?code=65010202000001">新公网安备 65010202000001号</a>'
        in html
    )


def test_footer_links_the_three_pages(client):
    """The footer links the developers page, the privacy notice and the accessibility statement, in both languages."""
    html = footer(client)
    for href, label in (
        ("/developers", "开放数据与接口"),
        ("/privacy", "个人信息保护告知"),
        ("/accessibility", "无障碍声明"),
    ):
        assert f'<a href="{href}">{label}</a>' in html
    client.get("/language/en")
    html = footer(client)
    for href, label in (
        ("/developers", "Open data and APIs"),
        ("/privacy", "Privacy notice"),
        ("/accessibility", "Accessibility statement"),
    ):
        assert f'<a href="{href}">{label}</a>' in html


def test_privacy_notice_covers_every_form(client):
    """The notice says, for each form, what is collected, why, the legal basis, who sees it and how long it is kept."""
    page = text(client, "/privacy")
    assert "<h1>个人信息保护告知</h1>" in page
    assert "《中华人民共和国个人信息保护法》" in page and "《环境影响评价公众参与办法》" in page
    for section in (
        "举报污染",
        "对意见征集提出意见",
        "报名参加听证会",
        "通过电子邮件关注意见征集",
        "工作人员账号",
    ):
        assert section in page
    assert page.count("<dt>收集哪些信息</dt>") == 5 and page.count("<dt>保存期限</dt>") == 5
    # What the code does: the audited reveal, no automatic deletion, unsubscribing deletes.
    assert "每次查看，平台都会记录查看人、时间和事由" in page
    assert "平台不会自动删除任何举报" in page
    assert "点击任一邮件中的退订链接即立即删除订阅" in page
    assert "链接 7 天内有效" in page


def test_privacy_contact_is_the_configured_one_or_the_handling_unit(client, make_app):
    """Without a configured contact the notice sends people to the handling unit; with one, to it."""
    assert "请联系负责您的举报、意见征集或听证会的单位" in text(client, "/privacy")
    page = text(make_app(**SITE).test_client(), "/privacy")
    assert "请联系：电话 0991-0000000；电子邮箱 portal@example.gov.cn，并说明举报编号" in page
    assert "本平台运营单位新疆生产建设兵团生态环境局" in page


def test_accessibility_statement(client):
    """The standard aimed at, what the test suite checks, known limits and how to report a problem."""
    page = text(client, "/accessibility")
    assert "<h1>无障碍声明</h1>" in page
    assert (
        "WCAG）2.1 AA 级" in page
        and "GB/T 37668-2019《信息技术 互联网内容无障碍可访问性技术要求与测试方法》" in page
    )
    assert "axe-core" in page and "Nu Html Checker" in page and "360 像素" in page
    assert "已知的不足" in page and "请联系本平台运营单位" in page


@pytest.mark.parametrize(
    "path, title", [("/privacy", "Privacy notice"), ("/accessibility", "Accessibility statement")]
)
def test_pages_in_english(client, path, title):
    """Both pages have an English version."""
    client.get("/language/en")
    assert f"<h1>{title}</h1>" in text(client, path)


@pytest.fixture
def sample_pages(demo_app):
    """A client of the sample data and the paths of its forms that collect personal information."""
    from tests.public.test_html_validity import page_values

    values = page_values(demo_app)
    return demo_app.test_client(), [
        f"/consultations/{values['eia']}",
        f"/hearings/{values['eia_hearing']}",
        "/subscriptions/new?area=6",
    ]


def test_every_form_with_personal_information_links_the_notice(sample_pages):
    """The comment form, hearing registration and subscription form each link the privacy notice inside the form."""
    client, paths = sample_pages
    for path in paths:
        html = client.get(path).get_data(as_text=True)
        forms = re.findall(r'<form method="post"(?:(?!</form>).)*</form>', html, re.S)
        collecting = [f for f in forms if 'name="email"' in f]
        assert collecting, path
        for form in collecting:
            assert '提交即表示您已阅读《<a href="/privacy">个人信息保护告知</a>》' in form, path


def test_the_notice_link_partial_speaks_english(sample_pages):
    """In English the sentence reads as English."""
    client, paths = sample_pages
    client.get("/language/en")
    html = client.get(paths[2]).get_data(as_text=True)
    assert (
        'By sending this form you confirm that you have read the <a href="/privacy">Privacy notice</a>'
        in html
    )


def test_configured_footer_and_pages_are_valid_html(make_app, tmp_path):
    """With every site setting configured, the footer and the three pages are still valid HTML (Nu checker)."""
    from tests.public.test_html_validity import assert_valid_html

    client = make_app(**SITE).test_client()
    pages = {}
    for language in ("zh", "en"):
        if language == "en":
            client.get("/language/en")
        for path in ("/", "/developers", "/privacy", "/accessibility"):
            pages[f"{language}-{path.strip('/') or 'home'}"] = client.get(path).get_data(
                as_text=True
            )
    assert_valid_html(pages, tmp_path)
