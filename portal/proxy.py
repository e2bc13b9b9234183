"""The client address behind reverse proxies: a warning when requests are forwarded but PROXY_COUNT is 0, and the
anonymous key that stands for a client where a limit counts per client."""

import hashlib
import hmac

from flask import current_app, request

WARNING = (
    "requests arrive with X-Forwarded-For but PORTAL_PROXY_COUNT is 0: every client looks like the proxy, "
    "so the limits per client (receipt codes, logins, reports, subscriptions) are shared by everyone; "
    "set PORTAL_PROXY_COUNT to the number of proxies in front of the portal (1 behind one nginx)"
)


def warn_when_forwarded(app):
    """Log one warning per app at the first request that carries X-Forwarded-For."""
    warned = []

    @app.before_request
    def forwarded_without_proxy_count():
        # A list, not a config flag: a race between two threads costs at most a second line.
        if not warned and "X-Forwarded-For" in request.headers:
            warned.append(True)
            app.logger.warning(WARNING)


def client_key():
    """An anonymous key for the client's address (behind ProxyFix, the real client): no address is stored."""
    address = (request.remote_addr or "").encode()
    return hmac.new(
        current_app.config["SECRET_KEY"].encode(), b"client:" + address, hashlib.sha256
    ).hexdigest()
