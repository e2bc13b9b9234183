"""Forms residents fill in: the report, tracking, adding information, rating, appealing."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp

from portal.contacts import EMAIL, PHONE
from portal.forms import Form, choices
from portal.models import IdentityVisibility
from portal.numbers import whole


def strip(value):
    """Spaces typed around a phone number or address are not part of it."""
    return value.strip() if isinstance(value, str) else value


class ReportForm(Form):
    """The pollution report."""

    names = {
        "category": _l("what you are reporting"),
        "area": _l("the area"),
        "place": _l("the place"),
        "observed_at": _l("the time you observed it"),
        "description": _l("the description of the problem"),
        "name": _l("your name"),
        "phone": _l("your phone number"),
        "email": _l("your email address"),
        "visibility": _l("who may see who you are"),
    }

    submission_key = HiddenField()
    category = RadioField(_l("What is it about?"), validators=[DataRequired()])
    area = SelectField(_l("Area"), coerce=whole)
    place = StringField(_l("Where exactly?"), validators=[DataRequired(), Length(max=300)])
    latitude = HiddenField()
    longitude = HiddenField()
    observed_at = DateTimeLocalField(
        _l("When did you observe it? (optional)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    description = TextAreaField(
        _l("What did you see, hear or smell?"),
        validators=[DataRequired(), Length(min=10, max=4000)],
    )
    evidence = MultipleFileField(_l("Photos or documents (optional)"))
    # The service checks these too (for Open311); here they join the form's other messages at once.
    name = StringField(_l("Name"), validators=[Optional(), Length(max=80)])
    phone = StringField(
        _l("Phone"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=40),
            Regexp(
                PHONE,
                message=_l("Enter your phone number in digits only, for example 13800138000."),
            ),
        ],
    )
    email = StringField(
        _l("Email"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=254),
            Regexp(
                EMAIL,
                message=_l("Enter your email address in the right format, like name@example.com."),
            ),
        ],
    )
    visibility = RadioField(
        _l("Who may see who you are?"),
        choices=choices(
            [
                (
                    IdentityVisibility.ADMINISTRATORS.value,
                    _l("Keep my identity from everyone but the portal's administrators"),
                ),
                (
                    IdentityVisibility.HANDLING_UNIT.value,
                    _l("My identity may be seen by the handling unit"),
                ),
            ]
        ),
        default=IdentityVisibility.ADMINISTRATORS.value,
    )
    submit = SubmitField(_l("Send report"))


class TrackForm(Form):
    """Reference number and receipt code."""

    names = {"reference": _l("the reference number"), "code": _l("the receipt code")}

    reference = StringField(_l("Reference number"), validators=[DataRequired(), Length(max=40)])
    code = StringField(_l("Receipt code"), validators=[DataRequired(), Length(max=40)])
    submit = SubmitField(_l("Follow my report"))


class InformationForm(Form):
    """More information from the resident while the report is open."""

    names = {"text": _l("the additional information")}

    text = TextAreaField(_l("Additional information"), validators=[Optional(), Length(max=4000)])
    evidence = MultipleFileField(_l("More photos or documents (optional)"))
    submit = SubmitField(_l("Add to my report"))


class RatingForm(Form):
    """The resident's rating of a closed report."""

    names = {"rating": _l("a rating"), "comment": _l("your comment on the handling")}

    rating = RadioField(
        _l("How well was your report handled?"),
        coerce=whole,
        choices=choices((n, str(n)) for n in range(5, 0, -1)),
        validators=[DataRequired()],
    )
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("Send rating"))


class AppealForm(Form):
    """The resident's one appeal after closure."""

    names = {"reason": _l("the reason for your appeal")}

    reason = TextAreaField(
        _l("Why do you disagree with the result?"),
        validators=[DataRequired(), Length(min=5, max=4000)],
    )
    submit = SubmitField(_l("Appeal"))


class SupportForm(Form):
    """Adding one's voice (支持/附议) to an open report."""

    names = {
        "note": _l("your note to the unit"),
        "name": _l("your name"),
        "phone": _l("your phone number"),
        "email": _l("your email address"),
        "visibility": _l("who may see who you are"),
    }

    submission_key = HiddenField()
    note = TextAreaField(
        _l("Anything the unit should know? (optional)"),
        validators=[Optional(), Length(max=1000)],
    )
    name = ReportForm.name
    phone = ReportForm.phone
    email = ReportForm.email
    visibility = ReportForm.visibility
    submit = SubmitField(_l("Add my voice"))
