#!/usr/bin/env python3
"""Side-by-side benchmark of the whole nightly path against DuckDB, polars and xmllint.

SafetyPipeline runs exactly as a nightly run does: `make -j2 indicators` over a data folder
(content hashes -> safety-ingest per export -> safety-package -> safety-indicators --partial per
record kind -> safety-merge), then the reports on their own line. The Makefile's STEP_TIMER runs
every step under GNU time, so each step's wall and peak RSS come from the same run as the total.

Peers on the same files in the same run (medians of RUNS paired runs):
  DuckDB plain      read_csv + GROUP BY GROUPING SETS, the figures alone
  DuckDB same job   read every field as text, type and validate it against the code lists, write
                    the rejects and the normalised rows with provenance (file, row) as CSV, resolve
                    re-exports with a window over (source, id) by export date, count
  polars            scan_csv + group_by (where polars is installed)
  xmllint           `xmllint --stream --noout` for the XML export (parse only)

Results must agree with every peer on every count (hazards identified and rectified per year,
(year, sector) and (year, region)) or no table is printed.

Usage: run.py [--n N] [--reexport-n N] [--runs R] [--data DIR] [--bin DIR] [--scaling]
"""
import argparse, csv, glob, json, os, shutil, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PIPELINE_DIR = os.path.join(ROOT, "Pipelines", "bench")
REPORTS = ("indicators.xlsx", "report.html", "indicators-excel.csv", "safety.sqlite")
STEPS = ("update-hash", "safety-ingest", "safety-package", "safety-indicators", "safety-merge")

# Counts by GROUPING SETS ((y), (y, sector), (y, region)); the same figures as indicators.csv's
# hazards_identified / hazards_rectified (rectified by the end of the year found).
DUCKDB_PLAIN = """
import duckdb, json, sys
con = duckdb.connect()
con.execute("SET threads TO 2")
con.execute("SET enable_progress_bar = false")
rows = con.execute('''
  SELECT year(found_date::DATE) AS y, sector, region, count(*) AS identified,
         count(*) FILTER (WHERE rectified_date IS NOT NULL AND rectified_date <> ''
                          AND rectified_date::DATE <= make_date(year(found_date::DATE), 12, 31)) AS rectified
  FROM read_csv(?, header = true, all_varchar = true)
  GROUP BY GROUPING SETS ((y), (y, sector), (y, region))''', [sys.argv[1]]).fetchall()
json.dump([[int(r[0]), r[1] or "", r[2] or "", int(r[3]), int(r[4])] for r in rows], sys.stdout)
"""

# The same job as the nightly path, in DuckDB: argv = files..., work dir, regions, sectors.
DUCKDB_SAME_JOB = r"""
import duckdb, json, os, sys
files, work, regions, sectors = json.loads(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
con = duckdb.connect()
con.execute("SET threads TO 2")
con.execute("SET enable_progress_bar = false")
con.execute("CREATE TEMP TABLE regions AS SELECT unnest(?) AS name", [regions])
con.execute("CREATE TEMP TABLE sectors AS SELECT unnest(?) AS name", [sectors])
# Read as text with the file name; the export date from the file name where it has one.
con.execute('''
  CREATE TEMP TABLE typed AS
  SELECT filename AS source_file,
         row_number() OVER (PARTITION BY filename) + 1 AS line,
         coalesce(try_strptime(regexp_extract(filename, '-(\d{8})\.csv', 1), '%Y%m%d')::DATE, DATE '2021-01-05') AS export_date,
         trim(id) AS id, trim(found_date) AS found_text, TRY_CAST(trim(found_date) AS DATE) AS found_date,
         trim(region) AS region, trim(sector) AS sector, trim(enterprise) AS enterprise, trim(level) AS level,
         trim(rectified_date) AS rectified_text, TRY_CAST(trim(rectified_date) AS DATE) AS rectified_date,
         trim(deadline) AS deadline_text, TRY_CAST(trim(deadline) AS DATE) AS deadline,
         CASE WHEN id IS NULL OR trim(id) = '' THEN 'id:missing'
              WHEN TRY_CAST(trim(found_date) AS DATE) IS NULL THEN 'found_date:invalid_date'
              WHEN trim(region) NOT IN (SELECT name FROM regions) THEN 'region:unknown_code'
              WHEN trim(sector) NOT IN (SELECT name FROM sectors) THEN 'sector:unknown_code'
              WHEN coalesce(trim(level), '') NOT IN ('一般', '重大') THEN 'level:unknown_code'
              WHEN coalesce(trim(rectified_date), '') <> '' AND TRY_CAST(trim(rectified_date) AS DATE) IS NULL
                   THEN 'rectified_date:invalid_date'
              WHEN coalesce(trim(deadline), '') <> '' AND TRY_CAST(trim(deadline) AS DATE) IS NULL
                   THEN 'deadline:invalid_date'
         END AS reject
  FROM read_csv(?, header = true, all_varchar = true, filename = true)''', [files])
con.execute(f'''COPY (SELECT source_file, line, reject FROM typed WHERE reject IS NOT NULL)
                TO '{work}/rejects.csv' (HEADER)''')
con.execute(f'''COPY (SELECT 'hazard' AS kind, id, '基准' AS source, found_date, region, sector, enterprise, level,
                             rectified_date, deadline, '否' AS listed, export_date, source_file, line
                      FROM typed WHERE reject IS NULL) TO '{work}/hazard.csv' (HEADER)''')
rows = con.execute('''
  WITH resolved AS (
    SELECT * FROM typed WHERE reject IS NULL
    QUALIFY row_number() OVER (PARTITION BY id ORDER BY export_date DESC, source_file DESC, line DESC) = 1)
  SELECT year(found_date) AS y, sector, region, count(*) AS identified,
         count(*) FILTER (WHERE rectified_date <= make_date(year(found_date), 12, 31)) AS rectified
  FROM resolved GROUP BY GROUPING SETS ((y), (y, sector), (y, region))''').fetchall()
json.dump([[int(r[0]), r[1] or "", r[2] or "", int(r[3]), int(r[4])] for r in rows], sys.stdout)
"""

POLARS_PLAIN = """
import json, sys, polars as pl
lf = pl.scan_csv(sys.argv[1], infer_schema=False).with_columns(
    y=pl.col("found_date").str.to_date().dt.year(),
    rect=pl.col("rectified_date").str.to_date(strict=False))
lf = lf.with_columns(done=(pl.col("rect") <= pl.date(pl.col("y"), 12, 31)).fill_null(False))
out = []
for keys in (["y"], ["y", "sector"], ["y", "region"]):
    df = lf.group_by(keys).agg(pl.len().alias("i"), pl.col("done").sum().alias("r")).collect()
    for row in df.iter_rows(named=True):
        out.append([row["y"], row.get("sector", ""), row.get("region", ""), row["i"], row["r"]])
json.dump(out, sys.stdout)
"""


def measure(cmd, stdout=subprocess.DEVNULL, env=None):
    """Wall seconds and peak RSS (MB) of one process. GNU time execs the command from a small C
    process, so the RSS is the command's own (a forked Python would count its parent's pages)."""
    with tempfile.NamedTemporaryFile("r") as report:
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-o", report.name, "-f", "%M"] + cmd, stdout=stdout,
                              stderr=subprocess.PIPE, env=env)
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr.decode()[-3000:]}")
        rss_kb = int(report.read().split()[-1])
    out = proc.stdout.decode() if stdout == subprocess.PIPE else ""
    return wall, rss_kb / 1024, out


def run_make(targets, data, out, binary, steplog):
    """`make -j2 TARGETS` for the bench pipeline; each step appends `wall rss command` to steplog."""
    timer = f"/usr/bin/time -a -o {steplog} -f %e\\ %M\\ %C"
    cmd = ["make", "-C", ROOT, "-j2", "--no-print-directory", *targets, "PIPELINE=bench", f"DATA={data}", f"OUT={out}",
           f"BIN={binary}", "BUILD=no", f"STEP_TIMER={timer}"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr.decode()[-3000:]}")
    return wall


def read_steps(steplog):
    """{step: (summed wall, peak RSS MB, processes)} from the STEP_TIMER log."""
    steps = {}
    with open(steplog) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3 or not parts[0].replace(".", "").isdigit():
                continue
            name = next((s for s in STEPS + ("safety-report",) if os.path.basename(parts[2]) == s), os.path.basename(parts[2]))
            wall, rss, n = steps.get(name, (0.0, 0.0, 0))
            steps[name] = (wall + float(parts[0]), max(rss, int(parts[1]) / 1024), n + 1)
    return steps


def ours(binary, data, work):
    """One whole nightly path: (total wall, {step: (wall, rss, n)}, reports wall, reports rss)."""
    out = os.path.join(work, "out")
    shutil.rmtree(out, ignore_errors=True)
    steplog = os.path.join(work, "steps.log")
    open(steplog, "w").close()
    total = run_make(["indicators"], data, out, binary, steplog)
    steps = read_steps(steplog)
    open(steplog, "w").close()
    # Every report but the bulletin (the bench pipeline has no bulletin templates).
    reports = run_make([os.path.join(out, f) for f in REPORTS], data, out, binary, steplog)
    report_rss = max((rss for _, rss, _ in read_steps(steplog).values()), default=0.0)
    return total, steps, reports, report_rss, out


def our_counts(out):
    counts = {}
    with open(os.path.join(out, "indicators.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["indicator"] in ("hazards_identified", "hazards_rectified") and row["value"] != "" and not any(
                    row[k] for k in ("sector_group", "source", "month", "scope", "grade")):
                key = (int(row["period"]), row["sector"], row["region"])
                counts.setdefault(key, [0, 0])[0 if row["indicator"] == "hazards_identified" else 1] = int(row["value"])
    return {k: tuple(v) for k, v in counts.items() if v != [0, 0]}


def peer_counts(out):
    return {(y, s, r): (i, k) for y, s, r, i, k in json.loads(out) if (i, k) != (0, 0)}


def code_list(name):
    import re
    text = open(os.path.join(PIPELINE_DIR, "pipeline.yaml"), encoding="utf-8").read()
    block = text.split(f"\n{name}:\n", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"\{name: ([^}]+)\}", block)


def ensure(module):
    """The peer's version, installed from PyPI when missing (DuckDB must be there; polars when it can be)."""
    try:
        return __import__(module).__version__
    except ImportError:
        install = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", module])
        if install.returncode != 0:
            if module == "duckdb":
                sys.exit("bench needs DuckDB: pip install duckdb")
            return None
        return __import__(module).__version__


def workload_data(work, name, files):
    """A data folder holding links to the workload's exports (the Makefile reads every file in DATA)."""
    data = os.path.join(work, "data-" + name.replace(".", "-"))
    shutil.rmtree(data, ignore_errors=True)
    os.makedirs(data)
    for path in files:
        os.symlink(os.path.abspath(path), os.path.join(data, os.path.basename(path)))
    return data


def fmt_s(x):
    return f"{x:.2f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2_000_000)
    ap.add_argument("--reexport-n", type=int, default=1_000_000, help="distinct ids of the re-export workload")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--data", default=os.path.join(ROOT, "bench-data"))
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build", "release"))
    ap.add_argument("--only", default="", help="comma-separated workloads (CSV,CSV.gz,XML,re-export)")
    ap.add_argument("--scaling", action="store_true", help="also run 1M and 10M CSV for peak memory")
    args = ap.parse_args()
    binary = os.path.abspath(args.bin)
    duckdb_version, polars_version = ensure("duckdb"), ensure("polars")
    base = os.path.join(args.data, f"hazards-{args.n}")
    if not os.path.exists(base + ".xml"):
        print(f"generating {args.n} records into {args.data} ...", flush=True)
        subprocess.check_call([sys.executable, os.path.join(HERE, "generate.py"), str(args.n), args.data])
    re_dir = os.path.join(args.data, f"reexport-{args.reexport_n}")
    if not os.path.exists(os.path.join(re_dir, "reexport-20210105.csv")):
        print(f"generating the re-export workload ({args.reexport_n} ids) into {re_dir} ...", flush=True)
        subprocess.check_call([sys.executable, os.path.join(HERE, "generate.py"), str(args.reexport_n), re_dir, "--reexports"])
    regions, sectors = json.dumps(code_list("regions"), ensure_ascii=False), json.dumps(code_list("sectors"), ensure_ascii=False)
    work = tempfile.mkdtemp(prefix="safety-bench-")
    workloads = [("CSV", [base + ".csv"]), ("CSV.gz", [base + ".csv.gz"]), ("XML", [base + ".xml"]),
                 ("re-export", sorted(glob.glob(os.path.join(re_dir, "reexport-*.csv"))))]
    if args.only:
        workloads = [w for w in workloads if w[0] in args.only.split(",")]
    tables = []
    for name, files in workloads:
        data = workload_data(work, name, files)
        size_mb = sum(os.path.getsize(p) for p in files) / 1e6
        runs = []          # per paired run: {"ours": ..., peer: wall, ...}
        rss = {}
        step_runs = []
        counts = None
        for r in range(args.runs):
            print(f"{name}: run {r + 1}/{args.runs}", file=sys.stderr, flush=True)
            total, steps, reports, report_rss, out = ours(binary, data, work)
            counts = our_counts(out)
            row = {"ours": total, "reports": reports}
            step_runs.append(steps)
            rss["ours"] = max(rss.get("ours", 0), max(m for _, m, _ in steps.values()))
            rss["reports"] = max(rss.get("reports", 0), report_rss)
            peers = []
            if name == "XML":
                peers.append(("xmllint --stream --noout", ["xmllint", "--stream", "--noout", files[0]], False))
            else:
                if name != "re-export":
                    peers.append((f"DuckDB {duckdb_version} plain query", [sys.executable, "-c", DUCKDB_PLAIN, files[0]], True))
                    if polars_version:
                        peers.append((f"polars {polars_version} plain query", [sys.executable, "-c", POLARS_PLAIN, files[0]], True))
                job = os.path.join(work, "duckdb-job")
                shutil.rmtree(job, ignore_errors=True)
                os.makedirs(job)
                peers.append((f"DuckDB {duckdb_version} same job",
                               [sys.executable, "-c", DUCKDB_SAME_JOB, json.dumps(files), job, regions, sectors], True))
            for peer, cmd, compare in peers:
                wall, peak, text = measure(cmd, stdout=subprocess.PIPE)
                row[peer] = wall
                rss[peer] = max(rss.get(peer, 0), peak)
                if compare and peer_counts(text) != counts:
                    theirs = peer_counts(text)
                    diff = sorted(set(theirs.items()) ^ set(counts.items()))[:6]
                    sys.exit(f"{name}: SafetyPipeline and {peer} disagree, no table printed; e.g. {diff}")
            runs.append(row)
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        step_med = {s: (statistics.median(sr[s][0] for sr in step_runs), max(sr[s][1] for sr in step_runs), step_runs[0][s][2])
                    for s in step_runs[0]}
        tables.append((name, size_mb, med, rss, step_med, len(counts)))
        shutil.rmtree(os.path.join(work, "out"), ignore_errors=True)

    print(f"\nN = {args.n:,} hazard records (re-export workload: {args.reexport_n:,} ids in 12 monthly exports); "
          f"median of {args.runs} paired runs; every count agrees with every peer\n")
    for name, size_mb, med, rss, steps, ncounts in tables:
        print(f"### {name} ({size_mb:.1f} MB input, {ncounts} (year, sector/region) counts compared)\n")
        print("| what | wall s | peak RSS MB | ratio to SafetyPipeline whole path |")
        print("|---|---|---|---|")
        for step in STEPS:
            if step in steps:
                w, m, n = steps[step]
                label = f"{step}" + (f" ({n} processes, wall summed)" if n > 1 else "")
                print(f"| &nbsp;&nbsp;{label} | {fmt_s(w)} | {m:.1f} | |")
        print(f"| **SafetyPipeline whole path** (`make -j2 indicators`) | **{fmt_s(med['ours'])}** | **{rss['ours']:.1f}** | 1.00 |")
        print(f"| SafetyPipeline reports (workbook, HTML, Excel CSV, SQLite; on their own) | {fmt_s(med['reports'])} | {rss['reports']:.1f} | |")
        for peer in med:
            if peer in ("ours", "reports"):
                continue
            print(f"| {peer} | {fmt_s(med[peer])} | {rss[peer]:.1f} | ours = **{med['ours'] / med[peer]:.2f}×** |")
        if "safety-ingest" in steps and name == "XML":
            print(f"| ingest alone vs xmllint | | | **{steps['safety-ingest'][0] / med['xmllint --stream --noout']:.2f}×** |")
        print()
    if args.scaling:
        print("### Scaling (CSV, whole path, one run each)\n")
        print("| records | CSV MB | whole path s | " + " | ".join(f"{s} peak MB" for s in STEPS) + " |")
        print("|---|---|---|" + "---|" * len(STEPS))
        for n in (1_000_000, 10_000_000):
            path = os.path.join(args.data, f"hazards-{n}.csv")
            if not os.path.exists(path):
                subprocess.check_call([sys.executable, os.path.join(HERE, "generate.py"), str(n), args.data, "--csv-only"])
            data = workload_data(work, f"scaling-{n}", [path])
            out = os.path.join(work, "out")
            shutil.rmtree(out, ignore_errors=True)
            steplog = os.path.join(work, "steps.log")
            open(steplog, "w").close()
            wall = run_make(["indicators"], data, out, binary, steplog)
            steps = read_steps(steplog)
            print(f"| {n:,} | {os.path.getsize(path) / 1e6:.0f} | {wall:.1f} | "
                  + " | ".join(f"{steps[s][1]:.1f}" if s in steps else "" for s in STEPS) + " |")
            shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
