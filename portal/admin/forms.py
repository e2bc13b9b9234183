"""Administration forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from portal.forms import choices


class RuleForm(FlaskForm):
    """Which unit handles a category in an area."""

    unit = SelectField(_l("Handling unit"), coerce=int)
    submit = SubmitField(_l("Save rule"))


class OverrideForm(FlaskForm):
    """A day declared a working day or a holiday."""

    day = DateField(_l("Date"), validators=[DataRequired()])
    is_workday = RadioField(_l("This day is"), choices=choices([("0", _l("a holiday")), ("1", _l("a working day (调休)"))]),
                            default="0")
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Save"))


class DeleteForm(FlaskForm):
    """A delete button with CSRF protection."""

    submit = SubmitField(_l("Delete"))
