"""Files of consultations and disclosures in the console: adding one, removing one from a draft."""
from flask import current_app, flash, redirect
from flask_babel import gettext as _
from flask_login import current_user

from portal.console.consultation_forms import RemoveAttachmentForm
from portal.errors import Conflict
from portal.extensions import db
from portal.services import attachments


def add_attachment(owner, form):
    """Store the file uploaded with `form` for `owner` (a consultation or a disclosure)."""
    upload = form.file.data
    # One byte over the limit is enough for the service to refuse the file by its size.
    return attachments.add_attachment(current_user, owner, upload.filename,
                                      upload.stream.read(attachments.MAX_BYTES + 1), current_app.config)


def detach(attachment, back):
    """Remove a draft's file (the form only carries the CSRF token) and go back to the URL `back`."""
    if RemoveAttachmentForm().validate_on_submit():
        try:
            attachments.remove_attachment(current_user, attachment, current_app.config)
            db.session.commit()
            flash(_("File removed."), "info")
        except Conflict as error:
            db.session.rollback()
            flash(error.message, "error")
    else:
        flash(_("The form has expired. Please reload the page and try again."), "error")
    return redirect(back)
