"""Console forms every drafted record shares (consultations, disclosures): actions carry the version the page
showed (optimistic locking), and files are added and removed alike."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SubmitField
from wtforms.validators import InputRequired, Regexp

from portal.forms import Form

# A version is a whole number; anything else is a tampered form, refused before the service sees it.
VERSION = Regexp(r"^[0-9]{1,9}$")  # ASCII digits: \d also matches ٣


class ActionForm(Form):
    """Base: the version of the record the form was rendered from."""

    version = HiddenField(validators=[InputRequired(), VERSION])


class AttachmentForm(Form):
    """One file for the record."""

    names = {"file": _l("a file")}

    file = FileField(_l("File"), validators=[FileRequired()])
    submit = SubmitField(_l("Upload"))


class RemoveAttachmentForm(Form):
    """Remove a file of a draft."""

    submit = SubmitField(_l("Remove"))
