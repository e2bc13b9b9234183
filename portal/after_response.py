"""Work deferred until the server has sent a response: it runs when the server closes the response."""

from flask import request
from werkzeug.wsgi import ClosingIterator

DEFERRED = "portal.after_response"


def defer(callback):
    """Run `callback` (no arguments) once the server has written this request's response and closed it."""
    request.environ.setdefault(DEFERRED, []).append(callback)


def init_app(app):
    """Wrap `app`'s WSGI callable so that the callbacks deferred by a request run when its response is closed."""
    inner = app.wsgi_app

    def run_deferred(environ):
        for callback in environ.pop(DEFERRED, ()):
            callback()

    def wsgi_app(environ, start_response):
        return ClosingIterator(inner(environ, start_response), lambda: run_deferred(environ))

    app.wsgi_app = wsgi_app
