#!/usr/bin/env python3
"""Checks a distributed run's trace.json as Perfetto would read it (Chrome trace event format):
one named track per worker rank; on each track the leaf spans of an iteration lie inside its
`iteration` span, do not overlap, and add up to it within --tolerance; the decision reaches every
rank at about the same time (clocks aligned), reported.

    check_trace.py TRACE --ranks N [--tolerance 0.05]
"""
import argparse, json, statistics, sys
from collections import defaultdict

p = argparse.ArgumentParser()
p.add_argument("trace"); p.add_argument("--ranks", type=int, required=True); p.add_argument("--tolerance", type=float, default=0.05)
a = p.parse_args()
doc = json.load(open(a.trace))
events = doc["traceEvents"]
names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
spans = [e for e in events if e["ph"] == "X"]
tracks = defaultdict(list)
for e in spans: tracks[(e["pid"], e["tid"])].append(e)
errors = []
if len(tracks) != a.ranks: errors.append(f"{len(tracks)} tracks, expected {a.ranks}")
if set(tracks) - set(names): errors.append(f"tracks without a name: {sorted(set(tracks) - set(names))}")
ratios, wait_ends = [], defaultdict(list)
for key, evs in sorted(tracks.items()):
    by_it = defaultdict(list)
    for e in evs: by_it[e["args"]["iteration"]].append(e)
    for it, es in sorted(by_it.items()):
        outer = [e for e in es if e["name"] == "iteration"]
        if len(outer) != 1: errors.append(f"{names.get(key)} iteration {it}: {len(outer)} iteration spans"); continue
        o = outer[0]; t0, t1 = o["ts"], o["ts"] + o["dur"]
        leaves = sorted((e for e in es if e["name"] != "iteration"), key=lambda e: e["ts"])
        for l in leaves:
            if l["ts"] < t0 - 1 or l["ts"] + l["dur"] > t1 + 1: errors.append(f"{names.get(key)} iteration {it}: {l['name']} outside its iteration")
        for x, y in zip(leaves, leaves[1:]):
            if y["ts"] < x["ts"] + x["dur"] - 1: errors.append(f"{names.get(key)} iteration {it}: {x['name']} overlaps {y['name']}")
        r = sum(l["dur"] for l in leaves) / o["dur"]
        ratios.append(r)
        if abs(r - 1) > a.tolerance: errors.append(f"{names.get(key)} iteration {it}: leaves add up to {r:.3f} of the step")
        for l in leaves:
            if l["name"] == "coordinator_wait": wait_ends[it].append(l["ts"] + l["dur"])
spread = [max(v) - min(v) for v in wait_ends.values() if len(v) == a.ranks]
print(f"check_trace: {len(spans)} spans on {len(tracks)} tracks; leaves / step: min {min(ratios):.3f} median {statistics.median(ratios):.3f} "
      f"max {max(ratios):.3f}; decision arrival spread across ranks: median {statistics.median(spread) / 1000:.2f} ms, "
      f"max {max(spread) / 1000:.2f} ms over {len(spread)} iterations; dropped {doc['otherData']['dropped_spans']}")
if errors:
    print("\n".join(errors[:20])); sys.exit(1)
