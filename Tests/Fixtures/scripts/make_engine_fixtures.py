#!/usr/bin/env python3
"""Writes Tests/Fixtures/engine/*.json: independent float64 numpy references for the engine's
layers (forward outputs and the gradients of L = sum(dy * f(x))), and safetensors files
written by Python's `safetensors` package.

References are computed in float64 by direct formulas (convolution as a sum over kernel
offsets, not im2col; GroupNorm by reshape); gradients by the transposed direct formula for
convolution and by float64 central differences for the others, so nothing shares code or
derivation with the Swift implementation. Layout is NHWC with conv weights [O, K, K, C].

Run:  python3 Tests/Fixtures/scripts/make_engine_fixtures.py   (numpy, safetensors from PyPI)
"""
import json, os, sys
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "engine")
SEED = 1234
rng = np.random.default_rng(SEED)


def header(**kw):
    import safetensors
    return {"format_version": 1, "seed": SEED, "numpy": np.__version__,
            "safetensors": safetensors.__version__, **kw}


def f32(a):
    """Values as float32 (the Swift side runs float32) but kept as python floats in JSON."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def conv_ref(x, w, b, stride, pad):
    n, h, wd, c = x.shape
    o, k, _, _ = w.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    ho, wo = (h + 2 * pad - k) // stride + 1, (wd + 2 * pad - k) // stride + 1
    y = np.zeros((n, ho, wo, o))
    for kh in range(k):
        for kw in range(k):
            patch = xp[:, kh:kh + stride * ho:stride, kw:kw + stride * wo:stride, :]  # n,ho,wo,c
            y += np.einsum("nhwc,oc->nhwo", patch, w[:, kh, kw, :])
    if b is not None:
        y += b
    return y


def conv_grads(x, w, dy, stride, pad):
    n, h, wd, c = x.shape
    o, k, _, _ = w.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    ho, wo = dy.shape[1], dy.shape[2]
    for kh in range(k):
        for kw in range(k):
            sl = (slice(None), slice(kh, kh + stride * ho, stride), slice(kw, kw + stride * wo, stride), slice(None))
            dw[:, kh, kw, :] = np.einsum("nhwo,nhwc->oc", dy, xp[sl])
            dxp[sl] += np.einsum("nhwo,oc->nhwc", dy, w[:, kh, kw, :])
    dx = dxp[:, pad:pad + h, pad:pad + wd, :]
    return dx, dw, dy.sum(axis=(0, 1, 2))


def gn_ref(x, gamma, beta, groups, eps=1e-5):
    n, h, w, c = x.shape
    xg = x.reshape(n, h * w, groups, c // groups)
    mean = xg.mean(axis=(1, 3), keepdims=True)
    var = xg.var(axis=(1, 3), keepdims=True)
    xh = ((xg - mean) / np.sqrt(var + eps)).reshape(n, h, w, c)
    return xh * gamma + beta


def fd_grad(f, arrays, dy, eps=1e-6):
    """float64 central differences of L = sum(dy * f(*arrays)) w.r.t. each array."""
    grads = []
    for a in arrays:
        g = np.zeros_like(a)
        it = np.nditer(a, flags=["multi_index"])
        for _ in it:
            i = it.multi_index
            old = a[i]
            a[i] = old + eps; lp = np.sum(dy * f(*arrays))
            a[i] = old - eps; lm = np.sum(dy * f(*arrays))
            a[i] = old
            g[i] = (lp - lm) / (2 * eps)
        grads.append(g)
    return grads


def maxpool_ref(x, k, s, p):
    n, h, w, c = x.shape
    xp = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)), constant_values=-np.inf)
    ho, wo = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    y = np.full((n, ho, wo, c), -np.inf)
    for kh in range(k):
        for kw in range(k):
            y = np.maximum(y, xp[:, kh:kh + s * ho:s, kw:kw + s * wo:s, :])
    return y


def upsample_ref(x):
    return x.repeat(2, axis=1).repeat(2, axis=2)


def distinct(shape, scale=1.0):
    """Values with no ties and no value near 0 (kinks of ReLU / max are not probed by FD)."""
    n = int(np.prod(shape))
    v = (rng.permutation(n) + 1.0) / n * 2 - 1.0 - 0.5 / n
    return (v * scale).reshape(shape)


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = []
    for (n, h, w, c, o, k, s, p, bias) in [(2, 5, 6, 3, 4, 3, 1, 1, True), (1, 7, 7, 2, 3, 3, 2, 1, False),
                                            (2, 4, 4, 3, 5, 1, 1, 0, True), (1, 6, 5, 2, 2, 1, 2, 0, False),
                                            (1, 5, 5, 2, 3, 5, 1, 2, True)]:
        x = f32(rng.standard_normal((n, h, w, c)))
        wt = f32(rng.standard_normal((o, k, k, c)) * 0.5)
        b = f32(rng.standard_normal(o)) if bias else None
        y = conv_ref(x, wt, b, s, p)
        dy = f32(rng.standard_normal(y.shape))
        dx, dw, db = conv_grads(x, wt, dy, s, p)
        cases.append({"n": n, "h": h, "w": w, "c": c, "o": o, "k": k, "stride": s, "padding": p, "bias": bias,
                      "x": x.ravel().tolist(), "weight": wt.ravel().tolist(), "b": (b.ravel().tolist() if bias else []),
                      "y": y.ravel().tolist(), "dy": dy.ravel().tolist(), "dx": dx.ravel().tolist(),
                      "dweight": dw.ravel().tolist(), "db": (db.tolist() if bias else [])})
    json.dump({"header": header(op="conv2d", layout="NHWC, weight OHWI"), "cases": cases},
              open(os.path.join(OUT, "conv2d.json"), "w"))

    cases = []
    for (n, h, w, c, g) in [(2, 3, 4, 4, 2), (1, 2, 3, 6, 3), (2, 2, 2, 8, 8)]:
        x = f32(rng.standard_normal((n, h, w, c)) * 2 + 0.5)
        gamma = f32(rng.standard_normal(c) * 0.5 + 1)
        beta = f32(rng.standard_normal(c) * 0.5)
        y = gn_ref(x, gamma, beta, g)
        dy = f32(rng.standard_normal(y.shape))
        dx, dg, dbt = fd_grad(lambda a, gm, bt: gn_ref(a, gm, bt, g), [x.copy(), gamma.copy(), beta.copy()], dy)
        cases.append({"n": n, "h": h, "w": w, "c": c, "groups": g, "x": x.ravel().tolist(), "gamma": gamma.tolist(),
                      "beta": beta.tolist(), "y": y.ravel().tolist(), "dy": dy.ravel().tolist(),
                      "dx": dx.ravel().tolist(), "dgamma": dg.tolist(), "dbeta": dbt.tolist()})
    json.dump({"header": header(op="groupnorm", eps=1e-5), "cases": cases}, open(os.path.join(OUT, "groupnorm.json"), "w"))

    x = f32(distinct((2, 3, 4, 3)))
    y = np.maximum(x, 0); dy = f32(rng.standard_normal(y.shape))
    (dx,) = fd_grad(lambda a: np.maximum(a, 0), [x.copy()], dy)
    relu = {"shape": list(x.shape), "x": x.ravel().tolist(), "y": y.ravel().tolist(), "dy": dy.ravel().tolist(), "dx": dx.ravel().tolist()}

    pools = []
    for (k, s, p) in [(2, 2, 0), (3, 2, 1), (3, 1, 1)]:
        x = f32(distinct((2, 5, 6, 2)))
        y = maxpool_ref(x, k, s, p); dy = f32(rng.standard_normal(y.shape))
        (dx,) = fd_grad(lambda a: maxpool_ref(a, k, s, p), [x.copy()], dy)
        pools.append({"kernel": k, "stride": s, "padding": p, "shape": list(x.shape), "x": x.ravel().tolist(),
                      "y": y.ravel().tolist(), "dy": dy.ravel().tolist(), "dx": dx.ravel().tolist()})

    x = f32(rng.standard_normal((2, 3, 2, 3)))
    y = upsample_ref(x); dy = f32(rng.standard_normal(y.shape))
    (dx,) = fd_grad(upsample_ref, [x.copy()], dy)
    up = {"shape": list(x.shape), "x": x.ravel().tolist(), "y": y.ravel().tolist(), "dy": dy.ravel().tolist(), "dx": dx.ravel().tolist()}
    json.dump({"header": header(op="relu, maxpool, upsample2x"), "relu": relu, "maxpool": pools, "upsample": up},
              open(os.path.join(OUT, "pointwise.json"), "w"))

    # SGD (PyTorch semantics, written out) and the warm-up/step schedule (mmcv semantics).
    theta = rng.standard_normal(6); THETA0 = theta.tolist(); v = np.zeros(6); lr, mu, wd = 0.1, 0.9, 1e-2
    grads = [rng.standard_normal(6) for _ in range(4)]
    traj = []
    for i, g in enumerate(grads):
        g = g + wd * theta
        v = g if i == 0 else mu * v + g
        theta = theta - lr * v
        traj.append(theta.tolist())
    base, warm, ratio, steps, gamma = 0.01, 10, 0.001, [15, 20], 0.1
    lrs = []
    for it in range(25):
        r = base * gamma ** sum(it >= s for s in steps)
        if it < warm:
            r = r * (1 - (1 - it / warm) * (1 - ratio))
        lrs.append(r)
    json.dump({"header": header(op="sgd, lr schedule"), "sgd": {"lr": lr, "momentum": mu, "weight_decay": wd,
               "theta0": THETA0, "grads": [g.tolist() for g in grads], "trajectory": traj},
               "schedule": {"base": base, "warmup": warm, "ratio": ratio, "steps": steps, "gamma": gamma, "lrs": lrs}},
              open(os.path.join(OUT, "optim.json"), "w"))

    # safetensors written by the Python package, read by colad's tests.
    from safetensors.numpy import save_file
    tensors = {"backbone.stem.conv.weight": np.arange(2 * 3 * 3 * 3, dtype=np.float32).reshape(2, 3, 3, 3) / 7,
               "head.scales.0": np.array([1.5], dtype=np.float32),
               "neck.lateral_convs.0.bias": np.array([-1.0, 0.0, 2.5e-8, 3.0e8], dtype=np.float32),
               "scalar_f64": np.array([[1.25, -2.5]], dtype=np.float64)}
    save_file(tensors, os.path.join(OUT, "python_written.safetensors"), metadata={"writer": "python safetensors"})
    print("wrote", os.path.abspath(OUT))


if __name__ == "__main__":
    main()
