"""Files published with a consultation, for anyone: only of published consultations, always as a download."""

from flask import current_app

from portal.downloads import send_attachment
from portal.public import bp
from portal.services import attachments


@bp.get("/consultations/<int:consultation_id>/attachments/<int:attachment_id>")
def attachments_download(consultation_id, attachment_id):
    """Download a file of a published consultation under a name made by the server; drafts' files do not exist."""
    found = attachments.public_download(
        consultation_id, attachment_id, current_app.config["FILES_DIR"]
    )
    return send_attachment(*found, private=False)
