"""Email subscriptions: residents follow new consultations and hearings of an area or of a unit.

A subscription follows exactly one target: an area (the 兵团 level or one 师(市)), meaning every
consultation located there whatever unit runs it, or a unit, meaning every consultation it runs
wherever it is. It starts unconfirmed; the confirmation mail's link confirms it (double opt-in), and
only confirmed subscriptions receive notices. An unconfirmed subscription whose link is older than
CONFIRMATION_DAYS can no longer be confirmed; subscribing again renews the link.

Tokens. Every mail carries links with a token: the confirmation mail a confirm link and an
unsubscribe link, each notice an unsubscribe link. The database must not let whoever reads it
unsubscribe other people, so it keeps only the SHA-256 of the token (`Subscription.token`). Notices
are sent long after subscribing, when no raw token is at hand, so the token is not random but
derived: `link_token` = HMAC-SHA256(SECRET_KEY, "subscription:<id>:<email>"), base32, 160 bits.
The portal can recompute it for every mail; someone with the database but not the secret cannot.
Changing SECRET_KEY invalidates every link (subscribers then subscribe again).

Addresses are encrypted at rest (portal/encryption.py); a subscription is found by its address through
`email_index`, the keyed HMAC of the lower-cased address under each identity key (`address_index`).

Abuse: each client may request at most SUBSCRIPTION_LIMIT subscriptions an hour (429 beyond), and an
address receives at most ADDRESS_MAILS_PER_DAY confirmation mails a day, whoever asks, so the form
cannot be used to flood someone's mailbox. The page after subscribing is the same whether the address
was subscribed before or not, and whether a mail was sent: it does not reveal who follows what.

Functions never commit; the caller does.
"""

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from portal import encryption
from portal.contacts import EMAIL
from portal.errors import NotFound, TooManyRequests, ValidationFailed
from portal.extensions import db
from portal.models import Area, Subscription, Unit
from portal.models.types import utcnow
from portal.numbers import is_whole
from portal.services import mail, throttle

EMAIL_LENGTH = 254
CONFIRMATION_DAYS = 7
SUBSCRIPTION_WINDOW_SECONDS = 60 * 60
ADDRESS_MAILS_PER_DAY = 3
_DAY = 24 * 60 * 60


# --- tokens --------------------------------------------------------------------------------------


def link_token(secret, subscription):
    """The token in the subscription's confirm and unsubscribe links (derived, never stored)."""
    message = f"subscription:{subscription.id}:{subscription.email.lower()}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:32].lower()


def address_index(ring, email, kid=None):
    """The lookup index of an address (lower-cased), under the ring's primary key or key `kid`."""
    return ring.index(email.lower(), "subscriptions.email", kid)


def hash_token(token):
    """The stored form of a link token."""
    return hashlib.sha256((token or "").strip().lower().encode()).hexdigest()


def confirm_path(token):
    """The path of the confirmation page for `token` (the mail prefixes PUBLIC_URL)."""
    return f"/subscriptions/confirm/{token}"


def unsubscribe_path(token):
    """The path of the one-click unsubscribe page for `token`."""
    return f"/subscriptions/unsubscribe/{token}"


# --- subscribing ---------------------------------------------------------------------------------


def _email(value):
    email = (value or "").strip()
    if not email:
        raise ValidationFailed(
            _("Enter the email address the notices should go to."), field="email"
        )
    if len(email) > EMAIL_LENGTH or not EMAIL.match(email):
        raise ValidationFailed(
            _("Enter an email address in the right format, like name@example.com."), field="email"
        )
    return email


def _area(value):
    if value in (None, "") or isinstance(value, Area):
        return value or None
    area = None
    if is_whole(str(value).strip()):
        area = db.session.scalar(sa.select(Area).where(Area.number == int(value)))
    if area is None:
        raise ValidationFailed(
            _("Choose the area to follow: the 兵团 level or one of the 14 divisions."), field="area"
        )
    return area


def _unit(value):
    if value in (None, ""):
        return None
    unit = value if isinstance(value, Unit) else None
    if unit is None and is_whole(str(value).strip()):
        unit = db.session.get(Unit, int(value))
    if unit is None or not unit.handles_reports:
        raise ValidationFailed(
            _("Choose the unit to follow: a department or a division from the list."), field="unit"
        )
    return unit


def _collect(errors, check, *args):
    """`check(*args)`; if it refuses, None, with its problems added to `errors` (to report them all at once)."""
    try:
        return check(*args)
    except ValidationFailed as error:
        errors.extend(error.errors)
        return None


def _target(area, unit):
    errors = []
    area, unit = _collect(errors, _area, area), _collect(errors, _unit, unit)
    if errors:
        raise ValidationFailed.every(errors)
    if area is None and unit is None:
        raise ValidationFailed(_("Choose an area or a unit to follow."), field="area")
    if area is not None and unit is not None:
        raise ValidationFailed(
            _(
                "Choose either an area or a unit to follow, not both: subscribe twice to "
                "follow both."
            ),
            field="unit",
        )
    return area, unit


def _limit(config):
    value = config["SUBSCRIPTION_LIMIT"]
    if isinstance(value, bool) or int(value) < 1:
        raise ValueError(f"SUBSCRIPTION_LIMIT: expected at least 1, got {value!r}")
    return int(value)


def subscribe(email, area=None, unit=None, config=None, client=None, now=None):
    """Subscribe `email` to an area (its number or Area) or a unit (its id or Unit), unconfirmed.

    Subscribing again to the same target renews and re-sends the confirmation instead of adding a
    row. Raises ValidationFailed naming every field with a problem, or TooManyRequests when `client`
    asked too often.
    """
    now = now or utcnow()
    key = throttle.private_key(config["SECRET_KEY"], "subscribe", client)
    if client is not None and throttle.exhausted(
        key, _limit(config), SUBSCRIPTION_WINDOW_SECONDS, now
    ):
        raise TooManyRequests(
            _("Too many subscription requests. Please wait an hour and try again.")
        )
    errors = []
    email = _collect(errors, _email, email)
    area, unit = _collect(errors, _target, area, unit) or (None, None)
    if errors:
        raise ValidationFailed.every(errors)
    if client is not None:
        throttle.hit(key, SUBSCRIPTION_WINDOW_SECONDS, now)
    ring = encryption.keyring(config["IDENTITY_KEY"])
    # Every key's index: a subscription written before a key rotation finished is found too.
    indexes = [address_index(ring, email, kid) for kid in ring.keys]
    subscription = db.session.scalar(
        sa.select(Subscription)
        .where(
            Subscription.email_index.in_(indexes),
            Subscription.area_id == area.id if area is not None else Subscription.area_id.is_(None),
            Subscription.unit_id == unit.id if unit is not None else Subscription.unit_id.is_(None),
        )
        .order_by(Subscription.id)
        .limit(1)
    )
    if subscription is None:
        # The token derives from the id, which the insert assigns: a random placeholder fills the
        # unique column until then.
        subscription = Subscription(
            email=email,
            email_index=address_index(ring, email),
            area=area,
            unit=unit,
            token=secrets.token_hex(32),
            created_at=now,
        )
        db.session.add(subscription)
        db.session.flush()
    elif subscription.confirmed_at is None:
        subscription.created_at = now  # renews the confirmation link
    token = link_token(config["SECRET_KEY"], subscription)
    subscription.token = hash_token(token)
    db.session.flush()
    # Keyed, like the index: the throttle table must not hold a hash anyone can test addresses against.
    address_key = "subscribe-mail:" + address_index(ring, email)
    if not throttle.exhausted(address_key, ADDRESS_MAILS_PER_DAY, _DAY, now):
        throttle.hit(address_key, _DAY, now)
        mail.queue(
            subscription.email,
            "subscriptions/confirm",
            subscription=subscription,
            confirm_link=confirm_path(token),
            unsubscribe_link=unsubscribe_path(token),
            days=CONFIRMATION_DAYS,
        )
    return subscription


def target_label(subscription):
    """What a subscription follows, in the user's language: "the area 第六师五家渠市" or "the unit …"."""
    # An area and its division unit have the same name: the kind of target must be said.
    if subscription.area is not None:
        return _("the area %(name)s", name=subscription.area.label)
    return (
        _("the unit %(name)s", name=subscription.unit.label)
        if subscription.unit is not None
        else ""
    )


# --- the links -----------------------------------------------------------------------------------


def find(token):
    """The subscription a link token belongs to, or NotFound."""
    subscription = None
    if (token or "").strip():
        subscription = db.session.scalar(
            sa.select(Subscription).where(Subscription.token == hash_token(token))
        )
    if subscription is None:
        raise NotFound(
            _(
                "This subscription link is not valid: the subscription was cancelled, or the link is "
                "incomplete. Copy the whole link from the email, or subscribe again."
            )
        )
    return subscription


def confirmable(subscription, now=None):
    """True while an unconfirmed subscription's confirmation link is still valid."""
    now = now or utcnow()
    return subscription.confirmed_at is None and now - subscription.created_at <= timedelta(
        days=CONFIRMATION_DAYS
    )


def find_for_confirmation(token, now=None):
    """The subscription to confirm (or already confirmed) with `token`; NotFound when unknown or expired."""
    subscription = find(token)
    if subscription.confirmed_at is None and not confirmable(subscription, now):
        raise NotFound(
            _(
                "This confirmation link has expired: links are valid for %(n)s days. Please subscribe "
                "again to get a new one.",
                n=CONFIRMATION_DAYS,
            )
        )
    return subscription


def confirm(token, now=None):
    """Confirm the subscription with `token` (again is harmless); NotFound when unknown or expired."""
    now = now or utcnow()
    subscription = find_for_confirmation(token, now)
    if subscription.confirmed_at is None:
        subscription.confirmed_at = now
    return subscription


def unsubscribe(token):
    """Delete the subscription with `token`; returns what it followed. NotFound when unknown."""
    subscription = find(token)
    target = target_label(subscription)
    db.session.delete(subscription)
    db.session.flush()
    return target


# --- notices -------------------------------------------------------------------------------------


def _followers(consultation):
    """{lower-cased address: [confirmed subscriptions matching the consultation's area or unit]}."""
    matching = db.session.scalars(
        sa.select(Subscription)
        .where(
            Subscription.confirmed_at.is_not(None),
            sa.or_(
                Subscription.area_id == consultation.area_id,
                Subscription.unit_id == consultation.unit_id,
            ),
        )
        .order_by(Subscription.id)
    ).all()
    by_address = {}
    for subscription in matching:
        by_address.setdefault(subscription.email.lower(), []).append(subscription)
    return by_address


def _notify(consultation, config, template, **context):
    followers = _followers(consultation)
    for subscriptions in followers.values():
        # One mail per address; it names every subscription that matched, each with its own link.
        follows = [
            (s, unsubscribe_path(link_token(config["SECRET_KEY"], s))) for s in subscriptions
        ]
        mail.queue(
            subscriptions[0].email,
            template,
            consultation=consultation,
            link=f"/consultations/{consultation.id}",
            follows=follows,
            **context,
        )
    return len(followers)


def notify_consultation(consultation, config):
    """Queue a notice of a newly published consultation to each confirmed follower; returns how many."""
    return _notify(consultation, config, "subscriptions/consultation")


def notify_hearing(session, config):
    """Queue a notice of a newly scheduled hearing to each confirmed follower; returns how many."""
    return _notify(session.consultation, config, "subscriptions/hearing", hearing=session)
