"""Search through the whole stack: documents built from the database (only public fields), the outbox
and its drain, rebuild and drift, and the service's answers on the real policy with planted content."""

import os
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from portal.extensions import db
from portal.models import Comment, Report, SearchOutbox, User
from portal.models.types import utcnow
from portal.policy import bundled_text
from portal.policy.importer import import_policy
from portal.search import SearchUnavailable, make_key, open_or_create
from portal.services import clocks, comments, consultations, disclosures, handling, reports, search
from portal.services.reports import ReportInput
from portal.services.units import find_unit
from tests.helpers import People

PEOPLE = {
    "jsj": ("jsj", "兵团建设局", "staff"),
    "shz": ("shz", "第八师石河子市", "staff"),
    "wjq": ("wjq", "第六师五家渠市", "staff"),
}

# What must never reach the index: a reporter's identity and report, a commenter's contact, a
# name the commenter kept private, drafts, moderated and withdrawn texts.
REPORTER_NAME, REPORTER_PHONE, REPORTER_EMAIL = (
    "欧阳秘雪",
    "13987654321",
    "reporter-secret@example.org",
)
DESCRIPTION = "举报人看到北泉镇排污口夜间偷排黑臭废水,鱼塘翻白"
PLACE = "石河子市北泉镇隐秘排污口"
COMMENTER_PHONE, COMMENTER_EMAIL = "13711112222", "commenter-secret@example.org"
PRIVATE_NAME = "司马隐名"
DRAFT_TITLE = "内部草稿不应公开的排污许可材料"
PENDING_BODY = "待审核意见不应被检索到的内容"
HIDDEN_BODY = "已隐藏意见不应被检索到的内容"
WITHDRAWN_TITLE = "已撤回的监测数据公告"
DRAFT_CONSULTATION = "尚未发布的征求意见稿草案"
OPEN_CASE_REPLY = "尚未办结案件的答复内容"
SECRETS = (
    REPORTER_NAME,
    REPORTER_PHONE,
    REPORTER_EMAIL,
    DESCRIPTION,
    PLACE,
    COMMENTER_PHONE,
    COMMENTER_EMAIL,
    PRIVATE_NAME,
    DRAFT_TITLE,
    PENDING_BODY,
    HIDDEN_BODY,
    WITHDRAWN_TITLE,
    DRAFT_CONSULTATION,
    OPEN_CASE_REPLY,
)

QUALITY_BODY = (
    "## 主要指标\n\n**PM2.5**年均浓度为38微克/立方米,SO2年均浓度下降,大气污染防治成效明显。\n\n"
    '<script>alert("大气污染")</script>'
)


@dataclass
class Planted:
    """Ids and references of the planted content."""

    quality: int
    permit: int
    draft: int
    withdrawn: int
    consultation: int
    named_comment: int
    private_comment: int
    pending_comment: int
    hidden_comment: int
    closed_report: str
    open_report: str


def staff():
    """The staff accounts of PEOPLE, created on first use and found again afterwards."""
    people = People(PEOPLE)
    for key, (username, _unit, _role) in PEOPLE.items():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is not None:
            people[key] = user
    return people


def category(code):
    """A disclosure category by code (seeded first)."""
    disclosures.seed_categories()
    return next(c for c in disclosures.list_categories() if c.code == code)


def published_disclosure(user, unit, code, title, area, body, published_on):
    """A disclosure drafted and published by `user`."""
    draft = disclosures.create_draft(
        find_unit(unit),
        category(code),
        title,
        area,
        body=body,
        published_on=published_on,
        created_by=user,
    )
    disclosures.publish(user, draft)
    return draft


def report(config, key, **fields):
    """A water report in 第八师 (handled by 第八师石河子市)."""
    data = ReportInput(
        **{
            "submission_key": key,
            "category": "water",
            "area": 8,
            "place": PLACE,
            "description": DESCRIPTION,
            **fields,
        }
    )
    return reports.submit(data, config).report


def plant(config):
    """Disclosures, a consultation with comments, a closed and an open report: public and private content."""
    people = staff()
    jsj, shz, wjq = people["jsj"], people["shz"], people["wjq"]
    quality = published_disclosure(
        jsj,
        "兵团建设局",
        "environment_quality",
        "第一师2019年空气质量公报",
        1,
        QUALITY_BODY,
        date(2019, 3, 1),
    )
    permit = published_disclosure(
        shz,
        "第八师石河子市",
        "discharge_permits",
        "第八师排污许可信息",
        8,
        "石河子市热电厂SO2排放浓度达标,执行GB13223-2011。",
        date(2021, 6, 30),
    )
    draft = disclosures.create_draft(
        find_unit("兵团建设局"),
        category("discharge_permits"),
        DRAFT_TITLE,
        0,
        body="大气污染",
        created_by=jsj,
    )
    withdrawn = published_disclosure(
        jsj, "兵团建设局", "monitoring", WITHDRAWN_TITLE, 0, "大气污染监测", None
    )
    disclosures.withdraw(jsj, withdrawn, "数据有误,更正后重新发布。")

    today = clocks.local_day(utcnow())
    consultation = consultations.create_consultation(
        find_unit("第六师五家渠市"),
        "policy_draft",
        "第六师大气污染防治条例(草案)",
        "第一段:加强大气污染防治。\n\n第二段:推进PM2.5和SO2协同控制。",
        6,
        summary="征求对大气污染防治条例的意见。",
    )
    consultations.publish(wjq, consultation, today, today + timedelta(days=30), config)
    consultations.create_consultation(
        find_unit("第六师五家渠市"), "policy_draft", DRAFT_CONSULTATION, "大气污染。", 6
    )
    named = comments.submit_comment(
        consultation,
        "建议增加大气污染监测点位。",
        "张三",
        COMMENTER_PHONE,
        COMMENTER_EMAIL,
        True,
        secret=current_app.config["SECRET_KEY"],
    )
    private = comments.submit_comment(
        consultation,
        "建议公开大气污染源清单。",
        PRIVATE_NAME,
        COMMENTER_PHONE,
        "",
        False,
        secret=current_app.config["SECRET_KEY"],
    )
    pending = comments.submit_comment(
        consultation,
        PENDING_BODY,
        "王五",
        "",
        COMMENTER_EMAIL,
        True,
        secret=current_app.config["SECRET_KEY"],
    )
    hidden = comments.submit_comment(
        consultation,
        HIDDEN_BODY,
        "赵六",
        COMMENTER_PHONE,
        "",
        True,
        secret=current_app.config["SECRET_KEY"],
    )
    for comment in (named, private, hidden):
        comments.publish_comment(wjq, comment)
    comments.hide_comment(wjq, hidden, "与本次征求意见无关。")
    comments.decide(wjq, named, "adopted", "已在条例第二段增加监测要求。")

    closed = report(
        config, "search-closed", name=REPORTER_NAME, phone=REPORTER_PHONE, email=REPORTER_EMAIL
    )
    handling.accept(shz, closed, closed.version, config)
    handling.reply(shz, closed, closed.version, "已派员现场检查大气污染和水污染情况。")
    handling.close(shz, closed, closed.version, "经查属实,已责令企业整改并处罚款。", config)
    handling.publish_summary(shz, closed, closed.version, "某企业夜间偷排问题已查处整改。")
    still_open = report(config, "search-open", phone=REPORTER_PHONE)
    handling.accept(shz, still_open, still_open.version, config)
    handling.reply(shz, still_open, still_open.version, OPEN_CASE_REPLY)
    db.session.commit()
    return Planted(
        quality.id,
        permit.id,
        draft.id,
        withdrawn.id,
        consultation.id,
        named.id,
        private.id,
        pending.id,
        hidden.id,
        closed.reference,
        still_open.reference,
    )


@pytest.fixture
def planted(app_context):
    """The planted content on top of the real policy, and an index built from the database."""
    found = plant(app_context.config)
    search.reindex(app_context.config)
    db.session.commit()
    return found


def nfkc(text):
    """The oracle's normalisation: NFKC only (the engine adds traditional → simplified)."""
    return unicodedata.normalize("NFKC", text)


def containing(text):
    """Keys of the public documents whose title or body contains `text`."""
    wanted = nfkc(text)
    return {
        d.key for d in search.all_documents() if wanted in nfkc(d.title) or wanted in nfkc(d.body)
    }


def found_keys(config, q, **options):
    """Every key the service finds for `q`, across all pages (checking the pages agree with the total)."""
    keys, page = [], 1
    while True:
        results = search.search(config, q, page=page, per_page=100, **options)
        keys += [make_key(r.kind, r.id) for r in results.items]
        if page >= results.pages:
            assert len(keys) == results.total == len(set(keys))
            return set(keys)
        page += 1


EXACT_QUERIES = (
    "大气污染",
    "兵团建设局",
    "PM2.5",
    "SO2",
    "污染",
    "生态文明建设",
    "水污染防治行动计划",
    "兵团建设局(环保局)",
    "湿地",
    "水",
    "绿水青山就是金山银山",
    "监测点位",
    "第八师石河子市",
    "GB13223",
)


@pytest.mark.parametrize("q", EXACT_QUERIES)
def test_hits_are_exactly_the_public_documents_containing_the_query(app_context, planted, q):
    """On the real policy plus planted content, every query finds each public document containing it, and no other."""
    expected = containing(q)
    assert expected, q
    assert found_keys(app_context.config, q) == expected


def test_the_planted_content_is_searchable(app_context, planted):
    """Each kind appears: 大气污染 finds the measure, tasks, disclosure, consultation, comments and closed report."""
    keys = found_keys(app_context.config, "大气污染")
    assert {
        "measure:14",
        f"disclosure:{planted.quality}",
        f"consultation:{planted.consultation}",
        f"comment:{planted.named_comment}",
        f"comment:{planted.private_comment}",
        f"case:{planted.closed_report}",
    } <= keys
    assert any(k.startswith("task:") for k in keys)


@pytest.mark.parametrize(
    ("variant", "plain"),
    [
        ("大氣污染", "大气污染"),
        ("兵團建設局", "兵团建设局"),
        ("ＰＭ２．５", "PM2.5"),
        ("ｓｏ２", "SO2"),
        ("兵團建設局（環保局）", "兵团建设局(环保局)"),
    ],
)
def test_full_width_and_traditional_variants_find_the_same(app_context, planted, variant, plain):
    """Traditional script, full-width forms and lower case find what the plain query finds."""
    assert found_keys(app_context.config, variant) == containing(plain) != set()


def test_results_carry_public_addresses_and_marked_snippets(app_context, planted):
    """A measure is (十四) with its number as id; a disclosure's Markdown is plain text; snippets are escaped."""
    found = search.search(app_context.config, "全面推进污染防治", kind="measure")
    measure = found.items[0]
    assert (measure.kind, measure.id, measure.title, measure.url) == (
        "measure",
        14,
        "(十四) 全面推进污染防治",
        "/measures/14",
    )
    task = search.search(app_context.config, "加强大气污染防治", kind="task").items[0]
    assert task.url == f"/measures/14#task-{task.id}" and isinstance(task.id, int)
    quality = search.search(app_context.config, "年均浓度", kind="disclosure", area="1").items[0]
    assert quality.id == planted.quality and quality.url == f"/disclosures/{planted.quality}"
    assert quality.date == date(2019, 3, 1)
    assert "**" not in quality.snippet and "##" not in quality.snippet
    assert "<script>" not in quality.snippet and "&lt;script&gt;" in quality.snippet
    assert "<mark>" not in quality.title
    hit = search.search(app_context.config, "查处整改", kind="case").items[0]
    assert hit.id == planted.closed_report and hit.url == f"/reports/{planted.closed_report}"


def index_files(config):
    """The bytes of every file of the current index (of every row and vector, for the in-database engine)."""
    if search.in_database(config):
        rows = db.session.execute(
            sa.text(
                "SELECT d::text, c::text FROM search_documents d JOIN search_chunks c USING (key)"
            )
        ).all()
        return "".join(f"{document}{chunk}" for document, chunk in rows).encode()
    directory = os.path.realpath(config["SEARCH_DIR"])
    return b"".join(
        open(os.path.join(directory, name), "rb").read() for name in os.listdir(directory)
    )


def test_private_content_never_reaches_the_index(app_context, planted):
    """Reporter identity, description and place, commenter contacts, a private name, drafts and hidden texts:
    no document holds them, no query finds them, no index file contains them."""
    config = app_context.config
    documents = list(search.all_documents())
    texts = " ".join(
        f"{d.title} {d.body} {d.snippet_source} {d.url} {d.unit} {d.category}" for d in documents
    )
    stored = index_files(config)
    for secret in SECRETS:
        assert secret not in texts, secret
        assert search.search(config, f'"{secret}"').total == 0, secret
        assert secret.encode() not in stored, secret
    keys = search.index_for(config).keys()
    assert keys == {d.key for d in documents}
    for key in (
        f"disclosure:{planted.draft}",
        f"disclosure:{planted.withdrawn}",
        f"comment:{planted.pending_comment}",
        f"comment:{planted.hidden_comment}",
        f"case:{planted.open_report}",
    ):
        assert key not in keys
    with_name = search.search(config, "张三").items
    assert [r.id for r in with_name] == [planted.named_comment]


def test_facets_count_and_label_every_match(app_context, planted):
    """Kind, unit, category, area and year counts cover all matches; labels come from the database."""
    config = app_context.config
    expected = containing("大气污染")
    with force_locale("en"):
        found = search.search(config, "大气污染", per_page=1)
    assert found.total == len(expected) and len(found.items) == 1
    kinds = {f.value: (f.label, f.count) for f in found.facets["kind"]}
    assert kinds["measure"] == (
        "Policy measure",
        sum(1 for k in expected if k.startswith("measure:")),
    )
    assert kinds["case"] == ("Closed report", 1)
    units = {f.label: f.count for f in found.facets["unit"]}
    assert units["兵团建设局(环保局)"] >= 2 and units["第六师五家渠市"] == 3
    # Report categories (of closed reports) and disclosure categories are two facets, never one list.
    assert {f.value: f.label for f in found.facets["category"]} == {"water": "Water pollution"}
    assert {f.value: f.label for f in found.facets["disclosure_category"]} == {
        "environment_quality": "Environmental quality"
    }
    areas = {f.value: (f.label, f.count) for f in found.facets["area"]}
    assert (
        areas["1"] == ("第一师阿拉尔市", 1)
        and areas["8"] == ("第八师石河子市", 1)
        and areas["6"][1] == 3
    )
    years = [f.value for f in found.facets["year"]]
    assert years == sorted(years, reverse=True) and "2019" in years and "2017" in years
    with force_locale("zh_Hans_CN"):
        chinese = search.search(config, "大气污染", per_page=1)
    assert {f.value: f.label for f in chinese.facets["category"]}["water"] == "水污染"
    assert {f.value: f.label for f in chinese.facets["disclosure_category"]}[
        "environment_quality"
    ] == "环境质量"
    assert [
        search.facet_name(name) for name in ("kind", "unit", "category", "disclosure_category")
    ] == ["内容类型", "责任单位", "举报类别", "公开类别"]


def test_a_code_both_category_lists_use_filters_only_its_own_kind(app_context, planted):
    """ "other" is a report category and a disclosure category: each facet counts and filters its own documents."""
    config = app_context.config
    jsj = staff()["jsj"]
    other = published_disclosure(
        jsj,
        "兵团建设局",
        "other",
        "其他环境信息公告",
        0,
        "湿地保护宣传周活动安排。",
        date(2022, 5, 1),
    )
    closed = report(config, "search-other", category="other")
    shz = staff()["shz"]
    handling.accept(shz, closed, closed.version, config)
    handling.close(shz, closed, closed.version, "湿地保护问题已转交相关部门。", config)
    db.session.commit()
    search.drain(config)
    found = search.search(config, "湿地")
    assert {f.value: f.count for f in found.facets["disclosure_category"]} == {"other": 1}
    assert {f.value: f.count for f in found.facets["category"]} == {"other": 1}
    assert found_keys(config, "湿地", disclosure_category="other") == {f"disclosure:{other.id}"}
    assert found_keys(config, "湿地", category="other") == {f"case:{closed.reference}"}


def test_filters_narrow_the_results(app_context, planted):
    """Each filter keeps only matching documents; a list means any of them."""
    config = app_context.config
    assert found_keys(config, "大气污染", kind="disclosure") == {f"disclosure:{planted.quality}"}
    assert found_keys(config, "SO2", area="8") == {f"disclosure:{planted.permit}"}
    assert found_keys(config, "SO2", year="2021") == {f"disclosure:{planted.permit}"}
    assert found_keys(config, "SO2", disclosure_category="environment_quality") == {
        f"disclosure:{planted.quality}"
    }
    assert found_keys(config, "SO2", category="environment_quality") == set()  # a report category
    assert found_keys(config, "大气污染", kind=["comment", "case"]) == {
        f"comment:{planted.named_comment}",
        f"comment:{planted.private_comment}",
        f"case:{planted.closed_report}",
    }
    unit = str(find_unit("第六师五家渠市").id)
    assert found_keys(config, "大气污染", unit=unit) == {
        f"consultation:{planted.consultation}",
        f"comment:{planted.named_comment}",
        f"comment:{planted.private_comment}",
    }
    assert search.search(config, "大气污染", kind="measure", year="2019").total == 0


def test_pages_partition_the_results_and_sort_by_date(app_context, planted):
    """Pages of 7 cover every match once; by date the newest comes first."""
    config = app_context.config
    expected = containing("污染")
    first = search.search(config, "污染", per_page=7)
    pages = [search.search(config, "污染", page=p, per_page=7) for p in range(1, first.pages + 1)]
    keys = [make_key(r.kind, r.id) for p in pages for r in p.items]
    assert len(keys) == len(set(keys)) == len(expected) == first.total and first.pages > 3
    assert search.search(config, "污染", page=first.pages + 1, per_page=7).items == []
    dates = [r.date for r in search.search(config, "大气污染", sort="date", per_page=100).items]
    assert dates == sorted(dates, reverse=True)


def test_unusable_queries_raise_validation_failed(app_context, planted):
    """Over-long, punctuation-only and unknown options are refused naming the field."""
    from portal.errors import ValidationFailed

    for q, options, field in (
        ("污" * 201, {}, "q"),
        ("（）", {}, "q"),
        ("污染", {"kind": "report"}, "kind"),
        ("污染", {"per_page": 101}, "per_page"),
        ("污染", {"sort": "title"}, "sort"),
    ):
        with pytest.raises(ValidationFailed) as raised:
            search.search(app_context.config, q, **options)
        assert raised.value.field == field


# --- the outbox -----------------------------------------------------------------------------------


def outbox():
    """(kind, key) of the rows waiting in the outbox."""
    return [
        (r.kind, r.key)
        for r in db.session.scalars(sa.select(SearchOutbox).order_by(SearchOutbox.id))
    ]


@pytest.mark.whoosh
def test_changes_are_queued_with_the_change_and_drained_from_the_current_state(
    app_context, planted
):
    """Publishing, withdrawing, hiding and reopening queue rows in the same transaction; the drain writes
    what the database holds now and drops what is no longer public."""
    config = app_context.config
    people = staff()
    assert outbox() == []
    extra = published_disclosure(
        people["jsj"],
        "兵团建设局",
        "environment_quality",
        "兵团2020年环境状况公报",
        0,
        "全兵团臭氧浓度下降。",
        date(2021, 1, 15),
    )
    db.session.commit()
    assert outbox() == [("disclosure", str(extra.id))]
    assert search.search(config, "臭氧浓度").total == 0
    drained = search.drain(config)
    assert (drained.written, drained.removed, drained.pending, drained.available) == (1, 0, 0, True)
    assert [r.id for r in search.search(config, "臭氧浓度").items] == [extra.id] and outbox() == []

    disclosures.withdraw(people["jsj"], extra, "数据有误,更正后重新发布。")
    comments.hide_comment(
        people["wjq"], db.session.get(Comment, planted.named_comment), "重复提交的意见。"
    )
    closed = db.session.scalar(sa.select(Report).where(Report.reference == planted.closed_report))
    reports.appeal(closed, "整改没有落实,排污口仍在排放。", config)
    db.session.commit()
    assert set(outbox()) == {
        ("disclosure", str(extra.id)),
        ("comment", str(planted.named_comment)),
        ("case", planted.closed_report),
    }
    drained = search.drain(config)
    assert (drained.written, drained.removed, drained.pending) == (0, 3, 0)
    assert search.search(config, "臭氧浓度").total == 0
    assert search.search(config, "监测点位").total == 0
    assert search.search(config, "查处整改").total == 0
    assert search.drift(config).consistent


def test_comments_hidden_by_flags_leave_the_index(app_context, planted):
    """A published comment hidden after enough flags is dropped at the next drain."""
    config = app_context.config
    comment = db.session.get(Comment, planted.private_comment)
    for client in ("a", "b", "c"):
        comments.flag_comment(comment, client, config)
    db.session.commit()
    search.drain(config)
    assert search.search(config, "污染源清单").total == 0


@pytest.mark.whoosh
def test_a_held_writer_lock_leaves_the_rows_for_a_later_drain(app_context, planted):
    """While another writer holds the index, the drain gives up after the timeout and keeps its rows."""
    config = app_context.config
    people = staff()
    extra = published_disclosure(
        people["jsj"],
        "兵团建设局",
        "environment_quality",
        "第三师环境质量简报",
        3,
        "喀什地区沙尘天气增多。",
        date(2022, 5, 1),
    )
    db.session.commit()
    holder = open_or_create(config["SEARCH_DIR"])
    with holder._writer():
        drained = search.drain(config, timeout=0.2)
    assert not drained.available and drained.pending == 1
    assert outbox() == [("disclosure", str(extra.id))]
    assert search.search(config, "沙尘天气").total == 0
    assert search.drain(config).written == 1 and outbox() == []
    assert [r.id for r in search.search(config, "沙尘天气").items] == [extra.id]


@pytest.mark.whoosh
def test_without_an_index_search_is_unavailable_and_rows_wait(app_context):
    """No index: searching raises SearchUnavailable (503) and the outbox keeps its rows."""
    config = app_context.config
    with pytest.raises(SearchUnavailable) as raised:
        search.search(config, "大气污染")
    assert raised.value.status == 503
    search.enqueue("measure", 14)
    db.session.commit()
    before = len(outbox())
    drained = search.drain(config)
    assert not drained.available and drained.pending == before
    with pytest.raises(SearchUnavailable):
        search.drift(config)


def test_drift_is_detected_and_repaired_by_reindex(app_context, planted):
    """Keys missing from the index or left over in it are listed; a rebuild clears them and the outbox."""
    config = app_context.config
    index = search.index_for(config)
    index.delete(["measure:14", f"disclosure:{planted.quality}"])
    index.add_documents([search.Document("disclosure", "9999", "早已删除的公开信息", "大气污染")])
    found = search.drift(config)
    assert found.missing == sorted(["measure:14", f"disclosure:{planted.quality}"])
    assert found.extra == ["disclosure:9999"] and not found.consistent
    search.enqueue("measure", 14)
    db.session.commit()
    assert search.drift(config).missing == [
        f"disclosure:{planted.quality}"
    ]  # a queued key is not drift
    count = search.reindex(config)
    db.session.commit()
    assert count == len(list(search.all_documents())) and outbox() == []
    repaired = search.drift(config)
    assert repaired.consistent and repaired.indexed == count


@pytest.mark.whoosh
def test_an_index_built_by_an_older_version_still_answers_and_is_reported_until_rebuilt(
    app_context, planted, monkeypatch
):
    """An index without the disclosure_category field (built before it existed): searches still answer,
    `drift` names the missing field, and a rebuild adds it."""
    from portal.search import index as engine

    config = app_context.config
    current = engine.schema

    def older():
        fields = current()
        fields.remove("disclosure_category")
        return fields

    with monkeypatch.context() as patched:
        patched.setattr(engine, "schema", older)
        search.reindex(config)
        db.session.commit()
    found = search.search(config, "大气污染")
    assert found.total and found.facets["disclosure_category"] == []
    search.enqueue("disclosure", planted.quality)
    db.session.commit()
    assert search.drain(config).written == 1  # changes are still written, without the new field
    stale = search.drift(config)
    assert stale.outdated == ["disclosure_category"] and not stale.consistent
    search.reindex(config)
    db.session.commit()
    assert search.drift(config).consistent
    assert [f.value for f in search.search(config, "大气污染").facets["disclosure_category"]] == [
        "environment_quality"
    ]


@pytest.mark.whoosh
def test_an_index_in_the_older_format_is_reported_by_drift_until_rebuilt(app_context, planted):
    """An index in Whoosh's own format (written before the portal's): searches answer as they will after the
    rebuild, `drift` names the format (so `portal check` asks for a reindex), and a reindex clears it."""
    from portal.search import index as engine
    from tests.search.conftest import whooshs_own_format

    config = app_context.config
    with whooshs_own_format():
        search.reindex(config)
        db.session.commit()
    older = search.search(config, "大气污染防治")
    stale = search.drift(config)
    assert stale.outdated == [engine.CURRENT_FORMAT] and not stale.consistent
    search.reindex(config)
    db.session.commit()
    assert search.drift(config).consistent
    assert search.search(config, "大气污染防治") == older and older.total > 0


def test_a_policy_import_that_changes_something_queues_its_measures_and_tasks(app_context, planted):
    """A revised policy queues every measure and task; the drain indexes the new wording."""
    config = app_context.config
    revised = bundled_text().replace("加强大气污染防治。实施", "加强大气污染防治。全面实施", 1)
    assert import_policy(revised).changed
    db.session.commit()
    queued = outbox()
    assert ("measure", "14") in queued and len([k for k, _ in queued if k == "task"]) == 59
    assert search.search(config, "全面实施大气污染防治行动计划").total == 0
    search.drain(config)
    assert {r.kind for r in search.search(config, "全面实施大气污染防治行动计划").items} == {
        "measure",
        "task",
    }
    assert not import_policy(revised).changed and outbox() == []
