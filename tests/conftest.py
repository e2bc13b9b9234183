"""Fixtures: every test gets a fresh database (SQLite, or PostgreSQL when PORTAL_DATABASE_URL names
one) and a fresh data directory, copied from templates migrated once per run."""

import os
import re
import shutil
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db

# A fixed identity key (32 bytes, base64url), so test databases copied from a template stay readable.
TEST_IDENTITY_KEY = "dGVzdC1pZGVudGl0eS1rZXktMzItYnl0ZXMtbG9uZyE="
SERVER_URL = os.environ.get("PORTAL_DATABASE_URL", "")
ON_POSTGRES = SERVER_URL.startswith("postgresql")


def pytest_report_header(config):
    """Say which database the run uses."""
    return f"portal database: {'PostgreSQL ' + make_url(SERVER_URL).database if ON_POSTGRES else 'SQLite'}"


# The longest tests (45–100 s each) are handed out first: collected last, they ran alone at the end of a run
# while the other pytest-xdist worker had finished.
LONGEST_FIRST = (
    "tests/test_crash_safety.py",
    "tests/test_backup.py",
    "tests/search/test_bench_smoke.py",
)


def pytest_collection_modifyitems(items):
    """Move the longest tests to the front; the rest keep their order."""
    items.sort(key=lambda item: item.nodeid.split("::")[0] not in LONGEST_FIRST)


def settings(data_dir, database_url, **extra):
    """Test configuration for `create_app`."""
    return {
        "ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "IDENTITY_KEY": TEST_IDENTITY_KEY,
        "DATA_DIR": str(data_dir),
        # Stored files apart from the rest of the data directory, as on hosts that share one files folder:
        # code that looks for a file under DATA_DIR fails here.
        "FILES_DIR": str(Path(data_dir) / "files"),
        "DATABASE_URL": database_url,
        # PORTAL_TEST_SEARCH_ENGINE=postgresql runs the tests on the in-database engine (PostgreSQL only).
        "SEARCH_ENGINE": os.environ.get("PORTAL_TEST_SEARCH_ENGINE", "whoosh"),
        # Absolute links (feeds, API) are built from this, never from the request's Host header.
        "PUBLIC_URL": "http://localhost",
        **extra,
    }


def _drain_template_outbox(app):
    """Index what the template's outbox holds, as `portal init` does on a new database."""
    from portal.services import search

    with app.app_context():
        search.drain(app.config, limit=10_000)
        db.session.remove()


def build(app, with_policy):
    """Migrate the app's database, and import the bundled policy when asked."""
    from flask_migrate import upgrade

    from portal.policy import bundled_text
    from portal.services.setup import bootstrap

    with app.app_context():
        upgrade()
        if with_policy:
            bootstrap(bundled_text())
            db.session.commit()
        db.session.remove()
        db.engine.dispose()


class SQLiteDatabases:
    """Templates are files; a test's database is a copy."""

    def __init__(self, root):
        self.root = root
        self.files = {}  # template → the data directory its preparation wrote files into

    def template(self, name, with_policy, prepare=None):
        path = self.root / f"{name}.db"
        data_dir = self.root / name
        app = create_app(settings(data_dir, f"sqlite:///{path}"))
        build(app, with_policy)
        if prepare is not None:
            prepare(app)
            self.files[path] = data_dir
        return path

    @contextmanager
    def database(self, template, data_dir):
        _copy_files(self.files.get(template), data_dir)
        path = data_dir / "portal.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"


def _copy_files(source, data_dir):
    """Copy what a prepared template wrote under its data directory (stored files) into a test's."""
    if source is not None and source.is_dir():
        shutil.copytree(source, data_dir, dirs_exist_ok=True)


class PostgresDatabases:
    """Templates are databases; a test gets a database made from its template, or a used one put back as it."""

    # CREATE DATABASE … TEMPLATE writes the whole ~10 MB database (its catalogs mostly) into the WAL, and
    # DROP DATABASE waits on the disk: 0.3 s and 1.1 s under load, once each per test, were most of the
    # PostgreSQL run. The templates hold a few hundred rows, so a used database is put back instead: the
    # tables the test wrote are emptied and get the template's rows again, and every sequence its value.
    # A test that changed the schema (the migration tests) leaves catalogs that differ from the
    # template's; its database is dropped and a new one made. Test databases commit without waiting for
    # the disk: `synchronous_commit` is set on each database, never in the server's configuration, and
    # matters only if PostgreSQL crashes.

    def __init__(self, url, root):
        self.url = make_url(url)
        self.root = root
        self.files = {}  # template → the data directory its preparation wrote files into
        # Under pytest-xdist each worker keeps its own templates and databases: `make test` runs two workers.
        worker = os.environ.get("PYTEST_XDIST_WORKER", "")
        self.prefix = re.sub(r"\W", "_", f"{self.url.database}_{worker}".rstrip("_"))
        self.admin = sa.create_engine(
            self.url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
        )
        self.made = []
        self.snapshots = {}  # template → Snapshot
        self.used = {}  # template → [(name, its connection)] of databases a finished test used

    def _create(self, name, template=None):
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            suffix = f' TEMPLATE "{template}"' if template else ""
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"{suffix}')
        return self.url.set(database=name).render_as_string(hide_password=False)

    def drop(self, name):
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _connect(self, name):
        url = self.url.set(drivername="postgresql", database=name).render_as_string(
            hide_password=False
        )
        return psycopg.connect(url, autocommit=True)

    def template(self, name, with_policy, prepare=None):
        database = f"{self.prefix}_tpl_{name}"
        url = self._create(database)
        self.made.append(database)
        # Built as the Whoosh engine leaves it (the policy's rows wait in the outbox); `make_app` drains them
        # into the database's search documents when it runs the in-database engine.
        data_dir = self.root / name
        app = create_app(settings(data_dir, url, SEARCH_ENGINE="whoosh"))
        build(app, with_policy)
        if prepare is not None:
            prepare(app)
            self.files[database] = data_dir
        with self._connect(database) as connection:
            self.snapshots[database] = Snapshot.take(connection)
        self.used[database] = []
        return database

    def _fresh(self, template):
        name = f"{self.prefix}_t_{uuid.uuid4().hex[:12]}"
        self._create(name, template)
        self.made.append(name)
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        return name, self._connect(name)

    @contextmanager
    def database(self, template, data_dir):
        used, snapshot = self.used[template], self.snapshots[template]
        taken = None
        while used and taken is None:
            name, connection = used.pop()
            if snapshot.restore(connection):
                taken = name, connection
            else:
                connection.close()
                self.drop(name)
                self.made.remove(name)
        taken = taken or self._fresh(template)
        _copy_files(self.files.get(template), data_dir)
        try:
            yield self.url.set(database=taken[0]).render_as_string(hide_password=False)
        finally:
            used.append(taken)

    def close(self):
        for used in self.used.values():
            for _name, connection in used:
                connection.close()
        for name in self.made:
            self.drop(name)
        self.admin.dispose()


# Catalog rows keep the xmin of the transaction that wrote them, and a database made from a template copies
# them unchanged: equal fingerprints mean no table, column, type, constraint, trigger or function changed.
# Objects below FirstNormalObjectId (16384) are the system's own, the same in every database.
CATALOGS = " || ".join(
    f"(SELECT md5(string_agg({key} || ':' || xmin::text, ',' ORDER BY {key})) FROM {catalog} WHERE {owner} >= 16384)"
    for catalog, key, owner in (
        ("pg_class", "oid", "oid"),
        ("pg_type", "oid", "oid"),
        ("pg_constraint", "oid", "oid"),
        ("pg_trigger", "oid", "oid"),
        ("pg_proc", "oid", "oid"),
        ("pg_attribute", "attrelid::text || '.' || attnum::text", "attrelid"),
    )
)


@dataclass
class Snapshot:
    """A template database's rows (COPY format) and sequence values, and the fingerprint of its catalogs."""

    fingerprint: str
    tables: dict  # table → its rows in COPY format, for every table of the public schema
    sequences: str  # one statement that sets every sequence as in the template
    states: str  # a query of each table's row count and newest row version, in `tables` order
    written: dict = field(default_factory=dict)  # connection → the states after its last restore

    @classmethod
    def take(cls, connection):
        """Read everything `restore` needs from the template behind `connection`."""
        names = [
            name
            for (name,) in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        tables = {}
        for name in names:
            with connection.cursor().copy(f'COPY "{name}" TO STDOUT') as copy:
                tables[name] = b"".join(bytes(block) for block in copy)
        sequences = []
        for (name,) in connection.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
        ).fetchall():
            value, called = connection.execute(
                f'SELECT last_value, is_called FROM "{name}"'
            ).fetchone()
            sequences.append(f"setval('\"{name}\"', {value}, {called})")
        # Any insert, update or delete gives a table a different count or a newer row version (xmin).
        states = "SELECT " + ", ".join(
            f"(SELECT count(*) || ':' || coalesce(max(xmin::text::bigint), 0) FROM \"{name}\")"
            for name in names
        )
        fingerprint = connection.execute(f"SELECT {CATALOGS}").fetchone()[0]
        return cls(fingerprint, tables, "SELECT " + ", ".join(sequences), states)

    def restore(self, connection):
        """Put the template's rows and sequences back through `connection`; False (nothing done) if the schema differs."""
        # A server a test started may still hold a connection for a moment after it was stopped.
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        if connection.execute(f"SELECT {CATALOGS}").fetchone()[0] != self.fingerprint:
            self.written.pop(connection, None)
            return False
        before = self.written.get(connection)
        now = connection.execute(self.states).fetchone()
        changed = [
            name
            for name, was, state in zip(self.tables, before or [None] * len(now), now, strict=True)
            if was != state
        ]
        with connection.transaction():
            # Replica mode skips triggers, foreign keys included: rows go in any order, and the append-only
            # tables' guards (which refuse DELETE) let the test's rows go.
            connection.execute(
                "SET LOCAL session_replication_role = replica; "
                + " ".join(f'DELETE FROM "{name}";' for name in changed)
            )
            for name in changed:
                if self.tables[name]:
                    with connection.cursor().copy(f'COPY "{name}" FROM STDIN') as copy:
                        copy.write(self.tables[name])
            if self.sequences != "SELECT ":
                connection.execute(self.sequences)
        self.written[connection] = connection.execute(self.states).fetchone()
        return True


@pytest.fixture(scope="session", autouse=True)
def quick_password_hashing():
    """Staff passwords made in the test process are hashed with scrypt at N=2¹⁰ instead of Werkzeug's 2¹⁵."""
    # Each hash and each login check cost ~160 ms at 2¹⁵, 1/32 of that at 2¹⁰. Only the cost parameter
    # changes and only here: a stored hash names its parameters, so checks follow; production (and the
    # servers tests start as processes) keeps the default; no test is about the hash's cost.
    from portal.services import accounts

    production = accounts.generate_password_hash

    def cheaper(password, method="scrypt", salt_length=16):
        return production(
            password, "scrypt:1024:8:1" if method == "scrypt" else method, salt_length
        )

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "generate_password_hash", cheaper)
        accounts._dummy_hash.cache_clear()
        yield
    accounts._dummy_hash.cache_clear()


@pytest.fixture(scope="session", autouse=True)
def shared_url_builders():
    """Apps made in the test process share their compiled URL builders: each is compiled once per run."""
    # Generating and compiling the same ~120 builders was most of `create_app`'s ~95 ms, once or more per
    # test. A builder is code made from its rule's parts and defaults only, and gets the rule as an
    # argument, so apps can share it; the cache key is exactly what the code is made from.
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    compiled = {}

    def shared(rule, append_unknown=True):
        defaults = rule.defaults or {}
        resolved = tuple(
            (
                name,
                rule._converters[name].to_url(value) if name in rule._converters else repr(value),
            )
            for name, value in defaults.items()
        )
        key = (rule.rule, tuple(rule._trace), resolved, append_unknown)
        if key not in compiled:
            compiled[key] = compile_builder(rule, append_unknown)
        return compiled[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Rule, "_compile_builder", shared)
        yield


class ServerLikeClient(FlaskClient):
    """A test client that reads the whole body and then closes the response, as a WSGI server does.

    Werkzeug's client leaves an unbuffered response open; the portal drains the search outbox when the
    server closes the response, so tests that search right after a change need it closed. A test may
    still pass `buffered=False` to hold the response open.
    """

    def open(self, *args, buffered=True, **kwargs):
        """Like FlaskClient.open, buffered (and so closed) unless told otherwise."""
        return super().open(*args, buffered=buffered, **kwargs)


class Templates(dict):
    """The run's templates by name: "empty", "policy", and "demo" (the policy and `portal demo`'s sample
    data, left unindexed as the policy is) built the first time a test asks for it.

    Loading the sample data took 6–25 s a time (more on PostgreSQL, and under load), and some 60 tests
    loaded it; each now gets a copy of the database and of the stored files.
    """

    def __init__(self, server):
        super().__init__(
            empty=server.template("empty", False), policy=server.template("policy", True)
        )
        self.server = server
        self.demo_lines = None  # what `load_demo` returned when the demo template was built

    def __missing__(self, name):
        if name != "demo":
            raise KeyError(name)
        self["demo"] = self.server.template("demo", True, prepare=self._load_demo)
        return self["demo"]

    def _load_demo(self, app):
        from portal.services import demo

        with app.app_context():
            self.demo_lines = demo.load_demo(app.config)
            db.session.commit()
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    """The run's database server (or SQLite) with its templates."""
    root = tmp_path_factory.mktemp("templates")
    server = PostgresDatabases(SERVER_URL, root) if ON_POSTGRES else SQLiteDatabases(root)
    yield server, Templates(server)
    if ON_POSTGRES:
        server.close()


@pytest.fixture
def demo_lines(databases):
    """The lines `portal demo` printed when it loaded the demo template (receipt codes, management links)."""
    _server, templates = databases
    templates["demo"]
    return templates.demo_lines


@contextmanager
def app_on_template(databases, template, data_dir, **extra):
    """An app on a fresh database copied from `template` ("empty", "policy" or "demo"), its data in `data_dir`."""
    server, templates = databases
    with server.database(templates[template], data_dir) as url:
        app = create_app(settings(data_dir, url, **extra))
        app.test_client_class = ServerLikeClient
        if app.config["SEARCH_ENGINE"] == "postgresql":
            _drain_template_outbox(app)
        try:
            yield app
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


@pytest.fixture
def make_app(databases, tmp_path, request):
    """Build an app on a fresh database: `make_app()` with the policy, `make_app(policy=False)` bare,
    `make_app(demo=True)` with the policy and the sample data."""
    made = []
    whoosh_only = request.node.get_closest_marker("whoosh") is not None

    def factory(policy=True, demo=False, **extra):
        if whoosh_only:
            extra.setdefault("SEARCH_ENGINE", "whoosh")
        data_dir = tmp_path / f"data{len(made)}"
        data_dir.mkdir()
        template = "demo" if demo else "policy" if policy else "empty"
        context = app_on_template(databases, template, data_dir, **extra)
        made.append(context)
        return context.__enter__()

    yield factory
    for context in reversed(made):
        context.__exit__(None, None, None)


@pytest.fixture
def app(make_app):
    """An app whose database has the bundled policy imported."""
    return make_app()


@pytest.fixture
def demo_app(make_app):
    """An app whose database has the bundled policy and the sample data (`portal demo`), not yet indexed."""
    return make_app(demo=True)


@pytest.fixture
def client(app):
    """A test client for `app`."""
    return app.test_client()


@pytest.fixture
def app_context(app):
    """An application context for service-level tests."""
    with app.app_context():
        yield app


@contextmanager
def serving(app):
    """Serve `app` with Werkzeug on a free port of 127.0.0.1, in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def live_server(app):
    """`app` served on a free port of 127.0.0.1; its base URL."""
    with serving(app) as url:
        yield url


@pytest.fixture
def demo_server(demo_app):
    """`demo_app` served on a free port of 127.0.0.1; its base URL."""
    with serving(demo_app) as url:
        yield url


@pytest.fixture
def english_context(app):
    """An application context speaking English (the msgids), for tests that read service messages."""
    from flask_babel import force_locale

    with app.app_context(), force_locale("en"):
        yield app


# --- Chromium (Debian's, driven by Playwright) for tests/browser/ and the accessibility checks elsewhere ---
CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the run; never downloaded, always Debian's."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: apt-get install chromium fonts-wqy-microhei"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) with a phone-sized viewport."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()
