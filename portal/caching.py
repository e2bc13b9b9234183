"""A whole-page cache for anonymous readers, invalidated by the change that alters a page, and 304s.

Public pages, feeds and the JSON API show every anonymous reader of a language the same thing, so each
process keeps the rendered answers in memory (least recently used dropped first, PAGE_CACHE_MB bytes
at most) under a key made of the path, the sorted query, the language and the versions of the data
domains the page shows. A domain's version is a row of `data_versions`, bumped in the transaction of
every commit that writes one of its tables; the tables written are noted as statements execute, so no
service has to remember it. The next request after a change, in any process on any host, reads the new
versions, misses and renders anew. What the clock alone changes (a deadline passing, registration
closing) shows once the entry is PAGE_CACHE_SECONDS old.

Only anonymous GET and HEAD requests are answered from the cache, and only when no flashed message
waits in the session. An answer is stored only when it is a 200 that is not private (`headers.is_private`)
or no-store, sets no cookie itself, and is not a file sent from disk; and when the session held nothing
but a CSRF token, so that the page can differ between visitors by that token alone. A page with a form
carries its visitor's token, which must never reach another visitor (their forms would be refused, and
the token's owner could be attacked): it is stored with a slot in the token's place, and each visitor
gets the page with their own token in the slot (a new visitor's session is started as a fresh render
would). Public answers get an ETag (of what this visitor receives), and stored ones a Last-Modified
(when this body was first rendered here); If-None-Match and If-Modified-Since get a 304, from the cache
without rendering when the answer is there.
"""

import contextlib
import hashlib
import os
import secrets
import sqlite3
import threading
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app, g, request, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event
from werkzeug.datastructures import Headers

from portal import headers, i18n
from portal.extensions import db
from portal.models.versions import DataVersion

DOMAINS = (
    "policy",
    "units",
    "reports",
    "routing",
    "consultations",
    "disclosures",
    "calendar",
    "search",
    "task_reports",
)
TABLE_DOMAINS = {
    "policy_documents": "policy",
    "chapters": "policy",
    "measures": "policy",
    "tasks": "policy",
    "task_units": "policy",
    "goals": "policy",
    "areas": "units",
    "units": "units",
    "unit_aliases": "units",
    # Routing has a domain of its own: every report bumps "reports", and what routes it is kept per process
    # keyed on "routing" (portal/services/reference_data.py).
    "categories": "routing",
    "routing_rules": "routing",
    "reports": "reports",
    "report_copies": "reports",
    "report_events": "reports",
    "evidence": "reports",
    "report_supporters": "reports",
    "report_merges": "reports",
    # Organisations show on the cases they support or asked the record of: they are part of "reports".
    "organisations": "reports",
    "organisation_activities": "reports",
    "organisation_supports": "reports",
    "litigation_requests": "reports",
    "litigation_documents": "reports",  # the report page says how many were handed over
    "projects": "consultations",
    "consultations": "consultations",
    "consultation_attachments": "consultations",
    "paragraphs": "consultations",
    "comments": "consultations",
    "hearings": "consultations",
    "registrations": "consultations",
    "disclosure_categories": "disclosures",
    "disclosures": "disclosures",
    "disclosure_versions": "disclosures",
    "disclosure_attachments": "disclosures",
    "observations": "disclosures",
    "holiday_overrides": "calendar",
    "task_reports": "task_reports",
    "task_report_versions": "task_reports",
    "task_report_evidence": "task_reports",
    "task_report_contributions": "task_reports",
    "task_report_contribution_changes": "task_reports",
    "task_report_evidence_changes": "task_reports",
}
# Written by requests that change nothing a public page shows (logins, counters, queued mail, the audit
# log, contacts and identities, which no public page shows, flags until a comment is hidden, which
# writes `comments`). Were they to bump, the cache would never hit. A table named nowhere bumps every domain.
UNSEEN_TABLES = frozenset(
    {
        "users",
        "api_keys",
        "rate_limit_hits",
        "audit_records",
        "mail_outbox",
        "comment_contacts",
        "comment_flags",
        "reporter_identities",
        "supporter_identities",
        "subscriptions",
        "report_notices",
        "resident_pages",
        "resident_page_entries",
        "task_report_reminders",
        "data_versions",
        "alembic_version",
    }
)
# The search index changes when the outbox is drained (its rows deleted), after the change's commit.
SEARCH_OUTBOX = "search_outbox"

NOT_SEARCH = tuple(domain for domain in DOMAINS if domain != "search")
POLICY = ("policy", "units")
DISCLOSURES = ("policy", "units", "disclosures")
CONSULTATIONS = ("policy", "units", "consultations", "calendar")
REPORTS = ("policy", "units", "reports", "routing", "calendar")
# What a page shows, where it can be said cheaply; every other page depends on every domain but search.
PAGE_DOMAINS = {
    "public.index": POLICY,
    "public.units_index": POLICY,
    "public.units_show": (*POLICY, "task_reports"),
    "public.goals_index": POLICY,
    "public.privacy": (),
    "public.accessibility": (),
    "api.measures_index": POLICY,
    "api.measures_show": POLICY,
    "api.goals_index": POLICY,
    "api.units_index": POLICY,
    "api.units_show": POLICY,
    "public.disclosures_index": DISCLOSURES,
    "public.disclosures_show": DISCLOSURES,
    "public.disclosures_version": DISCLOSURES,
    "public.disclosures_diff": DISCLOSURES,
    "public.disclosures_csv": DISCLOSURES,
    "api.disclosures_index": DISCLOSURES,
    "api.disclosures_show": DISCLOSURES,
    "feeds.disclosures_atom": DISCLOSURES,
    "feeds.unit_disclosures_atom": DISCLOSURES,
    "feeds.category_disclosures_atom": DISCLOSURES,
    "public.consultations_index": CONSULTATIONS,
    "public.consultations_show": CONSULTATIONS,
    "public.statements_show": CONSULTATIONS,
    "public.hearings_show": CONSULTATIONS,
    "public.projects_show": CONSULTATIONS,
    "feeds.consultations_atom": CONSULTATIONS,
    "api.consultations_index": CONSULTATIONS,
    "api.consultations_show": CONSULTATIONS,
    "public.reports_index": REPORTS,
    "public.reports_show": REPORTS,
    "feeds.reports_atom": REPORTS,
    "open311.requests_index": REPORTS,
    "open311.requests_show": REPORTS,
    "public.search": DOMAINS,
    "api.search": DOMAINS,
    "feeds.search_atom": DOMAINS,
}

_WRITTEN = "portal_tables_written"
_EXTENSION = "portal_page_cache"
_READER = "portal_version_reader"
_PAGE = "portal_page"  # g: the key and the cache's earlier entry for this request, when it may be cached
_REPLAYED = "portal_page_replayed"
# Bookkeeping per entry besides its body and headers (the key, the entry object, the dict slot).
ENTRY_OVERHEAD = 400
# An answer larger than this share of the cache is not stored: it would push out many smaller pages.
LARGEST_SHARE = 8


@dataclass(frozen=True)
class Entry:
    """A stored answer: what to send again (with `slot` where the visitor's CSRF token goes, if it has
    a form), a digest of the stored body, when that body was first rendered, and when to render anew."""

    status: int
    headers: tuple
    body: bytes
    slot: bytes | None
    digest: str
    last_modified: datetime
    expires: float
    size: int

    def response(self):
        """A new response object carrying this entry, with this visitor's own CSRF token in its forms."""
        body = self.body
        if self.slot is not None:
            body = body.replace(self.slot, generate_csrf().encode())
        # The body sets Content-Length anew: two visitors' tokens need not be as long.
        response = current_app.response_class(
            body, status=self.status, headers=Headers(list(self.headers))
        )
        response.add_etag(overwrite=True)
        response.last_modified = self.last_modified
        return response


class PageCache:
    """Rendered answers in one process, the least recently used dropped first once `limit` bytes are held."""

    def __init__(self, limit, seconds):
        self.limit, self.seconds = limit, seconds
        self.entries = OrderedDict()
        self.size = 0
        # Stands for the visitor's CSRF token in stored pages; random, so that no text a resident typed is it.
        self.slot = f"csrf-slot-{secrets.token_hex(16)}".encode()
        # Threaded servers answer several requests of one process at once.
        self.lock = threading.Lock()

    def get(self, key):
        """The entry under `key`, expired or not (an expired one still lends its Last-Modified), or None."""
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key, entry):
        """Store `entry` under `key` unless it is too large; drop the least recently used beyond the limit."""
        if entry.size * LARGEST_SHARE > self.limit:
            return
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= old.size
            self.entries[key] = entry
            self.size += entry.size
            while self.size > self.limit:
                _key, dropped = self.entries.popitem(last=False)
                self.size -= dropped.size


def tables_written(connection):
    """The tables written so far in `connection`'s transaction (a set, empty when none)."""
    return connection.info.get(_WRITTEN, set())


def domains_changed(tables):
    """The domains whose public data the writing of `tables` changes."""
    domains = set()
    for table in tables:
        if table in UNSEEN_TABLES:
            continue
        if table == SEARCH_OUTBOX:
            domains.add("search")
        elif table in TABLE_DOMAINS:
            domains.add(TABLE_DOMAINS[table])
        else:
            domains.update(DOMAINS)
    return domains


# Built once: every commit that changes public data runs it.
_BUMP = (
    sa.update(DataVersion.__table__)
    .where(DataVersion.__table__.c.domain.in_(sa.bindparam("domains", expanding=True)))
    .values(version=DataVersion.__table__.c.version + 1, changed_at=sa.bindparam("moment"))
)


def bump(connection, domains, now=None):
    """Add one to the version of each of `domains`, in `connection`'s transaction."""
    table = DataVersion.__table__
    now = now or datetime.now(UTC)
    wanted = sorted(
        domains
    )  # one order for every writer, so two commits never wait on each other in a cycle
    result = connection.execute(_BUMP, {"domains": wanted, "moment": now})
    if result.rowcount < len(wanted):  # a domain newer than the database's rows
        present = set(
            connection.scalars(sa.select(table.c.domain).where(table.c.domain.in_(wanted)))
        )
        connection.execute(
            sa.insert(table),
            [
                {"domain": domain, "version": 1, "changed_at": now}
                for domain in wanted
                if domain not in present
            ],
        )


class VersionReader:
    """Reads the versions on a database connection of its own per process and thread, outside the
    session and its pool: a cached answer then costs no pool checkout, transaction or teardown."""

    def __init__(self, url):
        # Autocommit: each read sees what is committed now, and no transaction is left to end (one round trip).
        self.engine = sa.create_engine(
            url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT"
        )
        self.local = threading.local()
        self.opened, self.generation = [], 0
        self.lock = threading.Lock()

    def read(self):
        """{domain: version} as committed now."""
        local = self.local
        if getattr(local, "key", None) != (
            os.getpid(),
            self.generation,
        ):  # none yet, a fork, or closed
            local.connection = self.engine.raw_connection()
            local.key = (os.getpid(), self.generation)
            with self.lock:
                self.opened.append(local.connection)
            # A server may start a thread per request (Werkzeug's, `flask run`): the connection ends with
            # its thread, or each request would leave one open until the engine is disposed.
            weakref.finalize(threading.current_thread(), self._forget, local.connection)
        connection = local.connection
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT domain, version FROM data_versions")
            versions = dict(cursor.fetchall())
            cursor.close()
            return versions
        except Exception:
            local.key = None  # a broken connection (a restarted server): the next read opens anew
            connection.invalidate()
            raise

    def _forget(self, connection):
        with self.lock:
            if connection not in self.opened:
                return  # closed already, with every other one
            self.opened.remove(connection)
        _invalidate(connection)

    def close(self, *_args):
        """Close every connection opened so far (when the app's engine is disposed)."""
        with self.lock:
            opened, self.opened = self.opened, []
            self.generation += 1
        for connection in opened:
            _invalidate(connection)


def _invalidate(connection):
    # SQLite refuses to close another thread's connection; it closes with its thread.
    with contextlib.suppress(sa.exc.SQLAlchemyError, sqlite3.ProgrammingError):
        connection.invalidate()


def read_versions():
    """{domain: version} as committed, in one small SELECT."""
    reader = current_app.extensions.get(_READER)
    if reader is not None:
        return reader.read()
    rows = db.session.connection().exec_driver_sql("SELECT domain, version FROM data_versions")
    return dict(rows.all())


def page_domains(endpoint):
    """The domains the page of `endpoint` shows."""
    return PAGE_DOMAINS.get(endpoint, NOT_SEARCH)


def page_key(versions):
    """This request's key: path, sorted query, language, and the versions of the domains its page shows."""
    shown = tuple(versions.get(domain, 0) for domain in page_domains(request.endpoint))
    query = tuple(sorted(request.args.items(multi=True)))
    return request.script_root + request.path, query, i18n.select_locale(), shown


def may_be_cached():
    """True when this request's answer is the same for every anonymous reader of its language."""
    if request.method not in ("GET", "HEAD") or request.routing_exception is not None:
        return False
    if request.endpoint in (None, "static") or headers.is_private():
        return False
    return "_flashes" not in session


def token_field():
    """The name under which Flask-WTF keeps the CSRF token (in the session, and in `g` once made)."""
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def may_be_stored(response):
    """True when `response` (to a request that may be cached) may be sent to any anonymous reader,
    once a CSRF token it carries is replaced by the reader's own."""
    if response.status_code != 200 or response.direct_passthrough or response.is_streamed:
        return False
    if "Set-Cookie" in response.headers:
        return False
    if response.cache_control.no_store or response.cache_control.private:
        return False
    if session.modified or token_field() in g:
        # Rendered from a session that held at most the token: the page can differ by the token alone.
        return set(session.keys()) <= {token_field()}
    return True


def answer_from_cache():
    """Before each request: the stored answer for an anonymous reader (a 304 when it validates), or None."""
    if not may_be_cached():
        return None
    cache = current_app.extensions.get(_EXTENSION)
    if cache is None:
        setattr(g, _PAGE, (None, None))
        return None
    key = page_key(read_versions())
    entry = cache.get(key)
    setattr(g, _PAGE, (key, entry))
    if entry is None or entry.expires <= time.monotonic():
        return None
    setattr(g, _REPLAYED, True)
    return entry.response().make_conditional(request)


def store_and_validate(response):
    """After each request (last of the hooks): store a public answer, give it validators, answer a 304."""
    if g.get(_REPLAYED):
        # The other hooks ran again on the stored headers; one that appends (Link) would repeat itself.
        unique = list(dict.fromkeys(response.headers.items()))
        response.headers.clear()
        response.headers.extend(unique)
        return response
    page = g.get(_PAGE)
    if page is None or not may_be_stored(response):
        return response
    response.vary.add("Cookie")  # the language is chosen by the portal_lang cookie
    response.add_etag()
    key, earlier = page
    if key is not None:
        cache = current_app.extensions[_EXTENSION]
        body, token, slot = response.get_data(), g.get(token_field()), None
        if token:
            body, slot = body.replace(token.encode(), cache.slot), cache.slot
        digest = hashlib.sha1(body, usedforsecurity=False).hexdigest()
        same_body = earlier is not None and earlier.digest == digest
        response.last_modified = earlier.last_modified if same_body else datetime.now(UTC)
        stored = tuple(response.headers.items())
        size = len(body) + sum(len(name) + len(value) for name, value in stored) + ENTRY_OVERHEAD
        cache.put(
            key,
            Entry(
                response.status_code,
                stored,
                body,
                slot,
                digest,
                response.last_modified,
                time.monotonic() + cache.seconds,
                size,
            ),
        )
    return response.make_conditional(request)


def _note_write(connection, statement, *_args):
    if not getattr(statement, "is_dml", False):
        return
    name = getattr(statement.table, "name", None)
    if name == SEARCH_OUTBOX and not isinstance(statement, sa.Delete):
        return  # queued with the change, which bumps its own domain; the drain's delete bumps search
    connection.info.setdefault(_WRITTEN, set()).add(name)


def _forget_writes(connection, *_args):
    connection.info.pop(_WRITTEN, None)


def _bump_before_commit(session_):
    if not session_.in_transaction():
        return
    session_.flush()  # what is still pending writes now, so that its tables are noted
    connection = session_.connection()
    domains = domains_changed(tables_written(connection))
    if domains:
        bump(connection, domains)


def watch_writes(engine):
    """Bump the versions of what each session commit changed, in its transaction."""
    for name, listener in (
        ("before_execute", _note_write),
        ("commit", _forget_writes),
        ("rollback", _forget_writes),
    ):
        if not event.contains(engine, name, listener):
            event.listen(engine, name, listener)
    if not event.contains(engine.pool, "checkin", _forget_pooled):
        event.listen(engine.pool, "checkin", _forget_pooled)
    if not event.contains(db.session, "before_commit", _bump_before_commit):
        event.listen(db.session, "before_commit", _bump_before_commit)


def _forget_pooled(_dbapi_connection, record):
    record.info.pop(_WRITTEN, None)


def init_app(app):
    """Watch the writes, hold this process's cache (unless PAGE_CACHE_MB is 0), and register the hooks."""
    with app.app_context():
        watch_writes(db.engine)
    limit = int(app.config["PAGE_CACHE_MB"] * 1024 * 1024)
    if limit > 0:
        app.extensions[_EXTENSION] = PageCache(limit, app.config["PAGE_CACHE_SECONDS"])
        reader = app.extensions[_READER] = VersionReader(app.config["SQLALCHEMY_DATABASE_URI"])
        with app.app_context():
            event.listen(db.engine, "engine_disposed", reader.close)
    # Appended, so that the refusals registered earlier (NUL characters) come first.
    app.before_request(answer_from_cache)
    # First in the list, so it runs after every other hook (Flask runs them in reverse): the stored
    # answer is the finished one, security headers and licence link included.
    app.after_request_funcs.setdefault(None, []).insert(0, store_and_validate)
