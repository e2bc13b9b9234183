"""Hearings (听证会) of a consultation: scheduling with the notice rule, registration with a waitlist,
cancellation by code, attendance, minutes and reminders.

The notice rule (`earliest_hearing_day`): a hearing must be announced at least
HEARING_NOTICE_WORKING_DAYS working days before it. Counted on Beijing dates (`clocks.local_day`)
with `clocks.Calendar` (holidays, 调休 make-up workdays, admin overrides):

- the day of the announcement does not count (开始的当日不计入, as for every clock of the portal);
- the hearing day does not count either: the N working days must all lie strictly between the
  announcement day and the hearing day, so residents have N full working days to read the notice,
  prepare and register. This is the stricter of the two readings of "N working days before"; a
  unit that meets it meets the looser one too.

So the earliest hearing day is the day after `Calendar.add(announcement day, N, working_days=True)`.
Announced on Monday 28 September 2026 with N = 10, the ten working days are 29 and 30 September,
8 and 9 October, Saturday 10 October (a make-up workday), 12 to 16 October: the hearing may be held
on 17 October at the earliest.

Seats are never oversold: `register` and `cancel` take the hearing's row lock before they
count (see `_lock`), so two registrations for the last seat are decided one after the other.

Registration codes are random (100 bits), shown once and stored only as a SHA-256 hash
(`reports.hash_code`): whoever holds a code may cancel, so the database must not be able to
reveal one.
"""

import base64
import csv
import hashlib
import hmac
import io
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from portal import numbers
from portal.contacts import contact_errors
from portal.errors import Conflict, Forbidden, NotFound, ValidationFailed
from portal.extensions import db
from portal.models import Consultation, ConsultationState, Hearing, Registration, RegistrationStatus
from portal.models.types import utcnow
from portal.permissions import Permission
from portal.sanitize import clean_text
from portal.services import access, audit, clocks, mail, subscriptions
from portal.services.reports import hash_code

NOTICE_BASIS = "《环境保护公众参与办法》"
SEATS = (1, 10_000)
NAME_LENGTH = 80
PLACE_LENGTH = 300
ELIGIBILITY_LENGTH = 2000
VIEWPOINT_LENGTH = (10, 2000)
MINUTES_LENGTH = (10, 100_000)
EMAIL_LENGTH = 254
REMINDER_HOURS = 24

# A hearing is held for a consultation the public can see and that is not finished: while comments
# are open, and after they close but before the unit publishes its answer (hearings are often held
# after the written comment period). Not for drafts (nobody has seen the notice), answered
# consultations (the participation statement is out) or withdrawn ones.
HEARING_STATES = (ConsultationState.OPEN, ConsultationState.CLOSED)

# Characters that make spreadsheet programs read a cell as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _tz(config):
    return config.get("BABEL_DEFAULT_TIMEZONE") or clocks.DEFAULT_TZ


def _notice_days(config):
    value = config["HEARING_NOTICE_WORKING_DAYS"]
    # bool is an int subclass: True is a typo, not one day.
    if isinstance(value, bool) or int(value) < 1:
        raise ValueError(
            f"HEARING_NOTICE_WORKING_DAYS: expected at least 1 working day, got {value!r}"
        )
    return int(value)


def _require_aware(moment, name):
    # Which day a naive datetime falls on depends on a time zone nobody stated: a caller's bug.
    if moment.tzinfo is None:
        raise ValueError(f"{name}: naive datetime; the hearing's day depends on the time zone")


def _manage(user, consultation):
    """Refuse anyone but staff of the responsible unit with the hearings permission."""
    # Other units (site administrators included) are refused: the list carries residents' contacts,
    # which only the unit holding the hearing needs. Forbidden, not NotFound: hearings are public.
    if user.unit_id != consultation.unit_id or not user.can(Permission.HEARINGS_MANAGE):
        raise Forbidden(
            _("Only staff of the responsible unit can manage this consultation's hearings.")
        )


def get_for_unit(user, hearing_id):
    """A hearing for its unit's console (or site oversight), or NotFound; managing is checked by each call."""
    return access.HEARINGS.get_for_unit(user, hearing_id)


def get_public(hearing_id):
    """A hearing of a published consultation, or NotFound (a draft's hearing does not exist)."""
    return access.HEARINGS.get_public(hearing_id)


def earliest_hearing_day(announced_at, config, calendar=None):
    """(earliest allowed hearing day, uncovered years) for a notice published at `announced_at`."""
    _require_aware(announced_at, "announced_at")
    calendar = calendar or clocks.Calendar.load()
    counted = calendar.add(clocks.local_day(announced_at, _tz(config)), _notice_days(config), True)
    return counted.due_on + timedelta(days=1), counted.uncovered_years


def schedule(
    user,
    consultation,
    starts_at,
    place,
    seats,
    registration_closes_at,
    eligibility,
    config,
    calendar=None,
    now=None,
):
    """Schedule and announce (now) a hearing of `consultation`; the caller commits."""
    now = now or utcnow()
    _manage(user, consultation)
    if consultation.state not in HEARING_STATES:
        raise Conflict(
            _(
                "A hearing can be scheduled only while the consultation is open or closed "
                "awaiting its answer."
            )
        )
    if starts_at is None:
        raise ValidationFailed(_("Enter the start of the hearing."), field="starts_at")
    _require_aware(starts_at, "starts_at")
    place = " ".join(clean_text(place).split())
    if not place or len(place) > PLACE_LENGTH:
        raise ValidationFailed(
            _(
                "Enter the place where the hearing is held, in %(n)s characters or fewer.",
                n=PLACE_LENGTH,
            ),
            field="place",
        )
    low, high = SEATS
    if isinstance(seats, bool) or not isinstance(seats, int) or not low <= seats <= high:
        raise ValidationFailed(
            _("The number of seats must be from %(low)s to %(high)s.", low=low, high=f"{high:,}"),
            field="seats",
        )
    if registration_closes_at is None:
        raise ValidationFailed(
            _("Enter the registration deadline."), field="registration_closes_at"
        )
    _require_aware(registration_closes_at, "registration_closes_at")
    if registration_closes_at >= starts_at:
        raise ValidationFailed(
            _("The registration deadline must be before the hearing starts."),
            field="registration_closes_at",
        )
    if registration_closes_at <= now:
        raise ValidationFailed(
            _("The registration deadline must be in the future."), field="registration_closes_at"
        )
    eligibility = clean_text(eligibility)
    if len(eligibility) > ELIGIBILITY_LENGTH:
        raise ValidationFailed(
            _(
                "The conditions on who may register must be %(n)s characters or fewer.",
                n=f"{ELIGIBILITY_LENGTH:,}",
            ),
            field="eligibility",
        )
    tz = _tz(config)
    earliest, _uncovered = earliest_hearing_day(now, config, calendar)
    if clocks.local_day(starts_at, tz) < earliest:
        raise ValidationFailed(
            _(
                "The hearing starts too soon: under %(rule)s a hearing must be announced at least %(days)s working "
                "days before the hearing day. Announced today (%(today)s), it can start on %(earliest)s at the earliest.",
                rule=NOTICE_BASIS,
                days=_notice_days(config),
                today=clocks.local_day(now, tz).isoformat(),
                earliest=earliest.isoformat(),
            ),
            field="starts_at",
        )
    hearing = Hearing(
        consultation=consultation,
        starts_at=starts_at,
        place=place,
        seats=seats,
        registration_closes_at=registration_closes_at,
        eligibility=eligibility,
        announced_at=now,
    )
    db.session.add(hearing)
    db.session.flush()
    subscriptions.notify_hearing(hearing, config)
    return hearing


def _lock(hearing):
    """Take the hearing's row lock for this transaction; return the row as it is now.

    Counting seats and writing the result must not interleave with another transaction doing the same,
    or two requests both see "4 of 5 taken" and both confirm.
    """
    table = Hearing.__table__
    if db.session.get_bind(Hearing).dialect.name == "sqlite":
        # SQLite has no row locks and no SELECT … FOR UPDATE, and pysqlite opens its (deferred)
        # transaction only at the first write: a count done first would run unlocked, and two requests
        # could both count before either inserts. Any UPDATE takes the database's single write lock
        # when it starts, even one that changes nothing (checked: an UPDATE matching no row already
        # makes a second writer get "database is locked"). As the first statement of the transaction
        # it waits (busy timeout) until any other writer commits, and everything read afterwards, the
        # count included, is the latest committed state, which nobody else can change until we commit.
        # `version` is set to itself, not bumped: as with FOR UPDATE on PostgreSQL, a registration must
        # not look like an edit of the hearing to a staff member's optimistic version check.
        # (Had this transaction read before without writing, WAL mode would refuse the upgrade with
        # SQLITE_BUSY rather than serve a stale snapshot: a failed request, never an oversold seat.)
        db.session.execute(
            sa.update(table).where(table.c.id == hearing.id).values(version=table.c.version)
        )
        query = sa.select(Hearing).where(Hearing.id == hearing.id)
    else:
        # PostgreSQL (READ COMMITTED): the row lock queues concurrent registrations; each later
        # statement takes a new snapshot, so the count below sees what the previous holder committed.
        query = sa.select(Hearing).where(Hearing.id == hearing.id).with_for_update()
    # populate_existing: seats, deadline and state as committed now, not as loaded before the lock.
    return db.session.scalars(query.execution_options(populate_existing=True)).one()


def _count(hearing, status):
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(Registration.hearing_id == hearing.id, Registration.status == status)
    )


def _registration_open(hearing, now):
    return (
        hearing.consultation.state in HEARING_STATES
        and now < hearing.registration_closes_at
        and now < hearing.starts_at
    )


def _refuse_if_closed(hearing, now, tz):
    if hearing.consultation.state not in HEARING_STATES:
        raise Conflict(_("This hearing is not taking registrations."))
    if now >= hearing.registration_closes_at or now >= hearing.starts_at:
        raise Conflict(
            _(
                "Registration for this hearing closed at %(when)s.",
                when=_local(hearing.registration_closes_at, tz),
            )
        )


def _local(moment, tz):
    # Messages show Beijing time (`tz`), like every date on the portal (templating.local_datetime).
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def new_code(secret):
    """A fresh registration code: 100 random bits, grouped XXXX-XXXX-XXXX-XXXX-XXXX like receipt codes."""
    # The randomness is the 128-bit nonce from `secrets`; keying it with the application secret costs
    # nothing and keeps codes unpredictable even if the system's random source were ever weak.
    nonce = secrets.token_bytes(16)
    raw = base64.b32encode(
        hmac.new(secret.encode(), b"hearing:" + nonce, hashlib.sha256).digest()
    ).decode()[:20]
    return "-".join(raw[i : i + 4] for i in range(0, 20, 4))


def _validate_registrant(name, phone, email, wants_to_speak, viewpoint):
    name, phone, email = (
        " ".join(clean_text(name).split()),
        (phone or "").strip(),
        (email or "").strip(),
    )
    viewpoint = clean_text(viewpoint)
    errors = []
    if not name:
        errors.append(("name", _("Enter your name.")))
    elif len(name) > NAME_LENGTH:
        errors.append(("name", _("Your name must be %(n)s characters or fewer.", n=NAME_LENGTH)))
    errors += contact_errors(phone, email, _("Enter your phone number or your email address."))
    low, high = VIEWPOINT_LENGTH
    if wants_to_speak and not low <= len(viewpoint) <= high:
        errors.append(
            (
                "viewpoint",
                _(
                    "To speak, summarise your viewpoint in %(low)s to %(high)s characters "
                    "(it has %(n)s).",
                    low=low,
                    high=f"{high:,}",
                    n=len(viewpoint),
                ),
            )
        )
    elif len(viewpoint) > high:
        errors.append(
            (
                "viewpoint",
                _(
                    "The summary of your viewpoint must be %(n)s characters or fewer.",
                    n=f"{high:,}",
                ),
            )
        )
    if errors:
        raise ValidationFailed.every(errors)
    return name, phone, email, viewpoint


def register(
    hearing, name, phone, email, wants_to_speak, viewpoint, secret, now=None, tz=clocks.DEFAULT_TZ
):
    """Register for a hearing: (registration, code shown once); confirmed while seats last, else waitlisted.

    `tz` is the time zone of the deadline a refusal names.
    """
    now = now or utcnow()
    name, phone, email, viewpoint = _validate_registrant(
        name, phone, email, wants_to_speak, viewpoint
    )
    _refuse_if_closed(
        hearing, now, tz
    )  # before locking: a late request need not queue for the lock
    hearing = _lock(hearing)
    _refuse_if_closed(
        hearing, now, tz
    )  # again under the lock: the deadline or the state may have moved
    confirmed = _count(hearing, RegistrationStatus.CONFIRMED)
    status = (
        RegistrationStatus.CONFIRMED if confirmed < hearing.seats else RegistrationStatus.WAITLISTED
    )
    code = new_code(secret)
    registration = Registration(
        hearing_id=hearing.id,
        code_hash=hash_code(code),
        name=name,
        phone=phone,
        email=email,
        wants_to_speak=bool(wants_to_speak),
        viewpoint=viewpoint,
        status=status,
        created_at=now,
    )
    db.session.add(registration)
    db.session.flush()
    position = waitlist_position(registration)
    # The resident needs the code to cancel, and a mailbox is where people keep such things. Until
    # `portal send-mail` delivers it (and blanks the body) the code also sits in the outbox.
    mail.queue(
        email,
        "hearings/registered",
        hearing=hearing,
        consultation=hearing.consultation,
        registration=registration,
        code=code,
        position=position,
    )
    return registration, code


def waitlist_position(registration):
    """Where a waitlisted registration stands (1 = next to get a seat), or None when it is not waitlisted."""
    if registration.status is not RegistrationStatus.WAITLISTED:
        return None
    ahead = (
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(
            Registration.hearing_id == registration.hearing_id,
            Registration.status == RegistrationStatus.WAITLISTED,
            sa.or_(
                Registration.created_at < registration.created_at,
                sa.and_(
                    Registration.created_at == registration.created_at,
                    Registration.id < registration.id,
                ),
            ),
        )
    )
    return db.session.scalar(ahead) + 1


def find(code):
    """The registration a code belongs to, or NotFound."""
    registration = None
    if (code or "").strip():
        registration = db.session.scalar(
            sa.select(Registration).where(Registration.code_hash == hash_code(code))
        )
    if registration is None:
        raise NotFound(_("No registration matches this code."), field="code")
    return registration


def _fill(hearing, now):
    """Move waitlisted registrations up, oldest first, while seats are free; returns those moved."""
    free = hearing.seats - _count(hearing, RegistrationStatus.CONFIRMED)
    if free <= 0:
        return []
    moved = db.session.scalars(
        sa.select(Registration)
        .where(
            Registration.hearing_id == hearing.id,
            Registration.status == RegistrationStatus.WAITLISTED,
        )
        .order_by(Registration.created_at, Registration.id)
        .limit(free)
    ).all()
    for registration in moved:
        registration.status = RegistrationStatus.CONFIRMED
        mail.queue(
            registration.email,
            "hearings/promoted",
            hearing=hearing,
            consultation=hearing.consultation,
            registration=registration,
        )
    return moved


def cancel(code, now=None, tz=clocks.DEFAULT_TZ):
    """Cancel the registration with `code`; a freed seat goes to the first on the waitlist (`tz`: for the refusal)."""
    now = now or utcnow()
    registration = find(code)
    hearing = _lock(registration.hearing)
    # Re-read under the lock: a second click racing the first must see it as cancelled.
    db.session.refresh(registration)
    if registration.status is RegistrationStatus.CANCELLED:
        raise Conflict(
            _(
                "This registration was already cancelled on %(when)s; nothing more needs to be done.",
                when=_local(registration.cancelled_at, tz),
            )
        )
    if now >= hearing.starts_at:
        raise Conflict(_("The hearing has started; registrations can no longer be cancelled."))
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now
    db.session.flush()
    # A withdrawn or answered consultation holds no hearing: nobody is to be told they now have a seat.
    if hearing.consultation.state in HEARING_STATES:
        _fill(hearing, now)
    return registration


@dataclass
class Attendees:
    """The hearing's list for its unit's staff: confirmed, waitlisted (in waitlist order) and cancelled."""

    confirmed: list
    waitlisted: list
    cancelled: list = field(default_factory=list)

    @property
    def speakers(self):
        """Confirmed registrants who asked to speak, with their viewpoints."""
        return [r for r in self.confirmed if r.wants_to_speak]


def _active(hearing):
    return db.session.scalars(
        sa.select(Registration)
        .where(
            Registration.hearing_id == hearing.id,
            Registration.status != RegistrationStatus.CANCELLED,
        )
        .order_by(Registration.created_at, Registration.id)
    ).all()


def attendees(user, hearing):
    """Confirmed and waitlisted registrations, with contacts and speak requests, for the unit's staff."""
    _manage(user, hearing.consultation)
    active = _active(hearing)
    cancelled = db.session.scalars(
        sa.select(Registration)
        .where(
            Registration.hearing_id == hearing.id,
            Registration.status == RegistrationStatus.CANCELLED,
        )
        .order_by(Registration.cancelled_at, Registration.id)
    ).all()
    return Attendees(
        [r for r in active if r.status is RegistrationStatus.CONFIRMED],
        [r for r in active if r.status is RegistrationStatus.WAITLISTED],
        cancelled,
    )


def mark_attendance(user, hearing, registration_ids, now=None, tz=clocks.DEFAULT_TZ):
    """Record who attended: exactly the registrations in `registration_ids` (from the hearing day on, in `tz`)."""
    now = now or utcnow()
    _manage(user, hearing.consultation)
    if clocks.local_day(now, tz) < clocks.local_day(hearing.starts_at, tz):
        raise Conflict(_("Attendance can be marked from the day of the hearing."))
    if hearing.minutes_published_at is not None:
        # The published attendance count is part of the public record and of the participation statement.
        raise Conflict(_("The minutes are published; attendance can no longer be changed."))
    wanted = {numbers.identifier(i) for i in registration_ids}
    if None in wanted:
        raise ValidationFailed(
            _("Choose who attended from the list of registrations."), field="registration_ids"
        ) from None
    active = {r.id: r for r in _active(hearing)}
    unknown = sorted(wanted - active.keys())
    if unknown:
        raise ValidationFailed(
            _(
                "Registration %(id)s is not on this hearing's list: choose who attended from the list.",
                id=unknown[0],
            ),
            field="registration_ids",
        )
    # A form of checkboxes sends the whole list: unticking a name must clear it.
    for registration in active.values():
        registration.attended = registration.id in wanted
    return sum(1 for r in active.values() if r.attended)


def status_label(status):
    """A registration status in the user's language."""
    return {
        RegistrationStatus.CONFIRMED: _("Confirmed"),
        RegistrationStatus.WAITLISTED: _("Waitlisted"),
        RegistrationStatus.CANCELLED: _("Cancelled"),
    }[status]


def _cell(value):
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def export_csv(user, hearing):
    """The attendance list as CSV text (UTF-8 BOM for spreadsheet programs), without contacts."""
    # No phone or email: the file is a sign-in sheet and speakers' list, printed and passed around
    # outside the portal's access control and logs. Staff who must call someone look the contact up in
    # the console (`attendees`), where access is checked every time (minimum necessary, 个人信息保护法).
    listing = attendees(user, hearing)
    # Names and viewpoints leave the portal in this file: each download is accounted for (the caller commits).
    audit.record(
        "attendee_list.download",
        "hearing",
        hearing.id,
        actor=user,
        detail=f"{len(listing.confirmed) + len(listing.waitlisted)} registrants",
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [_("Name"), _("Registration status"), _("Wants to speak"), _("Viewpoint"), _("Attended")]
    )
    yes, no = _("Yes"), _("No")
    for registration in listing.confirmed + listing.waitlisted:
        writer.writerow(
            [
                _cell(registration.name),
                status_label(registration.status),
                yes if registration.wants_to_speak else no,
                _cell(registration.viewpoint),
                yes if registration.attended else no,
            ]
        )
    # Excel, which most offices open CSV files with, reads UTF-8 as the local code page without a BOM.
    return "\ufeff" + buffer.getvalue()


def publish_minutes(user, hearing, minutes, now=None):
    """Publish (or correct) the minutes after the hearing started, with the marked attendance count."""
    now = now or utcnow()
    _manage(user, hearing.consultation)
    if now < hearing.starts_at:
        raise Conflict(_("The minutes can be published only after the hearing has started."))
    minutes = clean_text(minutes)
    low, high = MINUTES_LENGTH
    if not low <= len(minutes) <= high:
        raise ValidationFailed(
            _(
                "The minutes must be between %(low)s and %(high)s characters (they have %(n)s).",
                low=low,
                high=f"{high:,}",
                n=len(minutes),
            ),
            field="minutes",
        )
    hearing.minutes = minutes
    hearing.attendance_count = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(
            Registration.hearing_id == hearing.id,
            Registration.attended.is_(True),
            Registration.status != RegistrationStatus.CANCELLED,
        )
    )
    hearing.minutes_published_at = now
    return hearing


def due_reminders(now, hours=REMINDER_HOURS):
    """Hearings starting within `hours` whose registrants have not been reminded yet."""
    return db.session.scalars(
        sa.select(Hearing)
        .join(Consultation, Hearing.consultation_id == Consultation.id)
        .where(
            Hearing.reminder_sent_at.is_(None),
            Hearing.starts_at > now,
            Hearing.starts_at <= now + timedelta(hours=hours),
            Consultation.state.in_(HEARING_STATES),
        )
        .order_by(Hearing.starts_at, Hearing.id)
    ).all()


def send_reminders(now=None, hours=REMINDER_HOURS):
    """Queue a reminder to every confirmed registrant with an email of each due hearing, once; returns how many."""
    now = now or utcnow()
    table = Hearing.__table__
    queued = 0
    for hearing in due_reminders(now, hours):
        # Claim the hearing with a conditional UPDATE: of two overlapping runs (cron and a manual one) only
        # the one that changes the row sends, on any database, instead of both mailing everyone.
        claimed = db.session.execute(
            sa.update(table)
            .where(table.c.id == hearing.id, table.c.reminder_sent_at.is_(None))
            .values(reminder_sent_at=now)
        ).rowcount
        db.session.expire(hearing, ["reminder_sent_at"])
        if claimed != 1:
            continue
        recipients = db.session.scalars(
            sa.select(Registration)
            .where(
                Registration.hearing_id == hearing.id,
                Registration.status == RegistrationStatus.CONFIRMED,
                Registration.email != "",
            )
            .order_by(Registration.id)
        ).all()
        for registration in recipients:
            mail.queue(
                registration.email,
                "hearings/reminder",
                hearing=hearing,
                consultation=hearing.consultation,
                registration=registration,
            )
            queued += 1
    return queued


@dataclass(frozen=True)
class PublicHearing:
    """What anyone may see of a hearing: no registrant's name or contact, by construction."""

    id: int
    consultation_id: int
    starts_at: datetime
    place: str
    seats: int
    seats_left: int
    waitlist_length: int
    eligibility: str
    registration_closes_at: datetime
    registration_open: bool
    announced_at: datetime | None
    minutes: str
    minutes_published_at: datetime | None
    attendance_count: int | None

    @property
    def day(self) -> date:
        """The hearing's day in Beijing."""
        return clocks.local_day(self.starts_at)


def public_views(hearings, now=None):
    """`public_view` of each of `hearings`, their registrations counted in one query for all."""
    counts = _counts_by_status([h.id for h in hearings])
    return [public_view(h, now, counts.get(h.id, {})) for h in hearings]


def _counts_by_status(hearing_ids):
    counts = {}
    if hearing_ids:
        rows = db.session.execute(
            sa.select(Registration.hearing_id, Registration.status, sa.func.count())
            .where(Registration.hearing_id.in_(hearing_ids))
            .group_by(Registration.hearing_id, Registration.status)
        )
        for hearing_id, status, number in rows:
            counts.setdefault(hearing_id, {})[status] = number
    return counts


def public_view(hearing, now=None, counts=None):
    """The public facts of a hearing: time, place, seats left, waitlist length, minutes once published."""
    now = now or utcnow()
    counts = _counts_by_status([hearing.id]).get(hearing.id, {}) if counts is None else counts
    confirmed = counts.get(RegistrationStatus.CONFIRMED, 0)
    published = hearing.minutes_published_at is not None
    # Plain values copied out of the model: a template given this cannot reach `registrations`.
    return PublicHearing(
        id=hearing.id,
        consultation_id=hearing.consultation_id,
        starts_at=hearing.starts_at,
        place=hearing.place,
        seats=hearing.seats,
        seats_left=max(0, hearing.seats - confirmed),
        waitlist_length=counts.get(RegistrationStatus.WAITLISTED, 0),
        eligibility=hearing.eligibility,
        registration_closes_at=hearing.registration_closes_at,
        registration_open=_registration_open(hearing, now),
        announced_at=hearing.announced_at,
        minutes=hearing.minutes if published else "",
        minutes_published_at=hearing.minutes_published_at,
        attendance_count=hearing.attendance_count if published else None,
    )
