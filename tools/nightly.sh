#!/usr/bin/env bash
# The unattended run behind `make nightly`: one at a time (flock), the pipeline over the landing
# folder (Make re-ingests only exports whose content changed), then an atomic publication.
# Run it from the repository root (systemd's WorkingDirectory, cron's cd). Environment, all
# optional: PIPELINE (mingguang) PIPELINE_FILE OUT (out/PIPELINE) LANDING (SampleData/PIPELINE)
# KEEP (14) BIN (.build/release) BUILD (yes: build the executables first) MAKE LOG_FORMAT.
# Exit status: 0, or the failing step's status (65 untrusted input, 66 unreadable, 78
# configuration, 79 rejects over threshold, 75 another run holds the lock). Ends with one line.
set -uo pipefail
PIPELINE=${PIPELINE:-mingguang}
PIPELINE_FILE=${PIPELINE_FILE:-Pipelines/$PIPELINE/pipeline.yaml}
OUT=${OUT:-out/$PIPELINE}
LANDING=${LANDING:-SampleData/$PIPELINE}
KEEP=${KEEP:-14}
BIN=${BIN:-.build/release}
MAKE=${MAKE:-make}

mkdir -p "$OUT/logs"
exec 9>"$OUT/.nightly.lock"
if ! flock -n 9; then
  echo "nightly $PIPELINE: another run holds $OUT/.nightly.lock; not starting (exit 75)" >&2
  exit 75
fi
if [ ! -d "$LANDING" ]; then
  echo "nightly $PIPELINE: landing folder $LANDING does not exist (exit 66)" >&2
  exit 66
fi

if [ "${BUILD:-yes}" != no ]; then
  $MAKE --no-print-directory tools BIN="$BIN" || { echo "nightly $PIPELINE: build FAILED" >&2; exit 1; }
fi

started=$(date +%s)
run_id=$(date -u +%Y%m%dT%H%M%S.%3NZ)
log="$OUT/logs/$run_id.log"
status="$OUT/.status"
rm -f "$status"

"$BIN/safety-publish" --pipeline "$PIPELINE_FILE" --output "$OUT" --sweep 2>&1 | tee -a "$log"
SAFETY_STATUS_FILE="$status" $MAKE --no-print-directory all BUILD=no BIN="$BIN" PIPELINE="$PIPELINE" \
  PIPELINE_FILE="$PIPELINE_FILE" DATA="$LANDING" OUT="$OUT" 2>&1 | tee -a "$log"
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ]; then
  code=$(cat "$status" 2>/dev/null || echo 1)
  echo "nightly $PIPELINE: FAILED with status $code after $(( $(date +%s) - started )) s; previous outputs kept in $OUT/current; log $log" | tee -a "$log" >&2
  exit "$code"
fi
"$BIN/safety-publish" --pipeline "$PIPELINE_FILE" --output "$OUT" --data "$LANDING" --run-id "$run_id" \
  --started-at "$started" --keep "$KEEP" --log "$log" 2>&1 | tee -a "$log"
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] || echo "nightly $PIPELINE: publishing FAILED ($rc); previous outputs kept in $OUT/current; log $log" >&2
# A run killed just before this one may have had children still exiting at the first sweep.
"$BIN/safety-publish" --pipeline "$PIPELINE_FILE" --output "$OUT" --sweep --quiet
exit "$rc"
