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
export COLAD_CORES=2   # the job count the checks below expect, whatever the machine
tmp=$(mktemp -d); trap 'pkill -f -- "--work-dir $tmp/" 2>/dev/null || true; rm -rf "$tmp"' EXIT
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
grep -q "10 at a time on 2 cores\|2 at a time on 2 cores" "$tmp/exp.log" || { echo "experiment_smoke: the runs were not 2 at a time"; head -3 "$tmp/exp.log"; exit 1; }
[ -s "$tmp/exp/runs/seed1/colad-mean-iteration/train.log" ] || { echo "experiment_smoke: a run's train.log is missing"; exit 1; }

# A committed experiment keeps each run's result.json, not its checkpoints: with the small
# teacher's weights gone and one of its students unfinished, the teacher is trained again and
# must reproduce its recorded mAP exactly. It was trained on 1 thread (two teachers at a time on
# 2 cores) and is retrained on 2 (nothing else can run), so this also checks that a run's numbers
# do not depend on its thread count.
rm -rf "$tmp/exp/runs/teachers/paa-small/checkpoints" "$tmp/exp/runs/seed1/lad-small-tiny"
"$COLAD" experiment "${args[@]}" > "$tmp/exp3.log" 2>&1 || { echo "experiment_smoke: continuing without teacher weights failed"; tail -30 "$tmp/exp3.log"; exit 1; }
grep -q "teachers/paa-small: retrained, reproduced the recorded mAP exactly" "$tmp/exp3.log" \
  || { echo "experiment_smoke: the teacher was not retrained to its recorded mAP"; grep "paa-small" "$tmp/exp3.log" | tail; exit 1; }
[ "$(grep -c "reusing" "$tmp/exp3.log")" -eq 20 ] || { echo "experiment_smoke: expected 20 reused runs"; grep -c reusing "$tmp/exp3.log"; exit 1; }

# --report-only trains nothing and writes an interim report from the runs finished so far.
rm "$tmp/exp/runs/seed1/colad-mean-iteration/result.json"
"$COLAD" experiment "${args[@]}" --report-only > "$tmp/report.log" 2>&1 || { echo "experiment_smoke: --report-only failed"; tail -5 "$tmp/report.log"; exit 1; }
grep -q "from 21 of 22 runs (interim: 1 not yet run)" "$tmp/report.log" || { echo "experiment_smoke: --report-only summary"; tail -3 "$tmp/report.log"; exit 1; }
grep -q "not yet run: seed1/colad-mean-iteration" "$tmp/exp/results.md" || { echo "experiment_smoke: interim results.md does not name the missing run"; exit 1; }
[ ! -e "$tmp/exp/runs/seed1/colad-mean-iteration/result.json" ] || { echo "experiment_smoke: --report-only trained a run"; exit 1; }

# SIGTERM to the suite ends its `colad train` children too (checked within 10 s), and the
# command run again finishes the suite.
COLAD_CORES=2 "$COLAD" experiment --suite paper --out "$tmp/int" --seeds 1 --iterations 400 --teacher-iterations 400 "${data[@]}" > "$tmp/int.log" 2>&1 &
suite=$!
for _ in $(seq 100); do pgrep -f -- "--work-dir $tmp/int/" > /dev/null && break; sleep 0.1; done
pgrep -f -- "--work-dir $tmp/int/" > /dev/null || { echo "experiment_smoke: no run started"; kill $suite; exit 1; }
kill -TERM $suite; wait $suite || true
for _ in $(seq 100); do pgrep -f -- "--work-dir $tmp/int/" > /dev/null || break; sleep 0.1; done
if pgrep -f -- "--work-dir $tmp/int/" > /dev/null; then echo "experiment_smoke: runs outlived the suite"; pkill -f -- "--work-dir $tmp/int/"; exit 1; fi
grep -q "interrupted (signal 15); stopped 2 run(s)" "$tmp/int.log" || { echo "experiment_smoke: no interruption line"; tail -5 "$tmp/int.log"; exit 1; }
# SIGKILL gives the suite no chance to stop them: the runs end at their next output line (their
# stdout is a pipe to the dead suite: SIGPIPE), also within 10 s, so a suite run again never
# trains a run twice at once.
COLAD_CORES=2 "$COLAD" experiment --suite paper --out "$tmp/int" --seeds 1 --iterations 400 --teacher-iterations 400 "${data[@]}" > "$tmp/int2.log" 2>&1 &
suite=$!
for _ in $(seq 100); do pgrep -f -- "--work-dir $tmp/int/" > /dev/null && break; sleep 0.1; done
pgrep -f -- "--work-dir $tmp/int/" > /dev/null || { echo "experiment_smoke: no run started again"; kill $suite; exit 1; }
kill -KILL $suite; wait $suite 2>/dev/null || true
for _ in $(seq 100); do pgrep -f -- "--work-dir $tmp/int/" > /dev/null || break; sleep 0.1; done
if pgrep -f -- "--work-dir $tmp/int/" > /dev/null; then echo "experiment_smoke: runs outlived a killed suite"; pkill -f -- "--work-dir $tmp/int/"; exit 1; fi
echo "experiment_smoke: ok (schedule study; 2 teachers + 2 seeds x 10 runs 2 at a time, every mode, intervals and verdicts, table + curves written, rerun reuses them; a teacher without weights retrained to its exact mAP; --report-only writes an interim report; SIGTERM or SIGKILL of the suite ends the runs)"
