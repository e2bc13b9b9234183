"""The public participation and environmental disclosure portal."""

import logging
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from portal import caching
from portal import config as portal_config

ROOT = Path(__file__).resolve().parent.parent


class DatabaseIntegerConverter(IntegerConverter):
    """`<int:…>` in URLs, bounded to what a database integer column holds."""

    # PostgreSQL refuses a larger id with an error instead of finding nothing: such URLs are 404s.
    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


# Libraries that pages import on first use rather than with the app (identity decryption for the names
# shown with comments, the search's Chinese conversion), which a preloading server should import before it
# forks its workers: their code is then mapped once in the master, and a worker counts only the pages of it
# that it runs, instead of all it touches while loading them (about 3 MiB of each worker's RSS).
SERVING_LIBRARIES = (
    "cryptography.hazmat.primitives.ciphers.aead",
    "cryptography.exceptions",
    "opencc",
)


def import_serving_libraries():
    """Import the libraries that pages load on first use (`SERVING_LIBRARIES`), e.g. in a server before it forks."""
    import importlib

    for name in SERVING_LIBRARIES:
        importlib.import_module(name)


def create_app(config=None):
    """Build the app: settings (environment, then `config`), extensions, blueprints, errors, CLI."""
    settings = portal_config.load(config)
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=settings["DATA_DIR"],
    )
    app.config.from_mapping(settings)
    # Pillow logs every EXIF tag it reads at DEBUG, values included (GPS position, the camera
    # owner's name); evidence cleaning strips them from photos, so logs must not copy them.
    logging.getLogger("PIL").setLevel(logging.INFO)
    # Pillow's decompression-bomb limit is process-wide: taken from the setting here, never at import, and
    # applied when the first image imports Pillow (web workers serving pages never do).
    from portal.services import evidence

    evidence.configure_pillow(app.config["EVIDENCE_MAX_MEGAPIXELS"])
    if app.config["PROXY_COUNT"]:
        # Behind a reverse proxy the client address (for rate limits) is in X-Forwarded-For.
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=app.config["PROXY_COUNT"], x_proto=app.config["PROXY_COUNT"]
        )
    else:
        from portal.proxy import warn_when_forwarded

        warn_when_forwarded(app)
    app.config.setdefault("MIGRATIONS_DIR", ROOT / "migrations")
    app.url_map.converters["int"] = DatabaseIntegerConverter
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    register_extensions(app)
    register_blueprints(app)
    from portal.cli import register_commands
    from portal.errors import register_errors

    register_errors(app)
    register_security(app)
    register_commands(app)
    register_search_drain(app)
    caching.init_app(app)
    return app


def register_extensions(app):
    """Bind the unbound extensions to `app`."""
    from portal import encryption, i18n, templating
    from portal.extensions import babel, csrf, init_database, login_manager
    from portal.services.accounts import user_by_session_token

    init_database(app)
    encryption.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    templating.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    login_manager.user_loader(user_by_session_token)
    from flask_babel import lazy_gettext

    login_manager.login_message = lazy_gettext("Please log in to see this page.")


def register_security(app):
    """Security headers on every response, and a 400 for unknown host names."""
    from portal import headers, urls

    headers.init_app(app)
    urls.init_app(app)


def register_search_drain(app):
    """Once the response has been sent, index the outbox rows its request committed (a failure only logs)."""
    from portal import after_response
    from portal.extensions import db
    from portal.services import search

    with app.app_context():
        search.watch_outbox(db.engine, app.config)
    after_response.init_app(app)

    @app.teardown_request
    def drain_when_sent(error=None):
        # At teardown, so that commits made while the response was built count too; the server closes the
        # response after writing its body, so the drain never delays the answer.
        if error is None and search.committed_rows():
            after_response.defer(lambda: search.drain_after_response(app))


def register_blueprints(app):
    """Mount the blueprints by audience."""
    from portal.admin import bp as admin
    from portal.api import bp as api
    from portal.auth import bp as auth
    from portal.console import bp as console
    from portal.extensions import csrf
    from portal.feeds import bp as feeds
    from portal.open311 import bp as open311
    from portal.public import bp as public
    from portal.redirects import bp as moved

    app.register_blueprint(public)
    app.register_blueprint(auth)
    app.register_blueprint(console, url_prefix="/console")
    app.register_blueprint(admin, url_prefix="/admin")
    app.register_blueprint(api, url_prefix="/api/v1")
    csrf.exempt(api)
    app.register_blueprint(open311, url_prefix="/open311/v2")
    csrf.exempt(open311)
    app.register_blueprint(feeds, url_prefix="/feeds")
    app.register_blueprint(moved)
