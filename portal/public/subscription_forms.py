"""Forms of the subscription pages: subscribe, confirm, unsubscribe."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional


class SubscriptionForm(FlaskForm):
    """An email address and what it follows: an area or a unit (the service checks exactly one)."""

    email = StringField(_l("Email"), validators=[Length(max=254)])
    area = SelectField(_l("Follow an area"), validators=[Optional()])
    unit = SelectField(_l("Or follow a unit"), validators=[Optional()])
    submit = SubmitField(_l("Subscribe"))


class ConfirmForm(FlaskForm):
    """The one button that confirms a subscription."""

    submit = SubmitField(_l("Confirm my subscription"))


class UnsubscribeForm(FlaskForm):
    """The one button that deletes a subscription."""

    submit = SubmitField(_l("Unsubscribe"))
