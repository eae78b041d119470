#!/usr/bin/env python3
"""Checks a status reply against docs/status-protocol.md and nothing else: the page's example
reply gives every key and its JSON type, its two lists say which maps are keyed by data and which
values may be null, and its table must name every top-level key. A key the page does not give, a
missing key, a wrong type or a null where the page allows none is an error.

    check_status_doc.py DOC REPLY.json [REPLY.json …]
"""
import json, re, sys

doc = open(sys.argv[1]).read()
section = doc[doc.index("## Status reply"):doc.index("## Control requests")]
example = json.loads(re.search(r"```json\n(.*?)```", section, re.S).group(1))
def listed(prefix):
    text = re.search(prefix + r"(.*?)(?:\n- |\n\n)", section, re.S).group(1)
    return set(re.findall(r"`([^`]+)`", text)) - {"null"}
keyed = listed(r"- Keyed by network or socket[^:]*:")
nullable = listed(r"- May be `null`[^:]*:")
table = set()
for row in re.findall(r"^\| (`[^|]+`)", section, re.M):
    for name in re.findall(r"`([^`]+)`", row):
        table.add(re.split(r"[.\[{]", name)[0])
errors = []
if table != set(example): errors.append(f"the table names {sorted(table ^ set(example))} that the example does not (or the reverse)")

def kind(v): return "null" if v is None else "number" if isinstance(v, (int, float)) and not isinstance(v, bool) else type(v).__name__
def check(path, want, got):
    if got is None:
        if path not in nullable and want is not None: errors.append(f"{path}: null, which the page does not allow")
        return
    if kind(want) != kind(got): errors.append(f"{path}: {kind(got)}, the page shows {kind(want)}"); return
    if isinstance(want, dict):
        if path in keyed:
            shape = next(iter(want.values()))
            for k, v in got.items(): check(f"{path}.*", shape, v)
            return
        for k in set(want) | set(got):
            p = f"{path}.{k}" if path else k
            if k not in got: errors.append(f"{p}: missing")
            elif k not in want: errors.append(f"{p}: not on the page")
            else: check(p, want[k], got[k])
    elif isinstance(want, list) and want and got:
        for v in got: check(f"{path}[]", want[0], v)

for f in sys.argv[2:]:
    check("", example, json.load(open(f)))
if errors:
    print("check_status_doc:", "\n  ".join([f"{len(errors)} disagreements with the page:"] + errors[:30])); sys.exit(1)
print(f"check_status_doc: {len(sys.argv) - 2} replies agree with docs/status-protocol.md ({len(table)} fields, {len(nullable)} nullable)")
