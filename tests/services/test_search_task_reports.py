"""Task implementation reports (落实情况) in the search index: a published report is found by the words of its latest
version and of the participating units' contributions, a draft never; revising, contributing and a policy import
queue it; the kind facet, reindex and drift know the kind; the search page links each result to its report."""

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from portal.extensions import db
from portal.models import SearchOutbox, Task, TaskUnitRole
from portal.policy import bundled_text
from portal.policy.importer import import_policy
from portal.services import search, task_reports
from portal.services.units import find_unit
from tests.helpers import People

KIND = "task_report"
LEAD, PARTICIPATING = "兵团建设局", "兵团水利局"
PEOPLE = {
    "staff": ("jsj", LEAD, "staff"),
    "helper": ("slj", PARTICIPATING, "staff"),
}
# Staff members' names: never in a document (the public page shows the units only).
STAFF_NAME = "上官审稿"
DONE = "## 进展\n\n完成**城镇污水处理厂**提标改造3座,新增处理能力每日6万立方米。"
REVISED = "## 进展\n\n完成城镇污水处理厂提标改造4座,年底前第四座完成验收。"
CONTRIBUTION = "兵团水利局完成重点灌区节水改造两处,水源地水质监测实现全覆盖。"
DRAFT_TEXT = "尚未发布的落实情况草稿文字"
# 2026-02-10 12:00 in Beijing.
PUBLISHED = datetime(2026, 2, 10, 4, 0, tzinfo=UTC)


@pytest.fixture
def people(app_context):
    """Staff of the lead unit and of a participating unit, with display names the index must not hold."""
    found = People(PEOPLE)
    for user in (found["staff"], found["helper"]):
        user.display_name = STAFF_NAME
    db.session.commit()
    return found


def shared_task():
    """A task 兵团建设局 leads and 兵团水利局 takes part in."""
    lead, helper = find_unit(LEAD), find_unit(PARTICIPATING)
    for task in db.session.scalars(sa.select(Task).order_by(Task.id)):
        roles = {(a.unit_id, a.role) for a in task.assignments}
        if {(lead.id, TaskUnitRole.LEAD), (helper.id, TaskUnitRole.PARTICIPATING)} <= roles:
            return task
    raise AssertionError("no shared task")


def draft(people, period="2025", done_text=DONE):
    """A draft of the lead unit on the shared task."""
    return task_reports.create_draft(
        people["staff"],
        shared_task().id,
        period,
        "in_progress",
        "60",
        done_text,
        "推进第二批改造。",
    )


def settle(config):
    """Commit, then index what the outbox holds (the in-database engine has done so at the commit)."""
    db.session.commit()
    search.drain(config)


@pytest.fixture
def published(app_context, people):
    """A published annual report of 2025 and an unpublished draft of 2026-H1, with the index built before either."""
    config = app_context.config
    search.reindex(config)
    db.session.commit()
    report = draft(people)
    task_reports.publish(people["staff"], report, now=PUBLISHED)
    draft(people, "2026-H1", f"{DRAFT_TEXT}。")
    settle(config)
    return report


def keys(config, q, **options):
    """The keys of every match for `q`."""
    found = search.search(config, q, per_page=100, **options)
    return {f"{r.kind}:{r.id}" for r in found.items}


def test_a_published_report_is_found_by_an_exact_phrase_and_a_draft_is_not(app_context, published):
    """The report's own words find it, with a title naming the task, period and unit and a link to its place on
    /tasks/<id>; a draft's words find nothing."""
    config = app_context.config
    found = search.search(config, "新增处理能力每日6万立方米")
    assert [f"{r.kind}:{r.id}" for r in found.items] == [f"{KIND}:{published.id}"]
    hit = found.items[0]
    task = shared_task()
    assert hit.id == published.id and hit.url == f"/tasks/{task.id}#report-{published.id}"
    assert hit.title == f"任务{task.id} {task.title} · 2025年度落实情况 · 兵团建设局(环保局)"
    assert "<mark>" in hit.snippet and "**" not in hit.snippet and "##" not in hit.snippet
    assert hit.date.isoformat() == "2026-02-10"
    assert search.search(config, DRAFT_TEXT).total == 0
    # The status in Chinese, the task's measure and the lead unit are words of the document too.
    assert f"{KIND}:{published.id}" in keys(config, "推进中 城镇污水处理厂")
    assert f"{KIND}:{published.id}" in keys(config, '"城镇污水处理厂" 兵团建设局', kind=KIND)


def test_a_revision_replaces_the_old_words_with_the_new(app_context, people, published):
    """After a revision only the latest version is searchable."""
    config = app_context.config
    task_reports.revise(
        people["staff"], published, "done", "100", REVISED, "", "更正提标改造数量。"
    )
    settle(config)
    assert search.search(config, "新增处理能力每日6万立方米").total == 0
    assert keys(config, "年底前第四座完成验收") == {f"{KIND}:{published.id}"}
    assert keys(config, "已完成", kind=KIND) == {f"{KIND}:{published.id}"}


def test_a_contribution_is_found_under_its_unit_and_leaves_with_it(app_context, people, published):
    """A participating unit's contribution is part of the report's document, under its unit's name; removing it
    removes its words; the unit facet then no longer names that unit."""
    config = app_context.config
    task_reports.contribute(people["helper"], published, CONTRIBUTION)
    settle(config)
    found = search.search(config, "重点灌区节水改造")
    assert [r.id for r in found.items] == [published.id]
    units = {f.label for f in found.facets["unit"]}
    assert {"兵团建设局(环保局)", "兵团水利局"} <= units
    task_reports.contribute(people["helper"], published, "")
    settle(config)
    assert search.search(config, "重点灌区节水改造").total == 0


def test_the_kind_facet_filters_to_task_reports_with_a_label_in_either_language(
    app_context, published
):
    """污水处理 is in the policy and in the report: the kind facet counts the report, and filtering on it
    leaves only the report; year and unit facets are the period's year and the lead unit."""
    config = app_context.config
    everything = search.search(config, "污水处理", per_page=100)
    assert {r.kind for r in everything.items} > {KIND}
    for locale, label in (("zh_Hans_CN", "任务落实情况报告"), ("en", "Task implementation report")):
        with force_locale(locale):
            facets = search.search(config, "污水处理").facets
        assert {(f.value, f.label, f.count) for f in facets["kind"] if f.value == KIND} == {
            (KIND, label, 1)
        }
    only = search.search(config, "污水处理", kind=KIND)
    assert [(r.kind, r.id) for r in only.items] == [(KIND, published.id)]
    assert [f.value for f in only.facets["year"]] == ["2025"]
    assert [f.value for f in only.facets["unit"]] == [str(find_unit(LEAD).id)]
    assert search.search(config, "污水处理", kind=KIND, year="2026").total == 0


def test_documents_hold_no_staff_names_and_only_published_reports(app_context, published):
    """The builder answers None for a draft; a published report's document holds no staff member's name."""
    drafts = [
        r for r in db.session.scalars(sa.select(task_reports.TaskReport)) if r.id != published.id
    ]
    assert drafts and all(search.build_document(KIND, r.id) is None for r in drafts)
    assert search.build_document(KIND, "nonsense") is None
    document = search.build_document(KIND, published.id)
    text = f"{document.title} {document.body} {document.snippet_source}"
    assert STAFF_NAME not in text and "jsj" not in text
    assert [d.key for d in search.all_documents() if d.kind == KIND] == [f"{KIND}:{published.id}"]


def test_reindex_and_drift_cover_task_reports(app_context, published):
    """A task report missing from the index or left over in it is drift; reindex repairs both."""
    config = app_context.config
    index = search.index_for(config)
    index.delete([f"{KIND}:{published.id}"])
    index.add_documents([search.Document(KIND, "9999", "早已不存在的落实情况", "城镇污水处理厂")])
    db.session.commit()
    found = search.drift(config)
    assert found.missing == [f"{KIND}:{published.id}"] and found.extra == [f"{KIND}:9999"]
    search.reindex(config)
    db.session.commit()
    assert search.drift(config).consistent
    assert keys(config, "新增处理能力每日6万立方米") == {f"{KIND}:{published.id}"}
    assert search.estimate() == len(list(search.all_documents()))


def test_a_policy_import_that_renames_a_task_queues_its_reports(app_context, published):
    """A task report's document names its task: a revised policy re-reads the published reports."""
    config = app_context.config
    renamed = f"{shared_task().title}再加强"
    revised = bundled_text().replace(shared_task().title, renamed, 1)
    assert import_policy(revised).changed
    db.session.commit()
    queued = set(db.session.execute(sa.select(SearchOutbox.kind, SearchOutbox.key)).all())
    if not search.in_database(config):
        assert (KIND, str(published.id)) in queued
    search.drain(config)
    hit = search.search(config, renamed, kind=KIND).items[0]
    assert hit.id == published.id and renamed in hit.title


def test_the_search_page_shows_a_task_report_result(make_app):
    """On /search a task report's result is titled, typed in the page's language and linked to the report."""
    app = make_app()
    with app.app_context():
        people = People(PEOPLE)
        report = draft(people)
        task_reports.publish(people["staff"], report, now=PUBLISHED)
        db.session.commit()
        search.reindex(app.config)
        db.session.commit()
        task_id, report_id = report.task_id, report.id
    client = app.test_client()
    page = client.get("/search?q=新增处理能力").get_data(as_text=True)
    assert re.search(
        rf'<h3><a href="/tasks/{task_id}#report-{report_id}" lang="zh-Hans">任务{task_id} [^<]+ · '
        r"2025年度落实情况 · 兵团建设局\(环保局\)</a></h3>",
        page,
    )
    assert "任务落实情况报告" in page and "<mark>" in page
    client.get("/language/en")
    english = client.get(f"/search?q=新增处理能力&kind={KIND}").get_data(as_text=True)
    assert "Task implementation report" in english
    answer = client.get("/api/v1/search?q=新增处理能力").get_json()
    assert [(r["kind"], r["id"], r["url"]) for r in answer["results"]] == [
        (KIND, report_id, f"http://localhost/tasks/{task_id}#report-{report_id}")
    ]
    feed = client.get("/feeds/search.atom?q=新增处理能力").get_data(as_text=True)
    assert f"/tasks/{task_id}#report-{report_id}" in feed
