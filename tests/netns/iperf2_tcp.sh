#!/usr/bin/env bash
# iperf2 over TCP on perfgen's userspace engine against real iperf 2.1.8 (kernel TCP).
# Variant: client | client-parallel | server | server-parallel | client-netem | server-netem
#          | client-trip | server-trip | client-peerdetect | server-peerdetect
# Byte counts must agree exactly: iperf 2.1.8 counts every byte of the stream, the
# 60-byte client header included, at both ends, and so does perfgen.
# trip: --trip-times (80-byte header, 92-byte burst headers with the write time): the
# receiving side's burst count must match the sender's bursts and its latency be sane.
# peerdetect: -X, the client waits for the server's CLIENTHDRACK before sending data.
# The netem variants put loss 1%, delay 5 ms and reordering on the peer's veth and also
# run kernel iperf -> iperf there: perfgen must reach at least half the kernel's rate.
. "$(dirname "$0")/lib.sh"
variant=${1:-client}
command -v iperf >/dev/null || skip "iperf (2.1.8) not installed: run scripts/setup.sh"
pg_ns_pair 100
streams=1
case "$variant" in *parallel) streams=4 ;; esac
secs=3
netem=""
case "$variant" in *netem) netem="loss 1% delay 5ms reorder 25% 50%"; secs=4 ;; esac
xopts=()
case "$variant" in *-trip) xopts=(--trip-times) ;; *-peerdetect) xopts=(-X) ;; esac
[ -n "$netem" ] && { ip netns exec "$NS_B" tc qdisc add dev vB root netem $netem || skip "no netem (sch_netem)"; }

kernel_rate() { # kernel iperf A -> B under the same conditions (the reference for netem)
	local out
	pg_bg "$NS_B" iperf -s -p 5002 -f b
	sleep 0.5
	out=$(ip netns exec "$NS_A" timeout 30 iperf -c "$IP_B" -p 5002 -t "$secs" -f b 2>&1)
	echo "$out" | sed -n 's/.*sec *\([0-9]*\) Bytes *\([0-9]*\) bits.*/\2/p' | tail -1
}

case "$variant" in
client*)
	pg_bg "$NS_B" iperf -s -e -f b > "$PG_TMP/iperf.txt" 2>&1
	for _ in $(seq 1 50); do ip netns exec "$NS_B" ss -ltn | grep -q ':5001 ' && break; sleep 0.1; done
	pg_port_args "$NS_A" vA "$IP_A"
	ip netns exec "$NS_A" timeout -s KILL 40 "$PERFGEN" --wire iperf2 "${PG_PORT_ARGS[@]}" -c "$IP_B" -t "$secs" -P $streams "${xopts[@]}" -J \
		> "$PG_TMP/pg.json" 2> "$PG_TMP/pg.err"
	rc=$?
	cat "$PG_TMP/pg.err"
	[ $rc -eq 0 ] || die "perfgen client exited $rc"
	sleep 1
	cat "$PG_TMP/iperf.txt"
	kr=""
	[ -n "$netem" ] && kr=$(kernel_rate)
	python3 - "$PG_TMP/pg.json" "$PG_TMP/iperf.txt" "$streams" "$kr" "$variant" <<'PY' || die "client check"
import json, re, sys
d = json.load(open(sys.argv[1])); text = open(sys.argv[2]).read(); n = int(sys.argv[3]); kr = sys.argv[4]
variant = sys.argv[5]
e = d["end"]
sent = e["sum_sent"]["bytes"]; retr = e["sum_sent"]["retransmits"]
per = re.findall(r"^\[\s*\d+\]\s+0\.0+-\s*[\d.]+ sec\s+(\d+) Bytes", text, re.M)
got = sum(int(x) for x in per[:n])
print(f"perfgen sent {sent} bytes in {len(e['streams'])} streams ({retr} retransmitted segments, "
      f"{e['sum_sent']['bits_per_second']/1e6:.0f} Mbit/s); iperf server received {got} in {len(per)} streams")
assert len(e["streams"]) == n and len(per) >= n
assert got == sent, f"byte counts disagree: server {got} != client {sent}"
if variant.endswith("-trip"):
    # iperf -s -e: "... avg/min/max/stdev ms (cnt/size)" on the stream's final line
    m = re.search(r"^\[\s*\d+\]\s+0\.0+-\s*[\d.]+ sec\s+\d+ Bytes\s+\d+ bits/sec\s+"
                  r"([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+) ms \((\d+)/(\d+)\)", text, re.M)
    assert "(trip-times)" in text and m, "the iperf server saw no trip-times bursts"
    avg, cnt = float(m.group(1)), int(m.group(5))
    bursts = -(-(sent - 80) // 131072)
    print(f"trip-times: iperf server timed {cnt} bursts of the {bursts} perfgen sent, latency avg {avg} ms")
    assert cnt in (bursts - 1, bursts), "burst count mismatch"
    assert 0 < avg < 1000, "implausible one-way latency"
if variant.endswith("-peerdetect"):
    assert sent > 60, "no data after the header: the server's ack was not seen"
if kr:
    pg = e["sum_sent"]["bits_per_second"]
    print(f"netem: perfgen {pg/1e6:.1f} Mbit/s vs kernel {int(kr)/1e6:.1f} Mbit/s (ratio {pg/int(kr):.2f})")
    assert retr > 0, "no retransmissions counted under 1% loss"
    assert pg >= 0.5 * int(kr), "below half the kernel's throughput under the same netem"
PY
	;;
server*)
	pg_port_args "$NS_B" vB "$IP_B"
	pg_bg "$NS_B" "$PERFGEN" --wire iperf2 "${PG_PORT_ARGS[@]}" -s -1 -J > "$PG_TMP/pg.json" 2> "$PG_TMP/pg.err"
	PG=$!
	pg_wait_server $PG || { cat "$PG_TMP/pg.err"; die "perfgen server did not start"; }
	ip netns exec "$NS_A" timeout 30 iperf -c "$IP_B" -t "$secs" -P $streams -f b -e "${xopts[@]}" > "$PG_TMP/c.txt" 2>&1
	rc=$?
	cat "$PG_TMP/c.txt"
	[ $rc -eq 0 ] || die "iperf client exited $rc"
	for _ in $(seq 1 100); do kill -0 $PG 2>/dev/null || break; sleep 0.1; done
	cat "$PG_TMP/pg.err"
	kill -0 $PG 2>/dev/null && die "perfgen -s -1 still running after the test"
	kr=""
	[ -n "$netem" ] && kr=$(kernel_rate)
	python3 - "$PG_TMP/pg.json" "$PG_TMP/c.txt" "$streams" "$kr" "$variant" <<'PY' || die "server check"
import json, re, sys
d = json.load(open(sys.argv[1])); text = open(sys.argv[2]).read(); n = int(sys.argv[3])
variant = sys.argv[5]
e = d["end"]
got = e["sum_received"]["bytes"]
per = re.findall(r"^\[\s*\d+\]\s+0\.0+-\s*[\d.]+ sec\s+(\d+) Bytes", text, re.M)
sent = sum(int(x) for x in per[:n])
print(f"iperf client sent {sent} bytes in {len(per)} streams; perfgen server received {got} in {len(e['streams'])} streams "
      f"({e['sum_received']['bits_per_second']/1e6:.0f} Mbit/s)")
assert len(e["streams"]) == n
assert got == sent, f"byte counts disagree: server {got} != client {sent}"
if variant.endswith("-trip"):
    writes = int(re.search(r"^\[\s*\d+\]\s+0\.0+-\s*[\d.]+ sec\s+\d+ Bytes\s+\d+ bits/sec\s+(\d+)/\d+",
                           text, re.M).group(1))
    lat = e["streams"][0]["receiver"]["perfgen"]["latency"]
    print(f"trip-times: perfgen timed {lat['count']} bursts of the client's {writes} writes, latency "
          f"mean {lat['mean_ns']/1e6:.3f} ms min {lat['min_ns']/1e6:.3f} max {lat['max_ns']/1e6:.3f}")
    assert lat["count"] == writes, "burst count != the client's writes"
    assert 0 < lat["mean_ns"] < 1e9, "implausible one-way latency"
PY
	;;
*) die "unknown variant $variant" ;;
esac
echo OK
