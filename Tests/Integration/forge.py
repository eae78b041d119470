#!/usr/bin/env python3
"""An attacker on the job's host that knows everything a local process can learn: the job id
(any status reply), every endpoint (WORK_DIR/endpoints.json), the ranks and the message format
(docs/status-protocol.md, Sources/Runtime/WireFormat.swift). It lacks only the job's CURVE keys.

    forge.py hello-race GLOB_OR_WORK_DIR SECONDS   # Hello for rank 1 from the first moment the coordinator listens
    forge.py attack WORK_DIR SECONDS MALFORMED     # well-formed forgeries of every kind at every job socket,
                                                   # MALFORMED bad frames at the status socket, raw bytes at the
                                                   # job sockets; then prints the status reply (JSON) and exits

Every frame here is what the job would accept from its own processes, but for the keys.
"""
import glob, json, os, random, socket, struct, sys, time, zlib
import zmq

def frame(kind, payload, job=0, iteration=0, sender=-1):
    head = b"CLAD" + struct.pack("<HBBQqiI", 2, kind, 0, job, iteration, sender, len(payload))
    return head + struct.pack("<I", zlib.crc32(head + payload)) + payload

def s(text): b = text.encode(); return struct.pack("<I", len(b)) + b
def hello(network, group_rank=0): return bytes([network]) + struct.pack("<q", group_rank) + s("impostor") + struct.pack("<q", 1) + s("")
def agg(): return b"\x01" + struct.pack("<qdqd", 5, 10.0, 5, 1.0)
def stats(): return agg() + agg() + struct.pack("<qq", 0, 0)
def decision(): return bytes([1, 0])
def assignment(n_images, anchors): return struct.pack("<I", n_images) + b"".join(struct.pack("<I", anchors) + struct.pack("<%di" % anchors, *([-2] * anchors)) for _ in range(n_images))
def report(): return bytes([0, 1]) + struct.pack("<dddqd", 0.0, 0.0, 0.0, 0, 0.0) + b"\x00" + struct.pack("<qq", 2, 0) + struct.pack("<I", 0) + struct.pack("<I", 0)
def heartbeat(): return bytes([1]) + struct.pack("<q", 0)

HELLO, STATS, DECISION, ASSIGNMENT, PREDICTIONS, REPORT, HEARTBEAT = 1, 3, 4, 5, 7, 8, 11
ctx = zmq.Context.instance()

def dealer(endpoint, identity, curve):
    d = ctx.socket(zmq.DEALER)
    d.setsockopt(zmq.LINGER, 0)
    d.setsockopt(zmq.SNDHWM, 100000)
    d.setsockopt(zmq.IDENTITY, identity)
    if curve:   # its own keys and a guess at the server's: it cannot know the real one
        pub, sec = zmq.curve_keypair()
        d.curve_publickey, d.curve_secretkey, d.curve_serverkey = pub, sec, zmq.curve_keypair()[0]
    d.connect(endpoint)
    return d

def send(d, data):
    try: d.send(data, zmq.NOBLOCK)
    except zmq.Again: pass

def status(endpoint):
    q = ctx.socket(zmq.DEALER); q.setsockopt(zmq.LINGER, 0); q.connect(endpoint)
    q.send(frame(20, b"{}"))
    if not q.poll(5000): raise SystemExit("forge: no status reply")
    reply = json.loads(q.recv()[36:]); q.close()
    return reply

def hello_race(where, seconds):
    """Hello for rank 1 (network a) as soon as the coordinator's endpoint exists."""
    deadline = time.time() + 60
    endpoint = None
    while endpoint is None and time.time() < deadline:
        if os.path.isdir(where) and os.path.exists(f"{where}/endpoints.json"):
            endpoint = json.load(open(f"{where}/endpoints.json"))["workers"]
        elif not os.path.isdir(where):
            found = glob.glob(where)
            endpoint = f"ipc://{found[0]}" if found else None
        time.sleep(0.001)
    if endpoint is None: raise SystemExit("forge: the coordinator never listened")
    socks = [dealer(endpoint, b"w1", False), dealer(endpoint, b"w1", True)]
    sent, end = 0, time.time() + seconds
    while time.time() < end:
        for d in socks: send(d, frame(HELLO, hello(0), sender=1)); sent += 1
        time.sleep(0.001)
    print(f"forge: hello race at {endpoint}: {sent} forged hellos for rank 1")

def attack(work, seconds, malformed):
    eps = json.load(open(f"{work}/endpoints.json"))
    st = status(eps["status"])
    job, it = int(st["job_id"], 16), st["iteration"]
    ranks = [r["rank"] for r in st["ranks"]]
    forged = []
    for r in ranks:   # the coordinator's socket, as every rank, from its main and heartbeat identities
        for kind, payload in [(HELLO, hello(0 if r == ranks[0] else 1)), (STATS, stats()), (REPORT, report()), (HEARTBEAT, heartbeat())]:
            for ident in (f"w{r}".encode(), f"h{r}".encode()):
                forged.append((eps["workers"], ident, frame(kind, payload, job, it + 1, r)))
    for r, ep in eps["inboxes"].items():   # each pair inbox, as its peer
        peer = [x for x in ranks if x != int(r)][0]
        for kind, payload in [(ASSIGNMENT, assignment(2, 336)), (PREDICTIONS, b"\x00" * 12), (DECISION, decision())]:
            forged.append((ep, f"p{peer}".encode(), frame(kind, payload, job, it + 1, peer)))
    socks = [(dealer(ep, ident, curve), data) for ep, ident, data in forged for curve in (False, True)]
    plain = ctx.socket(zmq.DEALER); plain.setsockopt(zmq.LINGER, 0); plain.setsockopt(zmq.SNDHWM, 0); plain.connect(eps["status"])
    rng = random.Random(1)
    bad = [b"\x13\x37garbage", b"XXXX" + frame(20, b"{}")[4:], frame(20, b"{}")[:20], frame(20, b"{}")[:-1],
           frame(3, b"{}")[:-1] + b"x", frame(99, b"")]
    sent_forged = sent_bad = raw = 0
    end = time.time() + seconds
    while time.time() < end or sent_bad < malformed:
        for d, data in socks: send(d, data); sent_forged += 1
        for _ in range(2000):
            if sent_bad >= malformed: break
            send(plain, bad[sent_bad % len(bad)] if sent_bad % 7 else bytes(rng.randrange(256) for _ in range(rng.randrange(1, 80))))
            sent_bad += 1
        for ep in [eps["workers"]] + list(eps["inboxes"].values()):   # raw bytes, below ZeroMQ
            try:
                if ep.startswith("tcp://"):
                    host, port = ep[6:].rsplit(":", 1); c = socket.create_connection((host, int(port)), timeout=1)
                else:
                    c = socket.socket(socket.AF_UNIX); c.settimeout(1); c.connect(ep[6:])
                c.sendall(bytes(rng.randrange(256) for _ in range(256))); c.close(); raw += 1
            except OSError:
                pass
        time.sleep(0.05)
        if time.time() > end + 60: break
    time.sleep(1.5)   # the replicas report their inbox counts with their next iteration
    print(json.dumps({"forged": sent_forged, "forging_sockets": len(socks), "malformed": sent_bad, "raw_connections": raw,
                      "status": status(eps["status"])}))

if __name__ == "__main__":
    if sys.argv[1] == "hello-race": hello_race(sys.argv[2], float(sys.argv[3]))
    else: attack(sys.argv[2], float(sys.argv[3]), int(sys.argv[4]))
