#!/usr/bin/env bash
# `colad experiment` end to end on a tiny schedule. --suite schedule: the teachers (the reference
# configs, here cut to 4 iterations) and the baselines at 2 iterations, schedule.md names a
# length. --suite paper into the same directory: the teachers are reused, every mode of the
# suite trains for 2 seeds (baselines, soft/LAD/SoLAD from the frozen teachers, CoLAD ×3), and
# results.json/md, curves.png/csv are written with intervals and claim verdicts; a second
# invocation reuses every finished run.
set -euo pipefail
cd "$(dirname "$0")/../.."
source launch/env.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
data=(--set data.train_size=32 --set data.val_size=8 --set data.image_size=64 --set train.batch_size=2)
"$COLAD" experiment --suite schedule --out "$tmp/exp" --lengths 2 --teacher-iterations 4 "${data[@]}" > "$tmp/schedule.log" 2>&1 \
  || { echo "experiment_smoke: schedule failed"; tail -30 "$tmp/schedule.log"; exit 1; }
grep -q "iterations\*\*" "$tmp/exp/schedule.md" || { echo "experiment_smoke: schedule.md names no length"; cat "$tmp/exp/schedule.md"; exit 1; }
args=(--suite paper --out "$tmp/exp" --seeds 2 --iterations 2 --teacher-iterations 4 "${data[@]}")
"$COLAD" experiment "${args[@]}" > "$tmp/exp.log" 2>&1 || { echo "experiment_smoke: failed"; tail -30 "$tmp/exp.log"; exit 1; }
[ "$(grep -c "teachers/paa-.*reusing" "$tmp/exp.log")" -eq 2 ] || { echo "experiment_smoke: the schedule study's teachers were not reused"; exit 1; }
for f in results.json results.md curves.png curves.csv; do [ -s "$tmp/exp/$f" ] || { echo "experiment_smoke: $f missing"; exit 1; }; done
python3 - "$tmp/exp/results.json" "$tmp/exp/curves.csv" <<'PYEOF' || { echo "experiment_smoke: results incomplete"; exit 1; }
import csv, json, sys
r = json.load(open(sys.argv[1]))
keys = {(x["key"], x["student"]) for x in r["rows"]}
want = {("paa-tiny", "tiny"), ("paa-small", "small"), ("soft-small-tiny", "tiny"), ("lad-small-tiny", "tiny"), ("solad-small-tiny", "tiny"),
        ("soft-tiny-small", "small"), ("lad-tiny-small", "small")} | {(f"colad-{v}", s) for v in ("std-mean-iteration", "std-mean-object", "mean-iteration") for s in ("tiny", "small")}
assert keys == want, keys ^ want
assert len(r["claims"]) == 5 and len(r["runs"]) == 2 + 2 * 10 and len(r["teachers"]) == 2, (len(r["claims"]), len(r["runs"]))
assert all(c["verdict"] in ("holds", "contradicted", "inconclusive", "untestable") for c in r["claims"])
for row in r["rows"]:
    assert row["seeds"] == [0, 1] and set(row["metrics"]) >= {"bbox_mAP", "bbox_mAP_50", "bbox_mAP_75"}, row
    if row["teacher"] != "—":
        d = row["delta"]; assert d["low"] <= d["mean"] <= d["high"] and len(d["perSeed"]) == 2, d
    if row["key"].startswith("colad-"):
        assert 0 <= row["labelShare"] <= 1, row
assert len(r["ablations"]) == 4 and r["schedule"]["chosen"] in (2, 4)
points = list(csv.DictReader(open(sys.argv[2])))
assert {p["kind"] for p in points} == {"teacher", "comparison"} and len(points) >= 2 + 2 * 13, len(points)
PYEOF
"$COLAD" experiment "${args[@]}" > "$tmp/exp2.log" 2>&1
[ "$(grep -c "reusing" "$tmp/exp2.log")" -eq 22 ] || { echo "experiment_smoke: finished runs were not reused"; exit 1; }
echo "experiment_smoke: ok (schedule study; 2 teachers + 2 seeds x 10 runs, every mode, intervals and verdicts, table + curves written, rerun reuses them)"
