"""Configuration: one class of defaults, overridden by PORTAL_* environment variables."""

import base64
import logging
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from portal import maps, task_calendar

ROOT = Path(__file__).resolve().parent.parent
# Environment variables that were renamed, new name → old name: the old one is still read when the new one
# is unset, with a warning (once per process) so that deployments update their environment.
RENAMED_ENVIRONMENT = {"PORTAL_DASHBOARD_MIN_REPORTS": "PORTAL_DASHBOARD_MIN_CASES"}
_warned_renamed = set()
log = logging.getLogger(__name__)


class ConfigError(RuntimeError):
    """The configuration cannot run the portal safely."""


class Config:
    """Defaults for every setting; `load` applies the environment and explicit overrides."""

    ENV = "production"
    DATA_DIR = str(ROOT / "instance")
    DATABASE_URL = None  # derived from DATA_DIR when unset
    SECRET_KEY = None
    # Encrypts reporters' identities and residents' contacts at rest (portal/encryption.py): keys, primary first.
    IDENTITY_KEY = None
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # SQL logging, if ever switched on, must not print values: they include reporters' identities.
    SQLALCHEMY_ENGINE_OPTIONS = {"hide_parameters": True}
    # How many reverse proxies set X-Forwarded-For in front of the portal (0: none).
    PROXY_COUNT = 0
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None  # a long report form must not expire while a resident types
    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "portal" / "translations")
    LANGUAGES = ("zh_Hans_CN", "en")
    # Failed logins per (account, client address) and per address over all accounts, in a window.
    LOGIN_MAX_FAILURES = 5
    LOGIN_ADDRESS_MAX_FAILURES = 20
    LOGIN_WINDOW_SECONDS = 15 * 60
    PER_PAGE = 20
    JSON_AS_ASCII = False
    # Reports: where unroutable reports go, reference prefix, tracking attempts per client.
    TRIAGE_UNIT = "兵团建设局"
    REPORT_PREFIX = "JB"
    TRACK_LIMIT = 10
    TRACK_WINDOW_SECONDS = 15 * 60
    # Anonymous reports (web form and Open311) per client address per hour.
    REPORT_LIMIT = 20
    # "Similar open reports nearby" on the report form: how far from the chosen point, and how many.
    NEARBY_METERS = 1000
    NEARBY_LIMIT = 5
    # Five evidence files of 10 MB each, plus the form itself.
    MAX_CONTENT_LENGTH = 52 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 500 * 1024
    # Images (evidence and attachments) may decode to as many bytes as a colour image of this many
    # megapixels; larger baseline JPEGs are decoded at reduced scale, anything else larger is refused.
    EVIDENCE_MAX_MEGAPIXELS = 24
    # Mail: without MAIL_SERVER, `portal send-mail` writes .eml files under DATA_DIR/mail.
    MAIL_SERVER = ""
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME = ""
    # Empty default; set by PORTAL_MAIL_PASSWORD.
    MAIL_PASSWORD = ""  # nosec B105
    MAIL_SENDER = "noreply@portal.invalid"
    # The address residents reach the portal at: every absolute link (emails, feeds, API, Open311) starts with it.
    PUBLIC_URL = "http://127.0.0.1:5000"
    # Host names answered besides PUBLIC_URL's; in production any other Host header is a 400 (see `load`).
    TRUSTED_HOSTS = None
    # Open311: requests per API key per hour.
    API_KEY_HOURLY_LIMIT = 120
    # Hearings: the announcement runs at least this many working days before the hearing day.
    HEARING_NOTICE_WORKING_DAYS = 10
    # Consultations: an EIA comment period lasts at least this many working days (环境影响评价公众参与办法);
    # a published comment is hidden for review once this many different clients have flagged it.
    EIA_MIN_WORKING_DAYS = 10
    # Task reports (落实情况): a period's report is due on day DD of the MM-th month after the period ends
    # ("01-31": the annual report of 2026 by 31 January 2027); the accountability matrix starts at the first
    # year; `portal tick` reminds the lead unit's administrators this many days before the due date.
    # The reports required each year (portal/task_calendar.py): "annual", or "annual,H1" (also 半年报).
    TASK_REPORT_DUE = "01-31"
    TASK_REPORT_PERIODS = "annual"
    TASK_REPORT_FIRST_YEAR = 2024
    TASK_REPORT_REMINDER_DAYS = 14
    COMMENT_FLAG_LIMIT = 3
    # Litigation requests: all the documents a handling unit hands over with one answer (and after it) come to
    # at most this many megabytes together (each file at most 20 MB, as attachments; an upload's request is
    # limited by MAX_CONTENT_LENGTH too).
    LITIGATION_FILES_MAX_MB = 50.0
    # Subscription requests per client per hour, so the form cannot be used to mail-bomb an address.
    SUBSCRIPTION_LIMIT = 10
    # Search: the index directory (a link to its current generation; DATA_DIR/search when unset), and how
    # long a drain of the search outbox waits for the index's writer lock. Web requests drain right after
    # their commit, so the wait is kept short; a locked index leaves the rows for `portal tick`.
    SEARCH_DIR = None
    # The search engine: "whoosh" (an index directory on this host, the embedded default) or "postgresql"
    # (documents in the portal's PostgreSQL database, written with the change; for several app hosts).
    SEARCH_ENGINE = "whoosh"
    # Stored files (evidence, its originals, consultation and disclosure attachments, litigation documents), relative paths under
    # this folder (DATA_DIR when unset). Several app hosts share one by mounting the same folder here.
    FILES_DIR = None
    SEARCH_WRITE_TIMEOUT = 2.0
    # Stored files no row refers to (left by a process killed between writing a file and committing its
    # row) are removed by `portal tick` once older than this; younger ones may belong to a submission
    # still in flight.
    ORPHAN_FILE_GRACE_SECONDS = 3600
    # Dashboard: a unit's handling record is shown once it has this many reports (fewer say little).
    DASHBOARD_MIN_REPORTS = 5
    # The footer's site information: the owner (主办单位), a contact line, the MIIT ICP filing number
    # (ICP备案号) and the public security filing (公安机关备案号). Empty by default: a line that is not
    # configured is left out, so a portal never names an owner or a filing it does not have.
    SITE_OWNER = ""
    SITE_CONTACT = ""
    ICP_NUMBER = ""
    PUBLIC_SECURITY_FILING = ""
    # The licence of the open data (JSON API, Atom feeds, CSV exports): named on /developers and sent
    # with every such answer as a `Link: <url>; rel="license"` header.
    DATA_LICENCE = "CC BY 4.0"
    DATA_LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
    # The bulk files of /data (portal/services/datasets.py): their folder (DATA_DIR/open-data when unset;
    # several app hosts share one, like FILES_DIR), and the local hour after which `portal tick` writes
    # the day's files.
    OPEN_DATA_DIR = None
    OPEN_DATA_HOUR = 3
    # Maps (portal/maps.py): an XYZ tile URL template ({z}, {x}, {y}, optionally {key}); empty, no map anywhere.
    # The attribution the tile service asks for is shown on every map; the key replaces {key}, never logged.
    MAP_TILES = ""
    MAP_LABELS = ""  # optional: a layer of place names drawn over the tiles (天地图's cva_w)
    MAP_ATTRIBUTION = ""
    MAP_KEY = ""
    # The page cache (portal/caching.py): megabytes of rendered public answers each process keeps (0: no
    # cache, answers still get ETags and 304s), and the seconds after which an entry is rendered again
    # even though no data changed, so that what the clock alone changes (a deadline passing) shows.
    PAGE_CACHE_MB = 16.0
    PAGE_CACHE_SECONDS = 60

    # Environment variables read by `load`, with the type they are parsed as.
    ENVIRONMENT = {
        "PORTAL_ENV": ("ENV", str),
        "PORTAL_DATA_DIR": ("DATA_DIR", str),
        "PORTAL_DATABASE_URL": ("DATABASE_URL", str),
        "PORTAL_FILES_DIR": ("FILES_DIR", str),
        "PORTAL_SEARCH_ENGINE": ("SEARCH_ENGINE", str),
        "PORTAL_SECRET_KEY": ("SECRET_KEY", str),
        "PORTAL_IDENTITY_KEY": ("IDENTITY_KEY", str),
        "PORTAL_LOGIN_MAX_FAILURES": ("LOGIN_MAX_FAILURES", int),
        "PORTAL_LOGIN_ADDRESS_MAX_FAILURES": ("LOGIN_ADDRESS_MAX_FAILURES", int),
        "PORTAL_LOGIN_WINDOW_SECONDS": ("LOGIN_WINDOW_SECONDS", int),
        "PORTAL_PROXY_COUNT": ("PROXY_COUNT", int),
        "PORTAL_TRIAGE_UNIT": ("TRIAGE_UNIT", str),
        "PORTAL_TRACK_LIMIT": ("TRACK_LIMIT", int),
        "PORTAL_EVIDENCE_MAX_MEGAPIXELS": ("EVIDENCE_MAX_MEGAPIXELS", int),
        "PORTAL_REPORT_LIMIT": ("REPORT_LIMIT", int),
        "PORTAL_NEARBY_METERS": ("NEARBY_METERS", int),
        "PORTAL_MAIL_SERVER": ("MAIL_SERVER", str),
        "PORTAL_MAIL_PORT": ("MAIL_PORT", int),
        "PORTAL_MAIL_USE_TLS": ("MAIL_USE_TLS", lambda v: v.lower() in ("1", "true", "yes")),
        "PORTAL_MAIL_USERNAME": ("MAIL_USERNAME", str),
        "PORTAL_MAIL_PASSWORD": ("MAIL_PASSWORD", str),
        "PORTAL_MAIL_SENDER": ("MAIL_SENDER", str),
        "PORTAL_PUBLIC_URL": ("PUBLIC_URL", str),
        "PORTAL_TRUSTED_HOSTS": (
            "TRUSTED_HOSTS",
            lambda v: [h.strip() for h in v.split(",") if h.strip()],
        ),
        "PORTAL_API_KEY_HOURLY_LIMIT": ("API_KEY_HOURLY_LIMIT", int),
        "PORTAL_HEARING_NOTICE_WORKING_DAYS": ("HEARING_NOTICE_WORKING_DAYS", int),
        "PORTAL_EIA_MIN_WORKING_DAYS": ("EIA_MIN_WORKING_DAYS", int),
        "PORTAL_TASK_REPORT_DUE": ("TASK_REPORT_DUE", str),
        "PORTAL_TASK_REPORT_PERIODS": ("TASK_REPORT_PERIODS", str),
        "PORTAL_TASK_REPORT_FIRST_YEAR": ("TASK_REPORT_FIRST_YEAR", int),
        "PORTAL_TASK_REPORT_REMINDER_DAYS": ("TASK_REPORT_REMINDER_DAYS", int),
        "PORTAL_COMMENT_FLAG_LIMIT": ("COMMENT_FLAG_LIMIT", int),
        "PORTAL_LITIGATION_FILES_MAX_MB": ("LITIGATION_FILES_MAX_MB", float),
        "PORTAL_SUBSCRIPTION_LIMIT": ("SUBSCRIPTION_LIMIT", int),
        "PORTAL_SEARCH_DIR": ("SEARCH_DIR", str),
        "PORTAL_SEARCH_WRITE_TIMEOUT": ("SEARCH_WRITE_TIMEOUT", float),
        "PORTAL_DASHBOARD_MIN_REPORTS": ("DASHBOARD_MIN_REPORTS", int),
        "PORTAL_ORPHAN_FILE_GRACE_SECONDS": ("ORPHAN_FILE_GRACE_SECONDS", int),
        "PORTAL_SITE_OWNER": ("SITE_OWNER", str),
        "PORTAL_SITE_CONTACT": ("SITE_CONTACT", str),
        "PORTAL_ICP_NUMBER": ("ICP_NUMBER", str),
        "PORTAL_PUBLIC_SECURITY_FILING": ("PUBLIC_SECURITY_FILING", str),
        "PORTAL_DATA_LICENCE": ("DATA_LICENCE", str),
        "PORTAL_DATA_LICENCE_URL": ("DATA_LICENCE_URL", str),
        "PORTAL_OPEN_DATA_DIR": ("OPEN_DATA_DIR", str),
        "PORTAL_OPEN_DATA_HOUR": ("OPEN_DATA_HOUR", int),
        "PORTAL_MAP_TILES": ("MAP_TILES", str),
        "PORTAL_MAP_LABELS": ("MAP_LABELS", str),
        "PORTAL_MAP_ATTRIBUTION": ("MAP_ATTRIBUTION", str),
        "PORTAL_MAP_KEY": ("MAP_KEY", str),
        "PORTAL_PAGE_CACHE_MB": ("PAGE_CACHE_MB", float),
        "PORTAL_PAGE_CACHE_SECONDS": ("PAGE_CACHE_SECONDS", int),
        "PORTAL_CLOCK_ACCEPTANCE_DAYS": ("CLOCK_ACCEPTANCE_DAYS", int),
        "PORTAL_CLOCK_ACCEPTANCE_WORKING_DAYS": ("CLOCK_ACCEPTANCE_WORKING_DAYS", str),
        "PORTAL_CLOCK_CLOSURE_DAYS": ("CLOCK_CLOSURE_DAYS", int),
        "PORTAL_CLOCK_CLOSURE_WORKING_DAYS": ("CLOCK_CLOSURE_WORKING_DAYS", str),
        "PORTAL_CLOCK_APPEAL_DAYS": ("CLOCK_APPEAL_DAYS", int),
        "PORTAL_CLOCK_APPEAL_WORKING_DAYS": ("CLOCK_APPEAL_WORKING_DAYS", str),
    }


def load(overrides=None, environ=None):
    """Return the settings dict: defaults, then PORTAL_* variables, then `overrides`."""
    environ = os.environ if environ is None else environ
    settings = {k: getattr(Config, k) for k in dir(Config) if k.isupper() and k != "ENVIRONMENT"}
    for variable, (key, kind) in Config.ENVIRONMENT.items():
        if not environ.get(variable) and environ.get(RENAMED_ENVIRONMENT.get(variable, "")):
            variable = _renamed(variable)
        if environ.get(variable):
            try:
                settings[key] = kind(environ[variable])
            except ValueError as exc:
                raise ConfigError(f"{variable}: {exc}") from exc
    settings.update(overrides or {})
    data_dir = Path(settings["DATA_DIR"]).resolve()
    settings["DATA_DIR"] = str(data_dir)
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{data_dir / 'portal.db'}"
    settings["SQLALCHEMY_DATABASE_URI"] = settings["DATABASE_URL"]
    _check_search_engine(settings)
    _check_task_calendar(settings)
    if problem := maps.problems(settings):
        raise ConfigError(problem)
    # Made absolute, never resolved: the path is a link that a rebuild points at a new directory.
    settings["FILES_DIR"] = str(Path(settings["FILES_DIR"] or data_dir).resolve())
    settings["SEARCH_DIR"] = os.path.abspath(settings["SEARCH_DIR"] or data_dir / "search")
    settings["OPEN_DATA_DIR"] = str(
        Path(settings["OPEN_DATA_DIR"] or data_dir / "open-data").resolve()
    )
    if not 0 <= settings["OPEN_DATA_HOUR"] <= 23:
        raise ConfigError(
            f"PORTAL_OPEN_DATA_HOUR: {settings['OPEN_DATA_HOUR']} is not an hour of the day (0 to 23)."
        )
    settings["SECRET_KEY"] = settings["SECRET_KEY"] or _development_secret(settings)
    settings["IDENTITY_KEY"] = settings["IDENTITY_KEY"] or _development_secret(
        settings,
        "identity_key",
        "PORTAL_IDENTITY_KEY",
        lambda: base64.urlsafe_b64encode(os.urandom(32)).decode(),
    )
    settings["SESSION_COOKIE_SECURE"] = settings["ENV"] == "production"
    settings["TRUSTED_HOSTS"] = _trusted_hosts(settings)
    return settings


def _check_task_calendar(settings):
    """The reporting calendar of task reports is one the portal knows, with a due rule it can compute."""
    for variable, key, parse in (
        ("PORTAL_TASK_REPORT_DUE", "TASK_REPORT_DUE", task_calendar.parse_due),
        ("PORTAL_TASK_REPORT_PERIODS", "TASK_REPORT_PERIODS", task_calendar.parse_periods),
    ):
        try:
            parse(settings[key])
        except ValueError as exc:
            raise ConfigError(f"{variable}: {exc}") from exc


def _check_search_engine(settings):
    """The engine is one of the two, and the PostgreSQL engine runs on a PostgreSQL database."""
    engine = settings["SEARCH_ENGINE"]
    if engine not in ("whoosh", "postgresql"):
        raise ConfigError(
            f"PORTAL_SEARCH_ENGINE: {engine!r} is not an engine; use whoosh or postgresql."
        )
    if engine == "postgresql" and not settings["DATABASE_URL"].startswith("postgresql"):
        raise ConfigError(
            "PORTAL_SEARCH_ENGINE=postgresql keeps the search documents in the portal's database, which must "
            "then be PostgreSQL (PORTAL_DATABASE_URL=postgresql+psycopg://user@host/portal); "
            f"this portal's database is {settings['DATABASE_URL'].split(':', 1)[0]}."
        )


def _renamed(variable):
    """The old name of `variable`, read in its place; the first time, a warning naming the new one."""
    old = RENAMED_ENVIRONMENT[variable]
    if old not in _warned_renamed:
        _warned_renamed.add(old)
        log.warning(
            "%s is deprecated: set %s instead (the old name is read while the new one is unset)",
            old,
            variable,
        )
    return old


def _trusted_hosts(settings):
    """In production (or when hosts are listed), PUBLIC_URL's host plus the listed ones; else None (any)."""
    listed = settings["TRUSTED_HOSTS"]
    if settings["ENV"] != "production" and not listed:
        return None
    public_host = urlsplit(settings["PUBLIC_URL"]).hostname
    return [host for host in [public_host, *(listed or [])] if host]


def _development_secret(
    settings,
    name="secret_key",
    variable="PORTAL_SECRET_KEY",
    generate=lambda: secrets.token_urlsafe(48),
):
    """Outside production, keep a generated key in the data directory so sessions (and identities) survive restarts."""
    if settings["ENV"] == "production":
        raise ConfigError(
            f"{variable} must be set in production (or set PORTAL_ENV=development for a local run)."
        )
    path = Path(settings["DATA_DIR"]) / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created 0600 from the start: the key never exists readable by others, even for a moment.
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process starting at the same moment made it
            pass
        else:
            with os.fdopen(descriptor, "w") as file:
                file.write(generate())
    return path.read_text().strip()
