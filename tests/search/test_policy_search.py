"""Search over the real policy: every query finds exactly the documents that contain it."""

import pytest
from markupsafe import Markup

from portal.errors import ValidationFailed
from portal.search import Document, make_key
from tests.search.conftest import containing

EXACT_QUERIES = (
    "污染",
    "生态",
    "环境",
    "治理",
    "考核",
    "湿地",
    "大气污染",
    "大气污染防治",
    "水污染防治行动计划",
    "生态文明建设",
    "生态保护红线",
    "水资源",
    "绿水青山就是金山银山",
    "兵团建设局(环保局)",
    "兵团建设局（环保局）",
    "建设局(环保局)",
    "兵团发展改革委",
    "兵团党委宣传部",
    "农业局(畜牧兽医局、林业局)",
    "《中国制造2025行动计划》",
    "PM2.5",
    "SO2",
    "2020",
    "2015",
    "0.58",
    "水",
    "林",
    "局(环保",
    "到2020年",
)


def keys(index, q, **options):
    """Every key the query finds, across all pages."""
    found, page = [], 1
    while True:
        results = index.search(q, page=page, per_page=100, **options)
        found += [make_key(hit.kind, hit.id) for hit in results.items]
        if page >= results.pages:
            assert len(found) == results.total
            return found
        page += 1


@pytest.mark.parametrize("q", EXACT_QUERIES)
def test_hits_are_exactly_the_documents_containing_the_query(policy_index, documents, q):
    """Precision and recall 1 on 2-character words, phrases, unit names, Latin words and numbers."""
    expected = containing(documents, q)
    found = keys(policy_index, q)
    assert len(found) == len(set(found))
    assert set(found) == expected
    # A one-result page still counts every match (no top-N shortcut skips documents).
    assert policy_index.search(q, per_page=1).total == len(expected)
    assert policy_index.search(q, per_page=1, sort="date").total == len(expected)


def test_the_query_list_exercises_real_hits(documents):
    """Most queries match something, and 污染 matches many documents (the test is not vacuous)."""
    assert sum(1 for q in EXACT_QUERIES if containing(documents, q)) == len(EXACT_QUERIES)
    assert len(containing(documents, "污染")) > 20


@pytest.mark.parametrize(
    ("variant", "plain"),
    [
        ("大氣污染", "大气污染"),
        ("生態文明建設", "生态文明建设"),
        ("兵團建設局（環保局）", "兵团建设局(环保局)"),
        ("ＰＭ２．５", "PM2.5"),
        ("pm2.5", "PM2.5"),
        ("ｓｏ２", "SO2"),
        ("２０２０", "2020"),
    ],
)
def test_full_width_traditional_and_case_variants_find_the_same(
    policy_index, documents, variant, plain
):
    """Traditional script, full-width forms and lower case find what the plain query finds."""
    assert set(keys(policy_index, variant)) == containing(documents, plain) != set()


def test_traditional_text_in_a_document_is_found_by_simplified_queries(empty_index):
    """Documents are normalised too: a disclosure written in traditional script is found."""
    index = empty_index
    index.add_documents([Document("disclosure", "9", "環境質量報告", "大氣污染防治成效顯著")])
    result = index.search("大气污染")
    assert [h.id for h in result.items] == ["9"]
    assert result.items[0].snippet == Markup("<mark>大氣污染</mark>防治成效顯著")


def test_terms_are_anded(policy_index, documents):
    """Two terms find the documents that contain both, wherever they are."""
    both = containing(documents, "湿地") & containing(documents, "草原")
    assert both
    assert set(keys(policy_index, "湿地 草原")) == both
    assert set(keys(policy_index, "湿地　草原")) == both  # ideographic space


def test_minus_excludes(policy_index, documents):
    """-term removes the documents containing it."""
    expected = containing(documents, "生态") - containing(documents, "污染")
    assert expected
    assert set(keys(policy_index, "生态 -污染")) == expected
    assert set(keys(policy_index, '生态 -"大气污染"')) == containing(
        documents, "生态"
    ) - containing(documents, "大气污染")


def test_quoted_phrase_keeps_words_together(policy_index, documents):
    """A quoted phrase with a space matches where its parts follow each other (across punctuation);
    unquoted, the same words are two separate terms."""
    phrase = set(keys(policy_index, '"发展改革委 水利局"'))
    assert phrase == containing(documents, "发展改革委、水利局")
    anded = set(keys(policy_index, "发展改革委 水利局"))
    assert phrase < anded == containing(documents, "发展改革委") & containing(documents, "水利局")
    assert set(keys(policy_index, "“大气污染防治”")) == containing(documents, "大气污染防治")


def test_facets_count_every_match_not_just_the_page(policy_index, documents):
    """Facet counts cover the whole result set, whatever the page size."""
    expected = containing(documents, "污染")
    result = policy_index.search("污染", per_page=1)
    assert result.total == len(expected) and len(result.items) == 1
    by_key = {d.key: d for d in documents}
    kinds = dict(result.facets["kind"])
    assert kinds == {
        k: sum(1 for key in expected if by_key[key].kind == k)
        for k in {by_key[k].kind for k in expected}
    }
    units = dict(result.facets["unit"])
    assert units["兵团建设局"] == sum(1 for key in expected if "兵团建设局" in by_key[key].unit)
    areas = dict(result.facets["area"])
    assert areas == {
        "兵团": sum(1 for k in expected if by_key[k].area == "兵团"),
        **{by_key[k].area: 1 for k in expected if by_key[k].area != "兵团"},
    }
    years = dict(result.facets["year"])
    assert years["2017"] == sum(1 for k in expected if by_key[k].year == 2017)
    counts = [count for _value, count in result.facets["unit"]]
    assert counts == sorted(counts, reverse=True)


def test_filters_narrow_results_and_facets(policy_index, documents):
    """kind/unit/category/area/year filters keep only matching documents; several values mean any."""
    expected = {k for k in containing(documents, "污染") if k.startswith("measure:")}
    result = policy_index.search("污染", kind="measure", per_page=100)
    assert {make_key(h.kind, h.id) for h in result.items} == expected
    assert result.facets["kind"] == [("measure", len(expected))]
    assert {h.id for h in policy_index.search("浓度", area="第一师").items} == {"1"}
    assert {h.id for h in policy_index.search("浓度", year=["2019", "2021"]).items} == {
        "1",
        "2",
        "3",
    }
    assert {h.id for h in policy_index.search("浓度", category="排污许可").items} == {"2"}
    assert policy_index.search("浓度", unit="兵团发展改革委", kind="disclosure").total == 1
    assert policy_index.search("浓度", unit="兵团财务局", kind="disclosure").total == 0


def test_sort_by_date_puts_the_newest_first(policy_index):
    """sort=date orders by date, newest first; relevance puts the title match first."""
    by_date = policy_index.search("浓度", sort="date").items
    assert [h.id for h in by_date] == ["2", "3", "1"] and by_date[
        0
    ].date.isoformat() == "2021-06-30"
    relevance = policy_index.search("大气污染防治", per_page=3).items
    assert relevance[0].title == "加强大气污染防治"
    assert relevance[0].score >= relevance[1].score >= relevance[2].score


def test_pagination_partitions_the_results(policy_index, documents):
    """Pages of 7 cover every match once, in a stable order; a page past the end is empty."""
    expected = containing(documents, "生态")
    first = policy_index.search("生态", per_page=7)
    pages = [policy_index.search("生态", page=p, per_page=7) for p in range(1, first.pages + 1)]
    found = [make_key(h.kind, h.id) for p in pages for h in p.items]
    assert len(found) == len(set(found)) == len(expected) == first.total
    assert first.pages == -(-len(expected) // 7) > 2
    assert [len(p.items) for p in pages[:-1]] == [7] * (first.pages - 1)
    beyond = policy_index.search("生态", page=first.pages + 1, per_page=7)
    assert beyond.items == [] and beyond.total == len(expected)


def test_snippets_mark_matches_and_escape_markup(empty_index):
    """Snippets escape the document's markup first and then mark the hits: a planted script is inert."""
    index = empty_index
    index.add_documents(
        [
            Document(
                "comment",
                "5",
                "意见",
                '<script>alert("大气污染")</script> 建议加强大气污染防治 & 监测',
            )
        ]
    )
    snippet = index.search("大气污染").items[0].snippet
    assert isinstance(snippet, Markup)
    assert "<script>" not in snippet
    assert snippet == Markup(
        "&lt;script&gt;alert(&#34;<mark>大气污染</mark>&#34;)&lt;/script&gt; 建议加强<mark>大气污染</mark>防治 &amp; 监测"
    )


def test_snippet_is_cut_around_the_first_match(policy_index):
    """A long document's snippet starts shortly before the match, with ellipses where it was cut."""
    hit = next(h for h in policy_index.search("造纸", per_page=100).items if h.kind == "measure")
    assert hit.snippet.startswith("…") and "<mark>造纸</mark>" in hit.snippet
    assert len(hit.snippet.striptags()) <= 170


def test_results_carry_what_a_list_needs(policy_index):
    """kind, id, title, url, snippet, date and score for every hit."""
    hit = policy_index.search("加强大气污染防治").items[0]
    assert (hit.kind, hit.id, hit.title, hit.url) == (
        "task",
        "14.1",
        "加强大气污染防治",
        "/measures/14#task-1",
    )
    assert hit.date.isoformat() == "2017-01-03" and hit.score > 0
    assert "<mark>加强大气污染防治</mark>" in hit.snippet


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("", "type a word or phrase"),
        ("   ", "type a word or phrase"),
        ("污" * 201, "at most 200 characters (yours has 201)"),
        ("-污染", "add a word to look for"),
        ("（）！", "punctuation alone is not searched"),
    ],
)
def test_unusable_queries_get_a_helpful_message(policy_index, q, message):
    """Empty, over-long, exclusion-only and punctuation-only queries raise ValidationFailed on q."""
    with pytest.raises(ValidationFailed) as raised:
        policy_index.search(q)
    assert message in raised.value.message and raised.value.field == "q"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"per_page": 101}, "per_page"),
        ({"per_page": 0}, "per_page"),
        ({"page": 0}, "page"),
        ({"page": "x"}, "page"),
        ({"sort": "title"}, "sort"),
        ({"kind": "report"}, "kind"),
        ({"year": "20x0"}, "year"),
    ],
)
def test_bad_options_name_the_field(policy_index, options, field):
    """Out-of-range pages, unknown sorts and kinds are refused with the field named."""
    with pytest.raises(ValidationFailed) as raised:
        policy_index.search("污染", **options)
    assert raised.value.field == field


def test_query_of_200_characters_is_accepted(policy_index):
    """The limit is inclusive."""
    assert policy_index.search("污染" * 100).total == 0
