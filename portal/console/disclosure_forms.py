"""Console forms for disclosures; actions on a disclosure carry its version (optimistic locking)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from portal.console.consultation_forms import VERSION, ActionForm, AttachmentForm, RemoveAttachmentForm
from portal.services import disclosures

__all__ = ["DisclosureForm", "PublishForm", "ReviseForm", "WithdrawForm", "ObservationsForm", "AttachmentForm",
           "RemoveAttachmentForm", "BLANK_ROWS"]

# Empty rows offered under the saved observations, for new values without JavaScript.
BLANK_ROWS = 5


class DisclosureForm(FlaskForm):
    """A draft disclosure; field names match the service's so that its errors land on them."""

    version = HiddenField(validators=[Optional(), VERSION])
    category = SelectField(_l("Disclosure category"), coerce=int)
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=disclosures.TITLE_LENGTH[1])])
    body = TextAreaField(_l("Text (Markdown)"), validators=[Optional(), Length(max=disclosures.BODY_LENGTH)])
    area = SelectField(_l("Area"), coerce=int)
    published_on = DateField(_l("Publication date (optional)"), validators=[Optional()])
    tasks = SelectMultipleField(_l("Related policy tasks (optional)"), coerce=int)
    submit = SubmitField(_l("Save draft"))


class PublishForm(ActionForm):
    """Publish a draft as version 1."""

    submit = SubmitField(_l("Publish"))


class ReviseForm(ActionForm):
    """A new text of a published disclosure, with the public note on what changed."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=disclosures.TITLE_LENGTH[1])])
    body = TextAreaField(_l("Text (Markdown)"), validators=[DataRequired(), Length(max=disclosures.BODY_LENGTH)])
    note = TextAreaField(_l("What changed, and why (public)"),
                         validators=[DataRequired(_l("Say what changed.")), Length(max=disclosures.NOTE_LENGTH[1])])
    submit = SubmitField(_l("Publish the new version"))


class WithdrawForm(ActionForm):
    """Withdraw a published disclosure with a public reason."""

    reason = TextAreaField(_l("Public reason for the withdrawal"),
                           validators=[DataRequired(_l("Give the public reason.")),
                                       Length(max=disclosures.WITHDRAW_REASON_LENGTH[1])])
    submit = SubmitField(_l("Withdraw"))


class ObservationRowForm(Form):
    """One observation as typed; the service checks every value and names the row of an error."""

    indicator = SelectField(_l("Indicator"), validate_choice=False)
    year = StringField(_l("Year"))
    value = StringField(_l("Value"))
    source = StringField(_l("Source"))


class ObservationsForm(ActionForm):
    """Every goal observation of a statistics draft: saving replaces them all."""

    observations = FieldList(FormField(ObservationRowForm), label=_l("Observations"))
    submit = SubmitField(_l("Save observations"))
