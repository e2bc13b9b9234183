"""Citizen reports: intake, routing, deadlines, and what the resident can do with a receipt code."""

import base64
import enum
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import numbers
from portal.contacts import contact_errors
from portal.errors import NotFound, TooManyRequests, ValidationFailed
from portal.extensions import db
from portal.models import (
    EventKind,
    Evidence,
    ExtensionState,
    IdentityVisibility,
    Report,
    ReportCopy,
    ReporterIdentity,
    ReportSource,
    ReportStatus,
    ReportSupporter,
    User,
)
from portal.models.types import utcnow
from portal.sanitize import plain
from portal.services import clocks, evidence, history, mail, reference_data, search, throttle

DESCRIPTION_LENGTH = (10, 4000)
REPORT_WINDOW_SECONDS = 60 * 60
RECEIVED_WITHIN = timedelta(days=365)  # how far back a logged report's arrival may be


SOURCE_LABELS = {
    ReportSource.WEB: _l("The portal's report form"),
    ReportSource.OPEN311: _l("Another application (Open311)"),
    ReportSource.PHONE: _l("Phone (12369 hotline)"),
    ReportSource.LETTER: _l("Letter"),
    ReportSource.VISIT: _l("Visit in person (信访)"),
    ReportSource.EMAIL: _l("Email"),
    ReportSource.NEWS: _l("News or public opinion (舆论监督)"),
}


def source_label(source):
    """How a report arrived, in the user's language."""
    return str(SOURCE_LABELS[source])


@dataclass
class ReportInput:
    """What a resident (or an Open311 client) submits."""

    submission_key: str
    category: str
    area: int | None
    place: str
    description: str
    observed_at: datetime | None = None
    latitude: str | None = None
    longitude: str | None = None
    name: str = ""
    phone: str = ""
    email: str = ""
    visibility: IdentityVisibility = IdentityVisibility.ADMINISTRATORS
    files: list = field(default_factory=list)  # (file name, bytes)
    source: ReportSource = ReportSource.WEB
    api_key_id: int | None = None
    # When a report that staff log arrived by its channel: the legal clocks start then, not at the logging.
    received_at: datetime | None = None


@dataclass(frozen=True)
class Receipt:
    """A report just recorded, as its receipt page, its mails and the Open311 answer show it: plain values,
    so that answering reads nothing back. The stored Report has every one of these attributes too."""

    id: int
    reference: str
    submission_key: str
    submitted_at: datetime
    category: object  # reference_data.CategoryRow
    area: object  # reference_data.AreaRow
    unit: object  # reference_data.UnitRow
    routing_basis: str
    acceptance_due_at: datetime
    clock_warning: str
    status: ReportStatus = ReportStatus.RECEIVED
    accepted_at: datetime | None = None
    closed_at: datetime | None = None
    closure_due_at: datetime | None = None
    appeal_due_at: datetime | None = None
    extension_state: ExtensionState = ExtensionState.NONE
    extension_days: int | None = None
    appealed: bool = False


@dataclass
class Submission:
    """The outcome of `submit`: what to show of the report, its receipt code, and whether this call created it."""

    receipt: object  # a Receipt; the stored Report when the submission key had been seen before
    receipt_code: str
    created: bool

    @property
    def report(self):
        """The stored Report, read on first use (pages and answers show `receipt`, which reads nothing)."""
        if isinstance(self.receipt, Receipt):
            return db.session.get(Report, self.receipt.id)
        return self.receipt


def new_submission_key():
    """A random key that makes a form's submission idempotent."""
    return secrets.token_urlsafe(24)


def _derive(secret, purpose, submission_key):
    digest = hmac.new(
        secret.encode(), f"{purpose}:{submission_key}".encode(), hashlib.sha256
    ).digest()
    return base64.b32encode(digest).decode()


def receipt_code(secret, submission_key):
    """The receipt code (100 bits, grouped XXXX-XXXX-…) derived from the submission.

    Deriving it, instead of storing it, lets a double-submitted form show the same code again
    while the database keeps only a hash.
    """
    raw = _derive(secret, "receipt", submission_key)[:20]
    return "-".join(raw[i : i + 4] for i in range(0, 20, 4))


def link_token(secret, report):
    """The token in the private tracking link mailed to the resident."""
    return _derive(secret, "link", report.submission_key)[:32].lower()


def tracking_path(secret, report):
    """The private tracking link's path (the mail carries it instead of the receipt code)."""
    return f"/reports/track/{report.reference}/{link_token(secret, report)}"


def hash_code(code):
    """The stored form of a receipt code; capitals, spaces and dashes do not matter."""
    normal = re.sub(r"[\s\-]", "", code or "").upper()
    return hashlib.sha256(normal.encode()).hexdigest()


def deadline(kind, start, config, calendar=None, extra_days=0):
    """(due instant, uncovered years) of clock `kind` started at `start`."""
    rule = clocks.rules_from_config(config)[kind]
    calendar = calendar or clocks.Calendar.load()
    counted = calendar.add(
        clocks.local_day(start, config["BABEL_DEFAULT_TIMEZONE"]),
        rule.days + extra_days,
        rule.working_days,
    )
    return clocks.due_at(counted, config["BABEL_DEFAULT_TIMEZONE"]), counted.uncovered_years


# Where each clock keeps its due instant on the report.
DUE_COLUMNS = {
    clocks.ClockKind.ACCEPTANCE: "acceptance_due_at",
    clocks.ClockKind.CLOSURE: "closure_due_at",
    clocks.ClockKind.APPEAL: "appeal_due_at",
}


def start_clock(report, kind, start, config, extra_days=0):
    """Count clock `kind` from `start` and keep its due instant and the years it had to guess, on the report."""
    due, uncovered = deadline(kind, start, config, extra_days=extra_days)
    setattr(report, DUE_COLUMNS[kind], due)
    _keep_warnings(report, {**clock_warnings(report), kind: tuple(uncovered)})


def _warning_text(by_kind):
    return ";".join(
        f"{kind.value}:{','.join(map(str, years))}"
        for kind, years in by_kind.items()
        if kind is not _LEGACY and years
    )


def stop_clock(report, kind):
    """Clear clock `kind` (a transfer starts the handling again): no due instant, no warning."""
    setattr(report, DUE_COLUMNS[kind], None)
    _keep_warnings(
        report, {k: years for k, years in clock_warnings(report).items() if k is not kind}
    )


# `Report.clock_warning` holds, per clock, the years its count ran through that no holiday calendar covered
# when it was counted: "acceptance:2027;closure:2027,2028". Each deadline warns only of its own count's years
# (one report-wide list made a 2026 acceptance deadline warn of 2027 as soon as closure ran into it).
# A bare list ("2027") was written before the clocks were kept apart; see `_legacy_years`.
_LEGACY = None


def clock_warnings(report):
    """{clock kind: years} recorded for the report's deadlines (kind None: written before they were kept apart)."""
    found = {}
    for part in filter(None, (report.clock_warning or "").split(";")):
        name, _sep, years = part.rpartition(":")
        kind = clocks.ClockKind(name) if name else _LEGACY
        found[kind] = tuple(int(y) for y in years.split(",") if y)
    return found


def _keep_warnings(report, by_kind):
    report.clock_warning = _warning_text(by_kind)


def _legacy_years(years, due_at, tz):
    # A report-wide list does not say which count met a year; a count ending before 1 January of it cannot have.
    return tuple(y for y in years if y <= clocks.local_day(due_at, tz).year)


def _validate(data, now):
    place = plain(data.place)
    description = plain(data.description)
    if not place or len(place) > 300:
        raise ValidationFailed(_("Enter the place, in 300 characters or fewer."), field="place")
    low, high = DESCRIPTION_LENGTH
    if not low <= len(description) <= high:
        raise ValidationFailed(
            _(
                "The description of the problem must be between %(low)s and %(high)s characters (it has %(n)s).",
                low=low,
                high=high,
                n=len(description),
            ),
            field="description",
        )
    if data.received_at and not now - RECEIVED_WITHIN <= data.received_at <= now + timedelta(
        minutes=5
    ):
        raise ValidationFailed(
            _("The time it was received must be within the last 365 days, not in the future."),
            field="received_at",
        )
    if data.observed_at and data.observed_at > now + timedelta(minutes=5):
        raise ValidationFailed(
            _("The time you observed it cannot be in the future."), field="observed_at"
        )
    coordinates = [
        numbers.parse_coordinate("latitude", data.latitude),
        numbers.parse_coordinate("longitude", data.longitude),
    ]
    if (coordinates[0] is None) != (coordinates[1] is None):
        raise ValidationFailed(
            _("The location needs both latitude and longitude, or neither."), field="latitude"
        )
    contact = contact_errors((data.phone or "").strip(), (data.email or "").strip())
    if contact:
        raise ValidationFailed.every(contact)
    if len(data.name or "") > 80:
        raise ValidationFailed(
            _("Your name must be %(n)s characters or fewer.", n=80), field="name"
        )
    if len(data.files) > evidence.MAX_FILES:
        raise ValidationFailed(
            _("Attach at most %(n)s photos or documents.", n=evidence.MAX_FILES), field="evidence"
        )
    return place, description, coordinates


# The statements every submission runs, built once (building one cost about as much as running it).
_SUBMITTED = sa.select(Report.id).where(Report.submission_key == sa.bindparam("key"))
_STAFF = (
    sa.select(User.email)
    .where(User.unit_id == sa.bindparam("unit_id"), User.active.is_(True))
    .order_by(User.id)
)
_INSERTS = {model: sa.insert(model.__table__) for model in (ReportCopy, ReporterIdentity, Evidence)}
# The columns `submit` gives a new report besides its id and reference.
_REPORT_COLUMNS = (
    "submission_key",
    "receipt_hash",
    "source",
    "api_key_id",
    "category_id",
    "area_id",
    "place",
    "latitude",
    "longitude",
    "observed_at",
    "description",
    "status",
    "unit_id",
    "task_id",
    "rule_id",
    "routing_basis",
    "submitted_at",
    "received_at",
    "acceptance_due_at",
    "clock_warning",
)
_REPORT_INSERTS = {}  # per dialect
_FILES = "portal_report_files"  # session.info: files stored in its transaction, removed unless it commits


def _report_insert(dialect_name):
    """One statement that records a report under its reference number, made from its own id, and records
    nothing when its submission key is taken (by a copy of the form sent earlier, or racing this one)."""
    table = Report.__table__
    if dialect_name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert

        next_id = sa.func.nextval(sa.literal_column("'reports_id_seq'"))
    else:
        from sqlalchemy.dialects.sqlite import insert

        # SQLite writes one transaction at a time, and a table without AUTOINCREMENT numbers rows the same way.
        next_id = sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0) + 1).scalar_subquery()
    new = sa.select(next_id.label("id")).subquery("new")
    number = six_digits(new.c.id)
    values = [sa.bindparam(name, type_=table.c[name].type) for name in _REPORT_COLUMNS]
    # WHERE: SQLite would read ON CONFLICT after a bare SELECT … FROM as a join's ON.
    rows = sa.select(new.c.id, sa.bindparam("prefix", type_=sa.String) + number, *values).where(
        sa.true()
    )
    return (
        insert(table)
        .from_select(["id", "reference", *_REPORT_COLUMNS], rows)
        .on_conflict_do_nothing(index_elements=[table.c.submission_key])
        .returning(table.c.id, table.c.reference)
    )


def six_digits(number):
    """SQL for `number` as f"{number:06d}" writes it: zero-padded to six digits, never cut."""
    digits = sa.cast(number, sa.String)
    padded = "00000" + digits
    return sa.case(
        (number < 1000000, sa.func.substr(padded, sa.func.length(padded) - 5)), else_=digits
    )


def find_submission(submission_key):
    """The report a submission key already created, or None."""
    # Every submission asks, and almost always in vain: the id alone, without the ORM, until there is one.
    found = db.session.connection().scalar(_SUBMITTED, {"key": submission_key})
    return db.session.get(Report, found) if found is not None else None


def submit(data, config, now=None, client=None, known=None, also_count=None):
    """Validate, route and record a report, once per submission key; the caller commits.

    A submission key already recorded (a form sent twice, or two copies racing) answers with that report's
    receipt and records nothing. Evidence is checked before anything is written, so a refused file leaves
    no trace, and files stored for a transaction that does not commit are removed when it ends. A `client`
    address may record REPORT_LIMIT reports an hour; beyond that TooManyRequests, and nothing is kept.
    `known` is the reference data (`reference_data.current()`) if the caller has it already; `also_count`, a
    caller's own counter (an API key's), is called with the address's (see below).
    """
    now = now or utcnow()
    secret = config["SECRET_KEY"]
    if not data.submission_key or len(data.submission_key) > 64:
        raise ValidationFailed(
            _("The form has expired. Please reload the page and submit again."), field="form"
        )
    known = known or reference_data.current()
    category = known.category(data.category)
    area = known.area(data.area) if data.area is not None else None
    if area is None:
        raise ValidationFailed(
            _("Choose the area: the 兵团 level or one of the 14 divisions."), field="area"
        )
    place, description, (latitude, longitude) = _validate(data, now)
    processed = [
        evidence.process(name, content, config["EVIDENCE_MAX_MEGAPIXELS"])
        for name, content in data.files
    ]
    decision = known.route(category, area, config["TRIAGE_UNIT"])
    received = data.received_at or now
    due, uncovered = deadline(
        clocks.ClockKind.ACCEPTANCE, received, config, calendar=known.calendar
    )
    code = receipt_code(secret, data.submission_key)
    row = {
        "submission_key": data.submission_key,
        "receipt_hash": hash_code(code),
        "source": data.source,
        "api_key_id": data.api_key_id,
        "category_id": category.id,
        "area_id": area.id,
        "place": place,
        "latitude": latitude,
        "longitude": longitude,
        "observed_at": data.observed_at,
        "description": description,
        "status": ReportStatus.RECEIVED,
        "unit_id": decision.unit.id,
        "task_id": category.task_id,
        "rule_id": decision.rule.id if decision.rule else None,
        "routing_basis": decision.basis,
        "submitted_at": now,
        "received_at": received,
        "acceptance_due_at": due,
        "clock_warning": _warning_text({clocks.ClockKind.ACCEPTANCE: tuple(uncovered)}),
    }
    staff = [
        address
        for address in db.session.connection().scalars(_STAFF, {"unit_id": decision.unit.id})
        if address
    ]
    stored = _store(processed, config)
    _remove_unless_committed(stored, config)
    # Everything above only reads: on SQLite the first write takes the database's write lock until the
    # commit, so the inserts and the counts come last and other workers' reports overlap with this one.
    receipt = _insert(
        row,
        data,
        config,
        now,
        (category, area, decision),
        staff,
        list(zip(processed, stored, strict=True)),
    )
    if receipt is None:
        _remove_now(stored, config)
        return Submission(find_submission(data.submission_key), code, created=False)
    # The counts after the inserts: on PostgreSQL a counter's row (one per address, one per API key) stays
    # locked until the commit, and every report from that address or key waits for it.
    if also_count is not None:
        also_count()
    if client is not None:
        _count_report(client, config, now)
    return Submission(receipt, code, created=True)


def _insert(row, data, config, now, routed, staff, files):
    """The report's rows and mail, or None when its submission key is already recorded."""
    category, area, decision = routed
    # Core statements: the ORM would add a flush, an identity map and a read-back per row, and nothing here
    # needs them. Every row of one report in one statement per table.
    connection = db.session.connection()
    dialect = connection.dialect.name
    statement = _REPORT_INSERTS.get(dialect)
    if statement is None:
        statement = _REPORT_INSERTS[dialect] = _report_insert(dialect)
    # The year residents see is Beijing's: from 00:00 to 08:00 on 1 January there, UTC is still in the old year.
    year = clocks.local_day(now, config["BABEL_DEFAULT_TIMEZONE"]).year
    recorded = connection.execute(
        statement, {**row, "prefix": f"{config['REPORT_PREFIX']}-{year}-"}
    ).first()
    if recorded is None:
        return None
    report_id, reference_number = recorded
    history.add_first_event(
        report_id, EventKind.SUBMITTED, unit_id=decision.unit.id, body=decision.basis, now=now
    )
    if decision.copies:
        connection.execute(
            _INSERTS[ReportCopy],
            [{"report_id": report_id, "unit_id": unit.id} for unit in decision.copies],
        )
    if data.name or data.phone or data.email:
        connection.execute(
            _INSERTS[ReporterIdentity],
            {
                "report_id": report_id,
                "name": plain(data.name),
                "phone": data.phone.strip(),
                "email": data.email.strip(),
                "visibility": data.visibility,
            },
        )
    if files:
        connection.execute(
            _INSERTS[Evidence],
            [
                {
                    "report_id": report_id,
                    "kind": item.kind,
                    "content_type": item.content_type,
                    "size": item.size,
                    "sha256_original": item.sha256_original,
                    "public_path": saved.public_path,
                    "original_path": saved.original_path,
                    "original_name": item.original_name,
                }
                for item, saved in files
            ],
        )
    receipt = Receipt(
        report_id,
        reference_number,
        data.submission_key,
        now,
        category,
        area,
        decision.unit,
        decision.basis,
        row["acceptance_due_at"],
        row["clock_warning"],
    )
    # The receipt code is shown once, on the confirmation page, and stored only as a hash: the outbox
    # keeps message bodies, so the mail carries the private link instead of the code.
    messages = []
    email = data.email.strip()
    if email:
        link = tracking_path(config["SECRET_KEY"], receipt)
        messages.append((email, *mail.render("reports/received", report=receipt, link=link)))
    if staff:
        subject, body = mail.render("reports/new_report", report=receipt)
        messages += [(address, subject, body) for address in staff]
    mail.insert(messages)
    return receipt


def _add_evidence(report, files):
    for item, saved in files:
        report.evidence.append(
            Evidence(
                kind=item.kind,
                content_type=item.content_type,
                size=item.size,
                sha256_original=item.sha256_original,
                public_path=saved.public_path,
                original_path=saved.original_path,
                original_name=item.original_name,
            )
        )


def _attach(report, processed, config):
    stored = _store(processed, config)
    _add_evidence(report, zip(processed, stored, strict=True))
    return stored


def _store(processed, config):
    """Write the checked files (before any row: a confirmed report always has its files); all or none."""
    stored = []
    try:
        for item in processed:
            stored.append(evidence.store(config["FILES_DIR"], item))
    except Exception:
        discard(stored, config)
        raise
    return stored


def discard(stored, config):
    """Remove files stored for a submission whose transaction did not commit."""
    for saved in stored:
        evidence.remove(config["FILES_DIR"], saved)


def _remove_unless_committed(stored, config):
    """Have `stored` removed when the session's transaction ends without committing."""
    if not stored:
        return
    session = db.session()
    for name, listener in (
        ("after_commit", _files_committed),
        ("after_transaction_end", _files_abandoned),
    ):
        if not sa.event.contains(type(session), name, listener):
            sa.event.listen(type(session), name, listener)
    session.info.setdefault(_FILES, []).append((stored, config))


def _remove_now(stored, config):
    pending = db.session.info.get(_FILES, [])
    if (stored, config) in pending:
        pending.remove((stored, config))
    discard(stored, config)


def _files_committed(session):
    session.info.pop(_FILES, None)


def _files_abandoned(session, transaction):
    if transaction.parent is None:  # the transaction itself, not a savepoint inside it
        for stored, config in session.info.pop(_FILES, ()):
            discard(stored, config)


def _count_report(client, config, now):
    # Counted in the report's transaction, after the checks and the inserts: a refused or failed report rolls
    # the count back with it, and on PostgreSQL concurrent reports from one address queue on the counter's
    # row only for the commit.
    key = throttle.private_key(config["SECRET_KEY"], "report", client)
    if throttle.hit(key, REPORT_WINDOW_SECONDS, now) > config["REPORT_LIMIT"]:
        wait = throttle.seconds_left(REPORT_WINDOW_SECONDS, now)
        raise TooManyRequests(
            _(
                "%(n)s reports have been sent from your connection within an hour, the most it may send. "
                "You can send this one in %(minutes)s minutes; what you wrote is kept below "
                "(choose any files again).",
                n=config["REPORT_LIMIT"],
                minutes=wait // 60 + 1,
            ),
            retry_after=wait,
        )


def notify_unit(report, template):
    """Queue a notice to every active staff member of the handling unit (no reporter details)."""
    mail.queue_all(
        db.session.scalars(_STAFF, {"unit_id": report.unit_id}).all(), template, report=report
    )


@dataclass
class Tracking:
    """The outcome of a tracking attempt: `report` on success, otherwise a message and a status."""

    report: Report | None
    message: str = ""
    status: int = 200
    supporter: ReportSupporter | None = None  # when the code is a supporter's, not the reporter's


def track(reference, code, client, config, now=None):
    """Open a report by reference and receipt code, counting wrong codes per client."""
    key = throttle.private_key(config["SECRET_KEY"], "track", client)
    window = config["TRACK_WINDOW_SECONDS"]
    if throttle.exhausted(key, config["TRACK_LIMIT"], window, now):
        minutes = max(1, window // 60)
        return Tracking(
            None,
            _("Too many wrong codes. Please wait %(n)s minutes and try again.", n=minutes),
            429,
        )
    report = db.session.scalar(
        sa.select(Report).where(Report.reference == (reference or "").strip().upper())
    )
    if report is not None and not hmac.compare_digest(report.receipt_hash, hash_code(code)):
        # A supporter's own code opens the case too, on the supporter's page (services/supporters.py).
        supporter = db.session.scalars(
            sa.select(ReportSupporter).where(
                ReportSupporter.report_id == report.id,
                ReportSupporter.receipt_hash == hash_code(code),
            )
        ).first()
        if supporter is not None:
            return Tracking(report, supporter=supporter)
    if report is None or not hmac.compare_digest(report.receipt_hash, hash_code(code)):
        throttle.hit(key, window, now)
        return Tracking(
            None, _("The reference number and receipt code do not match a report."), 404
        )
    return Tracking(report)


def open_link(reference, token, config):
    """The report a private tracking link points to, or NotFound."""
    report = db.session.scalar(sa.select(Report).where(Report.reference == reference))
    if report is None or not hmac.compare_digest(
        link_token(config["SECRET_KEY"], report), token or ""
    ):
        raise NotFound(_("This tracking link is not valid."))
    return report


def add_information(report, text, files, config, now=None):
    """The resident adds text or files while the report is open."""
    now = now or utcnow()
    if not report.status.is_open:
        raise ValidationFailed(
            _("This report is closed; information can no longer be added."), field="text"
        )
    text = plain(text)
    if not text and not files:
        raise ValidationFailed(
            _("Enter the additional information, or attach a file."), field="text"
        )
    if len(text) > DESCRIPTION_LENGTH[1]:
        raise ValidationFailed(
            _(
                "The additional information must be %(n)s characters or fewer.",
                n=DESCRIPTION_LENGTH[1],
            ),
            field="text",
        )
    if len(report.evidence) + len(files) > evidence.MAX_FILES * 2:
        raise ValidationFailed(
            _("This report already has the most photos or documents allowed."), field="evidence"
        )
    processed = [
        evidence.process(name, content, config["EVIDENCE_MAX_MEGAPIXELS"])
        for name, content in files
    ]
    history.add_event(report, EventKind.INFORMATION_ADDED, body=text, now=now)
    stored = _attach(report, processed, config)
    notify_unit(report, "reports/information_added")
    return stored


def rate(report, stars, comment, now=None):
    """The resident rates the handling of a closed report, once."""
    _not_merged(report, "rating")
    if report.status is not ReportStatus.CLOSED:
        raise ValidationFailed(_("Only a closed report can be rated."), field="rating")
    if report.rating is not None:
        raise ValidationFailed(_("This report has been rated already."), field="rating")
    if stars not in (1, 2, 3, 4, 5):
        raise ValidationFailed(_("Choose a rating from 1 to 5 stars."), field="rating")
    report.rating, report.rating_comment = stars, plain(comment)[:1000]
    history.add_event(report, EventKind.RATED, body=f"{stars}/5", now=now)


def appeal(report, reason, config, now=None):
    """The resident appeals once, within the appeal window after closure; the report reopens."""
    now = now or utcnow()
    _not_merged(report, "reason")
    if report.status is not ReportStatus.CLOSED:
        raise ValidationFailed(_("Only a closed report can be appealed."), field="reason")
    if report.appealed:
        raise ValidationFailed(_("This report has been appealed once already."), field="reason")
    if report.appeal_due_at and now > report.appeal_due_at:
        raise ValidationFailed(_("The 15 days for an appeal have passed."), field="reason")
    reason = plain(reason)
    if not 5 <= len(reason) <= DESCRIPTION_LENGTH[1]:
        raise ValidationFailed(
            _("The reason for your appeal must be between 5 and 4000 characters."), field="reason"
        )
    report.appealed = True
    report.status = ReportStatus.ACCEPTED
    report.closed_at = None
    start_clock(report, clocks.ClockKind.CLOSURE, now, config)
    # A new round of handling, as after a transfer: the extension of the first round does not lengthen the new
    # clock (it was shown as "60 + N days" next to a 60-day date), and the new round may ask for its own.
    report.extension_state, report.extension_days, report.extension_reason = (
        ExtensionState.NONE,
        None,
        None,
    )
    history.add_event(report, EventKind.REOPENED, unit_id=report.unit_id, body=reason, now=now)
    search.enqueue(search.REPORT_KIND, report.reference)
    notify_unit(report, "reports/reopened")


def _not_merged(report, field):
    # A merged duplicate is closed without a result of its own: the report it was merged into carries on.
    if report.merged_into is not None:
        raise ValidationFailed(
            _(
                "This report was merged into %(ref)s, which is handled in its place.",
                ref=report.merged_into.reference,
            ),
            field=field,
        )


def public_timeline(report):
    """The events the resident and the public may see, oldest first."""
    return [e for e in report.events if e.public]


class DeadlineState(enum.Enum):
    """Where one deadline stands: the only place that decides it (pages show it, and decide nothing)."""

    DUE = "due"  # running, more than three days left
    DUE_SOON = "due_soon"  # running, three days or less left
    OVERDUE = "overdue"  # running and passed: the unit is late
    MET = "met"  # the unit acted by the deadline
    LATE = "late"  # the unit acted, after the deadline
    OPEN = "open"  # the resident's appeal window is open
    ENDED = "ended"  # the resident's appeal window closed unused: nobody is late

    @property
    def css(self):
        """The design system's deadline class suffix (deadline-met, -due, -due-soon, -overdue, -na)."""
        return {
            "due": "due",
            "due_soon": "due-soon",
            "overdue": "overdue",
            "met": "met",
            "late": "overdue",
            "open": "due",
            "ended": "na",
        }[self.value]


class Timeliness(enum.Enum):
    """What the public list says of a unit's handling of a report, when there is something to say."""

    OVERDUE = "overdue"  # a deadline of the unit has passed while it runs
    ON_TIME = "on_time"  # closed, every deadline of the unit met
    LATE = "late"  # decided or closed, after a deadline of the unit


@dataclass
class DeadlineView:
    """A deadline as shown next to a report: what it is, when, where it stands, on what basis."""

    kind: clocks.ClockKind
    due_at: datetime
    state: DeadlineState
    done_at: datetime | None  # when the unit met it (or acted late), for MET and LATE
    basis: str
    working_days: bool
    days: int
    warning_years: tuple[
        int, ...
    ]  # years this count ran through whose official holidays were not known

    @property
    def the_units(self):
        """True for the unit's own deadlines (acceptance, closure); the appeal window is the resident's."""
        return self.kind is not clocks.ClockKind.APPEAL


def _running(due, now):
    state = clocks.urgency(due, now)
    return {
        clocks.Urgency.OVERDUE: DeadlineState.OVERDUE,
        clocks.Urgency.DUE_SOON: DeadlineState.DUE_SOON,
        clocks.Urgency.ON_TIME: DeadlineState.DUE,
    }[state]


def _state(kind, report, due, now):
    """(state, when done) of deadline `kind` of `report` at `now`."""
    if kind is clocks.ClockKind.APPEAL:
        return (DeadlineState.OPEN if now <= due else DeadlineState.ENDED), None
    if kind is clocks.ClockKind.ACCEPTANCE:
        # Not accepting is the acceptance decision too, taken on the day the report was closed.
        # Not accepting decides it too; so does merging a report still waiting for acceptance into another
        # (the only way a report is closed without having been accepted).
        done = report.accepted_at or (
            report.closed_at
            if report.status in (ReportStatus.NOT_ACCEPTED, ReportStatus.CLOSED)
            else None
        )
    else:
        done = report.closed_at if report.status is ReportStatus.CLOSED else None
    if done is None:
        return _running(due, now), None
    return (DeadlineState.MET if done <= due else DeadlineState.LATE), done


def deadlines(report, config, now=None):
    """The report's deadlines (acceptance, closure with any extension, appeal) as they apply, each with its state."""
    now = now or utcnow()
    rules = clocks.rules_from_config(config)
    shown = [(clocks.ClockKind.ACCEPTANCE, report.acceptance_due_at)]
    if report.closure_due_at:
        shown.append((clocks.ClockKind.CLOSURE, report.closure_due_at))
    if report.appeal_due_at and report.status is ReportStatus.CLOSED and not report.appealed:
        shown.append((clocks.ClockKind.APPEAL, report.appeal_due_at))
    warned = clock_warnings(report)
    views = []
    for kind, due in shown:
        rule = rules[kind]
        extra = (
            report.extension_days
            if kind is clocks.ClockKind.CLOSURE
            and (report.extension_state is ExtensionState.APPROVED)
            else 0
        )
        years = warned.get(kind, ()) or _legacy_years(
            warned.get(_LEGACY, ()), due, config["BABEL_DEFAULT_TIMEZONE"]
        )
        state, done = _state(kind, report, due, now)
        if state in (DeadlineState.MET, DeadlineState.LATE, DeadlineState.ENDED):
            years = ()  # a settled deadline can no longer move: a warning about it would only mislead
        views.append(
            DeadlineView(
                kind,
                due,
                state,
                done,
                rule.basis,
                rule.working_days,
                rule.days + (extra or 0),
                years,
            )
        )
    return views


def unit_deadline(report, config, now=None):
    """The unit's deadline that matters now: acceptance until it is decided, then closure."""
    views = [v for v in deadlines(report, config, now) if v.the_units]
    return views[-1] if views else None


def timeliness(report, config, now=None):
    """OVERDUE while the unit is late, ON_TIME once closed within every limit, LATE once acted after one; else None."""
    states = {v.state for v in deadlines(report, config, now) if v.the_units}
    if DeadlineState.OVERDUE in states:
        return Timeliness.OVERDUE
    if DeadlineState.LATE in states:
        return Timeliness.LATE
    if report.status is ReportStatus.CLOSED and states == {DeadlineState.MET}:
        return Timeliness.ON_TIME
    return None
