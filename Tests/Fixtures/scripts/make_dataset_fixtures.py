#!/usr/bin/env python3
"""Generates the fixtures under Tests/Fixtures/datasets/ (standard library only).

PNG files are written by a tiny independent encoder (zlib + struct) so the libpng-based decoder
is checked against data it did not produce:

  gray_4x3.png, gray_alpha_4x3.png, rgba_4x3.png, palette_4x3.png  and  png_expected.json
      4x3 images in other colour types; png_expected.json holds the RGB8 the decoder must
      return (gray replicated to R=G=B, alpha dropped, palette expanded).
  coco_small/annotations.json, coco_small/images/*.png
      a hand-written COCO file with non-contiguous category ids (3, 17, 90), a crowd
      annotation and an image without annotations.

Run from the repository root:  python3 Tests/Fixtures/scripts/make_dataset_fixtures.py
The JPEG fixtures (gray_16x8.jpg, cmyk_16x8.jpg) come from make_jpeg_fixtures.c (needs libjpeg).
"""
import json
import os
import struct
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "datasets")


def png(width, height, color_type, rows, palette=None, bit_depth=8):
    """Encodes raw scanlines (list of bytes per row, no filter byte) as a PNG."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    raw = b"".join(b"\x00" + bytes(r) for r in rows)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
    if palette is not None:
        out += chunk(b"PLTE", b"".join(bytes(c) for c in palette))
    return out + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def main():
    w, h = 4, 3
    gray = [[(x * 60 + y * 20) % 256 for x in range(w)] for y in range(h)]
    alpha = [[(x * 85 + y * 40) % 256 for x in range(w)] for y in range(h)]
    rgb = [[((x * 70) % 256, (y * 100) % 256, (x * 30 + y * 50) % 256) for x in range(w)] for y in range(h)]
    palette = [(255, 0, 0), (0, 128, 255), (10, 20, 30), (250, 250, 0)]
    index = [[(x + y) % 4 for x in range(w)] for y in range(h)]

    expected = {}
    write(os.path.join(ROOT, "gray_4x3.png"), png(w, h, 0, gray))
    expected["gray_4x3.png"] = [v for row in gray for g in row for v in (g, g, g)]
    write(os.path.join(ROOT, "gray_alpha_4x3.png"),
          png(w, h, 4, [[v for x in range(w) for v in (gray[y][x], alpha[y][x])] for y in range(h)]))
    expected["gray_alpha_4x3.png"] = expected["gray_4x3.png"]
    write(os.path.join(ROOT, "rgba_4x3.png"),
          png(w, h, 6, [[v for x in range(w) for v in rgb[y][x] + (alpha[y][x],)] for y in range(h)]))
    expected["rgba_4x3.png"] = [v for row in rgb for px in row for v in px]
    write(os.path.join(ROOT, "palette_4x3.png"), png(w, h, 3, index, palette=palette))
    expected["palette_4x3.png"] = [v for row in index for i in row for v in palette[i]]
    with open(os.path.join(ROOT, "png_expected.json"), "w") as f:
        lines = ['  "%s": %s' % (k, json.dumps(v)) for k, v in sorted(expected.items())]
        f.write('{"width": %d, "height": %d, "rgb": {\n%s\n}}\n' % (w, h, ",\n".join(lines)))

    # A small COCO dataset: 3 images 40x30 (flat colours), categories 3/17/90.
    coco_dir = os.path.join(ROOT, "coco_small")
    colours = [(200, 30, 30), (30, 200, 30), (30, 30, 200)]
    for i, c in enumerate(colours):
        rows = [[v for _ in range(40) for v in c] for _ in range(30)]
        write(os.path.join(coco_dir, "images", "img%d.png" % (i + 1)), png(40, 30, 2, rows))
    coco = {
        "images": [
            {"id": 11, "file_name": "img1.png", "width": 40, "height": 30},
            {"id": 12, "file_name": "img2.png", "width": 40, "height": 30},
            {"id": 13, "file_name": "img3.png", "width": 40, "height": 30},
        ],
        "annotations": [
            {"id": 1, "image_id": 11, "category_id": 17, "bbox": [2, 3, 10, 5], "area": 50, "iscrowd": 0},
            {"id": 2, "image_id": 11, "category_id": 90, "bbox": [20, 10, 15.5, 12], "area": 186, "iscrowd": 0},
            {"id": 3, "image_id": 12, "category_id": 3, "bbox": [0, 0, 40, 30], "area": 1200, "iscrowd": 1},
            {"id": 4, "image_id": 12, "category_id": 3, "bbox": [-0.5, 25, 10, 5.8], "area": 58, "iscrowd": 0},
        ],
        "categories": [
            {"id": 90, "name": "zebra"},
            {"id": 3, "name": "car"},
            {"id": 17, "name": "cat"},
        ],
    }
    with open(os.path.join(coco_dir, "annotations.json"), "w") as f:
        json.dump(coco, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
