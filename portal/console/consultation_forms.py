"""Console forms for consultations, their comments and hearings; actions on a consultation carry its version."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.console.draft_forms import VERSION, ActionForm
from portal.forms import Form, WholeNumberField, choices
from portal.forms import error_text as error_text
from portal.models import CommentDecision, ConsultationKind, ProjectStage
from portal.numbers import whole
from portal.services import comments, consultations

NEW_PROJECT = "new"
LOCAL_MINUTE = "%Y-%m-%dT%H:%M"


def kind_choices():
    """The three kinds of consultation, named as everywhere else on the portal."""
    return choices((kind.value, consultations.kind_label(kind)) for kind in ConsultationKind)


def stage_choices():
    """A project's stages, after 'none' for consultations outside a project."""
    return choices(
        [("", _("No project stage"))]
        + [(stage.value, consultations.stage_label(stage)) for stage in ProjectStage]
    )


def decision_choices():
    """The four answers to a comment."""
    return choices(
        (decision.value, comments.decision_label(decision)) for decision in CommentDecision
    )


class ConsultationForm(Form):
    """A draft consultation; field names match the service's so that its errors land on them."""

    names = {
        "kind": _l("the kind of consultation"),
        "title": _l("the title"),
        "summary": _l("the summary"),
        "body_text": _l("the document text"),
        "area": _l("the area"),
        "tasks": _l("the related policy tasks"),
        "project": _l("the construction project"),
        "name": _l("the new project's name"),
        "location": _l("the new project's location"),
        "developer": _l("the new project's developer"),
        "stage": _l("the project stage"),
        "project_location": _l("the project location"),
        "developer_name": _l("the developer's name"),
        "developer_contact": _l("the developer's contact details"),
        "eia_preparer": _l("the EIA preparer"),
        "how_to_comment": _l("the text on how to comment"),
    }

    version = HiddenField(validators=[Optional(), VERSION])
    kind = RadioField(_l("Kind"), validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Summary (optional)"), validators=[Optional(), Length(max=2000)])
    body_text = TextAreaField(_l("Document text"), validators=[DataRequired()])
    area = SelectField(_l("Area"), coerce=whole)
    tasks = SelectMultipleField(_l("Related policy tasks (optional)"), coerce=whole)
    project = SelectField(_l("Construction project"))
    name = StringField(_l("New project: name"), validators=[Optional(), Length(max=200)])
    location = StringField(_l("New project: location"), validators=[Optional(), Length(max=300)])
    developer = StringField(_l("New project: developer"), validators=[Optional(), Length(max=200)])
    stage = SelectField(_l("Project stage"))
    project_location = StringField(
        _l("Project location (立项地点)"), validators=[Optional(), Length(max=300)]
    )
    developer_name = StringField(
        _l("Developer's name (建设单位名称)"), validators=[Optional(), Length(max=200)]
    )
    developer_contact = StringField(
        _l("Developer's contact (建设单位联系方式)"), validators=[Optional(), Length(max=200)]
    )
    eia_preparer = StringField(
        _l("EIA preparer (环评文件编制单位)"), validators=[Optional(), Length(max=200)]
    )
    how_to_comment = TextAreaField(
        _l("How to comment (征求意见的方式)"), validators=[Optional(), Length(max=2000)]
    )
    submit = SubmitField(_l("Save draft"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices, self.stage.choices = kind_choices(), stage_choices()


class PublishForm(ActionForm):
    """Open a draft for comments."""

    names = {
        "opens_on": _l("the first day of the comment period"),
        "closes_on": _l("the last day of the comment period"),
    }

    opens_on = DateField(_l("First day of the comment period"), validators=[InputRequired()])
    closes_on = DateField(_l("Last day of the comment period"), validators=[InputRequired()])
    submit = SubmitField(_l("Publish"))
    confirm = HiddenField()  # set by the confirmation page: this cannot be undone


class ExtendForm(ActionForm):
    """A later closing day."""

    names = {"closes_on": _l("the new last day")}

    closes_on = DateField(_l("New last day"), validators=[InputRequired()])
    submit = SubmitField(_l("Extend"))


class WithdrawForm(ActionForm):
    """Withdraw with a public reason."""

    names = {"reason": _l("the public reason for the withdrawal")}

    reason = TextAreaField(
        _l("Public reason for the withdrawal"), validators=[DataRequired(), Length(max=2000)]
    )
    submit = SubmitField(_l("Withdraw"))
    confirm = HiddenField()  # set by the confirmation page: this cannot be undone


class StatementForm(ActionForm):
    """The participation statement's text."""

    names = {"statement": _l("the participation statement")}

    statement = TextAreaField(
        _l("Participation statement (公众参与说明)"),
        validators=[DataRequired(), Length(max=20_000)],
    )
    submit = SubmitField(_l("Publish the participation statement"))


class HearingForm(Form):
    """Schedule and announce a hearing; times are Beijing time."""

    names = {
        "starts_at": _l("the start of the hearing"),
        "place": _l("the place"),
        "seats": _l("the number of seats"),
        "registration_closes_at": _l("the registration deadline"),
        "eligibility": _l("who may register"),
    }

    starts_at = DateTimeLocalField(
        _l("Starts at (Beijing time)"), format=LOCAL_MINUTE, validators=[InputRequired()]
    )
    place = StringField(_l("Place"), validators=[DataRequired(), Length(max=300)])
    seats = WholeNumberField(_l("Seats"), validators=[InputRequired(), NumberRange(1, 10_000)])
    registration_closes_at = DateTimeLocalField(
        _l("Registration closes at (Beijing time)"),
        format=LOCAL_MINUTE,
        validators=[InputRequired()],
    )
    eligibility = TextAreaField(
        _l("Who may register (optional)"), validators=[Optional(), Length(max=2000)]
    )
    submit = SubmitField(_l("Schedule the hearing"))


class CommentActionForm(Form):
    """Base of the forms on one comment: `back` says which list to return to."""

    back = HiddenField()


class PublishCommentForm(CommentActionForm):
    """Publish a waiting comment."""

    submit = SubmitField(_l("Publish"))


class HideCommentForm(CommentActionForm):
    """Hide a comment, with a reason kept for the record."""

    names = {"reason": _l("the reason for hiding")}

    reason = TextAreaField(_l("Reason for hiding"), validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField(_l("Hide"))


class ReviewForm(CommentActionForm):
    """Decide on a comment hidden after flags: one button per outcome."""

    names = {"reason": _l("the reason")}

    reason = TextAreaField(
        _l("Reason (required to keep it hidden)"), validators=[Optional(), Length(max=1000)]
    )
    keep = SubmitField(_l("Publish it again"))
    hide = SubmitField(_l("Keep it hidden"))


class DecideForm(CommentActionForm):
    """The unit's answer to one comment."""

    names = {"decision": _l("a decision"), "reason": _l("the reason")}

    decision = SelectField(_l("Decision"))
    reason = TextAreaField(
        _l("Reason (public; required when not adopted)"), validators=[Optional(), Length(max=2000)]
    )
    submit = SubmitField(_l("Record the decision"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = decision_choices()


class BulkDecideForm(Form):
    """One decision and explanation for several comments."""

    names = {
        "comment_ids": _l("at least one comment"),
        "decision": _l("a decision"),
        "reason": _l("the shared explanation"),
    }

    # Ids are matched against the consultation's comments, and each is checked by the service.
    comment_ids = SelectMultipleField(
        _l("Comments"), coerce=whole, validate_choice=False, validators=[DataRequired()]
    )
    decision = SelectField(_l("Decision for the chosen comments"))
    reason = TextAreaField(
        _l("Shared explanation (public; required when not adopted)"),
        validators=[Optional(), Length(max=2000)],
    )
    submit = SubmitField(_l("Decide the ticked comments"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = decision_choices()


class ContactForm(Form):
    """Reveal a commenter's contact details; the read and its purpose are audited."""

    names = {"purpose": _l("why you need the contact details")}

    purpose = StringField(
        _l("Why do you need the contact details?"), validators=[DataRequired(), Length(max=500)]
    )
    submit = SubmitField(_l("Show contact"))


class AttendanceForm(Form):
    """Who attended the hearing (the whole list: unticking clears)."""

    names = {"registration_ids": _l("who attended")}

    # The service checks the ids against the hearing's list.
    registration_ids = SelectMultipleField(_l("Attended"), coerce=whole, validate_choice=False)
    submit = SubmitField(_l("Save attendance"))


class MinutesForm(Form):
    """The hearing's minutes."""

    names = {"minutes": _l("the minutes")}

    minutes = TextAreaField(
        _l("Minutes (记录), public"), validators=[DataRequired(), Length(max=100_000)]
    )
    submit = SubmitField(_l("Publish minutes"))
