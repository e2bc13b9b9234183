"""gunicorn behind nginx (deploy/nginx.conf), for `make serve`: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Sync workers are right here because nginx hands each one a whole request and takes its whole answer:
no worker ever waits on a slow client. Read once at start; the GUNICORN_* variables override the defaults.
"""

import gc
import multiprocessing
import os
import re
import sys

from gunicorn.glogging import Logger

# deploy/serve sets this to the socket nginx connects to; a port (127.0.0.1:8001) works as well.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
# The usual 2 × cores + 1: a worker waiting on the database leaves the core to another.
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1))
worker_class = "sync"
# A request still running after this is stuck: the worker is killed and replaced (nginx waits longer).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
# On SIGTERM (and at each restart below) a worker finishes the request it is serving for up to this long.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 20))
# Each worker is replaced after about this many requests, staggered by the jitter so that they are not
# all restarting at once: whatever a long-lived process accumulates (memory, caches) starts afresh.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", 200))
# Workers fork from an app imported once (and prepared by `on_starting` below): a worker restart costs
# milliseconds, not an import. Nothing is opened at import, and `on_starting` works in a child of its own.
preload_app = True
# No control socket (gunicorn ≥ 25): it would be one path under $HOME for every server on the machine;
# signals to the master do its work (TERM stops, HUP reloads, TTIN/TTOU add or remove a worker).
control_socket_disable = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The path only (%(U)s, never the query string), with private links redacted as in nginx's log.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'

PRIVATE_LINKS = (
    (re.compile(r"^(/reports/track/[^/]*/)[^/]+"), r"\1[redacted]"),
    (re.compile(r"^(/subscriptions/(?:confirm|unsubscribe)/).*"), r"\1[redacted]"),
)


class RedactingLogger(Logger):
    """gunicorn's logger, with residents' private links (report tracking, subscriptions) redacted in the access log."""

    def atoms(self, resp, req, environ, request_time):
        """The access log's values, with the path's private part replaced by `[redacted]`."""
        values = super().atoms(resp, req, environ, request_time)
        path = values["U"]
        for pattern, replacement in PRIVATE_LINKS:
            path = pattern.sub(replacement, path)
        values["U"] = path
        return values


logger_class = RedactingLogger


def on_starting(server):
    """`portal init` (migrate, import the policy, prepare the search index) before any worker starts.

    It runs in a child forked from the master, so that the master keeps only the imported app: each
    worker is forked from the master and its RSS counts the master's pages, to which init's Alembic,
    policy import and index building would add megabytes (bench/README.md, "Memory").
    """
    app = server.app.wsgi()
    sys.stdout.flush()
    sys.stderr.flush()
    child = os.fork()
    if child == 0:
        status = 1
        try:
            status = _init(app)
        finally:
            os._exit(status)  # never return into gunicorn's code as a second master
    _, status = os.waitpid(child, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"portal init failed (exit status {code}); not serving")
    # What pages import on first use is imported here, once: each worker then counts only what it runs of it.
    from portal import import_serving_libraries

    import_serving_libraries()


def _init(app):
    """Run `portal init` on `app` (in the forked child), close its connections; its exit status."""
    import traceback

    import click
    from flask.cli import ScriptInfo

    from portal.extensions import db

    status = 1
    try:
        # The imported app does it: a separate `flask portal init` would cost a second import of the portal.
        app.cli.main(
            ["portal", "init"],
            prog_name="portal",
            standalone_mode=False,
            obj=ScriptInfo(create_app=lambda: app),
        )
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        status = 0
    except click.ClickException as error:
        error.show()
    except BaseException:  # whatever failed is told before the child exits with status 1
        traceback.print_exc()
    sys.stdout.flush()
    sys.stderr.flush()
    return status


def pre_fork(server, worker):
    """Freeze the master's objects before forking a worker, so the worker's collector never walks them."""
    # A collection in a worker (and the last ones at its exit) would otherwise write to every inherited
    # object, copying the master's pages: a worker stopping took 2.3 s of CPU, 0.4 s once frozen.
    gc.freeze()
