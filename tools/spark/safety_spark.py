#!/usr/bin/env python3
"""Runs a SafetyPipeline pipeline on Apache Spark with the project's own executables.

The same steps as `make`, spread over a Spark cluster (no scheduler of our own):

  1. one task per export runs `safety-ingest` (OUT/ingest/<export>/) and splits its rows by
     shard of their (source, id) (`safety-package --split N`);
  2. one task per shard runs `safety-package --shard I/N` — the re-export resolution of the
     records whose (source, id) falls in shard I, read from every export's split, so every
     version of a record meets in one task — and `safety-indicators --partial` for each record
     kind on that shard's rows;
  3. the driver runs `safety-package --assemble` (the package, rejects, corrections and summary,
     byte for byte as one run writes them), `safety-merge`, `safety-report` and, with --publish,
     `safety-publish`.

Every figure comes from the executables; Spark only places the work and retries it. A task
attempt writes into a folder of its own (`.attempt-<stage>-<partition>-<attempt>`) and renames
it into place when it has finished, so a killed, failed or speculative duplicate attempt never
leaves a partial or double-counted part: a retry starts from nothing, and the first finished
attempt's folder is the one kept (attempts write the same bytes).

The executables, the pipeline folder, the landing folder and OUT must be at the same paths on
every node (a shared filesystem); see the README's "Running on Spark".

  python3 tools/spark/safety_spark.py --master local[2] --pipeline Pipelines/mingguang/pipeline.yaml \\
      --landing SampleData/mingguang --out out/spark/mingguang --bin .build/release
  spark-submit --master spark://host:7077 tools/spark/safety_spark.py --pipeline … --landing … --out … --bin …
"""
import argparse
import concurrent.futures
import datetime
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time

KINDS = ["accident", "hazard", "enforcement", "inspection", "drill", "hazard_summary"]
# The order `make` writes the reports in: the database first, the rest read its lists.
REPORTS = ["safety.sqlite", "bulletin.md", "bulletin.txt", "bulletin.docx", "indicators.xlsx", "report.html",
           "indicators-excel.csv", "supervision.csv", "listed-hazards.csv", "repeat-offenders.csv"]


def exports_in(landing):
    """Exports anywhere below the landing folder, by their path below it, hidden ones aside — as the Makefile finds them."""
    found = []
    for folder, dirs, files in os.walk(landing, followlinks=True):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if not name.startswith("."):
                found.append(os.path.relpath(os.path.join(folder, name), landing))
    return sorted(found, key=lambda p: p.encode("utf-8"))


def run(command, log_prefix):
    """Runs one executable; its output is returned for the driver's log."""
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return done.returncode, f"{log_prefix}: " + done.stdout.strip()


def attempt_folder(parent, stage):
    from pyspark import TaskContext
    ctx = TaskContext.get()
    tag = f"{stage}-{ctx.partitionId()}-{ctx.attemptNumber()}-{os.getpid()}" if ctx else f"{stage}-{os.getpid()}"
    folder = os.path.join(parent, ".attempt-" + tag)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    return folder


def place(finished, destination):
    """Renames a finished attempt's folder into place; if another attempt got there first, ours goes."""
    os.makedirs(os.path.dirname(destination), exist_ok=True)
    try:
        os.rename(finished, destination)
    except OSError:
        if not os.path.exists(os.path.join(destination, ".done")):
            raise
        shutil.rmtree(finished, ignore_errors=True)


def fault(step):
    """Test hook: SAFETY_SPARK_FAULT=<step> kills this task's first attempt mid-run (the
    executable it started, then the Python worker itself), as a lost executor would."""
    from pyspark import TaskContext
    ctx = TaskContext.get()
    return os.environ.get("SAFETY_SPARK_FAULT") == step and ctx is not None and ctx.attemptNumber() == 0


def ingest_task(args, name):
    destination = os.path.join(args.out, "ingest", name)
    if os.path.exists(os.path.join(destination, ".done")):
        return name, 0, f"{name}: already ingested"
    work = attempt_folder(os.path.join(args.out, "ingest"), "ingest")
    target = os.path.join(work, "result")
    code, text = run([os.path.join(args.bin, "safety-ingest"), "--pipeline", args.pipeline, "--output", target,
                      "--name", name, "--quiet", os.path.join(args.landing, name)], name)
    if code == 0:
        # The rows split by shard here, so each shard task reads its own rows only.
        code, more = run([os.path.join(args.bin, "safety-package"), "--pipeline", args.pipeline, "--split", str(args.shards),
                          "--output", target, "--quiet", target], name + " split")
        text += "\n" + more
    if code == 0:
        open(os.path.join(target, ".done"), "w").close()
        place(target, destination)
    shutil.rmtree(work, ignore_errors=True)
    return name, code, text


def shard_task(args, ingested, index):
    destination = os.path.join(args.out, "shards", str(index))
    if os.path.exists(os.path.join(destination, ".done")):
        return index, 0, f"shard {index}: already resolved"
    work = attempt_folder(os.path.join(args.out, "shards"), "shard")
    target = os.path.join(work, "result")
    command = [os.path.join(args.bin, "safety-package"), "--pipeline", args.pipeline, "--shard", f"{index}/{args.shards}",
               "--output", target, "--quiet"] + ingested
    if fault(f"shard-{index}"):
        open(os.path.join(args.out, ".fault-" + f"shard-{index}"), "w").close()
        child = subprocess.Popen(command)
        time.sleep(0.02)
        child.kill()
        child.wait()
        os.kill(os.getpid(), signal.SIGKILL)
    code, text = run(command, f"shard {index}")
    if code != 0:
        return index, code, text
    for kind in KINDS:
        code, more = run([os.path.join(args.bin, "safety-indicators"), "--pipeline", args.pipeline, "--quiet",
                          "--data", os.path.join(target, "normalized", kind + ".csv"),
                          "--partial", os.path.join(target, "partials", kind + ".json")] + args.period_args, f"shard {index} {kind}")
        text += "\n" + more
        if code != 0:
            return index, code, text
    open(os.path.join(target, ".done"), "w").close()
    place(target, destination)
    shutil.rmtree(work, ignore_errors=True)
    return index, 0, text


def leftovers(folder):
    """Once a stage is over, what killed or losing attempts left is removed (it was never used)."""
    for name in os.listdir(folder) if os.path.isdir(folder) else []:
        if name.startswith(".attempt-"):
            shutil.rmtree(os.path.join(folder, name), ignore_errors=True)


def driver_step(command, what):
    code, text = run(command, what)
    if text.strip() != what + ":":
        print(text, flush=True)
    if code != 0:
        sys.exit(f"spark {what}: failed with status {code}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--master", help="Spark master (local[2], spark://host:7077, yarn); default: spark-submit's")
    parser.add_argument("--pipeline", required=True)
    parser.add_argument("--landing", required=True, help="the landing folder (every node sees it at this path)")
    parser.add_argument("--out", required=True, help="the output folder (shared by every node)")
    parser.add_argument("--bin", required=True, help="the folder holding the safety-* executables (on every node)")
    parser.add_argument("--shards", type=int, default=0, help="re-export shards (default: 2 per core the cluster offers)")
    parser.add_argument("--period", default="", help="one period, as make's PERIOD (results in OUT/periods/PERIOD)")
    parser.add_argument("--publish", action="store_true", help="publish to OUT/current with safety-publish, as the nightly run does")
    args = parser.parse_args()
    for name in ("pipeline", "landing", "out", "bin"):
        setattr(args, name, os.path.abspath(getattr(args, name)))
    args.period_args = ["--period", args.period] if args.period else []
    os.makedirs(args.out, exist_ok=True)
    if args.publish:
        # One run at a time, the nightly run's lock (exit 75 as tools/nightly.sh).
        lock = open(os.path.join(args.out, ".nightly.lock"), "w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"spark: another run holds {args.out}/.nightly.lock; not starting (exit 75)", file=sys.stderr)
            sys.exit(75)
        driver_step([os.path.join(args.bin, "safety-publish"), "--pipeline", args.pipeline, "--output", args.out, "--sweep", "--quiet"],
                    "safety-publish --sweep")
    # Each run starts from nothing: a part left by an earlier run is never mistaken for this one's.
    for part in ("ingest", "shards"):
        shutil.rmtree(os.path.join(args.out, part), ignore_errors=True)

    from pyspark.sql import SparkSession
    builder = SparkSession.builder.appName("safety-pipeline " + os.path.basename(os.path.dirname(args.pipeline)))
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    sc = spark.sparkContext
    started = time.time()
    try:
        exports = exports_in(args.landing)
        if not exports:
            sys.exit(f"spark: no exports in {args.landing}")
        shards = args.shards or max(2, 2 * sc.defaultParallelism)
        args.shards = shards
        # 1. One task per export.
        results = sc.parallelize(exports, len(exports)).map(lambda name: ingest_task(args, name)).collect()
        failed = [r for r in results if r[1] != 0]
        for name, code, text in results:
            if code != 0:
                print(text, file=sys.stderr)
        if failed:
            sys.exit(f"spark: {len(failed)} of {len(exports)} exports failed their ingest (first: {failed[0][0]}, status {failed[0][1]})")
        ingested = [os.path.join(args.out, "ingest", name) for name in exports]
        leftovers(os.path.join(args.out, "ingest"))
        ingest_done = time.time()
        # 2. One task per shard of the (source, id) keys.
        shutil.rmtree(os.path.join(args.out, "shards"), ignore_errors=True)
        results = sc.parallelize(range(shards), shards).map(lambda i: shard_task(args, ingested, i)).collect()
        leftovers(os.path.join(args.out, "shards"))
        failed = [r for r in results if r[1] != 0]
        if failed:
            print(failed[0][2], file=sys.stderr)
            sys.exit(f"spark: shard {failed[0][0]} failed with status {failed[0][1]}")
        shards_done = time.time()
    finally:
        spark.stop()
    # 3. The driver: assemble, merge, report, publish.
    assembling = time.time()
    folders = [os.path.join(args.out, "shards", str(i)) for i in range(shards)]
    results_dir = os.path.join(args.out, "periods", args.period) if args.period else args.out
    driver_step([os.path.join(args.bin, "safety-package"), "--pipeline", args.pipeline, "--output", args.out, "--quiet"]
                + [a for f in folders for a in ("--assemble", f)] + ingested, "safety-package --assemble")
    assembled = time.time()
    partials = [os.path.join(f, "partials", k + ".json") for f in folders for k in KINDS]
    driver_step([os.path.join(args.bin, "safety-merge"), "--pipeline", args.pipeline, "--output", results_dir, "--quiet"] + partials,
                "safety-merge")
    database = os.path.join(results_dir, "safety.sqlite")

    def report(name):
        extra = ["--normalized", os.path.join(args.out, "normalized")] if name == "safety.sqlite" else ["--database", database]
        driver_step([os.path.join(args.bin, "safety-report"), "--pipeline", args.pipeline, "--quiet",
                     "--indicators", os.path.join(results_dir, "indicators.csv"), "--output", os.path.join(results_dir, name)]
                    + args.period_args + extra, "safety-report " + name)
    # The database first; the others read it, side by side on the driver's cores (as make -j does).
    report(REPORTS[0])
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for done in [pool.submit(report, name) for name in REPORTS[1:]]:
            done.result()
    if args.publish:
        run_id = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
        driver_step([os.path.join(args.bin, "safety-publish"), "--pipeline", args.pipeline, "--output", args.out,
                     "--data", args.landing, "--run-id", run_id, "--started-at", str(int(started))], "safety-publish")
    print(f"spark: {len(exports)} exports, {shards} shards, outputs in {results_dir} ({time.time() - started:.1f} s; stages: "
          f"ingest {ingest_done - started:.1f} s, shards {shards_done - ingest_done:.1f} s, driver {time.time() - shards_done:.1f} s "
          f"of which assembly {assembled - assembling:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
