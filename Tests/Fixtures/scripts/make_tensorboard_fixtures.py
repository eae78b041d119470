#!/usr/bin/env python3
"""Writes Tests/Fixtures/tensorboard/events.out.tfevents.python (an event file written by the
real `tensorboard` package: its Event/Summary/SessionLog protos and its RecordWriter, which
frames records with its own masked CRC-32C) and events.json, the events it holds. Wall times
are fixed, so the file is reproducible; TensorBoardTests writes the same events with colad's
EventFileWriter and requires identical bytes, and reads this file back against the JSON.

The events: a file_version, two scalar events with several tags (0.1 is not exact in float32;
a negative, a zero and a large value; a large step 123456), and a SessionLog START.

    python3 Tests/Fixtures/scripts/make_tensorboard_fixtures.py
    python3 Tests/Fixtures/scripts/make_tensorboard_fixtures.py --check FILE

--check FILE loads FILE with tensorboard's EventAccumulator (the reader TensorBoard itself
uses) and prints each tag's scalars as `tag step wall_time value`. Needs: pip install tensorboard.
"""
import json, os, struct, sys

import google.protobuf
import tensorboard
from tensorboard.compat.proto import event_pb2, summary_pb2

OUT = os.path.join(os.path.dirname(__file__), "..", "tensorboard")

# (wall_time, step, kind, payload); values are Python floats, stored as float32 by the proto.
EVENTS = [
    (1700000000.5, 0, "file_version", "brain.Event:2"),
    (1700000001.25, 1, "scalars", [("a/loss/total", 0.1), ("a/lr", -2.5e-3), ("job/images_per_s", 1234.5678),
                                   ("colad/teacher_is_b", 0.0)]),
    (1700000002.75, 123456, "scalars", [("a/loss/total", -7.25), ("b/eval/bbox_mAP", 1.0 / 3.0),
                                        ("job/time/total", 3.0e38)]),
    (1700000003.125, 7, "session_start", None),
]


def event(wall_time, step, kind, payload):
    e = event_pb2.Event(wall_time=wall_time, step=step)
    if kind == "file_version":
        e.file_version = payload
    elif kind == "scalars":
        e.summary.CopyFrom(summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=t, simple_value=v)
                                                      for t, v in payload]))
    else:
        e.session_log.status = event_pb2.SessionLog.START
    return e


def float32(v):
    return struct.unpack("<f", struct.pack("<f", v))[0]


def make():
    from tensorboard.summary.writer.record_writer import RecordWriter
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "events.out.tfevents.python")
    with open(path, "wb") as f:
        writer = RecordWriter(f)
        for ev in EVENTS:
            writer.write(event(*ev).SerializeToString())
        writer.flush()
    described = []
    for wall_time, step, kind, payload in EVENTS:
        d = {"wall_time": wall_time, "step": step, "kind": kind}
        if kind == "file_version":
            d["file_version"] = payload
        elif kind == "scalars":
            # value: what was passed in (a double); float32 and its bits: what the file holds.
            d["values"] = [{"tag": t, "value": v, "float32": float32(v),
                            "float32_bits": "%08x" % struct.unpack("<I", struct.pack("<f", v))[0]} for t, v in payload]
        else:
            d["session_status"] = event_pb2.SessionLog.START
        described.append(d)
    with open(os.path.join(OUT, "events.json"), "w") as f:
        json.dump({"generator": "make_tensorboard_fixtures.py (tensorboard RecordWriter + event_pb2)",
                   "format_version": 1, "tensorboard": tensorboard.__version__,
                   "protobuf": google.protobuf.__version__, "file": os.path.basename(path),
                   "bytes": os.path.getsize(path), "events": described}, f, indent=1)
        f.write("\n")
    print("wrote", path, "and events.json")


def check(path):
    from tensorboard.backend.event_processing import event_accumulator
    acc = event_accumulator.EventAccumulator(path, size_guidance={event_accumulator.SCALARS: 0})
    acc.Reload()
    tags = acc.Tags()["scalars"]
    print("file_version:", acc.file_version, "scalar tags:", len(tags))
    for tag in sorted(tags):
        for s in acc.Scalars(tag):
            print(tag, s.step, s.wall_time, repr(s.value))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check(sys.argv[2])
    elif len(sys.argv) == 1:
        make()
    else:
        sys.exit(__doc__)
