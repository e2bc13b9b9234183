"""Start gunicorn serving the portal again and again, for tests/test_crash_safety.py.

`python -m tests.crash_server HOST:PORT` imports the portal once, then for every line read on stdin
forks a gunicorn master (2 gthread workers × 4 threads) in a new session and prints its pid: the
test kills that whole process group with SIGKILL and asks for the next. Forking from an imported
app is what `gunicorn --preload` does; doing it here spares the second of imports per restart, which
is what lets 50 kills fit in the test's time. The launcher adopts and reaps the orphaned workers.
"""

import ctypes
import os
import signal
import sys

from gunicorn.app.base import BaseApplication

PR_SET_CHILD_SUBREAPER = 36


class Server(BaseApplication):
    """gunicorn with an already built app and options given in code (no command line)."""

    def __init__(self, app, options):
        self.application, self.options = app, options
        super().__init__()

    def load_config(self):
        """Apply the options."""
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        """The preloaded app."""
        return self.application


def main(bind):
    """Serve a fresh gunicorn for every line on stdin, printing each master's pid."""
    from portal.extensions import db
    from wsgi import app

    with app.app_context():
        db.engine.dispose()  # no connection may be shared with the forked servers
    # Workers orphaned by a killed master are re-parented here and reaped automatically.
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    options = {
        "bind": bind,
        "workers": 2,
        "worker_class": "gthread",
        "threads": 4,
        "loglevel": "warning",
        "timeout": 30,
        "graceful_timeout": 1,
    }
    for _line in sys.stdin:
        pid = os.fork()
        if pid == 0:
            os.setsid()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            try:
                Server(app, options).run()
            finally:
                os._exit(0)
        print(pid, flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
