"""Search as the portal uses it: what to (re)index is written to the outbox with the change itself.

The index is a rebuildable cache of the database (see portal/search/); only public fields go in.

- Documents: `DOCUMENTS` maps each kind to (build_one(key) → Document or None, iterate_all()). A
  document is built from the database's current state and only from what the public pages show;
  None means "not public (any more)": the key is dropped from the index. Kinds: measure, task, disclosure,
  consultation, comment, case (a closed report) and task_report (a published task implementation report: its
  latest version and the participating units' contributions, never who wrote it).
- Outbox: every service change that alters public content calls `enqueue(kind, key)` in its own
  transaction. `drain` reads the rows in order, rebuilds those documents, writes them to the
  index and deletes the rows. It runs once the response to a web request that committed rows has
  been sent (`drain_after_response`, when the server closes the response) and in `portal tick`. When the index is missing or locked the rows stay
  for the next drain: a submission never fails because of the index.
- `reindex` rebuilds the whole index from the database into a new directory and swaps it in;
  `drift` compares the index's keys with the database for `portal check`.
- With SEARCH_ENGINE = "postgresql" the documents are rows of the portal's own database
  (`portal.search.PostgresIndex`): the outbox rows a transaction wrote are indexed just before it
  commits, in that transaction (`watch_outbox`), so a change and its document commit together and no
  drain is needed; `drain`, `reindex` and `drift` work on them the same way.
- `search` answers a query with labels for the facets in the user's language.

Index texts never depend on the language of whoever triggered the drain: only data, no gettext.
"""

import fcntl
import logging
import os
import time
import weakref
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.i18n import current_language
from portal.models import (
    Area,
    Category,
    Comment,
    Consultation,
    Disclosure,
    DisclosureCategory,
    Measure,
    PolicyDocument,
    Report,
    ReportStatus,
    SearchOutbox,
    Task,
    TaskReport,
    TaskReportContribution,
    TaskStatus,
    TaskUnit,
    Unit,
)
from portal.pagination import Page
from portal.search import (
    FACETS,
    REPORT_KIND,
    TASK_REPORT_KIND,
    Document,
    PostgresIndex,
    SearchIndex,
    SearchUnavailable,
    make_key,
    rebuild,
)
from portal.services import access, clocks
from portal.text import numeral

log = logging.getLogger(__name__)

# Commands (tick, init, reindex) may wait longer for the writer lock than a web request.
COMMAND_TIMEOUT = 30.0
# Rows one web request drains at most; the rest wait for the next request or `portal tick`.
REQUEST_LIMIT = 200
# session.info flags: outbox rows flushed in the open transaction / committed since the request began.
_FLUSHED = "search_outbox_flushed"
_COMMITTED = "search_outbox_committed"
# session.info: ids of the outbox rows flushed in the open transaction, for the in-database engine.
_ROW_IDS = "search_outbox_row_ids"
# The database engines (SQLAlchemy's) of the apps whose search documents live in the database.
_IN_DATABASE = weakref.WeakSet()
# Written into the index for a closed report; Chinese like every other indexed text.
_CLOSED = "已办结"
# A task report's statuses and periods as the Chinese page shows them (data, not gettext).
_TASK_STATUS = {
    TaskStatus.NOT_STARTED: "未启动",
    TaskStatus.IN_PROGRESS: "推进中",
    TaskStatus.DONE: "已完成",
    TaskStatus.SUSTAINED: "已完成并长效化",
}
_HALF_YEAR = {"H1": "上半年", "H2": "下半年"}


# What the index holds of each kind of record: the public rows (the kind's access policy), narrowed
# where search shows less than the pages do. A withdrawn disclosure stays public as a tombstone but is
# no search result; every report has a public page but is a search result only once closed.
INDEXED = {
    "disclosure": access.PUBLISHED_DISCLOSURES,
    "consultation": access.CONSULTATIONS.public,
    "comment": access.COMMENTS.public,
    REPORT_KIND: access.REPORTS.public
    & access.Rule(
        lambda r: r.status is ReportStatus.CLOSED, lambda: Report.status == ReportStatus.CLOSED
    ),
    TASK_REPORT_KIND: access.TASK_REPORTS.public,
}


def enqueue(kind, key):
    """Ask for the document `kind`:`key` to be re-read into the index (or dropped) after this transaction commits."""
    db.session.add(SearchOutbox(kind=kind, key=str(key)))


# --- documents ------------------------------------------------------------------------------------


def _local(moment):
    """An aware datetime as naive Beijing time (the index sorts and buckets years by the local day)."""
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(clocks.DEFAULT_TZ)).replace(tzinfo=None)


def _year(moment):
    return moment.year if moment is not None else None


def _units(units):
    """Facet values for units: ids of the units that handle things (collective addressees left out)."""
    return tuple(dict.fromkeys(str(u.id) for u in units if u.handles_reports))


def _as_int(key):
    try:
        return int(key)
    except (TypeError, ValueError):
        return None


def _policy_date():
    return db.session.scalar(sa.select(PolicyDocument.published_on))


def _measure_options():
    return (selectinload(Measure.tasks).selectinload(Task.assignments).selectinload(TaskUnit.unit),)


def measure_document(measure, published_on):
    """A measure: "(十四) 全面推进污染防治", its full text, the lead units of its tasks."""
    return Document(
        "measure",
        measure.number,
        f"({numeral(measure.number)}) {measure.title}",
        measure.text,
        url=f"/measures/{measure.number}",
        date=published_on,
        unit=_units(u for task in measure.tasks for u in task.lead_units),
    )


def task_document(task, published_on):
    """A task: its title and text, its lead units, linked to its place in the measure."""
    number = task.measure.number
    return Document(
        "task",
        task.id,
        task.title,
        task.text,
        url=f"/measures/{number}#task-{task.id}",
        date=published_on,
        unit=_units(task.lead_units),
    )


def _build_measure(key):
    number = _as_int(key)
    measure = db.session.scalar(
        sa.select(Measure).where(Measure.number == number).options(*_measure_options())
    )
    return measure_document(measure, _policy_date()) if measure is not None else None


def _all_measures():
    published_on = _policy_date()
    for measure in db.session.scalars(
        sa.select(Measure).order_by(Measure.number).options(*_measure_options())
    ):
        yield measure_document(measure, published_on)


def _build_task(key):
    task = db.session.get(Task, _as_int(key) or 0)
    return task_document(task, _policy_date()) if task is not None else None


def _all_tasks():
    published_on = _policy_date()
    query = (
        sa.select(Task)
        .join(Measure)
        .order_by(Measure.number, Task.position)
        .options(
            selectinload(Task.measure), selectinload(Task.assignments).selectinload(TaskUnit.unit)
        )
    )
    for task in db.session.scalars(query):
        yield task_document(task, published_on)


def plain_text(markdown):
    """A Markdown body as the text a reader sees: rendered (raw HTML off, sanitised), tags stripped."""
    from portal.rendering import render_markdown  # the Markdown parser is built on first use

    return render_markdown(markdown).striptags()


def disclosure_document(disclosure):
    """A published disclosure (drafts and withdrawn ones are not searchable): None otherwise."""
    if not INDEXED["disclosure"].check(disclosure):
        return None
    day = disclosure.published_on or (
        _local(disclosure.first_published_at).date() if disclosure.first_published_at else None
    )
    return Document(
        "disclosure",
        disclosure.id,
        disclosure.title,
        plain_text(disclosure.body),
        url=f"/disclosures/{disclosure.id}",
        date=day,
        unit=(str(disclosure.unit_id),),
        disclosure_category=disclosure.category.code,
        area=str(disclosure.area.number),
        year=_year(day),
    )


def _build_disclosure(key):
    disclosure = db.session.get(Disclosure, _as_int(key) or 0)
    return disclosure_document(disclosure) if disclosure is not None else None


def _all_disclosures():
    query = (
        sa.select(Disclosure)
        .where(INDEXED["disclosure"].where())
        .order_by(Disclosure.id)
        .options(selectinload(Disclosure.category), selectinload(Disclosure.area))
    )
    for disclosure in db.session.scalars(query):
        yield disclosure_document(disclosure)


def consultation_document(consultation):
    """A published consultation (open, closed, answered or withdrawn after publication): None for drafts.

    Title, summary and paragraphs, and the public texts added later: the participation statement
    and a withdrawal's reason.
    """
    if not INDEXED["consultation"].check(consultation):
        return None
    texts = [
        consultation.summary,
        *(p.text for p in consultation.paragraphs),
        consultation.statement,
        consultation.withdrawn_reason,
    ]
    published = _local(consultation.published_at)
    return Document(
        "consultation",
        consultation.id,
        consultation.title,
        "\n".join(t for t in texts if t),
        url=f"/consultations/{consultation.id}",
        date=published,
        unit=(str(consultation.unit_id),),
        area=str(consultation.area.number),
        year=_year(published),
    )


def _build_consultation(key):
    consultation = db.session.get(Consultation, _as_int(key) or 0)
    return consultation_document(consultation) if consultation is not None else None


def _all_consultations():
    query = (
        sa.select(Consultation)
        .where(INDEXED["consultation"].where())
        .order_by(Consultation.id)
        .options(selectinload(Consultation.paragraphs), selectinload(Consultation.area))
    )
    for consultation in db.session.scalars(query):
        yield consultation_document(consultation)


def comment_document(comment):
    """A published comment on a published consultation, with the unit's answer; never a contact detail.

    The commenter's name appears only when they allowed it to be published.
    """
    consultation = comment.consultation
    if not INDEXED["comment"].check(comment):
        return None
    title = f"对《{consultation.title}》的意见"
    if comment.publish_name:
        title = f"{title}({comment.author_name})"
    submitted = _local(comment.submitted_at)
    return Document(
        "comment",
        comment.id,
        title,
        "\n".join(t for t in (comment.body, comment.decision_reason) if t),
        url=f"/consultations/{consultation.id}#comment-{comment.id}",
        date=submitted,
        unit=(str(consultation.unit_id),),
        area=str(consultation.area.number),
        year=_year(submitted),
        snippet=comment.body,
    )


def _build_comment(key):
    comment = db.session.get(Comment, _as_int(key) or 0)
    return comment_document(comment) if comment is not None else None


def _all_comments():
    query = (
        sa.select(Comment)
        .where(INDEXED["comment"].where())
        .order_by(Comment.id)
        .options(selectinload(Comment.consultation).selectinload(Consultation.area))
    )
    for comment in db.session.scalars(query):
        yield comment_document(comment)


def report_document(report):
    """A closed report as /reports/<reference> shows it: category, area, unit, status, the unit's public
    replies, its closing result and published summary. Never the description, place, coordinates,
    files or anything about the reporter."""
    if not INDEXED[REPORT_KIND].check(report):
        return None
    public = [report.public_summary or "", *(event.body for event in report.public_texts)]
    facts = [report.category.name, report.area.label, report.unit.label, _CLOSED]
    closed = _local(report.closed_at)
    return Document(
        REPORT_KIND,
        report.reference,
        f"{report.reference} {report.category.name} · {report.area.label}",
        "\n".join(t for t in facts + public if t),
        url=f"/reports/{report.reference}",
        date=closed,
        unit=(str(report.unit_id),),
        category=(report.category.code,),
        area=str(report.area.number),
        year=_year(closed),
        snippet="\n".join(t for t in public if t) or " · ".join(facts),
    )


def _report_options():
    return (
        selectinload(Report.category),
        selectinload(Report.area),
        selectinload(Report.unit),
        selectinload(Report.events),
    )


def _build_report(key):
    report = db.session.scalar(
        sa.select(Report).where(Report.reference == str(key)).options(*_report_options())
    )
    return report_document(report) if report is not None else None


def _all_reports():
    query = (
        sa.select(Report)
        .where(INDEXED[REPORT_KIND].where())
        .order_by(Report.id)
        .options(*_report_options())
    )
    for report in db.session.scalars(query):
        yield report_document(report)


def _period(period):
    """ "2026" → 2026年度, "2026-H1" → 2026年上半年: a task report's period as the Chinese page names it."""
    year, _sep, half = period.partition("-")
    return f"{year}年{_HALF_YEAR[half]}" if half in _HALF_YEAR else f"{year}年度"


def task_report_document(report):
    """A published task report as /tasks/<id> shows its latest version: task and measure, lead unit, period,
    status, progress, what was done and the next steps, the participating units' contributions under their names.
    Never who wrote or published it. None for a draft."""
    if not INDEXED[TASK_REPORT_KIND].check(report) or not report.versions:
        return None
    latest, task = report.versions[-1], report.task
    measure = task.measure
    progress = f"进度{latest.progress}%" if latest.progress is not None else ""
    texts = [
        plain_text(latest.done_text),
        plain_text(latest.next_steps),
        *(f"{c.unit.label}：{plain_text(c.text)}" for c in report.contributions),
    ]
    facts = [
        f"({numeral(measure.number)}) {measure.title}",
        task.title,
        report.unit.label,
        f"{_period(report.period)}落实情况",
        _TASK_STATUS[latest.status],
        progress,
    ]
    published = _local(latest.published_at)
    return Document(
        TASK_REPORT_KIND,
        report.id,
        f"任务{task.id} {task.title} · {_period(report.period)}落实情况 · {report.unit.label}",
        "\n".join(t for t in facts + texts if t),
        url=f"/tasks/{task.id}#report-{report.id}",
        date=published,
        # The lead unit, then the units whose contributions the report shows.
        unit=tuple(
            dict.fromkeys(
                str(u) for u in [report.unit_id, *(c.unit_id for c in report.contributions)]
            )
        ),
        area=str(report.unit.area.number) if report.unit.area is not None else None,
        year=int(report.period[:4]),
        snippet="\n".join(t for t in texts if t),
    )


def _task_report_options():
    return (
        selectinload(TaskReport.versions),
        selectinload(TaskReport.task).selectinload(Task.measure),
        selectinload(TaskReport.unit).selectinload(Unit.aliases),
        selectinload(TaskReport.unit).selectinload(Unit.area),
        selectinload(TaskReport.contributions)
        .selectinload(TaskReportContribution.unit)
        .selectinload(Unit.aliases),
    )


def _build_task_report(key):
    report = db.session.scalar(
        sa.select(TaskReport)
        .where(TaskReport.id == (_as_int(key) or 0))
        .options(*_task_report_options())
    )
    return task_report_document(report) if report is not None else None


def _all_task_reports():
    query = (
        sa.select(TaskReport)
        .where(INDEXED[TASK_REPORT_KIND].where())
        .order_by(TaskReport.id)
        .options(*_task_report_options())
    )
    for report in db.session.scalars(query):
        yield task_report_document(report)


# kind → (build_one(key) → Document | None, iterate_all() → Documents)
DOCUMENTS = {
    "measure": (_build_measure, _all_measures),
    "task": (_build_task, _all_tasks),
    "disclosure": (_build_disclosure, _all_disclosures),
    "consultation": (_build_consultation, _all_consultations),
    "comment": (_build_comment, _all_comments),
    REPORT_KIND: (_build_report, _all_reports),
    TASK_REPORT_KIND: (_build_task_report, _all_task_reports),
}


def build_document(kind, key):
    """The document `kind`:`key` as the database holds it now, or None when it is not public."""
    build_one, _iterate = DOCUMENTS[kind]
    return build_one(key)


def all_documents():
    """Every public document the database holds, kind by kind."""
    for _build, iterate_all in DOCUMENTS.values():
        yield from iterate_all()


def estimate():
    """Roughly how many documents `all_documents` yields (for a progress bar), counted cheaply in SQL."""

    def count(model, *conditions):
        return (
            db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*conditions)) or 0
        )

    return (
        count(Measure)
        + count(Task)
        + count(Disclosure, INDEXED["disclosure"].where())
        + count(Consultation, INDEXED["consultation"].where())
        + count(Comment, INDEXED["comment"].where())
        + count(Report, INDEXED[REPORT_KIND].where())
        + count(TaskReport, INDEXED[TASK_REPORT_KIND].where())
    )


def policy_keys():
    """(kind, key) of every measure, task and published task report (which names its task and measure), for
    `enqueue_policy`."""
    measures = {("measure", str(n)) for n in db.session.scalars(sa.select(Measure.number))}
    tasks = {("task", str(i)) for i in db.session.scalars(sa.select(Task.id))}
    reports = {
        (TASK_REPORT_KIND, str(i))
        for i in db.session.scalars(
            sa.select(TaskReport.id).where(INDEXED[TASK_REPORT_KIND].where())
        )
    }
    return measures | tasks | reports


def enqueue_policy(previous):
    """After a policy import: re-read every measure, task and published task report, and those of `previous`
    (policy_keys before it)."""
    db.session.flush()
    for kind, key in sorted(previous | policy_keys()):
        enqueue(kind, key)


# --- the outbox -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drained:
    """What one drain did: documents written, keys dropped, rows still waiting, and whether the index answered."""

    written: int
    removed: int
    pending: int
    available: bool = True


def in_database(config):
    """True when the search documents live in the portal's database (SEARCH_ENGINE = "postgresql")."""
    return config["SEARCH_ENGINE"] == "postgresql"


def location(config):
    """Where the documents are, in words for the commands' messages."""
    return "the database (search_documents)" if in_database(config) else config["SEARCH_DIR"]


def index_for(config, timeout=None):
    """The configured engine's index: Whoosh's at SEARCH_DIR, or the documents in the database read and written
    in the session's transaction (nothing is opened until it is used)."""
    if in_database(config):
        return PostgresIndex(db.session.connection)
    timeout = config["SEARCH_WRITE_TIMEOUT"] if timeout is None else timeout
    return SearchIndex(config["SEARCH_DIR"], timeout=timeout)


@contextmanager
def _drain_lock(config, timeout):
    """One drain at a time across processes, so that documents are read and written in commit order.

    Without it, a drain that read an older state could write it after a later drain wrote the newer.
    """
    parent, name = os.path.split(config["SEARCH_DIR"])
    os.makedirs(parent, exist_ok=True)
    with open(os.path.join(parent, f".{name}.drain.lock"), "a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise SearchUnavailable(
                        "another drain of the search outbox is running"
                    ) from None
                time.sleep(0.05)
        yield


def pending_count():
    """How many outbox rows wait to be drained."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(SearchOutbox)) or 0


def drain(config, limit=500, timeout=None):
    """Index the documents of up to `limit` outbox rows (oldest first) as they are now, then delete the rows.

    Commits: call it after the caller's own commit. When the index is missing or its writer lock
    is held past `timeout` (SEARCH_WRITE_TIMEOUT by default), the rows stay for a later drain and
    the result says how many wait.
    """
    timeout = config["SEARCH_WRITE_TIMEOUT"] if timeout is None else timeout
    index = index_for(config, timeout)
    try:
        # In the database, rows and documents are written in one transaction: no lock across processes.
        with nullcontext() if in_database(config) else _drain_lock(config, timeout):
            rows = db.session.execute(
                sa.select(SearchOutbox.id, SearchOutbox.kind, SearchOutbox.key)
                .order_by(SearchOutbox.id)
                .limit(limit)
            ).all()
            documents, gone = _write_documents(index, [(row.kind, row.key) for row in rows])
            _delete_rows([row.id for row in rows])
            db.session.commit()
    except SearchUnavailable as error:
        db.session.rollback()
        # The reason names the index's path and the lock, never a document.
        log.warning(
            "search outbox not drained (%s); the rows wait for the next drain", error.reason
        )
        return Drained(0, 0, pending_count(), available=False)
    return Drained(len(documents), len(gone), pending_count())


def _write_documents(index, names):
    """Write the current documents of these (kind, key) pairs to `index`, or drop those no longer public."""
    documents, gone = [], []
    for kind, key in dict.fromkeys(names):
        document = build_document(kind, key) if kind in DOCUMENTS else None
        if document is None:
            gone.append(make_key(kind, key))
        else:
            documents.append(document)
    if documents:
        index.add_documents(documents)
    if gone:
        index.delete(gone)
    return documents, gone


def _delete_rows(ids):
    for start in range(0, len(ids), 500):
        db.session.execute(
            sa.delete(SearchOutbox).where(SearchOutbox.id.in_(ids[start : start + 500]))
        )


def _note_flush(session, _flush_context):
    rows = [item for item in session.new if isinstance(item, SearchOutbox)]
    if rows:
        session.info[_FLUSHED] = True
        session.info.setdefault(_ROW_IDS, []).extend((row.id, row.kind, row.key) for row in rows)


def _index_before_commit(session):
    """For the in-database engine: index this transaction's outbox rows in it, and delete them."""
    if not session.info.get(_FLUSHED) or session.get_bind() not in _IN_DATABASE:
        return
    session.flush()
    rows = session.info.pop(_ROW_IDS, [])
    _write_documents(PostgresIndex(session.connection), [(kind, key) for _id, kind, key in rows])
    _delete_rows([row_id for row_id, _kind, _key in rows])
    # Nothing is left for a drain after the response.
    session.info.pop(_FLUSHED, None)


def _note_commit(session):
    session.info.pop(_ROW_IDS, None)
    if session.info.pop(_FLUSHED, False):
        session.info[_COMMITTED] = True


def _note_rollback(session):
    session.info.pop(_FLUSHED, None)
    session.info.pop(_ROW_IDS, None)


def watch_outbox(engine=None, config=None):
    """Note on the session when a transaction that wrote outbox rows commits (read by `committed_rows`); with
    the in-database engine (`config`), index those rows in the transaction itself, on the database `engine`."""
    if engine is not None and config is not None and in_database(config):
        _IN_DATABASE.add(engine)
    for name, listener in (
        ("after_flush", _note_flush),
        ("before_commit", _index_before_commit),
        ("after_commit", _note_commit),
        ("after_rollback", _note_rollback),
    ):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


def committed_rows():
    """True (once) when a transaction of this session committed outbox rows since the last call."""
    if not db.session.registry.has():
        return (
            False  # the request never opened a session (a page from the cache): none is made to ask
        )
    return db.session.info.pop(_COMMITTED, False)


def drain_after_response(app):
    """Drain in a fresh app context once the response has been sent; failures are logged, never raised.

    The submission is committed by then: a missing or busy index only leaves the rows for later.
    """
    with app.app_context():
        try:
            drain(app.config, limit=REQUEST_LIMIT)
        except Exception as failure:  # noqa: BLE001 - the answer is sent; the next drain retries
            db.session.rollback()
            log.warning("search outbox drain after the response failed: %s", type(failure).__name__)


def reindex(config, progress=None, timeout=COMMAND_TIMEOUT):
    """Rebuild the index from the database into a new directory and swap it in; return the count.

    The documents are read once the old index's writer lock is held, and the outbox rows present
    then are deleted afterwards (they are covered by the new index); the caller commits.
    """
    covered = []

    def documents():
        covered.extend(db.session.scalars(sa.select(SearchOutbox.id)).all())
        yield from all_documents()

    if in_database(config):
        count = index_for(config).replace_all(documents(), progress=progress)
    else:
        count = rebuild(config["SEARCH_DIR"], documents(), progress=progress, timeout=timeout)
    _delete_rows(covered)
    return count


def index_exists(config):
    """True when an index can be opened at SEARCH_DIR."""
    try:
        index_for(config).count()
    except SearchUnavailable:
        return False
    return True


@dataclass(frozen=True)
class Drift:
    """Keys the index lacks and keys it should not have (both sorted), outbox rows waiting, documents held,
    and what an index built by an older version lacks (fields, or the current index format)."""

    missing: list
    extra: list
    pending: int
    indexed: int
    outdated: list = ()

    @property
    def consistent(self):
        """True when the index holds exactly the database's public documents (waiting rows aside) in today's fields."""
        return not self.missing and not self.extra and not self.outdated


def drift(config):
    """Compare the index's keys with the database's public documents; SearchUnavailable when there is no index.

    Keys with outbox rows still waiting are left out: the next drain settles them.
    """
    index = index_for(config)
    indexed, outdated = index.keys(), index.outdated()
    expected = {document.key for document in all_documents()}
    waiting = {
        make_key(kind, key)
        for kind, key in db.session.execute(sa.select(SearchOutbox.kind, SearchOutbox.key))
    }
    return Drift(
        missing=sorted(expected - indexed - waiting),
        extra=sorted(indexed - expected - waiting),
        pending=pending_count(),
        indexed=len(indexed),
        outdated=outdated,
    )


# --- searching ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet: what to filter on, how to show it, how many matches have it."""

    value: str
    label: str
    count: int


@dataclass(frozen=True)
class Result:
    """One match: `snippet` is safe HTML (escaped text with <mark> around the matches)."""

    kind: str
    id: int | str
    title: str
    url: str
    snippet: str
    date: date | None
    score: float | None


@dataclass(frozen=True)
class SearchPage(Page):
    """One page of results (`items`, each a Result), with the query as read and facets counted over every match."""

    query: str
    facets: dict


def kind_label(kind):
    """A document kind in the user's language."""
    return {
        "measure": _("Policy measure"),
        "task": _("Policy task"),
        "disclosure": _("Disclosure"),
        "consultation": _("Consultation"),
        "comment": _("Published comment"),
        REPORT_KIND: _("Closed report"),
        TASK_REPORT_KIND: _("Task implementation report"),
    }.get(kind, kind)


def facet_name(name):
    """A facet's name in the user's language: what kind of thing its values are."""
    return {
        "kind": _("Type of content"),
        "unit": _("Responsible unit"),
        "category": _("Report category"),
        "disclosure_category": _("Disclosure category"),
        "area": _("Area"),
        "year": _("Year"),
    }.get(name, name)


def labels(name, values):
    """{value: label} for values of facet `name`, read from the database in the user's language."""
    values = [str(v) for v in values]
    if not values:
        return {}
    found = {}
    if name == "kind":
        found = {v: kind_label(v) for v in values}
    elif name == "unit":
        ids = [i for i in map(_as_int, values) if i is not None]
        query = sa.select(Unit).where(Unit.id.in_(ids)).options(selectinload(Unit.aliases))
        found = {str(u.id): u.label for u in db.session.scalars(query)}
    elif name == "area":
        numbers = [n for n in map(_as_int, values) if n is not None]
        found = {
            str(a.number): a.label
            for a in db.session.scalars(sa.select(Area).where(Area.number.in_(numbers)))
        }
    elif name == "category":
        english = current_language() == "en"
        for c in db.session.scalars(sa.select(Category).where(Category.code.in_(values))):
            found[c.code] = c.name_en if english else c.name
    elif name == "disclosure_category":
        english = current_language() == "en"
        for c in db.session.scalars(
            sa.select(DisclosureCategory).where(DisclosureCategory.code.in_(values))
        ):
            found[c.code] = c.name_en if english else c.name_zh
    return {v: found.get(v, v) for v in values}


def _result_id(kind, value):
    # Reports are known by their reference; everything else by a number (a measure by its number).
    return value if kind == REPORT_KIND or _as_int(value) is None else int(value)


def search(
    config,
    q,
    kind=None,
    unit=None,
    category=None,
    disclosure_category=None,
    area=None,
    year=None,
    sort="relevance",
    page=1,
    per_page=20,
):
    """One page of public documents matching `q`, with facets labelled in the user's language.

    Each filter takes one value or a list (any of them). Raises ValidationFailed for an unusable
    query or option (naming the field), SearchUnavailable when the index cannot be read.
    """
    found = index_for(config).search(
        q,
        sort=sort,
        page=page,
        per_page=per_page,
        kind=kind,
        unit=unit,
        category=category,
        disclosure_category=disclosure_category,
        area=area,
        year=year,
    )
    facets = {}
    for name in FACETS:
        pairs = found.facets.get(name, [])
        if name == "year":
            pairs = sorted(pairs, reverse=True)
        names = labels(name, [value for value, _count in pairs])
        facets[name] = [FacetValue(value, names[value], count) for value, count in pairs]
    results = [
        Result(h.kind, _result_id(h.kind, h.id), h.title, h.url, h.snippet, h.date, h.score)
        for h in found.items
    ]
    return SearchPage(results, found.total, found.page, found.per_page, found.query, facets)


def active_filters(filters):
    """[(facet, value, label)] of the filters in use, labelled like the facets (for "remove" links)."""
    active = []
    for name in FACETS:
        value = filters.get(name)
        if value:
            active.append((name, value, labels(name, [value])[str(value)]))
    return active
