"""Console forms for consultations, their comments and hearings; actions on a consultation carry its version."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from portal.forms import choices
from portal.models import CommentDecision, ConsultationKind, ProjectStage
from portal.services import comments, consultations

NEW_PROJECT = "new"
# A version is a whole number; anything else is a tampered form, refused before the service sees it.
VERSION = Regexp(r"^\d{1,9}$")
LOCAL_MINUTE = "%Y-%m-%dT%H:%M"


def kind_choices():
    """The three kinds of consultation, named as everywhere else on the portal."""
    return choices((kind.value, consultations.kind_label(kind)) for kind in ConsultationKind)


def stage_choices():
    """A project's stages, after 'none' for consultations outside a project."""
    return choices([("", _("No project stage"))] + [(stage.value, consultations.stage_label(stage))
                                                    for stage in ProjectStage])


def decision_choices():
    """The four answers to a comment."""
    return choices((decision.value, comments.decision_label(decision)) for decision in CommentDecision)


def error_text(form):
    """All of a form's errors in one line, each naming its field (lazy messages included)."""
    parts = [f"{getattr(form, name).label.text}: {' '.join(map(str, errors))}" for name, errors in form.errors.items()
             if name and getattr(form, name).type not in ("HiddenField", "CSRFTokenField")]
    return "; ".join(parts) or _("The form has expired. Please reload the page and try again.")


class ConsultationForm(FlaskForm):
    """A draft consultation; field names match the service's so that its errors land on them."""

    version = HiddenField(validators=[Optional(), VERSION])
    kind = RadioField(_l("Kind"), validators=[DataRequired(_l("Choose the kind."))])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Summary (optional)"), validators=[Optional(), Length(max=2000)])
    body_text = TextAreaField(_l("Document text"), validators=[DataRequired()])
    area = SelectField(_l("Area"), coerce=int)
    tasks = SelectMultipleField(_l("Related policy tasks (optional)"), coerce=int)
    project = SelectField(_l("Construction project"))
    name = StringField(_l("New project: name"), validators=[Optional(), Length(max=200)])
    location = StringField(_l("New project: location"), validators=[Optional(), Length(max=300)])
    developer = StringField(_l("New project: developer"), validators=[Optional(), Length(max=200)])
    stage = SelectField(_l("Project stage"))
    project_location = StringField(_l("Project location (立项地点)"), validators=[Optional(), Length(max=300)])
    developer_name = StringField(_l("Developer's name (建设单位名称)"), validators=[Optional(), Length(max=200)])
    developer_contact = StringField(_l("Developer's contact (建设单位联系方式)"),
                                    validators=[Optional(), Length(max=200)])
    eia_preparer = StringField(_l("EIA preparer (环评文件编制单位)"), validators=[Optional(), Length(max=200)])
    how_to_comment = TextAreaField(_l("How to comment (征求意见的方式)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save draft"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices, self.stage.choices = kind_choices(), stage_choices()


class ActionForm(FlaskForm):
    """Base: the version of the consultation the form was rendered from."""

    version = HiddenField(validators=[InputRequired(), VERSION])


class PublishForm(ActionForm):
    """Open a draft for comments."""

    opens_on = DateField(_l("First day of the comment period"), validators=[InputRequired()])
    closes_on = DateField(_l("Last day of the comment period"), validators=[InputRequired()])
    submit = SubmitField(_l("Publish"))


class ExtendForm(ActionForm):
    """A later closing day."""

    closes_on = DateField(_l("New last day"), validators=[InputRequired()])
    submit = SubmitField(_l("Extend"))


class WithdrawForm(ActionForm):
    """Withdraw with a public reason."""

    reason = TextAreaField(_l("Public reason for the withdrawal"),
                           validators=[DataRequired(_l("Give the public reason.")), Length(max=2000)])
    submit = SubmitField(_l("Withdraw"))


class StatementForm(ActionForm):
    """The participation statement's text."""

    statement = TextAreaField(_l("Participation statement (公众参与说明)"),
                              validators=[DataRequired(), Length(max=20_000)])
    submit = SubmitField(_l("Publish the participation statement"))


class AttachmentForm(FlaskForm):
    """One file for the consultation."""

    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file."))])
    submit = SubmitField(_l("Upload"))


class RemoveAttachmentForm(FlaskForm):
    """Remove a file of a draft."""

    submit = SubmitField(_l("Remove"))


class HearingForm(FlaskForm):
    """Schedule and announce a hearing session; times are Beijing time."""

    starts_at = DateTimeLocalField(_l("Starts at (Beijing time)"), format=LOCAL_MINUTE, validators=[InputRequired()])
    place = StringField(_l("Place"), validators=[DataRequired(), Length(max=300)])
    seats = IntegerField(_l("Seats"), validators=[InputRequired(), NumberRange(1, 10_000)])
    registration_closes_at = DateTimeLocalField(_l("Registration closes at (Beijing time)"), format=LOCAL_MINUTE,
                                                validators=[InputRequired()])
    eligibility = TextAreaField(_l("Who may register (optional)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Schedule the hearing"))


class CommentActionForm(FlaskForm):
    """Base of the forms on one comment: `back` says which list to return to."""

    back = HiddenField()


class PublishCommentForm(CommentActionForm):
    """Publish a waiting comment."""

    submit = SubmitField(_l("Publish"))


class HideCommentForm(CommentActionForm):
    """Hide a comment, with a reason kept for the record."""

    reason = TextAreaField(_l("Reason for hiding"), validators=[DataRequired(_l("Give the reason.")),
                                                               Length(max=1000)])
    submit = SubmitField(_l("Hide"))


class ReviewForm(CommentActionForm):
    """Decide on a comment hidden after flags: one button per outcome."""

    reason = TextAreaField(_l("Reason (required to keep it hidden)"), validators=[Optional(), Length(max=1000)])
    keep = SubmitField(_l("Publish it again"))
    hide = SubmitField(_l("Keep it hidden"))


class DecideForm(CommentActionForm):
    """The unit's answer to one comment."""

    decision = SelectField(_l("Decision"))
    reason = TextAreaField(_l("Reason (public; required when not adopted)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Record the decision"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = decision_choices()


class BulkDecideForm(FlaskForm):
    """One decision and explanation for several comments."""

    # Ids are matched against the consultation's comments, and each is checked by the service.
    comment_ids = SelectMultipleField(_l("Comments"), coerce=int, validate_choice=False,
                                      validators=[DataRequired(_l("Choose at least one comment."))])
    decision = SelectField(_l("Decision for the chosen comments"))
    reason = TextAreaField(_l("Shared explanation (public; required when not adopted)"),
                           validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Decide the ticked comments"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = decision_choices()


class ContactForm(FlaskForm):
    """Reveal a commenter's contact details; the read and its purpose are audited."""

    purpose = StringField(_l("Why do you need the contact details?"),
                          validators=[DataRequired(_l("Say why you need them.")), Length(max=500)])
    submit = SubmitField(_l("Show contact"))


class AttendanceForm(FlaskForm):
    """Who attended the hearing (the whole list: unticking clears)."""

    # The service checks the ids against the hearing's list.
    registration_ids = SelectMultipleField(_l("Attended"), coerce=int, validate_choice=False)
    submit = SubmitField(_l("Save attendance"))


class MinutesForm(FlaskForm):
    """The hearing's minutes."""

    minutes = TextAreaField(_l("Minutes (记录), public"), validators=[DataRequired(), Length(max=100_000)])
    submit = SubmitField(_l("Publish minutes"))
