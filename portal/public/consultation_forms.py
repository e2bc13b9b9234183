"""Forms residents fill in on consultation and hearing pages: a comment, a flag, a hearing registration, a code."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.forms import Form, choices


class CommentForm(Form):
    """A comment on the whole document or one paragraph; every rule is checked by comments.submit_comment.

    The fields have no validators of their own, so that the service reports every problem at once.
    """

    # Field names are the ones comments.submit_comment names in its errors (attach_error finds them).
    names = {
        "paragraph": _l("the part you comment on"),
        "author_name": _l("your name"),
        "phone": _l("your phone number"),
        "email": _l("your email address"),
        "body": _l("your comment"),
    }

    # validate_choice off: a paragraph the document lacks gets the service's message, not WTForms' own.
    # In the order of the page, which the error summary follows.
    paragraph = SelectField(_l("Which part do you comment on?"), validate_choice=False)
    body = TextAreaField(_l("Your opinion"))
    author_name = StringField(_l("Name"))
    phone = StringField(_l("Phone"))
    email = StringField(_l("Email"))
    publish_name = BooleanField(_l("Publish my name with my comment"))

    def offer_paragraphs(self, paragraphs):
        """The paragraph choices: the whole document, then paragraph 1 to n."""
        self.paragraph.choices = choices(
            [("", _l("The whole document"))]
            + [(str(p.number), _l("Paragraph %(n)s", n=p.number)) for p in paragraphs]
        )
        return self


class FlagForm(Form):
    """Flag a published comment for review by the unit: nothing to fill in but the CSRF token."""


class RegistrationForm(Form):
    """Registration for a hearing; every rule is checked by hearings.register, which reports them all at once."""

    names = {
        "name": _l("your name"),
        "phone": _l("your phone number"),
        "email": _l("your email address"),
        "viewpoint": _l("the summary of your viewpoint"),
    }

    name = StringField(_l("Name"))
    phone = StringField(_l("Phone"))
    email = StringField(_l("Email"))
    wants_to_speak = BooleanField(_l("I want to speak at the hearing"))
    viewpoint = TextAreaField(_l("Summary of your viewpoint"))


class RegistrationCodeForm(Form):
    """A registration code, to look the registration up or cancel it (always POSTed, never in a URL)."""

    names = {"code": _l("your registration code")}

    code = StringField(_l("Registration code"), validators=[DataRequired(), Length(max=40)])
