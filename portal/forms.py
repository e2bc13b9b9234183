"""Form helpers shared by the blueprints."""
from wtforms.fields.choices import SelectChoice

from portal.errors import ValidationFailed


def choices(pairs):
    """Select and radio options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def attach_error(form, error: ValidationFailed):
    """Show a domain error under the field it names, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    # Hidden fields (coordinates, keys) show no errors of their own: those go to the top.
    if field is not None and hasattr(field, "errors") and field.type != "HiddenField":
        field.errors = list(field.errors) + [error.message]
    else:
        form.form_errors.append(error.message)


def read_files(storages, limit):
    """(file name, bytes) for each uploaded file, reading at most `limit` + 1 bytes of each."""
    files = []
    for storage in storages:
        if storage and storage.filename:
            files.append((storage.filename, storage.stream.read(limit + 1)))
    return files
