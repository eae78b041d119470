#!/usr/bin/env python3
"""Reads a run's TensorBoard event files with TensorBoard's own EventAccumulator and checks that
they hold exactly the values of its metrics.jsonl (as float32), at the documented steps, under
the tag scheme of docs/observability.md (re-derived here from the page, not from colad's code).

    check_tensorboard.py WORK_DIR
"""
import json, math, sys
import numpy as np
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

run = sys.argv[1]
expected = {}  # tag -> {step: value}

def add(tag, step, v):
    if v is None or isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return
    expected.setdefault(tag, {})[step] = float(np.float32(v))

for line in open(f"{run}/metrics.jsonl"):
    r = json.loads(line)
    step = r["iteration"]
    if "eval" in r:
        for k, v in r.items():
            # pycocotools' -1 (no objects of that size) is not a value: left out (docs/observability.md).
            if k not in ("iteration", "eval", "wall_time") and not (isinstance(v, (int, float)) and v < 0):
                add(f"{r['eval']}/eval/{k}", step, v)
        continue
    for net in ("a", "b"):
        for k, v in r.get(net, {}).items():
            if k in ("total", "cls", "box", "iou", "kd_cls", "kd_iou", "kd_box"): add(f"{net}/loss/{k}", step, v)
            elif k == "lr": add(f"{net}/lr", step, v)
            elif k == "num_pos": add(f"{net}/num_pos", step, v)
    add("job/images_per_s", step, r.get("images_per_s"))
    for k, v in r.get("time", {}).items(): add(f"job/time/{k}", step, v)
    if r.get("teacher") in ("a", "b"): add("colad/teacher_is_b", step, 1.0 if r["teacher"] == "b" else 0.0)
    add("colad/b_label_share", step, r.get("t_ratio"))
    for src, dst in (("s_mean", "a_mean"), ("s_std", "a_std"), ("t_mean", "b_mean"), ("t_std", "b_std")):
        add(f"colad/{dst}", step, r.get(src))

acc = EventAccumulator(run, size_guidance={"scalars": 0})
acc.Reload()
got_tags = set(acc.Tags()["scalars"])
errors = []
if got_tags != set(expected):
    errors.append(f"tags differ: only in events {sorted(got_tags - set(expected))}, only in metrics.jsonl {sorted(set(expected) - got_tags)}")
count = 0
for tag in sorted(set(expected) & got_tags):
    got = {e.step: e.value for e in acc.Scalars(tag)}
    if len(got) != len(acc.Scalars(tag)): errors.append(f"{tag}: a step written twice")
    if got.keys() != expected[tag].keys():
        errors.append(f"{tag}: steps differ (events {len(got)}, metrics.jsonl {len(expected[tag])})"); continue
    for step, v in expected[tag].items():
        count += 1
        if not (got[step] == v):
            errors.append(f"{tag} step {step}: events {got[step]!r}, metrics.jsonl {v!r}")
if errors:
    print("check_tensorboard: " + "\n".join(errors[:20])); sys.exit(1)
print(f"check_tensorboard: EventAccumulator read {count} scalars under {len(got_tags)} tags, each equal to metrics.jsonl (float32)")
