"""Open data: every public dataset as rows, and the bulk files (CSV and JSON) written from them.

Each dataset is what the public pages show of one kind of record, read through the access policies
(portal/services/access.py): never a draft, a withdrawn record's text, a report's description, place,
reported point, files or reporter. `write_files` writes every dataset as CSV (UTF-8 with a byte-order
mark, so that spreadsheets read the Chinese right) and JSON into one folder, each file replaced
atomically and only when its content changed (so an unchanged file keeps its ETag), and
`manifest.json` last: rows, bytes and SHA-256 of every file and when they were written. `portal tick`
writes them once a day (`due`); `portal export-data` at once.

Functions never commit; they only read the database.
"""

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from portal.extensions import db
from portal.models import (
    Consultation,
    ConsultationState,
    Disclosure,
    EventKind,
    Report,
    ReportEvent,
    Task,
    TaskUnit,
    TaskUnitRole,
    Unit,
)
from portal.models.types import utcnow
from portal.services import access, dashboard, policy, task_reports, units
from portal.text import csv_lines, csv_text

MANIFEST = "manifest.json"
FORMATS = ("csv", "json")
MEDIA_TYPES = {"csv": "text/csv", "json": "application/json"}
_BATCH = 1000
_SEPARATOR = "；"  # between names in one cell, as Chinese lists are written


@dataclass(frozen=True)
class Dataset:
    """One published dataset: its file name, title, description, columns and how its rows are read."""

    name: str
    title: str
    description: str
    columns: tuple
    # rows(link) yields one tuple per row; link(endpoint, **values) makes a record's public address.
    rows: Callable
    # rows(link, config) instead: the rows depend on settings (the task reports' calendar).
    configured: bool = False


def _day(value):
    return value.isoformat() if value else None


def _moment(value):
    return value.isoformat(timespec="seconds") if value else None


def _policy_rows(link):
    document = policy.get_document()
    chapters = policy.list_chapters()
    yield (
        document.title,
        document.issuer,
        _day(document.written_on),
        _day(document.published_on),
        len(chapters),
        sum(len(c.measures) for c in chapters),
        document.sha256,
        link("public.index"),
    )


def _measure_rows(link):
    for measure in policy.list_measures():
        yield (
            measure.number,
            measure.chapter.number,
            measure.chapter.title,
            measure.title,
            measure.text,
            link("public.measures_show", number=measure.number),
        )


def _unit_names(task, role):
    return _SEPARATOR.join(a.unit.name for a in task.assignments if a.role is role)


def _task_rows(link):
    query = (
        sa.select(Task)
        .options(
            selectinload(Task.measure), selectinload(Task.assignments).selectinload(TaskUnit.unit)
        )
        .order_by(Task.measure_id, Task.position)
    )
    for task in db.session.scalars(query):
        yield (
            task.id,
            task.measure.number,
            task.position,
            task.kind.value,
            task.title,
            task.text,
            _unit_names(task, TaskUnitRole.LEAD),
            _unit_names(task, TaskUnitRole.PARTICIPATING),
            link("public.measures_show", number=task.measure.number, _anchor=f"task-{task.id}"),
        )


def _area_rows(link):
    for area in units.list_areas():
        yield area.number, area.name, area.city or "", area.label


def _unit_rows(link):
    query = sa.select(Unit).options(selectinload(Unit.area), selectinload(Unit.aliases))
    for unit in db.session.scalars(query.order_by(Unit.id)):
        yield (
            unit.id,
            unit.name,
            unit.kind.value,
            unit.area.number if unit.area else None,
            _SEPARATOR.join(alias.name for alias in unit.aliases),
            link("public.units_show", unit_id=unit.id),
        )


def _goal_rows(link):
    for goal in policy.list_goals():
        yield (
            goal.id,
            goal.task.id,
            goal.name,
            goal.comparison.value,
            dashboard.number_text(goal.target_value),
            goal.unit_of_measure,
            goal.baseline_year,
            goal.target_year,
            goal.source_text,
        )


def _observation_rows(link):
    for row in dashboard.observation_rows():
        yield (*row.values(), link("public.disclosures_show", disclosure_id=row["disclosure_id"]))


def _batches(query, id_column):
    """The rows of `query` in lists of _BATCH, by `id_column`, so that a large table is never held whole."""
    last = 0
    while True:
        batch = db.session.scalars(query.where(id_column > last).limit(_BATCH)).unique().all()
        if not batch:
            return
        yield batch
        last = batch[-1].id
        for row in batch:
            db.session.expunge(row)


def _disclosure_rows(link):
    query = access.DISCLOSURES.public_query(
        joinedload(Disclosure.category), joinedload(Disclosure.unit), joinedload(Disclosure.area)
    ).order_by(Disclosure.id)
    for batch in _batches(query, Disclosure.id):
        yield from (_disclosure_row(d, link) for d in batch)


def _disclosure_row(disclosure, link):
    return (
        disclosure.id,
        disclosure.title,
        disclosure.category.code,
        disclosure.category.name_zh,
        disclosure.unit.name,
        disclosure.area.number if disclosure.area else None,
        _day(disclosure.published_on),
        disclosure.state.value,
        link("public.disclosures_show", disclosure_id=disclosure.id),
    )


def _closing_results(report_ids):
    rows = db.session.execute(
        sa.select(ReportEvent.report_id, ReportEvent.body)
        .where(ReportEvent.report_id.in_(report_ids), ReportEvent.kind == EventKind.CLOSED)
        .order_by(ReportEvent.id)
    )
    return dict(rows.all())  # the latest closing of a reopened report wins


def _report_rows(link):
    query = access.REPORTS.public_query(
        joinedload(Report.category), joinedload(Report.area), joinedload(Report.unit)
    ).order_by(Report.id)
    for batch in _batches(query, Report.id):
        yield from _report_batch(batch, link)


def _report_batch(reports, link):
    results = _closing_results([r.id for r in reports])
    for report in reports:
        point = access.public_point(report) or (None, None)
        yield (
            report.reference,
            report.category.code,
            report.category.name,
            report.area.number,
            report.unit.name,
            report.status.value,
            report.source.value,
            _moment(report.submitted_at),
            _moment(report.accepted_at),
            _moment(report.closed_at),
            *point,
            results.get(report.id, ""),
            report.public_summary or "",
            link("public.reports_show", reference=report.reference),
        )


def _consultation_rows(link):
    query = access.CONSULTATIONS.public_query(
        joinedload(Consultation.unit), joinedload(Consultation.area)
    ).order_by(Consultation.id)
    for consultation in (c for batch in _batches(query, Consultation.id) for c in batch):
        answered = consultation.state is ConsultationState.ANSWERED
        yield (
            consultation.id,
            consultation.kind.value,
            consultation.title,
            consultation.unit.name,
            consultation.area.number if consultation.area else None,
            consultation.state.value,
            _day(consultation.opens_on),
            _day(consultation.closes_on),
            _moment(consultation.answered_at) if answered else None,
            consultation.statement if answered else "",
            link("public.consultations_show", consultation_id=consultation.id),
        )


DATASETS = (
    Dataset(
        "policy",
        _l("The policy"),
        _l("The policy document: title, issuer, dates, and how many chapters and measures it has."),
        (
            "title",
            "issuer",
            "written_on",
            "published_on",
            "chapters",
            "measures",
            "sha256",
            "url",
        ),
        _policy_rows,
    ),
    Dataset(
        "measures",
        _l("Measures"),
        _l("The 35 measures with their chapter and full text."),
        ("number", "chapter", "chapter_title", "title", "text", "url"),
        _measure_rows,
    ),
    Dataset(
        "tasks",
        _l("Tasks"),
        _l("Every task of every measure with its lead and participating units."),
        (
            "id",
            "measure",
            "position",
            "kind",
            "title",
            "text",
            "lead_units",
            "participating_units",
            "url",
        ),
        _task_rows,
    ),
    Dataset(
        "areas",
        _l("Areas"),
        _l("The 兵团 level (0) and the 14 divisions (师) with their cities."),
        ("number", "name", "city", "label"),
        _area_rows,
    ),
    Dataset(
        "units",
        _l("Units"),
        _l("The units the policy names, with their kind, area and other names."),
        ("id", "name", "kind", "area", "aliases", "url"),
        _unit_rows,
    ),
    Dataset(
        "goals",
        _l("Goals"),
        _l("The numeric goals of measure (三) with their targets."),
        (
            "id",
            "task",
            "name",
            "comparison",
            "target",
            "unit_of_measure",
            "baseline_year",
            "target_year",
            "source_text",
        ),
        _goal_rows,
    ),
    Dataset(
        "observations",
        _l("Indicator values"),
        _l("Every published value of the goal indicators, with the disclosure it comes from."),
        (*dashboard.OBSERVATION_COLUMNS, "disclosure_url"),
        _observation_rows,
    ),
    Dataset(
        "disclosures",
        _l("Disclosures"),
        _l("Every published environmental disclosure (withdrawn ones marked as such)."),
        (
            "id",
            "title",
            "category",
            "category_name",
            "unit",
            "area",
            "published_on",
            "state",
            "url",
        ),
        _disclosure_rows,
    ),
    Dataset(
        "reports",
        _l("Reports"),
        _l(
            "Every report's public record: category, area, unit, status, channel, dates, the public "
            "location (rounded to about 500 m), the closing result and the published summary. Never "
            "the description, the place, the reported point or who reported."
        ),
        (
            "reference",
            "category",
            "category_name",
            "area",
            "unit",
            "status",
            "source",
            "submitted_at",
            "accepted_at",
            "closed_at",
            "latitude",
            "longitude",
            "result",
            "summary",
            "url",
        ),
        _report_rows,
    ),
    Dataset(
        "consultations",
        _l("Consultations"),
        _l("Every published consultation with its dates, state and, once answered, its decision."),
        (
            "id",
            "kind",
            "title",
            "unit",
            "area",
            "state",
            "opens_on",
            "closes_on",
            "answered_at",
            "decision",
            "url",
        ),
        _consultation_rows,
    ),
    Dataset(
        "task_reports",
        _l("Task implementation reports"),
        _l(
            "Every published task implementation report (落实情况): task, lead unit, period, status, "
            "progress, what was done, next steps and the participating units' contributions, as of "
            "its latest version."
        ),
        task_reports.DATASET_COLUMNS,
        task_reports.dataset_rows,
        configured=True,
    ),
)
BY_NAME = {dataset.name: dataset for dataset in DATASETS}


# --- the files -----------------------------------------------------------------------------------


class _Part:
    """A file being written beside its final path, hashed as it goes; `finish` puts it in place."""

    def __init__(self, path):
        self.path = path
        handle, self.temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".part"
        )
        self.stream = os.fdopen(handle, "wb")
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, text):
        data = text.encode()
        self.stream.write(data)
        self.digest.update(data)
        self.size += len(data)

    def finish(self):
        """Replace the file atomically, unless it holds the same bytes (then it keeps its ETag)."""
        self.stream.flush()
        os.fsync(self.stream.fileno())
        self.stream.close()
        digest = self.digest.hexdigest()
        if self.path.exists() and _sha256(self.path) == digest:
            Path(self.temporary).unlink()
        else:
            os.replace(self.temporary, self.path)
        return {"bytes": self.size, "sha256": digest}

    def abandon(self):
        self.stream.close()
        Path(self.temporary).unlink(missing_ok=True)


def _sha256(path):
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _json(value):
    return json.dumps(value, ensure_ascii=False, default=str)


def _write_dataset(folder, dataset, link, licence, config=None):
    """Stream `dataset` into its CSV and JSON files (a large table is never held whole); their entry."""
    parts = {extension: _Part(folder / f"{dataset.name}.{extension}") for extension in FORMATS}
    try:
        parts["csv"].write(csv_text(dataset.columns, ()))
        head = {
            "dataset": dataset.name,
            "title": str(dataset.title),
            "licence": {"name": licence[0], "url": licence[1]},
            "columns": list(dataset.columns),
        }
        parts["json"].write(_json(head)[:-1] + ', "rows": [')
        count = 0
        rows = dataset.rows(link, config or {}) if dataset.configured else dataset.rows(link)
        for row in rows:
            parts["csv"].write(csv_lines((row,)))
            separator = ",\n" if count else "\n"
            parts["json"].write(separator + _json(dict(zip(dataset.columns, row, strict=True))))
            count += 1
        parts["json"].write("\n]}\n")
        return {"rows": count, "files": {e: part.finish() for e, part in parts.items()}}
    except BaseException:
        for part in parts.values():
            part.abandon()
        raise


def write_files(directory, link, licence, now=None, config=None):
    """Write every dataset as CSV and JSON into `directory`, then the manifest; returns the manifest.

    `link(endpoint, **values)` makes a public address; `licence` is (name, url); `config` the settings some
    datasets depend on (the task reports' due dates).
    """
    now = now or utcnow()
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    entries = {d.name: _write_dataset(folder, d, link, licence, config) for d in DATASETS}
    manifest = {"written_at": _moment(now), "datasets": entries}
    part = _Part(folder / MANIFEST)
    part.write(json.dumps(manifest, indent=1) + "\n")
    part.finish()
    return manifest


def read_manifest(directory):
    """The manifest of the files in `directory`, or None before they were first written."""
    try:
        return json.loads((Path(directory) / MANIFEST).read_text())
    except (FileNotFoundError, ValueError):
        return None


def written_at(manifest):
    """When the files of `manifest` were written (UTC), or None."""
    return datetime.fromisoformat(manifest["written_at"]) if manifest else None


def due(manifest, now, hour, timezone):
    """True when the daily files should be written: never written, or last written before today's
    `hour` o'clock (local time in `timezone`) which has passed."""
    if manifest is None:
        return True
    zone = ZoneInfo(timezone)
    local_now = now.astimezone(zone)
    today_at = datetime.combine(local_now.date(), time(hour), zone)
    if local_now < today_at:
        today_at -= timedelta(days=1)
    return written_at(manifest) < today_at


def file_path(directory, name, extension):
    """The path of dataset `name`'s file in `extension`, or None when there is no such dataset or file."""
    if name not in BY_NAME or extension not in FORMATS:
        return None
    path = Path(directory) / f"{name}.{extension}"
    return path if path.is_file() else None
