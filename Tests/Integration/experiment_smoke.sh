#!/usr/bin/env bash
# `colad experiment --suite paper` end to end on a tiny schedule: every mode of the suite trains
# (baselines, soft/LAD/SoLAD with a pre-trained teacher, CoLAD ×3), and results.json,
# results.md and curves.png are written; a second invocation reuses the finished runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
source launch/env.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
args=(--suite paper --out "$tmp/exp" --seeds 1 --iterations 2 --eval-every 2
      --set data.train_size=32 --set data.val_size=8 --set data.image_size=64 --set train.batch_size=2)
"$COLAD" experiment "${args[@]}" > "$tmp/exp.log" 2>&1 || { echo "experiment_smoke: failed"; tail -30 "$tmp/exp.log"; exit 1; }
for f in results.json results.md curves.png; do [ -s "$tmp/exp/$f" ] || { echo "experiment_smoke: $f missing"; exit 1; }; done
python3 - "$tmp/exp/results.json" <<'PYEOF' || { echo "experiment_smoke: results.json incomplete"; exit 1; }
import json, sys
r = json.load(open(sys.argv[1]))
keys = {(x["key"], x["student"]) for x in r["rows"]}
want = {("paa-tiny", "tiny"), ("paa-small", "small"), ("soft-small-tiny", "tiny"), ("lad-small-tiny", "tiny"), ("solad-small-tiny", "tiny"),
        ("soft-tiny-small", "small"), ("lad-tiny-small", "small")} | {(f"colad-{v}", s) for v in ("std-mean-iteration", "std-mean-object", "mean-iteration") for s in ("tiny", "small")}
assert keys == want, keys ^ want
assert len(r["claims"]) == 5 and len(r["runs"]) == 10
PYEOF
"$COLAD" experiment "${args[@]}" > "$tmp/exp2.log" 2>&1
[ "$(grep -c "reusing" "$tmp/exp2.log")" -eq 10 ] || { echo "experiment_smoke: finished runs were not reused"; exit 1; }
echo "experiment_smoke: ok (10 runs, every mode, table + curves written, rerun reuses them)"
