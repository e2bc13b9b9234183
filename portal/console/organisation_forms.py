"""Forms of the console's organisation pages: verify or refuse an application, answer a litigation request (with
the documents handed over), add documents to an answer."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from portal.forms import Form, choices


class VerifyForm(Form):
    """The button that verifies an application."""

    submit = SubmitField(_l("Verify and publish"))


class RefuseForm(Form):
    """Refuse an application, with the reason mailed to the organisation."""

    names = {"reason": _l("the reason")}

    reason = TextAreaField(_l("Reason for refusing"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Refuse"))


class AnswerForm(Form):
    """The handling unit's answer to a litigation request."""

    names = {
        "decision": _l("the answer"),
        "text": _l("the answer's text"),
        "files": _l("the documents"),
    }

    decision = RadioField(
        _l("Answer"),
        choices=choices(
            [
                ("provide", _l("Provide the record")),
                ("refuse", _l("Refuse, with the legal reason")),
            ]
        ),
        validators=[Optional()],
    )
    text = TextAreaField(
        _l("What is provided and how, or the legal reason"), validators=[Length(max=2000)]
    )
    files = MultipleFileField(_l("Documents handed over (optional)"))
    submit = SubmitField(_l("Send the answer"))


class DocumentsForm(Form):
    """More documents for an answer that provided the record."""

    names = {"files": _l("the documents")}

    files = MultipleFileField(_l("Documents"))
    submit = SubmitField(_l("Add the documents"))
