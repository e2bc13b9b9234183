"""Pages rendered once per process with slots where each visitor's own values go.

Some private pages are the same for every anonymous visitor of a language but for a few values: the
empty report form (each visitor's CSRF token and submission key) and the report's receipt (the report
itself, inside an unchanging layout of header, menu and footer). Rendering them whole costs more than
anything else their request does, so the unchanging part is rendered once, with a random marker (a slot)
where the visitor's values go, and each request only fills the slots. Nothing personal is ever stored:
a stored page is rendered from no visitor's data, and is kept at most PAGE_CACHE_SECONDS (so an edited
static file's new URL shows up without a restart), keyed on what it shows.
"""

import secrets
import threading
import time

from flask import current_app, render_template, request, session
from flask_login import current_user

from portal.i18n import current_language

_STORE = "portal_slotted_pages"
# Each key is a page of a language and URL, so a handful per process; the bound only guards the memory.
MAX_PAGES = 256


class SlottedPages:
    """The stored pages of one app: key → (the page with its slots, the slots, monotonic expiry)."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.pages = {}
        self.lock = threading.Lock()

    def get(self, key, render, names):
        """(page, {name: slot}) for `key`; `render(slots)` makes the page when none is stored or it expired."""
        now = time.monotonic()
        held = self.pages.get(key)
        if held is not None and held[2] > now:
            return held[0], held[1]
        slots = {name: f"{name}-slot-{secrets.token_hex(16)}" for name in names}
        page = render(slots)
        with self.lock:
            if len(self.pages) >= MAX_PAGES:
                self.pages.clear()
            self.pages[key] = (page, slots, now + self.seconds)
        return page, slots


def _store():
    app = current_app._get_current_object()
    store = app.extensions.get(_STORE)
    if store is None:
        store = app.extensions[_STORE] = SlottedPages(app.config["PAGE_CACHE_SECONDS"])
    return store


def anonymous_page():
    """True when this request's page differs between anonymous visitors only by what goes in slots: no
    staff menu, no flashed message."""
    return not current_user.is_authenticated and "_flashes" not in session


def fill(page_key, render, **values):
    """The page stored under `page_key` (made by `render(slots)`, slots by the names of `values`), each slot
    replaced by its value."""
    page, slots = _store().get(page_key, render, values)
    for name, value in values.items():
        page = page.replace(slots[name], value)
    return page


def render_in_layout(template_name, **context):
    """`render_template(template_name, **context)`; for an anonymous visitor, the layout around the
    template's `content` block is rendered once per language and URL, and only the block per request.

    The template must compute everything its `content` block shows inside that block, and nothing
    outside it may depend on `context` (the layout is rendered without it).
    """
    if not anonymous_page():
        return render_template(template_name, **context)
    app = current_app._get_current_object()
    template = app.jinja_env.get_template(template_name)

    def layout(slots):
        # The template's own blocks but `content`, which becomes the slot.
        outline = app.jinja_env.from_string(
            "{% extends layout_of %}{% block content %}" + slots["content"] + "{% endblock %}"
        )
        return render_template(outline, layout_of=template_name)

    app.update_template_context(context)
    content = "".join(template.blocks["content"](template.new_context(context)))
    return fill((template_name, current_language(), request.full_path), layout, content=content)
