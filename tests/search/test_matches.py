"""The Whoosh engine's own matching (portal/search/matches.py): exact totals and facets, Whoosh's ranking."""

import gc
from collections import Counter
from contextlib import nullcontext

import pytest

from portal.search import Document, matches, open_or_create, rebuild
from portal.search import index as search_index
from portal.search.analysis import token_texts
from portal.search.codec import PackedPositions, unpack_positions
from portal.search.query import check_request

from .conftest import policy_documents, whooshs_own_format

QUERIES = [
    "污染",
    "生态",
    "兵团",
    "大气污染防治",
    "生态保护红线",
    "兵团发展改革委",
    "兵团建设局(环保局)",
    "水污染防治行动计划",
    "PM2.5",
    "2020",
    "污染 生态",
    "生态 环境 保护",
    "污染 -大气",
    "兵团 -生态 -水利",
    "没有这样的词",
]


def _terms(text):
    request = check_request(text)
    return (
        [[t.text for t in term.tokens] for term in request.query.required],
        [[t.text for t in term.tokens] for term in request.query.excluded],
    )


def _has(tokens, wanted):
    size = len(wanted)
    return any(tokens[i : i + size] == wanted for i in range(len(tokens) - size + 1))


def _brute_force(documents, text, **filters):
    """The matching documents found by scanning each document's tokens: (keys, facet counts)."""
    required, excluded = _terms(text)
    found, counts = set(), Counter()
    for document in documents:
        fields = (token_texts(document.title), token_texts(document.body or ""))
        if not all(any(_has(f, term) for f in fields) for term in required):
            continue
        if any(any(_has(f, term) for f in fields) for term in excluded):
            continue
        values = {
            "kind": [document.kind],
            "unit": list(document.unit),
            "category": list(document.category),
            "area": [document.area] if document.area else [],
            "year": [str(document.year)] if document.year is not None else [],
        }
        if not all(set(values[name]) & set(allowed) for name, allowed in filters.items()):
            continue
        found.add(document.key)
        counts.update((name, value) for name, vs in values.items() for value in vs)
    return found, counts


@pytest.fixture(scope="module", params=["portal format", "older format"])
def segmented(tmp_path_factory, request):
    """The policy's documents written in four commits (several segments), some updated, some deleted;
    in today's index format, and in the format of earlier versions (Whoosh's own)."""
    index_path = str(tmp_path_factory.mktemp("segmented") / "search")
    with whooshs_own_format() if request.param == "older format" else nullcontext():
        index = _segmented_index(index_path)
    assert bool(index[0].outdated()) == (request.param == "older format")
    return index


def _segmented_index(index_path):
    documents = policy_documents()
    index = open_or_create(index_path)
    quarter = len(documents) // 4 + 1
    for start in range(0, len(documents), quarter):
        index.add_documents(documents[start : start + quarter])
    deleted = documents[::7]
    index.delete([d.key for d in deleted])
    changed = [
        Document(
            d.kind,
            d.id,
            "兵团发展改革委" + d.title,
            d.body,
            url=d.url,
            date=d.date,
            unit=d.unit,
            category=d.category,
            area="第一师",
        )
        for d in documents[3::11]
        if d not in deleted
    ]
    index.update(changed)
    live = {d.key: d for d in documents if d not in deleted}
    live.update({d.key: d for d in changed})
    searcher = search_index._searcher(index_path)
    assert len(searcher.reader().leaf_readers()) >= 2, "the test needs several segments"
    assert any(leaf.has_deletions() for leaf, _offset in searcher.reader().leaf_readers())
    return index, list(live.values())


@pytest.mark.parametrize("text", QUERIES)
def test_totals_and_facets_equal_a_scan_of_every_document(segmented, text):
    """Over several segments with deleted and replaced documents, the total, the keys and every facet count
    are those a scan of the live documents finds."""
    index, live = segmented
    keys, counts = _brute_force(live, text)
    results = index.search(text, per_page=100)
    assert results.total == len(keys)
    if results.total <= 100:
        assert {f"{h.kind}:{h.id}" for h in results.items} == keys
    found = Counter(
        {(name, value): count for name, pairs in results.facets.items() for value, count in pairs}
    )
    assert found == counts


@pytest.mark.parametrize(
    "text,filters",
    [("污染", {"area": ["第一师"]}), ("生态", {"kind": ["task"], "area": ["兵团", "第一师"]})],
)
def test_filters_narrow_the_total_and_the_facets_alike(segmented, text, filters):
    """Filters leave out the other documents from the total and from every facet."""
    index, live = segmented
    keys, counts = _brute_force(live, text, **filters)
    results = index.search(text, per_page=100, **filters)
    assert results.total == len(keys) and results.total > 0
    found = Counter(
        {(name, value): count for name, pairs in results.facets.items() for value, count in pairs}
    )
    assert found == counts


@pytest.mark.parametrize("text", [q for q in QUERIES if "-" not in q])
@pytest.mark.parametrize(
    "options", [{}, {"sort": "date"}, {"page": 2, "per_page": 10}, {"area": ["兵团"]}]
)
def test_pages_are_whooshs_own(segmented, text, options):
    """The page (order, scores, snippets), total and facets are exactly what Whoosh's matchers give."""
    index, _live = segmented
    searcher = search_index._searcher(index.path)
    request = check_request(text, **options)
    found = matches.find(
        searcher, request.query, lambda leaf, field: search_index._lengths(leaf, field, index.path)
    )
    assert found is not None, "the query is read by the portal's own matching"
    assert index._search_with(searcher, request) == index._search_with_whoosh(searcher, request)


def test_an_excluded_word_excludes_the_first_match_too(empty_index):
    """A document holding an excluded word is never a result, whatever its place in the index (Whoosh's
    AndNot kept the first match when the excluded word's first document came before it)."""
    empty_index.add_documents(
        [
            Document("disclosure", "1", "推进行动", "实施行动计划"),
            Document("disclosure", "2", "水污染防治", "水污染防治行动计划"),
            Document("disclosure", "3", "水污染防治", "推进水污染防治"),
        ]
    )
    results = empty_index.search("水污染防治 -行动")
    assert [h.id for h in results.items] == ["3"] and results.total == 1


def test_lone_characters_still_match_inside_longer_runs(whoosh_policy_index):
    """A lone character at a term's edge (read by Whoosh's own queries) finds the bigrams that continue it."""
    assert not matches.supported(check_request("局").query)
    assert whoosh_policy_index.search("局").total > 0


def test_the_collector_resumes_after_the_last_search_and_stays_off_if_it_was():
    """Searches hold the garbage collector off only while any of them runs, and never turn it on for good."""
    assert gc.isenabled()
    with matches.collector_paused():
        with matches.collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with matches.collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_posting_list_read_in_one_piece_has_the_blocks_whoosh_reads(index_path):
    """Cutting a posting list into blocks in memory gives what Whoosh's matcher reads block by block."""
    index = open_or_create(index_path)
    index.add_documents(
        [
            Document("disclosure", str(n), f"第{n}号", "兵团生态环境保护" * (1 + n % 3))
            for n in range(300)
        ]
    )
    searcher = search_index._searcher(index_path)
    (leaf, _offset), *_others = searcher.reader().leaf_readers()
    for text in ("兵团", "生态"):
        matcher = leaf.postings("body", text.encode())
        assert type(matcher) is matches.W3LeafMatcher
        in_one_piece = matches._blocks(matcher)
        matcher.reset()
        assert len(in_one_piece) == 3  # 300 postings in blocks of up to 128
        assert in_one_piece == list(matches._blocks_one_by_one(matcher))
    assert index.search("兵团生态").total == 300


def test_an_index_in_the_older_format_answers_alike_and_is_reported_until_rebuilt(
    index_path, caplog
):
    """An index written by an earlier version (Whoosh's own format) gives the same results as today's,
    its opening logs what to do, `outdated` names the format, and a rebuild writes today's format."""
    documents = policy_documents()
    with whooshs_own_format():
        rebuild(index_path, documents)
    index = open_or_create(index_path)
    assert index.outdated() == [search_index.CURRENT_FORMAT]
    with caplog.at_level("WARNING", logger="portal.search.index"):
        older = [index.search(text, per_page=50) for text in QUERIES]
    assert "built in an older format" in caplog.text and "portal reindex" in caplog.text
    rebuild(index_path, documents)
    assert index.outdated() == []
    assert [index.search(text, per_page=50) for text in QUERIES] == older
    assert older[QUERIES.index("兵团发展改革委")].total > 0


def test_packed_positions_read_back_as_written_whatever_their_size():
    """Positions of any size (a long disclosure passes 65,535 tokens) are read back as written, one value or
    several joined, with their count as the term's frequency."""
    packed = PackedPositions(field_boost=3.0)
    positions = [0, 1, 255, 256, 65_535, 65_536, 4_000_000_000]
    value = packed.encode(positions)
    assert packed.decode_positions(value) == positions
    assert packed.decode_frequency(value) == len(positions)
    assert packed.decode_weight(value) == 3.0 * len(positions)
    assert list(unpack_positions(value + packed.encode([7]))) == [*positions, 7]


def test_a_phrase_whose_tokens_are_all_there_but_apart_finds_nothing(empty_index):
    """Every bigram of the phrase is in the document, never in a row: no match, and no error."""
    empty_index.add_documents([Document("disclosure", "1", "水利与节水", "水利工程与节水灌溉")])
    results = empty_index.search("节水利")
    assert results.total == 0 and results.items == []
