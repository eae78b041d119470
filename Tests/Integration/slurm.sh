#!/usr/bin/env bash
# colad under a real Slurm cluster on this machine (launch/slurm-cluster: munged, slurmctld and a
# slurmd per network-namespace host, 2 nodes), started with `sbatch launch/slurm.sbatch`:
# 1. mpirun inside the allocation: a short CoLAD job across both nodes runs to completion; the
#    coordinator on the first node, each network's ranks on both; `colad status` answers while it
#    runs; the log shows both networks' final mAP;
# 2. srun --mpi=pmix (no mpirun): the same job, the same numbers bit for bit; 4 tasks (3 workers)
#    for tiny + small: the job splits its 3 workers by cost (a 1, b 2) and finishes;
# 3. scancel of a running job ends every process on every node within 15 s, and the last
#    checkpoint loads.
# Skipped (exit 77, one line) only where the namespaces or the Slurm daemons cannot start.
set -euo pipefail
cd "$(dirname "$0")/../.."
source launch/env.sh
PY=/usr/bin/python3
set +e; launch/slurm-cluster up 2 > /tmp/colad-slurm-up.log 2>&1; rc=$?; set -e
if [ $rc -ne 0 ]; then
  [ $rc -eq 77 ] && { echo "slurm: SKIPPED: $(grep -m1 'skipped' /tmp/colad-slurm-up.log || tail -1 /tmp/colad-slurm-up.log)"; exit 77; }
  cat /tmp/colad-slurm-up.log; exit 1
fi
# The test's nodes share this machine's file system, so a work dir under /tmp is seen by all.
tmp=$(mktemp -d)
cleanup() { launch/slurm-cluster down > /dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT
eval "$(launch/slurm-cluster env)"
# sbatch exports this environment to the job: root may run mpirun here; Open MPI picks the hosts' eth0.
unset OMPI_MCA_btl_tcp_if_include OMPI_MCA_oob_tcp_if_include
fail() { echo "slurm: $*"; for f in "$tmp"/*.log; do echo "== $f"; tail -20 "$f"; done; tail -5 /run/colad-slurm/slurmctld.log 2>/dev/null; exit 1; }
small=(--set data.train_size=64 --set data.val_size=8 --set data.image_size=64 --set train.batch_size=2 --set train.warmup_iters=5
       --set train.log_every=1000 --set distributed.heartbeat_seconds=1 --set distributed.max_message_bytes=4000000)

# Waits (bounded) for job $1 to leave the queue.
wait_job() { for _ in $(seq 1 600); do [ -z "$(squeue -h -j "$1" -o %T 2>/dev/null)" ] && return 0; sleep 0.2; done; return 1; }

# 1. mpirun in the allocation, status while it runs.
t0=$(date +%s%N)
job=$(sbatch --parsable --nodes=2 --ntasks=5 --ntasks-per-node=3 --output="$tmp/mpirun.log" launch/slurm.sbatch configs/colad-tiny.yaml \
  --work-dir "$tmp/mpirun" --max-iters 200 --set train.eval_every=100 --set train.checkpoint_every=100 "${small[@]}")
seen=""
for _ in $(seq 1 600); do
  if [ -s "$tmp/mpirun/status-endpoint" ] && .build/release/colad status --work-dir "$tmp/mpirun" --json --timeout 2 > "$tmp/status.json" 2>/dev/null; then
    seen=$($PY - "$tmp/status.json" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1]))
if s["phase"] != "running" or s["iteration"] < 2: sys.exit(1)
hosts = {n: sorted({r["host"] for r in s["ranks"] if r["network"] == n}) for n in ("a", "b")}
assert hosts["a"] == ["colad-h0", "colad-h1"] and hosts["b"] == ["colad-h0", "colad-h1"], hosts
print(f"status at iteration {s['iteration']}: network a on {', '.join(hosts['a'])}, b on {', '.join(hosts['b'])}")
PYEOF
) && break
  fi
  [ -z "$(squeue -h -j "$job" -o %T 2>/dev/null)" ] && break
  sleep 0.2
done
[ -n "$seen" ] || fail "colad status never answered with both networks on both nodes while job $job ran"
echo "slurm: $seen"
grep -q "^tcp://198.18.0.1:" "$tmp/mpirun/status-endpoint" || fail "the coordinator is not on the first node: $(cat "$tmp/mpirun/status-endpoint")"
wait_job "$job" || fail "job $job did not end"
t1=$(date +%s%N)
grep -q "final a (tiny): mAP" "$tmp/mpirun.log" && grep -q "final b (tiny): mAP" "$tmp/mpirun.log" || fail "no final mAP of both networks in the mpirun job's log"
echo "slurm: mpirun job $job: $(grep -c '^final' "$tmp/mpirun.log") final lines in $(( (t1 - t0) / 1000000 )) ms from sbatch"

# 2. srun --mpi=pmix: the same job and numbers.
t0=$(date +%s%N)
job=$(COLAD_LAUNCHER=srun sbatch --parsable --nodes=2 --ntasks=5 --ntasks-per-node=3 --output="$tmp/srun.log" launch/slurm.sbatch configs/colad-tiny.yaml \
  --work-dir "$tmp/srun" --max-iters 200 --set train.eval_every=100 --set train.checkpoint_every=100 "${small[@]}")
wait_job "$job" || fail "srun job $job did not end"
t1=$(date +%s%N)
grep -q "final b (tiny): mAP" "$tmp/srun.log" || fail "the srun --mpi=pmix job did not finish"
$PY Tests/Integration/compare_metrics.py "$tmp/mpirun/metrics.jsonl" "$tmp/srun/metrics.jsonl" --iterations 200 --rtol 0 \
  || fail "srun and mpirun jobs differ"
echo "slurm: srun --mpi=pmix job $job finished in $(( (t1 - t0) / 1000000 )) ms, bit-identical to the mpirun job"

# 2b. 4 tasks for two networks: the job splits its 3 workers by measured cost.
job=$(sbatch --parsable --nodes=2 --ntasks=4 --ntasks-per-node=2 --output="$tmp/auto.log" launch/slurm.sbatch configs/colad-tiny-small.yaml \
  --work-dir "$tmp/auto" --max-iters 4 "${small[@]}")
wait_job "$job" || fail "4-task job $job did not end"
grep -q "3 workers split by cost" "$tmp/auto.log" && grep -q "balance: 3 worker ranks: a tiny 1, b small 2" "$tmp/auto.log" \
  && grep -q "job finished at iteration 4" "$tmp/auto.log" || fail "the 4-task job did not split its workers a 1, b 2 and finish"
echo "slurm: 4 tasks: $(grep -o 'balance: 3 worker ranks: a tiny 1, b small 2; global batch [0-9]*' "$tmp/auto.log"), finished"

# 3. scancel: every process on every node gone within 15 s, the checkpoint loadable.
job=$(sbatch --parsable --nodes=2 --ntasks=5 --ntasks-per-node=3 --output="$tmp/cancel.log" launch/slurm.sbatch configs/colad-tiny.yaml \
  --work-dir "$tmp/cancel" --set train.iterations=1000000 --set train.checkpoint_every=10 "${small[@]}")
for _ in $(seq 1 600); do [ -s "$tmp/cancel/checkpoints/latest" ] && break; sleep 0.2; done
[ -s "$tmp/cancel/checkpoints/latest" ] || fail "job $job wrote no checkpoint"
job_processes() { for h in colad-h0 colad-h1; do for p in $(ip netns pids "$h" 2>/dev/null); do
  case "$(cat /proc/"$p"/comm 2>/dev/null)" in colad|mpirun|orted|srun|slurm_script|slurmstepd) echo "$h:$p:$(cat /proc/"$p"/comm)";; esac; done; done; }
[ -n "$(job_processes | grep colad)" ] || fail "no colad process seen on the nodes before scancel"
t0=$(date +%s%N)
scancel "$job"
gone=""
for _ in $(seq 1 200); do
  if [ -z "$(job_processes)" ]; then gone=$(( ($(date +%s%N) - t0) / 1000000 )); break; fi
  sleep 0.1
done
[ -n "$gone" ] || fail "processes left 20 s after scancel: $(job_processes | tr '\n' ' ')"
[ "$gone" -le 15000 ] || fail "scancel took $gone ms (limit 15 s)"
latest="$tmp/cancel/checkpoints/$(cat "$tmp/cancel/checkpoints/latest")"
.build/release/colad eval --config configs/colad-tiny.yaml "${small[@]}" --checkpoint "$latest" --network a > "$tmp/eval.txt" 2>&1 \
  || fail "the checkpoint left by scancel ($latest) does not load: $(tail -3 "$tmp/eval.txt")"
echo "slurm: scancel of job $job: every process on both nodes gone in $gone ms; the last checkpoint, $(basename "$latest"), loads (colad eval)"
echo "slurm: passed"
