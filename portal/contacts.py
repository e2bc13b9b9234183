"""How a resident's phone number and email address are checked, wherever one is typed: reports, comments,
hearing registrations, subscriptions, and the forms in front of them.

A neutral module: it imports nothing of the portal's domains, so services and forms may all use it.
"""

import re

from flask_babel import gettext as _

PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,19}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def contact_errors(phone, email, missing=None):
    """[(field, message)] for a phone number and an email address as typed; `missing` if both are empty."""
    errors = []
    if phone and not PHONE.match(phone):
        errors.append(
            ("phone", _("Enter your phone number in digits only, for example 13800138000."))
        )
    if email and (len(email) > 254 or not EMAIL.match(email)):
        errors.append(
            ("email", _("Enter your email address in the right format, like name@example.com."))
        )
    if missing and not phone and not email:
        errors.append(("phone", missing))
    return errors
