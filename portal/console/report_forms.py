"""Forms for acting on a report; each carries the version the user saw."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import Form, WholeNumberField, choices
from portal.models import IdentityVisibility
from portal.numbers import whole
from portal.public.report_forms import ReportForm
from portal.services.handling import NotAcceptedReason
from portal.services.locations import PublicLocation
from portal.services.reports import SOURCE_LABELS


class ActionForm(Form):
    """Base: the version of the report the form was rendered from."""

    version = HiddenField(validators=[InputRequired()])


class AcceptForm(ActionForm):
    """受理, confirming what the public sees of the reported point."""

    public_location = RadioField(
        _l("Public location"),
        choices=choices((c.value, c.label) for c in PublicLocation),
        default=PublicLocation.ROUNDED.value,
    )
    submit = SubmitField(_l("Accept"))


class NotAcceptForm(ActionForm):
    """不予受理 with a legal reason."""

    names = {"reason": _l("the legal reason"), "explanation": _l("the explanation to the resident")}

    reason = SelectField(
        _l("Legal reason"), choices=choices((r.value, r.label) for r in NotAcceptedReason)
    )
    explanation = TextAreaField(
        _l("Explanation to the resident (shown on their tracking page)"),
        validators=[DataRequired(), Length(min=10, max=4000)],
    )
    submit = SubmitField(_l("Do not accept"))
    confirm = HiddenField()  # set by the confirmation page: this cannot be undone


class AssignForm(ActionForm):
    """Assign to a colleague."""

    names = {"assignee": _l("a staff member")}

    assignee = SelectField(_l("Staff member"), coerce=whole)
    submit = SubmitField(_l("Assign"))


class TransferForm(ActionForm):
    """转办 to another unit."""

    names = {"unit": _l("the receiving unit"), "reason": _l("the reason for the transfer")}

    unit = SelectField(_l("Receiving unit"), coerce=whole)
    reason = TextAreaField(
        _l("Reason for the transfer (shown to the resident)"),
        validators=[DataRequired(), Length(min=5, max=4000)],
    )
    submit = SubmitField(_l("Transfer"))
    confirm = HiddenField()  # set by the confirmation page: this cannot be undone


class MergeForm(ActionForm):
    """合并: this report is a duplicate of another open report of the unit."""

    names = {"target": _l("the reference of the report to merge into")}

    target = StringField(
        _l("Merge into report (reference number)"),
        validators=[DataRequired(), Length(max=40)],
    )
    submit = SubmitField(_l("Merge"))
    confirm = HiddenField()  # set by the confirmation page: this cannot be undone


class CategoryForm(ActionForm):
    """改类: correct the category; the report is routed again."""

    names = {"category": _l("the category"), "reason": _l("the reason for the change")}

    category = SelectField(_l("Category"))
    reason = TextAreaField(
        _l("Reason for the change (shown to the resident)"),
        validators=[DataRequired(), Length(min=5, max=4000)],
    )
    submit = SubmitField(_l("Change the category"))


class ExtensionForm(ActionForm):
    """Ask for the one extension."""

    names = {"days": _l("the number of extra days"), "reason": _l("the reason for the extension")}

    days = WholeNumberField(
        _l("Extra days (at most 30)"), validators=[InputRequired(), NumberRange(1, 30)]
    )
    reason = TextAreaField(
        _l("Reason (shown to the resident if approved)"),
        validators=[DataRequired(), Length(min=5, max=4000)],
    )
    submit = SubmitField(_l("Request extension"))


class ExtensionDecisionForm(ActionForm):
    """A unit administrator's decision on the extension."""

    approve = SubmitField(_l("Approve extension"))
    refuse = SubmitField(_l("Refuse extension"))


class ReplyForm(ActionForm):
    """A public reply."""

    names = {"text": _l("the reply to the resident")}

    text = TextAreaField(
        _l("Reply to the resident (public)"), validators=[DataRequired(), Length(min=2, max=4000)]
    )
    submit = SubmitField(_l("Send reply"))


class NoteForm(ActionForm):
    """An internal note."""

    names = {"text": _l("the internal note")}

    text = TextAreaField(_l("Internal note"), validators=[DataRequired(), Length(min=2, max=4000)])
    submit = SubmitField(_l("Add note"))


class CloseForm(ActionForm):
    """办结."""

    names = {"result": _l("the result of the handling")}

    result = TextAreaField(
        _l("Result of the handling (public)"), validators=[DataRequired(), Length(min=5, max=4000)]
    )
    submit = SubmitField(_l("Close"))
    confirm = HiddenField()  # set by the confirmation page: this cannot be undone


class SummaryForm(ActionForm):
    """A redacted summary for the public."""

    names = {"summary": _l("the public summary")}

    summary = TextAreaField(
        _l("Public summary (no names, phone numbers or addresses of people)"),
        validators=[DataRequired(), Length(min=5, max=2000)],
    )
    submit = SubmitField(_l("Publish summary"))


class IdentityForm(Form):
    """Reveal the reporter's identity (each reveal is audited)."""

    submit = SubmitField(_l("Show the reporter's identity"))


class LogForm(ReportForm):
    """A report that reached the unit by phone, letter, visit, email or the news, logged by staff: the
    resident's form, with the channel and the time it was received."""

    names = {
        **ReportForm.names,
        "source": _l("the channel"),
        "received_at": _l("when it was received"),
        "category": _l("the category"),
        "name": _l("the reporter's name"),
        "phone": _l("the reporter's phone number"),
        "email": _l("the reporter's email address"),
        "visibility": _l("who may see who the reporter is"),
    }

    source = SelectField(
        _l("Channel"),
        choices=choices(
            (s.value, label) for s, label in SOURCE_LABELS.items() if s.logged_by_staff
        ),
    )
    received_at = DateTimeLocalField(
        _l("Received at"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    category = SelectField(_l("Category"), validators=[DataRequired()])
    observed_at = DateTimeLocalField(
        _l("When was it observed? (optional)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    description = TextAreaField(
        _l("What the reporter says"), validators=[DataRequired(), Length(min=10, max=4000)]
    )
    visibility = RadioField(
        _l("Who may see who the reporter is?"),
        choices=choices(
            [
                (
                    IdentityVisibility.ADMINISTRATORS.value,
                    _l("Only the portal's administrators (the reporter asked to stay anonymous)"),
                ),
                (
                    IdentityVisibility.HANDLING_UNIT.value,
                    _l("The handling unit too (the reporter agreed)"),
                ),
            ]
        ),
        default=IdentityVisibility.ADMINISTRATORS.value,
    )
    submit = SubmitField(_l("Log the report"))
