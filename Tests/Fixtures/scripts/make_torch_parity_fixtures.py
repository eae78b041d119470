#!/usr/bin/env python3
"""Writes Tests/Fixtures/torch/{parity_input,torch_weights,torch_outputs}.safetensors: the
PyTorch side of the cross-framework parity test (ModelsTests/TorchParityTests.swift).

- parity_input.safetensors   "images" [2, 3, 64, 32] float32, NCHW (non-square on purpose: a
                             swapped H/W shows), drawn from N(0, 1) with a fixed generator.
- torch_weights.safetensors  the state dict of ColadDetector (colad_torch.py) for PARITY, built
                             with torch.manual_seed(SEED) (PyTorch's default init), GroupNorm
                             affines and the level scales then redrawn so that they matter:
                             the PyTorch-layout file colad imports.
- torch_outputs.safetensors  the head outputs on the input, computed in float64 and stored as
                             float32: "cls.l" [2, C, H_l, W_l], "box.l" [2, 4, ...], "iou.l" [2, 1, ...].

PARITY is the tiny preset's depth (1 block per stage, 2 head convs) with one stride-1 block
(stage 2, as in `small`) and narrow widths so the files stay small; channel counts of 16 give
GroupNorm groups of 2 channels. Every file's metadata holds the format version, the
architecture (JSON), the seed and the package versions. The other direction (colad's export
checked in PyTorch) is written by the Swift test and checked by `colad_torch.py --check`.

Run:  python3 Tests/Fixtures/scripts/make_torch_parity_fixtures.py   (torch, numpy, safetensors from PyPI)
The committed files were made with torch 2.15.0 (PyPI's default build, run on the CPU), numpy 2.4.6,
safetensors 0.8.0, Python 3.11; rerunning gives the same tensors bit for bit (the metadata's key
order in the header may differ: safetensors does not keep it).
After regenerating, run COLAD_REGENERATE_FIXTURES=1 swift test --filter TorchParityTests (colad's
side reads the architecture and input from these files) and colad_torch.py --check.
"""
import json, os, sys

import numpy as np
import torch
import safetensors
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from colad_torch import ColadDetector, nchw_outputs, FIXTURES  # noqa: E402

SEED = 20261201
PARITY = dict(stem=8, widths=[8, 16, 16, 16], blocks=[1, 2, 1, 1], fpn_channels=16, head_channels=16,
              head_convs=2, num_classes=3)
INPUT_SHAPE = (2, 3, 64, 32)


def metadata(**kw):
    return {"format_version": "1", "config": json.dumps(PARITY, sort_keys=True), "seed": str(SEED),
            "torch": torch.__version__, "numpy": np.__version__, "safetensors": safetensors.__version__,
            "writer": "make_torch_parity_fixtures.py", **kw}


def main():
    torch.manual_seed(SEED)
    arch = dict(PARITY)
    model = ColadDetector(None, num_classes=arch.pop("num_classes"), **arch)
    g = torch.Generator().manual_seed(SEED + 1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if isinstance(dict(model.named_modules())[name.rsplit(".", 1)[0]], torch.nn.GroupNorm):
                p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.25 * torch.randn(p.shape, generator=g))
            elif name.endswith(".scale"):
                p.copy_(0.5 + torch.rand(p.shape, generator=g))
    x = torch.randn(*INPUT_SHAPE, generator=torch.Generator().manual_seed(SEED + 2))
    with torch.no_grad():
        outs = nchw_outputs(model.double()(x.double()))
    model.float()
    os.makedirs(FIXTURES, exist_ok=True)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(FIXTURES, "torch_weights.safetensors"), metadata=metadata(layout="pytorch"))
    save_file({"images": x.contiguous()}, os.path.join(FIXTURES, "parity_input.safetensors"),
              metadata=metadata(layout="NCHW"))
    save_file({k: torch.from_numpy(v) for k, v in outs.items()}, os.path.join(FIXTURES, "torch_outputs.safetensors"),
              metadata=metadata(layout="NCHW", precision="computed in float64, stored as float32"))
    for f in ("parity_input", "torch_weights", "torch_outputs"):
        path = os.path.join(FIXTURES, f + ".safetensors")
        print(f"wrote {os.path.relpath(path)} ({os.path.getsize(path)} bytes)")
    print(f"{sum(p.numel() for p in model.parameters())} parameters, {len(state)} tensors")


if __name__ == "__main__":
    main()
