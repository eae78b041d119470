#!/usr/bin/env python3
"""Draws a window of a colad trace.json (Chrome trace event format) as a timeline picture: one
row per track (rank), one coloured bar per leaf span, the iteration spans as outlines. For docs
on machines without a browser; Perfetto (ui.perfetto.dev) shows the same file interactively.
Needs matplotlib (pip install matplotlib).

    render_trace.py TRACE OUT.png [--first-iteration I] [--iterations N]
"""
import argparse, json
from collections import defaultdict
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

p = argparse.ArgumentParser()
p.add_argument("trace"); p.add_argument("out")
p.add_argument("--first-iteration", type=int, default=10); p.add_argument("--iterations", type=int, default=3)
a = p.parse_args()
doc = json.load(open(a.trace))
ev = doc["traceEvents"]
names = {(e["pid"], e["tid"]): e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
last = a.first_iteration + a.iterations - 1
spans = [e for e in ev if e["ph"] == "X" and a.first_iteration <= e["args"]["iteration"] <= last]
tracks = sorted({(e["pid"], e["tid"]) for e in spans})
t0 = min(e["ts"] for e in spans)
colours = {"data": "#8c564b", "forward": "#1f77b4", "assign": "#9467bd", "pair_send": "#ff7f0e", "pair_receive": "#ffbb78",
           "coordinator_wait": "#d62728", "loss_backward": "#2ca02c", "allreduce": "#e377c2", "step": "#17becf",
           "report": "#7f7f7f", "checkpoint": "#bcbd22", "evaluation": "#393b79"}
fig, ax = plt.subplots(figsize=(12, 0.7 * len(tracks) + 1.6))
for row, key in enumerate(reversed(tracks)):
    for e in spans:
        if (e["pid"], e["tid"]) != key: continue
        x, w = (e["ts"] - t0) / 1000, e["dur"] / 1000
        if e["name"] == "iteration":
            ax.broken_barh([(x, w)], (row - 0.42, 0.84), facecolors="none", edgecolors="black", linewidth=0.8)
            ax.text(x + 0.3, row + 0.3, f"iteration {e['args']['iteration']}", fontsize=7, va="center")
        else:
            ax.broken_barh([(x, w)], (row - 0.3, 0.5), facecolors=colours.get(e["name"], "#aaaaaa"))
ax.set_yticks(range(len(tracks)))
ax.set_yticklabels([names.get(k, str(k)).split(", pid")[0] + ")" for k in reversed(tracks)], fontsize=8)
ax.set_xlabel("milliseconds")
ax.set_title(f"trace.json, iterations {a.first_iteration}-{last}", fontsize=10)
handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in colours.values()]
ax.legend(handles, colours.keys(), ncol=6, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.25), frameon=False)
fig.tight_layout()
fig.savefig(a.out, dpi=110)
print(f"render_trace: {len(spans)} spans on {len(tracks)} tracks -> {a.out}")
