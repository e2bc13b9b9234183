"""The index directory: creation, writes, drift keys, atomic rebuild, locks and a missing index."""

import os
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from portal.search import Document, SearchUnavailable, make_key, open_or_create, rebuild
from portal.search import index as search_index


def doc(id, title="大气污染防治", body="实施大气污染防治行动计划", **extra):
    """A small disclosure."""
    return Document("disclosure", id, title, body, url=f"/disclosures/{id}", **extra)


def siblings(path):
    """The entries beside the link that belong to this index (hidden lock and link files excluded)."""
    parent, name = os.path.split(path)
    return sorted(e for e in os.listdir(parent) if e.startswith(name + "."))


def test_open_or_create_makes_a_link_to_a_sibling_directory(index_path):
    """The path is a symbolic link to `search.<stamp>-<random>`; opening again reuses it."""
    index = open_or_create(index_path)
    assert os.path.islink(index_path)
    target = os.readlink(index_path)
    assert target.startswith("search.") and "/" not in target
    assert index.count() == 0 and index.keys() == set()
    open_or_create(index_path)
    assert os.readlink(index_path) == target and siblings(index_path) == [target]


def test_add_update_delete_and_keys_for_drift(empty_index):
    """Writes are upserts by kind:id; keys() lists exactly what the index holds."""
    index = empty_index
    index.add_documents([doc("1"), doc("2"), Document("measure", 14, "全面推进污染防治")])
    assert index.keys() == {"disclosure:1", "disclosure:2", "measure:14"}
    index.update([doc("1", title="水污染防治", body="推进水污染治理")])
    assert index.count() == 3
    assert [h.id for h in index.search("水污染").items] == ["1"]
    assert {h.id for h in index.search("大气污染").items} == {"2"}
    index.delete([make_key("disclosure", "2"), "disclosure:404"])
    assert index.keys() == {"disclosure:1", "measure:14"}
    assert index.search("大气污染").total == 0


def test_rebuild_swaps_atomically_and_removes_the_old_directory(index_path):
    """A rebuild fills a new sibling, points the link at it and deletes the old one; a searcher
    opened before the swap still answers from the old files."""
    index = open_or_create(index_path)
    index.add_documents([doc(str(n)) for n in range(5)])
    old = os.path.realpath(index_path)
    increments = []
    count = rebuild(
        index_path,
        (doc(str(n), title="水污染防治", body="推进水污染治理") for n in range(250)),
        progress=increments.append,
    )
    new = os.path.realpath(index_path)
    assert count == 250 and sum(increments) == 250 and len(increments) >= 3
    assert new != old and not os.path.exists(old)
    assert siblings(index_path) == [os.path.basename(new)]
    assert index.search("大气污染").total == 0
    assert index.search("水污染", per_page=1).total == 250
    assert len(index.keys()) == 250


def test_rebuild_replaces_a_plain_directory_index(index_path):
    """An index left as a plain directory is moved aside and replaced by the link layout."""
    os.makedirs(index_path)
    plain = os.path.join(os.path.dirname(index_path), "elsewhere")
    rebuild(plain, [doc("1")])
    os.rmdir(index_path)
    os.rename(os.path.realpath(plain), index_path)
    assert open_or_create(index_path).keys() == {"disclosure:1"}
    rebuild(index_path, [doc("2")])
    assert os.path.islink(index_path)
    assert open_or_create(index_path).keys() == {"disclosure:2"}
    assert len(siblings(index_path)) == 1


def test_a_failed_rebuild_leaves_the_current_index(index_path):
    """When reading the documents fails, the old index stays and the half-built one is removed."""
    index = open_or_create(index_path)
    index.add_documents([doc("1")])
    before = os.path.realpath(index_path)

    def broken():
        yield doc("2")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        rebuild(index_path, broken())
    assert os.path.realpath(index_path) == before
    assert index.keys() == {"disclosure:1"} and len(siblings(index_path)) == 1


@pytest.mark.parametrize("state", ["absent", "empty directory", "dangling link"])
def test_missing_index_is_unavailable(index_path, state):
    """Search, keys and writes on a missing index raise SearchUnavailable (503, a plain message)."""
    if state == "empty directory":
        os.makedirs(index_path)
    elif state == "dangling link":
        os.symlink("search.gone", index_path)
    index = search_index.SearchIndex(index_path, timeout=0.1)
    for call in (
        lambda: index.search("污染"),
        index.keys,
        index.count,
        lambda: index.add_documents([doc("1")]),
    ):
        with pytest.raises(SearchUnavailable) as raised:
            call()
        assert raised.value.status == 503
        assert (
            raised.value.message
            == "Search is temporarily unavailable. Please try again in a few minutes."
        )
    open_or_create(index_path).add_documents([doc("1")])
    assert index.keys() == {"disclosure:1"}


def test_a_held_writer_makes_writes_wait_then_fail(index_path):
    """While another writer holds the lock, add_documents waits for the timeout, then raises."""
    holder = open_or_create(index_path)
    waiter = open_or_create(index_path, timeout=0.5)
    with holder._writer():
        started = time.monotonic()
        with pytest.raises(SearchUnavailable):
            waiter.add_documents([doc("1")])
        waited = time.monotonic() - started
    assert 0.5 <= waited < 5
    waiter.add_documents([doc("1")])
    assert waiter.keys() == {"disclosure:1"}


SLOW_REBUILD = textwrap.dedent("""
    import sys, time
    from portal.search import Document, rebuild

    def documents():
        yield Document("disclosure", "r1", "水污染防治", "推进水污染治理")
        open(sys.argv[2], "w").close()
        time.sleep(float(sys.argv[3]))
        yield Document("disclosure", "r2", "水污染防治", "推进水污染治理")

    print(rebuild(sys.argv[1], documents(), timeout=1))
""")


def start_slow_rebuild(index_path, tmp_path, seconds):
    """A rebuild in another process, paused `seconds` mid-way; returns once it holds the locks."""
    marker = tmp_path / "rebuilding"
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_REBUILD, index_path, str(marker), str(seconds)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not marker.exists():
        assert process.poll() is None, process.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return process


def test_writes_during_a_rebuild_in_another_process_fail_after_the_timeout(index_path, tmp_path):
    """Another process rebuilding holds the write lock: writes wait, then raise SearchUnavailable;
    searches keep answering from the current index; a second rebuild is refused at once."""
    index = open_or_create(index_path, timeout=0.4)
    index.add_documents([doc("1")])
    process = start_slow_rebuild(index_path, tmp_path, seconds=3)
    try:
        started = time.monotonic()
        with pytest.raises(SearchUnavailable):
            index.add_documents([doc("2")])
        assert time.monotonic() - started >= 0.4
        assert {h.id for h in index.search("大气污染").items} == {"1"}
        with pytest.raises(SearchUnavailable):
            rebuild(index_path, [doc("3")])
    finally:
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert out.strip() == "2"
    assert index.keys() == {"disclosure:r1", "disclosure:r2"}


def test_a_writer_waiting_through_a_rebuild_lands_in_the_new_index(index_path, tmp_path):
    """A write that waits while another process rebuilds is applied to the new index, not lost
    in the deleted old directory."""
    index = open_or_create(index_path, timeout=30)
    index.add_documents([doc("1")])
    process = start_slow_rebuild(index_path, tmp_path, seconds=1)
    index.add_documents([doc("late")])
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert index.keys() == {"disclosure:r1", "disclosure:r2", "disclosure:late"}


def test_a_vanishing_file_is_retried_once(whoosh_policy_index, monkeypatch):
    """The reader/writer race (FileNotFoundError on a .toc) is retried once, then reported."""
    real_searcher = search_index._searcher
    failures = []
    budget = [1]

    def flaky(path):
        if len(failures) < budget[0]:
            failures.append(path)
            raise FileNotFoundError(2, "No such file", "MAIN_1.toc")
        return real_searcher(path)

    monkeypatch.setattr(search_index, "_searcher", flaky)
    assert whoosh_policy_index.search("污染").total > 0 and len(failures) == 1
    failures.clear()
    budget[0] = 2
    with pytest.raises(SearchUnavailable):
        whoosh_policy_index.search("污染")
    assert len(failures) == 2


def test_searches_follow_writes_and_rebuilds(index_path):
    """A reused searcher sees each commit and, after a rebuild, the new directory."""
    index = open_or_create(index_path)
    index.add_documents([doc("1")])
    assert index.search("大气污染").total == 1
    index.add_documents([doc("2")])
    assert index.search("大气污染").total == 2
    rebuild(index_path, [doc("3", title="水污染", body="")])
    assert index.search("大气污染").total == 0 and index.search("水污染").total == 1


def test_facet_values_of_replaced_segments_are_not_kept(index_path):
    """After rebuilds and merges, a process keeps facet values only for the segments the index still has."""
    index = open_or_create(index_path)
    for round in range(3):
        rebuild(index_path, [doc(f"{round}-{n}", area="第八师") for n in range(5)])
        index.add_documents([doc(f"{round}-extra", area="第一师")])
        found = index.search("大气污染")
        assert found.total == 6 and dict(found.facets["area"]) == {"第八师": 5, "第一师": 1}
    kept = {key[1] for key in search_index._FACET_CACHE if key[0] == index_path}
    ix = search_index.index.open_dir(os.path.realpath(index_path))
    with ix.searcher() as searcher:
        assert kept == {
            leaf.segment().segment_id() for leaf, _offset in searcher.reader().leaf_readers()
        }


def test_concurrent_searches_and_writes_in_threads(index_path):
    """Searches running while documents are written never fail and see consistent totals."""
    index = open_or_create(index_path, timeout=10)
    errors = []

    def search():
        try:
            for _ in range(30):
                total = index.search("大气污染").total
                assert 0 <= total <= 40
        except Exception as error:  # noqa: BLE001 - collected for the assertion below
            errors.append(error)

    readers = [threading.Thread(target=search) for _ in range(2)]
    for reader in readers:
        reader.start()
    for batch in range(4):
        index.add_documents([doc(f"{batch}-{n}") for n in range(10)])
    for reader in readers:
        reader.join()
    assert errors == [] and index.count() == 40


def test_a_directory_that_is_not_an_index_is_never_replaced(index_path):
    """A non-empty directory without an index at the path is left alone: creation and rebuild refuse."""
    os.makedirs(index_path)
    with open(os.path.join(index_path, "notes.txt"), "w") as handle:
        handle.write("not an index")
    with pytest.raises(SearchUnavailable):
        open_or_create(index_path)
    with pytest.raises(SearchUnavailable):
        rebuild(index_path, [doc("1")])
    assert os.listdir(index_path) == ["notes.txt"] and siblings(index_path) == []


def test_rebuild_leaves_unrelated_siblings_alone(index_path):
    """Only directories named like the index's own generations are cleaned up."""
    backup = index_path + ".backup"
    os.makedirs(backup)
    rebuild(index_path, [doc("1")])
    rebuild(index_path, [doc("2")])
    assert os.path.isdir(backup)
    assert len(siblings(index_path)) == 2  # the current generation and the backup


def test_undated_documents_sort_last_by_date(empty_index):
    """Newest first, then the documents without a date."""
    import datetime as dt

    index = empty_index
    index.add_documents(
        [
            doc("old", date=dt.date(2018, 1, 1)),
            doc("none"),
            doc("new", date=dt.datetime(2024, 2, 3, 4, 5)),
        ]
    )
    assert [h.id for h in index.search("大气污染", sort="date").items] == ["new", "old", "none"]


def test_segments_are_separate_files_that_workers_share_through_the_page_cache(index_path):
    """Rebuilt and written segments are never compound `.seg` files: Whoosh copies a compound segment into the
    memory of every process that reads it (≈ 90 MiB more per gunicorn worker at 20,000 documents)."""
    rebuild(index_path, (doc(str(n)) for n in range(50)))
    open_or_create(index_path).add_documents([doc("51", title="水污染防治")])
    files = os.listdir(os.path.realpath(index_path))
    assert not [name for name in files if name.endswith(".seg")], files
    assert [name for name in files if name.endswith(".pst")]
    assert open_or_create(index_path).search("水污染防治").total == 1
