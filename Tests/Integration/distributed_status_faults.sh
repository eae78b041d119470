#!/usr/bin/env bash
# The distributed job under observation and under fault, real mpirun and sockets:
# 1. status from a second process during a run (`colad status` table and JSON, and a Python
#    pyzmq client written only from docs/status-protocol.md), a token-protected control request;
# 2. malformed / truncated / oversized / wrong-version / bad-CRC / wrong-job bytes sent to every
#    socket: rejected, counted in status, and the job finishes normally;
# 3. a worker killed with SIGKILL mid-run: the job ends within 10 s, non-zero, with one line
#    naming rank, host and iteration; the last checkpoint stays complete and loadable;
# 4. a worker stopped with SIGSTOP: the coordinator names it after 3 heartbeats and ends the job.
set -euo pipefail
cd "$(dirname "$0")/../.."
source launch/env.sh
PY=/usr/bin/python3
tmp=$(mktemp -d)
# The job's ipc socket files live here, so a killed rank's files go with the test's directory.
mkdir -p "$tmp/sock"; export TMPDIR="$tmp/sock"
cleanup() { pkill -9 -f "work-dir $tmp" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
# The jobs here run until stopped or failed: a schedule too long to end by itself during the test.
small=(--set train.iterations=1000000 --set data.train_size=64 --set data.val_size=8 --set data.image_size=64 --set train.warmup_iters=1
       --set train.log_every=1000 --set train.checkpoint_every=10 --set distributed.heartbeat_seconds=1
       --set distributed.max_message_bytes=4000000)
fail() { echo "distributed_status_faults: $*"; for f in "$tmp"/*.log; do echo "== $f"; tail -20 "$f"; done; exit 1; }

# Waits (bounded) until the job in $1 has reached iteration $2; prints its status JSON.
wait_iteration() {
  for _ in $(seq 1 300); do
    if [ -s "$1/status-endpoint" ] && s=$("$COLAD" status --work-dir "$1" --json --timeout 2 2>/dev/null); then
      it=$(echo "$s" | $PY -c "import json,sys; print(json.load(sys.stdin)['iteration'])")
      [ "$it" -ge "$2" ] && { echo "$s"; return 0; }
    fi
    sleep 0.2
  done
  return 1
}

# 1 + 2: status, control, garbage; then a `stop` control request ends the job cleanly (exit 0,
# checkpoint written, every iteration's metrics present).
job="$tmp/status"
mpirun $(mpirun_flags 3) "$COLAD" train --config configs/colad-tiny.yaml --max-iters 100000 --work-dir "$job" "${small[@]}" > "$tmp/status.log" 2>&1 &
mpipid=$!
# The first reply the job gives (nothing recorded yet: the nullable fields are null) must match the page too.
for _ in $(seq 1 300); do
  [ -s "$job/status-endpoint" ] && "$COLAD" status --work-dir "$job" --json --timeout 2 > "$tmp/early.json" 2>/dev/null && break
  sleep 0.05
done
$PY Tests/Integration/check_status_doc.py docs/status-protocol.md "$tmp/early.json" || fail "the first status reply and docs/status-protocol.md disagree"
wait_iteration "$job" 3 > /dev/null || fail "job never reached iteration 3"
"$COLAD" status --work-dir "$job" > "$tmp/table.txt" || fail "colad status failed"
grep -qE "phase (running|checkpointing)" "$tmp/table.txt" && grep -q "^rank" "$tmp/table.txt" || fail "status table incomplete: $(cat "$tmp/table.txt")"
$PY docs/examples/status_client.py "$(cat "$job/status-endpoint")" > "$tmp/py.json" || fail "python client failed"
$PY - "$tmp/py.json" <<'PYEOF' || fail "python status reply lacks fields"
import json, sys
s = json.load(open(sys.argv[1]))
for k in ["job_id", "phase", "iteration", "total_iterations", "epoch", "uptime_s", "eta_s", "throughput_images_per_s",
          "networks", "teacher", "ranks", "last_checkpoint", "rejected_messages", "first_error"]:
    assert k in s, k
assert s["phase"] in ("running", "checkpointing"), s["phase"]
assert set(s["networks"]) == {"a", "b"} and "loss" in s["networks"]["a"], s["networks"]
assert len(s["ranks"]) == 2 and all(r["pid"] > 0 and r["heartbeat_age_s"] < 5 for r in s["ranks"]), s["ranks"]
assert all(isinstance(r["rss_mb"], (int, float)) and 10 < r["rss_mb"] < 4096 for r in s["ranks"]), s["ranks"]   # each rank's own memory (70.0 MB arrives as 70)
assert s["teacher"]["current"] in ("a", "b"), s["teacher"]
print("distributed_status_faults: python client saw iteration", s["iteration"], "teacher", s["teacher"]["current"])
PYEOF
$PY Tests/Integration/check_status_doc.py docs/status-protocol.md "$tmp/py.json" || fail "the status reply and docs/status-protocol.md disagree"
$PY docs/examples/status_client.py "$(cat "$job/status-endpoint")" stop wrong-token > "$tmp/ctl.json"
grep -q '"ok": false' "$tmp/ctl.json" || fail "a control request with a wrong token was accepted"
timeout 120 $PY Tests/Integration/send_garbage.py "$job" 5000000 || fail "send_garbage failed"
"$COLAD" status --work-dir "$job" --request checkpoint > /dev/null || fail "control checkpoint with the token refused"
sleep 1
"$COLAD" status --work-dir "$job" --json > "$tmp/after.json" || fail "status after garbage failed"
$PY Tests/Integration/check_status_doc.py docs/status-protocol.md "$tmp/after.json" || fail "the status reply and docs/status-protocol.md disagree"
"$COLAD" status --work-dir "$job" --request stop > /dev/null || fail "control stop with the token refused"
wait $mpipid || fail "the job did not survive the garbage or did not stop cleanly (exit $?)"
grep -q "control: stop requested" "$tmp/status.log" || fail "stop request not logged"
[ -s "$job/checkpoints/$(cat "$job/checkpoints/latest")/manifest.json" ] || fail "no checkpoint after stop"
$PY - "$tmp/after.json" "$job/metrics.jsonl" <<'PYEOF' || fail "rejections not counted or job incomplete"
import json, sys
s = json.load(open(sys.argv[1]))
rej = s["rejected_messages"]
# The status socket (plain) refuses each bad message by kind (libzmq drops the oversized one
# itself); the job's channels (CURVE) refuse every connection without the job's keys.
assert rej["total"] >= 7 + 3 * 9, rej
assert all(v > 0 for k, v in rej["by_socket"].items()), rej["by_socket"]
for kind in ["bad_magic", "truncated", "wrong_version", "bad_checksum", "unexpected"]:
    assert rej["by_kind"].get(kind, 0) > 0, (kind, rej)
for socket in ["coordinator", "rank 1 pair inbox", "rank 2 pair inbox"]:
    assert rej["by_socket"][socket] >= 9, (socket, rej)
assert rej["by_kind"]["unauthenticated"] >= 3 * 9, rej
lines = [json.loads(l) for l in open(sys.argv[2]) if '"eval"' not in l]
its = [l["iteration"] for l in lines]
assert its == list(range(1, len(its) + 1)) and len(its) > s["iteration"], ("metrics incomplete", its[-3:], s["iteration"])
print("distributed_status_faults: rejected", rej["total"], "bad messages", rej["by_kind"], f"- job carried on and stopped cleanly after {len(its)} iterations")
PYEOF

# 3: SIGKILL a worker.
job="$tmp/kill"
mpirun $(mpirun_flags 3) "$COLAD" train --config configs/colad-tiny.yaml --max-iters 100000 --work-dir "$job" "${small[@]}" > "$tmp/kill.log" 2>&1 &
mpipid=$!
s=$(wait_iteration "$job" 25) || fail "kill job never reached iteration 25"
victim=$(echo "$s" | $PY -c "import json,sys; r=json.load(sys.stdin)['ranks'][1]; print(r['pid'], r['rank'])")
kill -9 ${victim% *}
t0=$(date +%s%N)
for _ in $(seq 1 150); do kill -0 $mpipid 2>/dev/null || break; sleep 0.1; done
kill -0 $mpipid 2>/dev/null && fail "job still running 15 s after a worker was killed"
set +e; wait $mpipid; rc=$?; set -e
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$rc" -ne 0 ] || fail "killed worker: exit code 0"
[ "$ms" -le 10000 ] || fail "killed worker: job took ${ms} ms to end"
grep -E "colad: job failed: rank ${victim#* } \(b0, host [^,]+, pid ${victim% *}\) (exited during|closed its connection at) iteration [0-9]+" "$tmp/kill.log" \
  || fail "no line naming the killed rank"
latest=$(cat "$job/checkpoints/latest")
"$COLAD" eval --config configs/colad-tiny.yaml --checkpoint "$job/checkpoints/$latest" --network b "${small[@]}" --json > "$tmp/eval.json" \
  || fail "last checkpoint $latest not loadable"
echo "distributed_status_faults: killed worker → job ended in ${ms} ms (exit $rc); $latest loads"

# 4: SIGSTOP a worker (a stall: alive, silent).
job="$tmp/stop"
mpirun $(mpirun_flags 3) "$COLAD" train --config configs/colad-tiny.yaml --max-iters 100000 --work-dir "$job" "${small[@]}" > "$tmp/stop.log" 2>&1 &
mpipid=$!
s=$(wait_iteration "$job" 5) || fail "stop job never reached iteration 5"
victim=$(echo "$s" | $PY -c "import json,sys; r=json.load(sys.stdin)['ranks'][0]; print(r['pid'], r['rank'])")
kill -STOP ${victim% *}
t0=$(date +%s%N)
for _ in $(seq 1 200); do kill -0 $mpipid 2>/dev/null || break; sleep 0.1; done
kill -0 $mpipid 2>/dev/null && { kill -CONT ${victim% *}; fail "job still running 20 s after a worker was stopped"; }
set +e; wait $mpipid; rc=$?; set -e
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$rc" -ne 0 ] || fail "stopped worker: exit code 0"
grep -E "colad: job failed: rank ${victim#* } \(a0, host [^,]+, pid ${victim% *}\) sent no heartbeat for [0-9.]+ s at iteration [0-9]+" "$tmp/stop.log" \
  || fail "no line naming the stopped rank"
echo "distributed_status_faults: stopped worker → named after 3 missed heartbeats, job ended in ${ms} ms (exit $rc)"
# 5: start-up errors, one report per job.
printf 'name: bad\nmode: colad\nnetwork_a: {preset: tinyy}\n' > "$tmp/bad.yaml"
set +e
mpirun $(mpirun_flags 3) "$COLAD" train --config "$tmp/bad.yaml" > "$tmp/bad.log" 2>&1; rc=$?
set -e
[ "$rc" -ne 0 ] || fail "bad config under mpirun: exit code 0"
[ "$(grep -c "unknown preset 'tinyy'" "$tmp/bad.log")" -eq 1 ] || fail "bad config: error not reported exactly once: $(cat "$tmp/bad.log")"
grep -q "^error: .*bad.yaml:3:[0-9]*: network_a.preset: unknown preset" "$tmp/bad.log" && grep -q "hint: did you mean 'tiny'" "$tmp/bad.log" || fail "bad config: message without file/hint: $(cat "$tmp/bad.log")"
set +e
mpirun --oversubscribe --bind-to none -x OPENBLAS_NUM_THREADS=1 -x OMPI_MCA_btl_tcp_if_include -x OMPI_MCA_oob_tcp_if_include -np 1 "$COLAD" train --config configs/colad-tiny.yaml --work-dir "$tmp/mpmd" "${small[@]}" \
  : -np 2 "$COLAD" train --config "$tmp/bad.yaml" > "$tmp/mpmd.log" 2>&1; rc=$?
set -e
[ "$rc" -ne 0 ] || fail "config bad on ranks 1-2: exit code 0"
[ "$(grep -c "unknown preset 'tinyy'" "$tmp/mpmd.log")" -eq 1 ] || fail "partial config error not reported once: $(cat "$tmp/mpmd.log")"
grep -qE "^error \(ranks 1 on [^,]+, 2 on [^)]+\): " "$tmp/mpmd.log" || fail "partial config error does not name ranks 1 and 2: $(cat "$tmp/mpmd.log")"
echo "distributed_status_faults: start-up config errors reported once per job (and per rank set when they differ)"
echo "distributed_status_faults: ok"
