"""Benchmark: the portal's two search engines (Whoosh, PostgreSQL) against SQLite FTS5 (trigram) as baseline.

    .venv/bin/python bench/search.py              # 100,000 documents (the figures in bench/README.md)
    .venv/bin/python bench/search.py --docs 2000  # a quick run

A deterministic corpus is built from the policy's sentences with seeded random fields; each
engine then runs in its own child process (so its peak memory is its own): it indexes the corpus,
runs 50 fixed queries (2-character words, longer phrases, unit names, Latin tokens) one warm-up
round and `--rounds` timed rounds, and reports index time, query p50/p95, index size, peak
memory (ru_maxrss of the child, and its growth after the corpus was built) and hit counts.

Whoosh and PostgreSQL run through the portal's own engines (`SearchIndex.search`, `PostgresIndex.search`:
20 results, the exact total, facet counts over every match, highlighted snippets); PostgreSQL in a scratch
database on 127.0.0.1 (user postgres, trust auth; `--postgresql-url` names the server), created and
dropped by the run, whose size is that of its two tables with their indexes and TOAST; its peak memory is
the bench process's (the client), not the server's. FTS5 does the same work in SQL: total count, top 20 by bm25
with snippet(), and the five facet counts. FTS5's trigram tokenizer cannot match fewer than three
characters, so its MATCH finds nothing for 2-character words; a LIKE '%…%' scan is measured
separately for them as the fallback such a design would need.
"""

import argparse
import datetime as dt
import json
import os
import random
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import unicodedata

from portal.policy import bundled_divisions, bundled_text
from portal.policy.parser import parse
from portal.search import KINDS, Document, PostgresIndex, open_or_create, rebuild

ENGINES = ("whoosh", "postgresql", "fts5")

QUERIES = {
    "2-char word": [
        "污染",
        "生态",
        "环境",
        "治理",
        "监测",
        "保护",
        "湿地",
        "草原",
        "森林",
        "排放",
        "考核",
        "节能",
        "土壤",
        "垃圾",
        "农业",
    ],
    "phrase": [
        "大气污染防治",
        "生态文明建设",
        "水污染防治行动计划",
        "生态保护红线",
        "循环发展",
        "绿水青山就是金山银山",
        "主体功能区",
        "节约资源",
        "生态补偿",
        "荒漠化",
        "城镇污水处理",
        "资源有偿使用",
        "防沙治沙",
        "生活垃圾无害化处理",
        "环境信息公开",
    ],
    "unit name": [
        "兵团建设局(环保局)",
        "兵团建设局（环保局）",
        "兵团发展改革委",
        "兵团水利局",
        "兵团农业局",
        "兵团国土资源局",
        "兵团工信委",
        "兵团财务局",
        "兵团党委宣传部",
        "兵团科技局",
    ],
    "Latin/number": [
        "PM2.5",
        "SO2",
        "NOx",
        "COD",
        "2020",
        "2015",
        "0.58",
        "pm10",
        "GB3095",
        "ISO14001",
    ],
}
CATEGORIES = [
    "环境质量",
    "排污许可",
    "环评审批",
    "行政处罚",
    "监测数据",
    "突发环境事件",
    "政策文件",
    "统计数据",
    "建议提案办理",
    "大气污染",
    "水污染",
    "土壤与固体废物",
    "噪声",
    "生态破坏",
    "其他",
]
LATIN = [
    "PM2.5年均浓度为{n}微克/立方米",
    "SO2排放量下降{n}%",
    "NOx排放浓度{n}毫克/立方米",
    "COD排放总量{n}吨",
    "PM10日均值{n}微克/立方米",
    "执行GB3095-2012标准",
    "企业通过ISO14001认证",
    "到2020年完成{n}项任务",
]


def sentences():
    """The policy's sentences (split at 。;!?), in document order, at least 6 characters long."""
    policy = parse(bundled_text())
    text = "\n".join([policy.preamble] + [m.text for m in policy.measures])
    parts = re.split(r"(?<=[。;;!?!?])|\n", text)
    return [p.strip() for p in parts if len(p.strip()) >= 6], policy


def corpus(size, seed=20170103):
    """`size` Documents drawn deterministically from the policy's sentences and fields."""
    pool, policy = sentences()
    units = sorted(
        {u.name for t in policy.tasks for u in t.lead + t.participating if not u.collective}
    )
    areas = ["兵团"] + [name for _number, name, _city in bundled_divisions()]
    titles = [t.title for t in policy.tasks] + [m.title for m in policy.measures]
    rng = random.Random(seed)
    start = dt.date(2017, 1, 3).toordinal()
    documents = []
    for n in range(size):
        body = [rng.choice(pool) for _ in range(rng.randint(1, 4))]
        if rng.random() < 0.08:
            body.insert(
                rng.randrange(len(body) + 1), rng.choice(LATIN).format(n=rng.randint(1, 99)) + "。"
            )
        title = rng.choice(titles) if rng.random() < 0.5 else rng.choice(pool)[:24]
        documents.append(
            Document(
                kind=KINDS[n % len(KINDS)],
                id=str(n),
                title=title,
                body="".join(body),
                url=f"/d/{n}",
                date=dt.date.fromordinal(start + rng.randrange(3000)),
                unit=tuple(rng.sample(units, rng.randint(0, 3))),
                category=(rng.choice(CATEGORIES),),
                area=rng.choice(areas),
            )
        )
    return documents


def peak_mib():
    """This process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def directory_size(path):
    """Bytes under `path` (following the index link once)."""
    total = 0
    for root, _dirs, files in os.walk(os.path.realpath(path)):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total


# --- engines ------------------------------------------------------------------------------------


class Whoosh:
    """The portal's search service."""

    name = "whoosh"

    def __init__(self, workdir):
        self.path = os.path.join(workdir, "search")

    def build(self, documents):
        """Index `documents` with the portal's rebuild."""
        rebuild(self.path, documents)
        self.index = open_or_create(self.path)

    def size(self):
        """Bytes on disk."""
        return directory_size(self.path)

    def query(self, q):
        """One results page as the portal serves it; returns the total."""
        result = self.index.search(q, per_page=20)
        return result.total


class PostgreSQL:
    """The portal's PostgreSQL engine on a scratch database."""

    name = "postgresql"

    def __init__(self, workdir, server):
        import sqlalchemy as sa

        self.sa, self.server = sa, server
        self.database = f"bench_search_{os.getpid()}"
        with sa.create_engine(
            f"{server}/postgres", isolation_level="AUTOCOMMIT"
        ).connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.database}"')
            connection.exec_driver_sql(f'CREATE DATABASE "{self.database}"')
        self.engine = sa.create_engine(f"{server}/{self.database}")

    def build(self, documents):
        """Create the tables as the migration does, then write every document in one transaction."""
        from portal.search import postgres

        tables = [postgres.DOCUMENTS, postgres.CHUNKS]
        postgres.DOCUMENTS.metadata.create_all(self.engine, tables=tables)
        self.index = PostgresIndex(self.engine)
        self.index.replace_all(documents)
        with self.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")

    def size(self):
        """Bytes of both tables with their indexes and TOAST."""
        with self.engine.connect() as connection:
            return connection.exec_driver_sql(
                "SELECT pg_total_relation_size('search_documents') + pg_total_relation_size('search_chunks')"
            ).scalar()

    def query(self, q):
        """One results page as the portal serves it; returns the total."""
        return self.index.search(q, per_page=20).total

    def close(self):
        """Drop the scratch database."""
        self.engine.dispose()
        with self.sa.create_engine(
            f"{self.server}/postgres", isolation_level="AUTOCOMMIT"
        ).connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


class FTS5:
    """SQLite FTS5 with the trigram tokenizer, doing the same work in SQL."""

    name = "fts5"

    def __init__(self, workdir):
        self.path = os.path.join(workdir, "fts5.db")

    def build(self, documents):
        """Index `documents` in one transaction."""
        db = self.db = sqlite3.connect(self.path)
        db.executescript("""
            PRAGMA journal_mode=WAL;
            CREATE TABLE docs(rowid INTEGER PRIMARY KEY, kind TEXT, id TEXT, url TEXT, date TEXT,
                              category TEXT, area TEXT, year TEXT);
            CREATE TABLE doc_units(rowid INTEGER, unit TEXT);
            CREATE INDEX doc_units_rowid ON doc_units(rowid);
            CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize='trigram');
        """)
        with db:
            for rowid, d in enumerate(documents, start=1):
                # FTS5 does not fold width: it gets NFKC text and queries, a fair footing.
                db.execute(
                    "INSERT INTO fts(rowid, title, body) VALUES (?, ?, ?)",
                    (
                        rowid,
                        unicodedata.normalize("NFKC", d.title),
                        unicodedata.normalize("NFKC", d.body),
                    ),
                )
                db.execute(
                    "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        rowid,
                        d.kind,
                        d.id,
                        d.url,
                        d.date.isoformat(),
                        d.category[0],
                        d.area,
                        str(d.year),
                    ),
                )
                db.executemany("INSERT INTO doc_units VALUES (?, ?)", [(rowid, u) for u in d.unit])

    def size(self):
        """Bytes on disk after a WAL checkpoint."""
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return os.path.getsize(self.path)

    def query(self, q):
        """Total, top 20 with snippets, and the facet counts; returns the total."""
        match = '"' + unicodedata.normalize("NFKC", q).replace('"', '""') + '"'
        db = self.db
        total = db.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (match,)).fetchone()[0]
        db.execute(
            "SELECT d.kind, d.id, d.url, d.date, fts.title, snippet(fts, 1, '<mark>', '</mark>', '…', 40), bm25(fts, 3.0, 1.0)"
            " FROM fts JOIN docs d ON d.rowid = fts.rowid WHERE fts MATCH ? ORDER BY bm25(fts, 3.0, 1.0) LIMIT 20",
            (match,),
        ).fetchall()
        hits = "SELECT rowid FROM fts WHERE fts MATCH ?"
        for column in ("kind", "category", "area", "year"):
            db.execute(
                f"SELECT {column}, count(*) FROM docs WHERE rowid IN ({hits}) GROUP BY {column}",
                (match,),
            ).fetchall()
        db.execute(
            f"SELECT unit, count(*) FROM doc_units WHERE rowid IN ({hits}) GROUP BY unit", (match,)
        ).fetchall()
        return total

    def like(self, q):
        """The fallback for queries FTS5 trigram cannot match: a scan with LIKE."""
        pattern = "%" + unicodedata.normalize("NFKC", q) + "%"
        return self.db.execute(
            "SELECT count(*) FROM fts WHERE title LIKE ? OR body LIKE ?", (pattern, pattern)
        ).fetchone()[0]


def run_engine(engine_name, docs, rounds, workdir, server):
    """Child process: build the corpus, index it, time the queries; return a dict of figures."""
    documents = corpus(docs)
    after_corpus = peak_mib()
    engine = (
        PostgreSQL(workdir, server)
        if engine_name == "postgresql"
        else (Whoosh if engine_name == "whoosh" else FTS5)(workdir)
    )
    try:
        return _measure(engine, engine_name, documents, docs, rounds, after_corpus)
    finally:
        if engine_name == "postgresql":
            engine.close()


def _measure(engine, engine_name, documents, docs, rounds, after_corpus):
    """Index `documents` with `engine`, run the queries, and gather the figures."""
    started = time.perf_counter()
    engine.build(documents)
    index_seconds = time.perf_counter() - started
    size = engine.size()
    del documents
    hits, timings = {}, {cls: [] for cls in QUERIES}
    all_queries = [(cls, q) for cls, qs in QUERIES.items() for q in qs]
    for _cls, q in all_queries:  # warm-up round, also the hit counts
        hits[q] = engine.query(q)
    for _ in range(rounds):
        for cls, q in all_queries:
            started = time.perf_counter()
            engine.query(q)
            timings[cls].append((time.perf_counter() - started) * 1000)
    result = dict(
        engine=engine_name,
        docs=docs,
        index_seconds=index_seconds,
        index_bytes=size,
        hits=hits,
        timings=timings,
        peak_mib=peak_mib(),
        corpus_mib=after_corpus,
    )
    if engine_name == "fts5":
        like = {}
        for q in QUERIES["2-char word"]:
            started = time.perf_counter()
            like[q] = (engine.like(q), (time.perf_counter() - started) * 1000)
        result["like"] = like
    return result


# --- report --------------------------------------------------------------------------------------


def percentile(values, p):
    """The p-th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


def summary(result):
    """p50 and p95 overall and per query class, in ms."""
    everything = [t for ts in result["timings"].values() for t in ts]
    out = {"all": (percentile(everything, 50), percentile(everything, 95))}
    for cls, ts in result["timings"].items():
        out[cls] = (percentile(ts, 50), percentile(ts, 95))
    return out


def report(results):
    """The human-readable report printed at the end of a run."""
    names = [name for name in ENGINES if name in results]
    sums = {name: summary(results[name]) for name in names}
    first = results[names[0]]
    lines = [
        f"corpus: {first['docs']:,} documents; {sum(len(v) for v in QUERIES.values())} queries; "
        f"python {sys.version.split()[0]}; {os.cpu_count()} cpus; sqlite {sqlite3.sqlite_version}",
        "",
    ]
    ratios = [f"{name}/fts5" for name in names if name != "fts5"]
    lines.append(
        f"{'':24}" + "".join(f"{name:>14}" for name in names) + "".join(f"{r:>18}" for r in ratios)
    )

    def row(label, values, fmt="{:.1f}"):
        base = values.get("fts5")
        cells = "".join(f"{fmt.format(values[name]):>14}" for name in names)
        cells += "".join(
            f"{(values[name] / base if base else 0):>18.2f}" for name in names if name != "fts5"
        )
        lines.append(f"{label:24}{cells}")

    row("index time (s)", {n: results[n]["index_seconds"] for n in names})
    row("index size (MiB)", {n: results[n]["index_bytes"] / 2**20 for n in names})
    row("peak RSS (MiB)", {n: results[n]["peak_mib"] for n in names})
    row(
        "  growth after corpus",
        {n: results[n]["peak_mib"] - results[n]["corpus_mib"] for n in names},
    )
    for cls in ["all"] + list(QUERIES):
        row(f"p50 ms {cls}", {n: sums[n][cls][0] for n in names}, "{:.2f}")
        row(f"p95 ms {cls}", {n: sums[n][cls][1] for n in names}, "{:.2f}")
    lines += ["", "hits per query class (sum of totals; queries with hits / queries):"]
    for cls, qs in QUERIES.items():
        cells = []
        for name in names:
            counts = [results[name]["hits"][q] for q in qs]
            cells.append(f"{name} {sum(counts):>9,} ({sum(1 for x in counts if x)}/{len(qs)})")
        lines.append(f"  {cls:16} " + "   ".join(cells))
    if "fts5" in results:
        like = results["fts5"]["like"]
        lines.append(
            f"  2-char via LIKE  fts5 {sum(c for c, _ in like.values()):>9,} "
            f"(p50 {percentile([t for _, t in like.values()], 50):.1f} ms, a full scan: not in the figures above)"
        )
    lines += ["", "per query: " + " / ".join(f"{name} hits" for name in names)]
    for cls, qs in QUERIES.items():
        lines.append(
            f"  [{cls}] "
            + "  ".join(f"{q} " + "/".join(str(results[n]["hits"][q]) for n in names) for q in qs)
        )
    return "\n".join(lines)


def main(argv=None):
    """Run the engines in child processes and print the report (and JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000, help="corpus size (default 100,000)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="timed rounds of the 50 queries (default 3)"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the raw figures to FILE")
    parser.add_argument(
        "--engines",
        default=",".join(ENGINES),
        help="which engines, comma-separated (default all three)",
    )
    parser.add_argument(
        "--postgresql-url",
        default="postgresql+psycopg://postgres@127.0.0.1",
        help="the PostgreSQL server (no database name) for the postgresql engine",
    )
    parser.add_argument("--engine", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.engine:
        print(
            json.dumps(
                run_engine(args.engine, args.docs, args.rounds, args.workdir, args.postgresql_url),
                ensure_ascii=False,
            )
        )
        return 0
    workdir = tempfile.mkdtemp(prefix="bench-search-")
    results = {}
    try:
        for engine in [name for name in ENGINES if name in args.engines.split(",")]:
            done = subprocess.run(
                [
                    sys.executable,
                    os.path.abspath(__file__),
                    "--engine",
                    engine,
                    "--docs",
                    str(args.docs),
                    "--rounds",
                    str(args.rounds),
                    "--workdir",
                    workdir,
                    "--postgresql-url",
                    args.postgresql_url,
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                sys.stderr.write(done.stderr)
                return done.returncode
            results[engine] = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"{engine}: indexed {args.docs:,} documents in {results[engine]['index_seconds']:.1f} s",
                flush=True,
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(report(results))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(results, handle, ensure_ascii=False, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
