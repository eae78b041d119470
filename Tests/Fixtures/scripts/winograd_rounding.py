#!/usr/bin/env python3
# Float32 rounding of Winograd F(2x2,3x3) and F(4x4,3x3) (the matrices of
# Sources/Engine/Winograd.swift) against float64 direct correlation: one output tile summed over
# C = 64 channels, 200 random tiles; error relative to the output's scale sqrt(9C).
#   python3 Tests/Fixtures/scripts/winograd_rounding.py
# 2026-12-02 (numpy 2.4): F(2x2) median 4.0e-7, max 1.1e-6; F(4x4) median 3.9e-6, max 1.8e-5.
import numpy as np

F2 = ([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
      [[1, 0, 0], [.5, .5, .5], [.5, -.5, .5], [0, 0, 1]],
      [[1, 1, 1, 0], [0, 1, -1, -1]])
F4 = ([[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
       [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]],
      [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
       [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]],
      [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]])

rng = np.random.default_rng(1)
C = 64
for name, (bt, g, at) in (("F(2x2,3x3)", F2), ("F(4x4,3x3)", F4)):
    BT, G, AT = (np.array(x, np.float32) for x in (bt, g, at))
    m, a = AT.shape
    errs = []
    for _ in range(200):
        d = rng.standard_normal((C, a, a)).astype(np.float32)
        w = rng.standard_normal((C, 3, 3)).astype(np.float32)
        U = np.einsum("ij,cjk,lk->cil", G, w, G)
        V = np.einsum("ij,cjk,lk->cil", BT, d, BT)
        Y = AT @ (U * V).sum(0) @ AT.T
        ref = np.array([[(d[:, i:i + 3, j:j + 3].astype(np.float64) * w).sum() for j in range(m)] for i in range(m)])
        errs.append(np.abs(Y - ref).max() / np.sqrt(9 * C))
    print(f"{name}: relative error median {np.median(errs):.2e}, max {np.max(errs):.2e} ({len(errs)} tiles, C={C})")
