"""The one parser of numbers from requests (URLs, query strings, forms, Open311, the API), and the one place
that names query parameters for people.

Only ASCII digits count: `int()` and `Decimal()` also take '٣٥', '３５', '²', 'NaN', '-inf', '1e999' and
'1_000', and `int()` of a value beyond the database's integer range reaches the database and fails
there (OverflowError on SQLite, an error on PostgreSQL). Every parser here has bounds, and refuses
anything else with a ValidationFailed naming the field (or, for ids, answers None: no such thing).

A refused query parameter is a 400 whose message names it as a person would ("the version to compare
with", "要比较的版本"), never by its raw name ("to"); the raw name stays in the error's `field` for
API clients.
"""

import re
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.errors import ValidationFailed

# The largest value of a database integer column (PostgreSQL refuses larger ones with an error).
LARGEST = 2**31 - 1
# The last page a list offers: a page of 20 or 100 then stays far inside the 64-bit OFFSET of SQLite.
MAX_PAGE = 1_000_000
# ASCII digits only (re's \d and str.isdigit take every script's digits); at most 15 before the point, so
# that no text is long enough to make int() slow or refuse it (Python's limit is 4,300 digits).
WHOLE = re.compile(r"[0-9]{1,15}")
DECIMAL = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,15})?")

# Every query parameter a list, page or export accepts, as messages name it.
PARAMETERS = {
    "page": _l("the page number"),
    "per_page": _l("the number of results per page"),
    "from": _l("the first version to compare"),
    "to": _l("the version to compare with"),
    "category": _l("the category"),
    "unit": _l("the unit"),
    "area": _l("the area"),
    "year": _l("the year"),
    "measure": _l("the policy measure"),
    "state": _l("the state"),
    "kind": _l("the kind"),
    "stage": _l("the project stage"),
    "status": _l("the status"),
    "sort": _l("the column to sort by"),
    "dir": _l("the sort direction"),
}


def is_whole(text, largest=LARGEST):
    """True for ASCII digits whose value a database integer holds; `str.isdigit` also accepts '²' and '٣'."""
    text = str(text)
    return WHOLE.fullmatch(text) is not None and int(text) <= largest


def whole(value, low=0, high=LARGEST):
    """`value` (ASCII digits, spaces around allowed) as an int from `low` to `high`; ValueError otherwise.

    The `coerce` of WTForms choice fields: their "could not coerce" becomes the field's own message.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = str(value if value is not None else "").strip()
        if not is_whole(text, largest=10**15):
            raise ValueError(f"not a whole number: {text[:20]!r}")
        number = int(text)
    if not low <= number <= high:
        raise ValueError(f"{number} is not from {low} to {high}")
    return number


def identifier(value):
    """`value` as a database id (1 to LARGEST, ASCII digits), or None: no row has any other id."""
    try:
        return whole(value, 1, LARGEST)
    except ValueError:
        return None


def page_number(value, name="page"):
    """The query parameter `name` as a page number from 1 to MAX_PAGE (1 when absent); a 400 otherwise."""
    return whole_number(name, value, 1, MAX_PAGE, 1)


def parse_decimal(name, value, low, high, places, message=None):
    """`value` as a Decimal from `low` to `high` with at most `places` decimals; None when empty.

    Plain ASCII notation only ("-12.5"): no exponent, NaN, infinity, grouping or other scripts' digits.
    Anything else raises ValidationFailed naming the field `name`, with `message` when given.
    """
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    if DECIMAL.fullmatch(text) is not None:
        number = Decimal(text)
        if low <= number <= high and -number.as_tuple().exponent <= places:
            return number
    raise ValidationFailed(
        message
        or _(
            "%(parameter)s must be a number from %(low)s to %(high)s, with at most %(n)s decimals.",
            parameter=parameter_name(name, capital=True),
            low=low,
            high=high,
            n=places,
        ),
        field=name,
    )


# Browsers give positions with up to 15 decimals; the database keeps 6 (about 0.1 m).
COORDINATE_PLACES = 6
COORDINATE_LIMITS = {"latitude": 90, "longitude": 180}


def parse_coordinate(name, value):
    """A latitude or longitude (`name`) in decimal degrees, rounded to 6 decimals; None when empty."""
    limit = COORDINATE_LIMITS[name]
    number = parse_decimal(
        name,
        value,
        -limit,
        limit,
        15,
        message=_(
            "The location's coordinates are not valid: latitude is from -90 to 90, longitude from -180 to 180."
        ),
    )
    return number.quantize(Decimal(1).scaleb(-COORDINATE_PLACES)) if number is not None else None


def parameter_name(name, capital=False):
    """How messages name the query parameter `name`, in the user's language (its raw name if unknown)."""
    text = str(PARAMETERS.get(name, name))
    return text[:1].upper() + text[1:] if capital else text


def refused(name, value):
    """The ValidationFailed for a value the query parameter `name` does not take (field: the raw name)."""
    return ValidationFailed(
        _(
            "%(parameter)s “%(value)s” is not one of the values offered.",
            parameter=parameter_name(name, capital=True),
            value=value,
        ),
        field=name,
    )


def not_whole(name, low, high):
    """The ValidationFailed for a query parameter `name` that is not a whole number from `low` to `high`."""
    return ValidationFailed(
        _(
            "%(parameter)s must be a whole number from %(low)s to %(high)s.",
            parameter=parameter_name(name, capital=True),
            low=low,
            high=high,
        ),
        field=name,
    )


def whole_number(name, value, low, high, default):
    """The query parameter `name` as a whole number from `low` to `high`; `default` when absent."""
    if value in (None, ""):
        return default
    try:
        return whole(value, low, high)
    except ValueError:
        raise not_whole(name, low, high) from None


def not_a_version(name, low, high):
    """The ValidationFailed for a version number (`from`, `to`) that is not one of a document's versions."""
    return ValidationFailed(
        _(
            "%(parameter)s must be a version number from %(low)s to %(high)s.",
            parameter=parameter_name(name, capital=True),
            low=low,
            high=high,
        ),
        field=name,
    )
