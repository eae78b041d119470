#!/usr/bin/env python3
"""Scrapes a job's /metrics and parses it with prometheus_client's OpenMetrics parser (strict:
families, types, the EOF line). Checks the families docs/observability.md promises, for every
rank and network; prints `iteration N`.

    scrape_metrics.py URL --ranks N --networks a,b
"""
import argparse, sys, urllib.request
from prometheus_client.openmetrics.parser import text_string_to_metric_families

p = argparse.ArgumentParser()
p.add_argument("url"); p.add_argument("--ranks", type=int, required=True); p.add_argument("--networks", default="a,b")
a = p.parse_args()
with urllib.request.urlopen(a.url, timeout=5) as r:
    ctype = r.headers.get("Content-Type", "")
    text = r.read().decode()
assert ctype.startswith("application/openmetrics-text"), ctype
fams = {f.name: f for f in text_string_to_metric_families(text)}
def samples(name): return fams[name].samples if name in fams else []
need = {"colad_job": "info", "colad_iteration": "gauge", "colad_uptime_seconds": "gauge", "colad_rejected_messages": "counter",
        "colad_rank_heartbeat_age_seconds": "gauge", "colad_rank_last_iteration": "gauge"}
for name, kind in need.items():
    assert name in fams, f"family {name} missing; have {sorted(fams)}"
    assert fams[name].type == kind, f"{name}: type {fams[name].type}, expected {kind}"
ranks = {s.labels["rank"] for s in samples("colad_rank_heartbeat_age_seconds")}
assert len(ranks) == a.ranks, f"heartbeat ages for ranks {sorted(ranks)}, expected {a.ranks}"
assert all(s.value < 10 for s in samples("colad_rank_heartbeat_age_seconds")), "a rank's heartbeat is old"
kinds = {s.labels["kind"] for s in samples("colad_rejected_messages")}
assert {"bad_magic", "unauthenticated"} <= kinds, f"rejection kinds {sorted(kinds)}"
it = samples("colad_iteration")[0].value
if it > 1:
    nets = {s.labels["network"] for s in samples("colad_loss") if s.labels["part"] == "total"}
    assert nets == set(a.networks.split(",")), f"total losses for {sorted(nets)}"
    assert samples("colad_throughput_images_per_second")[0].value > 0
    assert len(samples("colad_rank_step_seconds")) == a.ranks
phase = samples("colad_job")[0].labels["phase"]
print(f"iteration {int(it)} phase {phase} families {len(fams)} samples {sum(len(f.samples) for f in fams.values())}")
