#!/usr/bin/env python3
"""Writes Tests/Fixtures/datasets/keep_ratio_mmcv.json: the reference's keep-ratio resize as
mmcv computes it, for DatasetsTests/KeepRatioTests to compare colad's Preprocess against.

  extents: mmcv.image.geometric.rescale_size((w, h), (long, short)) for COCO-like and extreme
           sizes at the reference's (1333, 800), its multi-scale lower end (1333, 640) and the
           scaled-down (200, 128) of the tests.
  image:   a 13 x 7 RGB pattern through mmcv.imrescale(img, (20, 12), interpolation='bilinear')
           (OpenCV's INTER_LINEAR, half-pixel centres, uint8 output), and the same in float64 by
           torch.nn.functional.interpolate(mode='bilinear', align_corners=False), which colad's
           float resize should match to float error.

Needs mmcv-lite, opencv-python and torch from PyPI (e.g. in ~/.cache/colad/torch-venv):
    pip install mmcv-lite torch
    python Tests/Fixtures/scripts/make_keep_ratio_fixtures.py
"""
import json
import os
import random

import mmcv
import numpy as np
import torch
from mmcv.image.geometric import rescale_size

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "datasets", "keep_ratio_mmcv.json")


def main():
    rng = random.Random(20)
    sizes = [(640, 480), (480, 640), (640, 427), (500, 375), (427, 640), (612, 612), (640, 360), (1, 1),
             (3000, 100), (100, 3000), (333, 500), (640, 640), (1333, 800), (801, 1334)]
    sizes += [(rng.randint(50, 1500), rng.randint(50, 1500)) for _ in range(40)]
    extents = []
    for scale in [(1333, 800), (1333, 640), (200, 128)]:
        for w, h in sizes:
            (nw, nh), factor = rescale_size((w, h), scale, return_scale=True)
            extents.append({"long": max(scale), "short": min(scale), "width": w, "height": h,
                            "new_width": nw, "new_height": nh, "scale": factor})
    h, w = 7, 13
    img = np.array([[[(x * 37 + y * 11 + c * 50) % 256 for c in range(3)] for x in range(w)] for y in range(h)], dtype=np.uint8)
    resized = mmcv.imrescale(img, (20, 12), interpolation="bilinear")
    nh, nw = resized.shape[:2]
    t = torch.from_numpy(img.astype(np.float64)).permute(2, 0, 1)[None]
    exact = torch.nn.functional.interpolate(t, size=(nh, nw), mode="bilinear", align_corners=False)[0].permute(1, 2, 0).numpy()
    doc = {"generator": "Tests/Fixtures/scripts/make_keep_ratio_fixtures.py",
           "versions": {"mmcv": mmcv.__version__, "torch": torch.__version__, "numpy": np.__version__},
           "extents": extents,
           "image": {"width": w, "height": h, "long": 20, "short": 12, "pixels": img.reshape(-1).tolist(),
                     "new_width": nw, "new_height": nh, "mmcv": resized.reshape(-1).tolist(),
                     "torch_float": [round(float(v), 10) for v in exact.reshape(-1)]}}
    with open(OUT + ".tmp", "w") as f:
        json.dump(doc, f)
    os.replace(OUT + ".tmp", OUT)
    print(f"wrote {OUT}: {len(extents)} extents, a {w}x{h} image resized to {nw}x{nh}")


if __name__ == "__main__":
    main()
