"""Markdown written by unit staff (disclosure bodies) as safe HTML.

markdown-it-py parses CommonMark (plus tables) with raw HTML off, so typed tags come out as text;
the result then goes through `portal.sanitize.clean_html`, which keeps only its allow-list of tags
and http/https/mailto links. Two adjustments for the page the text lands in:

- headings move one level down (# → <h2>, …, capped at <h6>): the page's own <h1> is the
  disclosure's title, and headings must stay in order for screen readers;
- an image becomes a link to it, labelled with its alt text: a disclosure never makes a reader's
  browser fetch a file from another site, and the link keeps what the image said;
- a table is wrapped in a focusable scrolling region, so that a wide table scrolls by itself on a
  phone instead of widening the whole page.
"""

from flask_babel import gettext as _
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markupsafe import Markup

from portal.sanitize import clean_html

_DEEPEST_HEADING = 6


def _shift_headings(state):
    """Core rule: every heading one level down (the page's title is the only <h1>); with `below` in the
    environment, the text's top heading level becomes the one under `below` and the others follow it."""
    headings = [t for t in state.tokens if t.type in ("heading_open", "heading_close")]
    shift = 1
    if headings and state.env.get("below"):
        shift = state.env["below"] + 1 - min(int(t.tag[1:]) for t in headings)
    for token in headings:
        token.tag = f"h{min(int(token.tag[1:]) + shift, _DEEPEST_HEADING)}"


def _image_as_link(self, tokens, idx, options, env):
    """Render ![alt](src) as a link to `src` named by the alt text (or the address when there is none)."""
    token = tokens[idx]
    source = token.attrGet("src") or ""
    label = self.renderInlineAsText(token.children or [], options, env) or source
    return f'<a href="{escapeHtml(source)}">{escapeHtml(label)}</a>'


def _parser():
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    parser.core.ruler.push("shift_headings", _shift_headings)
    parser.add_render_rule("image", _image_as_link)
    return parser


_PARSER = _parser()


def _scrolling_tables(html):
    # After sanitising, "<table>" can only be a real table: typed ones were escaped to "&lt;table&gt;".
    region = f'<div class="table-scroll" role="region" tabindex="0" aria-label="{escapeHtml(_("Table"))}">'
    return html.replace("<table>", region + "<table>").replace("</table>", "</table></div>")


def render_markdown(text, below=None) -> Markup:
    """Markdown `text` as sanitised HTML, safe to insert in a page. Its headings move one level down; with
    `below`, its top heading becomes the level under `below` (a text under an <h4>: its top heading an <h5>)."""
    # The HTML has just been through portal.sanitize's allow-list.
    html = _PARSER.render(str(text or ""), {"below": below})
    return Markup(_scrolling_tables(clean_html(html)))  # nosec B704


def _inline_text(children):
    """The text an inline run shows: emphasis dropped, a link's or image's address kept after its words."""
    out, targets = [], []
    for token in children or ():
        if token.type in ("text", "code_inline"):
            out.append(token.content)
        elif token.type == "softbreak":
            out.append(" ")
        elif token.type == "hardbreak":
            out.append("\n")
        elif token.type == "link_open":
            targets.append((token.attrGet("href") or "", len(out)))
        elif token.type == "link_close" and targets:
            href, start = targets.pop()
            if href and "".join(out[start:]) != href:
                out.append(f" ({href})")
        elif token.type == "image":
            label = _inline_text(token.children)
            source = token.attrGet("src") or ""
            out.append(f"{label} ({source})" if label and source else label or source)
    return "".join(out)


def plain_paragraphs(text):
    """Markdown `text` as the paragraphs a reader sees, in plain text: headings, paragraphs, list items
    (with their bullet or number), table rows (cells joined by " | ") and code blocks, no Markdown syntax.

    Used to compare versions as they read, not as they were typed.
    """
    paragraphs, bullets, row = [], [], None
    for token in _PARSER.parse(str(text or "")):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            bullets.append(None)
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            bullets.pop()
        elif token.type == "list_item_open":
            bullets[-1] = f"{token.info}{token.markup} " if token.info else "• "
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close":
            paragraphs.append(" | ".join(row))
            row = None
        elif token.type == "inline":
            words = _inline_text(token.children)
            if row is not None:
                row.append(words)
            else:
                # The first paragraph of a list item carries its bullet; the item's later paragraphs do not.
                prefix = bullets[-1] if bullets and bullets[-1] else ""
                if bullets:
                    bullets[-1] = ""
                paragraphs.append(prefix + words)
        elif token.type in ("fence", "code_block"):
            paragraphs.append(token.content.rstrip("\n"))
    return paragraphs
