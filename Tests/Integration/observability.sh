#!/usr/bin/env bash
# What a run shows, each output read back by an independent reader (docs/observability.md):
# a distributed CoLAD job (coordinator + 2 ranks per network, real mpirun) with --trace and
# monitor.prometheus_port=0:
# 1. /metrics scraped during the run and parsed by prometheus_client's OpenMetrics parser;
# 2. trace.json: one track per rank, spans nested, leaves add up to each step within 5 %;
# 3. the TensorBoard event files read by TensorBoard's EventAccumulator: exactly metrics.jsonl;
# 4. a single-process run's event file the same way.
# Skipped (exit 77, one line) only when the Python readers cannot be installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
source launch/env.sh
PY=$(launch/test-venv) || { echo "observability: SKIPPED: cannot create the venv with tensorboard and prometheus_client (launch/test-venv)"; exit 77; }
tmp=$(mktemp -d)
mkdir -p "$tmp/sock"; export TMPDIR="$tmp/sock"
cleanup() { pkill -9 -f "work-dir $tmp" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "observability: $*"; for f in "$tmp"/*.log; do echo "== $f"; tail -20 "$f"; done; exit 1; }
small=(--set data.train_size=64 --set data.val_size=8 --set data.image_size=64 --set train.batch_size=2 --set train.warmup_iters=5
       --set train.lr_steps=[30] --set train.log_every=1000 --set distributed.heartbeat_seconds=1 --set distributed.max_message_bytes=4000000)

job="$tmp/job"
mpirun $(mpirun_flags 5) "$COLAD" train --config configs/colad-tiny.yaml --work-dir "$job" --trace "${small[@]}" \
  --set train.iterations=40 --set train.eval_every=20 --set train.checkpoint_every=20 --set monitor.prometheus_port=0 > "$tmp/job.log" 2>&1 &
mpipid=$!
scraped=0
for _ in $(seq 1 600); do
  if [ -s "$job/metrics-endpoint" ] && out=$($PY Tests/Integration/scrape_metrics.py "$(cat "$job/metrics-endpoint")" --ranks 4 2>&1); then
    it=$(echo "$out" | awk '{print $2}')
    [ "$scraped" = 0 ] && echo "observability: /metrics at the start: $out"
    scraped=1
    if [ "$it" -ge 5 ]; then echo "observability: /metrics during the run: $out"; scraped=2; break; fi
  elif [ "$scraped" = 1 ]; then
    fail "scrape failed: $out"
  fi
  kill -0 $mpipid 2>/dev/null || break
  sleep 0.1
done
[ "$scraped" = 2 ] || fail "never scraped /metrics at iteration ≥ 5 (last: ${out:-none})"
wait $mpipid || fail "the job failed (exit $?)"
grep -q "final a" "$tmp/job.log" && grep -q "final b" "$tmp/job.log" || fail "no final mAP lines"
grep -q "trace: .*trace.json" "$tmp/job.log" || fail "no trace line in the log"
$PY Tests/Integration/check_trace.py "$job/trace.json" --ranks 4 --tolerance 0.05 || fail "trace.json check failed"
$PY Tests/Integration/check_tensorboard.py "$job" || fail "TensorBoard events and metrics.jsonl disagree (distributed)"

one="$tmp/one"
"$COLAD" train --config configs/colad-tiny.yaml --work-dir "$one" "${small[@]}" --set train.iterations=6 --set train.eval_every=3 > "$tmp/one.log" 2>&1 \
  || fail "single-process run failed"
$PY Tests/Integration/check_tensorboard.py "$one" || fail "TensorBoard events and metrics.jsonl disagree (single process)"
echo "observability: passed"
