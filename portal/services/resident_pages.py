"""A resident's private "my reports" page: the reports they chose to keep in one place, reached only by an
emailed link, with no password and no account.

From their private tracking page (which only the receipt code or the tracking link opens) a resident
gives an email address and keeps the report on that address's page. The page is created on first use;
every keep mails the page's link to the address, so only the mailbox's owner can open the page (the
opt-in). The page lists each kept report with its status and its private tracking link; it is never
linked from a public page, never indexed, never cached. Its link token is derived like a subscription's
(HMAC-SHA256 of "resident-page:<id>:<email>" under SECRET_KEY) and only its SHA-256 is stored; the
address is encrypted with a keyed index. Limits: SUBSCRIPTION_LIMIT requests an hour per client, three
mails a day per address, whoever asks. Removing a report, or the page, is a button on the page.

Functions never commit; the caller does.
"""

import secrets

import sqlalchemy as sa
from flask_babel import gettext as _

from portal import encryption
from portal.errors import NotFound, TooManyRequests
from portal.extensions import db
from portal.models import ResidentPage, ResidentPageEntry
from portal.models.types import utcnow
from portal.services import mail, reports, throttle
from portal.services.subscriptions import (
    ADDRESS_MAILS_PER_DAY,
    SUBSCRIPTION_WINDOW_SECONDS,
    by_token,
    client_limit,
    derived_token,
    email_address,
    hash_token,
)

_DAY = 24 * 60 * 60


def link_token(secret, page):
    """The token in the page's link (derived, never stored)."""
    return derived_token(secret, "resident-page", page.id, page.email.lower())


def page_path(token):
    """The path of the private page for `token`."""
    return f"/my-reports/{token}"


def _index(ring, email, kid=None):
    return ring.index(email.lower(), "resident_pages.email", kid)


def keep(report, email, config, client=None, now=None):
    """Keep `report` on the page of `email` (made on first use) and mail the page's link to the address.

    Raises ValidationFailed (field "email") or TooManyRequests. The same answer whether the page existed."""
    now = now or utcnow()
    key = throttle.private_key(config["SECRET_KEY"], "resident-page", client)
    if client is not None and throttle.exhausted(
        key, client_limit(config), SUBSCRIPTION_WINDOW_SECONDS, now
    ):
        raise TooManyRequests(_("Too many requests. Please wait an hour and try again."))
    email = email_address(email)
    if client is not None:
        throttle.hit(key, SUBSCRIPTION_WINDOW_SECONDS, now)
    ring = encryption.keyring(config["IDENTITY_KEY"])
    page = db.session.scalar(
        sa.select(ResidentPage)
        .where(ResidentPage.email_index.in_([_index(ring, email, kid) for kid in ring.keys]))
        .order_by(ResidentPage.id)
        .limit(1)
    )
    if page is None:
        page = ResidentPage(
            email=email,
            email_index=_index(ring, email),
            token=secrets.token_hex(32),
            created_at=now,
        )
        db.session.add(page)
        db.session.flush()
        page.token = hash_token(link_token(config["SECRET_KEY"], page))
    if all(entry.report_id != report.id for entry in page.entries):
        page.entries.append(ResidentPageEntry(report_id=report.id, added_at=now))
    db.session.flush()
    address_key = "resident-page-mail:" + _index(ring, email)
    if not throttle.exhausted(address_key, ADDRESS_MAILS_PER_DAY, _DAY, now):
        throttle.hit(address_key, _DAY, now)
        mail.queue(
            page.email,
            "resident_pages/link",
            report=report,
            link=page_path(link_token(config["SECRET_KEY"], page)),
        )
    return page


def find(token):
    """The page a link token opens, or NotFound."""
    return by_token(
        ResidentPage,
        token,
        _(
            "This link to a page of reports is not valid: the page was deleted, or the link is "
            "incomplete. Copy the whole link from the email."
        ),
    )


def listing(page, config):
    """[(report, private tracking path)] of the reports kept on `page`, newest first."""
    kept = sorted(page.entries, key=lambda e: (e.report.submitted_at, e.id), reverse=True)
    return [(e.report, reports.tracking_path(config["SECRET_KEY"], e.report)) for e in kept]


def remove(page, reference):
    """Take the report `reference` off `page` (the report itself is not touched); NotFound if not there."""
    entry = next((e for e in page.entries if e.report.reference == reference), None)
    if entry is None:
        raise NotFound(_("No report has the reference %(ref)s.", ref=reference))
    page.entries.remove(entry)
    db.session.flush()


def delete(page):
    """Delete the page and the address it keeps (the reports are not touched)."""
    db.session.delete(page)
    db.session.flush()
