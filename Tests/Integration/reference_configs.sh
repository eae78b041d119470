#!/usr/bin/env bash
# The paper's detector configs (configs/paa-r50-fpn-1x.yaml, lad-r101-r50.yaml,
# colad-r50-r101.yaml): each resolves and validates as shipped, and each trains two iterations
# end to end with the reference's keep-ratio pipeline scaled down (images fit 200 x 128, CoLAD
# with multi-scale short sides 96-128) on a small COCO-format set of non-square images
# (Tests/Fixtures/scripts/make_rect_coco.py; COCO and the ImageNet weights are not on a CI
# machine): the ResNet-50 PAA baseline, a ResNet-101 teacher for LAD trained the same way, LAD
# from that teacher, and CoLAD of ResNet-50 with ResNet-101. Checks the final metrics line of
# each run and that the checkpoints hold the networks' torchvision-named tensors.
set -euo pipefail
cd "$(dirname "$0")/../.."
source launch/env.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "reference_configs: $*"; for f in "$tmp"/*.log; do [ -f "$f" ] && { echo "== $f"; tail -15 "$f"; }; done; exit 1; }
for c in paa-r50-fpn-1x lad-r101-r50 colad-r50-r101; do
  "$COLAD" config print --config "configs/$c.yaml" > "$tmp/$c.yaml" || fail "configs/$c.yaml does not resolve"
  grep -q "fpn_levels: 5" "$tmp/$c.yaml" && grep -q "strides: \[8, 16, 32, 64, 128\]" "$tmp/$c.yaml" || fail "$c: not the five-level reference pyramid"
  grep -q "resize: keep_ratio" "$tmp/$c.yaml" && grep -q "max_size: 1333" "$tmp/$c.yaml" && grep -q "short_side: 800" "$tmp/$c.yaml" \
    || fail "$c: not the reference's keep-ratio resize to 1333 x 800"
done
python3 Tests/Fixtures/scripts/make_rect_coco.py "$tmp/rect" --train 8 --val 4 > /dev/null
smoke=(--set data.train_annotations="$tmp/rect/annotations/instances_train.json" --set data.train_images="$tmp/rect/train"
       --set data.val_annotations="$tmp/rect/annotations/instances_val.json" --set data.val_images="$tmp/rect/val"
       --set data.max_size=200 --set data.short_side=128
       --set train.iterations=2 --set train.batch_size=2 --set train.log_every=1 --set train.eval_every=2
       --set train.checkpoint_every=2 --set train.warmup_iters=1)
run() {  # name config extra-args…
  local name=$1 config=$2; shift 2
  "$COLAD" train --config "configs/$config.yaml" --work-dir "$tmp/$name" "${smoke[@]}" "$@" > "$tmp/$name.log" 2>&1 || fail "$name: training failed"
  grep -qE "^final [ab] \(resnet(50|101)\): mAP [0-9.]+" "$tmp/$name.log" || fail "$name: no final metrics line"
}
run paa paa-r50-fpn-1x --set network_a.backbone_weights=null
run r101 paa-r50-fpn-1x --set network_a.backbone=resnet101 --set network_a.backbone_weights=null
run lad lad-r101-r50 --set network_a.checkpoint="$tmp/r101" --set network_b.backbone_weights=null
run colad colad-r50-r101 --set network_a.backbone_weights=null --set network_b.backbone_weights=null --set "data.short_side_range=[96, 128]"
grep -qE "^final b \(resnet50\)" "$tmp/lad.log" || fail "lad: the student's final line is missing"
grep -qE "^final b \(resnet101\)" "$tmp/colad.log" || fail "colad: network b's final line is missing"
python3 - "$tmp" <<'PYEOF' || fail "checkpoint tensors"
import json, struct, sys
def names(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return set(json.loads(f.read(n))) - {"__metadata__"}
t = sys.argv[1]
a = names(f"{t}/colad/checkpoints/iter_0000002/network-a.safetensors")
b = names(f"{t}/colad/checkpoints/iter_0000002/network-b.safetensors")
assert "backbone.layer4.2.conv3.weight" in a and "backbone.layer3.22.bn3.running_var" in b, "torchvision names"
assert "neck.fpn_convs.4.weight" in a and "head.scales.4" in b, "five levels"
PYEOF
echo "reference_configs: paa-r50-fpn-1x, lad-r101-r50, colad-r50-r101 resolve as shipped and train 2 iterations with keep-ratio batches of non-square images (R50 baseline, R101 teacher, LAD R101→R50, CoLAD R50+R101)"
