#!/usr/bin/env python3
"""Query a running colad job's status (or send a control request) from Python with pyzmq.
A complete client of docs/status-protocol.md: nothing here is colad code.

    python3 status_client.py tcp://127.0.0.1:PORT                 # prints the JSON reply
    python3 status_client.py tcp://127.0.0.1:PORT stop TOKEN      # control request
"""
import json, struct, sys, zlib
import zmq

STATUS_REQUEST, STATUS_REPLY, CONTROL_REQUEST, CONTROL_REPLY = 20, 21, 22, 23

def frame(msg_type, payload):
    # magic, version 2, type, flags, job id 0 (unknown to clients), iteration 0, sender -1, length;
    # then the CRC-32 of those 32 bytes followed by the payload
    head = b"CLAD" + struct.pack("<HBBQqiI", 2, msg_type, 0, 0, 0, -1, len(payload))
    return head + struct.pack("<I", zlib.crc32(head + payload)) + payload

def unframe(data):
    if len(data) < 36 or data[:4] != b"CLAD":
        raise ValueError("not a colad message")
    version, msg_type, _flags, job, iteration, sender, length, crc = struct.unpack("<HBBQqiII", data[4:36])
    payload = data[36:]
    if version != 2 or len(payload) != length or zlib.crc32(data[:32] + payload) != crc:
        raise ValueError("bad version, length or checksum")
    return msg_type, json.loads(payload)

def query(endpoint, request=None, token=None, timeout_ms=5000):
    ctx = zmq.Context.instance()
    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    s.connect(endpoint)
    if request is None:
        s.send(frame(STATUS_REQUEST, b"{}"))
    else:
        s.send(frame(CONTROL_REQUEST, json.dumps({"request": request, "token": token}).encode()))
    if not s.poll(timeout_ms):
        raise TimeoutError(f"no reply from {endpoint} within {timeout_ms} ms")
    msg_type, reply = unframe(s.recv())
    s.close()
    return reply

if __name__ == "__main__":
    ep = sys.argv[1]
    reply = query(ep, *(sys.argv[2:4] if len(sys.argv) >= 4 else []))
    print(json.dumps(reply, indent=1, sort_keys=True))
