"""portal/rendering.py: Markdown from unit staff renders the usual elements, and every injection payload inert."""

import re
from html.parser import HTMLParser

import pytest
from jinja2 import Environment
from markupsafe import Markup

from portal.rendering import render_markdown
from tests.test_sanitize import PAYLOADS

# Ways to smuggle script through Markdown syntax itself rather than raw HTML.
MARKDOWN_PAYLOADS = [
    "[点我](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    '![x" onerror="alert(1)](https://example.org/a.png)',
    "<javascript:alert(1)>",
    "[ref]\n\n[ref]: javascript:alert(1)",
    "```html\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    "# <script>alert(1)</script>",
    "| a | b |\n|---|---|\n| <script>alert(1)</script> | <img src=x onerror=alert(1)> |",
    '[x](https://example.org "\\" onmouseover=\\"alert(1)")',
]


@pytest.fixture(autouse=True)
def english(english_context):
    """render_markdown labels tables in the user's language: it runs inside the app."""
    return english_context


ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "a",
    "blockquote",
    "code",
    "pre",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "div",
}
ALLOWED_ATTRIBUTES = {
    "href",
    "title",
    "rel",
    "colspan",
    "rowspan",
    "class",
    "role",
    "tabindex",
    "aria-label",
}


class Elements(HTMLParser):
    """The elements of a page as a browser's parser sees them: (tag, {attribute: value})."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.found = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def executable_parts(html):
    """What a browser could run or load from `html`: unknown tags, handlers, styles, non-web links."""
    problems = []
    for tag, attributes in Elements(html).found:
        if tag not in ALLOWED_TAGS:
            problems.append(f"<{tag}>")
        problems += [f"{tag} {name}" for name in attributes if name not in ALLOWED_ATTRIBUTES]
        href = (attributes.get("href") or "").strip()
        if "href" in attributes and not re.match(r"^(https?:|mailto:)", href, re.IGNORECASE):
            problems.append(f"href={href!r}")
    return problems


@pytest.mark.parametrize("payload", PAYLOADS + MARKDOWN_PAYLOADS)
def test_every_payload_renders_inert(payload):
    """No element but the allow-list's, no handler or style, and only http(s)/mailto links, whatever the syntax."""
    html = str(render_markdown(payload))
    assert executable_parts(html) == []


@pytest.mark.parametrize("payload", PAYLOADS + MARKDOWN_PAYLOADS)
def test_inserted_into_a_page_it_stays_inert(payload):
    """The Markup goes into a template unescaped: the page has no script, frame, image or javascript: link."""
    page = (
        Environment(autoescape=True)
        .from_string("<main>{{ body }}</main>")
        .render(body=render_markdown(payload))
    )
    tags = {tag for tag, _attributes in Elements(page).found}
    assert not tags & {
        "script",
        "iframe",
        "img",
        "svg",
        "style",
        "object",
        "meta",
        "body",
        "math",
        "input",
    }
    assert all(
        not value.strip().lower().startswith("javascript")
        for _tag, attributes in Elements(page).found
        for value in attributes.values()
        if value
    )


def test_typed_html_shows_as_text():
    """Raw HTML is off: what a unit typed as a tag is shown to readers as the characters it typed."""
    html = str(render_markdown("我们<b>不</b>接受 <script>alert(1)</script>"))
    assert "&lt;b&gt;不&lt;/b&gt;" in html and "<b>" not in html
    assert "alert(1)" in html and "<script" not in html


def test_normal_markdown_renders():
    """Headings (one level down), lists, a table, links, emphasis, code, quotes and rules come out as HTML."""
    text = """# 2025年环境质量

## 空气

石河子市**优良天数**比例为 *82%*,详见[公报](https://www.example.gov.cn/gb.pdf)或来信 <mailto:hb@example.cn>。

1. 细颗粒物(PM2.5)
2. 可吸入颗粒物(PM10)

- 二氧化硫 `SO2`
- 二氧化氮

| 城市 | 优良天数比例 |
|------|-------------:|
| 石河子 | 82% |
| 五家渠 | 79% |

> 数据来源:兵团生态环境监测站。

---

```
代码 <原样>
```
"""
    html = str(render_markdown(text))
    assert isinstance(render_markdown(text), Markup)
    assert "<h2>2025年环境质量</h2>" in html and "<h3>空气</h3>" in html and "<h1" not in html
    assert "<strong>优良天数</strong>" in html and "<em>82%</em>" in html
    assert '<a href="https://www.example.gov.cn/gb.pdf" rel="nofollow noopener">公报</a>' in html
    assert 'href="mailto:hb@example.cn"' in html
    assert "<ol>" in html and "<li>细颗粒物(PM2.5)</li>" in html and "<ul>" in html
    assert "<code>SO2</code>" in html
    assert "<table>" in html and "<th>城市</th>" in html and "<td>82%</td>" in html
    assert '<div class="table-scroll" role="region" tabindex="0" aria-label="Table"><table>' in html
    assert html.count("<div") == html.count("</div>") == 1
    assert "<blockquote>" in html and "<hr>" in html
    assert "<pre><code>代码 &lt;原样&gt;" in html


def test_an_image_becomes_a_link_named_by_its_alt_text():
    """A reader's browser never loads an image from elsewhere; the alt text stays, as a link to the file."""
    html = str(render_markdown("![监测点位图](https://example.org/map.png)"))
    assert "<img" not in html
    assert '<a href="https://example.org/map.png" rel="nofollow noopener">监测点位图</a>' in html


def test_headings_stop_at_h6():
    """##### and ###### both become <h6>: there is no <h7>."""
    html = str(render_markdown("##### 五\n\n###### 六"))
    assert html.count("<h6>") == 2


def test_empty_text_renders_nothing():
    """None and '' give empty Markup."""
    assert render_markdown(None) == Markup("") and render_markdown("") == Markup("")


def test_plain_paragraphs_are_the_text_a_reader_sees():
    """Headings, paragraphs, list items (with their bullet or number), table rows and code, without Markdown
    syntax; typed HTML stays text; a link keeps its address after its words."""
    from portal.rendering import plain_paragraphs

    text = (
        "## 监测结果\n\n**PM2.5**年均浓度为38微克,[详见公报](https://example.org/a)。\n第二行\n\n"
        "- 优良天数比例82%\n- 重污染天数3天\n\n3. 第三项\n\n| 城市 | PM2.5 |\n|---|---|\n| 石河子市 | 38 |\n\n"
        "```\n原样\n保留\n```\n\n<b>不是标签</b>"
    )
    assert plain_paragraphs(text) == [
        "监测结果",
        "PM2.5年均浓度为38微克,详见公报 (https://example.org/a)。 第二行",
        "• 优良天数比例82%",
        "• 重污染天数3天",
        "3. 第三项",
        "城市 | PM2.5",
        "石河子市 | 38",
        "原样\n保留",
        "<b>不是标签</b>",
    ]
    assert plain_paragraphs("") == [] and plain_paragraphs(None) == []


def test_headings_start_below_the_level_asked():
    """A text shown under an <h4> (a task report's part) gets its top heading as <h5>, capped at <h6>."""
    from portal.rendering import render_markdown

    html = str(render_markdown("# 一\n\n## 二\n\n### 三", 4))
    assert "<h5>一</h5>" in html and "<h6>二</h6>" in html and "<h6>三</h6>" in html
    assert "<h3>二</h3>" in str(render_markdown("## 二", 2))  # no level skipped after the <h2>
    assert "<h3>二</h3>" in str(render_markdown("## 二"))  # by default one level down, as before
