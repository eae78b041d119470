#!/usr/bin/env bash
# Weights both ways with the built binary (issue 16): `colad export` of a trained checkpoint
# (run dir and iter dir give the same file), `network_a.init_from` of that export reproduces the
# checkpoint bit for bit (one iteration at lr 0, then the new checkpoint is byte-identical),
# `init_prefixes` loads only the backbone, and a file of another preset is refused with every
# mis-shaped tensor named. Where torch is importable ($COLAD_TORCH_PYTHON, else python3), also
# the PyTorch side: colad_torch.py --check (the committed colad export reproduces colad's
# outputs in PyTorch within 1e-4) and --check-export (this export equals the script's own
# conversion of the checkpoint and loads strictly into ColadDetector("tiny")).
set -euo pipefail
cd "$(dirname "$0")/../.."
source launch/env.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
small=(--set data.train_size=16 --set data.val_size=4 --set train.batch_size=2 --set data.image_size=64
       --set train.log_every=1 --set train.warmup_iters=1 --set train.eval_every=null)
die() { echo "torch_weights: $*"; exit 1; }

"$COLAD" train --config configs/paa-tiny.yaml --work-dir "$tmp/run" --max-iters 2 "${small[@]}" > "$tmp/train.log"
ckpt="$tmp/run/checkpoints/$(cat "$tmp/run/checkpoints/latest")"

"$COLAD" export --checkpoint "$tmp/run" --network a --format torch --out "$tmp/a.safetensors" > "$tmp/export.log"
grep -q "wrote $tmp/a.safetensors: .* tensors" "$tmp/export.log" || { cat "$tmp/export.log"; die "export did not report"; }
"$COLAD" export --checkpoint "$ckpt" --out "$tmp/a2.safetensors" > /dev/null
cmp -s "$tmp/a.safetensors" "$tmp/a2.safetensors" || die "run dir and checkpoint dir exported different files"
ls "$tmp"/.a.safetensors.tmp-* >/dev/null 2>&1 && die "export left a temporary file"
if "$COLAD" export --checkpoint "$tmp/run" --network b --out "$tmp/b.safetensors" 2> "$tmp/nob.err"; then die "exported a network the run does not have"; fi
grep -q "network-b.safetensors" "$tmp/nob.err" || { cat "$tmp/nob.err"; die "unhelpful error for a missing network"; }
if "$COLAD" export --checkpoint "$ckpt/optimizer-a.safetensors" --out "$tmp/m.safetensors" 2> "$tmp/opt.err"; then die "exported optimizer state"; fi
grep -q "optimizer state is not exported" "$tmp/opt.err" || { cat "$tmp/opt.err"; die "unhelpful error for an optimizer file"; }

# The export as init_from, one iteration at lr 1e-30 (lr must be > 0): θ − lr·v rounds back to θ
# for every weight of this trained network, so the new checkpoint's network file must be the
# original checkpoint's, byte for byte.
"$COLAD" train --config configs/paa-tiny.yaml --work-dir "$tmp/imported" --max-iters 1 "${small[@]}" \
  --set network_a.init_from="$tmp/a.safetensors" --set train.lr=1e-30 > "$tmp/import.log"
grep -q "network a: .* tensors from $tmp/a.safetensors (PyTorch layout), 0 keep colad's initialisation" "$tmp/import.log" \
  || { cat "$tmp/import.log"; die "no initialisation line"; }
grep -q "init_from: $tmp/a.safetensors" "$tmp/imported/config.yaml" || die "config.yaml does not record init_from"
cmp -s "$ckpt/network-a.safetensors" "$tmp/imported/checkpoints/iter_0000001/network-a.safetensors" \
  || die "checkpoint → export → init_from did not reproduce the weights bit for bit"

"$COLAD" train --config configs/paa-tiny.yaml --work-dir "$tmp/partial" --max-iters 1 "${small[@]}" \
  --set network_a.init_from="$tmp/a.safetensors" --set 'network_a.init_prefixes=[backbone.]' > "$tmp/partial.log"
grep -Eq "network a: [0-9]+ tensors under backbone. from .* [1-9][0-9]* keep colad's initialisation" "$tmp/partial.log" \
  || { cat "$tmp/partial.log"; die "partial import not reported"; }

# Another preset's weights: refused, every mis-shaped tensor named in one message, exit 1.
set +e
"$COLAD" train --config configs/paa-tiny.yaml --work-dir "$tmp/wrong" --max-iters 1 "${small[@]}" \
  --set network_a.init_from="$tmp/a.safetensors" --set network_a.preset=small > /dev/null 2> "$tmp/wrong.err"
rc=$?
set -e
[ "$rc" -eq 1 ] || { cat "$tmp/wrong.err"; die "expected exit 1 for a small network from tiny weights, got $rc"; }
for t in "missing backbone.layer1.1.conv1.weight" "mis-shaped backbone.stem.conv.weight" "mis-shaped neck.lateral_convs.2.conv.weight: expected \[64, 256, 1, 1\], found \[64, 128, 1, 1\]" "hint:"; do
  grep -q "$t" "$tmp/wrong.err" || { cat "$tmp/wrong.err"; die "the error does not name: $t"; }
done

PY=${COLAD_TORCH_PYTHON:-python3}
if "$PY" -c "import torch, safetensors, numpy" 2>/dev/null; then
  "$PY" Tests/Fixtures/scripts/colad_torch.py --check
  classes=$("$PY" -c "import sys,json; from safetensors import safe_open; f=safe_open(sys.argv[1],'np'); print(f.get_slice('head.atss_cls.bias').get_shape()[0])" "$tmp/a.safetensors")
  "$PY" Tests/Fixtures/scripts/colad_torch.py --check-export "$tmp/a.safetensors" --colad "$ckpt/network-a.safetensors" \
    --preset tiny --num-classes "$classes"
  echo "torch_weights: export ↔ init_from bit-exact, partial and refused imports, PyTorch checks passed ($PY)"
else
  echo "torch_weights: export ↔ init_from bit-exact, partial and refused imports; PyTorch checks skipped (no torch in $PY; set COLAD_TORCH_PYTHON)"
fi
