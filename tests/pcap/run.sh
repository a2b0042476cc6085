#!/usr/bin/env bash
# pcap regression runner: perfgen analyze -J on tests/pcap/CASE/capture.pcap[ng] and a
# key-by-key comparison with tests/pcap/CASE/expected.json, printing a readable difference.
# Keys: dotted paths into the JSON ("end.sum.packets", "end.streams.0.udp.out_of_order"),
# "streams" (number of streams), "drops.NAME" (end.perfgen.drops, absent = 0); a key ending
# in "~" holds [low, high].
set -u
here=$(cd "$(dirname "$0")" && pwd)
case_dir=$here/$1
PERFGEN=${PERFGEN:-$here/../../build/perfgen}
cap=$(ls "$case_dir"/capture.pcap* 2>/dev/null | head -1)
[ -n "$cap" ] || { echo "FAIL: no capture in $case_dir"; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$PERFGEN" analyze "$cap" -J > "$out" 2> "$out.err"
rc=$?
cat "$out.err"; rm -f "$out.err"
[ $rc -eq 0 ] || { echo "FAIL: perfgen analyze exited $rc"; exit 1; }
python3 - "$out" "$case_dir/expected.json" "$1" <<'PY'
import json, sys
raw = open(sys.argv[1]).read()
exp = json.load(open(sys.argv[2]))
name = sys.argv[3]
dec = json.JSONDecoder(); objs = []; i = 0
while i < len(raw):
    while i < len(raw) and raw[i].isspace(): i += 1
    if i >= len(raw): break
    o, i = dec.raw_decode(raw, i); objs.append(o)
if not objs:
    print(f"FAIL {name}: perfgen printed no JSON"); sys.exit(1)
# Several tests in one capture (e.g. a stream that ended and one that did not): merge.
d = objs[-1] if len(objs) == 1 else objs
def get(path):
    if path == "streams":
        return sum(len(o["end"]["streams"]) for o in (objs))
    if path.startswith("drops."):
        return objs[-1]["end"]["perfgen"]["drops"].get(path[6:], 0)
    cur = objs[0]
    for part in path.split("."):
        cur = cur[int(part)] if isinstance(cur, list) else cur[part]
    return cur
bad = 0
for key, want in sorted(exp.items()):
    k = key.rstrip("~")
    try:
        got = get(k)
    except (KeyError, IndexError, TypeError):
        got = "<missing>"
    ok = (isinstance(got, (int, float)) and want[0] <= got <= want[1]) if key.endswith("~") else got == want
    mark = "ok  " if ok else "DIFF"
    print(f"  {mark} {k:42} expected {want!s:>24}  got {got}")
    bad += not ok
print(f"{'PASS' if not bad else 'FAIL'} {name}: {len(exp) - bad}/{len(exp)} keys match")
sys.exit(1 if bad else 0)
PY
