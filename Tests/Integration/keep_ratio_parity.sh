#!/usr/bin/env bash
# The reference's keep-ratio pipeline across processes (real mpirun, real sockets): non-square
# COCO images (Tests/Fixtures/scripts/make_rect_coco.py) resized to fit 200 x 128 with the short
# side drawn from 96-128 per image, flipped, and padded per iteration to a multiple of 32. Every
# rank pads to its global batch's canvas, so the distributed runs reproduce the single-process
# reference: bit for bit with one rank per network, to float summation error (rtol 1e-5) with two
# ranks per network and with unequal groups (routing by image ranges) at the same global batch.
set -euo pipefail
cd "$(dirname "$0")/../.."
source launch/env.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 Tests/Fixtures/scripts/make_rect_coco.py "$tmp/rect" --train 32 --val 4 > /dev/null
args=(--config configs/colad-tiny.yaml --max-iters 4
      --set data.dataset=coco --set data.train_annotations="$tmp/rect/annotations/instances_train.json"
      --set data.train_images="$tmp/rect/train" --set data.val_annotations="$tmp/rect/annotations/instances_val.json"
      --set data.val_images="$tmp/rect/val" --set data.resize=keep_ratio --set data.max_size=200 --set data.short_side=128
      --set "data.short_side_range=[96, 128]" --set train.warmup_iters=1 --set train.log_every=1000
      --set train.checkpoint_every=100 --set distributed.timeout_seconds=60)
fail() { echo "keep_ratio_parity: $*"; exit 1; }
ref() { "$COLAD" train --work-dir "$tmp/$1" "${args[@]}" "${@:2}" > "$tmp/$1.log" 2>&1 || { cat "$tmp/$1.log"; fail "reference $1 failed"; }; }
mpi() { local np=$1 name=$2; shift 2
        mpirun $(mpirun_flags "$np") "$COLAD" train --work-dir "$tmp/$name" "${args[@]}" "$@" > "$tmp/$name.log" 2>&1 \
          || { cat "$tmp/$name.log"; fail "mpirun $name failed"; }; }
compare() { python3 Tests/Integration/compare_metrics.py "$tmp/$1/metrics.jsonl" "$tmp/$2/metrics.jsonl" --iterations 4 --rtol "$3" \
              || fail "$2 differs from $1"; }

ref ref2 --set train.batch_size=2
mpi 3 mpi1 --set train.batch_size=2
echo -n "keep_ratio_parity: 1 rank per network vs the reference: "; compare ref2 mpi1 0

ref ref4 --set train.batch_size=4 --set colad.granularity=object
mpi 5 mpi2 --set train.batch_size=2 --set colad.granularity=object
echo -n "keep_ratio_parity: 2 ranks per network vs batch 4: "; compare ref4 mpi2 1e-5
mpi 4 unequal --set train.batch_size=2 --set colad.granularity=object --set distributed.ranks_a=1 --set distributed.ranks_b=2
echo -n "keep_ratio_parity: ranks a 1, b 2 vs batch 4: "; compare ref4 unequal 1e-5
echo "keep_ratio_parity: ok"
