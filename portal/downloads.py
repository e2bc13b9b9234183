"""Downloads, for the public pages and the console alike: stored files, and CSV spreadsheets made on the fly."""

import csv
import io
from decimal import Decimal, InvalidOperation

from flask import Response, send_file


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


def _cell(value):
    if value is None:
        return ""
    # A spreadsheet runs a text cell that starts with one of these as a formula (a number such as -5 is safe).
    if (
        isinstance(value, str)
        and value[:1] in ("=", "+", "-", "@", "\t", "\r")
        and not _is_number(value)
    ):
        return "'" + value
    return value


def _is_number(text):
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


def csv_response(filename, header, rows):
    """A CSV download in UTF-8 with a byte-order mark, so that spreadsheets read the Chinese right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([_cell(value) for value in row] for row in rows)
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
