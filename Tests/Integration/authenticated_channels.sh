#!/usr/bin/env bash
# Authenticated channels (DESIGN.md §3), real mpirun and sockets, on one host (ipc://) and over
# the multi-host transport (TCP, COLAD_TRANSPORT=tcp): an attacker that knows the job id and
# every endpoint (forge.py) races the real rank 1 with forged Hellos from the moment the
# coordinator listens, then sends well-formed Stats, Report, Heartbeat, Hello, Assignment,
# Predictions and Decision frames to every job socket (with and without CURVE, lacking only the
# job's keys), 10^5 malformed frames to the status socket and raw bytes below ZeroMQ. The job
# keeps its real ranks, counts every refused connection as `unauthenticated`, and its metrics
# and final weights are bit-identical to an undisturbed run of the same length.
set -euo pipefail
cd "$(dirname "$0")/../.."
source launch/env.sh
PY=/usr/bin/python3
tmp=$(mktemp -d)
cleanup() { pkill -9 -f "work-dir $tmp" 2>/dev/null || true; pkill -9 -f "forge.py .*$tmp" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
small=(--config configs/colad-tiny.yaml --set train.iterations=1000000 --set data.train_size=48 --set data.val_size=8 --set data.image_size=64 --set train.warmup_iters=1
       --set train.log_every=1000 --set train.checkpoint_every=null --set train.eval_every=null --set distributed.heartbeat_seconds=1)
fail() { echo "authenticated_channels: $*"; for f in "$tmp"/*.log; do echo "== $f"; tail -15 "$f"; done; exit 1; }

wait_iteration() {   # WORK_DIR N: bounded wait until the job has done N iterations
  for _ in $(seq 1 300); do
    if [ -s "$1/status-endpoint" ] && s=$("$COLAD" status --work-dir "$1" --json --timeout 2 2>/dev/null); then
      [ "$(echo "$s" | $PY -c "import json,sys; print(json.load(sys.stdin)['iteration'])")" -ge "$2" ] && return 0
    fi
    sleep 0.2
  done
  return 1
}

for transport in ipc tcp; do
  job="$tmp/$transport-attacked"; sockdir="$tmp/$transport-sock"; mkdir -p "$sockdir"
  export TMPDIR="$sockdir" COLAD_TRANSPORT=$transport
  where="$job"; [ "$transport" = ipc ] && where="$sockdir/colad-*-coordinator.sock"
  $PY Tests/Integration/forge.py hello-race "$where" 6 > "$tmp/$transport-race.log" 2>&1 &
  race=$!
  mpirun $(mpirun_flags 3) -x TMPDIR -x COLAD_TRANSPORT "$COLAD" train "${small[@]}" --max-iters 100000 --work-dir "$job" > "$tmp/$transport-job.log" 2>&1 &
  mpipid=$!
  wait_iteration "$job" 3 || fail "$transport: the job never reached iteration 3 (an impostor adopted?)"
  wait $race || fail "$transport: hello race failed"
  $PY Tests/Integration/forge.py attack "$job" 3 100000 > "$tmp/$transport-attack.json" 2> "$tmp/$transport-attack.log" || fail "$transport: forge.py attack failed"
  "$COLAD" status --work-dir "$job" --request stop > /dev/null || fail "$transport: stop request refused"
  wait $mpipid || fail "$transport: the attacked job failed (exit $?)"
  unset TMPDIR COLAD_TRANSPORT
  iters=$(grep -c '"images"' "$job/metrics.jsonl")
  $PY - "$tmp/$transport-attack.json" "$tmp/$transport-race.log" "$transport" <<'PYEOF' || fail "$transport: forgeries not refused and counted"
import json, sys
a = json.load(open(sys.argv[1])); s = a["status"]; rej = s["rejected_messages"]
hosts = {r["host"] for r in s["ranks"]}
assert "impostor" not in hosts, s["ranks"]
assert all(r["pid"] > 1 for r in s["ranks"]), s["ranks"]
sockets = ["coordinator"] + [k for k in rej["by_socket"] if k.endswith("pair inbox")]
for k in sockets: assert rej["by_socket"][k] > 0, (k, rej)
assert rej["by_kind"]["unauthenticated"] >= a["forging_sockets"], (a["forging_sockets"], rej)
assert rej["by_socket"]["status"] >= a["malformed"], (a["malformed"], rej)
assert a["malformed"] >= 100000, a
print(f"authenticated_channels: {sys.argv[3]}: {open(sys.argv[2]).read().strip().removeprefix('forge: ')}; "
      f"{a['forged']} well-formed forgeries from {a['forging_sockets']} sockets, {a['raw_connections']} raw connections, "
      f"{a['malformed']} malformed frames at the status socket -> refused: {rej['by_kind']['unauthenticated']} unauthenticated, "
      f"{rej['by_socket']['status']} at the status socket; ranks kept their hosts {sorted(hosts)}")
PYEOF
  # The same run, undisturbed, for as many iterations.
  COLAD_TRANSPORT=$transport mpirun $(mpirun_flags 3) -x COLAD_TRANSPORT "$COLAD" train "${small[@]}" --max-iters "$iters" --work-dir "$tmp/$transport-clean" > "$tmp/$transport-clean.log" 2>&1 \
    || fail "$transport: undisturbed run failed"
  echo -n "authenticated_channels: $transport: attacked vs undisturbed, "
  python3 Tests/Integration/compare_metrics.py "$tmp/$transport-clean/metrics.jsonl" "$job/metrics.jsonl" --iterations "$iters" --rtol 0 \
    || fail "$transport: the attack changed the numbers"
  last=$(printf "iter_%07d" "$iters")
  for n in a b; do
    cmp "$tmp/$transport-clean/checkpoints/$last/network-$n.safetensors" "$job/checkpoints/$last/network-$n.safetensors" \
      || fail "$transport: final weights of network $n differ"
  done
  [ -z "$(ls "$sockdir" 2>/dev/null)" ] || fail "$transport: socket files left in $sockdir: $(ls "$sockdir")"
done
echo "authenticated_channels: ok"
