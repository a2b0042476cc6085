#!/usr/bin/env bash
# One `perfgen -s` answers iperf3 on 5201 and iperf2 on 5001 at the same time: a real
# iperf3 3.12 client and a real iperf 2.1.8 client run concurrently against it (TCP; with
# variant "udp", `perfgen -s -u` and iperf2 UDP beside iperf3 UDP). Both peers' own reports
# agree with perfgen's (parsed: iperf3 -J, perfgen -J; iperf2's byte line).
# PG_DP2=1: two dataplane lcores; iperf3 connections on whichever lcore their queue is,
# iperf2 on the first (the other passes port 5001's frames to it); both clients use -P 4.
. "$(dirname "$0")/lib.sh"
variant=${1:-tcp}
command -v iperf3 >/dev/null || skip "iperf3 (3.12) not installed: run scripts/setup.sh"
command -v iperf >/dev/null || skip "iperf (2.1.8) not installed: run scripts/setup.sh"
pg_ns_pair 85
u=()
[ "$variant" = udp ] && u=(-u)
par=()
[ "${PG_DP2:-0}" = 1 ] && par=(-P 4)
pg_port_args "$NS_B" vB "$IP_B"
pg_bg "$NS_B" "$PERFGEN" "${PG_PORT_ARGS[@]}" -s "${u[@]}" -J > "$PG_TMP/s.json" 2> "$PG_TMP/s.err"
S=$!
pg_wait_server $S || { cat "$PG_TMP/s.err"; die "perfgen server did not start"; }
if [ "$variant" = udp ]; then
	ip netns exec "$NS_A" iperf -c "$IP_B" -u -b 5M -t 2 -e "${par[@]}" > "$PG_TMP/i2.txt" 2>&1 &
	I2=$!
	ip netns exec "$NS_A" timeout 30 iperf3 -c "$IP_B" -u -b 5M -t 2 -J "${par[@]}" > "$PG_TMP/i3.json" 2>&1 || die "iperf3 failed"
else
	ip netns exec "$NS_A" iperf -c "$IP_B" -t 2 -e -f b "${par[@]}" > "$PG_TMP/i2.txt" 2>&1 &
	I2=$!
	ip netns exec "$NS_A" timeout 30 iperf3 -c "$IP_B" -t 2 -J "${par[@]}" > "$PG_TMP/i3.json" 2>&1 || die "iperf3 failed"
fi
wait $I2 || die "iperf failed"
sleep 1
kill -INT $S
for _ in $(seq 1 50); do kill -0 $S 2>/dev/null || break; sleep 0.1; done
cat "$PG_TMP/s.err" "$PG_TMP/i2.txt"
python3 - "$PG_TMP/s.json" "$PG_TMP/i3.json" "$PG_TMP/i2.txt" "$variant" <<'PY' || die "reports disagree"
import json, re, sys
text = open(sys.argv[1]).read(); i3 = json.load(open(sys.argv[2])); i2 = open(sys.argv[3]).read(); udp = sys.argv[4] == "udp"
objs, dec, pos = [], json.JSONDecoder(), 0
while True:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    if pos >= len(text):
        break
    o, pos = dec.raw_decode(text, pos)
    objs.append(o)
assert len(objs) == 2, f"{len(objs)} reports from perfgen, expected one per protocol"
p3 = [o for o in objs if o.get("perfgen", {}).get("wire") == "iperf3"]
p2 = [o for o in objs if o.get("perfgen", {}).get("wire") != "iperf3"]
assert len(p3) == 1 and len(p2) == 1
p3, p2 = p3[0]["end"], p2[0]["end"]
if udp:
    print("iperf3:", i3["end"]["sum"]["packets"], "packets; perfgen", p3["sum"]["packets"])
    assert i3["end"]["sum"]["packets"] == p3["sum"]["packets"]
    assert i3["end"]["sum"]["lost_packets"] == p3["sum"]["lost_packets"]
    m = re.findall(r"Sent (\d+) datagrams", i2)
    got = p2["sum"]["packets"]
    print("iperf2: sent", m, "datagrams; perfgen counted", got)
    # one per stream at most (its FIN); with -P the last figure is the [SUM-4] line
    assert m and abs(int(m[-1]) - got) <= max(1, len(m) - 1)
else:
    print("iperf3: sent", i3["end"]["sum_sent"]["bytes"], "perfgen received", p3["sum_received"]["bytes"])
    assert i3["end"]["sum_sent"]["bytes"] == p3["sum_received"]["bytes"] > 0
    per = re.findall(r"^\[SUM\]\s+0\.0+-\s*[\d.]+ sec\s+(\d+) Bytes", i2, re.M) or \
          re.findall(r"^\[\s*\d+\]\s+0\.0+-\s*[\d.]+ sec\s+(\d+) Bytes", i2, re.M)
    print("iperf2: sent", per, "perfgen received", p2["sum_received"]["bytes"])
    assert per and int(per[0]) == p2["sum_received"]["bytes"]
PY
echo OK
