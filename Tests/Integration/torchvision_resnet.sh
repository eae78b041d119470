#!/usr/bin/env bash
# colad's torchvision-layout ResNet against torchvision itself at full size: torchvision's
# resnet18 and resnet50 (random init, BatchNorm statistics and affine randomised, eval mode) give
# the same C3, C4, C5 as `colad diag backbone` loading the same state dict, within 1e-4 relative
# to the feature scale. The state dict is saved as torchvision's own .pth files are (torch.save,
# fc and num_batches_tracked included) and converted by launch/convert-torchvision-weights
# --from, the path a user without internet on the cluster takes; a ResNet-18 file offered as a
# ResNet-50 is refused with the mis-shaped tensors named. Where torch
# and torchvision are not importable ($COLAD_TORCH_PYTHON, else python3) the check is skipped;
# the narrow-width fixtures of ResNetTests run everywhere.
set -euo pipefail
cd "$(dirname "$0")/../.."
source launch/env.sh
PY=${COLAD_TORCH_PYTHON:-python3}
if ! "$PY" -c "import torch, torchvision, safetensors" 2>/dev/null; then
  echo "torchvision_resnet: skipped (no torch + torchvision + safetensors in $PY; set COLAD_TORCH_PYTHON)"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for depth in 18 50; do
  "$PY" - "$depth" "$tmp" <<'PYEOF'
import sys, torch, torchvision
from safetensors.torch import save_file
depth, tmp = int(sys.argv[1]), sys.argv[2]
torch.manual_seed(depth)
m = getattr(torchvision.models, f"resnet{depth}")(weights=None)
with torch.no_grad():
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            c = mod.num_features
            mod.weight.copy_(torch.rand(c) * 0.5 + 0.5); mod.bias.copy_(torch.randn(c) * 0.1)
            mod.running_mean.copy_(torch.randn(c) * 0.1); mod.running_var.copy_(torch.rand(c) + 0.5)
m.eval()
torch.save(m.state_dict(), f"{tmp}/resnet{depth}.pth")
x = torch.randn(1, 3, 96, 128)
with torch.no_grad():
    y = m.maxpool(m.relu(m.bn1(m.conv1(x)))); y = m.layer1(y)
    c3 = m.layer2(y); c4 = m.layer3(c3); c5 = m.layer4(c4)
save_file({"input": x}, f"{tmp}/x{depth}.safetensors")
save_file({"c3": c3, "c4": c4, "c5": c5}, f"{tmp}/ref{depth}.safetensors")
PYEOF
  COLAD_TORCH_PYTHON="$PY" launch/convert-torchvision-weights "$depth" "$tmp/w$depth.safetensors" --from "$tmp/resnet$depth.pth" > /dev/null
  "$COLAD" diag backbone --depth "$depth" --weights "$tmp/w$depth.safetensors" --input "$tmp/x$depth.safetensors" --out "$tmp/out$depth.safetensors"
  "$PY" - "$depth" "$tmp" <<'PYEOF'
import sys
from safetensors.torch import load_file
depth, tmp = sys.argv[1], sys.argv[2]
ref, out = load_file(f"{tmp}/ref{depth}.safetensors"), load_file(f"{tmp}/out{depth}.safetensors")
worst = 0.0
for k in ("c3", "c4", "c5"):
    assert ref[k].shape == out[k].shape, (k, ref[k].shape, out[k].shape)
    d = ((ref[k] - out[k]).abs().max() / ref[k].abs().max().clamp(min=1)).item()
    worst = max(worst, d)
assert worst < 1e-4, f"resnet{depth}: C3-C5 differ from torchvision by {worst:.2e} (relative to the feature scale)"
print(f"torchvision_resnet: resnet{depth} C3-C5 agree with torchvision within {worst:.1e} (relative to the feature scale)")
PYEOF
done
if COLAD_TORCH_PYTHON="$PY" launch/convert-torchvision-weights 50 "$tmp/wrong.safetensors" --from "$tmp/resnet18.pth" > "$tmp/wrong.log" 2>&1 \
   || ! grep -q "size mismatch for layer1.0.conv1.weight" "$tmp/wrong.log" || ! grep -q "hint: is DEPTH right" "$tmp/wrong.log" || [ -e "$tmp/wrong.safetensors" ]; then
  echo "torchvision_resnet: a resnet18 file converted as resnet50 was not refused with its tensors named"; cat "$tmp/wrong.log"; exit 1
fi
echo "torchvision_resnet: converter refuses a resnet18 file as resnet50, naming the mis-shaped tensors"
