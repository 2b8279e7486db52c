#!/usr/bin/env python3
"""Side-by-side benchmark: SafetyPipeline's full path (ingest -> common format -> indicators)
against DuckDB (2 threads) on the same generated files, plus `xmllint --stream` for XML.

For each format: wall time (median of RUNS), ratio SafetyPipeline / peer, peak RSS, MB/s of input.
Results must agree: hazards identified and rectified per (year), (year, sector), (year, region).
Usage: run.py [--n N] [--runs R] [--data DIR] [--bin DIR] [--scaling]
"""
import argparse, csv, json, os, shutil, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PIPELINE = os.path.join(ROOT, "Pipelines", "bench", "pipeline.yaml")

DUCKDB_QUERY = """
import duckdb, json, sys
con = duckdb.connect()
con.execute("SET threads TO 2")
rows = con.execute('''
  SELECT year(found::DATE) AS y, sector, region, count(*) AS identified,
         count(*) FILTER (WHERE rectified_date IS NOT NULL AND rectified_date <> ''
                          AND rectified_date::DATE <= make_date(year(found::DATE), 12, 31)) AS rectified
  FROM (SELECT found_date AS found, * FROM read_csv(?, header = true, all_varchar = true))
  GROUP BY GROUPING SETS ((y), (y, sector), (y, region))''', [sys.argv[1]]).fetchall()
json.dump([[int(r[0]), r[1] or "", r[2] or "", int(r[3]), int(r[4])] for r in rows], sys.stdout)
"""


def measure(cmd, stdout=subprocess.DEVNULL):
    """Wall seconds and peak RSS (MB) of one process. GNU time execs the command from a small C
    process, so the RSS is the command's own (a forked Python would count its parent's pages)."""
    with tempfile.NamedTemporaryFile("r") as report:
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-o", report.name, "-f", "%M"] + cmd, stdout=stdout, stderr=subprocess.PIPE)
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr.decode()}")
        rss_kb = int(report.read().split()[-1])
    out = proc.stdout.decode() if stdout == subprocess.PIPE else ""
    return wall, rss_kb / 1024, out


def ours(binary, path, work):
    out = os.path.join(work, "ingest")
    shutil.rmtree(out, ignore_errors=True)
    w1, m1, _ = measure([os.path.join(binary, "safety-ingest"), "--pipeline", PIPELINE, "--quiet", "--output", out, path])
    w2, m2, _ = measure([os.path.join(binary, "safety-indicators"), "--pipeline", PIPELINE, "--quiet", "--data", out,
                         "--output", work])
    return w1 + w2, max(m1, m2)


def our_counts(work):
    counts = {}
    with open(os.path.join(work, "indicators.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["indicator"] in ("hazards_identified", "hazards_rectified") and not any(
                    row[k] for k in ("sector_group", "source", "month", "scope", "grade")):
                key = (int(row["period"]), row["sector"], row["region"])
                counts.setdefault(key, [0, 0])[0 if row["indicator"] == "hazards_identified" else 1] = int(row["value"])
    return counts


def ensure_duckdb():
    try:
        import duckdb  # noqa: F401
    except ImportError:
        subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "duckdb"])
    import duckdb
    return duckdb.__version__


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--data", default=os.path.join(ROOT, "bench-data"))
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build", "release"))
    ap.add_argument("--scaling", action="store_true", help="also run 1M and 10M CSV for peak memory")
    args = ap.parse_args()
    version = ensure_duckdb()
    base = os.path.join(args.data, f"hazards-{args.n}")
    if not os.path.exists(base + ".xml"):
        print(f"generating {args.n} records into {args.data} ...", flush=True)
        subprocess.check_call([sys.executable, os.path.join(HERE, "generate.py"), str(args.n), args.data])
    work = tempfile.mkdtemp(prefix="safety-bench-")
    results = []
    for fmt, path in (("CSV", base + ".csv"), ("CSV.gz", base + ".csv.gz"), ("XML", base + ".xml")):
        size_mb = os.path.getsize(path) / 1e6
        mine = [ours(args.bin, path, work) for _ in range(args.runs)]
        counts = our_counts(work)
        if fmt == "XML":
            if not shutil.which("xmllint"):
                sys.exit("xmllint missing: apt-get install libxml2-utils (make bench does this as root)")
            peer_name = "xmllint --stream (parse only)"
            peer = [measure(["xmllint", "--stream", "--noout", path])[:2] for _ in range(args.runs)]
        else:
            peer_name = f"DuckDB {version}, 2 threads"
            peer, peer_counts = [], None
            for _ in range(args.runs):
                wall, rss, out = measure([sys.executable, "-c", DUCKDB_QUERY, path], stdout=subprocess.PIPE)
                peer.append((wall, rss))
                peer_counts = {(y, s, r): [i, k] for y, s, r, i, k in json.loads(out)}
            if peer_counts != counts:
                diff = sorted(set(peer_counts.items()) ^ set((k, tuple(v)) for k, v in counts.items()))[:5]
                sys.exit(f"{fmt}: results differ from DuckDB, e.g. {diff}")
        m_wall = statistics.median(w for w, _ in mine)
        p_wall = statistics.median(w for w, _ in peer)
        results.append(dict(format=fmt, mb=round(size_mb, 1), ours_s=round(m_wall, 2), peer=peer_name, peer_s=round(p_wall, 2),
                            ratio=round(m_wall / p_wall, 2), ours_rss_mb=round(max(m for _, m in mine), 1),
                            peer_rss_mb=round(max(m for _, m in peer), 1), ours_mb_s=round(size_mb / m_wall, 1)))
    print(f"\nN = {args.n:,} hazard records; median of {args.runs} runs; results agree with DuckDB on every (year, sector/region) count\n")
    print(f"| format | input MB | SafetyPipeline s | peer | peer s | ratio | SafetyPipeline peak RSS MB | peer peak RSS MB | SafetyPipeline MB/s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['format']} | {r['mb']} | {r['ours_s']} | {r['peer']} | {r['peer_s']} | {r['ratio']} | {r['ours_rss_mb']} | {r['peer_rss_mb']} | {r['ours_mb_s']} |")
    if args.scaling:
        print("\n| records | CSV MB | SafetyPipeline s | peak RSS MB |\n|---|---|---|---|")
        for n in (1_000_000, 10_000_000):
            path = os.path.join(args.data, f"hazards-{n}.csv")
            if not os.path.exists(path):
                subprocess.check_call([sys.executable, os.path.join(HERE, "generate.py"), str(n), args.data, "--csv-only"])
            wall, rss = ours(args.bin, path, work)
            print(f"| {n:,} | {os.path.getsize(path) / 1e6:.0f} | {wall:.1f} | {rss:.1f} |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
