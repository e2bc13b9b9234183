"""Administration forms."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

from portal.forms import Form, choices
from portal.numbers import whole


class RuleForm(Form):
    """Which unit handles a category in an area."""

    names = {"unit": _l("the handling unit")}

    unit = SelectField(_l("Handling unit"), coerce=whole)
    submit = SubmitField(_l("Save rule"))


class OverrideForm(Form):
    """A day declared a working day or a holiday."""

    names = {
        "day": _l("the date"),
        "is_workday": _l("whether the day is a holiday or a working day"),
        "note": _l("the note"),
    }

    day = DateField(_l("Date"), validators=[InputRequired()])
    is_workday = RadioField(
        _l("This day is"),
        choices=choices([("0", _l("a holiday")), ("1", _l("a working day (调休)"))]),
        default="0",
    )
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Save"))


class DeleteForm(Form):
    """A delete button with CSRF protection."""

    submit = SubmitField(_l("Delete"))
