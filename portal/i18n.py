"""Language choice: Chinese first, English on request, remembered in a cookie."""
from flask import current_app, g, has_request_context, request
from flask_babel import get_locale, get_translations

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


def translations():
    """The translations of the locale in use, found once per locale rather than on every string."""
    # flask_babel resolves `g` nine times for every `_()`: a page's 40 strings cost more than its queries.
    # Keyed on the Locale object, so force_locale (which sets a new one, then restores the old) is honoured;
    # should flask_babel's per-request namespace change, this falls back to its own lookup.
    state = getattr(g._get_current_object(), "_flask_babel", None) if g else None
    locale = getattr(state, "babel_locale", None)
    if locale is None:
        return get_translations()
    cached = getattr(state, "portal_translations", None)
    if cached is None or cached[0] is not locale:
        cached = state.portal_translations = (locale, get_translations())
    return cached[1]


def init_app(app):
    """Expose the language helpers to templates, with template strings translated through `translations`."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )

    @app.context_processor
    def language_context():
        code = current_language()
        other = "en" if code == "zh_Hans_CN" else "zh_Hans_CN"
        return {"html_lang": HTML_LANG[code], "other_language": other}
