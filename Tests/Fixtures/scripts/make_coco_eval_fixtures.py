#!/usr/bin/env python3
"""Generates the golden fixtures for the Swift `Evaluation` module (COCO bbox evaluation).

Two seeded, synthetic but non-trivial cases are written to Tests/Fixtures/coco_eval/:

  gt.json, dets.json, expected.json
      "crowd" case: 36 images of various sizes, categories with non-contiguous ids
      (3, 7, 11, 20, 25, 31), GT boxes in all three area ranges (including boxes exactly on the
      32^2 / 96^2 boundaries and `area` fields that differ from w*h), crowd regions (category 25
      has only crowd GT, category 31 has no GT at all), perturbed/duplicate/false-positive
      detections with tied scores, detections inside crowd regions, and one image with more
      than 100 detections of one category (exercises the maxDets truncation).
  gt_nocrowd.json, dets_nocrowd.json, expected_nocrowd.json
      "nocrowd" case: no crowd boxes, some images without any GT (some of them with false
      positives), a category with detections but no GT, and annotation ids starting at 0
      (pycocotools treats a match to GT id 0 as unmatched; the Swift port reproduces that).

expected*.json hold the 12 COCOeval.summarize() stats, the per-category AP computed as
mmdetection does (mean of eval['precision'][:, :, k, 0, -1] over entries > -1, null if none),
the printed summarize() lines, the IoU / recall thresholds, and a header with the format
version, the pycocotools and numpy versions and the seed.

Usage (from the repository root):
    pip install pycocotools        # numpy 2.x
    python3 Tests/Fixtures/scripts/make_coco_eval_fixtures.py
"""
import contextlib
import io
import json
import os
import random
from importlib.metadata import version

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

FORMAT_VERSION = 1
SEED = 20240917
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "coco_eval")
IMAGE_SIZES = [(640, 480), (800, 600), (320, 240), (1024, 768), (500, 375), (333, 500)]


def r2(x):
    return round(float(x), 2)


def random_box(rng, img_w, img_h, kind):
    """A box fully or partly inside the image; `kind` picks the size regime."""
    if kind == "small":
        w, h = rng.uniform(4, 30), rng.uniform(4, 30)
    elif kind == "medium":
        w, h = rng.uniform(33, 90), rng.uniform(33, 90)
    elif kind == "large":
        w, h = rng.uniform(100, min(img_w, 400)), rng.uniform(100, min(img_h, 400))
    elif kind == "edge32":      # exactly on the small/medium boundary (area 1024)
        w, h = rng.choice([(32, 32), (16, 64), (64, 16)])
    else:                       # "edge96": exactly on the medium/large boundary (area 9216)
        w, h = rng.choice([(96, 96), (48, 192)])
    x = rng.uniform(0, max(1.0, img_w - w))
    y = rng.uniform(0, max(1.0, img_h - h))
    return [r2(x), r2(y), r2(w), r2(h)]


def jitter(rng, box, scale):
    x, y, w, h = box
    nw = max(1.0, w * (1 + rng.gauss(0, scale)))
    nh = max(1.0, h * (1 + rng.gauss(0, scale)))
    return [r2(x + rng.gauss(0, scale) * w), r2(y + rng.gauss(0, scale) * h), r2(nw), r2(nh)]


def score(rng):
    # A third of the scores are quantized to 0.05 steps so that ties (within and across
    # images) are common and the stable-sort tie-breaking is exercised.
    s = rng.uniform(0.05, 1.0)
    return round(round(s / 0.05) * 0.05, 2) if rng.random() < 0.33 else round(s, 4)


def make_case(rng, crowd, num_images, cats, first_ann_id, empty_images):
    images, anns, dets = [], [], []
    real_cats = [c for c in cats if c["role"] == "normal"]
    ann_id = first_ann_id
    for i in range(num_images):
        img_id = 1000 + 7 * i  # non-contiguous image ids
        w, h = rng.choice(IMAGE_SIZES)
        images.append({"id": img_id, "width": w, "height": h, "file_name": f"img_{img_id:06d}.jpg"})
        if i in empty_images:
            # images without GT: some get false positives
            for _ in range(rng.randint(0, 3)):
                c = rng.choice(cats)["id"]
                dets.append({"image_id": img_id, "category_id": c,
                             "bbox": random_box(rng, w, h, rng.choice(["small", "medium", "large"])),
                             "score": score(rng)})
            continue
        n = rng.randint(1, 7)
        for _ in range(n):
            cat = rng.choice(real_cats)["id"]
            kind = rng.choices(["small", "medium", "large", "edge32", "edge96"], [4, 4, 3, 1, 1])[0]
            box = random_box(rng, w, h, kind)
            area = box[2] * box[3]
            if kind not in ("edge32", "edge96") and rng.random() < 0.6:
                area = area * rng.uniform(0.55, 1.0)  # segmentation area < box area
            anns.append({"id": ann_id, "image_id": img_id, "category_id": cat, "bbox": box,
                         "area": r2(area), "iscrowd": 0})
            ann_id += 1
            # detections for this GT
            if rng.random() < 0.85:
                scale = rng.choice([0.02, 0.05, 0.1, 0.2, 0.35])
                dets.append({"image_id": img_id, "category_id": cat, "bbox": jitter(rng, box, scale),
                             "score": score(rng)})
            if rng.random() < 0.25:  # duplicate
                dets.append({"image_id": img_id, "category_id": cat, "bbox": jitter(rng, box, 0.08),
                             "score": score(rng)})
            if rng.random() < 0.15:  # right place, wrong class
                other = rng.choice(cats)["id"]
                dets.append({"image_id": img_id, "category_id": other, "bbox": jitter(rng, box, 0.05),
                             "score": score(rng)})
        if crowd and rng.random() < 0.3:
            cat = rng.choice([c["id"] for c in cats if c["role"] in ("normal", "crowd_only")])
            box = random_box(rng, w, h, rng.choice(["medium", "large"]))
            anns.append({"id": ann_id, "image_id": img_id, "category_id": cat, "bbox": box,
                         "area": r2(box[2] * box[3] * 0.7), "iscrowd": 1})
            ann_id += 1
            # detections inside / overlapping the crowd region
            for _ in range(rng.randint(1, 3)):
                x, y, bw, bh = box
                sw, sh = bw * rng.uniform(0.2, 0.6), bh * rng.uniform(0.2, 0.6)
                dets.append({"image_id": img_id, "category_id": cat,
                             "bbox": [r2(x + rng.uniform(-0.1, 0.6) * bw), r2(y + rng.uniform(-0.1, 0.6) * bh),
                                      r2(sw), r2(sh)],
                             "score": score(rng)})
        for _ in range(rng.randint(0, 3)):  # false positives
            dets.append({"image_id": img_id, "category_id": rng.choice(cats)["id"],
                         "bbox": random_box(rng, w, h, rng.choice(["small", "medium", "large"])),
                         "score": score(rng)})
    return images, anns, dets


def add_many_detections(rng, images, anns, dets, count):
    """One image/category with more than 100 detections (maxDets truncation)."""
    ann = next(a for a in anns if a["iscrowd"] == 0)
    img = next(i for i in images if i["id"] == ann["image_id"])
    for _ in range(count):
        if rng.random() < 0.2:
            box = jitter(rng, ann["bbox"], 0.1)
        else:
            box = random_box(rng, img["width"], img["height"], rng.choice(["small", "medium"]))
        dets.append({"image_id": img["id"], "category_id": ann["category_id"], "bbox": box,
                     "score": score(rng)})


def evaluate(gt_path, dets_path):
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools' progress chatter
        gt = COCO(gt_path)
        dt = gt.loadRes(dets_path)
        ev = COCOeval(gt, dt, "bbox")
        ev.evaluate()
        ev.accumulate()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        ev.summarize()
    lines = [l for l in out.getvalue().splitlines() if l.startswith(" Average")]
    precisions = ev.eval["precision"]
    per_cat = []
    for k, cat_id in enumerate(ev.params.catIds):
        p = precisions[:, :, k, 0, -1]
        p = p[p > -1]
        per_cat.append({"id": int(cat_id), "name": gt.loadCats(int(cat_id))[0]["name"],
                        "ap": float(np.mean(p)) if p.size else None})
    return ev, [float(s) for s in ev.stats], per_cat, lines


def write_case(suffix, case_name, images, anns, cats, dets):
    gt = {"images": images, "annotations": anns,
          "categories": [{"id": c["id"], "name": c["name"]} for c in cats]}
    gt_path = os.path.join(OUT_DIR, f"gt{suffix}.json")
    dets_path = os.path.join(OUT_DIR, f"dets{suffix}.json")
    with open(gt_path, "w") as f:
        json.dump(gt, f, separators=(",", ":"))
    with open(dets_path, "w") as f:
        json.dump(dets, f, separators=(",", ":"))
    ev, stats, per_cat, lines = evaluate(gt_path, dets_path)
    expected = {
        "format_version": FORMAT_VERSION,
        "pycocotools": version("pycocotools"),
        "numpy": np.__version__,
        "seed": SEED,
        "case": case_name,
        "num_images": len(images), "num_annotations": len(anns), "num_detections": len(dets),
        "iou_thresholds": [float(t) for t in ev.params.iouThrs],
        "recall_thresholds": [float(r) for r in ev.params.recThrs],
        "stats": stats,
        "per_category": per_cat,
        "summary_lines": lines,
    }
    with open(os.path.join(OUT_DIR, f"expected{suffix}.json"), "w") as f:
        json.dump(expected, f, indent=1)
    print(f"{case_name}: {len(images)} images, {len(anns)} annotations "
          f"({sum(a['iscrowd'] for a in anns)} crowd), {len(dets)} detections")
    print("\n".join(lines))


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    rng = random.Random(SEED)

    cats = [{"id": 3, "name": "person", "role": "normal"}, {"id": 7, "name": "car", "role": "normal"},
            {"id": 11, "name": "dog", "role": "normal"}, {"id": 20, "name": "traffic light", "role": "normal"},
            {"id": 25, "name": "crowd_only", "role": "crowd_only"}, {"id": 31, "name": "absent", "role": "absent"}]
    images, anns, dets = make_case(rng, crowd=True, num_images=36, cats=cats[:5] + [cats[5]],
                                   first_ann_id=1, empty_images=set())
    # category 31 ("absent") must have neither GT nor detections
    dets = [d for d in dets if d["category_id"] != 31]
    assert all(a["category_id"] != 31 for a in anns)
    add_many_detections(rng, images, anns, dets, 130)
    rng.shuffle(dets)
    write_case("", "crowd", images, anns, cats, dets)

    cats2 = [{"id": 2, "name": "a", "role": "normal"}, {"id": 5, "name": "b", "role": "normal"},
             {"id": 9, "name": "c", "role": "normal"}, {"id": 14, "name": "d", "role": "normal"},
             {"id": 40, "name": "dets_only", "role": "dets_only"}]
    images2, anns2, dets2 = make_case(rng, crowd=False, num_images=32, cats=cats2, first_ann_id=0,
                                      empty_images={3, 8, 9, 17, 25, 30})
    assert anns2[0]["id"] == 0
    # make sure the GT with id 0 is matched by a detection
    dets2.insert(0, {"image_id": anns2[0]["image_id"], "category_id": anns2[0]["category_id"],
                     "bbox": list(anns2[0]["bbox"]), "score": 0.9})
    rng.shuffle(dets2)
    write_case("_nocrowd", "nocrowd", images2, anns2, cats2, dets2)


if __name__ == "__main__":
    main()
