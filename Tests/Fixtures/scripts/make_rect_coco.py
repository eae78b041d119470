#!/usr/bin/env python3
"""Writes a small COCO-format dataset of non-square images (standard library only) for the
keep-ratio pipeline's tests: DIR/{train,val}/*.png, DIR/annotations/instances_{train,val}.json.

Images come in landscape, portrait and square sizes; each holds 1-3 filled rectangles of three
classes (red, green, blue) on a noisy grey background, and the boxes are the rectangles exactly.
Deterministic: the same --seed writes the same files.

    python3 make_rect_coco.py OUT [--train 16] [--val 8] [--seed 0]
"""
import argparse, json, os, random, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_dataset_fixtures import png as encode_png  # noqa: E402  (the repo's stdlib PNG encoder)

SIZES = [(160, 96), (96, 160), (200, 120), (128, 128), (144, 112), (112, 176)]  # (width, height)
COLOURS = [(220, 40, 40), (40, 200, 60), (50, 70, 230)]
NAMES = ["red", "green", "blue"]


def png(path, width, height, rows):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(encode_png(width, height, 2, rows))
    os.replace(tmp, path)


def split(out, name, count, rng, first_annotation):
    os.makedirs(os.path.join(out, name), exist_ok=True)
    images, annotations, next_id = [], [], first_annotation
    for i in range(count):
        w, h = SIZES[rng.randrange(len(SIZES))]
        rows = [[rng.randrange(100, 140) for _ in range(3 * w)] for _ in range(h)]
        for _ in range(rng.randint(1, 3)):
            bw, bh = rng.randint(w // 6, w // 2), rng.randint(h // 6, h // 2)
            x, y = rng.randint(0, w - bw), rng.randint(0, h - bh)
            c = rng.randrange(3)
            for yy in range(y, y + bh):
                for xx in range(x, x + bw):
                    rows[yy][3 * xx:3 * xx + 3] = COLOURS[c]
            annotations.append({"id": next_id, "image_id": i + 1, "category_id": c + 1, "bbox": [x, y, bw, bh],
                                "area": bw * bh, "iscrowd": 0})
            next_id += 1
        file = f"{i:06d}.png"
        png(os.path.join(out, name, file), w, h, rows)
        images.append({"id": i + 1, "file_name": file, "width": w, "height": h})
    doc = {"images": images, "annotations": annotations,
           "categories": [{"id": k + 1, "name": n} for k, n in enumerate(NAMES)]}
    os.makedirs(os.path.join(out, "annotations"), exist_ok=True)
    path = os.path.join(out, "annotations", f"instances_{name}.json")
    with open(path + ".tmp", "w") as f:
        json.dump(doc, f)
    os.replace(path + ".tmp", path)
    return next_id


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--train", type=int, default=16)
    p.add_argument("--val", type=int, default=8)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    rng = random.Random(a.seed)
    n = split(a.out, "train", a.train, rng, 1)
    split(a.out, "val", a.val, rng, n)
    print(f"wrote {a.train} train and {a.val} val images to {a.out}")


if __name__ == "__main__":
    main()
