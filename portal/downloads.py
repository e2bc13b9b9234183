"""Downloads, for the public pages and the console alike: stored files, and CSV spreadsheets made on the fly."""

from flask import Response, send_file

from portal.text import csv_text


def send_attachment(path, download_name, mimetype, private):
    """A stored file as a download that no browser renders or sniffs."""
    response = send_file(
        path, mimetype=mimetype, as_attachment=True, download_name=download_name, max_age=0
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if private:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def csv_response(filename, header, rows):
    """A CSV download in UTF-8 with a byte-order mark, so that spreadsheets read the Chinese right."""
    return Response(
        csv_text(header, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
