"""/data: the open datasets as bulk files, their catalogue, and the nightly `portal tick` that writes them."""

import csv
import hashlib
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from portal.services import datasets
from portal.services.locations import rounded_point
from tests.helpers import act, staff_client, submit_report

NAME, PHONE = "王秘密", "13912345678"
DESCRIPTION = "排污口夜里偷排黑水,邻居都知道是我举报的。"


def export(app):
    """`portal export-data`; its output line."""
    result = app.test_cli_runner().invoke(args=["portal", "export-data"])
    assert result.exit_code == 0, result.output
    return result.output


def tick(app):
    """`portal tick`; its output."""
    result = app.test_cli_runner().invoke(args=["portal", "tick"])
    assert result.exit_code == 0, result.output
    return result.output


def closed_report(app, client):
    """A report from 第八师 with an identity and a raw point, accepted and closed with a result."""
    reference, _code = submit_report(
        client,
        name=NAME,
        phone=PHONE,
        description=DESCRIPTION,
        latitude="44.30617",
        longitude="86.04153",
    )
    staff = staff_client(app)
    assert act(staff, reference, "accept").status_code == 302
    assert act(staff, reference, "close", result="已责令整改。", confirm="yes").status_code == 302
    return reference


def test_before_the_first_export_the_page_says_when_files_come_and_files_are_404(client):
    page = client.get("/data", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "尚未生成" in page and "举报" in page
    assert client.get("/data/reports.csv").status_code == 404


def test_every_dataset_is_offered_as_csv_and_json_with_rows_sizes_and_the_licence(app, client):
    reference = closed_report(app, client)
    assert "11 datasets" in export(app)
    page = client.get("/data").get_data(as_text=True)
    for dataset in datasets.DATASETS:
        assert (
            f'href="/data/{dataset.name}.csv"' in page
            and f'href="/data/{dataset.name}.json"' in page
        )
    assert 'rel="license"' in page and "/data/catalog.json" in page

    answer = client.get("/data/reports.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    text = answer.get_data(as_text=True)
    assert text.startswith(
        "\ufeffreference,category,"
    )  # the byte-order mark: spreadsheets read the Chinese
    [row] = list(csv.DictReader(io.StringIO(text[1:])))
    assert row["reference"] == reference and row["status"] == "closed"
    assert row["result"] == "已责令整改。" and row["unit"] == "第八师石河子市"
    public = tuple(map(float, rounded_point(Decimal("44.30617"), Decimal("86.04153"))))
    assert (float(row["latitude"]), float(row["longitude"])) == public  # rounded to about 500 m
    for planted in (NAME, PHONE, DESCRIPTION, "44.30617", "86.04153"):
        assert planted not in text

    document = client.get("/data/reports.json").get_json()
    assert document["licence"]["name"] == "CC BY 4.0"
    assert document["rows"][0]["reference"] == reference
    assert (document["rows"][0]["latitude"], document["rows"][0]["longitude"]) == public
    measures = client.get("/data/measures.json").get_json()["rows"]
    assert len(measures) == 35 and measures[29]["title"]
    tasks = list(
        csv.DictReader(io.StringIO(client.get("/data/tasks.csv").get_data(as_text=True)[1:]))
    )
    assert len(tasks) == 59 and all(t["lead_units"] for t in tasks)


def test_files_answer_304_to_their_etag_and_keep_it_while_the_data_is_unchanged(app, client):
    closed_report(app, client)
    export(app)
    first = client.get("/data/reports.json")
    etag = first.headers["ETag"]
    assert client.get("/data/reports.json", headers={"If-None-Match": etag}).status_code == 304
    assert first.headers["Link"] == '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'

    export(app)  # nothing changed: the same file, the same ETag
    assert client.get("/data/reports.json").headers["ETag"] == etag
    submit_report(client)
    export(app)
    changed = client.get("/data/reports.json")
    assert changed.headers["ETag"] != etag and len(changed.get_json()["rows"]) == 2
    assert (
        client.get(
            "/data/measures.json",
            headers={"If-None-Match": client.get("/data/measures.json").headers["ETag"]},
        ).status_code
        == 304
    )


def test_the_catalogue_lists_every_dataset_with_checksums_of_the_files_served(app, client):
    export(app)
    catalog = client.get("/data/catalog.json").get_json()
    assert catalog["@type"] == "dcat:Catalog"
    assert catalog["dct:license"] == "https://creativecommons.org/licenses/by/4.0/"
    found = {d["dct:identifier"]: d for d in catalog["dcat:dataset"]}
    assert set(found) == {d.name for d in datasets.DATASETS}
    titles = {t["@language"]: t["@value"] for t in found["reports"]["dct:title"]}
    assert titles == {"zh-Hans": "举报", "en": "Reports"}
    for distribution in found["units"]["dcat:distribution"]:
        path = distribution["dcat:downloadURL"].split("://", 1)[1].split("/", 1)[1]
        body = client.get("/" + path).get_data()
        assert (
            distribution["spdx:checksum"]["spdx:checksumValue"] == hashlib.sha256(body).hexdigest()
        )
        assert distribution["dcat:byteSize"] == len(body)


def test_unknown_datasets_and_formats_are_404_never_a_file_outside_the_folder(app, client):
    export(app)
    for path in (
        "/data/nothing.csv",
        "/data/reports.xml",
        "/data/manifest.json",
        "/data/..%2Fportal.db.csv",
    ):
        assert client.get(path).status_code == 404, path


def test_tick_writes_the_files_once_a_day_after_the_configured_hour(app, client):
    assert "open data written" in tick(app)  # never written: at once
    assert "open data written" not in tick(app)  # written today already
    manifest_path = Path(app.config["OPEN_DATA_DIR"]) / datasets.MANIFEST
    manifest = json.loads(manifest_path.read_text())
    manifest["written_at"] = (datetime.now(UTC) - timedelta(days=2)).isoformat(timespec="seconds")
    manifest_path.write_text(json.dumps(manifest))
    assert "open data written" in tick(app)
