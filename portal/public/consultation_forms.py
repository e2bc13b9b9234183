"""Forms residents fill in on consultation and hearing pages: a comment, a flag, a hearing registration, a code."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.forms import choices


class CommentForm(FlaskForm):
    """A comment on the whole document or one paragraph; the rules are checked by comments.submit_comment."""

    # Field names are the ones comments.submit_comment names in its errors (attach_error finds them).
    # validate_choice off: a paragraph the document lacks gets the service's message, not WTForms' own.
    paragraph = SelectField(_l("Which part do you comment on?"), validate_choice=False)
    author_name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    email = StringField(_l("Email"), validators=[Optional(), Length(max=254)])
    body = TextAreaField(_l("Your opinion"))
    publish_name = BooleanField(_l("Publish my name with my comment"))

    def offer_paragraphs(self, paragraphs):
        """The paragraph choices: the whole document, then paragraph 1 to n."""
        self.paragraph.choices = choices(
            [("", _l("The whole document"))] + [(str(p.number), _l("Paragraph %(n)s", n=p.number)) for p in paragraphs]
        )
        return self


class FlagForm(FlaskForm):
    """Flag a published comment for review by the unit: nothing to fill in but the CSRF token."""


class RegistrationForm(FlaskForm):
    """Registration for a hearing; the rules are checked by hearings.register."""

    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    email = StringField(_l("Email"), validators=[Optional(), Length(max=254)])
    wants_to_speak = BooleanField(_l("I want to speak at the hearing"))
    viewpoint = TextAreaField(_l("Summary of your viewpoint"))


class RegistrationCodeForm(FlaskForm):
    """A registration code, to look the registration up or cancel it (always POSTed, never in a URL)."""

    code = StringField(_l("Registration code"),
                       validators=[DataRequired(_l("Enter your registration code.")), Length(max=40)])
