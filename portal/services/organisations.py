"""Environmental social organisations (measure (三十)): the register, volunteer activities, the reports they
support, and their requests of a closed report's record for public-interest litigation (公益诉讼).

The register. Anyone applies for an organisation (name, 统一社会信用代码, registration authority, area,
contact, what of the contact to publish, a description); staff of 兵团民政局 (the measure's co-lead for
social organisations) or a site administrator verify the application or refuse it with a reason. Only
verified organisations are public (`access.ORGANISATIONS`); the contact is encrypted at rest and only the
parts the organisation chose to publish are ever shown.

No password accounts. A verified organisation acts through a private management link mailed to its
contact address, as subscriptions do: the token is derived, HMAC-SHA256(SECRET_KEY,
"organisation:<id>:<credit code>"), and only its SHA-256 is stored, so someone who reads the database
cannot act for an organisation. One shared link suits a small group better than accounts to manage;
a leaked link is revoked by changing SECRET_KEY or, for one organisation, by 民政局 refusing it.

Litigation. A verified organisation asks the handling unit of a closed report for the report's record and
the unit's documents, giving its reason; the unit answers within LITIGATION_WORKING_DAYS working days
(provide, or refuse with the legal reason) in the console; the organisation then records what became of
the litigation. The request, the answer and the outcome are public on the report's page. Every step is
audited. Functions never commit; the caller does.

Documents. The unit attaches the documents it hands over (PDFs and images, checked, cleaned and stored by
`portal.services.attachments` as `Owner.LITIGATION`) to an answer that provides the record, and may add more
until the organisation records the outcome. They are not public: they may hold personal data the unit had to
redact. `access.LITIGATION_DOCUMENTS` lets the organisation download them through its management link
(`download_document`, audited each time), and the answering unit's staff and site oversight in the console;
the report's public page says only how many were handed over and when.
"""

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from portal.contacts import contact_errors
from portal.errors import Forbidden, NotFound, TooManyRequests, ValidationFailed
from portal.extensions import db
from portal.models import (
    ActivityKind,
    Area,
    LitigationOutcome,
    LitigationRequest,
    LitigationStatus,
    Organisation,
    OrganisationActivity,
    OrganisationStatus,
    OrganisationSupport,
    ReportStatus,
    User,
)
from portal.models.types import utcnow
from portal.numbers import is_whole
from portal.permissions import Permission
from portal.services import access, attachments, audit, clocks, mail, throttle
from portal.services.subscriptions import by_token, derived_token, hash_token

CIVIL_AFFAIRS = "兵团民政局"
# 统一社会信用代码 (GB 32100-2015): 18 characters of this alphabet (no I, O, S, V, Z); the last is a check.
CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
APPLY_WINDOW_SECONDS = 60 * 60
APPLY_LIMIT = 5
LITIGATION_WORKING_DAYS = 20  # as for a request for government information (政府信息公开条例)
TEXT_LENGTH = 2000


def check_digit(code):
    """The check character of the first 17 characters of a credit code (GB 32100-2015)."""
    total = sum(CODE_ALPHABET.index(c) * w for c, w in zip(code[:17], CODE_WEIGHTS, strict=True))
    return CODE_ALPHABET[(31 - total % 31) % 31]


def credit_code(value):
    """The credit code typed, upper-cased; ValidationFailed (field "credit_code") when malformed."""
    code = (value or "").strip().upper().replace(" ", "")
    if len(code) != 18 or any(c not in CODE_ALPHABET for c in code):
        raise ValidationFailed(
            _(
                "Enter the unified social credit code: 18 digits and capital letters (not I, O, S, V "
                "or Z), as on the registration certificate."
            ),
            field="credit_code",
        )
    if check_digit(code) != code[17]:
        raise ValidationFailed(
            _("This unified social credit code is not valid: check its last character."),
            field="credit_code",
        )
    return code


@dataclass(frozen=True)
class Details:
    """What an organisation publishes about itself (the application form, and the management page)."""

    name: str
    registration_authority: str
    area: object
    description: str
    contact_name: str
    contact_phone: str
    contact_email: str
    publish_name: bool = False
    publish_phone: bool = False
    publish_email: bool = False


def _required(errors, value, field, message, limit):
    value = (value or "").strip()
    if not value:
        errors.append((field, message))
    elif len(value) > limit:
        errors.append((field, _("This must be %(n)s characters or fewer.", n=limit)))
    return value


def _area(value, errors, field="area"):
    area = value if isinstance(value, Area) else None
    if area is None and is_whole(str(value or "").strip()):
        area = db.session.scalar(sa.select(Area).where(Area.number == int(value)))
    if area is None:
        errors.append((field, _("Choose the area: the 兵团 level or one of the 14 divisions.")))
    return area


def _details(data):
    errors = []
    values = {
        "name": _required(
            errors, data.name, "name", _("Enter the organisation's registered name."), 100
        ),
        "registration_authority": _required(
            errors,
            data.registration_authority,
            "registration_authority",
            _("Enter the authority the organisation is registered with."),
            100,
        ),
        "area": _area(data.area, errors),
        "description": _required(
            errors,
            data.description,
            "description",
            _("Describe in a few words what the organisation does."),
            TEXT_LENGTH,
        ),
        "contact_name": _required(
            errors, data.contact_name, "contact_name", _("Enter a contact person."), 80
        ),
    }
    phone, email = (data.contact_phone or "").strip(), (data.contact_email or "").strip()
    errors.extend(("contact_" + field, message) for field, message in contact_errors(phone, email))
    if not email:
        errors.append(
            (
                "contact_email",
                _("Enter the contact's email address: the management link is sent there."),
            )
        )
    if errors:
        raise ValidationFailed.every(errors)
    values.update(
        contact_phone=phone,
        contact_email=email,
        publish_name=bool(data.publish_name),
        publish_phone=bool(data.publish_phone) and bool(phone),
        publish_email=bool(data.publish_email),
    )
    return values


# --- the register --------------------------------------------------------------------------------


def _registered(code):
    """True when an application with the credit code `code` is verified or waiting (a refused one may reapply)."""
    return (
        db.session.scalar(
            sa.select(Organisation.id).where(
                Organisation.credit_code == code,
                Organisation.status != OrganisationStatus.REFUSED,
            )
        )
        is not None
    )


def apply(data, code, config, client=None, now=None):
    """Record an application (Details and its credit code), pending verification; TooManyRequests
    beyond APPLY_LIMIT an hour from one client. Mails the contact that it was received."""
    now = now or utcnow()
    key = throttle.private_key(config["SECRET_KEY"], "organisation", client)
    if client is not None and throttle.exhausted(key, APPLY_LIMIT, APPLY_WINDOW_SECONDS, now):
        raise TooManyRequests(_("Too many applications. Please wait an hour and try again."))
    errors = []
    try:
        code = credit_code(code)
        if _registered(code):
            errors.append(
                (
                    "credit_code",
                    _(
                        "An organisation with this credit code is registered or waiting for "
                        "verification already."
                    ),
                )
            )
    except ValidationFailed as error:
        errors.extend(error.errors)
    try:
        values = _details(data)
    except ValidationFailed as error:
        errors.extend(error.errors)
    if errors:
        raise ValidationFailed.every(errors)
    if client is not None:
        throttle.hit(key, APPLY_WINDOW_SECONDS, now)
    # The token derives from the id: a random placeholder fills the unique column until verification.
    organisation = Organisation(
        credit_code=code, token=secrets.token_hex(32), created_at=now, **values
    )
    db.session.add(organisation)
    db.session.flush()
    audit.record("organisation.applied", "organisation", organisation.id, now=now)
    mail.queue(organisation.contact_email, "organisations/received", organisation=organisation)
    return organisation


def may_verify(user):
    """Staff of 兵团民政局, and site administrators, verify applications; no other unit."""
    if user.can(Permission.SITE_ORGANISATIONS_VERIFY):
        return True
    return user.can(Permission.CONSOLE_VIEW) and user.unit.name == CIVIL_AFFAIRS


def _verifier(user):
    if not may_verify(user):
        raise Forbidden(_("Only staff of 兵团民政局 verify social organisations."))


def applications(user):
    """Every application, pending first, for a verifier; Forbidden for anyone else."""
    _verifier(user)
    pending = sa.case((Organisation.status == OrganisationStatus.PENDING, 0), else_=1)
    return db.session.scalars(
        sa.select(Organisation).order_by(pending, Organisation.created_at.desc())
    ).all()


def get_application(user, organisation_id):
    """One application for a verifier (contact included); Forbidden or NotFound."""
    _verifier(user)
    organisation = db.session.get(
        Organisation, int(organisation_id) if is_whole(str(organisation_id or "")) else 0
    )
    if organisation is None:
        raise NotFound(_("No organisation has the number %(id)s.", id=organisation_id))
    return organisation


def verify(user, organisation_id, config, now=None):
    """Verify an application: it becomes public and its management link is mailed to its contact."""
    now = now or utcnow()
    organisation = get_application(user, organisation_id)
    organisation.status, organisation.refusal_reason = OrganisationStatus.VERIFIED, ""
    organisation.decided_at, organisation.decided_by_id = now, user.id
    token = link_token(config["SECRET_KEY"], organisation)
    organisation.token = hash_token(token)
    audit.record("organisation.verified", "organisation", organisation.id, actor=user, now=now)
    mail.queue(
        organisation.contact_email,
        "organisations/verified",
        organisation=organisation,
        link=manage_path(token),
    )
    return organisation


def refuse(user, organisation_id, reason, now=None):
    """Refuse an application (or withdraw a verification) with a reason, mailed to its contact."""
    now = now or utcnow()
    organisation = get_application(user, organisation_id)
    errors = []
    reason = _required(
        errors, reason, "reason", _("Give the reason for refusing the application."), TEXT_LENGTH
    )
    if errors:
        raise ValidationFailed.every(errors)
    organisation.status, organisation.refusal_reason = OrganisationStatus.REFUSED, reason
    organisation.decided_at, organisation.decided_by_id = now, user.id
    organisation.token = secrets.token_hex(32)  # an earlier management link stops working
    audit.record(
        "organisation.refused", "organisation", organisation.id, actor=user, detail=reason, now=now
    )
    mail.queue(organisation.contact_email, "organisations/refused", organisation=organisation)
    return organisation


# --- what the public sees ------------------------------------------------------------------------


def public_list(area=None):
    """The verified organisations (of the area numbered `area`, when given), by name."""
    query = access.ORGANISATIONS.public_query(joinedload(Organisation.area))
    if is_whole(str(area or "").strip()):
        query = query.join(Area, Organisation.area_id == Area.id).where(Area.number == int(area))
    return db.session.scalars(query.order_by(Organisation.name)).unique().all()


def get_public(organisation_id):
    """A verified organisation, or NotFound."""
    return access.ORGANISATIONS.get_public(organisation_id)


def public_contact(organisation):
    """[(label, value)] of the contact the organisation chose to publish."""
    shown = [
        (organisation.publish_name, _("Contact person"), organisation.contact_name),
        (organisation.publish_phone, _("Phone"), organisation.contact_phone),
        (organisation.publish_email, _("Email"), organisation.contact_email),
    ]
    return [(label, value) for chosen, label, value in shown if chosen and value]


def upcoming_activities(now=None, organisation=None):
    """Activities of verified organisations from today on, soonest first, [(month's first day, [activities])]."""
    now = now or utcnow()
    query = access.ORGANISATION_ACTIVITIES.public_query(
        joinedload(OrganisationActivity.organisation), joinedload(OrganisationActivity.area)
    ).where(OrganisationActivity.starts_at >= now - timedelta(days=1))
    if organisation is not None:
        query = query.where(OrganisationActivity.organisation_id == organisation.id)
    months = {}
    for activity in db.session.scalars(query.order_by(OrganisationActivity.starts_at)).all():
        day = clocks.local_day(activity.starts_at)
        months.setdefault(day.replace(day=1), []).append(activity)
    return list(months.items())


def recent_activities(limit=50):
    """The newest registered activities of verified organisations (for the feed), newest first."""
    query = access.ORGANISATION_ACTIVITIES.public_query(
        joinedload(OrganisationActivity.organisation), joinedload(OrganisationActivity.area)
    )
    return db.session.scalars(
        query.order_by(OrganisationActivity.created_at.desc()).limit(limit)
    ).all()


def on_report(report):
    """(verified organisations supporting `report` in the order they joined, their litigation requests on it
    oldest first), read in one statement: the report page's budget of statements is small."""
    support = sa.and_(
        OrganisationSupport.organisation_id == Organisation.id,
        OrganisationSupport.report_id == report.id,
    )
    request = sa.and_(
        LitigationRequest.organisation_id == Organisation.id,
        LitigationRequest.report_id == report.id,
    )
    rows = db.session.execute(
        sa.select(Organisation, OrganisationSupport.created_at, LitigationRequest)
        .outerjoin(OrganisationSupport, support)
        .outerjoin(LitigationRequest, request)
        .where(
            access.ORGANISATIONS.public_condition(),
            sa.or_(OrganisationSupport.id.is_not(None), LitigationRequest.id.is_not(None)),
        )
    ).all()
    supporting = {o.id: (joined, o) for o, joined, _request in rows if joined is not None}
    requests = {r.id: r for _o, _joined, r in rows if r is not None}
    return (
        [o for _joined, o in sorted(supporting.values(), key=lambda pair: pair[0])],
        sorted(requests.values(), key=lambda r: r.created_at),
    )


def litigation_by(organisation):
    """An organisation's litigation requests, newest first."""
    return db.session.scalars(
        sa.select(LitigationRequest)
        .where(LitigationRequest.organisation_id == organisation.id)
        .order_by(LitigationRequest.created_at.desc())
        .options(joinedload(LitigationRequest.report))
    ).all()


# --- the management link -------------------------------------------------------------------------


def link_token(secret, organisation):
    """The token of an organisation's management link (derived, never stored)."""
    return derived_token(secret, "organisation", organisation.id, organisation.credit_code)


def manage_path(token):
    """The path of an organisation's management page."""
    return f"/organisations/manage/{token}"


def find(token):
    """The verified organisation whose management link holds `token`, or NotFound."""
    return by_token(
        Organisation,
        token,
        _(
            "This management link is not valid: copy the whole link from the email, or ask "
            "兵团民政局 if the organisation's registration was withdrawn."
        ),
        access.ORGANISATIONS.public_condition(),
    )


def update_details(organisation, data, now=None):
    """Change what a verified organisation publishes about itself (Details)."""
    for name, value in _details(data).items():
        setattr(organisation, name, value)
    audit.record("organisation.updated", "organisation", organisation.id, now=now)
    return organisation


@dataclass(frozen=True)
class ActivityInput:
    """A volunteer activity as typed: kind, title, local date and time, area, place, description, sign-up."""

    kind: str
    title: str
    day: object
    at: object
    area: object
    place: str
    description: str
    signup: str


def _day(value, errors):
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        errors.append(("day", _("Enter the activity's date as a real date, like 2027-04-22.")))
        return None


def _time(value, errors):
    value = (value or "").strip()
    if not value:
        return time(9)
    hours, _colon, minutes = value.partition(":")
    if is_whole(hours) and is_whole(minutes) and int(hours) < 24 and int(minutes) < 60:
        return time(int(hours), int(minutes))
    errors.append(("at", _("Enter the start time like 09:30, or leave it empty.")))
    return None


def add_activity(organisation, data, tz=clocks.DEFAULT_TZ, now=None):
    """Register a volunteer activity of a verified organisation on the public calendar."""
    now = now or utcnow()
    errors = []
    kind = data.kind if data.kind in {k.value for k in ActivityKind} else None
    if kind is None:
        errors.append(("kind", _("Choose what kind of activity it is.")))
    title = _required(errors, data.title, "title", _("Give the activity a title."), 120)
    day, at = _day(data.day, errors), _time(data.at, errors)
    starts_at = None
    if day is not None and at is not None:
        local = datetime.combine(day, at, tzinfo=ZoneInfo(tz))
        starts_at = local.astimezone(ZoneInfo("UTC"))
        if starts_at < now:
            errors.append(("day", _("The activity's date must be in the future.")))
    area = _area(data.area, errors)
    place = _required(errors, data.place, "place", _("Say where volunteers meet."), 200)
    description = _required(
        errors, data.description, "description", _("Describe the activity."), TEXT_LENGTH
    )
    signup = _required(
        errors, data.signup, "signup", _("Say how volunteers sign up (published)."), 200
    )
    if errors:
        raise ValidationFailed.every(errors)
    activity = OrganisationActivity(
        organisation=organisation,
        kind=ActivityKind(kind),
        title=title,
        starts_at=starts_at,
        area=area,
        place=place,
        description=description,
        signup=signup,
        created_at=now,
    )
    db.session.add(activity)
    db.session.flush()
    audit.record("organisation.activity", "organisation", organisation.id, detail=title, now=now)
    return activity


def support_report(organisation, reference, now=None):
    """A verified organisation supports the public report `reference` (again is harmless)."""
    now = now or utcnow()
    report = _report(reference)
    existing = db.session.scalar(
        sa.select(OrganisationSupport).where(
            OrganisationSupport.organisation_id == organisation.id,
            OrganisationSupport.report_id == report.id,
        )
    )
    if existing is None:
        existing = OrganisationSupport(organisation=organisation, report=report, created_at=now)
        db.session.add(existing)
        db.session.flush()
        audit.record(
            "organisation.supported", "report", report.id, detail=organisation.name, now=now
        )
    return existing


def _report(reference):
    reference = (reference or "").strip().upper()
    if not reference:
        raise ValidationFailed(
            _("Enter the report's reference, like JB-2026-000001."), field="reference"
        )
    try:
        return access.REPORTS.get_public(reference)
    except NotFound as error:
        raise ValidationFailed(error.message, field="reference") from None


def request_litigation(organisation, reference, reason, config, now=None):
    """Ask the handling unit of the closed report `reference` for its record for litigation."""
    now = now or utcnow()
    errors = []
    reason = _required(
        errors,
        reason,
        "reason",
        _("Give the reason: the litigation the record is needed for."),
        TEXT_LENGTH,
    )
    report = _report(reference)
    if report.status is not ReportStatus.CLOSED:
        errors.append(
            ("reference", _("Only a closed report's record can be requested for litigation."))
        )
    waiting = sa.select(LitigationRequest.id).where(
        LitigationRequest.organisation_id == organisation.id,
        LitigationRequest.report_id == report.id,
        LitigationRequest.status == LitigationStatus.REQUESTED,
    )
    if db.session.scalar(waiting) is not None:
        errors.append(
            (
                "reference",
                _("The organisation's request for this record is waiting for its answer."),
            )
        )
    if errors:
        raise ValidationFailed.every(errors)
    tz = config.get("BABEL_DEFAULT_TIMEZONE", clocks.DEFAULT_TZ)
    deadline = clocks.Calendar.load().add(clocks.local_day(now, tz), LITIGATION_WORKING_DAYS, True)
    request = LitigationRequest(
        organisation=organisation,
        report=report,
        unit_id=report.unit_id,
        reason=reason,
        created_at=now,
        due_at=clocks.due_at(deadline, tz),
    )
    db.session.add(request)
    db.session.flush()
    audit.record("litigation.requested", "report", report.id, detail=organisation.name, now=now)
    staff = db.session.scalars(
        sa.select(User.email).where(
            User.unit_id == report.unit_id, User.active.is_(True), User.email != ""
        )
    ).all()
    mail.queue_all(staff, "organisations/requested", request=request)
    return request


def record_outcome(organisation, request_id, outcome, text, now=None):
    """The organisation records what became of its litigation (filed, in court, judgment, settled)."""
    now = now or utcnow()
    request = db.session.get(
        LitigationRequest, int(request_id) if is_whole(str(request_id or "")) else 0
    )
    if request is None or request.organisation_id != organisation.id:
        raise NotFound(_("This organisation made no such request."), field="request")
    errors = []
    if outcome not in {o.value for o in LitigationOutcome}:
        errors.append(("outcome", _("Choose where the litigation stands.")))
    text = _required(errors, text, "text", _("Describe the outcome."), TEXT_LENGTH)
    if errors:
        raise ValidationFailed.every(errors)
    request.outcome, request.outcome_text, request.outcome_at = (
        LitigationOutcome(outcome),
        text,
        now,
    )
    audit.record("litigation.outcome", "report", request.report_id, detail=outcome, now=now)
    return request


# --- the handling unit's answer ------------------------------------------------------------------


def unit_requests(user):
    """The litigation requests `user`'s unit answers (every unit's under site oversight), open first."""
    query = access.LITIGATION_REQUESTS.console_query(
        user, joinedload(LitigationRequest.organisation), joinedload(LitigationRequest.report)
    )
    answered = sa.case((LitigationRequest.status == LitigationStatus.REQUESTED, 0), else_=1)
    return db.session.scalars(query.order_by(answered, LitigationRequest.due_at)).all()


def get_request(user, request_id):
    """One litigation request for its unit's staff (or site oversight); NotFound for other units."""
    return access.LITIGATION_REQUESTS.get_for_unit(user, request_id)


def _documents_added(user, request, added, now):
    names = "、".join(document.filename for document in added)
    audit.record(
        "litigation.documents",
        "report",
        request.report_id,
        actor=user,
        detail=f"{request.organisation.name}: {len(added)} ({names})",
        now=now,
    )


def answer(user, request_id, provide, text, config, files=(), now=None):
    """The handling unit provides the record (`provide`), with the documents it hands over (`files`, [(file name,
    bytes)]), or refuses with the legal reason (`text`); the organisation is mailed the answer."""
    now = now or utcnow()
    request = get_request(user, request_id)
    access.LITIGATION_REQUESTS.act(user, request)
    errors = []
    if provide is None:
        errors.append(("decision", _("Choose whether to provide the record or refuse.")))
    message = (
        _("Say what is provided and how the organisation receives it.")
        if provide
        else _("Give the legal reason for refusing.")
    )
    text = _required(errors, text, "text", message, TEXT_LENGTH)
    checked = []
    if files and provide is False:
        errors.append(
            (
                "files",
                _(
                    "Documents go with an answer that provides the record: choose to provide it, "
                    "or send the refusal without files."
                ),
            )
        )
    elif files:
        try:
            checked = attachments.check_files(request, files, config)
        except ValidationFailed as error:
            errors.extend(error.errors)
    if errors:
        raise ValidationFailed.every(errors)
    if request.status is not LitigationStatus.REQUESTED:
        raise ValidationFailed(_("This request was answered already."), field="decision")
    request.status = LitigationStatus.PROVIDED if provide else LitigationStatus.REFUSED
    request.answer, request.answered_at, request.answered_by_id = text, now, user.id
    audit.record(
        "litigation.answered",
        "report",
        request.report_id,
        actor=user,
        detail=request.status.value,
        now=now,
    )
    added = attachments.store_checked(user, request, checked, config, now) if checked else []
    if added:
        _documents_added(user, request, added, now)
    _tell_organisation(request, "organisations/answered", added, config)
    return request


def documents_open(request):
    """True while documents may be added to `request`: its record was provided and no outcome is recorded."""
    return attachments.RULES[attachments.Owner.LITIGATION].may_add(request)


def add_documents(user, request_id, files, config, now=None):
    """More documents for a request whose record was provided, until the organisation records the outcome; the
    organisation is mailed that they are there."""
    now = now or utcnow()
    request = get_request(user, request_id)
    access.LITIGATION_REQUESTS.act(user, request)
    if not documents_open(request):
        # Said on the page above the form (no field of it is wrong), like the form's other refusals.
        raise ValidationFailed(attachments.RULES[attachments.Owner.LITIGATION].adding_refused())
    if not files:
        raise ValidationFailed(_("Choose the documents to add."), field="files")
    added = attachments.add_attachments(user, request, files, config, now)
    _documents_added(user, request, added, now)
    _tell_organisation(request, "organisations/documents", added, config)
    return added


def _tell_organisation(request, template, documents, config):
    """Mail the requesting organisation about its request (with the documents handed over) and its management link."""
    mail.queue(
        request.organisation.contact_email,
        template,
        request=request,
        documents=documents,
        link=manage_path(link_token(config["SECRET_KEY"], request.organisation)),
    )


def get_document(user, request_id, document_id):
    """A litigation document for the console: the answering unit's staff or site oversight; NotFound otherwise."""
    return attachments.get_for_unit(user, request_id, document_id, attachments.Owner.LITIGATION)


def download_document(organisation, request_id, document_id, files_dir, now=None):
    """(path, download name, content type) of a document handed over to `organisation` (through its management
    link), recorded in the audit trail; NotFound for another organisation's documents and unknown ones."""
    document = attachments.get_for_holder(organisation, request_id, document_id)
    found = attachments.download(document, files_dir)
    audit.record(
        "litigation.downloaded",
        "report",
        document.request.report_id,
        detail=f"{organisation.name}: {document.filename} ({document.id})",
        now=now,
    )
    return found


def _ics_text(value):
    return (
        value.replace("\r", "")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\n", "\\n")
    )


def activities_ics(months, root, now=None):
    """The activities of `months` (as `upcoming_activities` gives them) as an iCalendar (RFC 5545) text."""
    stamp = (now or utcnow()).strftime("%Y%m%dT%H%M%SZ")
    host = root.split("//", 1)[-1].strip("/")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bingtuan-portal//organisations//ZH"]
    for _month, activities in months:
        for activity in activities:
            lines += [
                "BEGIN:VEVENT",
                f"UID:activity-{activity.id}@{host}",
                f"DTSTAMP:{stamp}",
                "DTSTART:" + activity.starts_at.strftime("%Y%m%dT%H%M%SZ"),
                "SUMMARY:" + _ics_text(activity.title),
                "LOCATION:" + _ics_text(f"{activity.area.label} {activity.place}"),
                "DESCRIPTION:"
                + _ics_text(
                    f"{activity.organisation.name}\n{activity.description}\n{activity.signup}"
                ),
                f"URL:{root.rstrip('/')}/organisations/{activity.organisation_id}",
                "END:VEVENT",
            ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"
