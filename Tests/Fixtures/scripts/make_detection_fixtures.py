#!/usr/bin/env python3
"""Writes the reference fixtures of the Detection module to Tests/Fixtures/detection/.

Every primitive is re-implemented here independently of the Swift code, in float64 numpy:
forward values from the formulas of SPEC-PAA-LAD.md §3/§4/§8 (mmdet's arithmetic), gradients by
central finite differences in float64 (never by the analytic formulas the Swift code uses).
The Gaussian-mixture fixtures come from scikit-learn itself.

Usage (from the package root):  python3 Tests/Fixtures/scripts/make_detection_fixtures.py
Requires numpy and scikit-learn. Output is deterministic for a given seed and library versions.
"""
import json
import math
import os
import sys
import warnings

import numpy as np
import sklearn
import sklearn.mixture as skm

SEED = 20240611
FORMAT_VERSION = 1
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "detection")

STDS = np.array([0.1, 0.1, 0.2, 0.2])
MAX_RATIO = abs(math.log(16 / 1000))
EPS = 1e-6


def header(kind, note):
    return {
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "generator": "Tests/Fixtures/scripts/make_detection_fixtures.py",
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
        "python": sys.version.split()[0],
        "seed": SEED,
        "note": note,
    }


def write(name, obj):
    """One JSON document; each top-level list is written one element per line (diff-friendly)."""
    os.makedirs(OUT, exist_ok=True)
    parts = []
    for key, value in obj.items():
        if isinstance(value, list):
            body = ",\n  ".join(json.dumps(v) for v in value)
            parts.append(f"{json.dumps(key)}: [\n  {body}\n ]")
        else:
            parts.append(f"{json.dumps(key)}: {json.dumps(value, indent=1)}")
    with open(os.path.join(OUT, name), "w") as f:
        f.write("{\n " + ",\n ".join(parts) + "\n}\n")


def central_diff(f, x, h):
    """Gradient of scalar f at vector x by central differences (float64)."""
    x = np.asarray(x, dtype=np.float64)
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


# ----------------------------------------------------------------------------------- box coder
def decode(anchor, delta, clip):
    px, py = (anchor[0] + anchor[2]) * 0.5, (anchor[1] + anchor[3]) * 0.5
    pw, ph = anchor[2] - anchor[0], anchor[3] - anchor[1]
    d = delta * STDS
    dw, dh = np.clip(d[2], -MAX_RATIO, MAX_RATIO), np.clip(d[3], -MAX_RATIO, MAX_RATIO)
    gx, gy = px + pw * d[0], py + ph * d[1]
    gw, gh = pw * math.exp(dw), ph * math.exp(dh)
    box = np.array([gx - gw * 0.5, gy - gh * 0.5, gx + gw * 0.5, gy + gh * 0.5])
    if clip is not None:
        box[0::2] = np.clip(box[0::2], 0, clip[0])
        box[1::2] = np.clip(box[1::2], 0, clip[1])
    return box


def coder_cases(rng):
    cases = []
    while len(cases) < 40:
        cx, cy = rng.uniform(0, 128, 2)
        side = rng.choice([16.0, 32.0, 64.0, 128.0]) * rng.uniform(0.8, 1.2)
        anchor = np.array([cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2])
        delta = rng.normal(0, 1.5, 4)
        kind = len(cases) % 4
        if kind == 1:  # log-ratio clamp active (0.2·|dw| > 4.135)
            delta[2] = rng.choice([-1, 1]) * rng.uniform(22, 40)
        clip = [128.0, 96.0] if kind >= 2 else None
        box = decode(anchor, delta, clip)
        raw = decode(anchor, delta, None)
        # stay away from kinks so that the finite differences are meaningful
        if clip is not None:
            edges = np.concatenate([np.abs(raw[0::2]), np.abs(raw[0::2] - clip[0]),
                                    np.abs(raw[1::2]), np.abs(raw[1::2] - clip[1])])
            if edges.min() < 1e-2:
                continue
        if np.min(np.abs(np.abs(delta[2:] * 0.2) - MAX_RATIO)) < 1e-3:
            continue
        d_box = rng.normal(0, 1, 4)
        grad = central_diff(lambda d: float(d_box @ decode(anchor, d, clip)), delta, 1e-6)
        cases.append({"anchor": anchor.tolist(), "delta": delta.tolist(), "clip": clip,
                      "box": box.tolist(), "d_box": d_box.tolist(), "d_delta": grad.tolist()})
    return cases


# ------------------------------------------------------------------------------------ overlaps
def overlaps(p, t, eps=EPS):
    area_p = (p[2] - p[0]) * (p[3] - p[1])
    area_t = (t[2] - t[0]) * (t[3] - t[1])
    w = max(min(p[2], t[2]) - max(p[0], t[0]), 0.0)
    h = max(min(p[3], t[3]) - max(p[1], t[1]), 0.0)
    inter = w * h
    union = max(area_p + area_t - inter, eps)
    iou = inter / union
    ew = max(max(p[2], t[2]) - min(p[0], t[0]), 0.0)
    eh = max(max(p[3], t[3]) - min(p[1], t[1]), 0.0)
    enc = max(ew * eh, eps)
    return iou, iou - (enc - union) / enc


def far_from_kinks(p, t, margin=1e-3):
    # ties between coordinates and zero-crossings of the clamped widths are kinks
    for i in range(4):
        if abs(p[i] - t[i]) < margin:
            return False
    w = min(p[2], t[2]) - max(p[0], t[0])
    h = min(p[3], t[3]) - max(p[1], t[1])
    return abs(w) > margin and abs(h) > margin


def random_box(rng, lo=0, hi=128, min_side=2, max_side=80):
    x, y = rng.uniform(lo, hi, 2)
    w, h = rng.uniform(min_side, max_side, 2)
    return np.array([x, y, x + w, y + h])


def overlap_cases(rng):
    cases = []
    while len(cases) < 60:
        kind = len(cases) % 6
        t = random_box(rng)
        if kind == 0:    # generic, likely overlapping: jitter the target
            p = t + rng.normal(0, 8, 4)
        elif kind == 1:  # disjoint (GIoU < 0 via the enclosure term)
            p = t + np.array([1, 1, 1, 1]) * (t[2] - t[0] + rng.uniform(5, 30))
        elif kind == 2:  # pred contains target
            p = t + np.array([-1, -1, 1, 1]) * rng.uniform(1, 10, 4)
        elif kind == 3:  # target contains pred
            p = t + np.array([1, 1, -1, -1]) * rng.uniform(0.1, 0.45, 4) * (t[2] - t[0])
        elif kind == 4:  # large coordinates
            t = random_box(rng, 500, 1200, 50, 400)
            p = t + rng.normal(0, 40, 4)
        else:            # inverted prediction in x (x2 < x1), as an untrained decode can give
            p = t + rng.normal(0, 8, 4)
            p[0], p[2] = p[2], p[0]
        if not far_from_kinks(p, t):
            continue
        iou, g = overlaps(p, t)
        grad = central_diff(lambda q: 1.0 - overlaps(q, t)[1], p, 1e-6)
        cases.append({"pred": p.tolist(), "target": t.tolist(), "iou": iou, "giou": g,
                      "d_pred_giou_loss": grad.tolist()})
    return cases


def iou_matrix_cases(rng):
    cases = []
    for k in (0, 1, 3, 5):  # GT count
        anchors = []
        for stride, side in [(8, 32.0), (16, 64.0), (32, 128.0)]:
            for i in range(128 // stride):
                for j in range(128 // stride):
                    cx, cy = j * stride, i * stride
                    anchors.append([cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2])
        if k % 2 == 1:  # plus some irregular anchors
            anchors += [random_box(rng).tolist() for _ in range(20)]
        gts = [random_box(rng, 0, 120, 4, 60).tolist() for _ in range(k)]
        A, G = np.array(anchors), np.array(gts).reshape(-1, 4)
        m = [[overlaps(g, a)[0] for a in A] for g in G]
        cases.append({"gts": gts, "anchors": anchors, "iou": m})
    return cases


# -------------------------------------------------------------------------------------- losses
def log_sigmoid(z):
    return -np.logaddexp(0.0, -z)


def focal(z, y, alpha=0.25, gamma=2.0):
    p = 1 / (1 + math.exp(-z))
    if y == 1:
        return -alpha * (1 - p) ** gamma * log_sigmoid(z)
    return -(1 - alpha) * p ** gamma * (log_sigmoid(z) - z)


def bce(z, t):
    return -(t * log_sigmoid(z) + (1 - t) * (log_sigmoid(z) - z))


def xlogx(x):
    return 0.0 if x == 0 else x * math.log(x)


def focal_kl(z, t, gamma=0.5):
    p = 1 / (1 + math.exp(-z))
    kl = xlogx(t) - t * log_sigmoid(z) + xlogx(1 - t) - (1 - t) * (log_sigmoid(z) - z)
    return ((t - p) ** 2 + 1e-6) ** (gamma / 2) * kl


def loss_cases(rng):
    zs = list(rng.normal(0, 3, 24)) + [-30.0, -12.0, -4.595, -1e-3, 0.0, 1e-3, 4.0, 12.0, 30.0]
    d = lambda f: float(central_diff(lambda v: f(v[0]), [z], 1e-5)[0])
    focal_rows, bce_rows, kl_rows = [], [], []
    for z in zs:
        z = float(z)
        for y in (0, 1):
            focal_rows.append({"z": z, "y": y, "loss": focal(z, y), "d_z": d(lambda v: focal(v, y))})
        for t in (0.0, 1.0, float(rng.uniform()), float(rng.uniform())):
            bce_rows.append({"z": z, "t": t, "loss": bce(z, t), "d_z": d(lambda v: bce(v, t))})
            kl_rows.append({"z": z, "t": t, "loss": focal_kl(z, t), "d_z": d(lambda v: focal_kl(v, t))})
    # t equal to σ(z): the focal factor sits at its 1e-6 floor
    for z in (-2.0, 0.3, 1.7):
        t = 1 / (1 + math.exp(-z))
        kl_rows.append({"z": z, "t": t, "loss": focal_kl(z, t), "d_z": d(lambda v: focal_kl(v, t))})
    anchors = []
    for k in range(8):
        C = int(rng.integers(1, 12))
        logits = rng.normal(-3, 2.5, C).tolist()
        target = None if k % 3 == 0 else int(rng.integers(0, C))
        total = sum(focal(z, 1 if c == target else 0) for c, z in enumerate(logits))
        anchors.append({"logits": logits, "target": target, "sum": total})
    return focal_rows, bce_rows, kl_rows, anchors


# ------------------------------------------------------------------------------------- mixture
def gmm_samples(rng):
    """(family, sample, max_iter) triples. Samples are float32-representable (colad's costs are
    Float), so the same values feed both the float64 and the float32 sklearn runs."""
    out = []

    def add(family, x, max_iter=100):
        x = np.sort(np.asarray(x, dtype=np.float64).astype(np.float32).astype(np.float64))
        out.append((family, x, max_iter))

    size = lambda lo=2, hi=45: int(rng.integers(lo, hi + 1))
    for _ in range(12):
        add("normal", rng.normal(rng.uniform(-2, 5), rng.uniform(0.05, 3), size(3)))
    for _ in range(12):
        n = size(4)
        a = rng.normal(rng.uniform(0, 1), rng.uniform(0.05, 0.4), n // 2)
        add("bimodal", np.concatenate([a, rng.normal(rng.uniform(1.5, 4), rng.uniform(0.1, 0.8), n - n // 2)]))
    for _ in range(10):
        add("uniform", rng.uniform(0, rng.choice([0.1, 1.0, 10.0, 100.0]), size()))
    for v, n in [(0.0, 2), (1.0, 5), (3.7, 9), (-2.5, 3), (12.345, 45), (1234.5, 7), (1e-3, 11), (42.0, 20)]:
        add("all_equal", np.full(n, v))
    for _ in range(6):
        add("two_points", rng.uniform(0, 5, 2))
    add("two_points", [1.25, 1.25])
    add("two_points", [0.0, 1e-4])
    for _ in range(8):
        v = rng.uniform(0, 3)
        add("two_equal_one_outlier", [v, v, v + rng.uniform(0.5, 8)])
    for _ in range(10):
        n = size(5)
        x = rng.normal(1, 0.3, n)
        x[rng.choice(n, int(rng.integers(1, 3)), replace=False)] += rng.uniform(20, 200)
        add("heavy_outliers", x)
    for _ in range(10):  # structured samples containing exact duplicates and near-duplicates
        n = size(6)
        x = np.concatenate([rng.gamma(4, 0.12, n // 3) + 0.2, rng.gamma(6, 0.3, n - n // 3) + 1.0])
        k = int(rng.integers(2, n))
        x[:k] = x[int(rng.integers(0, n))] + rng.integers(0, 3, k) * rng.choice([1e-6, 1e-5, 1e-4])
        add("near_ties", x)
    for _ in range(4):  # spread far below sqrt(reg_covar): both components coincide and every
        # label is decided by rounding noise (flagged rounding_determined, see gmm_fit)
        n = size(3)
        add("indistinguishable", rng.uniform(0.5, 3) + rng.integers(0, 4, n) * rng.choice([1e-6, 1e-5]))
    for _ in range(10):
        scale = rng.choice([1e3, 1e4, 1e5])
        add("large_magnitude", rng.normal(scale, scale * rng.uniform(0.01, 0.2), size(3)))
    for _ in range(16):  # PAA-like: a few good anchors, many poor ones (focal sum + 1.3·(1 − GIoU))
        n = size(6)
        good = int(rng.integers(1, max(2, n // 3)))
        x = np.concatenate([rng.gamma(4, 0.12, good) + 0.2, rng.gamma(6, 0.3, n - good) + 1.0])
        add("paa_like", x)
    for _ in range(8):
        add("skewed", rng.exponential(rng.uniform(0.2, 3), size(3)))
    for k in range(6):  # max_iter reached: sklearn warns and keeps the last M-step parameters
        add("max_iter_limited", rng.normal(0, 1, size(10)), max_iter=1 + k % 3)
    return out


def sklearn_fit(x, max_iter, dtype):
    X = x.astype(dtype).reshape(-1, 1)
    g = skm.GaussianMixture(
        2, covariance_type="diag", tol=1e-3, max_iter=max_iter, reg_covar=1e-6,
        weights_init=np.array([0.5, 0.5]),
        means_init=np.array([X.min(), X.max()]).reshape(2, 1),
        precisions_init=np.array([1.0, 1.0]).reshape(2, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            g.fit(X)
        except ValueError as e:
            if "ill-defined empirical covariance" in str(e):
                return {"error": "ill_defined_covariance"}
            raise
    labels = g.predict(X)
    scores = g.score_samples(X)
    fg = np.nonzero(labels == 0)[0]
    positives = [] if len(fg) == 0 else fg[: int(np.argmax(scores[fg])) + 1].tolist()
    # A decision is rounding-determined when its margin is nonzero yet within the rounding
    # noise of the expanded-form log-density, resolution = 64·ε·max(1, max x²)·max λ_k
    # (λ = 1/σ²). Exact ties (margin 0: identical components, duplicate points) are
    # deterministic and fine.
    wlp = g._estimate_weighted_log_prob(X)
    margins = np.abs(wlp[:, 0] - wlp[:, 1])
    resolution = 64 * np.finfo(np.float64).eps * max(1.0, float(np.max(x * x))) * float(np.max(g.precisions_))
    near = lambda m: 0 < m < resolution
    density_gap = 0.0
    if len(fg) > 0:
        top = scores[fg].max()
        others = scores[fg][scores[fg] != top]
        density_gap = float(top - others.max()) if len(others) else math.inf
    rounding_determined = bool(any(near(m) for m in margins) or near(density_gap))
    return {
        "error": None,
        "means": g.means_.ravel().tolist(),
        "variances": g.covariances_.ravel().tolist(),
        "weights": g.weights_.tolist(),
        "n_iter": int(g.n_iter_),
        "converged": bool(g.converged_),
        "lower_bound": float(g.lower_bound_),
        "labels": labels.tolist(),
        "score_samples": scores.tolist(),
        "positives": positives,
        "label_margins": margins.tolist(),
        "rounding_determined": rounding_determined,
    }


def gmm_cases(rng):
    cases = []
    for family, x, max_iter in gmm_samples(rng):
        cases.append({"family": family, "max_iter": max_iter, "sample": x.tolist(),
                      "float64": sklearn_fit(x, max_iter, np.float64),
                      "float32": sklearn_fit(x, max_iter, np.float32)})
    return cases


def main():
    rng = np.random.default_rng(SEED)
    write("box_coder.json", {"header": header(
        "box_coder", "decode(anchor, delta, clip) in float64; d_delta = ∂(d_box·box)/∂delta by "
        "central differences (h = 1e-6); clip = [W, H] or null"), "cases": coder_cases(rng)})
    write("overlaps.json", {"header": header(
        "overlaps", "aligned IoU/GIoU (eps 1e-6) in float64; d_pred_giou_loss = ∂(1 − GIoU)/∂pred "
        "by central differences (h = 1e-6), away from kinks"), "cases": overlap_cases(rng)})
    write("iou_matrix.json", {"header": header(
        "iou_matrix", "GT × anchor IoU (eps 1e-6) in float64; 0–5 GTs against a 3-level grid "
        "(strides 8/16/32, sides 32/64/128, centre offset 0) plus irregular anchors"),
        "cases": iou_matrix_cases(rng)})
    focal_rows, bce_rows, kl_rows, anchors = loss_cases(rng)
    write("losses.json", {"header": header(
        "losses", "sigmoid focal (α 0.25, γ 2), BCE-with-logits (soft target), FocalKL (γ 0.5); "
        "values in float64, d_z by central differences (h = 1e-5)"),
        "focal": focal_rows, "bce": bce_rows, "focal_kl": kl_rows, "focal_anchor_sums": anchors})
    write("gmm.json", {"header": header(
        "gmm", "sklearn GaussianMixture(2, 'diag', tol 1e-3, reg_covar 1e-6, means_init min/max, "
        "precisions 1, weights .5) on each sorted sample, as float64 and as float32 (mmdet passes "
        "a float32 array); positives = PAA scheme (c) from predict + score_samples"),
        "cases": gmm_cases(rng)})


if __name__ == "__main__":
    main()
