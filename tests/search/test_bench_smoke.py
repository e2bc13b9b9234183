"""The benchmark runs end to end on a small corpus and reports the three engines."""

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "search.py"


def test_bench_reports_the_three_engines_on_500_documents(tmp_path):
    """`bench/search.py --docs 500` indexes with Whoosh, PostgreSQL and FTS5 and prints times, sizes and hits;
    the portal's two engines find exactly the same documents."""
    figures = tmp_path / "figures.json"
    done = subprocess.run(
        [sys.executable, str(BENCH), "--docs", "500", "--rounds", "1", "--json", str(figures)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for engine in ("whoosh", "postgresql", "fts5"):
        assert f"{engine}: indexed 500 documents" in out
    for label in (
        "index time (s)",
        "index size (MiB)",
        "peak RSS (MiB)",
        "p50 ms all",
        "p95 ms all",
    ):
        assert re.search(rf"^{re.escape(label)}(\s+[\d.]+){{5}}$", out, re.M), label
    # FTS5 trigram finds nothing for 2-character words; the portal's engines find them all, the same ones.
    two = re.search(
        r"2-char word\s+whoosh\s+([\d,]+) \((\d+)/15\)\s+postgresql\s+([\d,]+) \((\d+)/15\)"
        r"\s+fts5\s+([\d,]+) \((\d+)/15\)",
        out,
    )
    assert (
        two
        and two.group(2) == two.group(4) == "15"
        and two.group(1) == two.group(3)
        and two.group(5) == "0"
    )
    latin = re.search(
        r"Latin/number\s+whoosh\s+([\d,]+) \(\d+/10\)\s+postgresql\s+([\d,]+) \(\d+/10\)"
        r"\s+fts5\s+([\d,]+)",
        out,
    )
    assert latin and latin.group(1) == latin.group(2) == latin.group(3) != "0"
    per_query = out.split("per query:")[1]
    for found in re.findall(r" (\d+)/(\d+)/(\d+)", per_query):
        assert found[0] == found[1], found
    assert figures.exists()
