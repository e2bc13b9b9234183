"""Email subscriptions: anyone follows consultations, reports of an area or category, or one report.

What a subscription follows is its `topic`. CONSULTATIONS: exactly one target, an area (the 兵团 level
or one 师(市)), meaning every consultation located there whatever unit runs it, or a unit, meaning
every consultation it runs wherever it is; notices are queued when a consultation is published or a
hearing announced. REPORTS: an area, a category or both; notices of a new report (reports are public
once submitted, so a new report is announced as soon as it arrives), of its acceptance and of its
closure with the closing result. REPORT: one report; notices of its public events (acceptance, not
accepted, transfer, reply, extension approved, closure with the result, reopening). Report notices are
queued by `portal tick` (`queue_report_notices`), one event at a time, each recorded in
`report_notices` in the same transaction as its mails, so no event is announced twice. A report
subscription may instead take a daily digest (`queue_digests`): one mail per address and Beijing day
listing the day's events, sent by the first `portal tick` after the day ends; `digest_sent_on` is
claimed with a conditional UPDATE in the transaction that queues the mail, so re-runs (or a second
host) send nothing more. Report mails carry only what the report's public page shows: category, area,
unit, status, closing result and replies, the unit's summary, the link; never the description, the
place, the point or who reported. It starts unconfirmed; the confirmation mail's link confirms it (double opt-in), and
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
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from portal import encryption
from portal.contacts import EMAIL
from portal.errors import NotFound, TooManyRequests, ValidationFailed
from portal.extensions import db
from portal.i18n import current_language
from portal.models import (
    Area,
    Category,
    EventKind,
    Report,
    ReportEvent,
    ReportNotice,
    Subscription,
    SubscriptionTopic,
    Unit,
)
from portal.models.types import utcnow
from portal.numbers import is_whole
from portal.services import access, clocks, mail, throttle

EMAIL_LENGTH = 254
CONFIRMATION_DAYS = 7
SUBSCRIPTION_WINDOW_SECONDS = 60 * 60
ADDRESS_MAILS_PER_DAY = 3
_DAY = 24 * 60 * 60
# The public events each kind of report subscription hears of.
REPORTS_EVENTS = frozenset({EventKind.SUBMITTED, EventKind.ACCEPTED, EventKind.CLOSED})
REPORT_EVENTS = frozenset(
    {
        EventKind.ACCEPTED,
        EventKind.NOT_ACCEPTED,
        EventKind.TRANSFERRED,
        EventKind.CATEGORY_CHANGED,
        EventKind.MERGED,
        EventKind.REPLIED,
        EventKind.EXTENSION_APPROVED,
        EventKind.CLOSED,
        EventKind.REOPENED,
    }
)
NOTICE_BATCH = 500


# --- tokens --------------------------------------------------------------------------------------


def derived_token(secret, *parts):
    """A link token derived from `parts` under `secret` (HMAC-SHA256, base32, 160 bits): recomputed for every
    mail, never stored; the subscriptions, the my-reports pages and the organisations' links use it."""
    message = ":".join(str(part) for part in parts).encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:32].lower()


def link_token(secret, subscription):
    """The token in the subscription's confirm and unsubscribe links (derived, never stored)."""
    return derived_token(secret, "subscription", subscription.id, subscription.email.lower())


def address_index(ring, email, kid=None):
    """The lookup index of an address (lower-cased), under the ring's primary key or key `kid`."""
    return ring.index(email.lower(), "subscriptions.email", kid)


def hash_token(token):
    """The stored form of a link token."""
    return hashlib.sha256((token or "").strip().lower().encode()).hexdigest()


def by_token(model, token, refusal, *conditions):
    """The `model` row whose stored token is `token`'s hash (and meets `conditions`), or NotFound(`refusal`)."""
    row = None
    if (token or "").strip():
        row = db.session.scalar(
            sa.select(model).where(model.token == hash_token(token), *conditions)
        )
    if row is None:
        raise NotFound(refusal)
    return row


def confirm_path(token):
    """The path of the confirmation page for `token` (the mail prefixes PUBLIC_URL)."""
    return f"/subscriptions/confirm/{token}"


def unsubscribe_path(token):
    """The path of the one-click unsubscribe page for `token`."""
    return f"/subscriptions/unsubscribe/{token}"


# --- subscribing ---------------------------------------------------------------------------------


def email_address(value):
    """The address typed, trimmed; ValidationFailed (field "email") when empty or not an address."""
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


def _category(value):
    if value in (None, "") or isinstance(value, Category):
        return value or None
    category = db.session.scalar(sa.select(Category).where(Category.code == str(value).strip()))
    if category is None:
        raise ValidationFailed(_("Choose the category to follow from the list."), field="category")
    return category


def _report(value):
    if isinstance(value, Report):
        return value
    report = None
    if (value or "").strip():
        report = db.session.scalar(
            sa.select(Report).where(
                Report.reference == value.strip(), access.REPORTS.public_condition()
            )
        )
    if report is None:
        raise NotFound(_("No report has the reference %(ref)s.", ref=value), field="report")
    return report


def _reports_target(area, category):
    errors = []
    area, category = _collect(errors, _area, area), _collect(errors, _category, category)
    if errors:
        raise ValidationFailed.every(errors)
    if area is None and category is None:
        raise ValidationFailed(_("Choose an area, a category, or both."), field="area")
    return area, category


def _what(topic, area, unit, category, report):
    """{column: value} of what a subscription of `topic` follows, each checked; ValidationFailed naming fields."""
    if topic is SubscriptionTopic.REPORT:
        return {"report": _report(report)}
    if topic is SubscriptionTopic.REPORTS:
        area, category = _reports_target(area, category)
        return {"area": area, "category": category}
    area, unit = _target(area, unit)
    return {"area": area, "unit": unit}


def client_limit(config):
    """SUBSCRIPTION_LIMIT: requests a client may make an hour (subscriptions and resident pages)."""
    value = config["SUBSCRIPTION_LIMIT"]
    if isinstance(value, bool) or int(value) < 1:
        raise ValueError(f"SUBSCRIPTION_LIMIT: expected at least 1, got {value!r}")
    return int(value)


_TARGETS = (
    ("area", Subscription.area_id),
    ("unit", Subscription.unit_id),
    ("category", Subscription.category_id),
    ("report", Subscription.report_id),
)


def subscribe(
    email,
    area=None,
    unit=None,
    config=None,
    client=None,
    now=None,
    topic=SubscriptionTopic.CONSULTATIONS,
    category=None,
    report=None,
    digest=False,
):
    """Subscribe `email`, unconfirmed, to what `topic` names: consultations of an area (its number or Area) or
    a unit (its id or Unit); reports of an area and/or a category (its code or Category); or one report (its
    reference or Report). `digest` (reports only): one mail a day instead of one per event.

    Subscribing again to the same target renews and re-sends the confirmation instead of adding a
    row. Raises ValidationFailed naming every field with a problem, or TooManyRequests when `client`
    asked too often.
    """
    now = now or utcnow()
    key = throttle.private_key(config["SECRET_KEY"], "subscribe", client)
    if client is not None and throttle.exhausted(
        key, client_limit(config), SUBSCRIPTION_WINDOW_SECONDS, now
    ):
        raise TooManyRequests(
            _("Too many subscription requests. Please wait an hour and try again.")
        )
    errors = []
    email = _collect(errors, email_address, email)
    what = _collect(errors, _what, topic, area, unit, category, report) or {}
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
            Subscription.topic == topic,
            *(
                column == what[name].id if what.get(name) is not None else column.is_(None)
                for name, column in _TARGETS
            ),
        )
        .order_by(Subscription.id)
        .limit(1)
    )
    digest = bool(digest) and topic is not SubscriptionTopic.CONSULTATIONS
    if subscription is None:
        # The token derives from the id, which the insert assigns: a random placeholder fills the
        # unique column until then.
        subscription = Subscription(
            email=email,
            email_index=address_index(ring, email),
            topic=topic,
            digest=digest,
            token=secrets.token_hex(32),
            created_at=now,
            **what,
        )
        db.session.add(subscription)
        db.session.flush()
    elif subscription.confirmed_at is None:
        subscription.created_at = now  # renews the confirmation link
        # Only before confirmation: whoever knows an address must not change how its owner is served.
        subscription.digest = digest
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


def _category_name(category):
    return category.name_en if current_language() == "en" and category.name_en else category.name


def target_label(subscription):
    """What a subscription follows, in the user's language: "the area 第六师五家渠市", "report …"."""
    # An area and its division unit have the same name: the kind of target must be said.
    if subscription.topic is SubscriptionTopic.REPORT:
        return _("report %(ref)s", ref=subscription.report.reference)
    if subscription.topic is SubscriptionTopic.REPORTS:
        category, area = subscription.category, subscription.area
        if category is None:
            return _("reports in the area %(area)s", area=area.label)
        if area is None:
            return _("reports of the category %(category)s", category=_category_name(category))
        return _(
            "reports of the category %(category)s in the area %(area)s",
            category=_category_name(category),
            area=area.label,
        )
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
    return by_token(
        Subscription,
        token,
        _(
            "This subscription link is not valid: the subscription was cancelled, or the link is "
            "incomplete. Copy the whole link from the email, or subscribe again."
        ),
    )


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
            # Report subscriptions name areas too: only consultation subscriptions hear of consultations.
            Subscription.topic == SubscriptionTopic.CONSULTATIONS,
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


# --- report notices ------------------------------------------------------------------------------


def _heard(subscription, event):
    """True when `subscription` (of reports or of one report) hears of `event`."""
    report = event.report
    if subscription.confirmed_at is None or subscription.confirmed_at > event.created_at:
        return False
    if subscription.topic is SubscriptionTopic.REPORT:
        return subscription.report_id == report.id and event.kind in REPORT_EVENTS
    return (
        subscription.topic is SubscriptionTopic.REPORTS
        and event.kind in REPORTS_EVENTS
        and subscription.area_id in (None, report.area_id)
        and subscription.category_id in (None, report.category_id)
    )


def _report_subscriptions(digest):
    """Confirmed subscriptions of reports and of one report taking `digest`s (or each event)."""
    query = sa.select(Subscription).where(
        Subscription.confirmed_at.is_not(None),
        Subscription.topic.in_((SubscriptionTopic.REPORTS, SubscriptionTopic.REPORT)),
        Subscription.digest == digest,
    )
    return db.session.scalars(query.order_by(Subscription.id)).all()


def _by_address(subscriptions):
    by_address = {}
    for subscription in subscriptions:
        by_address.setdefault(subscription.email.lower(), []).append(subscription)
    return by_address


def _pending_events(limit):
    """Public events the report subscriptions may hear of with no notice queued yet, oldest first."""
    since = db.session.scalar(
        sa.select(sa.func.min(Subscription.confirmed_at)).where(
            Subscription.topic.in_((SubscriptionTopic.REPORTS, SubscriptionTopic.REPORT)),
            Subscription.digest == sa.false(),
        )
    )
    if since is None:
        return []
    return db.session.scalars(
        sa.select(ReportEvent)
        .outerjoin(ReportNotice, ReportNotice.event_id == ReportEvent.id)
        .where(
            ReportNotice.event_id.is_(None),
            ReportEvent.created_at >= since,
            ReportEvent.kind.in_(REPORTS_EVENTS | REPORT_EVENTS),
            ReportEvent.report_id.in_(
                sa.select(Report.id).where(access.REPORTS.public_condition())
            ),
        )
        .order_by(ReportEvent.id)
        .limit(limit)
        .options(joinedload(ReportEvent.report))
    ).all()


def _claim(table, values, where=None):
    """True when this run recorded the row or claim first; a concurrent run (another host) gets False."""
    if where is None:
        # RETURNING, not rowcount: psycopg reports no row count for INSERT … ON CONFLICT here.
        insert = postgresql.insert if _postgres() else sqlite.insert
        statement = insert(table).values(**values).on_conflict_do_nothing()
        return db.session.execute(statement.returning(*table.primary_key)).first() is not None
    statement = sa.update(table).where(where).values(**values)
    return db.session.execute(statement).rowcount == 1


def _postgres():
    return db.session.get_bind().dialect.name == "postgresql"


def _follows(config, subscriptions):
    return [(s, unsubscribe_path(link_token(config["SECRET_KEY"], s))) for s in subscriptions]


def queue_report_notices(config, now=None, limit=NOTICE_BATCH):
    """Queue a notice of each new public report event to the confirmed subscribers who take each event;
    returns (events handled, mails queued). Each event is recorded so that it is announced once."""
    now = now or utcnow()
    events = _pending_events(limit)
    subscriptions = _report_subscriptions(digest=False) if events else []
    mails = 0
    for event in events:
        if not _claim(ReportNotice.__table__, {"event_id": event.id, "queued_at": now}):
            continue
        matching = [s for s in subscriptions if _heard(s, event)]
        for followed in _by_address(matching).values():
            mail.queue(
                followed[0].email,
                "subscriptions/report",
                report=event.report,
                event=event,
                link=f"/reports/{event.report.reference}",
                follows=_follows(config, followed),
            )
            mails += 1
    db.session.flush()
    return len(events), mails


def _day_bounds(day, tz):
    start = datetime.combine(day, time(0), tzinfo=ZoneInfo(tz))
    return start, start + timedelta(days=1)


def queue_digests(config, now=None):
    """Queue yesterday's (Beijing day) digest to each address with confirmed digest subscriptions whose
    followed reports had events; returns the number of mails. Once per day: a later run queues nothing."""
    now = now or utcnow()
    tz = config.get("BABEL_DEFAULT_TIMEZONE", clocks.DEFAULT_TZ)
    day = clocks.local_day(now, tz) - timedelta(days=1)
    start, end = _day_bounds(day, tz)
    due = [
        s
        for s in _report_subscriptions(digest=True)
        if s.digest_sent_on is None or s.digest_sent_on < day
    ]
    if not due:
        return 0
    events = db.session.scalars(
        sa.select(ReportEvent)
        .where(
            ReportEvent.created_at >= start,
            ReportEvent.created_at < end,
            ReportEvent.kind.in_(REPORTS_EVENTS | REPORT_EVENTS),
            ReportEvent.report_id.in_(
                sa.select(Report.id).where(access.REPORTS.public_condition())
            ),
        )
        .order_by(ReportEvent.id)
        .options(joinedload(ReportEvent.report))
    ).all()
    mails = 0
    for subscriptions in _by_address(due).values():
        claimed = [
            s
            for s in subscriptions
            if _claim(
                Subscription.__table__,
                {"digest_sent_on": day},
                sa.and_(
                    Subscription.id == s.id,
                    sa.or_(
                        Subscription.digest_sent_on.is_(None), Subscription.digest_sent_on < day
                    ),
                ),
            )
        ]
        sections = [
            (s, path, [e for e in events if _heard(s, e)]) for s, path in _follows(config, claimed)
        ]
        sections = [section for section in sections if section[2]]
        if sections:
            mail.queue(sections[0][0].email, "subscriptions/digest", day=day, sections=sections)
            mails += 1
    db.session.flush()
    return mails
