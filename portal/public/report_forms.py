"""Forms residents fill in: the report, tracking, adding information, rating, appealing."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
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
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.forms import choices
from portal.models import IdentityVisibility


class ReportForm(FlaskForm):
    """The pollution report."""

    submission_key = HiddenField()
    category = RadioField(_l("What is it about?"), validators=[DataRequired(_l("Choose a category."))])
    area = SelectField(_l("Area"), coerce=int, validators=[NumberRange(0, 14, _l("Choose an area."))])
    place = StringField(_l("Where exactly?"), validators=[DataRequired(_l("Say where it is.")), Length(max=300)])
    latitude = HiddenField()
    longitude = HiddenField()
    observed_at = DateTimeLocalField(_l("When did you observe it? (optional)"), format="%Y-%m-%dT%H:%M",
                                     validators=[Optional()])
    description = TextAreaField(_l("What did you see, hear or smell?"),
                                validators=[DataRequired(_l("Describe the problem.")), Length(min=10, max=4000)])
    evidence = MultipleFileField(_l("Photos or documents (optional)"))
    name = StringField(_l("Name"), validators=[Optional(), Length(max=80)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    email = StringField(_l("Email"), validators=[Optional(), Length(max=254)])
    visibility = RadioField(
        _l("Who may see who you are?"),
        choices=choices([
            (IdentityVisibility.ADMINISTRATORS.value,
             _l("Keep my identity from everyone but the portal's administrators")),
            (IdentityVisibility.HANDLING_UNIT.value, _l("My identity may be seen by the handling unit")),
        ]),
        default=IdentityVisibility.ADMINISTRATORS.value,
    )
    submit = SubmitField(_l("Send report"))


class TrackForm(FlaskForm):
    """Reference number and receipt code."""

    reference = StringField(_l("Reference number"), validators=[DataRequired(), Length(max=40)])
    code = StringField(_l("Receipt code"), validators=[DataRequired(), Length(max=40)])
    submit = SubmitField(_l("Follow my report"))


class InformationForm(FlaskForm):
    """More information from the resident while the report is open."""

    text = TextAreaField(_l("Additional information"), validators=[Optional(), Length(max=4000)])
    evidence = MultipleFileField(_l("More photos or documents (optional)"))
    submit = SubmitField(_l("Add to my report"))


class RatingForm(FlaskForm):
    """The resident's rating of a closed report."""

    rating = RadioField(_l("How well was your report handled?"), coerce=int,
                        choices=choices((n, str(n)) for n in range(5, 0, -1)), validators=[DataRequired()])
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("Send rating"))


class AppealForm(FlaskForm):
    """The resident's one appeal after closure."""

    reason = TextAreaField(_l("Why do you disagree with the result?"),
                           validators=[DataRequired(), Length(min=5, max=4000)])
    submit = SubmitField(_l("Appeal"))
