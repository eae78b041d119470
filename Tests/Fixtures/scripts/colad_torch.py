#!/usr/bin/env python3
"""colad's detector network (DESIGN.md §6, Sources/Models) as a plain PyTorch nn.Module, op
for op, with the PyTorch names colad exports (docs/weights.md), so that

    model = ColadDetector("tiny", num_classes=3)
    model.load_state_dict(safetensors.torch.load_file("exported.safetensors"))   # colad export
    outs = model(x)            # x [N, 3, H, W] normalised; [(cls, box, iou)] for P3, P4, P5

gives colad's head outputs, and `safetensors.torch.save_file(model.state_dict(), F)` is a file
colad imports (network_a.init_from: F). Written independently of the Swift code from the
architecture description; the committed fixtures tie the two together.

What colad does, and this module repeats:
  backbone  stem conv3x3/2 (no bias) -> GN -> ReLU; four stages, each a stride-2 BasicBlock
            (conv3x3/s-GN-ReLU-conv3x3-GN, shortcut conv1x1/s-GN when the shape changes, else
            identity; ReLU after the add) followed by stride-1 BasicBlocks; C3, C4, C5 = the
            outputs of stages 2, 3, 4. No max-pool: stage 1 itself has stride 2.
  neck      lateral conv1x1 (bias) to F channels; M5 = L5, M4 = L4 + up(M5), M3 = L3 + up(M4)
            with nearest 2x upsampling; P_i = conv3x3 (bias)(M_i). Three levels, no extra convs.
  head      shared across levels: cls and reg towers of head_convs x [conv3x3 (no bias), GN,
            ReLU]; cls = atss_cls(cls tower) (C logits); box = scale_l * atss_reg(reg tower);
            iou = atss_centerness(reg tower) (the IoU logit; mmdet's PAA keeps it there too).
  GroupNorm min(8, C) groups, eps 1e-5, affine.

Command line (needs torch, numpy, safetensors from PyPI):
  colad_torch.py --check
      the committed fixtures: colad's export (Tests/Fixtures/torch/colad_weights.safetensors),
      loaded strictly here, reproduces colad's head outputs (colad_outputs.safetensors) on the
      committed input within 1e-4 max abs difference; exit 1 otherwise.
  colad_torch.py --check-export OUT.safetensors --colad network-a.safetensors --preset P --num-classes C
      a `colad export` file equals this script's own conversion of the colad file tensor for
      tensor (bit-exact), loads strictly into ColadDetector(P, C), and runs.
"""
import argparse, json, os, sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {
    "tiny": dict(stem=16, widths=(16, 32, 64, 128), blocks=(1, 1, 1, 1)),
    "small": dict(stem=32, widths=(32, 64, 128, 256), blocks=(2, 2, 2, 2)),
}
DEFAULTS = dict(fpn_channels=64, head_channels=64, head_convs=2)
GN_EPS = 1e-5
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "torch")


def gn_groups(c):
    return min(8, c)


def architecture(preset=None, **overrides):
    """The architecture as a dict: a preset's values (or none), the defaults, then overrides."""
    arch = dict(DEFAULTS)
    if preset is not None:
        arch.update(PRESETS[preset])
    arch.update(overrides)
    missing = [k for k in ("stem", "widths", "blocks") if k not in arch]
    if missing:
        raise ValueError(f"architecture: give a preset ({', '.join(PRESETS)}) or {', '.join(missing)}")
    return arch


class ConvGN(nn.Module):
    """conv (no bias) -> GroupNorm -> optional ReLU; names `conv`, `gn` (mmcv ConvModule)."""

    def __init__(self, cin, cout, k, stride=1, relu=True):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=False)
        self.gn = nn.GroupNorm(gn_groups(cout), cout, eps=GN_EPS)
        self.relu = relu

    def forward(self, x):
        y = self.gn(self.conv(x))
        return F.relu(y) if self.relu else y


class Conv(nn.Module):
    """A bare conv with bias under the name `conv` (mmcv ConvModule without norm)."""

    def __init__(self, cin, cout, k):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, padding=k // 2, bias=True)

    def forward(self, x):
        return self.conv(x)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.gn1 = nn.GroupNorm(gn_groups(cout), cout, eps=GN_EPS)
        self.conv2 = nn.Conv2d(cout, cout, 3, stride=1, padding=1, bias=False)
        self.gn2 = nn.GroupNorm(gn_groups(cout), cout, eps=GN_EPS)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False),
                                            nn.GroupNorm(gn_groups(cout), cout, eps=GN_EPS))

    def forward(self, x):
        y = self.gn2(self.conv2(F.relu(self.gn1(self.conv1(x)))))
        return F.relu(y + (x if self.downsample is None else self.downsample(x)))


class ResNetGN(nn.Module):
    def __init__(self, stem, widths, blocks):
        super().__init__()
        self.stem = ConvGN(3, stem, 3, stride=2)
        cin = stem
        for i, (w, n) in enumerate(zip(widths, blocks)):
            layer = []
            for j in range(n):
                layer.append(BasicBlock(cin, w, 2 if j == 0 else 1))
                cin = w
            setattr(self, f"layer{i + 1}", nn.Sequential(*layer))
        self.num_stages = len(widths)

    def forward(self, x):
        y = self.stem(x)
        feats = []
        for i in range(self.num_stages):
            y = getattr(self, f"layer{i + 1}")(y)
            if i >= 1:
                feats.append(y)
        return feats


class FPN(nn.Module):
    def __init__(self, in_channels, channels):
        super().__init__()
        self.lateral_convs = nn.ModuleList(Conv(c, channels, 1) for c in in_channels)
        self.fpn_convs = nn.ModuleList(Conv(channels, channels, 3) for _ in in_channels)

    def forward(self, feats):
        m = [lat(c) for lat, c in zip(self.lateral_convs, feats)]
        for i in range(len(m) - 2, -1, -1):
            m[i] = m[i] + F.interpolate(m[i + 1], scale_factor=2, mode="nearest")
        return [conv(x) for conv, x in zip(self.fpn_convs, m)]


class Scale(nn.Module):
    """A learnable scalar (mmcv's Scale: a 0-dim parameter named `scale`)."""

    def __init__(self, value=1.0):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(value, dtype=torch.float32))

    def forward(self, x):
        return x * self.scale


class PAAHead(nn.Module):
    def __init__(self, in_channels, channels, convs, num_classes, num_levels=3):
        super().__init__()
        self.cls_convs = nn.ModuleList(ConvGN(in_channels if i == 0 else channels, channels, 3) for i in range(convs))
        self.reg_convs = nn.ModuleList(ConvGN(in_channels if i == 0 else channels, channels, 3) for i in range(convs))
        self.atss_cls = nn.Conv2d(channels, num_classes, 3, padding=1)
        self.atss_reg = nn.Conv2d(channels, 4, 3, padding=1)
        self.atss_centerness = nn.Conv2d(channels, 1, 3, padding=1)
        self.scales = nn.ModuleList(Scale(1.0) for _ in range(num_levels))

    def forward(self, feats):
        outs = []
        for p, scale in zip(feats, self.scales):
            c, r = p, p
            for layer in self.cls_convs:
                c = layer(c)
            for layer in self.reg_convs:
                r = layer(r)
            outs.append((self.atss_cls(c), scale(self.atss_reg(r)), self.atss_centerness(r)))
        return outs


class ColadDetector(nn.Module):
    """colad's DetectorNetwork. `forward(x)`: x [N, 3, H, W] (H, W multiples of 32) ->
    [(cls [N, C, H/s, W/s], box [N, 4, ...], iou [N, 1, ...]) for s in 8, 16, 32]."""

    def __init__(self, preset="tiny", num_classes=80, **overrides):
        super().__init__()
        self.arch = architecture(preset, **overrides)
        a = self.arch
        self.backbone = ResNetGN(a["stem"], a["widths"], a["blocks"])
        self.neck = FPN(list(a["widths"])[-3:], a["fpn_channels"])
        self.head = PAAHead(a["fpn_channels"], a["head_channels"], a["head_convs"], num_classes)

    def forward(self, x):
        return self.head(self.neck(self.backbone(x)))

    def load_colad(self, path):
        """Loads a colad checkpoint's network-*.safetensors (colad names, OHWI) directly."""
        from safetensors.numpy import load_file
        self.load_state_dict(from_colad_state_dict(load_file(path)), strict=True)
        return self


# ---- colad names/layout -> PyTorch names/layout (docs/weights.md), written from the rules
# ---- there, independently of Sources/Models/TorchNames.swift.

def torch_name(colad):
    """(PyTorch name, layout) of a colad parameter name; layout is 'same', 'oihw' or 'scalar'."""
    p = colad.split(".")
    leaf = p[-1]
    if p[:2] == ["backbone", "stem"]:
        name = colad
    elif p[0] == "backbone" and p[1].startswith("layer"):
        unit = {("conv1", "conv"): "conv1", ("conv1", "gn"): "gn1", ("conv2", "conv"): "conv2",
                ("conv2", "gn"): "gn2", ("downsample", "conv"): "downsample.0",
                ("downsample", "gn"): "downsample.1"}[(p[3], p[4])]
        name = ".".join(p[:3] + [unit, leaf])
    elif p[0] == "neck":
        name = ".".join(p[:3] + ["conv", leaf])
    elif p[0] == "head" and p[1] in ("cls_convs", "reg_convs"):
        name = colad
    elif p[0] == "head" and p[1] == "scales":
        return colad + ".scale", "scalar"
    elif p[0] == "head":
        name = ".".join(["head", {"conv_cls": "atss_cls", "conv_reg": "atss_reg", "conv_iou": "atss_centerness"}[p[1]], leaf])
    else:
        raise KeyError(f"not a colad parameter name: {colad}")
    is_conv_weight = leaf == "weight" and "gn" not in p
    return name, ("oihw" if is_conv_weight else "same")


def from_colad_state_dict(colad):
    """{colad name: numpy array (colad layout)} -> {PyTorch name: torch.Tensor (PyTorch layout)}."""
    out = {}
    for k, v in colad.items():
        name, layout = torch_name(k)
        v = np.asarray(v, dtype=np.float32)
        if layout == "oihw":
            v = v.transpose(0, 3, 1, 2)          # [O, K, K, I] -> [O, I, K, K]
        elif layout == "scalar":
            v = v.reshape(())
        out[name] = torch.from_numpy(v.copy(order="C"))   # (np.ascontiguousarray would make 0-dim 1-dim)
    return out


# ---- checks

def nchw_outputs(outs):
    """[(cls, box, iou)] -> {"cls.l": array, "box.l": ..., "iou.l": ...} (NCHW float32)."""
    d = {}
    for l, (c, b, i) in enumerate(outs):
        for key, t in (("cls", c), ("box", b), ("iou", i)):
            d[f"{key}.{l}"] = t.detach().to(torch.float32).numpy()
    return d


def model_from_metadata(meta):
    arch = json.loads(meta["config"])
    classes = arch.pop("num_classes")
    return ColadDetector(None, num_classes=classes, **arch)


def check_fixtures(tolerance=1e-4):
    """colad's export, loaded here, gives colad's outputs on the committed input."""
    from safetensors import safe_open
    from safetensors.torch import load_file
    with safe_open(os.path.join(FIXTURES, "colad_weights.safetensors"), framework="pt") as f:
        meta = f.metadata()
    model = model_from_metadata(meta)
    model.load_state_dict(load_file(os.path.join(FIXTURES, "colad_weights.safetensors")), strict=True)
    x = load_file(os.path.join(FIXTURES, "parity_input.safetensors"))["images"]
    expected = load_file(os.path.join(FIXTURES, "colad_outputs.safetensors"))
    with torch.no_grad():
        got = nchw_outputs(model.double()(x.double()))
    worst = 0.0
    assert sorted(got) == sorted(expected), (sorted(got), sorted(expected))
    for k in sorted(got):
        e = expected[k].numpy()
        assert got[k].shape == e.shape, (k, got[k].shape, e.shape)
        d = float(np.max(np.abs(got[k].astype(np.float64) - e.astype(np.float64))))
        worst = max(worst, d)
        print(f"  {k:6s} {str(list(e.shape)):16s} max |torch - colad| = {d:.3e}")
    ok = worst <= tolerance
    print(f"colad_torch --check: colad's export in PyTorch reproduces colad's head outputs: "
          f"max abs diff {worst:.3e} (tolerance {tolerance:g}): {'ok' if ok else 'FAILED'}")
    return ok


def check_export(exported, colad_file, preset, num_classes):
    """A `colad export` file equals this script's conversion of the colad file, and loads."""
    from safetensors.numpy import load_file as load_np
    from safetensors.torch import load_file
    mine = from_colad_state_dict(load_np(colad_file))
    theirs = load_file(exported)
    problems = []
    for k in sorted(set(mine) | set(theirs)):
        if k not in theirs:
            problems.append(f"missing in export: {k}")
        elif k not in mine:
            problems.append(f"extra in export: {k}")
        elif mine[k].shape != theirs[k].shape or not torch.equal(mine[k], theirs[k]):
            problems.append(f"differs: {k} {list(mine[k].shape)} vs {list(theirs[k].shape)}")
    model = ColadDetector(preset, num_classes=num_classes)
    model.load_state_dict(theirs, strict=True)
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(0)))
    finite = all(bool(torch.isfinite(t).all()) for o in outs for t in o)
    for p in problems:
        print("  " + p)
    ok = not problems and finite
    print(f"colad_torch --check-export: {len(theirs)} tensors, equal to the Python conversion of {colad_file}, "
          f"strict load into ColadDetector({preset!r}, {num_classes}), finite outputs: {'ok' if ok else 'FAILED'}")
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="check the committed colad export against colad's outputs")
    ap.add_argument("--check-export", metavar="OUT", help="a file written by `colad export`")
    ap.add_argument("--colad", metavar="FILE", help="the network-*.safetensors it was exported from")
    ap.add_argument("--preset", default="tiny")
    ap.add_argument("--num-classes", type=int, default=80)
    args = ap.parse_args()
    ok = True
    if args.check:
        ok &= check_fixtures()
    if args.check_export:
        if not args.colad:
            ap.error("--check-export needs --colad FILE")
        ok &= check_export(args.check_export, args.colad, args.preset, args.num_classes)
    if not (args.check or args.check_export):
        ap.print_help()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
