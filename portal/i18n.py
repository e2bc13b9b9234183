"""Language choice: Chinese first, English on request, remembered in a cookie."""
from flask import current_app, has_request_context, request
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


def init_app(app):
    """Expose the language helpers to templates."""

    @app.context_processor
    def language_context():
        code = current_language()
        other = "en" if code == "zh_Hans_CN" else "zh_Hans_CN"
        return {"html_lang": HTML_LANG[code], "other_language": other}
