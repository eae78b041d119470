#!/usr/bin/env python3
"""Writes the reference fixtures of the Inference module to Tests/Fixtures/inference/.

SPEC-PAA-LAD.md §6 (PAA test_cfg) re-implemented independently of the Swift code, in float64
numpy: p = σ(cls), q = σ(iou), rank = max_c √(p·q), per-level nms_pre over the valid anchors,
DeltaXYWH decode clipped to the image, s = √(p·q) > score_thr, per-class greedy NMS (IoU > thr),
top max_per_img, score voting, division by the scale.

colad's pinned conventions (see Sources/Inference/README.md) are reproduced: invalid anchors are
dropped before ranking; equal scores go to the lower flat position a·C + c (nms_pre ranking: the
lower anchor); the output is ordered by score across classes.

Inputs are multiples of 1/4096 (logits) or 1/64 (deltas) and anchors are integers, so they are
exact in float32 and the Swift code sees exactly the same numbers. The Swift code computes in float32, so a
discrete decision (a threshold, an order, an IoU against 0.6 or 0.01) taken within rounding
distance could go the other way; every case is checked for such near-decisions and is redrawn
from the next sub-seed if it has one. Exact ties are allowed when they come from the same pair of
logits (σ(a)·σ(b) is commutative, so both sides tie exactly and break the tie the same way): the
cases inject them.

Usage (from the package root):  python3 Tests/Fixtures/scripts/make_inference_fixtures.py
Requires numpy only. Output is deterministic for a given seed and numpy version.
"""
import json
import math
import os
import sys

import numpy as np

SEED = 20250611
FORMAT_VERSION = 1
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "inference")

STDS = np.array([0.1, 0.1, 0.2, 0.2])
MAX_RATIO = abs(math.log(16 / 1000))
EPS = 1e-6
DEFAULTS = dict(nmsPre=1000, scoreThreshold=0.05, nmsIoU=0.6, maxPerImage=100, scoreVoting=True,
                votingSigma=0.025, votingMinIoU=0.01)
LOGIT_QUANTUM = 4096.0    # logits are multiples of 1/4096, deltas of 1/64: exact in float32
DELTA_QUANTUM = 64.0
SCORE_REL_MARGIN = 2e-6   # float32 scores (σ, product, sqrt) are good to a few 1e-7 relative


class Fragile(Exception):
    """A discrete decision of the reference lies within float32 rounding of its threshold."""


# ------------------------------------------------------------------------------- primitives
def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def decode(anchors, deltas, size):
    """mmdet delta2bbox: means 0, stds (.1,.1,.2,.2), log-ratio clamp, clip to [0,W]×[0,H]."""
    px = (anchors[:, 0] + anchors[:, 2]) * 0.5
    py = (anchors[:, 1] + anchors[:, 3]) * 0.5
    pw = anchors[:, 2] - anchors[:, 0]
    ph = anchors[:, 3] - anchors[:, 1]
    d = deltas * STDS
    dw = np.clip(d[:, 2], -MAX_RATIO, MAX_RATIO)
    dh = np.clip(d[:, 3], -MAX_RATIO, MAX_RATIO)
    gx, gy = px + pw * d[:, 0], py + ph * d[:, 1]
    gw, gh = pw * np.exp(dw), ph * np.exp(dh)
    box = np.stack([gx - gw * 0.5, gy - gh * 0.5, gx + gw * 0.5, gy + gh * 0.5], axis=1)
    box[:, 0::2] = np.clip(box[:, 0::2], 0, size[0])
    box[:, 1::2] = np.clip(box[:, 1::2], 0, size[1])
    return box


def iou_matrix(a, b):
    """mmdet bbox_overlaps(a, b), mode 'iou', eps 1e-6 (signed areas)."""
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    wh = np.clip(rb - lt, 0, None)
    inter = wh[..., 0] * wh[..., 1]
    union = np.maximum(area_a[:, None] + area_b[None, :] - inter, EPS)
    return inter / union


def iou_margin(a, b):
    """How far an IoU of boxes a (n,4) × b (m,4) must be from a threshold for float32 to agree.
    float32 corners (≤ a few hundred px, a few rounded operations each) are good to δ ≈ 2e-5 px;
    IoU = I/U then moves by about IoU·δ·(2/iw + 2/ih + 4/side_a + 4/side_b). Safety factor 4."""
    delta = 2e-5
    side = lambda x: np.maximum(np.minimum(x[:, 2] - x[:, 0], x[:, 3] - x[:, 1]), 1e-9)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    wh = np.clip(rb - lt, 1e-9, None)
    rel = 2 / wh[..., 0] + 2 / wh[..., 1] + 4 / side(a)[:, None] + 4 / side(b)[None, :]
    overlap = iou_matrix(a, b)
    return 1e-6 + 4 * delta * np.where(overlap > 0, overlap * rel, 0.0)


# ------------------------------------------------------------------------------- reference
def post_process(case, b):
    """Detections of image b: list of (x1, y1, x2, y2, class, score). Raises Fragile."""
    cfg = case["config"]
    C = case["num_classes"]
    size = case["image_sizes"][b]
    anchors = np.array(case["anchors"], dtype=np.float64)
    valid = np.array(case["valid"][b], dtype=bool)
    thr = cfg["scoreThreshold"]

    def check_order(x, y, kx, ky, what):
        """x, y: float64 values compared; kx, ky: the sorted logit pairs they come from (equal ⇒ exact tie)."""
        if x == y:
            if kx != ky:
                raise Fragile(f"{what}: float64 tie {x} from different inputs")
        elif abs(x - y) <= SCORE_REL_MARGIN * max(abs(x), abs(y)):
            raise Fragile(f"{what}: {x} vs {y}")

    # Steps 1–3, level by level.
    cand_box, cand_cls, cand_score, cand_key = [], [], [], []
    base = 0
    for l, (H, W) in enumerate(case["level_shapes"]):
        hw = H * W
        z = np.array(case["cls"][l], dtype=np.float64).reshape(-1, hw, C)[b]
        t = np.array(case["reg"][l], dtype=np.float64).reshape(-1, hw, 4)[b]
        u = np.array(case["iou"][l], dtype=np.float64).reshape(-1, hw)[b]
        s = np.sqrt(sigmoid(z) * sigmoid(u)[:, None])          # (hw, C)
        rank = s.max(axis=1)
        rank_key = [tuple(sorted((float(z[a].max()), float(u[a])))) for a in range(hw)]
        idx = [a for a in range(hw) if valid[base + a]]
        if 0 < cfg["nmsPre"] < len(idx):
            idx.sort(key=lambda a: (-rank[a], a))
            check_order(rank[idx[cfg["nmsPre"] - 1]], rank[idx[cfg["nmsPre"]]],
                        rank_key[idx[cfg["nmsPre"] - 1]], rank_key[idx[cfg["nmsPre"]]], f"nms_pre cut, level {l}")
            idx = sorted(idx[:cfg["nmsPre"]])
        if not idx:
            base += hw
            continue
        boxes = decode(anchors[base + np.array(idx)], t[idx], size)
        for k, a in enumerate(idx):
            for c in range(C):
                if abs(s[a, c] - thr) <= SCORE_REL_MARGIN * thr:
                    raise Fragile(f"score {s[a, c]} at the threshold")
                if s[a, c] > thr:
                    cand_box.append(boxes[k])
                    cand_cls.append(c)
                    cand_score.append(s[a, c])
                    cand_key.append(tuple(sorted((float(z[a, c]), float(u[a])))))
        base += hw
    if not cand_box:
        return []
    boxes = np.array(cand_box)
    labels = np.array(cand_cls)
    scores = np.array(cand_score)
    n = len(scores)
    order_key = lambda i: (-scores[i], i)

    # Step 4: per-class greedy NMS, merge, cut.
    overlaps = iou_matrix(boxes, boxes)
    margins = iou_margin(boxes, boxes)
    kept = []
    for c in sorted(set(labels.tolist())):
        members = sorted(np.nonzero(labels == c)[0].tolist(), key=order_key)
        alive = list(members)
        while alive:
            i = alive.pop(0)
            kept.append(i)
            for j in members:           # every decision kept-vs-other must be robust
                if j == i:
                    continue
                if abs(overlaps[i, j] - cfg["nmsIoU"]) <= margins[i, j]:
                    raise Fragile(f"IoU {overlaps[i, j]} at the NMS threshold")
                if overlaps[i, j] > cfg["nmsIoU"]:
                    check_order(scores[i], scores[j], cand_key[i], cand_key[j], "NMS order")
            alive = [j for j in alive if not overlaps[i, j] > cfg["nmsIoU"]]
    kept.sort(key=order_key)
    for x, y in zip(kept, kept[1:]):
        check_order(scores[x], scores[y], cand_key[x], cand_key[y], "output order")
    if cfg["maxPerImage"] > 0:
        kept = kept[:cfg["maxPerImage"]]

    # Step 5: score voting over all candidates of the class.
    out = []
    zero_area_voters = []
    for i in kept:
        box = boxes[i]
        if cfg["scoreVoting"]:
            same = np.nonzero(labels == labels[i])[0]
            u = iou_matrix(boxes[i:i + 1], boxes[same])[0]
            m = iou_margin(boxes[i:i + 1], boxes[same])[0]
            if np.any(np.abs(u - cfg["votingMinIoU"]) <= m):
                raise Fragile("IoU at the voting threshold")
            sel = u > cfg["votingMinIoU"]
            w = np.exp(-(1 - u[sel]) ** 2 / cfg["votingSigma"]) * scores[same][sel]
            if w.sum() > 0:     # empty only for a zero-area box (IoU with itself 0): keep it
                box = (w[:, None] * boxes[same][sel]).sum(axis=0) / w.sum()
        # Step 6: back to original-image pixels.
        zero_area_voters.append(bool(cfg["scoreVoting"] and (box[2] - box[0]) * (box[3] - box[1]) == 0))
        box = box / case["scales"][b]
        out.append([float(v) for v in box] + [int(labels[i]), float(scores[i])])
    if any(zero_area_voters):
        print(f"  {case['name']}[{b}]: {sum(zero_area_voters)} zero-area detection(s) kept unvoted", file=sys.stderr)
    return out


# ------------------------------------------------------------------------------- case builders
def q(x, quantum=DELTA_QUANTUM):
    """Rounds to a multiple of 1/quantum (exact in float32 for the magnitudes used)."""
    return np.round(np.asarray(x, dtype=np.float64) * quantum) / quantum


def layout(pad, strides, side_mult, offset):
    """Anchors of a pad×pad input: level-major, row-major; square, side = side_mult·stride,
    centre ((j + offset)·s, (i + offset)·s)."""
    anchors, shapes = [], []
    for s in strides:
        n = math.ceil(pad / s)
        shapes.append([n, n])
        half = side_mult * s / 2
        for i in range(n):
            for j in range(n):
                cx, cy = (j + offset) * s, (i + offset) * s
                anchors.append([cx - half, cy - half, cx + half, cy + half])
    return anchors, shapes


def valid_flags(shapes, strides, size):
    """SPEC §1 / mmdet valid_flags: cell (i, j) is valid iff i < ceil(h/s) and j < ceil(w/s)."""
    flags = []
    for (H, W), s in zip(shapes, strides):
        vh, vw = min(math.ceil(size[1] / s), H), min(math.ceil(size[0] / s), W)
        flags += [int(i < vh and j < vw) for i in range(H) for j in range(W)]
    return flags


def build(rng, name, pad, strides, C, sizes, scales, config=None, side_mult=4, offset=0.0,
          cls_mean=-1.5, cls_std=1.5, duplicates=0, tie_block=None):
    anchors, shapes = layout(pad, strides, side_mult, offset)
    N = len(sizes)
    cls, reg, iou = [], [], []
    for (H, W) in shapes:
        hw = H * W
        z = q(rng.normal(cls_mean, cls_std, size=(N, hw, C)), LOGIT_QUANTUM)
        d = q(rng.normal(0, 1, size=(N, hw, 4)))
        big = rng.random((N, hw, 2)) < 0.03           # some log-ratios beyond the ±4.135 clamp
        d[..., 2:] = np.where(big, q(rng.choice([-1, 1], size=(N, hw, 2)) * rng.uniform(21, 30, (N, hw, 2))), d[..., 2:])
        u = q(rng.normal(0, 1.5, size=(N, hw)), LOGIT_QUANTUM)
        # Duplicates: anchor (i, j+1) copies the scores of (i, j) and is shifted onto the same box
        # (dx − 2.5 moves the centre back by one stride when side = 4·stride): an exact score tie
        # between two overlapping boxes, which the lower index must win.
        for _ in range(duplicates if W > 1 else 0):
            img, i, j = rng.integers(N), rng.integers(H), rng.integers(W - 1)
            a = i * W + j
            z[img, a + 1], u[img, a + 1] = z[img, a], u[img, a]
            d[img, a + 1] = d[img, a]
            d[img, a + 1, 0] -= 2.5 * 4 / side_mult
        cls.append(z)
        reg.append(d)
        iou.append(u)
    if tie_block is not None:
        # Level 0 of image 0: `count` anchors from `first` share one strong score row, so the
        # nms_pre cut falls among equal ranks.
        first, count = tie_block
        row_z, row_u = q(rng.normal(1.0, 0.3, size=C), LOGIT_QUANTUM), q(rng.normal(1.0, 0.3), LOGIT_QUANTUM)
        for a in range(first, first + count):
            cls[0][0, a], iou[0][0, a] = row_z, row_u
    cfg = dict(DEFAULTS)
    cfg.update(config or {})
    return {
        "name": name, "num_classes": C, "batch": N, "strides": strides, "level_shapes": shapes,
        "anchor_side": f"{side_mult}*stride", "anchor_offset": offset,
        "config": cfg, "image_sizes": sizes, "scales": scales,
        "anchors": anchors, "valid": [valid_flags(shapes, strides, sz) for sz in sizes],
        "cls": [x.reshape(-1).tolist() for x in cls],
        "reg": [x.reshape(-1).tolist() for x in reg],
        "iou": [x.reshape(-1).tolist() for x in iou],
    }


def robust_case(seed, make):
    """Draws the case from seed, seed + 1, … until no decision is within rounding of a threshold."""
    for sub in range(seed, seed + 200):
        case = make(np.random.default_rng(sub))
        try:
            case["expected"] = [post_process(case, b) for b in range(case["batch"])]
        except Fragile as e:
            print(f"  {case['name']}: sub-seed {sub} redrawn ({e})", file=sys.stderr)
            continue
        case["seed"] = sub
        return case
    raise SystemExit(f"no robust draw for {make}")


CASES = [
    # The default 128×128 layout (336 anchors), full image, heavy overlaps and injected ties.
    lambda r: build(r, "grid128_c3", 128, [8, 16, 32], 3, [[128, 128]], [1.0], duplicates=12),
    # Two images with unpadded extents smaller than the pad (invalid anchors, clipping) and scales.
    lambda r: build(r, "unpadded_batch_c4", 64, [8, 16, 32], 4, [[50, 37], [64, 41]], [0.78125, 2.0],
                    offset=0.5, duplicates=4),
    # nms_pre = 12 with the cut inside a block of equal ranks; max_per_img = 7.
    lambda r: build(r, "nms_pre_ties_c4", 64, [8, 16, 32], 4, [[64, 64]], [1.0],
                    config={"nmsPre": 12, "maxPerImage": 7}, tie_block=(20, 15), duplicates=3),
    # Voting off, 3·stride anchors, 96×96 pad (189 anchors).
    lambda r: build(r, "no_voting_c2", 96, [8, 16, 32], 2, [[90, 70]], [1.5],
                    config={"scoreVoting": False}, side_mult=3),
    # One class, every anchor confident: NMS and voting over a crowd.
    lambda r: build(r, "crowded_c1", 64, [8, 16, 32], 1, [[64, 64]], [1.0], cls_mean=1.0, cls_std=0.5,
                    duplicates=4),
    # Everything below the score threshold: no detections.
    lambda r: build(r, "empty_c2", 32, [8, 16, 32], 2, [[32, 32]], [1.0], cls_mean=-10, cls_std=0.5),
]


def main():
    cases = [robust_case(SEED + 1000 * k, make) for k, make in enumerate(CASES)]
    doc = {
        "header": {
            "format_version": FORMAT_VERSION,
            "kind": "post_process",
            "generator": "Tests/Fixtures/scripts/make_inference_fixtures.py",
            "numpy": np.__version__,
            "python": sys.version.split()[0],
            "seed": SEED,
            "note": "SPEC §6 in float64 numpy; expected[b] = [x1, y1, x2, y2, class, score] per detection, "
                    "score descending; each case records the sub-seed it was drawn from",
        },
        "cases": cases,
    }
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "post_process.json")
    with open(path, "w") as f:
        # One case per line block: the big arrays stay on single lines.
        f.write('{\n "header": ' + json.dumps(doc["header"]) + ',\n "cases": [\n')
        f.write(",\n".join("  " + json.dumps(c) for c in cases))
        f.write("\n ]\n}\n")
    for c in cases:
        print(f"{c['name']}: seed {c['seed']}, detections per image {[len(e) for e in c['expected']]}")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
