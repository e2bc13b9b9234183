"""The one shape of a console action: valid form → one service call → one commit → flash → redirect.

Irreversible actions (closing or not accepting a report, transferring it, publishing or withdrawing a
consultation or disclosure) ask first: the first POST runs the call and rolls it back, so that whatever
it would refuse is refused at once, and answers with a confirmation page that restates what will happen
and sends the entered values again with `confirm=yes`; only that second POST acts. No JavaScript needed.
"""

from flask import flash
from sqlalchemy.orm.exc import StaleDataError

from portal.errors import Conflict, ValidationFailed
from portal.extensions import db
from portal.forms import attach_error

# The value the confirmation page's button sends as `confirm`.
CONFIRMED = "yes"


def refusal(error, changed):
    """The message of a Conflict, or `changed()` for the ORM's version check (a concurrent edit)."""
    return changed() if isinstance(error, StaleDataError) else error.message


def confirmed(form):
    """True when the form comes from the confirmation page of its action."""
    return "confirm" in form and form.confirm.data == CONFIRMED


def rehearse(call):
    """Run `call()` and undo everything it did; returns its result (refusals are raised as usual)."""
    try:
        result = call()
        db.session.flush()  # the version check and the constraints speak now, not on the confirmed POST
        return result
    finally:
        db.session.rollback()


def ask_first(form, call, page):
    """For an irreversible action not yet confirmed: rehearse `call` and return `page(result)`; else None."""
    if confirmed(form):
        return None
    return page(rehearse(call))


def carried(form):
    """(name, value) of each value the user sent, for the confirmation page to send again unchanged."""
    return [
        (f.name, value)
        for f in form
        if f.name not in ("csrf_token", "confirm") and f.type != "SubmitField"
        for value in (f.raw_data or [])
    ]


def chosen(field):
    """The label of the option chosen in a select field ("" when none is)."""
    return next((str(choice[1]) for choice in field.iter_choices() if choice[2]), "")


def prefixed(form, prefix):
    """`form` with each field's id (and its label's `for`) made prefix-name, as the console's templates write them
    (see `pfield`), so that on a page with several forms the ids stay unique and the error summary's links lead to
    the fields."""
    for field in form:
        field.id = field.label.field_id = f"{prefix}-{field.name}"
    return form


def perform(form, call, done, back, rerender, changed, confirm=None):
    """Run `call()` for a valid `form`, commit, flash `done(result)` and return `back(result)`.

    Bad input (a ValidationFailed) goes on its field and `rerender()` shows the form again; a refusal
    (Conflict) is flashed, or `changed()` after a concurrent edit, and the page reloaded with `back(None)`.
    With `confirm(result)`, an unconfirmed form gets that confirmation page instead (see the module).
    """
    if form.validate_on_submit():
        try:
            asked = ask_first(form, call, confirm) if confirm is not None else None
            if asked is not None:
                return asked
            result = call()
            db.session.commit()
            flash(done(result), "info")
            return back(result)
        except ValidationFailed as error:
            db.session.rollback()
            attach_error(form, error)
        except (Conflict, StaleDataError) as error:
            db.session.rollback()
            flash(refusal(error, changed), "error")
            return back(None)
    return rerender()
