"""The one place that cleans text for display; the only module that imports bleach.

Two kinds of output:

- `clean_text`: plain text. Every tag and comment is removed (the contents of <script> and <style>
  with it), so that what is stored can never form markup or script, even if a template forgot to
  escape it. The result is text, not HTML: templates still escape it (Jinja autoescaping), so a
  resident's "a < b & c" shows as typed. Character references the resident typed (`&colon;`)
  stay as typed; they are never decoded into the characters they stand for.
- `clean_html`: HTML from trusted conversion (e.g. Markdown rendered with raw HTML off), reduced to
  an allow-list of tags and attributes; links keep http, https and mailto only and get
  rel="nofollow noopener".

bleach is deprecated upstream but still receives security releases; it keeps the inner text of
stripped tags, hence the explicit removal of <script>/<style> contents first. Keeping it behind
this module means a swap (e.g. to nh3) touches one file.
"""

import re
import unicodedata

import bleach
from bleach.html5lib_shim import Filter

# Elements whose contents are code, not text: removed with their contents before bleach runs.
_CODE_ELEMENTS = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
# bleach serialises text with &amp; &lt; &gt;: turned back into the characters, in one pass.
_SERIALISED = re.compile(r"&(amp|lt|gt);")
_SERIALISED_CHARS = {"amp": "&", "lt": "<", "gt": ">"}
# Bidirectional overrides and isolates can make text display in an order other than it is stored
# ("Trojan source"); zero-width spaces and the byte-order mark hide text. Removed from plain text.
_INVISIBLE = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_HORIZONTAL_SPACE = re.compile(
    r"[^\S\n\u3000]+"
)  # any whitespace but newlines and the ideographic space
_BLANK_LINES = re.compile(r"\n{3,}")
# What an HTML parser would take for the start of a tag, markup declaration or processing instruction.
_TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?])")
_UNCLOSED_TAG_AT_END = re.compile(r"<[A-Za-z/!?][^>]*\Z")
_MAX_PASSES = 8

ALLOWED_TAGS = frozenset(
    {
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
    }
)
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title"],
    "th": ["colspan", "rowspan"],
    "td": ["colspan", "rowspan"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"


def _strip_markup_once(text):
    text = _CODE_ELEMENTS.sub("", text)
    text = bleach.clean(text, tags=set(), attributes={}, strip=True, strip_comments=True)
    return _SERIALISED.sub(lambda m: _SERIALISED_CHARS[m.group(1)], text)


def _controls_removed(text):
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    # Other control characters (NUL, escape, …) have no place in displayed text; tabs become spaces below.
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")


def plain(text) -> str:
    """Text as typed, without control characters (PostgreSQL refuses NUL; no page should show the others)."""
    return _controls_removed(str(text or "")).strip()


def clean_text(text) -> str:
    """Plain text for display: no tags, comments or script; spaces tidied, newlines kept."""
    text = _controls_removed(str(text or ""))
    # Stripping can expose new markup ("&lt;b&gt;" → "<b>", "<scr<script></script>ipt>"): repeat until
    # nothing changes, so the result has nothing an HTML parser would read as a tag.
    for _ in range(_MAX_PASSES):
        cleaned = _strip_markup_once(text)
        if cleaned == text:
            break
        text = cleaned
    else:
        # Deliberately nested input that still changes: drop the angle brackets outright.
        text = text.replace("<", "").replace(">", "")
    # A tag left open at the very end ("<img src=x onerror=…") is text to bleach, but a browser drops it:
    # drop it too. Any other "<" that could still open a tag gets a space, so that no template
    # concatenating the result can ever complete a tag from it.
    text = _TAG_OPEN.sub("< ", _UNCLOSED_TAG_AT_END.sub("", text))
    lines = [_HORIZONTAL_SPACE.sub(" ", line).rstrip() for line in text.split("\n")]
    text = _BLANK_LINES.sub("\n\n", "\n".join(lines))
    return text.strip(" \n")


class _LinkRel(Filter):
    """Give every remaining link rel="nofollow noopener"."""

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag") and token["name"] == "a":
                attributes = dict(token["data"])
                attributes[(None, "rel")] = LINK_REL
                token["data"] = attributes
            yield token


_HTML_CLEANER = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[_LinkRel],
)


def clean_html(html) -> str:
    """HTML reduced to the allow-list: safe tags, http/https/mailto links with rel="nofollow noopener"."""
    text = _CODE_ELEMENTS.sub("", _controls_removed(str(html or "")))
    # bleach would escape a tag left open at the end into visible text; a browser drops it, and so do we.
    text = _UNCLOSED_TAG_AT_END.sub("", text)
    return _HTML_CLEANER.clean(text)
