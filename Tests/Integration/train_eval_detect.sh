#!/usr/bin/env bash
# The built binary end to end on the built-in data: a short baseline run (metrics, checkpoint,
# resume, resume without --config, a refused resume), its curves (colad plot), evaluation from
# the checkpoint, detection on PNGs (pictures, JSON and COCO results), a teacher given as a run's
# work dir, a CoLAD smoke run, config print, dataset preview formats, bad configs, help text and
# shell completion.
set -euo pipefail
cd "$(dirname "$0")/../.."
source launch/env.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
small=(--set data.train_size=32 --set data.val_size=8 --set train.batch_size=2 --set data.image_size=64
       --set train.log_every=1 --set train.checkpoint_every=2 --set train.warmup_iters=1)

"$COLAD" train --config configs/paa-tiny.yaml --work-dir "$tmp/run" --max-iters 3 "${small[@]}" > "$tmp/train.log"
grep -q "checkpoint $tmp/run/checkpoints/iter_0000003" "$tmp/train.log" || { echo "train_eval_detect: no final checkpoint"; cat "$tmp/train.log"; exit 1; }
[ "$(grep -c '"iteration"' "$tmp/run/metrics.jsonl")" -eq 3 ] || { echo "train_eval_detect: expected 3 metric lines"; exit 1; }
[ "$(cat "$tmp/run/checkpoints/latest")" = "iter_0000003" ] || { echo "train_eval_detect: latest pointer wrong"; exit 1; }

"$COLAD" train --config configs/paa-tiny.yaml --work-dir "$tmp/run" --max-iters 2 --resume "${small[@]}" > "$tmp/resume.log"
grep -q "resumed from .*iter_0000003 at iteration 3" "$tmp/resume.log" || { echo "train_eval_detect: resume did not continue"; cat "$tmp/resume.log"; exit 1; }
[ "$(cat "$tmp/run/checkpoints/latest")" = "iter_0000005" ] || { echo "train_eval_detect: resumed run did not checkpoint"; exit 1; }

# Curves: a PNG and beside it the plotted points, one a/loss/total row per iteration line.
"$COLAD" plot "$tmp/run" --out "$tmp/plot/curves.png" > "$tmp/plot.log"
grep -q "$tmp/plot/curves.png.*$tmp/plot/curves.csv" "$tmp/plot.log" || { echo "train_eval_detect: plot did not name its files"; cat "$tmp/plot.log"; exit 1; }
python3 -c "
import json
assert open('$tmp/plot/curves.png', 'rb').read(8) == b'\x89PNG\r\n\x1a\n', 'not a PNG'
rows = open('$tmp/plot/curves.csv').read().splitlines()
assert rows[0] == 'run,tag,step,value', rows[0]
lines = [json.loads(l) for l in open('$tmp/run/metrics.jsonl') if l.strip()]
iterations = [l for l in lines if 'eval' not in l]
loss = [r for r in rows[1:] if r.split(',')[1] == 'a/loss/total']
assert len(loss) == len(iterations) == 5, (len(loss), len(iterations))
" || { echo "train_eval_detect: plot outputs malformed"; exit 1; }
if "$COLAD" plot "$tmp" --out "$tmp/none.png" 2> "$tmp/plot.err"; then echo "train_eval_detect: plot without metrics.jsonl succeeded"; exit 1; fi
grep -q "$tmp: no metrics.jsonl" "$tmp/plot.err" || { echo "train_eval_detect: unhelpful plot error"; cat "$tmp/plot.err"; exit 1; }

# Resume without --config: the run's own config.yaml (with --set on top).
"$COLAD" train --resume --work-dir "$tmp/run" --max-iters 1 > "$tmp/resume-noconfig.log"
grep -q "resumed from .*iter_0000005 at iteration 5" "$tmp/resume-noconfig.log" || { echo "train_eval_detect: resume without --config"; cat "$tmp/resume-noconfig.log"; exit 1; }
# A resume with another config is refused naming the key, and config.yaml stays the run's.
cp "$tmp/run/config.yaml" "$tmp/config-before.yaml"
if "$COLAD" train --resume --work-dir "$tmp/run" --set train.lr=0.03 --max-iters 1 > /dev/null 2> "$tmp/refused.err"; then
  echo "train_eval_detect: resume with a different lr accepted"; exit 1
fi
grep -q "train.lr: 0.02 (checkpoint) vs 0.03 (now)" "$tmp/refused.err" || { echo "train_eval_detect: refusal names no key"; cat "$tmp/refused.err"; exit 1; }
cmp -s "$tmp/run/config.yaml" "$tmp/config-before.yaml" || { echo "train_eval_detect: a refused resume rewrote config.yaml"; exit 1; }
if "$COLAD" train --resume > /dev/null 2> "$tmp/usage.err"; then echo "train_eval_detect: train without --config or --work-dir accepted"; exit 1; fi
grep -q "give --config FILE, or --resume --work-dir DIR" "$tmp/usage.err" || { echo "train_eval_detect: unclear usage error"; cat "$tmp/usage.err"; exit 1; }

# config print: exactly what training wrote to the work dir (same config and --set values).
"$COLAD" config print --config configs/paa-tiny.yaml "${small[@]}" > "$tmp/printed.yaml"
"$COLAD" train --config configs/paa-tiny.yaml --work-dir "$tmp/print-run" --max-iters 1 "${small[@]}" > /dev/null
cmp -s "$tmp/printed.yaml" "$tmp/print-run/config.yaml" || { echo "train_eval_detect: config print differs from the work dir's config.yaml"; diff "$tmp/printed.yaml" "$tmp/print-run/config.yaml"; exit 1; }
if "$COLAD" config print --config configs/paa-tiny.yaml --set train.lr=-1 > /dev/null 2> "$tmp/print.err"; then echo "train_eval_detect: config print accepted lr -1"; exit 1; fi
grep -q -- "--set train.lr=-1: train.lr" "$tmp/print.err" || { echo "train_eval_detect: config print error"; cat "$tmp/print.err"; exit 1; }

"$COLAD" eval --config configs/paa-tiny.yaml --checkpoint "$tmp/run" "${small[@]}" --json --dump-detections "$tmp/dets.json" > "$tmp/eval.json"
python3 -c "
import json,sys
m=json.load(open('$tmp/eval.json')); assert 0 <= m['bbox_mAP'] <= 1 and 'bbox_mAP_50' in m, m
d=json.load(open('$tmp/dets.json')); assert isinstance(d, list)
" || { echo "train_eval_detect: eval output malformed"; exit 1; }

"$COLAD" dataset synth --out "$tmp/ds" --train 1 --val 2 >/dev/null 2>&1
"$COLAD" detect --config configs/paa-tiny.yaml --checkpoint "$tmp/run" --out "$tmp/det" "$tmp/ds/val/"*.png > "$tmp/detect.log"
[ -s "$tmp/det/detections.json" ] && [ "$(ls "$tmp/det"/*.png | wc -l)" -eq 2 ] || { echo "train_eval_detect: detect outputs missing"; exit 1; }

# COCO results for the val images; colad eval reads them against the exported annotations.
"$COLAD" detect --config configs/paa-tiny.yaml --checkpoint "$tmp/run" --out "$tmp/det-coco" --format coco \
  --annotations "$tmp/ds/annotations/instances_val.json" --class-agnostic-nms 0.5 --max-boxes 5 "$tmp/ds/val/"*.png > "$tmp/detect-coco.log"
python3 -c "
import json
d = json.load(open('$tmp/det-coco/detections.json'))
assert isinstance(d, list) and d, d
assert all(set(x) == {'image_id', 'category_id', 'bbox', 'score'} and len(x['bbox']) == 4 for x in d), d[0]
assert {x['image_id'] for x in d} <= {1, 2}, {x['image_id'] for x in d}
" || { echo "train_eval_detect: detect --format coco output malformed"; exit 1; }
"$COLAD" eval --annotations "$tmp/ds/annotations/instances_val.json" --detections "$tmp/det-coco/detections.json" --json > /dev/null \
  || { echo "train_eval_detect: eval rejected detect's COCO results"; exit 1; }

# A teacher given as the baseline's work dir (its checkpoints/latest).
"$COLAD" train --config configs/lad-small-tiny.yaml --set network_a.preset=tiny --set network_a.checkpoint="$tmp/run" \
  --work-dir "$tmp/lad" --max-iters 1 "${small[@]}" > "$tmp/lad.log" || { echo "train_eval_detect: teacher as a work dir"; cat "$tmp/lad.log"; exit 1; }
mkdir -p "$tmp/empty-run"
if "$COLAD" train --config configs/lad-small-tiny.yaml --set network_a.checkpoint="$tmp/empty-run" --work-dir "$tmp/lad2" \
  --max-iters 1 "${small[@]}" > /dev/null 2> "$tmp/noteacher.err"; then echo "train_eval_detect: teacher dir without checkpoint accepted"; exit 1; fi
grep -q "network_a.checkpoint: $tmp/empty-run holds no checkpoint" "$tmp/noteacher.err" || { echo "train_eval_detect: teacher error"; cat "$tmp/noteacher.err"; exit 1; }

# dataset preview: the extension decides the format, for the built-in data and a COCO config.
"$COLAD" dataset preview --out "$tmp/preview.jpg" --count 2 > /dev/null
"$COLAD" dataset preview --config configs/paa-tiny.yaml --set data.dataset=coco \
  --set data.train_annotations="$tmp/ds/annotations/instances_train.json" --set data.train_images="$tmp/ds/train" \
  --set data.val_annotations="$tmp/ds/annotations/instances_val.json" --set data.val_images="$tmp/ds/val" --split val --out "$tmp/preview.png" > /dev/null
[ "$(head -c 3 "$tmp/preview.jpg" | od -An -tx1 | tr -d ' ')" = "ffd8ff" ] || { echo "train_eval_detect: preview.jpg is not a JPEG"; exit 1; }
[ "$(head -c 4 "$tmp/preview.png" | od -An -tx1 | tr -d ' ')" = "89504e47" ] || { echo "train_eval_detect: preview.png is not a PNG"; exit 1; }
if "$COLAD" dataset preview --out "$tmp/preview.gif" 2> "$tmp/gif.err"; then echo "train_eval_detect: preview.gif accepted"; exit 1; fi
grep -q "cannot write a .gif image" "$tmp/gif.err" || { echo "train_eval_detect: gif error"; cat "$tmp/gif.err"; exit 1; }

"$COLAD" train --config configs/colad-tiny-small.yaml --work-dir "$tmp/colad" --max-iters 2 "${small[@]}" > "$tmp/colad.log"
grep -q '"teacher"' "$tmp/colad/metrics.jsonl" || { echo "train_eval_detect: colad run logged no teacher"; exit 1; }

# Bad input: an unknown key is an error naming file, line and key; exit code 1.
printf 'name: bad\nmode: baseline\nnetwork_a: {preset: tiny}\ntrain: {iterations: 5, batch_sz: 4}\n' > "$tmp/bad.yaml"
if "$COLAD" train --config "$tmp/bad.yaml" 2> "$tmp/bad.err"; then echo "train_eval_detect: bad config accepted"; exit 1; fi
grep -q "bad.yaml:4" "$tmp/bad.err" && grep -q "batch_sz" "$tmp/bad.err" || { echo "train_eval_detect: unhelpful error"; cat "$tmp/bad.err"; exit 1; }
# The CLI itself: help reflows at 80 columns, the version names the commit, completion knows the keys.
python3 Tests/Integration/check_help.py "$COLAD" > /dev/null || { python3 Tests/Integration/check_help.py "$COLAD"; exit 1; }
"$COLAD" --version | grep -qE "\(commit ([0-9a-f]{12}(-dirty)?|unknown)\)" || { echo "train_eval_detect: --version without commit"; "$COLAD" --version; exit 1; }
"$COLAD" --generate-completion-script bash > "$tmp/completion.bash"
grep -q "train.batch_size=" "$tmp/completion.bash" && grep -q "yaml|yml" "$tmp/completion.bash" || { echo "train_eval_detect: completion lacks keys or config files"; exit 1; }
echo "train_eval_detect: train → checkpoint → resume (with and without --config, refused) → plot → eval → detect (json, coco), teacher dir, config print, preview formats, colad smoke, bad config rejected, help, version, completion"
