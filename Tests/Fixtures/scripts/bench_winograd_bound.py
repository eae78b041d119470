#!/usr/bin/env python3
# Issue 18 planning figure, not a test. GEMM-only bound of Winograd F(2x2,3x3) vs im2col for 3x3 stride-1 convs at colad's shapes
# (batch 8, 128 px input): one GEMM [R, 9C]x[9C, O] vs 16 GEMMs [R/4, C]x[C, O], the multiply
# count falling 2.25x; the transforms are not timed. numpy's OpenBLAS, one thread:
#   OPENBLAS_NUM_THREADS=1 python3 Tests/Fixtures/scripts/bench_winograd_bound.py
import numpy as np, time, statistics
rng = np.random.default_rng(0)
def t(f, reps=15):
    f(); v = []
    for _ in range(reps):
        t0 = time.perf_counter(); f(); v.append(time.perf_counter() - t0)
    return statistics.median(v)
print("shape (HxW, C->O)        im2col ms  winograd-gemms ms  ratio  (flop ratio 2.25)")
for hw, c, o in [(32, 16, 16), (32, 32, 32), (16, 32, 32), (16, 64, 64), (8, 64, 64), (8, 128, 128), (4, 128, 128), (16, 128, 128), (4, 256, 256)]:
    r = 8 * hw * hw
    a = rng.standard_normal((r, 9 * c), dtype=np.float32); w = rng.standard_normal((9 * c, o), dtype=np.float32)
    at = rng.standard_normal((16, r // 4, c), dtype=np.float32); wt = rng.standard_normal((16, c, o), dtype=np.float32)
    ti = t(lambda: a @ w); tw = t(lambda: np.matmul(at, wt))
    print(f"{hw:2d}x{hw:<2d} {c:3d}->{o:<3d}            {ti*1e3:8.3f}   {tw*1e3:8.3f}          {ti/tw:5.2f}")
