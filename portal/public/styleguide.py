"""The design system's components on one page, rendered by the real macros and stylesheet (staff only)."""

from flask import render_template
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.forms import Form, choices
from portal.permissions import Permission, permission_required
from portal.public import bp


class SampleForm(Form):
    """Every kind of control, refused as an empty submission would be, to show the error states."""

    title = StringField(_l("Title"), validators=[DataRequired()])
    kind = RadioField(
        _l("Kind"),
        choices=choices([("a", _l("First option")), ("b", _l("Second option"))]),
        validators=[DataRequired()],
    )
    area = SelectField(
        _l("Area"), choices=choices([("1", "第一师阿拉尔市"), ("8", "第八师石河子市")])
    )
    text = TextAreaField(_l("Text"), validators=[DataRequired(), Length(min=10)])
    agree = BooleanField(_l("Publish my name"))
    submit = SubmitField(_l("Send"))


@bp.get("/styleguide")
@permission_required(Permission.CONSOLE_VIEW)
def styleguide():
    """Components with their markup, in the page's language; the form shows every error state."""
    form = SampleForm(meta={"csrf": False}, formdata=None)
    form.validate()
    return render_template("public/styleguide/index.html", form=form)
