"""Forms of the subscription pages: subscribe (consultations, reports, one report), confirm, unsubscribe."""

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, SubmitField
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


DIGEST_CHOICES = [
    ("each", _l("An email for each event")),
    ("daily", _l("One email a day (daily digest)")),
]


class ReportsSubscriptionForm(Form):
    """An email address, an area and/or a category of reports, and how often to be told."""

    names = {
        "email": _l("your email address"),
        "area": _l("the area to follow"),
        "category": _l("the category to follow"),
        "digest": _l("how often to be told"),
    }

    email = StringField(_l("Email"), validators=[Length(max=254)])
    area = SelectField(_l("Reports in the area"), validators=[Optional()])
    category = SelectField(_l("Reports of the category"), validators=[Optional()])
    digest = RadioField(_l("How often?"), choices=DIGEST_CHOICES, default="each")
    submit = SubmitField(_l("Subscribe"))


class ReportSubscriptionForm(Form):
    """An email address following one report, and how often to be told."""

    names = {"email": _l("your email address"), "digest": _l("how often to be told")}

    email = StringField(_l("Email"), validators=[Length(max=254)])
    digest = RadioField(_l("How often?"), choices=DIGEST_CHOICES, default="each")
    submit = SubmitField(_l("Follow this report"))


class KeepForm(Form):
    """The address whose "my reports" page keeps a report."""

    names = {"email": _l("your email address")}

    email = StringField(_l("Email"), validators=[Length(max=254)])
    submit = SubmitField(_l("Keep it on my page"))


class RemoveForm(Form):
    """The button that takes a report off the "my reports" page."""

    submit = SubmitField(_l("Remove from this page"))


class DeletePageForm(Form):
    """The button that deletes the "my reports" page."""

    submit = SubmitField(_l("Delete this page"))
