"""PROXY_COUNT: the client address behind a reverse proxy, and a warning when it is missing."""

import logging

from flask import request

WARNING = "X-Forwarded-For"


def warnings_of(caplog):
    return [
        r
        for r in caplog.records
        if r.levelno == logging.WARNING and "PORTAL_PROXY_COUNT" in r.getMessage()
    ]


def test_forwarded_requests_without_proxy_count_warn_once(make_app, caplog):
    """The first request carrying X-Forwarded-For while PROXY_COUNT is 0 logs one warning; later ones do not."""
    app = make_app(PROXY_COUNT=0)
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        client.get("/units")
        assert warnings_of(caplog) == []
        client.get("/units", headers={"X-Forwarded-For": "198.51.100.7"})
        client.get("/units", headers={"X-Forwarded-For": "198.51.100.8"})
    [record] = warnings_of(caplog)
    assert WARNING in record.getMessage()


def test_no_warning_when_the_proxy_is_declared(make_app, caplog):
    """With PROXY_COUNT=1 the forwarded address is the client's, and nothing is logged."""
    app = make_app(PROXY_COUNT=1)
    seen = []
    app.before_request(lambda: seen.append(request.remote_addr))
    with caplog.at_level(logging.WARNING):
        app.test_client().get("/units", headers={"X-Forwarded-For": "198.51.100.7"})
    assert warnings_of(caplog) == [] and seen == ["198.51.100.7"]
