"""Both engines find the same documents where PostgreSQL's tsvector has limits: long texts, frequent words,
very long words, and the border between a title and its body."""

import pytest

from portal.search import Document, postgres


def disclosure(id, title, body):
    """A disclosure with this text."""
    return Document("disclosure", id, title, body, url=f"/disclosures/{id}")


def found(index, q):
    """The ids a query finds."""
    return {hit.id for hit in index.search(q, per_page=100).items}


def test_a_phrase_far_into_a_long_disclosure_is_found(empty_index):
    """Past position 16,383 and past 256 uses of each bigram, the end of a long text is still matched."""
    filler = (
        "污染防治" * 9000
    )  # 27,000 bigrams, each of 污染/染防/防治/治污 used thousands of times
    index = empty_index
    index.add_documents(
        [
            disclosure("long", "年度报告", filler + "石河子市热电厂超标排放" + filler),
            disclosure("short", "短文", "热电厂达标"),
        ]
    )
    assert found(index, "热电厂超标排放") == {"long"}
    assert found(index, "热电厂") == {"long", "short"}
    assert found(index, "防治石河子") == {"long"}
    assert found(index, "排放污染") == {"long"}


def test_a_phrase_across_every_chunk_boundary_is_found(empty_index):
    """A distinct marker at every stretch of a long text: each is found, whichever chunk it falls in."""
    words = [f"段落{n:05d}" for n in range(4000)]
    index = empty_index
    index.add_documents([disclosure("long", "标题", "。".join(words))])
    for n in range(0, 4000, 97):
        assert found(index, f"落{n:05d}。段") == {"long"}, n


def test_a_document_with_a_very_long_word_is_indexed_and_found_by_its_other_words(empty_index):
    """A word longer than a tsvector lexeme may be (2,047 bytes) does not stop the document from indexing."""
    index = empty_index
    index.add_documents(
        [
            disclosure("1", "数据", f"编码 {'x' * 3000} 结束 {'y' * 150}"),
            disclosure("2", "数据", "其他"),
        ]
    )
    assert found(index, "编码") == {"1"} and found(index, "y" * 150) == {"1"}
    assert found(index, "x" * 150) == set()  # a word matches whole, on both engines


def test_a_phrase_does_not_run_from_the_title_into_the_body(empty_index):
    """The title's last word and the body's first are not adjacent: no phrase spans them."""
    index = empty_index
    index.add_documents([disclosure("1", "空气质量", "公报发布")])
    assert found(index, "质量公报") == set()
    assert found(index, "空气质量") == {"1"} and found(index, "公报发布") == {"1"}


def test_lone_characters_at_a_terms_edges_match_inside_longer_runs(empty_index):
    """局 finds 设局 (left) and 局长 (right); 局(环保 finds 建设局(环保局) as both engines must."""
    index = empty_index
    index.add_documents(
        [
            disclosure("1", "通知", "兵团建设局(环保局)"),
            disclosure("2", "通知", "局长讲话"),
            disclosure("3", "通知", "无关内容"),
        ]
    )
    assert found(index, "局") == {"1", "2"}
    assert found(index, "局(环保") == {"1"}
    assert found(index, "设局") == {"1"}


@pytest.mark.parametrize("text", ["it's", "a\\b", "':*", "&|!<->"])
def test_quotes_and_operators_in_text_are_just_text(empty_index, text):
    """Characters that mean something in tsquery syntax are matched as text, never parsed."""
    index = empty_index
    index.add_documents([disclosure("1", "符号", f"内容 {text} 结束")])
    assert index.search(f'"内容 {text} 结束"').total == 1


def test_chunks_respect_the_limits():
    """Every chunk of a long document stays under 16,383 positions and 256 positions per lexeme."""
    vectors = postgres.chunk_vectors("标题", "污染防治" * 9000 + "abc " * 500)
    assert len(vectors) > 1
    for vector in vectors:
        for entry in vector.split(" "):
            positions = entry.rsplit(":", 1)[1].split(",")
            assert len(positions) < postgres.MAX_POSITIONS_PER_LEXEME
            assert all(int(p.rstrip("AD")) <= postgres.MAX_POSITION for p in positions)


def test_a_shorter_version_drops_the_chunks_of_the_longer_one(empty_index):
    """A long text replaced by a short one leaves nothing of the long one to match."""
    index = empty_index
    index.add_documents([disclosure("1", "报告", "污染防治" * 9000 + "末尾标记")])
    index.update([disclosure("1", "报告", "简短的更正")])
    assert found(index, "末尾标记") == set() and found(index, "污染防治") == set()
    assert found(index, "简短") == {"1"}


def test_two_transactions_writing_one_document_wait_for_each_other(postgres_index):
    """Each request indexes what it changed before it commits: the same document written by two open
    transactions at once is an upsert, not a duplicate key."""
    import threading

    first, second = postgres_index.bind.connect(), postgres_index.bind.connect()
    try:
        first.begin()
        second.begin()
        postgres.PostgresIndex(first).add_documents([disclosure("1", "第一版", "内容甲")])
        done = threading.Thread(
            target=lambda: (
                postgres.PostgresIndex(second).add_documents([disclosure("1", "第二版", "内容乙")]),
                second.commit(),
            )
        )
        done.start()
        first.commit()
        done.join(timeout=30)
        assert not done.is_alive()
    finally:
        first.close()
        second.close()
    index = postgres_index
    assert (
        index.count() == 1 and found(index, "内容乙") == {"1"} and found(index, "内容甲") == set()
    )


def test_a_long_document_is_one_match_with_its_facets_counted_once(empty_index):
    """Words in different chunks of a long disclosure find it together, once: in the total, the facets,
    a filter and the title's relevance, as a short document would be."""
    filler = "污染防治" * 9000
    index = empty_index
    index.add_documents(
        [
            Document(
                "disclosure",
                "long",
                "热电厂年度报告",
                "开头标记" + filler + "结尾标记" + filler + "热电厂",
                unit=("兵团建设局",),
                category=("排污许可",),
                area="第八师",
            ),
            Document("disclosure", "short", "短文", "热电厂达标", area="第一师"),
        ]
    )
    both = index.search("开头标记 结尾标记")
    assert [hit.id for hit in both.items] == ["long"] and both.total == 1
    assert both.facets["area"] == [("第八师", 1)] and both.facets["unit"] == [("兵团建设局", 1)]
    assert index.search("开头标记 -结尾标记").total == 0
    assert index.search("污染防治", area="第八师").total == 1
    assert index.search("污染防治", area="第一师").total == 0
    plant = index.search("热电厂")
    assert [hit.id for hit in plant.items] == ["long", "short"]  # the title's match ranks first
    assert plant.total == 2 and dict(plant.facets["area"]) == {"第八师": 1, "第一师": 1}


def test_a_rebuild_upserts_a_document_written_meanwhile_in_its_transaction(postgres_index):
    """A rebuild reading through a session whose flushes index what changed: a document written while the
    rebuild runs is replaced, not a duplicate key."""
    with postgres_index.bind.connect() as connection, connection.begin():
        index = postgres.PostgresIndex(connection)

        def documents():
            yield disclosure("1", "第一份", "内容甲")
            index.add_documents([disclosure("2", "旧稿", "旧的内容")])
            yield disclosure("2", "新稿", "新的内容")

        assert index.replace_all(documents()) == 2
        assert found(index, "新的") == {"2"} and found(index, "旧的") == set()
        assert found(index, "内容") == {"1", "2"}
