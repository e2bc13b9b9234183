"""Console forms for task reports; actions on a report carry its version (optimistic locking)."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from portal.console.draft_forms import VERSION, ActionForm
from portal.forms import Form
from portal.numbers import whole
from portal.services import task_reports


class ValuesForm(Form):
    """Status, progress and the two texts: a draft's, or a revision's."""

    names = {
        "status": _l("the status"),
        "progress": _l("the progress"),
        "done_text": _l("what was done"),
        "next_steps": _l("the next steps"),
    }

    status = SelectField(_l("Status"), choices=[])
    progress = StringField(_l("Progress in % (optional, 0–100)"), validators=[Optional()])
    done_text = TextAreaField(
        _l("What was done (Markdown)"),
        validators=[Optional(), Length(max=task_reports.TEXT_LENGTH)],
    )
    next_steps = TextAreaField(
        _l("Next steps (Markdown, optional)"),
        validators=[Optional(), Length(max=task_reports.TEXT_LENGTH)],
    )


class NewReportForm(ValuesForm):
    """A new draft: the task (one the unit leads) and the period."""

    names = {**ValuesForm.names, "task": _l("the task"), "period": _l("the period")}

    task = SelectField(_l("Task"), coerce=whole, choices=[])
    period = StringField(_l("Period"), validators=[Length(max=20)])
    submit = SubmitField(_l("Save draft"))


class EditForm(ValuesForm):
    """A draft's values, with the version the page showed."""

    version = HiddenField(validators=[Optional(), VERSION])
    submit = SubmitField(_l("Save draft"))


class PublishForm(ActionForm):
    """Publish a draft as version 1."""

    submit = SubmitField(_l("Publish"))


class ReviseForm(ActionForm, ValuesForm):
    """New values of a published report, with the public note on what changed."""

    names = {**ValuesForm.names, "note": _l("what changed")}

    note = TextAreaField(_l("What changed, and why (public)"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Publish the new version"))


class EvidenceForm(ActionForm):
    """The public records the report links as evidence."""

    names = {"evidence": _l("the evidence")}

    evidence = SelectMultipleField(_l("Evidence"), choices=[], validate_choice=False)
    submit = SubmitField(_l("Save the evidence"))


class ContributionForm(Form):
    """A participating unit's own text (empty: remove it)."""

    names = {"text": _l("your unit's contribution")}

    text = TextAreaField(
        _l("Your unit's contribution (Markdown; public with the report)"),
        validators=[Optional(), Length(max=task_reports.CONTRIBUTION_LENGTH[1])],
    )
    submit = SubmitField(_l("Save the contribution"))
