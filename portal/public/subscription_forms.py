"""Forms of the subscription pages: subscribe, confirm, unsubscribe."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional

from portal.forms import Form


class SubscriptionForm(Form):
    """An email address and what it follows: an area or a unit (the service checks exactly one)."""

    names = {
        "email": _l("your email address"),
        "area": _l("the area to follow"),
        "unit": _l("the unit to follow"),
    }

    email = StringField(_l("Email"), validators=[Length(max=254)])
    area = SelectField(_l("Follow an area"), validators=[Optional()])
    unit = SelectField(_l("Or follow a unit"), validators=[Optional()])
    submit = SubmitField(_l("Subscribe"))


class ConfirmForm(Form):
    """The one button that confirms a subscription."""

    submit = SubmitField(_l("Confirm my subscription"))


class UnsubscribeForm(Form):
    """The one button that deletes a subscription."""

    submit = SubmitField(_l("Unsubscribe"))
