"""POST requests.[fmt]: admit the API key, read the spec's form, and record the report."""
import re

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import TooManyRequests

from portal.errors import Forbidden, ValidationFailed
from portal.extensions import db
from portal.models import IdentityVisibility, ReportSource
from portal.models.types import utcnow
from portal.numbers import is_whole
from portal.open311.queries import find_service
from portal.services import throttle
from portal.services.api_keys import authenticate
from portal.services.reports import ReportInput, discard, find_submission, new_submission_key, submit

WINDOW_SECONDS = 3600
AREAS = range(0, 15)  # 0 is the 兵团 level, 1–14 the divisions
SUBMISSION_KEY_LENGTH = 48  # leaves room for the per-key prefix within the column's 64
CJK = re.compile(r"[\u3400-\u9fff]")
# The spec's parameter for each field of ReportInput, so that a refusal names what the client sent.
PARAMETERS = {"place": "address_string", "latitude": "lat", "longitude": "long", "name": "first_name",
              "form": "attribute[submission_key]"}


def admit(form, config, now=None):
    """The active key sent as `api_key`, counted against its hourly limit; Forbidden or 429 otherwise."""
    key = authenticate((form.get("api_key") or "").strip())
    if key is None:
        raise Forbidden(_("api_key: missing or not valid."))
    counter, now = f"open311:{key.id}", now or utcnow()
    if throttle.exhausted(counter, config["API_KEY_HOURLY_LIMIT"], WINDOW_SECONDS, now):
        wait = WINDOW_SECONDS - int(now.timestamp()) % WINDOW_SECONDS
        raise TooManyRequests(_("This API key has used up its requests for this hour. Please try again later."),
                              retry_after=wait)
    throttle.hit(counter, WINDOW_SECONDS, now)
    return key


def _category_code(form):
    code = (form.get("service_code") or "").strip()
    if not code:
        raise ValidationFailed(_("service_code: this parameter is required."), field="service_code")
    return find_service(code).code


def _area(form):
    value = (form.get("attribute[area]") or "").strip() or "0"
    if not is_whole(value) or int(value) not in AREAS:
        raise ValidationFailed(_("attribute[area]: give 0 for the 兵团 level or a division number from 1 to 14."),
                               field="attribute[area]")
    return int(value)


def _submission_key(form, key):
    given = (form.get("attribute[submission_key]") or "").strip()
    if len(given) > SUBMISSION_KEY_LENGTH:
        raise ValidationFailed(_("attribute[submission_key]: at most %(n)s characters.", n=SUBMISSION_KEY_LENGTH),
                               field="attribute[submission_key]")
    # Keys are per client, so two clients choosing the same value never meet.
    return f"311:{key.id}:{given or new_submission_key()}"


def _name(first, last):
    """Chinese names family name first and unspaced (王小明); others "first last"."""
    if CJK.search(first + last):
        return last + first
    return " ".join(part for part in (first, last) if part)


def report_input(form, key):
    """The spec's form as a ReportInput; the identity fields stay visible to administrators only."""
    code, area = _category_code(form), _area(form)
    latitude, longitude = (form.get("lat") or "").strip(), (form.get("long") or "").strip()
    address = (form.get("address_string") or "").strip()
    if not address and not (latitude and longitude):
        raise ValidationFailed(_("Location required: send lat and long, or address_string."), field="address_string")
    first, last = (form.get("first_name") or "").strip(), (form.get("last_name") or "").strip()
    return ReportInput(
        submission_key=_submission_key(form, key), category=code, area=area,
        place=address or f"{latitude},{longitude}", description=form.get("description") or "",
        latitude=latitude or None, longitude=longitude or None, name=_name(first, last),
        phone=(form.get("phone") or "").strip(), email=(form.get("email") or "").strip(),
        visibility=IdentityVisibility.ADMINISTRATORS, source=ReportSource.OPEN311, api_key_id=key.id,
    )


def _named(error):
    """`error` with each message preceded by the spec's parameter it is about, as the other refusals are."""
    errors = [(field, f"{PARAMETERS.get(field, field)}: {message}" if field else message)
              for field, message in error.errors]
    return ValidationFailed.every(errors)


def record(data, config, client=None):
    """Submit and commit (counted against `client`'s hourly limit); on failure roll back, remove stored files,
    and re-raise."""
    submission = None
    try:
        submission = submit(data, config, client=client)
        db.session.commit()
        return submission
    except IntegrityError:
        db.session.rollback()
        if submission is not None:
            discard(submission.stored, config)
        if find_submission(data.submission_key) is None:
            raise
        return submit(data, config)  # the same submission arrived twice at once: answer with the first
    except Exception as error:
        db.session.rollback()
        if submission is not None:
            discard(submission.stored, config)
        if isinstance(error, ValidationFailed):
            raise _named(error) from error
        raise
