"""/data: the open datasets as bulk CSV and JSON files, and their DCAT catalogue (/data/catalog.json)."""

from flask import abort, current_app, jsonify, render_template, send_file

from portal import open_data
from portal.public import bp
from portal.services import datasets
from portal.urls import absolute_url


def _listing():
    """(the manifest or None, [(dataset, its manifest entry or None)])."""
    manifest = datasets.read_manifest(current_app.config["OPEN_DATA_DIR"])
    entries = (manifest or {}).get("datasets", {})
    return manifest, [(d, entries.get(d.name)) for d in datasets.DATASETS]


@bp.get("/data")
def data_index():
    """Every dataset with its files, their size and when they were written, and the licence."""
    manifest, listing = _listing()
    return render_template(
        "public/data/index.html",
        listing=listing,
        written_at=datasets.written_at(manifest),
        hour=current_app.config["OPEN_DATA_HOUR"],
    )


@bp.get("/data/catalog.json")
def data_catalog():
    """The datasets as a DCAT catalogue in JSON-LD."""
    manifest, listing = _listing()
    name, url = open_data.licence(current_app.config)
    return jsonify(open_data.catalog(listing, datasets.written_at(manifest), url or name))


@bp.get("/data/<name>.<extension>")
def data_file(name, extension):
    """One dataset's bulk file, with an ETag and Last-Modified (304 when unchanged, ranges served)."""
    path = datasets.file_path(current_app.config["OPEN_DATA_DIR"], name, extension)
    if path is None:
        abort(404)
    response = send_file(
        path,
        mimetype=datasets.MEDIA_TYPES[extension],
        download_name=f"{name}.{extension}",
        as_attachment=extension == "csv",
        conditional=True,
        etag=True,
        max_age=3600,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def file_url(dataset, extension):
    """The public address of `dataset`'s file in `extension`."""
    return absolute_url("public.data_file", name=dataset.name, extension=extension)
