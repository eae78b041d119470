#!/usr/bin/env python3
"""Checks a distributed run's trace.json as Perfetto would read it (Chrome trace event format):
one named track per worker rank; on each track the leaf spans of an iteration lie inside its
`iteration` span, do not overlap, and add up to it within --tolerance; the decision reaches every
rank at about the same time (clocks aligned), reported.

"Add up" is a claim about the instrumentation (every phase of a step has its span), which is
systematic: a phase without a span leaves the same gap in every iteration. So each track's median
ratio must lie within --tolerance, and at most --outliers of its iterations may fall outside it.
Those few are the scheduler's, not the instrumentation's: 4 ranks and a coordinator share 2 cores
in the tests, and a rank preempted between two spans shows the wait as a gap (one iteration of
40 at 0.847 in a launch/test run of 2026-12-01, median 1.000). They are listed either way.

    check_trace.py TRACE --ranks N [--tolerance 0.05] [--outliers 0.05]
"""
import argparse, json, statistics, sys
from collections import defaultdict

p = argparse.ArgumentParser()
p.add_argument("trace"); p.add_argument("--ranks", type=int, required=True); p.add_argument("--tolerance", type=float, default=0.05)
p.add_argument("--outliers", type=float, default=0.05, help="share of a track's iterations allowed outside the tolerance")
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
ratios, wait_ends, outside = [], defaultdict(list), []
for key, evs in sorted(tracks.items()):
    track_ratios = []
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
        ratios.append(r); track_ratios.append(r)
        if abs(r - 1) > a.tolerance: outside.append(f"{names.get(key)} iteration {it}: leaves add up to {r:.3f} of the step")
        for l in leaves:
            if l["name"] == "coordinator_wait": wait_ends[it].append(l["ts"] + l["dur"])
    if track_ratios:
        med = statistics.median(track_ratios)
        if abs(med - 1) > a.tolerance: errors.append(f"{names.get(key)}: leaves add up to a median {med:.3f} of the step (a phase without a span?)")
        off = sum(abs(r - 1) > a.tolerance for r in track_ratios)
        if off > a.outliers * len(track_ratios):
            errors.append(f"{names.get(key)}: {off} of {len(track_ratios)} iterations outside {a.tolerance} (allowed {a.outliers:.0%})")
spread = [max(v) - min(v) for v in wait_ends.values() if len(v) == a.ranks]
print(f"check_trace: {len(spans)} spans on {len(tracks)} tracks; leaves / step: min {min(ratios):.3f} median {statistics.median(ratios):.3f} "
      f"max {max(ratios):.3f}; decision arrival spread across ranks: median {statistics.median(spread) / 1000:.2f} ms, "
      f"max {max(spread) / 1000:.2f} ms over {len(spread)} iterations; dropped {doc['otherData']['dropped_spans']}")
if outside: print("check_trace: outside the tolerance:\n  " + "\n  ".join(outside[:20]))
if errors:
    print("\n".join(errors[:20])); sys.exit(1)
