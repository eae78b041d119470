#!/usr/bin/env python3
"""Compares the per-iteration records of two metrics.jsonl files (a single-process reference and
a distributed run): loss parts, N_pos and lr of every trained network, and the CoLAD decision
fields. --rtol 0 demands bit-identical numbers.

    compare_metrics.py REF DIST --iterations N [--rtol R] [--atol A]
"""
import argparse, json, math, sys

p = argparse.ArgumentParser()
p.add_argument("ref"); p.add_argument("dist")
p.add_argument("--iterations", type=int, required=True)
p.add_argument("--rtol", type=float, default=0.0)
p.add_argument("--atol", type=float, default=0.0)
a = p.parse_args()

def is_number(v): return isinstance(v, (int, float)) and not isinstance(v, bool)

def load(path):
    return {r["iteration"]: r for r in map(json.loads, open(path)) if "eval" not in r}

ref, dist = load(a.ref), load(a.dist)
errors, worst = [], 0.0
for it in range(1, a.iterations + 1):   # metrics.jsonl's iteration counts the iterations completed
    if it not in ref or it not in dist:
        errors.append(f"iteration {it} missing (ref {it in ref}, dist {it in dist})"); continue
    r, d = ref[it], dist[it]
    fields = [(net, k) for net in ("a", "b") if net in r for k in ("cls", "box", "iou", "kd_cls", "kd_iou", "kd_box", "num_pos", "lr") if k in r[net]]
    for net, k in fields:
        x, y = r[net][k], d.get(net, {}).get(k)
        if y is None: errors.append(f"iteration {it} {net}.{k}: missing in distributed run"); continue
        diff = abs(x - y)
        worst = max(worst, diff / max(abs(x), 1e-12))
        if not diff <= a.atol + a.rtol * abs(x):
            errors.append(f"iteration {it} {net}.{k}: reference {x!r} distributed {y!r}")
    for k in ("teacher", "t_ratio", "s_mean", "s_std", "t_mean", "t_std"):
        x, y = r.get(k), d.get(k)
        if is_number(x) and is_number(y):   # JSON writes 70.0 as 70: a number is a number
            if not abs(x - y) <= a.atol + a.rtol * abs(x): errors.append(f"iteration {it} {k}: {x!r} vs {y!r}")
        elif x != y:
            errors.append(f"iteration {it} {k}: {x!r} vs {y!r}")
print(f"compared {a.iterations} iterations: largest relative difference {worst:.3g} (rtol {a.rtol}, atol {a.atol})")
if errors:
    print("\n".join(errors[:20])); sys.exit(1)
