"""Console forms for disclosures; actions on a disclosure carry its version (optimistic locking)."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    FieldList,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from portal.console.draft_forms import VERSION, ActionForm
from portal.forms import Form, SubForm
from portal.numbers import whole
from portal.services import disclosures

# Empty rows offered under the saved observations, for new values without JavaScript.
BLANK_ROWS = 5


class DisclosureForm(Form):
    """A draft disclosure; field names match the service's so that its errors land on them."""

    names = {
        "category": _l("the disclosure category"),
        "title": _l("the title"),
        "body": _l("the text"),
        "area": _l("the area"),
        "published_on": _l("the publication date"),
        "tasks": _l("the related policy tasks"),
    }

    version = HiddenField(validators=[Optional(), VERSION])
    category = SelectField(_l("Disclosure category"), coerce=whole)
    title = StringField(
        _l("Title"), validators=[DataRequired(), Length(max=disclosures.TITLE_LENGTH[1])]
    )
    body = TextAreaField(
        _l("Text (Markdown)"), validators=[Optional(), Length(max=disclosures.BODY_LENGTH)]
    )
    area = SelectField(_l("Area"), coerce=whole)
    published_on = DateField(_l("Publication date (optional)"), validators=[Optional()])
    tasks = SelectMultipleField(_l("Related policy tasks (optional)"), coerce=whole)
    submit = SubmitField(_l("Save draft"))


class PublishForm(ActionForm):
    """Publish a draft as version 1."""

    submit = SubmitField(_l("Publish"))
    confirm = HiddenField()  # set by the confirmation page: this cannot be undone


class ReviseForm(ActionForm):
    """A new text of a published disclosure, with the public note on what changed."""

    names = {"title": _l("the title"), "body": _l("the text"), "note": _l("what changed and why")}

    title = StringField(
        _l("Title"), validators=[DataRequired(), Length(max=disclosures.TITLE_LENGTH[1])]
    )
    body = TextAreaField(
        _l("Text (Markdown)"), validators=[DataRequired(), Length(max=disclosures.BODY_LENGTH)]
    )
    note = TextAreaField(
        _l("What changed, and why (public)"),
        validators=[DataRequired(), Length(max=disclosures.NOTE_LENGTH[1])],
    )
    submit = SubmitField(_l("Publish the new version"))


class WithdrawForm(ActionForm):
    """Withdraw a published disclosure with a public reason."""

    names = {"reason": _l("the public reason for the withdrawal")}

    reason = TextAreaField(
        _l("Public reason for the withdrawal"),
        validators=[DataRequired(), Length(max=disclosures.WITHDRAW_REASON_LENGTH[1])],
    )
    submit = SubmitField(_l("Withdraw"))
    confirm = HiddenField()  # set by the confirmation page: this cannot be undone


class ObservationRowForm(SubForm):
    """One observation as typed; the service checks every value and names the row of an error."""

    goal = SelectField(_l("Indicator"), validate_choice=False)
    year = StringField(_l("Year"))
    value = StringField(_l("Value"))
    source = StringField(_l("Source"))


class ObservationsForm(ActionForm):
    """Every goal observation of a statistics draft: saving replaces them all."""

    observations = FieldList(FormField(ObservationRowForm), label=_l("Observations"))
    submit = SubmitField(_l("Save observations"))
