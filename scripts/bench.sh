#!/usr/bin/env bash
# Side-by-side packet-rate benchmark, all in one run on this machine (figures from a shared
# 2-core VM are noisy: compare the ratios, not the absolute numbers). Not a test: it asserts
# nothing and CI does not run it.
#
#   64-byte iperf2 UDP datagrams sent per second over a veth pair:
#     perfgen (native AF_XDP, one dataplane lcore, sequence + timestamp in every datagram)
#     kernel  iperf -c -u -l 64 -b 10G
#     dpdk-testpmd --forward-mode=txonly through net_af_xdp on the same veth (no seq/stamp)
#     perfgen through DPDK's net_af_xdp PMD on the same veth
#   64-byte frames into DPDK's net_null sink (no-rx=1), one dataplane lcore each:
#     perfgen --no-peer (iperf2 header, sequence + timestamp + UDP checksum per packet)
#     dpdk-testpmd --forward-mode=txonly (constant frames)
#   offline analysis: `perfgen analyze` on a generated 2M-frame capture in the page cache,
#     and the cost of each stage (read / classify / iperf2 accounting)
#   latency: cycles and ns per packet of timestamp + sequence check + trip-time correction +
#     histogram record on the RX path (aim: under 10 ns), TSC calibration error in ppm
#   iperf3 into a real `iperf3 -s` over the veth (perfgen on native AF_XDP):
#     UDP with the smallest frames (-l 18: 64 bytes on the wire), -b 0, beside kernel
#     `iperf3 -c -u -b 0 -l 64`: Mpps sent, Mpps the server counted, loss
#     TCP -P 4 goodput (the server's count) beside kernel `iperf3 -P 4`
#   iperf2 TCP through the userspace netem (tests/netns/impair: loss 1%, 5 ms each way,
#     2% reordered): perfgen -c beside kernel iperf -c (both CUBIC), and kernel iperf -c
#     into perfgen -s beside kernel into kernel; each pair from one run of the netns test
#
# Usage: sudo scripts/bench.sh [SECONDS] [iperf3]   (iperf3: only the iperf3 rows)
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-4}
[ "$(id -u)" -eq 0 ] || { echo "bench.sh: run as root" >&2; exit 1; }
bash scripts/setup.sh >/dev/null
[ -f build/build.ninja ] || meson setup build -Dbuildtype=release >/dev/null
ninja -C build >/dev/null || exit 1

A=pgbench$$a B=pgbench$$b
tmp=$(mktemp -d)
cleanup() { ip netns del "$A" 2>/dev/null; ip netns del "$B" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
ip netns add "$A"; ip netns add "$B"
ip link add vA netns "$A" type veth peer name vB netns "$B"
ip -n "$A" addr add 198.18.50.1/24 dev vA; ip -n "$B" addr add 198.18.50.2/24 dev vB
ip -n "$A" link set vA up; ip -n "$B" link set vB up
sleep 0.5
# Warm the neighbour entry so every contender starts equal.
ip netns exec "$A" ping -c 1 -W 1 198.18.50.2 >/dev/null 2>&1

rx() { ip netns exec "$B" cat /sys/class/net/vB/statistics/rx_packets; }
tsc_hz=""

# --- iperf3 rows: each run against a fresh `iperf3 -s -1 -J` in B; figures from both reports
i3_server() {
	ip netns exec "$B" iperf3 -s -1 -J > "$tmp/i3s.json" 2>/dev/null &
	i3s_pid=$!
	for _ in $(seq 1 50); do ip netns exec "$B" ss -ltn | grep -q ':5201 ' && break; sleep 0.1; done
}
i3_wait() { for _ in $(seq 1 100); do kill -0 "$i3s_pid" 2>/dev/null || break; sleep 0.1; done; kill "$i3s_pid" 2>/dev/null; }
i3_rows() {
	command -v iperf3 >/dev/null || { echo "iperf3 rows: iperf3 not installed"; return; }
	local name
	printf '%-46s %9s %9s %7s\n' "iperf3 UDP, 64-byte frames, -b 0" "Mpps sent" "Mpps srv" "loss %"
	for name in perfgen kernel; do
		i3_server
		if [ $name = perfgen ]; then
			ip netns exec "$A" build/perfgen --dev vA -c 198.18.50.2 -u -l 18 -b 0 -t "$secs" -J \
				--lcores 0-1 > "$tmp/i3c.json" 2>/dev/null
		else
			ip netns exec "$A" timeout $((secs + 10)) iperf3 -c 198.18.50.2 -u -l 64 -b 0 -t "$secs" -J \
				> "$tmp/i3c.json" 2>/dev/null
		fi
		i3_wait
		python3 - "$tmp/i3c.json" "$tmp/i3s.json" "$name" <<'PY'
import json, sys
try:
    c = json.load(open(sys.argv[1]))["end"]["sum"]; s = json.load(open(sys.argv[2]))["end"]["sum"]
except Exception as e:
    print(f"{sys.argv[3]:46} failed ({e})"); sys.exit(0)
label = "perfgen -u -l 18 (AF_XDP)" if sys.argv[3] == "perfgen" else "kernel iperf3 3.12 -u -l 64"
got = s["packets"] - s["lost_packets"]
print(f"{label:46} {c['packets']/c['seconds']/1e6:9.3f} {got/s['seconds']/1e6:9.3f} {s['lost_percent']:7.2f}")
PY
	done
	printf '%-46s %9s\n' "iperf3 TCP -P 4" "Gbit/s"
	for name in perfgen kernel; do
		i3_server
		if [ $name = perfgen ]; then
			ip netns exec "$A" build/perfgen --dev vA -c 198.18.50.2 -P 4 -t "$secs" -J --lcores 0-1 \
				> "$tmp/i3c.json" 2>/dev/null
		else
			ip netns exec "$A" timeout $((secs + 10)) iperf3 -c 198.18.50.2 -P 4 -t "$secs" -J > "$tmp/i3c.json" 2>/dev/null
		fi
		i3_wait
		python3 - "$tmp/i3s.json" "$name" <<'PY'
import json, sys
try:
    s = json.load(open(sys.argv[1]))["end"]["sum_received"]
except Exception as e:
    print(f"{sys.argv[2]:46} failed ({e})"); sys.exit(0)
label = "perfgen -P 4 (AF_XDP, userspace TCP)" if sys.argv[2] == "perfgen" else "kernel iperf3 3.12 -P 4"
print(f"{label:46} {s['bits_per_second']/1e9:9.3f}")
PY
	done
}
if [ "${2:-}" = iperf3 ]; then
	i3_rows
	exit 0
fi

# --- perfgen
r0=$(rx)
ip netns exec "$A" build/perfgen --wire iperf2 --dev vA -c 198.18.50.2 -u -l 64 -b 0 -t "$secs" -J --lcores 0-1 > "$tmp/pg.json" 2>/dev/null
r1=$(rx)
pg_pps=$(python3 -c "
import json,sys; d=json.load(open('$tmp/pg.json')); e=d['end']
print(e['sum_sent']['packets']/e['sum_sent']['seconds'])" 2>/dev/null || echo 0)
tsc_hz=$(python3 -c "import json; print(json.load(open('$tmp/pg.json'))['perfgen']['tsc_hz'])" 2>/dev/null || echo 0)
pg_rx=$(( r1 - r0 ))

# --- kernel iperf2
r0=$(rx)
ip netns exec "$A" timeout $((secs + 10)) iperf -c 198.18.50.2 -u -l 64 -b 10G -t "$secs" > "$tmp/iperf.txt" 2>&1
r1=$(rx)
ip_sent=$(sed -n 's/.*Sent \([0-9]*\) datagrams.*/\1/p' "$tmp/iperf.txt" | tail -1)
ip_pps=$(python3 -c "print(${ip_sent:-0}/$secs)")

# --- testpmd txonly via net_af_xdp, sending the same frames (peer MAC, 198.18.50.1 ->
#     198.18.50.2, UDP to 5001) so the receiving kernel does the same work for both
tp_pps=0
if command -v dpdk-testpmd >/dev/null; then
	mac=$(ip -n "$B" link show vB | awk '/ether/{print $2}')
	ip netns exec "$A" sh -c "ulimit -l unlimited; mount -t bpf bpf /sys/fs/bpf 2>/dev/null; timeout -s INT $((secs + 4)) \
		dpdk-testpmd -l 0-1 --no-pci --in-memory -m 512 --vdev net_af_xdp0,iface=vA \
		--file-prefix pgbench$$ -- --forward-mode=txonly --txpkts=106 --eth-peer=0,$mac \
		--tx-ip=198.18.50.1,198.18.50.2 --tx-udp=9,5001 --auto-start --stats-period 1" \
		> "$tmp/testpmd.txt" 2>&1
	[ -n "${BENCH_KEEP:-}" ] && cp "$tmp/testpmd.txt" /tmp/bench-testpmd.txt
	# the per-second rates once running (the first lines cover EAL start-up)
	tp_pps=$(awk '/Tx-pps/{print $2}' "$tmp/testpmd.txt" | sort -n | tail -3 | head -1)
	tp_pps=${tp_pps:-0}
fi

# --- perfgen through DPDK's net_af_xdp PMD on the same veth (its own address: the kernel's
#     copy stays, which is harmless for a sender)
pd_pps=0
if build/perfgen --help | grep -q -- --dpdk; then
	ip netns exec "$A" build/perfgen --wire iperf2 --dpdk net_af_xdp0,iface=vA --ip 198.18.50.1/24 -c 198.18.50.2 \
		-u -l 64 -b 0 -t "$secs" -J --lcores 0-1 > "$tmp/pd.json" 2>/dev/null
	pd_pps=$(python3 -c "
import json; e=json.load(open('$tmp/pd.json'))['end']
print(e['sum_sent']['packets']/e['sum_sent']['seconds'])" 2>/dev/null || echo 0)
fi

# --- net_null sink: perfgen --no-peer beside testpmd txonly, 64-byte frames (18-byte payload)
nn_pg=0 nn_tp=0
if build/perfgen --help | grep -q -- --dpdk; then
	build/perfgen --wire iperf2 --dpdk net_null0,no-rx=1 --ip 198.18.51.1/24 --no-peer -c 198.18.51.2 -u -l 18 \
		-b 0 -t "$secs" -J --lcores 0-1 > "$tmp/nn.json" 2>/dev/null
	nn_pg=$(python3 -c "
import json; l=json.load(open('$tmp/nn.json'))['end']['perfgen']['lcores']
print(sum(x['packets_per_second'] for x in l))" 2>/dev/null || echo 0)
fi
if command -v dpdk-testpmd >/dev/null; then
	timeout -s INT $((secs + 4)) dpdk-testpmd -l 0-1 --no-pci --in-memory -m 512 \
		--vdev net_null0,no-rx=1 --file-prefix pgbenchnull$$ -- --forward-mode=txonly \
		--txpkts=64 --auto-start --stats-period 1 > "$tmp/tpnull.txt" 2>&1
	nn_tp=$(awk '/Tx-pps/{print $2}' "$tmp/tpnull.txt" | sort -n | tail -3 | head -1)
	nn_tp=${nn_tp:-0}
fi

# --- offline analysis rate
an_pps=0
python3 scripts/gen-bench-pcap.py 2000000 "$tmp/big.pcap"
cat "$tmp/big.pcap" > /dev/null   # into the page cache
build/tests/unit/bench_analyze "$tmp/big.pcap" > /dev/null 2>&1
build/tests/unit/bench_analyze "$tmp/big.pcap" > "$tmp/stages.txt" 2>&1
t0=$(date +%s.%N)
build/perfgen analyze "$tmp/big.pcap" -J > "$tmp/an.json" 2> "$tmp/an.err"
t1=$(date +%s.%N)
an_pps=$(python3 -c "print(2000000 / ($t1 - $t0))")
# the pass's own rate (flow table, histograms, reporter; start-up excluded), printed by perfgen
an_pass=$(sed -n 's/.*UDP pass: .*(\([0-9.]*\) Mpps.*/\1/p' "$tmp/an.err")

python3 - "$pg_pps" "$ip_pps" "$tp_pps" "$tsc_hz" "$pg_rx" "$pd_pps" "$nn_pg" "$nn_tp" <<'PY'
import sys
pg, ip, tp, hz, pgrx, pd, nnpg, nntp = (float(x or 0) for x in sys.argv[1:])
print(f"{'sender (64-byte UDP payload)':44} {'Mpps':>8} {'cyc/pkt':>8} {'vs perfgen':>10}")
def row(name, v):
    cyc = hz / v if v and hz else 0
    rel = v / pg if pg else 0
    print(f"{name:44} {v/1e6:8.3f} {cyc:8.0f} {rel:10.2f}")
row("perfgen AF_XDP (seq + timestamp per packet)", pg)
row("kernel iperf 2.1.8 -u -l 64 -b 10G", ip)
row("dpdk-testpmd txonly, net_af_xdp (no stamp)", tp)
row("perfgen DPDK net_af_xdp PMD (seq + stamp)", pd)
print("All three send 64-byte UDP payloads (106-byte frames) to 198.18.50.2:5001 over one veth;")
print("the receiving kernel's UDP path runs on the same two CPUs, so it bounds all three alike.")
print(f"(peer veth counted {pgrx:.0f} frames during the perfgen run; cycles/pkt = TSC Hz / pps on one busy lcore)")
print()
print(f"{'into net_null (64-byte frames, one lcore)':44} {'Mpps':>8} {'cyc/pkt':>8} {'vs testpmd':>10}")
for name, v in (("perfgen --no-peer (seq + stamp + csum)", nnpg), ("dpdk-testpmd txonly (constant frames)", nntp)):
    cyc = hz / v if v and hz else 0
    print(f"{name:44} {v/1e6:8.3f} {cyc:8.0f} {v / nntp if nntp else 0:10.2f}")
PY
echo
echo "offline analysis of 2,000,000 frames (one iperf2 UDP stream, capture in the page cache):"
python3 -c "print(f'  perfgen analyze, the analysis pass (flow table, histograms, reporter): ${an_pass:-0} Mpps')"
python3 -c "print(f'  perfgen analyze, whole process (start-up, TSC calibration, exit):   {$an_pps/1e6:.2f} Mpps')"
sed 's/^/  stage /' "$tmp/stages.txt"
echo
echo "latency work on the RX path (one lcore, synthetic datagrams, no I/O):"
if [ -x build/tests/unit/bench_latency ]; then
	build/tests/unit/bench_latency | sed 's/^/  /'
else
	echo "  (bench_latency not built: cmocka missing)"
fi
i3_rows
echo
echo "iperf2 TCP through impair (loss 1%, 5 ms each way, 2% reordered; both CUBIC):"
for v in client-impair server-impair; do
	PERFGEN=build/perfgen IMPAIR=build/tests/netns/impair bash tests/netns/iperf2_tcp.sh "$v" 2>&1 |
		grep '^impair (' | sed 's/^impair ([^)]*): /  /'
done
