"""Forms of the organisation pages: apply to the register, and the management page's forms."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from portal.forms import Form, choices


class DetailsForm(Form):
    """What an organisation publishes about itself, and its contact (encrypted; shown only as chosen)."""

    names = {
        "name": _l("the organisation's name"),
        "registration_authority": _l("the registration authority"),
        "area": _l("the area"),
        "description": _l("the description"),
        "contact_name": _l("the contact person"),
        "contact_phone": _l("the contact phone"),
        "contact_email": _l("the contact email"),
    }

    name = StringField(_l("Registered name"), validators=[Length(max=100)])
    registration_authority = StringField(
        _l("Registration authority (登记管理机关)"), validators=[Length(max=100)]
    )
    area = SelectField(_l("Area"), validators=[Optional()])
    description = TextAreaField(_l("What the organisation does"), validators=[Length(max=2000)])
    contact_name = StringField(_l("Contact person"), validators=[Length(max=80)])
    contact_phone = StringField(_l("Contact phone (optional)"), validators=[Length(max=20)])
    contact_email = StringField(_l("Contact email"), validators=[Length(max=254)])
    publish_name = BooleanField(_l("Publish the contact person's name"))
    publish_phone = BooleanField(_l("Publish the phone number"))
    publish_email = BooleanField(_l("Publish the email address"))
    submit = SubmitField(_l("Save"))


class ApplicationForm(DetailsForm):
    """An application to the register: the details and the unified social credit code."""

    names = {**DetailsForm.names, "credit_code": _l("the unified social credit code")}

    credit_code = StringField(
        _l("Unified social credit code (统一社会信用代码)"), validators=[Length(max=30)]
    )
    submit = SubmitField(_l("Apply"))


ACTIVITY_KINDS = [
    ("cleanup", _l("Clean-up")),
    ("monitoring", _l("Monitoring")),
    ("education", _l("Education")),
    ("planting", _l("Tree planting")),
    ("other", _l("Other")),
]


class ActivityForm(Form):
    """A volunteer activity for the public calendar."""

    names = {
        "kind": _l("the kind of activity"),
        "title": _l("the title"),
        "day": _l("the date"),
        "area": _l("the area"),
        "place": _l("the meeting place"),
        "description": _l("the description"),
        "signup": _l("how to sign up"),
    }

    kind = RadioField(
        _l("Kind of activity"), choices=choices(ACTIVITY_KINDS), validators=[Optional()]
    )
    title = StringField(_l("Title"), validators=[Length(max=120)])
    day = StringField(_l("Date"), validators=[Length(max=10)])
    at = StringField(_l("Start time (optional, like 09:30)"), validators=[Length(max=5)])
    area = SelectField(_l("Area"), validators=[Optional()])
    place = StringField(_l("Meeting place"), validators=[Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)])
    signup = StringField(_l("How to sign up (published)"), validators=[Length(max=200)])
    submit = SubmitField(_l("Add to the calendar"))


class SupportReportForm(Form):
    """The reference of a public report the organisation supports."""

    names = {"reference": _l("the report reference")}

    reference = StringField(_l("Report reference"), validators=[Length(max=40)])
    submit = SubmitField(_l("Support this report"))


class LitigationForm(Form):
    """A request for a closed report's record for public-interest litigation."""

    names = {"reference": _l("the report reference"), "reason": _l("the reason")}

    reference = StringField(_l("Closed report reference"), validators=[Length(max=40)])
    reason = TextAreaField(_l("Reason (the litigation planned)"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Request the record"))


OUTCOMES = [
    ("filed", _l("Filed with the court")),
    ("court", _l("Before the court")),
    ("judgment", _l("Judgment given")),
    ("settled", _l("Settled")),
]


class OutcomeForm(Form):
    """Where a litigation stands, as the organisation records it."""

    names = {"outcome": _l("where the litigation stands"), "text": _l("the outcome")}

    request = HiddenField()
    outcome = RadioField(_l("Where it stands"), choices=choices(OUTCOMES), validators=[Optional()])
    text = TextAreaField(_l("Outcome"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Record the outcome"))
