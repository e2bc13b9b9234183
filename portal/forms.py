"""Form helpers shared by the blueprints, and the base of every form: each error names its field once.

Every message is a sentence shown as is, in the error summary and next to its field ("Enter your
comment." / "请填写意见内容。"). WTForms' own messages ("This field is required.", "Not a valid
choice.", the CSRF ones) never reach a user: `Form` gives each field translations of its own that turn
them into sentences naming the field by `Form.names[field]`, or else by its label in quotes. Errors of
hidden fields (the version, the submission key, the CSRF token) say the page is out of date, once, at
the top of the form.
"""

import re
from functools import cache

from babel.messages.pofile import read_po
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form as PlainForm
from wtforms.fields import (
    FileField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import messages_path

from portal.errors import ValidationFailed
from portal.numbers import whole

# A hidden field's value is the page's, never the user's: its errors all mean the page is stale.
STALE = _l("This page is out of date: reload it and try again.")
HIDDEN = (HiddenField,)
CHOICE = (SelectField, RadioField, SelectMultipleField, FileField)
# A label's trailing "(optional)", "(public)", "（选填）": not part of the field's name in a message.
ASIDE = re.compile(r"\s*[(（][^()（）]*[)）]\s*$")


@cache
def wtforms_messages():
    """Every message WTForms can produce (its catalogue's msgids), to recognise one when it is asked for."""
    with open(f"{messages_path()}/wtforms.pot", "rb") as pot:
        return frozenset(
            m
            for message in read_po(pot)
            if message.id
            for m in (message.id if isinstance(message.id, tuple) else (message.id,))
        )


def _sentences():
    # WTForms msgid → ours; %(Name)s / %(name)s are the field's name, %(min)s and %(max)s are WTForms' own.
    return {
        "Not a valid choice.": _("Choose %(name)s from the options offered."),
        "Invalid Choice: could not coerce.": _("Choose %(name)s from the options offered."),
        "'%(value)s' is not a valid choice for this field.": _(
            "Choose %(name)s from the options offered."
        ),
        "'%(value)s' are not valid choices for this field.": _(
            "Choose %(name)s from the options offered."
        ),
        "Invalid choice(s): one or more data inputs could not be coerced.": _(
            "Choose %(name)s from the options offered."
        ),
        "Field must be at least %(min)d character long.": _(
            "%(Name)s must be at least %(min)s characters."
        ),
        "Field must be at least %(min)d characters long.": _(
            "%(Name)s must be at least %(min)s characters."
        ),
        "Field cannot be longer than %(max)d character.": _(
            "%(Name)s must be %(max)s characters or fewer."
        ),
        "Field cannot be longer than %(max)d characters.": _(
            "%(Name)s must be %(max)s characters or fewer."
        ),
        "Field must be exactly %(max)d character long.": _(
            "%(Name)s must be exactly %(max)s characters."
        ),
        "Field must be exactly %(max)d characters long.": _(
            "%(Name)s must be exactly %(max)s characters."
        ),
        "Field must be between %(min)d and %(max)d characters long.": _(
            "%(Name)s must be between %(min)s and %(max)s characters."
        ),
        "Number must be at least %(min)s.": _("%(Name)s must be %(min)s or more."),
        "Number must be at most %(max)s.": _("%(Name)s must be %(max)s or less."),
        "Number must be between %(min)s and %(max)s.": _(
            "%(Name)s must be a number from %(min)s to %(max)s."
        ),
        "Not a valid integer value.": _("%(Name)s must be a whole number."),
        "Not a valid date value.": _("%(Name)s must be a real date, for example 2026-05-01."),
        "Not a valid datetime value.": _(
            "%(Name)s must be a real date and time, for example 2026-05-01 09:30."
        ),
        "Invalid email address.": _("Enter %(name)s like name@example.com."),
    }


def _required(field_class):
    if issubclass(field_class, CHOICE):
        return _("Choose %(name)s.")
    return _("Enter %(name)s.")


def message_name(form, name, label):
    """How messages name the field `name` of `form`: `form.names[name]`, else its label (aside dropped) in quotes."""
    named = getattr(form, "names", {}).get(name)
    if named is not None:
        return str(named)
    return f"“{ASIDE.sub('', str(label))}”"


class FieldMessages:
    """The translations WTForms uses for one field: its built-in messages become sentences naming the field."""

    def __init__(self, translations, form, unbound_field, name):
        self.translations, self.form, self.name = translations, form, name
        self.field_class = unbound_field.field_class
        self.label = (
            unbound_field.args[0] if unbound_field.args else unbound_field.kwargs.get("label")
        )

    def named(self, text):
        """`text` with the field's name put in; other placeholders are left for WTForms to fill."""
        name = message_name(self.form, self.name, self.label or self.name).replace("%", "%%")
        return text.replace("%(Name)s", name[:1].upper() + name[1:]).replace("%(name)s", name)

    def gettext(self, string):
        """Our sentence for a WTForms message; anything else (a default label) as WTForms would say it."""
        hidden = issubclass(self.field_class, HIDDEN)
        if string not in wtforms_messages():
            # A default label. A hidden field shows none, and looking one up loads WTForms' catalogue per request.
            return self.translations.gettext(string) if self.translations and not hidden else string
        if hidden:
            return str(STALE)
        if string == "This field is required.":
            return self.named(_required(self.field_class))
        return self.named(_sentences().get(string) or _("%(Name)s is not valid."))

    def ngettext(self, singular, plural, n):
        """Length messages come in the plural form too; ours are the same for any number."""
        return self.gettext(singular if n == 1 else plural)


def _bind_field(meta, form, unbound_field, options):
    options = dict(
        options,
        translations=FieldMessages(
            options.get("translations"), form, unbound_field, options["name"]
        ),
    )
    return unbound_field.bind(form=form, **options)


class Form(FlaskForm):
    """Base of every portal form; `names` maps a field to how its messages name it ("your comment", "意见内容")
    where the label would read badly in a sentence (a question, an aside)."""

    names = {}

    class Meta(FlaskForm.Meta):
        """Binds each field with translations of its own (`FieldMessages`)."""

        bind_field = _bind_field

    def validate(self, extra_validators=None):
        """Validate; then keep one message per field, and say once at the top when the page is stale."""
        valid = super().validate(extra_validators=extra_validators)
        for field in self:
            if field.errors and (field.type in ("HiddenField", "CSRFTokenField")):
                # Flask-WTF's CSRF messages are plain English: they are replaced here, not translated.
                field.errors = [str(STALE)]
                if str(STALE) not in self.form_errors:
                    self.form_errors.append(str(STALE))
            elif field.errors and field.type not in ("FieldList", "FormField"):
                # One message per field: for an empty field the last ("Enter the date."), as the parser's own
                # ("not a real date") comes first; for a typed value the first, the parser's, which says why.
                blank = not any(str(value).strip() for value in field.raw_data or ())
                field.errors = list(field.errors)[-1:] if blank else list(field.errors)[:1]
        return valid


class SubForm(PlainForm):
    """Base of a form repeated inside another (FieldList/FormField): no CSRF token, the same messages."""

    names = {}

    class Meta:
        """As Form.Meta."""

        bind_field = _bind_field


# IntegerField's own msgid: FieldMessages turns it into "<field> must be a whole number." like the others.
INTEGER_REFUSED = "Not a valid integer value."


class WholeNumberField(IntegerField):
    """An IntegerField that takes ASCII digits only: int() also takes '٣', '１０', '1_0' and a thousand digits."""

    def process_formdata(self, valuelist):
        """Parse with `portal.numbers.whole`; anything else is "must be a whole number"."""
        if not valuelist:
            return
        try:
            self.data = whole(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError(self.gettext(INTEGER_REFUSED)) from None


def choices(pairs):
    """Select and radio options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def attach_error(form, error: ValidationFailed):
    """Show each message of a domain error under the field it names, or at the top of the form."""
    for field_name, message in error.errors:
        field = getattr(form, field_name, None) if field_name else None
        # Hidden fields (coordinates, keys) show no errors of their own: those go to the top.
        if field is not None and hasattr(field, "errors") and field.type != "HiddenField":
            field.errors = list(field.errors) + [message]
        elif message not in form.form_errors:
            form.form_errors.append(message)


def error_text(form):
    """All of a form's messages in one line, for a flash; each names its field already."""
    messages = []
    for message in _flat(form.errors):
        if message not in messages:
            messages.append(message)
    return " ".join(messages) or _("This page is out of date: reload it and try again.")


def _flat(errors):
    # FieldList and FormField nest their entries' errors in lists and dicts.
    if isinstance(errors, dict):
        errors = list(errors.values())
    if isinstance(errors, (list, tuple)):
        for item in errors:
            yield from _flat(item)
    else:
        yield str(errors)


def read_files(storages, limit):
    """(file name, bytes) for each uploaded file, reading at most `limit` + 1 bytes of each."""
    files = []
    for storage in storages:
        if storage and storage.filename:
            files.append((storage.filename, storage.stream.read(limit + 1)))
    return files
