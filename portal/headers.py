"""The security headers of every response, decided in this one place.

Every answer is `nosniff`, may not be framed, and sends no referrer to other sites. A page (HTML shown
in the browser) gets a Content-Security-Policy that allows only the portal's own scripts, stylesheets
and images (images also from the map tiles' hosts, when PORTAL_MAP_TILES is set): no inline script or
style, so an injected tag or attribute does nothing. Everything else (JSON, Atom, CSV, XML, files,
downloaded documents) gets a policy that allows nothing at all.
A response that shows personal data or a secret is never stored by a browser or a proxy: `is_private`
is the one rule that says which.
"""

from flask import current_app, request
from flask_login import current_user

from portal import maps

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_POLICY = "portal_page_policy"
DOCUMENT_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"

# Staff pages (login included): report files, identities, contacts, attendee lists.
PRIVATE_BLUEPRINTS = frozenset({"auth", "console", "admin"})
# Residents' pages that carry a receipt or registration code, a private link, or what they typed about
# themselves (a form shown again with its errors keeps their name, phone and email).
PRIVATE_ENDPOINTS = frozenset(
    {
        "public.reports_new",
        "public.reports_track",
        "public.reports_follow",
        "public.reports_follow_act",
        "public.comments_create",
        "public.registrations_create",
        "public.registrations_lookup",
        "public.registrations_cancel",
        "public.subscriptions_new",
        "public.subscriptions_reports_new",
        "public.subscriptions_report_new",
        "public.subscriptions_sent",
        "public.subscriptions_confirm",
        "public.subscriptions_unsubscribe",
        "public.subscriptions_unsubscribed",
        "public.resident_pages_keep",
        "public.resident_pages_sent",
        "public.resident_pages_show",
        "public.resident_pages_remove",
        "public.resident_pages_delete",
        "public.organisations_apply",
        "public.organisations_manage",
        "public.organisations_manage_act",
        "public.organisations_document",
    }
)


def is_private():
    """True when this request's answer may show personal data or a secret, so that nothing may store it."""
    if request.blueprint in PRIVATE_BLUEPRINTS or request.endpoint in PRIVATE_ENDPOINTS:
        return True
    # Whatever a signed-in member of staff is shown was made for them.
    return current_user.is_authenticated


def is_page(response):
    """True for HTML that the browser shows as a page (a downloaded HTML document is a file)."""
    attachment = response.headers.get("Content-Disposition", "").lower().startswith("attachment")
    return response.mimetype == "text/html" and not attachment


def secure(response):
    """Add the security headers to `response` (an `after_request` hook)."""
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    # Not `no-referrer`: Flask-WTF checks the Referer of HTTPS form posts against the portal's own address.
    headers["Referrer-Policy"] = "same-origin"
    page_policy = current_app.extensions.get(_POLICY, PAGE_POLICY)
    headers["Content-Security-Policy"] = page_policy if is_page(response) else DOCUMENT_POLICY
    if is_private():
        response.cache_control.no_store = True
    return response


def page_policy(config):
    """The pages' policy: PAGE_POLICY, whose img-src also allows the map tiles' hosts when a map is configured."""
    origins = maps.tile_origins(config)
    if not origins:
        return PAGE_POLICY
    return PAGE_POLICY.replace(
        "img-src 'self' data:;", f"img-src 'self' data: {' '.join(origins)};"
    )


def init_app(app):
    """Register the hook on `app`, with the pages' policy for its map settings."""
    app.extensions[_POLICY] = page_policy(app.config)
    app.after_request(secure)
