"""Security headers: every GET route of the URL map, walked with the demo's data, answers with the headers its kind
of response needs (HTML pages, JSON, Atom, CSV, XML, files), and pages showing personal data are never stored."""

import re

import pytest

from tests.helpers import PASSWORD, add_user, csrf_token, login

# Pages with personal data or a secret (receipt code, private link, contacts) besides every staff page.
RESIDENT_PRIVATE = {
    "public.reports_new",
    "public.reports_track",
    "public.reports_follow",
    "public.registrations_lookup",
    "public.subscriptions_new",
    "public.subscriptions_sent",
    "public.subscriptions_confirm",
    "public.subscriptions_unsubscribe",
    "public.subscriptions_unsubscribed",
    "public.organisations_apply",
    "public.organisations_manage",
    "public.organisations_document",
}
STAFF_ONLY = {"public.styleguide", "auth.password"}
# URL variables that differ by endpoint: {endpoint: {variable: key of the demo values}}
SPECIAL = {
    "public.measures_show": {"number": "measure_number"},
    "api.measures_show": {"number": "measure_number"},
    "public.statements_show": {"consultation_id": "answered"},
    "public.disclosure_attachments_download": {"attachment_id": "disclosure_attachment_id"},
    "console.disclosures_attachment": {"attachment_id": "disclosure_attachment_id"},
    "public.reports_follow": {"token": "follow_token"},
    "admin.routing_edit": {"code": "routing_code"},
    "feeds.category_disclosures_atom": {"code": "category_code"},
    "console.reports_show": {"reference": "own_reference"},
    "console.reports_evidence": {"reference": "own_reference"},
    "console.reports_evidence_original": {"reference": "own_reference"},
    "public.organisations_manage": {"token": "organisation_token"},
    "public.organisations_document": {"token": "organisation_token"},
}
FIXED = {
    "open311.services_show": {"code": "water"},
    "public.data_file": {"name": "reports", "extension": "csv"},
}
QUERIES = {"feeds.search_atom": "?q=大气污染", "public.search": "?q=大气污染"}
STATIC_FILES = ["css/portal.css", "js/error-summary.js", "js/print.js", "img/favicon.svg"]


def directives(policy):
    """A Content-Security-Policy as {directive: value}."""
    return {
        part.split()[0]: " ".join(part.split()[1:]) for part in policy.split(";") if part.strip()
    }


def kind_of(response):
    """The kind of answer, as a client sees it."""
    if response.mimetype == "text/html" and "attachment" in response.headers.get(
        "Content-Disposition", ""
    ):
        return "file"
    return {
        "text/html": "html",
        "application/json": "json",
        "application/atom+xml": "atom",
        "text/csv": "csv",
        "application/xml": "xml",
        "text/xml": "xml",
    }.get(response.mimetype, "file")


def paths(app, values):
    """(endpoint, path) of every GET route that can be built from the demo's data; and the rules left out."""
    built, skipped = [], []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods:
            continue
        chosen = {**{name: name for name in rule.arguments}, **SPECIAL.get(rule.endpoint, {})}
        arguments = {name: values.get(key) for name, key in chosen.items()}
        arguments.update(FIXED.get(rule.endpoint, {}))
        if rule.endpoint == "static":
            built += [(rule.endpoint, f"/static/{name}") for name in STATIC_FILES]
            continue
        if "fmt" in rule.arguments:
            for fmt in ("json", "xml"):
                built.append(
                    (
                        rule.endpoint,
                        app.url_map.bind("localhost").build(
                            rule.endpoint, {**arguments, "fmt": fmt}
                        ),
                    )
                )
            continue
        if any(value is None for value in arguments.values()):
            skipped.append(rule.rule)
            continue
        path = app.url_map.bind("localhost").build(rule.endpoint, arguments)
        built.append((rule.endpoint, path + QUERIES.get(rule.endpoint, "")))
    return built, skipped


def check(endpoint, path, response, private):
    """The headers every answer needs, by its kind; returns the kind."""
    where = f"{path} ({response.status_code}, {response.mimetype})"
    # The walk builds no search index, so searches answer that search is unavailable: a page like any other.
    assert response.status_code < 500 or response.status_code == 503 and "search" in endpoint, where
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("Referrer-Policy") in (
        "same-origin",
        "strict-origin-when-cross-origin",
        "no-referrer",
    ), where
    policy = directives(headers.get("Content-Security-Policy", ""))
    assert policy.get("frame-ancestors") == "'none'", where
    assert "unsafe-inline" not in str(policy) and "unsafe-eval" not in str(policy), where
    kind = kind_of(response)
    if kind == "html":
        assert policy.get("script-src") == "'self'" and policy.get("style-src") == "'self'", where
        assert policy.get("object-src") == "'none'" and policy.get("base-uri") == "'none'", where
        page = response.get_data(as_text=True)
        # Nothing inline that the policy would block: scripts come from files, styles from the stylesheet.
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), where
        assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", page), where
    else:
        assert policy.get("default-src") == "'none'" and "sandbox" in policy, where
    if private:
        assert "no-store" in headers.get("Cache-Control", ""), where
    return kind


def test_every_route_sends_the_headers_of_its_kind(demo_site, staff):
    """Every GET route, anonymous or as staff as it needs, has nosniff, no framing, a referrer policy and a CSP:
    pages allow only the portal's own scripts and styles; JSON, Atom, CSV, XML and files allow nothing. Staff pages
    and residents' private pages are never stored."""
    app, values = demo_site
    anonymous = app.test_client()
    built, skipped = paths(app, values)
    kinds = set()
    for endpoint, path in built:
        staff_page = endpoint.split(".")[0] in ("console", "admin") or endpoint in STAFF_ONLY
        response = (staff if staff_page else anonymous).get(path)
        if (
            not staff_page
            and response.status_code == 302
            and "/login" in response.headers["Location"]
        ):
            pytest.fail(f"{path} needs a login: add it to STAFF_ONLY")
        private = staff_page or endpoint.startswith("auth.") or endpoint in RESIDENT_PRIVATE
        kinds.add(check(endpoint, path, response, private))
    assert kinds >= {"html", "json", "atom", "csv", "xml", "file"}, kinds
    assert not skipped, f"routes the walk could not build: {skipped}"


def test_revealing_an_identity_is_never_stored(demo_site, staff):
    """The answer that shows a reporter's identity to an administrator says no-store."""
    _app, values = demo_site
    reference = values["own_reference"]
    response = staff.post(
        f"/console/reports/{reference}/identity", data={"csrf_token": csrf_token(staff, "/login")}
    )
    assert response.status_code == 200, response.status_code
    assert "no-store" in response.headers["Cache-Control"]
    check("console.reports_identity", "identity", response, private=True)


def test_the_receipt_page_is_never_stored(make_app):
    """The confirmation page with the receipt code (the answer to a POST) says no-store."""
    from tests.helpers import post_report

    client = make_app().test_client()
    response = post_report(client)
    assert response.status_code == 200 and 'id="receipt-code"' in response.get_data(as_text=True)
    check("public.reports_new", "/reports/new (POST)", response, private=True)


def test_the_statement_download_is_not_sniffed(demo_site):
    """The participation statement as a file: an attachment, nosniff, and a policy that runs nothing."""
    app, values = demo_site
    response = app.test_client().get(f"/consultations/{values['answered']}/statement?download=1")
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith(
        "attachment"
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert kind_of(response) == "file"
    check("public.statements_show", "statement download", response, private=False)


def test_the_language_cookie_is_secure_in_production(make_app):
    """In production the language cookie is Secure, HttpOnly and SameSite=Lax."""
    client = make_app(ENV="production").test_client()
    cookie = client.get("/language/en?next=/").headers["Set-Cookie"]
    assert cookie.startswith("portal_lang=en;")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie


def test_signed_in_staff_get_nothing_stored(app):
    """Whatever a signed-in member of staff is shown, public pages included, is not stored."""
    add_user(app)
    client = app.test_client()
    login(client, password=PASSWORD)
    assert "no-store" in client.get("/measures/14").headers["Cache-Control"]
    assert "no-store" not in app.test_client().get("/measures/14").headers.get("Cache-Control", "")
