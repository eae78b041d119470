#!/usr/bin/env python3
"""Reference frames for colad's message envelope (protocol version 2: the CRC-32 covers the
32 header bytes before it and the payload), built with Python's struct and zlib.crc32 (an
encoder independent of colad's). Writes Tests/Fixtures/transport/frames.json.

    python3 Tests/Fixtures/scripts/make_transport_fixtures.py
"""
import json, os, random, struct, zlib

def frame(msg_type, job, iteration, sender, payload):
    head = b"CLAD" + struct.pack("<HBBQqiI", 2, msg_type, 0, job, iteration, sender, len(payload))
    return head + struct.pack("<I", zlib.crc32(head + payload)) + payload

rng = random.Random(7)
cases = []
for i, n in enumerate([0, 1, 9, 100, 1000]):
    payload = bytes(rng.randrange(256) for _ in range(n))
    job, it, sender, t = rng.getrandbits(64), rng.randrange(-1, 10**6), rng.randrange(-1, 64), rng.randrange(1, 20)
    cases.append({"type": t, "job": str(job), "iteration": it, "sender": sender, "payload": payload.hex(),
                  "crc32": int.from_bytes(frame(t, job, it, sender, payload)[32:36], "little"), "frame": frame(t, job, it, sender, payload).hex()})
out = os.path.join(os.path.dirname(__file__), "..", "transport", "frames.json")
with open(out, "w") as f:
    json.dump({"generator": "make_transport_fixtures.py (struct + zlib)", "protocol_version": 2, "cases": cases}, f, indent=1)
print("wrote", out)
