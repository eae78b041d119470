#!/usr/bin/env bash
# The built binary end to end on the built-in data: a short baseline run (metrics, checkpoint,
# resume), its curves (colad plot), evaluation from the checkpoint, detection on PNGs, a CoLAD
# smoke run, bad configs.
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

"$COLAD" eval --config configs/paa-tiny.yaml --checkpoint "$tmp/run" "${small[@]}" --json --dump-detections "$tmp/dets.json" > "$tmp/eval.json"
python3 -c "
import json,sys
m=json.load(open('$tmp/eval.json')); assert 0 <= m['bbox_mAP'] <= 1 and 'bbox_mAP_50' in m, m
d=json.load(open('$tmp/dets.json')); assert isinstance(d, list)
" || { echo "train_eval_detect: eval output malformed"; exit 1; }

"$COLAD" dataset synth --out "$tmp/ds" --train 1 --val 2 >/dev/null 2>&1
"$COLAD" detect --config configs/paa-tiny.yaml --checkpoint "$tmp/run" --out "$tmp/det" "$tmp/ds/val/"*.png > "$tmp/detect.log"
[ -s "$tmp/det/detections.json" ] && [ "$(ls "$tmp/det"/*.png | wc -l)" -eq 2 ] || { echo "train_eval_detect: detect outputs missing"; exit 1; }

"$COLAD" train --config configs/colad-tiny-small.yaml --work-dir "$tmp/colad" --max-iters 2 "${small[@]}" > "$tmp/colad.log"
grep -q '"teacher"' "$tmp/colad/metrics.jsonl" || { echo "train_eval_detect: colad run logged no teacher"; exit 1; }

# Bad input: an unknown key is an error naming file, line and key; exit code 1.
printf 'name: bad\nmode: baseline\nnetwork_a: {preset: tiny}\ntrain: {iterations: 5, batch_sz: 4}\n' > "$tmp/bad.yaml"
if "$COLAD" train --config "$tmp/bad.yaml" 2> "$tmp/bad.err"; then echo "train_eval_detect: bad config accepted"; exit 1; fi
grep -q "bad.yaml:4" "$tmp/bad.err" && grep -q "batch_sz" "$tmp/bad.err" || { echo "train_eval_detect: unhelpful error"; cat "$tmp/bad.err"; exit 1; }
echo "train_eval_detect: train → checkpoint → resume → plot → eval → detect, colad smoke, bad config rejected"
