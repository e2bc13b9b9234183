"""Language choice: Chinese first, English on request, remembered in a cookie."""

import flask_babel
from flask import current_app, g, has_request_context, request
from flask_babel import get_locale

COOKIE = "portal_lang"
HTML_LANG = {"zh_Hans_CN": "zh-Hans", "en": "en"}


def select_locale():
    """The language the visitor chose, else the portal's default (简体中文)."""
    if not has_request_context():  # the CLI speaks the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.cookies.get(COOKIE)
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language():
    """The code of the language in use: zh_Hans_CN or en."""
    locale = get_locale()
    return "en" if locale and locale.language == "en" else "zh_Hans_CN"


class Domain(flask_babel.Domain):
    """flask_babel's message domain, finding a request's translations once per locale rather than per string."""

    def get_translations(self):
        """The translations of the locale in use."""
        # flask_babel resolves `g` nine times for every string: a page's hundred strings cost more than its
        # queries. Keyed on the Locale object, so force_locale (which sets a new one, then restores the old)
        # is honoured; should flask_babel's per-request namespace change, this falls back to its own lookup.
        state = getattr(g._get_current_object(), "_flask_babel", None) if g else None
        locale = getattr(state, "babel_locale", None)
        if locale is None:
            return super().get_translations()
        cached = getattr(state, "portal_translations", None)
        if cached is None or cached[0] is not locale:
            cached = state.portal_translations = (locale, super().get_translations())
        return cached[1]


def init_app(app):
    """Expose the language helpers to templates; strings in code and templates go through `Domain`."""
    from portal.extensions import babel

    domain = Domain(domain=app.extensions["babel"].default_domain)
    babel.domain_instance = (
        domain  # what flask_babel's gettext, ngettext … use (a cached property of Babel)
    )
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: domain.get_translations().ugettext(s),
        ngettext=lambda s, p, n: domain.get_translations().ungettext(s, p, n),
        pgettext=lambda c, s: domain.get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: domain.get_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )

    @app.context_processor
    def language_context():
        code = current_language()
        other = "en" if code == "zh_Hans_CN" else "zh_Hans_CN"
        return {"html_lang": HTML_LANG[code], "other_language": other}
