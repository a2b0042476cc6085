#!/usr/bin/env bash
# perfgen -c (iperf2 UDP over native AF_XDP) against a real `iperf -s -u -e` in a namespace.
# Variant: basic | parallel | small | triptimes | count
. "$(dirname "$0")/lib.sh"
variant=${1:-basic}
command -v iperf >/dev/null || skip "iperf (2.1.8) not installed: run scripts/setup.sh"

pg_ns_pair 21
pg_bg "$NS_B" iperf -s -u -e > "$PG_TMP/iperf.txt" 2>&1
for _ in $(seq 1 50); do ip netns exec "$NS_B" ss -lun | grep -q ':5001 ' && break; sleep 0.1; done

args=(-u -b 20M -t 2)
streams=1
case "$variant" in
basic) ;;
parallel) args=(-u -b 2M -t 2 -P 4); streams=4 ;;
small) args=(-u -l 64 -b 2000pps -t 2) ;;
triptimes) args=(-u -b 5M -t 2 --trip-times) ;;
count) args=(-u -b 10M -k 1000) ;;
*) die "unknown variant $variant" ;;
esac

pg_port_args "$NS_A" vA "$IP_A"
ip netns exec "$NS_A" "$PERFGEN" --wire iperf2 "${PG_PORT_ARGS[@]}" -c "$IP_B" "${args[@]}" -J > "$PG_TMP/pg.json" 2> "$PG_TMP/pg.err"
rc=$?
sleep 0.5
cat "$PG_TMP/pg.err"
echo "--- iperf server:"; cat "$PG_TMP/iperf.txt"
[ $rc -eq 0 ] || die "perfgen exited $rc"
pg_assert_no_xdp "$NS_A" vA

python3 - "$PG_TMP/pg.json" "$PG_TMP/iperf.txt" "$streams" "$variant" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
streams = int(sys.argv[3]); variant = sys.argv[4]
end = d["end"]
sent = end["sum_sent"]["packets"]
recv = end["sum_received"]["packets"]
print(f"perfgen sent {sent} datagrams in {len(end['streams'])} streams; server reports total {recv} (incl. {streams} FIN), lost {end['sum']['lost_packets']}")
assert len(end["streams"]) == streams, "stream count"
assert sent > 0
# Every stream got its AckFIN and the server counted every datagram (+ the FIN).
for s in end["streams"]:
    u = s["udp"]
    assert u["perfgen"]["server_report"], f"stream {u['socket']}: no server report"
assert recv == sent + streams, f"server total {recv} != sent {sent} + {streams} FIN"
# -P 4 on two shared CPUs: the receiving kernel (same 2 CPUs as perfgen's polled lcores)
# can drop a datagram from its backlog now and then; the counts above must still agree.
budget = sent // 200 if variant == "parallel" else 0
assert end["sum"]["lost_packets"] <= budget, f"loss reported ({end['sum']['lost_packets']} > budget {budget})"
if variant == "count":
    assert sent == 1000, f"-k 1000 sent {sent}"
# The real iperf server's own lines: one final 'lost/total' per stream, all 0 lost,
# totals summing to what we sent (+FIN each).
finals = re.findall(r"\]\s+0\.0+-\s*\d+\.\d+ sec .*?(\d+)/\s*(\d+)\s+\(", text)
tot = sum(int(t) for _, t in finals[-streams:])
lost = sum(int(l) for l, _ in finals[-streams:])
print(f"iperf server: {len(finals)} final lines, lost {lost}, total {tot}")
assert tot == sent + streams, f"iperf server total {tot} != {sent + streams}"
assert lost == 0
if variant == "triptimes":
    assert "trip-times" in text, "iperf server did not see trip-times"
print("OK")
PY
