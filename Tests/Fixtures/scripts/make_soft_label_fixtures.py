#!/usr/bin/env python3
"""Writes Tests/Fixtures/paa/soft_label.json: an independent float64 numpy reference of the
soft-label KD loss (SPEC §8) — region R from the teacher's decoded, clipped boxes (IoU > min_iou
with a GT), ω = max IoU, Z = max(1, Σω), focal-KL (γ 0.5, ((t−p)²+1e-6)^{γ/2}) on every class
logit of every anchor and on the IoU logit over R, ω-weighted 1 − GIoU between the student's and
teacher's decoded, clipped boxes over R — for random head outputs on the 64×64 layout (anchors
2·stride, centre offset 0). Gradients are float64 central differences of the total.
Run: python3 Tests/Fixtures/scripts/make_soft_label_fixtures.py   (numpy)"""
import json, math, os
import numpy as np

SEED = 20261121
rng = np.random.default_rng(SEED)
S, STRIDES, SCALE, C, N = 64, [8, 16, 32], 2, 3, 2
CLS_W, IOU_W, BOX_W, GAMMA = 10.0, 10.0, 1.3, 0.5
MAX_RATIO = abs(math.log(16 / 1000))


def anchors():
    out, levels = [], []
    for s in STRIDES:
        n = math.ceil(S / s); side = SCALE * s
        start = len(out)
        for i in range(n):
            for j in range(n):
                cx, cy = j * s, i * s
                out.append([cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2])
        levels.append((s, n, start))
    return np.array(out), levels


def valid_flags(levels, w, h):
    v = []
    for s, n, _ in levels:
        for i in range(n):
            for j in range(n):
                v.append(j < math.ceil(w / s) and i < math.ceil(h / s))
    return np.array(v)


def decode(a, d, size):
    pw, ph = a[2] - a[0], a[3] - a[1]
    px, py = a[0] + 0.5 * pw, a[1] + 0.5 * ph
    dx, dy = 0.1 * d[0], 0.1 * d[1]
    dw, dh = np.clip(0.2 * d[2], -MAX_RATIO, MAX_RATIO), np.clip(0.2 * d[3], -MAX_RATIO, MAX_RATIO)
    cx, cy, w, h = px + pw * dx, py + ph * dy, pw * np.exp(dw), ph * np.exp(dh)
    b = np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
    return np.array([np.clip(b[0], 0, size[0]), np.clip(b[1], 0, size[1]), np.clip(b[2], 0, size[0]), np.clip(b[3], 0, size[1])])


def iou(a, b, eps=1e-6):
    iw = max(min(a[2], b[2]) - max(a[0], b[0]), 0); ih = max(min(a[3], b[3]) - max(a[1], b[1]), 0)
    inter = iw * ih
    union = max((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter, eps)
    return inter / union


def giou(a, b, eps=1e-6):
    iw = max(min(a[2], b[2]) - max(a[0], b[0]), 0); ih = max(min(a[3], b[3]) - max(a[1], b[1]), 0)
    inter = iw * ih
    union = max((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter, eps)
    enc = max((max(a[2], b[2]) - min(a[0], b[0])) * (max(a[3], b[3]) - min(a[1], b[1])), eps)
    return inter / union - (enc - union) / enc


def focal_kl(z, t):
    p = 1 / (1 + np.exp(-z))
    logp = -np.logaddexp(0, -z); logq = logp - z
    xlogx = lambda x: 0.0 if x == 0 else x * math.log(x)
    kl = xlogx(t) - t * logp + xlogx(1 - t) - (1 - t) * logq
    return ((t - p) ** 2 + 1e-6) ** (GAMMA / 2) * kl


def flat(level_arrays, b, levels):
    rows = []
    for (s, n, _), arr in zip(levels, level_arrays):
        rows.append(arr[b].reshape(n * n, -1))
    return np.concatenate(rows, 0)


def total(student, teacher, gts, sizes, min_iou, anc, levels):
    z = 0.0; region = []
    for b in range(N):
        v = valid_flags(levels, *sizes[b]); tr = flat(teacher["reg"], b, levels)
        reg_b = []
        for a in range(len(anc)):
            if not v[a]:
                continue
            tb = decode(anc[a], tr[a], sizes[b])
            w = max([iou(tb, g) for g in gts[b]] + [0.0])
            if w > min_iou:
                reg_b.append((a, w, tb)); z += w
        region.append(reg_b)
    z = max(z, 1.0)
    lc = li = lb = 0.0
    for b in range(N):
        sc, tc = flat(student["cls"], b, levels), flat(teacher["cls"], b, levels)
        t = 1 / (1 + np.exp(-tc))
        for a in range(len(anc)):
            for c in range(C):
                lc += focal_kl(sc[a, c], t[a, c])
        si, ti = flat(student["iou"], b, levels), flat(teacher["iou"], b, levels)
        sr = flat(student["reg"], b, levels)
        for a, w, tb in region[b]:
            li += focal_kl(si[a, 0], 1 / (1 + math.exp(-ti[a, 0])))
            sb = decode(anc[a], sr[a], sizes[b])
            lb += max(w, 1e-12) * (1 - giou(sb, tb))
    return CLS_W * lc / z, IOU_W * li / z, BOX_W * lb / z, sum(len(r) for r in region), z


def main():
    anc, levels = anchors()
    cases = []
    for k, min_iou in enumerate([0.1, 0.5]):
        def outs(scale):
            return {"cls": [rng.standard_normal((N, n, n, C)).astype(np.float32).astype(np.float64) * scale for _, n, _ in levels],
                    "reg": [rng.standard_normal((N, n, n, 4)).astype(np.float32).astype(np.float64) * 0.5 * scale for _, n, _ in levels],
                    "iou": [rng.standard_normal((N, n, n, 1)).astype(np.float32).astype(np.float64) * scale for _, n, _ in levels]}
        teacher, student = outs(1.0), outs(1.0)
        gts = [[[10, 12, 30, 40], [36, 30, 60, 52]], [[20, 20, 44, 44]]]
        sizes = [(64, 64), (64, 48)]
        parts = total(student, teacher, gts, sizes, min_iou, anc, levels)
        grads = []
        for kind in ["cls", "reg", "iou"]:
            for l in range(3):
                arr = student[kind][l]
                for idx in sorted(set([0, arr.size // 3, arr.size // 2, arr.size - 1])):
                    old = arr.flat[idx]
                    arr.flat[idx] = old + 1e-6; lp = sum(total(student, teacher, gts, sizes, min_iou, anc, levels)[:3])
                    arr.flat[idx] = old - 1e-6; lm = sum(total(student, teacher, gts, sizes, min_iou, anc, levels)[:3])
                    arr.flat[idx] = old
                    grads.append({"kind": kind, "level": l, "index": int(idx), "grad": (lp - lm) / 2e-6})
        enc = lambda o: {k2: [a.ravel().tolist() for a in v] for k2, v in o.items()}
        cases.append({"min_iou": min_iou, "student": enc(student), "teacher": enc(teacher), "gts": gts, "sizes": sizes,
                      "cls": parts[0], "iou": parts[1], "box": parts[2], "region": parts[3], "z": parts[4], "grads": grads})
    out = os.path.join(os.path.dirname(__file__), "..", "paa", "soft_label.json")
    json.dump({"header": {"format_version": 1, "numpy": np.__version__, "seed": SEED, "layout": "64x64, strides 8/16/32, anchors 2*stride, offset 0",
                          "classes": C, "batch": N}, "cases": cases}, open(out, "w"))
    print("wrote", os.path.abspath(out))


if __name__ == "__main__":
    main()
