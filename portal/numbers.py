"""Whole numbers typed into URLs and forms, and the one place that names query parameters for people.

A refused query parameter is a 400 whose message names it as a person would ("the version to compare
with", "要比较的版本"), never by its raw name ("to"); the raw name stays in the error's `field` for
API clients.
"""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.errors import ValidationFailed

# The largest value of a database integer column (PostgreSQL refuses larger ones with an error).
LARGEST = 2**31 - 1

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
    return text.isascii() and text.isdigit() and int(text) <= largest


def parameter_name(name, capital=False):
    """How messages name the query parameter `name`, in the user's language (its raw name if unknown)."""
    text = str(PARAMETERS.get(name, name))
    return text[:1].upper() + text[1:] if capital else text


def refused(name, value):
    """The ValidationFailed for a value the query parameter `name` does not take (field: the raw name)."""
    return ValidationFailed(_("%(parameter)s “%(value)s” is not one of the values offered.",
                              parameter=parameter_name(name, capital=True), value=value), field=name)


def not_whole(name, low, high):
    """The ValidationFailed for a query parameter `name` that is not a whole number from `low` to `high`."""
    return ValidationFailed(_("%(parameter)s must be a whole number from %(low)s to %(high)s.",
                              parameter=parameter_name(name, capital=True), low=low, high=high), field=name)


def whole_number(name, value, low, high, default):
    """The query parameter `name` as a whole number from `low` to `high`; `default` when absent."""
    if value in (None, ""):
        return default
    text = str(value).strip()
    if not is_whole(text) or not low <= int(text) <= high:
        raise not_whole(name, low, high)
    return int(text)


def not_a_version(name, low, high):
    """The ValidationFailed for a version number (`from`, `to`) that is not one of a document's versions."""
    return ValidationFailed(_("%(parameter)s must be a version number from %(low)s to %(high)s.",
                              parameter=parameter_name(name, capital=True), low=low, high=high), field=name)
