#!/usr/bin/env python3
"""The Spark driver beside `make -j2` on the same exports (BENCHMARKS.md, "Spark").

For each workload: `make -j2 all` (the nightly path with its reports) and the Spark driver in
local[2] (the same executables as Spark tasks, then assemble, merge and reports on the driver),
each timed as a whole, and
the driver's own stage times; peak RSS per process (sampled from /proc every 0.1 s over the
command's process tree: the largest safety-* executable, the Spark JVM, the PySpark processes).
Every output the Spark test compares must be byte-identical to
make's, or nothing is printed.

Usage: bench_spark.py --bin DIR [--n N ...] [--data DIR]
"""
import argparse
import filecmp
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from test_spark import COMPARED  # noqa: E402


def group(comm):
    if comm == "java":
        return "JVM"
    if comm.startswith("python"):
        return "Python"
    if comm.startswith("safety-"):
        return "executables"
    return None


def tree_peaks(root, stop, peaks):
    """Samples /proc every 0.1 s: per process group (JVM, Python, the safety-* executables), the
    largest RSS any one process of the command's tree reached."""
    while not stop.is_set():
        procs = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    head, tail = f.read().rsplit(")", 1)
                fields = tail.split()
                procs[int(entry)] = (int(fields[1]), int(fields[21]) * os.sysconf("SC_PAGE_SIZE"), head.split("(", 1)[1])
            except (OSError, ValueError, IndexError):
                continue
        tree, grown = {root}, True
        while grown:
            grown = False
            for pid, (ppid, _, _) in procs.items():
                if ppid in tree and pid not in tree:
                    tree.add(pid)
                    grown = True
        for pid in tree:
            if pid in procs and (name := group(procs[pid][2])):
                peaks[name] = max(peaks.get(name, 0), procs[pid][1] / (1 << 20))
        time.sleep(0.1)


def timed(command, env=None):
    """Wall seconds, the peak RSS (MB) per process group, and the command's output."""
    started = time.time()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, **(env or {})})
    stop, peaks = threading.Event(), {}
    sampler = threading.Thread(target=tree_peaks, args=(process.pid, stop, peaks))
    sampler.start()
    output = process.communicate()[0]
    wall = time.time() - started
    stop.set()
    sampler.join()
    if process.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{output[-4000:]}")
    return wall, peaks, output


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--n", type=int, action="append", help="records of the CSV workload (repeatable; default 2000000)")
    ap.add_argument("--reexport-n", type=int, default=0, help="also the re-export workload with this many ids")
    ap.add_argument("--data", default=os.path.join(ROOT, "bench-data"))
    args = ap.parse_args()
    binary = os.path.abspath(args.bin)
    workloads = []
    for n in args.n or [2_000_000]:
        folder = os.path.join(args.data, f"csv-{n}")
        if not os.path.exists(os.path.join(folder, f"hazards-{n}.csv")):
            subprocess.check_call([sys.executable, os.path.join(ROOT, "tools", "bench", "generate.py"), str(n), folder, "--csv-only"])
        workloads.append((f"CSV, {n:,} records (one export)", folder))
    if args.reexport_n:
        folder = os.path.join(args.data, f"reexport-{args.reexport_n}")
        if not os.path.exists(os.path.join(folder, "reexport-20210105.csv")):
            subprocess.check_call([sys.executable, os.path.join(ROOT, "tools", "bench", "generate.py"), str(args.reexport_n), folder, "--reexports"])
        workloads.append((f"re-export, {args.reexport_n:,} ids in 12 exports", folder))
    print("| workload | make -j2 all: wall s | peak RSS MB (one executable) | Spark local[2]: wall s "
          "| peak RSS MB: executables / Spark JVM / PySpark | Spark stages: ingest / shards / driver s | Spark ÷ make |")
    print("|---|---|---|---|---|---|---|")
    for name, data in workloads:
        work = tempfile.mkdtemp(prefix="safety-spark-bench-", dir=os.path.dirname(os.path.abspath(args.data)))
        try:
            make_out, spark_out = os.path.join(work, "make"), os.path.join(work, "spark")
            make_wall, make_rss, _ = timed(["make", "-C", ROOT, "-j2", "--no-print-directory", "BUILD=no", f"BIN={binary}",
                                            "PIPELINE=bench", f"DATA={data}", f"OUT={make_out}", "all"])
            spark_wall, spark_rss, log = timed([sys.executable, os.path.join(HERE, "safety_spark.py"), "--master", "local[2]",
                                                "--pipeline", os.path.join(ROOT, "Pipelines", "bench", "pipeline.yaml"),
                                                "--landing", data, "--out", spark_out, "--bin", binary])
            differing = [f for f in COMPARED if os.path.exists(os.path.join(make_out, f))
                         and not filecmp.cmp(os.path.join(make_out, f), os.path.join(spark_out, f), shallow=False)]
            if differing:
                sys.exit(f"{name}: Spark's outputs differ from make's: {differing}")
            stages = re.search(r"stages: ingest ([\d.]+) s, shards ([\d.]+) s, driver ([\d.]+) s", log)
            stage_text = " / ".join(stages.groups()) if stages else "?"
            rss = " / ".join(f"{spark_rss.get(k, 0):.0f}" for k in ("executables", "JVM", "Python"))
            print(f"| {name} | {make_wall:.1f} | {make_rss.get('executables', 0):.0f} | {spark_wall:.1f} | {rss} | {stage_text} "
                  f"| {spark_wall / make_wall:.2f}× |", flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
