#!/usr/bin/env python3
"""`make spark-test`: the Spark driver gives make's bytes.

Each case runs `make` and the Spark driver (tools/spark/safety_spark.py) over the same exports
into separate folders and requires the outputs to be byte-identical:

  sample       the sample pipeline through `make spark`, master local[2]
  reexport     a generated re-export workload (twelve cumulative monthly exports of one year,
               tools/bench/generate.py --reexports), local[2], 7 shards
  standalone   on a standalone Spark cluster started on this machine (a master and two workers
               of one core each): the sample, published to OUT/current as the nightly run does,
               and the re-export workload
  lock         a run that would publish while another holds OUT/.nightly.lock does not start (75)
  killed       the sample, local[2,4] (four attempts a task), with the first attempt of shard
               1's task killed mid-run (its safety-package, then the Python worker itself):
               Spark retries it, and the bytes are the same

Usage: test_spark.py --bin DIR [--case NAME ...] [--keep]
"""
import argparse
import filecmp
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
COMPARED = ["indicators.csv", "indicators.json", "rejects.csv", "corrections.csv", "ingest-summary.csv", "bulletin.md",
            "bulletin.txt", "bulletin.docx", "indicators.xlsx", "report.html", "supervision.csv", "listed-hazards.csv",
            "repeat-offenders.csv", "normalized/datapackage.json", "normalized/coverage.csv"] + \
           [f"normalized/{k}.csv" for k in ["accident", "hazard", "enforcement", "inspection", "drill", "hazard_summary"]]


def make(binary, pipeline, data, out):
    done = subprocess.run(["make", "-C", ROOT, "-j2", "--no-print-directory", "BUILD=no", f"BIN={binary}", f"PIPELINE={pipeline}",
                           f"DATA={data}", f"OUT={out}", "all"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        sys.exit(f"make failed:\n{done.stdout[-3000:]}")


def spark(binary, pipeline, data, out, master, shards=0, env=None, via_make=False, publish=False):
    command = [sys.executable, os.path.join(HERE, "safety_spark.py"), "--master", master, "--pipeline",
               os.path.join(ROOT, "Pipelines", pipeline, "pipeline.yaml"), "--landing", data, "--out", out, "--bin", binary]
    if shards:
        command += ["--shards", str(shards)]
    if publish:
        command += ["--publish"]
    if via_make:
        command = ["make", "-C", ROOT, "--no-print-directory", "spark", "BUILD=no", f"BIN={binary}", f"PIPELINE={pipeline}",
                   f"LANDING={data}", f"OUT={out}", f"MASTER={master}", f"SHARDS={shards}"]
    started = time.time()
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, **(env or {})})
    if done.returncode != 0:
        sys.exit(f"spark ({master}) failed:\n{done.stdout[-5000:]}")
    return done.stdout, time.time() - started


def compare(expected, actual, what):
    differing = [f for f in COMPARED
                 if os.path.exists(os.path.join(expected, f)) != os.path.exists(os.path.join(actual, f))
                 or (os.path.exists(os.path.join(expected, f)) and not filecmp.cmp(os.path.join(expected, f), os.path.join(actual, f), shallow=False))]
    missing = [f for f in COMPARED[:6] if not os.path.exists(os.path.join(expected, f))]
    if missing:
        sys.exit(f"{what}: make wrote no {missing}")
    if differing:
        sys.exit(f"{what}: Spark's outputs differ from make's: {differing}")
    left = [os.path.join(folder, name) for folder in ("ingest", "shards") if os.path.isdir(os.path.join(actual, folder))
            for name in os.listdir(os.path.join(actual, folder)) if name.startswith(".attempt-")]
    if left:
        sys.exit(f"{what}: attempts left behind: {left}")
    print(f"ok  {what}: {len(COMPARED)} outputs byte-identical to make's", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Standalone:
    """A Spark master and two one-core workers on this machine (spark-class, as sbin's scripts run them)."""

    def __init__(self, work):
        import pyspark
        self.spark_class = os.path.join(os.path.dirname(pyspark.__file__), "bin", "spark-class")
        self.work, self.port, self.processes = work, free_port(), []
        self.url = f"spark://127.0.0.1:{self.port}"

    def start(self):
        env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_NO_DAEMONIZE": "1"}
        log = open(os.path.join(self.work, "master.log"), "w")
        self.processes.append(subprocess.Popen([self.spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                                                "--port", str(self.port), "--webui-port", str(free_port())],
                                               stdout=log, stderr=subprocess.STDOUT, env=env))
        self.wait_for("master.log", "I have been elected leader", 1)
        for i in range(2):
            folder = os.path.join(self.work, f"worker-{i}")
            os.makedirs(folder)
            log = open(os.path.join(self.work, f"worker-{i}.log"), "w")
            self.processes.append(subprocess.Popen([self.spark_class, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                                                    "--cores", "1", "--memory", "1g", "--webui-port", str(free_port()),
                                                    "--work-dir", folder, self.url], stdout=log, stderr=subprocess.STDOUT, env=env))
        self.wait_for("master.log", "Registering worker", 2)

    def wait_for(self, log, text, count, seconds=120):
        deadline = time.time() + seconds
        while time.time() < deadline:
            with open(os.path.join(self.work, log), errors="replace") as f:
                if f.read().count(text) >= count:
                    return
            if any(p.poll() is not None for p in self.processes):
                break
            time.sleep(0.5)
        with open(os.path.join(self.work, log), errors="replace") as f:
            sys.exit(f"standalone cluster did not start ({text!r} x{count}):\n{f.read()[-3000:]}")

    def stop(self):
        for p in self.processes:
            p.terminate()
        for p in self.processes:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--case", action="append", choices=["sample", "reexport", "standalone", "killed", "lock"])
    ap.add_argument("--reexport-n", type=int, default=20000)
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args()
    binary = os.path.abspath(args.bin)
    cases = args.case or ["sample", "reexport", "standalone", "killed", "lock"]
    work = tempfile.mkdtemp(prefix="safety-spark-test-")
    sample = os.path.join(ROOT, "SampleData", "mingguang")
    try:
        if {"sample", "standalone", "killed"} & set(cases):
            make(binary, "mingguang", sample, os.path.join(work, "make-sample"))
        if "sample" in cases:
            _, seconds = spark(binary, "mingguang", sample, os.path.join(work, "spark-sample"), "local[2]", via_make=True)
            compare(os.path.join(work, "make-sample"), os.path.join(work, "spark-sample"), f"sample, local[2] ({seconds:.0f} s)")
        data = os.path.join(work, "reexport-data")
        if {"reexport", "standalone"} & set(cases):
            subprocess.check_call([sys.executable, os.path.join(ROOT, "tools", "bench", "generate.py"), str(args.reexport_n), data, "--reexports"])
            make(binary, "bench", data, os.path.join(work, "make-reexport"))
        if "reexport" in cases:
            _, seconds = spark(binary, "bench", data, os.path.join(work, "spark-reexport"), "local[2]", shards=7)
            compare(os.path.join(work, "make-reexport"), os.path.join(work, "spark-reexport"),
                    f"re-export workload ({args.reexport_n} ids in 12 exports), local[2], 7 shards ({seconds:.0f} s)")
            if os.path.getsize(os.path.join(work, "make-reexport", "corrections.csv")) < 1000:
                sys.exit("the re-export workload gave no corrections to compare")
        if "standalone" in cases:
            cluster = Standalone(work)
            try:
                cluster.start()
                _, seconds = spark(binary, "mingguang", sample, os.path.join(work, "spark-standalone"), cluster.url, publish=True)
                _, reexport_seconds = spark(binary, "bench", data, os.path.join(work, "spark-standalone-reexport"), cluster.url, shards=5)
            finally:
                cluster.stop()
            compare(os.path.join(work, "make-sample"), os.path.join(work, "spark-standalone"),
                    f"sample, standalone master and two workers ({seconds:.0f} s)")
            compare(os.path.join(work, "make-sample"), os.path.join(work, "spark-standalone", "current"), "the publication in current/")
            compare(os.path.join(work, "make-reexport"), os.path.join(work, "spark-standalone-reexport"),
                    f"re-export workload, standalone master and two workers, 5 shards ({reexport_seconds:.0f} s)")
        if "killed" in cases:
            out = os.path.join(work, "spark-killed")
            log, seconds = spark(binary, "mingguang", sample, out, "local[2,4]", env={"SAFETY_SPARK_FAULT": "shard-1"})
            if not os.path.exists(os.path.join(out, ".fault-shard-1")):
                sys.exit("the fault was not injected")
            # Spark lost shard 1's first attempt (partition 1, attempt 0, of the shard stage) and retried it.
            if not re.search(r"Lost task 1\.0 in stage \d+\.0 .*Python worker exited unexpectedly", log):
                sys.exit(f"Spark did not report the killed attempt:\n{log[-3000:]}")
            compare(os.path.join(work, "make-sample"), out, f"sample, shard 1's first attempt killed mid-run, retried ({seconds:.0f} s)")
        if "lock" in cases:
            import fcntl
            out = os.path.join(work, "spark-locked")
            os.makedirs(out)
            with open(os.path.join(out, ".nightly.lock"), "w") as held:
                fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
                done = subprocess.run([sys.executable, os.path.join(HERE, "safety_spark.py"), "--master", "local[2]", "--pipeline",
                                       os.path.join(ROOT, "Pipelines", "mingguang", "pipeline.yaml"), "--landing", sample, "--out", out,
                                       "--bin", binary, "--publish"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if done.returncode != 75 or os.path.exists(os.path.join(out, "ingest")):
                sys.exit(f"a second run must not start while the lock is held (status {done.returncode}):\n{done.stdout[-2000:]}")
            print("ok  a publishing run does not start while another holds the lock (exit 75)", flush=True)
    finally:
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
