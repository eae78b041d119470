#!/usr/bin/env bash
# Multi-host for real: a 3-host cluster of network namespaces (launch/netns-cluster: the
# coordinator on colad-h0, network A's ranks on colad-h1, network B's on colad-h2, so every pair
# crosses hosts; TCP across a bridge, addresses in 198.18.0.0/24).
# 1. Parity with the single-process reference (1 rank per network bit-exact, 2 ranks per network
#    within 1e-5 at twice the batch, unequal groups a 1 / b 2 chosen by the job within 1e-5),
#    --resume across hosts, status and control from another host.
# 2. The fault matrix: kill -9 of a remote worker, SIGSTOP of a remote worker, kill -9 of the
#    coordinator, link down on a worker host, link down on the coordinator's host: every process
#    of the job (colad, orted, mpirun) on every host has exited non-zero within 15 s and the first
#    colad line names rank or host, iteration and cause; a slow link (tbf 10 mbit) changes nothing,
#    bit for bit. Prints the matrix (case, seconds, exit code, first line).
# Without network namespaces (no root / CAP_NET_ADMIN) it says so and exits 77 (skipped).
set -euo pipefail
cd "$(dirname "$0")/../.."
source launch/env.sh
PY=/usr/bin/python3
tmp=$(mktemp -d)
set +e; launch/netns-cluster up 3; rc=$?; set -e
[ $rc -eq 77 ] && { echo "multihost: skipped (network namespaces unavailable)"; rm -rf "$tmp"; exit 77; }
[ $rc -eq 0 ] || { echo "multihost: launch/netns-cluster up failed"; exit 1; }
cleanup() {
  for v in colad-v0 colad-v1 colad-v2; do ip link set "$v" up 2>/dev/null || true; tc qdisc del dev "$v" root 2>/dev/null || true; done
  launch/netns-cluster down; rm -rf "$tmp"
}
trap cleanup EXIT
printf 'colad-h0 slots=1\ncolad-h1 slots=1\ncolad-h2 slots=1\n' > "$tmp/hosts1"
printf 'colad-h0 slots=1\ncolad-h1 slots=2\ncolad-h2 slots=2\n' > "$tmp/hosts2"
# Open MPI's own daemons notice a lost host within ~6 s (TCP keepalive on their channel, as
# launch/multinode sets it); colad notices first (3 heartbeats of 1 s).
mpi=(--map-by slot --bind-to none $(launch/netns-cluster mpirun-flags) --mca oob_tcp_keepalive_time 3
     --mca oob_tcp_keepalive_intvl 1 --mca oob_tcp_keepalive_probes 3 -x OPENBLAS_NUM_THREADS=1)
small=(--config configs/colad-tiny.yaml --set train.iterations=1000000 --set data.train_size=48 --set data.val_size=8 --set data.image_size=64
       --set train.warmup_iters=1 --set train.log_every=1000 --set train.checkpoint_every=100 --set distributed.heartbeat_seconds=1
       --set distributed.status_bind=tcp://0.0.0.0:0)
fail() { echo "multihost: $*"; for f in "$tmp"/*.log; do echo "== $f"; tail -12 "$f"; done; exit 1; }
cluster_mpirun() {  # HOSTFILE NP NAME [colad train args…]: mpirun on colad-h0, output in $tmp/NAME.log
  local hosts=$1 np=$2 name=$3; shift 3
  launch/netns-cluster exec colad-h0 mpirun --hostfile "$hosts" -np "$np" "${mpi[@]}" "$COLAD" train "${small[@]}" \
    --work-dir "$tmp/$name" "$@" > "$tmp/$name.log" 2>&1
}
on() { launch/netns-cluster exec "$@"; }
status_json() { on colad-h1 "$COLAD" status --work-dir "$1" --json --timeout 2 2>/dev/null; }   # from another host
wait_iteration() {
  for _ in $(seq 1 300); do
    if [ -s "$1/status-endpoint" ] && s=$(status_json "$1"); then
      [ "$(echo "$s" | $PY -c "import json,sys; print(json.load(sys.stdin)['iteration'])")" -ge "$2" ] && { echo "$s"; return 0; }
    fi
    sleep 0.2
  done
  return 1
}
survivors() {  # the job's processes still alive on any host
  for h in colad-h0 colad-h1 colad-h2; do
    for p in $(ip netns pids "$h" 2>/dev/null); do
      c=$(ps -o comm= -p "$p" 2>/dev/null || true)
      case "$c" in colad|orted|mpirun) echo "$h:$c:$p" ;; esac
    done
  done
}
# After a cut link is set up again, the next job must not launch before every host's link carries
# frames again (bridge port forwarding, carrier on both veth ends) and every host has forgotten the
# addresses it failed to resolve meanwhile: a daemon that cannot call back to mpirun fails the
# launch ("unable to complete a TCP connection", then "ORTE was unable to reliably start …").
links_state() {
  for i in 0 1 2; do
    echo -n "colad-v$i port $(cat /sys/class/net/colad-v$i/brport/state 2>/dev/null || echo '?') "
    echo -n "$(ip -n colad-h$i -o link show eth0 2>/dev/null | grep -o 'state [A-Z]*' || echo 'state ?'); "
  done
}
links_ready() {  # bridge port state 3 = forwarding; bounded: 100 × 0.1 s
  for _ in $(seq 1 100); do
    local ok=1
    for i in 0 1 2; do
      [ "$(cat /sys/class/net/colad-v$i/brport/state 2>/dev/null)" = 3 ] || ok=0
      ip -n colad-h$i -o link show eth0 2>/dev/null | grep -q 'LOWER_UP' || ok=0
    done
    if [ $ok = 1 ]; then
      # Forget the neighbours that failed to resolve while the link was down: a FAILED entry
      # makes the next connect() fail at once (EHOSTUNREACH) instead of resolving again.
      for i in 0 1 2; do ip -n colad-h$i neigh flush all 2>/dev/null || true; done
      return 0
    fi
    sleep 0.1
  done
  return 1
}
compare() { python3 Tests/Integration/compare_metrics.py "$@" || fail "numbers differ"; }

# --- 1. Parity, resume, status from another host -------------------------------------------
"$COLAD" train "${small[@]}" --max-iters 4 --work-dir "$tmp/ref1" > "$tmp/ref1.log" 2>&1 || fail "reference run failed"
cluster_mpirun "$tmp/hosts1" 3 k1 --max-iters 4 || fail "3-host job failed"
grep -q '"workers" : "tcp://198.18.0.1:' "$tmp/k1/endpoints.json" || fail "coordinator not on colad-h0's address: $(cat "$tmp/k1/endpoints.json")"
echo -n "multihost: 1 rank per network across hosts vs one process: "; compare "$tmp/ref1/metrics.jsonl" "$tmp/k1/metrics.jsonl" --iterations 4 --rtol 0
"$COLAD" train "${small[@]}" --max-iters 4 --set train.batch_size=4 --work-dir "$tmp/ref2" > "$tmp/ref2.log" 2>&1 || fail "reference run (batch 4) failed"
cluster_mpirun "$tmp/hosts2" 5 k2 --max-iters 4 --set train.batch_size=2 || fail "5-rank job failed"
echo -n "multihost: 2 ranks per network across hosts vs one process at twice the batch: "; compare "$tmp/ref2/metrics.jsonl" "$tmp/k2/metrics.jsonl" --iterations 4 --rtol 1e-5
# Unequal groups across hosts, chosen by the job: 3 workers and no counts (a on colad-h1, b's two
# ranks on colad-h2), messages routed by image ranges over TCP; G = 2 × ⌈3/2⌉ = 4.
printf 'colad-h0 slots=1\ncolad-h1 slots=1\ncolad-h2 slots=2\n' > "$tmp/hosts12"
cluster_mpirun "$tmp/hosts12" 4 unequal --max-iters 4 --set train.batch_size=2 || fail "unequal 3-host job failed"
grep -q "balance: 3 worker ranks: a tiny 1, b tiny 2; global batch 4" "$tmp/unequal.log" || fail "the job did not split 3 workers a 1, b 2"
echo -n "multihost: ranks a 1 (colad-h1), b 2 (colad-h2), split by the job, vs one process at batch 4: "
compare "$tmp/ref2/metrics.jsonl" "$tmp/unequal/metrics.jsonl" --iterations 4 --rtol 1e-5
cluster_mpirun "$tmp/hosts1" 3 resume --max-iters 2 || fail "resume: first half failed"
cluster_mpirun "$tmp/hosts1" 3 resume --max-iters 2 --resume || fail "resume: second half failed"
echo -n "multihost: resumed across hosts vs uninterrupted: "; compare "$tmp/k1/metrics.jsonl" "$tmp/resume/metrics.jsonl" --iterations 4 --rtol 0
cmp "$tmp/k1/checkpoints/iter_0000004/network-b.safetensors" "$tmp/resume/checkpoints/iter_0000004/network-b.safetensors" || fail "resumed weights differ"
cluster_mpirun "$tmp/hosts1" 3 status --max-iters 100000 &
mpipid=$!
s=$(wait_iteration "$tmp/status" 3) || fail "status job never reached iteration 3 (queried from colad-h1)"
echo "$s" | $PY -c "import json,sys; s=json.load(sys.stdin); assert [r['host'] for r in s['ranks']] == ['colad-h1', 'colad-h2'], s['ranks']" \
  || fail "status from colad-h1 does not show the ranks' hosts"
on colad-h2 "$COLAD" status --work-dir "$tmp/status" --request stop > /dev/null || fail "stop request from colad-h2 refused"
wait $mpipid || fail "status job did not stop cleanly"
echo "multihost: status answered on colad-h1 (ranks on $(echo "$s" | $PY -c "import json,sys; print(', '.join(r['host'] for r in json.load(sys.stdin)['ranks']))")), stop accepted from colad-h2"

# --- 2. Fault matrix -----------------------------------------------------------------------
matrix=()
fault_case() {  # NAME HOSTFILE NP INJECT(status json) EXPECT(regex of the first colad line)
  local name=$1 hosts=$2 np=$3 inject=$4 expect=$5
  cluster_mpirun "$hosts" "$np" "$name" --max-iters 100000 &
  local mpipid=$!
  local s; s=$(wait_iteration "$tmp/$name" 8) || fail "$name: job never reached iteration 8"
  local t0; t0=$(date +%s%N)
  $inject "$s"
  local left="" colad_secs=""
  for _ in $(seq 1 150); do
    left=$(survivors)
    [ -z "$colad_secs" ] && ! echo "$left" | grep -q ":colad:" && colad_secs=$(echo "scale=1; ($(date +%s%N) - $t0) / 1000000000" | bc)
    [ -z "$left" ] && ! kill -0 $mpipid 2>/dev/null && break
    sleep 0.1
  done
  local secs; secs=$(echo "scale=1; ($(date +%s%N) - $t0) / 1000000000" | bc)
  for v in colad-v0 colad-v1 colad-v2; do ip link set "$v" up 2>/dev/null || true; done
  links_ready || fail "$name: the links did not come back within 10 s: $(links_state)"
  set +e; wait $mpipid; local rc=$?; set -e
  local first; first=$(grep -m1 "^colad: " "$tmp/$name.log" || echo "(no colad line)")
  matrix+=("| $name | ${colad_secs:-?} | $secs | $rc | $first |")
  [ -z "$left" ] || fail "$name: still running after 15 s: $left"
  [ "$rc" -ne 0 ] || fail "$name: mpirun exit code 0"
  echo "$first" | grep -qE "$expect" || fail "$name: first colad line does not name the cause: $first"
  # The other processes of the job exited non-zero too (mpirun's exit code above; none left).
}
pid_of() { echo "$1" | $PY -c "import json,sys; s=json.load(sys.stdin); print([r['pid'] for r in s['ranks'] if r['network'] == '$2'][0])"; }
kill_b()        { kill -9 "$(pid_of "$1" b)"; }
stop_a()        { kill -STOP "$(pid_of "$1" a)"; }
kill_coord()    { for p in $(ip netns pids colad-h0); do [ "$(ps -o comm= -p "$p")" = colad ] && kill -9 "$p"; done; true; }
cut_worker()    { ip link set colad-v2 down; }
cut_coord()     { ip link set colad-v0 down; }
fault_case kill-remote-worker "$tmp/hosts1" 3 kill_b "^colad: job failed: rank 2 \(b0, host colad-h2, pid [0-9]+\) (exited during|closed its connection at) iteration [0-9]+"
fault_case sigstop-remote-worker "$tmp/hosts1" 3 stop_a "^colad: job failed: rank 1 \(a0, host colad-h1, pid [0-9]+\) sent no heartbeat for [0-9.]+ s at iteration [0-9]+"
fault_case kill-coordinator "$tmp/hosts1" 3 kill_coord "^colad: rank [12] \((a|b)0, host colad-h[12]\): lost contact with the coordinator \(host colad-h0\) at iteration [0-9]+"
fault_case link-down-worker-host "$tmp/hosts2" 5 cut_worker "^colad: job failed: lost contact with host colad-h2 \(ranks 3 b0, 4 b1\): silent since iteration [0-9]+"
fault_case link-down-coordinator-host "$tmp/hosts2" 5 cut_coord "^colad: job failed: lost contact with hosts colad-h1 \(ranks 1 a0, 2 a1\), colad-h2 \(ranks 3 b0, 4 b1\): silent since iteration [0-9]+"

# A slow link: nothing fires, nothing changes.
for v in colad-v1 colad-v2; do tc qdisc add dev "$v" root tbf rate 10mbit burst 32kbit latency 400ms; done
on colad-h1 tc qdisc add dev eth0 root tbf rate 10mbit burst 32kbit latency 400ms
on colad-h2 tc qdisc add dev eth0 root tbf rate 10mbit burst 32kbit latency 400ms
cluster_mpirun "$tmp/hosts1" 3 slow --max-iters 30 || fail "slow link: the job failed"
for v in colad-v1 colad-v2; do tc qdisc del dev "$v" root; done
for h in colad-h1 colad-h2; do on "$h" tc qdisc del dev eth0 root; done
cluster_mpirun "$tmp/hosts1" 3 fast --max-iters 30 || fail "clean run failed"
echo -n "multihost: 10 mbit links vs clean links, 30 iterations: "; compare "$tmp/fast/metrics.jsonl" "$tmp/slow/metrics.jsonl" --iterations 30 --rtol 0
matrix+=("| slow link (tbf 10 mbit, 30 iterations) | — | — | 0 | (none: completed, bit-identical to clean links) |")
[ -z "$(ls /tmp/colad-*.sock 2>/dev/null)" ] || echo "multihost: note: socket files in /tmp: $(ls /tmp/colad-*.sock)"
echo "multihost: fault matrix (seconds from the fault until every colad process, and every process of the job incl. orted and mpirun, on every host had exited):"
echo "| case | colad gone (s) | all gone (s) | mpirun exit | first colad line |"
echo "|---|---|---|---|---|"
for row in "${matrix[@]}"; do echo "$row"; done
echo "multihost: ok"
