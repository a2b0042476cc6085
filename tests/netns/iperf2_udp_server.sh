#!/usr/bin/env bash
# perfgen -s (iperf2 UDP over native AF_XDP) serving real `iperf -c -u` clients.
# Variant: basic | enhanced | triptimes | parallel | small | pps | sequential
. "$(dirname "$0")/lib.sh"
variant=${1:-basic}
command -v iperf >/dev/null || skip "iperf (2.1.8) not installed: run scripts/setup.sh"

pg_ns_pair 22
pg_port_args "$NS_B" vB "$IP_B"
pg_bg "$NS_B" "$PERFGEN" --wire iperf2 "${PG_PORT_ARGS[@]}" -s -u -J > "$PG_TMP/pg.json" 2> "$PG_TMP/pg.err"
PG=$!
pg_wait_server $PG || { cat "$PG_TMP/pg.err"; die "perfgen server did not start"; }

runs=()
case "$variant" in
basic) runs=("-u -b 10M -t 2") ;;
enhanced) runs=("-u -b 10M -t 2 -e") ;;
triptimes) runs=("-u -b 5M -t 2 -e --trip-times") ;;
parallel) runs=("-u -b 2M -t 2 -P 4") ;;
small) runs=("-u -b 2M -t 2 -l 64") ;;
pps) runs=("-u -b 1000pps -t 2 -e") ;;
sequential) runs=("-u -b 5M -t 1" "-u -b 5M -t 1 -P 2" "-u -b 5M -t 1 --trip-times") ;;
*) die "unknown variant $variant" ;;
esac

i=0
for r in "${runs[@]}"; do
	i=$((i + 1))
	# shellcheck disable=SC2086
	ip netns exec "$NS_A" timeout 20 iperf -c "$IP_B" $r > "$PG_TMP/client$i.txt" 2>&1
	rc=$?
	echo "--- iperf -c $r (rc $rc):"; cat "$PG_TMP/client$i.txt"
	[ $rc -eq 0 ] || die "iperf client exited $rc"
	grep -q "did not receive ack" "$PG_TMP/client$i.txt" && die "client got no AckFIN from perfgen"
	n=$(grep -c "Server Report:" "$PG_TMP/client$i.txt")
	want=$(echo "$r" | sed -n 's/.*-P \([0-9]*\).*/\1/p'); want=${want:-1}
	[ "$n" -eq "$want" ] || die "expected $want server reports, got $n"
done
kill -INT $PG
for _ in $(seq 1 50); do kill -0 $PG 2>/dev/null || break; sleep 0.1; done
echo "--- perfgen stderr:"; cat "$PG_TMP/pg.err"
pg_assert_no_xdp "$NS_B" vB

python3 - "$PG_TMP/pg.json" "$variant" "$PG_TMP"/client*.txt <<'PY'
import json, re, sys
raw = open(sys.argv[1]).read(); variant = sys.argv[2]; clients = sys.argv[3:]
dec = json.JSONDecoder(); tests = []; i = 0
while i < len(raw):
    while i < len(raw) and raw[i].isspace(): i += 1
    if i >= len(raw): break
    o, i = dec.raw_decode(raw, i); tests.append(o)
print(f"perfgen reported {len(tests)} tests")
assert len(tests) == len(clients), f"{len(tests)} tests for {len(clients)} clients"
for t, cf in zip(tests, clients):
    text = open(cf).read()
    # What the iperf client says it sent, and the report it printed from our AckFIN.
    sent = sum(int(x) for x in re.findall(r"\[\s*\d+\] Sent (\d+) datagrams", text))
    reps = re.findall(r"Server Report:\n(?:\[ ID\].*\n)?\[\s*\d+\]\s+\S+ sec\s+.*?(\d+)/\s*(\d+)\s+\(", text)
    end = t["end"]
    ours_total = sum(s["udp"]["packets"] for s in end["streams"])
    ours_lost = sum(s["udp"]["lost_packets"] for s in end["streams"])
    rep_total = sum(int(b) for a, b in reps); rep_lost = sum(int(a) for a, b in reps)
    print(f"client sent {sent}; perfgen counted {ours_total} (lost {ours_lost}); client printed server report {rep_lost}/{rep_total}")
    assert ours_lost == 0 and rep_lost == 0, "loss"
    assert rep_total == ours_total, "relayed report disagrees with perfgen's own"
    # iperf 2.1.8 counts its FIN in "Sent"; our total is the highest sequence incl. the FIN.
    assert abs(sent - ours_total) <= len(end["streams"]), f"sent {sent} vs counted {ours_total}"
    assert end["sum_received"]["bytes"] > 0
    if "trip-times" in text or variant == "triptimes":
        lat = end["perfgen"].get("latency")
        assert lat and lat["count"] > 0 and lat["p50_ns"] > 0, "no latency"
        print("latency p50/p99 ns:", lat["p50_ns"], lat["p99_ns"])
print("OK")
PY
