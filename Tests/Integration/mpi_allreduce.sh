#!/usr/bin/env bash
# Real mpirun with 2 and 3 ranks: every rank's all-reduce (world and split groups) and
# allgather must check out, and every rank must report.
set -euo pipefail
cd "$(dirname "$0")/../.."
source launch/env.sh
for np in 2 3; do
  out=$(timeout 120 mpirun $(mpirun_flags $np) "$COLAD" diag mpi --count 50000)
  lines=$(echo "$out" | grep -c '"world_ok":true' || true)
  if [ "$lines" -ne "$np" ] || echo "$out" | grep -q ':false'; then
    echo "mpi_allreduce: np=$np expected $np ok lines, got:"; echo "$out"; exit 1
  fi
  first=$(echo "$out" | head -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["world_sum_first"])')
  want=$(( np * (np + 1) / 2 ))
  python3 -c "import sys; sys.exit(0 if abs($first - $want) < 1e-6 else 1)" || { echo "mpi_allreduce: sum $first != $want"; exit 1; }
  echo "mpi_allreduce: np=$np ok (sum of element 0 = $first)"
done
