"""POST requests.[fmt]: admit the API key, read the spec's form, and record the report.

Every POST with a valid key counts against the key's hourly limit, refused or not. An acknowledged
report is recorded in one transaction with its count; a refused one rolls back, and its count alone
is then committed on its own.
"""

import re

from flask_babel import gettext as _
from werkzeug.exceptions import TooManyRequests

from portal.errors import Forbidden, NotFound, ValidationFailed
from portal.extensions import db
from portal.models import IdentityVisibility, ReportSource
from portal.models.types import utcnow
from portal.numbers import is_whole
from portal.services import api_keys, reference_data, throttle
from portal.services.reports import ReportInput, new_submission_key, submit

WINDOW_SECONDS = 3600
AREAS = range(0, 15)  # 0 is the 兵团 level, 1–14 the divisions
SUBMISSION_KEY_LENGTH = 48  # leaves room for the per-key prefix within the column's 64
CJK = re.compile(r"[\u3400-\u9fff]")
# The spec's parameter for each field of ReportInput, so that a refusal names what the client sent.
PARAMETERS = {
    "place": "address_string",
    "latitude": "lat",
    "longitude": "long",
    "name": "first_name",
    "form": "attribute[submission_key]",
}


class KeyExhausted(TooManyRequests):
    """The key has used up its requests for this hour (this one is not counted)."""


def admit(form):
    """The active key sent as `api_key` (see `api_keys.find_active`); Forbidden otherwise. Reads only:
    the use is counted by `record`, with the report."""
    key = api_keys.find_active((form.get("api_key") or "").strip())
    if key is None:
        raise Forbidden(_("api_key: missing or not valid."))
    return key


def count(key, config, now=None):
    """Count one POST of `key` and note its use; KeyExhausted, with nothing counted, beyond its hourly limit."""
    now = now or utcnow()
    if throttle.hit(f"open311:{key.id}", WINDOW_SECONDS, now) > config["API_KEY_HOURLY_LIMIT"]:
        db.session.rollback()
        wait = WINDOW_SECONDS - int(now.timestamp()) % WINDOW_SECONDS
        raise KeyExhausted(
            _("This API key has used up its requests for this hour. Please try again later."),
            retry_after=wait,
        )
    api_keys.note_use(key, now)


def _category_code(form, known):
    code = (form.get("service_code") or "").strip()
    if not code:
        raise ValidationFailed(_("service_code: this parameter is required."), field="service_code")
    category = known.find_category(code)
    if category is None:
        raise NotFound(
            _("service_code: there is no service %(code)s.", code=code), field="service_code"
        )
    return category.code


def _area(form):
    value = (form.get("attribute[area]") or "").strip() or "0"
    if not is_whole(value) or int(value) not in AREAS:
        raise ValidationFailed(
            _("attribute[area]: give 0 for the 兵团 level or a division number from 1 to 14."),
            field="attribute[area]",
        )
    return int(value)


def _submission_key(form, key):
    given = (form.get("attribute[submission_key]") or "").strip()
    if len(given) > SUBMISSION_KEY_LENGTH:
        raise ValidationFailed(
            _("attribute[submission_key]: at most %(n)s characters.", n=SUBMISSION_KEY_LENGTH),
            field="attribute[submission_key]",
        )
    # Keys are per client, so two clients choosing the same value never meet.
    return f"311:{key.id}:{given or new_submission_key()}"


def _name(first, last):
    """Chinese names family name first and unspaced (王小明); others "first last"."""
    if CJK.search(first + last):
        return last + first
    return " ".join(part for part in (first, last) if part)


def report_input(form, key, known):
    """The spec's form as a ReportInput (`known`: `reference_data.current()`); the identity fields stay visible to
    administrators only."""
    code, area = _category_code(form, known), _area(form)
    latitude, longitude = (form.get("lat") or "").strip(), (form.get("long") or "").strip()
    address = (form.get("address_string") or "").strip()
    if not address and not (latitude and longitude):
        raise ValidationFailed(
            _("Location required: send lat and long, or address_string."), field="address_string"
        )
    first, last = (form.get("first_name") or "").strip(), (form.get("last_name") or "").strip()
    return ReportInput(
        submission_key=_submission_key(form, key),
        category=code,
        area=area,
        place=address or f"{latitude},{longitude}",
        description=form.get("description") or "",
        latitude=latitude or None,
        longitude=longitude or None,
        name=_name(first, last),
        phone=(form.get("phone") or "").strip(),
        email=(form.get("email") or "").strip(),
        visibility=IdentityVisibility.ADMINISTRATORS,
        source=ReportSource.OPEN311,
        api_key_id=key.id,
    )


def _named(error):
    """`error` with each message preceded by the spec's parameter it is about, as the other refusals are."""
    errors = [
        (field, f"{PARAMETERS.get(field, field)}: {message}" if field else message)
        for field, message in error.errors
    ]
    return ValidationFailed.every(errors)


def record(form, key, config, client=None):
    """Read the form, submit and commit the report with the key's count (and `client`'s, against its hourly
    limit); on refusal or failure roll back, remove stored files, commit the key's count alone, and re-raise."""
    try:
        known = reference_data.current()
        data = report_input(form, key, known)
        submission = submit(
            data, config, client=client, known=known, also_count=lambda: count(key, config)
        )
        db.session.commit()
        return submission
    except Exception as error:
        db.session.rollback()  # the report's rows, and its stored files with them
        if isinstance(error, KeyExhausted):
            raise
        count(key, config)  # the refused POST counts too (KeyExhausted if it was one too many)
        db.session.commit()
        if isinstance(error, ValidationFailed):
            raise _named(error) from error
        raise
