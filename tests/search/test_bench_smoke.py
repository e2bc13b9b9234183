"""The benchmark runs end to end on a small corpus and reports both engines."""
import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "search.py"


def test_bench_reports_both_engines_on_2000_documents(tmp_path):
    """`bench/search.py --docs 2000` indexes with Whoosh and FTS5 and prints times, sizes and hits."""
    figures = tmp_path / "figures.json"
    done = subprocess.run(
        [sys.executable, str(BENCH), "--docs", "2000", "--rounds", "1", "--json", str(figures)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "whoosh: indexed 2,000 documents" in out and "fts5: indexed 2,000 documents" in out
    for label in ("index time (s)", "index size (MiB)", "peak RSS (MiB)", "p50 ms all", "p95 ms all"):
        assert re.search(rf"^{re.escape(label)}\s+[\d.]+\s+[\d.]+\s+[\d.]+$", out, re.M), label
    # FTS5 trigram finds nothing for 2-character words; the portal's search finds them all.
    two = re.search(r"2-char word\s+whoosh\s+([\d,]+) \((\d+)/15\)\s+fts5\s+([\d,]+) \((\d+)/15\)", out)
    assert two and two.group(2) == "15" and two.group(3) == "0"
    latin = re.search(r"Latin/number\s+whoosh\s+([\d,]+) \(\d+/10\)\s+fts5\s+([\d,]+)", out)
    assert latin and latin.group(1) == latin.group(2) != "0"
    assert figures.exists()
