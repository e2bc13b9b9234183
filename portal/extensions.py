"""Unbound extensions, bound to an app in `create_app`."""

import click
from flask import session
from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class StaffLoginManager(LoginManager):
    """Flask-Login's manager, whose session protection guards signed-in sessions only."""

    def _session_protection_failed(self):
        # An anonymous visitor's session holds only a CSRF token: no identity to protect. Flask-Login's
        # "strong" mode would clear it and rewrite the session cookie, and delete the remember cookie, in
        # every answer to such a visitor: work on every page, and a Set-Cookie that no cache may store.
        if "_user_id" not in session:
            return False
        return super()._session_protection_failed()


db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
login_manager = StaffLoginManager()
csrf = CSRFProtect()
babel = Babel()


def init_database(app):
    """Bind the database and make SQLite durable and strict on every new connection."""
    db.init_app(app)
    init_migrations(app)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_connection, _record):
    # WAL lets readers proceed during a write; FULL fsyncs so an acknowledged submission survives
    # power loss; the busy timeout makes a second writer wait instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def init_migrations(app):
    """Flask-Migrate for `app` (`flask db …`, `flask_migrate.upgrade()`), imported with Alembic on first use."""
    # Alembic and Flask-Migrate cost a web worker ~11 MiB and only the CLI and `portal init` need them.
    app.extensions["migrate"] = DeferredMigrate(app, str(app.config["MIGRATIONS_DIR"]))
    app.cli.add_command(MigrationCommands())


class DeferredMigrate:
    """Stands in `app.extensions["migrate"]` until read: then binds Flask-Migrate, which replaces it there."""

    def __init__(self, app, directory):
        self._app = app
        self._directory = directory

    def bind(self):
        """Bind Flask-Migrate to the app now; return the configuration it keeps in `app.extensions`."""
        from flask_migrate import Migrate

        if self._app.extensions.get("migrate") is self:
            Migrate(
                self._app, db, directory=self._directory, compare_type=True, render_as_batch=True
            )
        return self._app.extensions["migrate"]

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.bind(), name)


class MigrationCommands(click.Group):
    """`flask db …`: Flask-Migrate's command group, imported only when one of its commands is run."""

    def __init__(self):
        super().__init__("db", help="Perform database migrations.")

    @staticmethod
    def _group():
        from flask_migrate.cli import db as group

        return group

    def make_context(self, info_name, args, parent=None, **extra):
        """Flask-Migrate's group parses the arguments and runs (click invokes the context's command)."""
        return self._group().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx):
        """The names of Flask-Migrate's commands."""
        return self._group().list_commands(ctx)

    def get_command(self, ctx, name):
        """One of Flask-Migrate's commands."""
        return self._group().get_command(ctx, name)
