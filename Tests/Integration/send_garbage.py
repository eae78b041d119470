#!/usr/bin/env python3
"""Sends malformed, truncated, oversized, wrong-version, bad-checksum, wrong-job and stray
messages to every socket of a running job (endpoints.json in its work dir): the coordinator's
worker socket, its status socket and every pair inbox. The job must reject and count them all
and carry on: the status socket (plain) decodes and refuses each; the job's channels (CURVE)
refuse the connection itself, counted as `unauthenticated`.

    send_garbage.py WORK_DIR OVERSIZE_BYTES
"""
import json, struct, sys, time, zlib
import zmq

work, oversize = sys.argv[1], int(sys.argv[2])
eps = json.load(open(f"{work}/endpoints.json"))
targets = [("coordinator", eps["workers"]), ("status", eps["status"])] + [(f"inbox {r}", e) for r, e in sorted(eps["inboxes"].items())]

def frame(t, payload, version=2, job=0, sender=-1, crc=None):
    head = b"CLAD" + struct.pack("<HBBQqiI", version, t, 0, job, 0, sender, len(payload))
    return head + struct.pack("<I", zlib.crc32(head + payload) if crc is None else crc) + payload

good = frame(3, b"\x00\x00" + b"\x00" * 16, job=12345, sender=1)
cases = {
    "random bytes": b"\x13\x37garbage",
    "bad magic": b"XXXX" + good[4:],
    "truncated header": good[:20],
    "truncated payload": good[:-3],
    "wrong version": frame(3, b"{}", version=1),
    "bad checksum": frame(3, b"{}", crc=1234),
    "wrong job": good,
    "stray kind": frame(99, b"", job=1, sender=2),
    "oversized": b"CLAD" + b"\x00" * oversize,
}
ctx = zmq.Context.instance()
sent = 0
deadline = time.time() + 60   # bounded even if the job is gone: sends never block
for name, ep in targets:
    for case, data in cases.items():
        if time.time() > deadline: break
        s = ctx.socket(zmq.DEALER)
        s.setsockopt(zmq.LINGER, 200)
        s.connect(ep)
        try:
            s.send(data, zmq.NOBLOCK)
            if case == "random bytes":
                s.send_multipart([b"a", b"b", b"c"], zmq.NOBLOCK)   # unexpected frame count
            sent += 1
        except zmq.Again:
            pass
        time.sleep(0.01)
        s.close()
print(f"send_garbage: sent {sent} bad messages to {len(targets)} sockets")
