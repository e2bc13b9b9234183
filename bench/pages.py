"""Benchmark: the portal's public pages under gunicorn, against a bare Flask + Jinja ceiling.

    .venv/bin/python bench/pages.py                          # every family, 3 rounds x 10 s each
    .venv/bin/python bench/pages.py --seconds 5 --rounds 1 --families home,measures
    .venv/bin/python bench/pages.py --index-docs 20000       # first fill the search index (memory check)
    .venv/bin/python bench/pages.py --json out.json          # also keep the raw figures

A fresh data directory gets the demo data (`portal init` + `portal demo`, as `make demo` does).
The portal then runs under gunicorn (2 sync workers) in production configuration: deploy/gunicorn.conf.py
as `make serve` uses it (the app preloaded in the master and frozen before forking, `portal init` at
start), except that workers are not recycled (so that one worker serves every family before its memory
is read) and the access log goes to /dev/null; PORTAL_ENV=production with a secret key, the demo's
identity key and PORTAL_PUBLIC_URL naming the bench address; its page cache as configured by default
unless `--no-page-cache` (PORTAL_PAGE_CACHE_MB=0, the cost of rendering every page). `--plain-gunicorn`
starts it without the file, as earlier runs did. The ceiling (bench/ceiling.py) runs under plain gunicorn
with the same worker settings. For each family wrk (1 thread, 16 connections) cycles over the
family's URLs; ceiling and portal rounds alternate, and the ceiling page has the byte size of the
family's mean page. Printed: portal req/s (median of the rounds), ceiling req/s, their ratio,
p50/p99 latency, and at the end each portal worker's memory (VmRSS, also split and as PSS).
"""

import argparse
import dataclasses
import datetime as dt
import itertools
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WRK = shutil.which("wrk") or "/usr/bin/wrk"

SEARCH_QUERIES = [
    "污染",
    "生态",
    "环境",
    "治理",
    "监测",
    "保护",
    "湿地",
    "排放",
    "节能",
    "垃圾",
    "大气污染防治",
    "生态文明建设",
    "水污染防治",
    "生态保护红线",
    "环境信息公开",
    "兵团建设局",
    "第八师",
    "PM2.5",
    "2025",
    "空气质量",
]

LUA = r"""
local paths = {}
for line in io.lines(os.getenv("BENCH_URLS")) do paths[#paths + 1] = line end
local threads = {}
function setup(thread) threads[#threads + 1] = thread end
function init(args) i = math.random(#paths); bad = 0 end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
function response(status, headers, body) if status ~= 200 then bad = bad + 1 end end
function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  local wrong = 0
  for _, t in ipairs(threads) do wrong = wrong + t:get("bad") end
  io.write(string.format('BENCH {"requests": %d, "seconds": %f, "p50_ms": %f, "p99_ms": %f, "errors": %d, "not_200": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors, wrong))
end
"""


def free_port():
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def portal_environment(root, data_dir, port, page_cache):
    """Production settings for the demo data directory (its keys are the ones `demo` wrote with)."""
    env = dict(os.environ, PYTHONPATH=str(root), PORTAL_DATA_DIR=str(data_dir))
    env.update(
        PORTAL_ENV="production",
        PORTAL_SECRET_KEY=(data_dir / "secret_key").read_text().strip(),
        PORTAL_IDENTITY_KEY=(data_dir / "identity_key").read_text().strip(),
        PORTAL_PUBLIC_URL=f"http://127.0.0.1:{port}",
    )
    if not page_cache:
        env["PORTAL_PAGE_CACHE_MB"] = "0"
    return env


def prepare(root, data_dir, index_docs):
    """`portal init` + `portal demo` in development (which writes the keys), then the optional corpus."""
    env = dict(
        os.environ, PYTHONPATH=str(root), PORTAL_DATA_DIR=str(data_dir), PORTAL_ENV="development"
    )
    flask = [str(BIN / "flask"), "--app", "wsgi", "portal"]
    for command in ("init", "demo"):
        subprocess.run(
            flask + [command],
            cwd=root,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    if index_docs:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--_fill-index", str(index_docs)],
            cwd=root,
            env=env,
            check=True,
        )
        print(
            f"indexed {index_docs} generated documents besides the demo's in {time.perf_counter() - started:.0f} s"
        )


def fill_index(count):
    """Child of `prepare`: rebuild the search index from the database plus `count` generated documents."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from search import corpus

    from portal import create_app
    from portal.search import rebuild
    from portal.services.search import all_documents

    # Ids far above the demo's, so generated documents never replace a real one in the index.
    generated = [dataclasses.replace(d, id=str(1_000_000 + int(d.id))) for d in corpus(count)]
    app = create_app()
    with app.app_context():
        rebuild(app.config["SEARCH_DIR"], itertools.chain(all_documents(), generated))


def url_lists(data_dir):
    """Each family's URL paths, from the demo database."""
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{data_dir / 'portal.db'}")
    with engine.connect() as c:
        column = lambda sql: [row[0] for row in c.exec_driver_sql(sql)]  # noqa: E731
        disclosures = column("SELECT id FROM disclosures ORDER BY id")
        categories = column("SELECT code FROM disclosure_categories ORDER BY code")
        consultations = column("SELECT id FROM consultations ORDER BY id")
        units = column("SELECT id FROM units ORDER BY id")
        areas = column("SELECT id FROM areas ORDER BY id")
        reports = column("SELECT reference FROM reports ORDER BY id")
        report_categories = column("SELECT code FROM categories ORDER BY position")
    engine.dispose()
    return {
        "home": ["/"],
        "measures": ["/measures"] + [f"/measures/{n}" for n in range(1, 36)],
        "disclosures": ["/disclosures", "/disclosures?page=1"]
        + [f"/disclosures?category={c}" for c in categories]
        + [f"/disclosures/{d}" for d in disclosures],
        "search": [f"/search?q={urllib.parse.quote(q)}" for q in SEARCH_QUERIES],
        "reports": ["/reports", "/reports?page=1"]
        + [f"/reports?area={a}" for a in areas[:8]]
        + [f"/reports?status={s}" for s in ("received", "accepted", "closed")]
        + [f"/reports?category={c}" for c in report_categories]
        + [f"/reports/{r}" for r in reports],
        "consultations": ["/consultations", "/consultations?state=open"]
        + [f"/consultations/{c}" for c in consultations],
        "dashboard": [
            "/dashboard",
            "/dashboard/units",
            "/dashboard/goals",
            "/dashboard/measures",
            "/units",
        ]
        + [f"/units/{u}" for u in units[:40]],
    }


def check_urls(base, families):
    """Fetch every URL once; return (mean page bytes per family, URLs not answering 200)."""
    sizes, bad = {}, []
    for family, paths in families.items():
        lengths = []
        for path in paths:
            try:
                with urllib.request.urlopen(base + path, timeout=60) as response:
                    lengths.append(len(response.read()))
            except urllib.error.HTTPError as error:
                bad.append(f"{path} {error.code}")
        sizes[family] = int(statistics.mean(lengths)) if lengths else 0
    return sizes, bad


def start_gunicorn(app, port, env, root=ROOT, workers=2, production=False):
    """gunicorn with sync workers on 127.0.0.1:port, configured by deploy/gunicorn.conf.py if `production`.

    Returns once it answers.
    """
    config = []
    if production:
        # The command line overrides the file: the bench's address and worker count, no access log lines.
        config = ["-c", str(root / "deploy" / "gunicorn.conf.py"), "--access-logfile", "/dev/null"]
        env = dict(env, GUNICORN_MAX_REQUESTS="0")
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            *config,
            "-w",
            str(workers),
            "-k",
            "sync",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app,
        ],
        cwd=root,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{app} did not start on port {port}")


def stop(process):
    """TERM the gunicorn master (its workers follow)."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def memory(pid):
    """{VmRSS, RssAnon, RssFile, Pss} of process `pid`, in MiB.

    VmRSS counts every resident page the process maps, also those it shares with the master it was forked
    from and with the other workers; RssFile is the part that maps files (libraries, an index read through
    mmap), which the kernel can drop and reload; Pss divides each shared page between its sharers.
    """
    fields = dict(
        line.split(":", 1)
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if ":" in line
    )
    sizes = {name: int(fields[name].split()[0]) / 1024 for name in ("VmRSS", "RssAnon", "RssFile")}
    rollup = dict(
        line.split(":", 1)
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]
    )
    sizes["Pss"] = int(rollup["Pss"].split()[0]) / 1024
    return sizes


def workers_rss(master):
    """The memory (see `memory`) of each worker of the gunicorn master, then of the master itself."""
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    return [memory(pid) for pid in children] + [dict(memory(master.pid), master=True)]


def run_wrk(base, paths, seconds, lua, workdir, connections=16):
    """One wrk round over `paths`; returns the figures its done() printed."""
    urls = workdir / "urls.txt"
    urls.write_text("\n".join(paths) + "\n")
    out = subprocess.run(
        [WRK, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", str(lua), base],
        env=dict(os.environ, BENCH_URLS=str(urls)),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("BENCH "))
    figures = json.loads(line[len("BENCH ") :])
    figures["rps"] = figures["requests"] / figures["seconds"]
    return figures


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=10, help="length of one wrk round")
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds per family, ceiling and portal alternating"
    )
    parser.add_argument("--families", default="", help="comma-separated subset of the families")
    parser.add_argument("--json", help="write the raw figures here")
    parser.add_argument(
        "--index-docs", type=int, default=0, help="add this many generated documents to the index"
    )
    parser.add_argument(
        "--no-page-cache",
        dest="page_cache",
        action="store_false",
        help="turn the page cache off (PORTAL_PAGE_CACHE_MB=0): every answer is rendered",
    )
    parser.add_argument(
        "--portal-root",
        type=Path,
        default=ROOT,
        help="serve the portal from another checkout (e.g. main, for a before/after comparison)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the data directory (its path is printed)"
    )
    parser.add_argument(
        "--plain-gunicorn",
        dest="production",
        action="store_false",
        help="start the portal's gunicorn without deploy/gunicorn.conf.py (no preloading, no freezing)",
    )
    parser.add_argument("--_fill-index", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._fill_index:
        return fill_index(args._fill_index)

    workdir = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    data_dir = workdir / "data"
    data_dir.mkdir()
    started = time.perf_counter()
    root = args.portal_root.resolve()
    prepare(root, data_dir, args.index_docs)
    families = url_lists(data_dir)
    if args.families:
        wanted = args.families.split(",")
        families = {k: v for k, v in families.items() if k in wanted}
    lua = workdir / "cycle.lua"
    lua.write_text(LUA)
    port, ceiling_port = free_port(), free_port()
    portal = start_gunicorn(
        "wsgi:app",
        port,
        portal_environment(root, data_dir, port, args.page_cache),
        root,
        production=args.production,
    )
    ceiling = start_gunicorn(
        "bench.ceiling:app", ceiling_port, dict(os.environ, PYTHONPATH=str(ROOT))
    )
    base, ceiling_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{ceiling_port}"
    results = {}
    try:
        sizes, bad = check_urls(base, families)
        if bad:
            print("not 200 (left in the lists, counted as not_200):", ", ".join(bad))
        print(f"load average before: {os.getloadavg()}")
        print(
            f"{'family':14} {'URLs':>4} {'bytes':>6} {'portal r/s':>10} {'ceiling r/s':>11} {'ratio':>6}"
            f" {'p50 ms':>7} {'p99 ms':>7} {'c p50':>6} {'not200':>6}"
        )
        for family, paths in families.items():
            rounds = {"portal": [], "ceiling": []}
            # Untimed: every worker renders (and, with the cache on, stores) every URL once, as a site in use has.
            run_wrk(ceiling_base, [f"/{sizes[family]}"], 1, lua, workdir)
            run_wrk(base, paths, 2, lua, workdir)
            for _ in range(args.rounds):
                rounds["ceiling"].append(
                    run_wrk(ceiling_base, [f"/{sizes[family]}"], args.seconds, lua, workdir)
                )
                rounds["portal"].append(run_wrk(base, paths, args.seconds, lua, workdir))
            median = {side: statistics.median(r["rps"] for r in rs) for side, rs in rounds.items()}
            p50 = statistics.median(r["p50_ms"] for r in rounds["portal"])
            p99 = statistics.median(r["p99_ms"] for r in rounds["portal"])
            c50 = statistics.median(r["p50_ms"] for r in rounds["ceiling"])
            wrong = sum(r["not_200"] + r["errors"] for r in rounds["portal"])
            results[family] = dict(
                urls=len(paths),
                bytes=sizes[family],
                portal_rps=median["portal"],
                ceiling_rps=median["ceiling"],
                ratio=median["portal"] / median["ceiling"],
                p50_ms=p50,
                p99_ms=p99,
                ceiling_p50_ms=c50,
                not_200=wrong,
                load=os.getloadavg()[0],
                rounds=rounds,
            )
            print(
                f"{family:14} {len(paths):4d} {sizes[family]:6d} {median['portal']:10.0f} {median['ceiling']:11.0f}"
                f" {results[family]['ratio']:6.2f} {p50:7.1f} {p99:7.1f} {c50:6.1f} {wrong:6d}",
                flush=True,
            )
        rss = workers_rss(portal)
    finally:
        stop(portal)
        stop(ceiling)
    ratios = [r["ratio"] for r in results.values()]
    print(
        f"median ratio {statistics.median(ratios):.2f}, lowest {min(ratios):.2f}; "
        f"load average after: {os.getloadavg()}"
    )
    print(
        f"memory after every family (limit 120 MB = 114.4 MiB VmRSS per worker; index: demo + {args.index_docs}"
        f" generated documents; gunicorn {'with deploy/gunicorn.conf.py' if args.production else 'plain'}):"
    )
    for m in rss:
        print(
            f"  {'master' if m.get('master') else 'worker'} VmRSS {m['VmRSS']:.1f} MiB = {m['VmRSS'] * 1.048576:.1f} MB"
            f" (anonymous {m['RssAnon']:.1f}, mapped files {m['RssFile']:.1f}), PSS {m['Pss']:.1f} MiB"
        )
    print(f"whole run {time.perf_counter() - started:.0f} s; portal from {root}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                dict(
                    date=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    seconds=args.seconds,
                    rounds=args.rounds,
                    index_docs=args.index_docs,
                    portal_root=str(root),
                    page_cache=args.page_cache,
                    production_gunicorn=args.production,
                    nproc=os.cpu_count(),
                    families=results,
                    worker_rss_mib=rss,
                ),
                ensure_ascii=False,
                indent=1,
            )
        )
    if args.keep:
        print(f"data directory kept: {data_dir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
