"""Static URLs carry a hash of the file (`?v=`), so that browsers and nginx may keep them for a year."""

import re

from flask import url_for


def static_url(app, filename):
    """The URL the portal's pages use for static file `filename`."""
    with app.test_request_context():
        return url_for("static", filename=filename)


def test_a_changed_file_gets_a_new_url_and_each_url_serves_the_file(make_app, tmp_path):
    """Editing a stylesheet changes its URL, without a restart; the URL serves the file, cached for a year."""
    folder = tmp_path / "static"
    (folder / "css").mkdir(parents=True)
    stylesheet = folder / "css" / "site.css"
    stylesheet.write_text("body { color: #111; }\n")
    app = make_app()
    app.static_folder = str(folder)
    client = app.test_client()
    old = static_url(app, "css/site.css")
    assert re.fullmatch(r"/static/css/site\.css\?v=[0-9a-f]{10}", old), old
    answer = client.get(old)
    assert answer.status_code == 200 and answer.get_data(as_text=True) == "body { color: #111; }\n"
    assert answer.cache_control.max_age == 365 * 24 * 3600 and answer.cache_control.immutable
    stylesheet.write_text("body { color: #222222; }\n")
    new = static_url(app, "css/site.css")
    assert new != old and new.startswith("/static/css/site.css?v=")
    assert client.get(new).get_data(as_text=True) == "body { color: #222222; }\n"
    # An old page's URL still gets the file, but not for a year: it is not that file any more.
    stale = client.get(old)
    assert stale.status_code == 200 and stale.cache_control.max_age != 365 * 24 * 3600
    assert (
        static_url(app, "css") == "/static/css"
        and static_url(app, "../wsgi.py") == "/static/../wsgi.py"
    )


def test_pages_link_fingerprinted_assets_that_pass_the_content_policy(client):
    """Every stylesheet, script and icon on a page has its hash, and is served with the document policy."""
    page = client.get("/").get_data(as_text=True)
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert assets and all(re.search(r"\?v=[0-9a-f]{10}$", url) for url in assets), assets
    for url in assets:
        answer = client.get(url)
        assert answer.status_code == 200 and "immutable" in answer.headers["Cache-Control"], url
        assert answer.headers["Content-Security-Policy"].startswith("default-src 'none'")
