"""The one shape of a console action: valid form → one service call → one commit → flash → redirect."""
from flask import flash
from sqlalchemy.orm.exc import StaleDataError

from portal.errors import Conflict, ValidationFailed
from portal.extensions import db
from portal.forms import attach_error


def refusal(error, changed):
    """The message of a Conflict, or `changed()` for the ORM's version check (a concurrent edit)."""
    return changed() if isinstance(error, StaleDataError) else error.message


def perform(form, call, done, back, rerender, changed):
    """Run `call()` for a valid `form`, commit, flash `done(result)` and return `back(result)`.

    Bad input (a ValidationFailed) goes on its field and `rerender()` shows the form again; a refusal
    (Conflict) is flashed, or `changed()` after a concurrent edit, and the page reloaded with `back(None)`.
    """
    if form.validate_on_submit():
        try:
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
