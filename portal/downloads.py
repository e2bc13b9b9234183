"""Stored files sent as downloads, for the public pages and the console alike."""
from flask import send_file


def send_attachment(path, download_name, mimetype, private):
    """A stored file as a download that no browser renders or sniffs."""
    response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=download_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if private:
        response.headers["Cache-Control"] = "private, no-store"
    return response
