#!/usr/bin/env bash
# The built binary end to end: write the built-in dataset as COCO, check the files, and
# evaluate ground truth turned into detections (must score mAP 1.0) and no detections (0).
set -euo pipefail
cd "$(dirname "$0")/../.."
source launch/env.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$COLAD" dataset synth --out "$tmp/ds" --train 12 --val 6 --seed 3 >/dev/null 2>&1
[ "$(ls "$tmp/ds/train" | wc -l)" -eq 12 ] && [ "$(ls "$tmp/ds/val" | wc -l)" -eq 6 ] || { echo "dataset_and_eval: wrong image counts"; exit 1; }
python3 - "$tmp/ds/annotations/instances_val.json" "$tmp/perfect.json" "$tmp/empty.json" <<'PY'
import json, sys
gt = json.load(open(sys.argv[1]))
assert gt["images"] and gt["annotations"] and len(gt["categories"]) == 6, "incomplete COCO file"
json.dump([{"image_id": a["image_id"], "category_id": a["category_id"], "bbox": a["bbox"], "score": 1.0}
           for a in gt["annotations"]], open(sys.argv[2], "w"))
json.dump([], open(sys.argv[3], "w"))
PY
perfect=$("$COLAD" eval --annotations "$tmp/ds/annotations/instances_val.json" --detections "$tmp/perfect.json" --json)
empty=$("$COLAD" eval --annotations "$tmp/ds/annotations/instances_val.json" --detections "$tmp/empty.json" --json)
python3 -c "
import json,sys
p=json.loads(sys.argv[1]); e=json.loads(sys.argv[2])
assert abs(p['bbox_mAP']-1)<1e-9 and abs(p['bbox_mAP_50']-1)<1e-9, p
assert e['bbox_mAP']==0, e
" "$perfect" "$empty" || { echo "dataset_and_eval: unexpected mAP"; exit 1; }
# A bad path is a clear error with exit code 1.
if "$COLAD" eval --annotations "$tmp/missing.json" --detections "$tmp/empty.json" 2>"$tmp/err"; then echo "dataset_and_eval: missing file accepted"; exit 1; fi
grep -q "missing.json" "$tmp/err" || { echo "dataset_and_eval: error does not name the file"; cat "$tmp/err"; exit 1; }
echo "dataset_and_eval: synth → COCO files → eval: perfect 1.0, empty 0.0, missing file rejected"
