#!/usr/bin/env bash
# iperf2 over TCP on perfgen's userspace engine against real iperf 2.1.8 (kernel TCP).
# Variant: client | client-parallel | server | server-parallel | client-impair | server-impair
#          | client-trip | server-trip | client-peerdetect | server-peerdetect
#          | server-trip-dual (server-trip against the server that speaks iperf3 and iperf2)
#          | client-rate (-b 150M -P 2: perfgen paces its TCP streams; iperf's figures)
# Byte counts must agree exactly: iperf 2.1.8 counts every byte of the stream, the
# 60-byte client header included, at both ends, and so does perfgen.
# trip: --trip-times (80-byte header, 92-byte burst headers with the write time): the
# receiving side's burst count must match the sender's bursts and its latency be sane.
# peerdetect: -X, the client waits for the server's CLIENTHDRACK before sending data.
# impair: this kernel has no sch_netem, so the peers sit on either side of the userspace
# netem (tests/netns/impair.c: loss 1%, delay 5 ms each way, 2% of frames reordered, both
# directions). The transfer must complete with exact byte agreement and retransmissions
# counted and reported; kernel iperf -> iperf runs through the same impairment in the same
# test and both rates and their ratio are printed (a figure, not an assertion). All kernel
# senders use CUBIC, perfgen's default.
. "$(dirname "$0")/lib.sh"
variant=${1:-client}
command -v iperf >/dev/null || skip "iperf (2.1.8) not installed: run scripts/setup.sh"
streams=1
case "$variant" in *parallel) streams=4 ;; esac
secs=3
impair=0
case "$variant" in *impair) impair=1; secs=5 ;; esac
if [ $impair = 1 ]; then
	pg_ns_trio 104
	pg_ns_trio_static_neigh
	pg_impair_start 5000 0 1 2 0 42
else
	pg_ns_pair 100
fi
xopts=()
case "$variant" in *-trip | *-trip-dual) xopts=(--trip-times) ;; *-peerdetect) xopts=(-X) ;; esac
[ "$variant" = client-rate ] && { streams=2; xopts=(-b 150M); }

# kernel iperf A -> B under the same conditions (the reference for impair); sets kr (bits/s).
# Not in a $(...): the background server must stay in this shell's PG_PIDS for cleanup.
kernel_rate() {
	pg_bg "$NS_B" iperf -s -p 5002 -f b > "$PG_TMP/k_srv.txt" 2>&1
	sleep 0.5
	# the kernel with perfgen's default congestion control (the system default may be BBR,
	# which ignores random loss: a different experiment)
	ip netns exec "$NS_A" timeout 60 iperf -c "$IP_B" -p 5002 -t "$secs" -f b -e -Z cubic > "$PG_TMP/k.txt" 2>&1
	cat "$PG_TMP/k.txt"
	kr=$(sed -n 's/.*sec *\([0-9]*\) Bytes *\([0-9]*\) bits.*/\2/p' "$PG_TMP/k.txt" | tail -1)
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
	[ $impair = 1 ] && kernel_rate
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
if variant == "client-rate":
    # the iperf server's own per-stream rates: each within -12 % / +5 % of 150 Mbit/s
    rates = [int(x) for x in re.findall(r"^\[\s*\d+\]\s+0\.0+-\s*[\d.]+ sec\s+\d+ Bytes\s+(\d+) bits/sec",
                                        text, re.M)[:n]]
    print("iperf server per-stream rates (Mbit/s):", [round(r / 1e6, 1) for r in rates])
    assert len(rates) == n and all(0.88 * 150e6 <= r <= 1.05 * 150e6 for r in rates), "not paced at -b 150M"
if variant.endswith("-impair"):
    pg = e["sum_sent"]["bits_per_second"]
    k = int(kr) if kr else 0
    print(f"impair (loss 1%, 5 ms each way, 2% reordered): perfgen client {pg/1e6:.1f} Mbit/s, "
          f"{retr} retransmitted segments; kernel iperf client {k/1e6:.1f} Mbit/s; "
          f"ratio perfgen/kernel {pg/k if k else float('nan'):.2f}")
    assert retr > 0, "no retransmissions counted under 1% loss"
PY
	;;
server*)
	pg_port_args "$NS_B" vB "$IP_B"
	wire=(--wire iperf2)
	[ "$variant" = server-trip-dual ] && wire=() # the two-protocol server (iperf3 + iperf2)
	pg_bg "$NS_B" "$PERFGEN" "${wire[@]}" "${PG_PORT_ARGS[@]}" -s -1 -J > "$PG_TMP/pg.json" 2> "$PG_TMP/pg.err"
	PG=$!
	pg_wait_server $PG || { cat "$PG_TMP/pg.err"; die "perfgen server did not start"; }
	zc=()
	[ $impair = 1 ] && zc=(-Z cubic) # as the kernel reference below
	ip netns exec "$NS_A" timeout 30 iperf -c "$IP_B" -t "$secs" -P $streams -f b -e "${xopts[@]}" "${zc[@]}" > "$PG_TMP/c.txt" 2>&1
	rc=$?
	cat "$PG_TMP/c.txt"
	[ $rc -eq 0 ] || die "iperf client exited $rc"
	for _ in $(seq 1 100); do kill -0 $PG 2>/dev/null || break; sleep 0.1; done
	cat "$PG_TMP/pg.err"
	kill -0 $PG 2>/dev/null && die "perfgen -s -1 still running after the test"
	kr=""
	[ $impair = 1 ] && kernel_rate
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
if "-trip" in variant:
    writes = int(re.search(r"^\[\s*\d+\]\s+0\.0+-\s*[\d.]+ sec\s+\d+ Bytes\s+\d+ bits/sec\s+(\d+)/\d+",
                           text, re.M).group(1))
    lat = e["streams"][0]["receiver"]["perfgen"]["latency"]
    print(f"trip-times: perfgen timed {lat['count']} bursts of the client's {writes} writes, latency "
          f"mean {lat['mean_ns']/1e6:.3f} ms min {lat['min_ns']/1e6:.3f} max {lat['max_ns']/1e6:.3f}")
    assert lat["count"] == writes, "burst count != the client's writes"
    assert 0 < lat["mean_ns"] < 1e9, "implausible one-way latency"
if variant.endswith("-impair"):
    # iperf -e client line: ... Write/Err  Rtry  Cwnd/RTT(var)
    m = re.search(r"^\[\s*\d+\]\s+0\.0+-\s*[\d.]+ sec\s+\d+ Bytes\s+(\d+) bits/sec\s+\d+/\d+\s+(\d+)",
                  text, re.M)
    rate, rtry = int(m.group(1)), int(m.group(2))
    k = int(sys.argv[4]) if sys.argv[4] else 0
    ooo = e["sum_received"].get("perfgen", {})
    print(f"impair (loss 1%, 5 ms each way, 2% reordered): kernel iperf client -> perfgen server "
          f"{rate/1e6:.1f} Mbit/s with {rtry} retransmissions; kernel -> kernel {k/1e6:.1f} Mbit/s; "
          f"ratio {rate/k if k else float('nan'):.2f}")
    assert rtry > 0, "the sender retransmitted nothing under 1% loss"
PY
	;;
*) die "unknown variant $variant" ;;
esac
[ $impair = 1 ] && pg_impair_stop
echo OK
