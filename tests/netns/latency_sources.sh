#!/usr/bin/env bash
# The receive timestamp source per backend, chosen at start and reported: native AF_XDP
# stamps in its XDP program (xdp-ktime-tai), DPDK net_pcap carries the kernel's RX time in
# the mbuf (pcap-kernel), DPDK net_af_packet has none (tsc). A real `iperf -c -u
# --trip-times` feeds each; the kernel-stamped medians agree with real iperf's own
# server (kernel to kernel) within 50 us.
. "$(dirname "$0")/lib.sh"
command -v iperf >/dev/null || skip "iperf (2.1.8) not installed: run scripts/setup.sh"

pg_ns_pair 98
ip netns exec "$NS_A" ethtool -K vA tso off gso off gro off >/dev/null 2>&1
ip netns exec "$NS_B" ethtool -K vB tso off gso off gro off >/dev/null 2>&1

# reference: iperf -> iperf, median from iperf's own histogram (10 us bins)
pg_bg "$NS_B" iperf -s -u -e -p 5002 --histograms=10u,100000 > "$PG_TMP/ref.txt" 2>&1
ref_pid=$!
for _ in $(seq 1 50); do ip netns exec "$NS_B" ss -lun | grep -q ':5002 ' && break; sleep 0.1; done
ip netns exec "$NS_A" timeout 20 iperf -c "$IP_B" -p 5002 -u -b 1M -t 2 -e --trip-times > /dev/null 2>&1
sleep 0.5
kill "$ref_pid"
ref=$(python3 - "$PG_TMP/ref.txt" <<'PY'
import re, sys
line = [l for l in open(sys.argv[1]) if "T8(f)-PDF" in l][-1]
n = int(re.search(r"cnt\((\d+)\)", line).group(1))
run = 0
for b in re.search(r"cnt\(\d+\)=(\S+)", line).group(1).split(","):
    i, c = map(int, b.split(":"))
    run += c
    if run >= max(1, round(n / 2)):
        print((i - 1) * 10 + 5)
        break
PY
)
echo "iperf -> iperf median one-way delay: $ref us"
[ -n "$ref" ] || die "no reference"

# run_one NAME WANT_SOURCE PERFGEN_PORT_ARGS...
run_one() {
	local name=$1 want=$2
	shift 2
	pg_bg "$NS_B" "$PERFGEN" "$@" --wire iperf2 -s -u -1 -J > "$PG_TMP/$name.json" 2> "$PG_TMP/$name.err"
	local srv=$!
	PG_BACKEND=$( [ "$1" = --dev ] && echo afxdp || echo dpdk ) pg_wait_server $srv ||
		{ cat "$PG_TMP/$name.err"; die "$name: perfgen server did not start"; }
	if [ "$1" = --dpdk ]; then
		# with DPDK perfgen owns the address: it answers ping once its port is up
		for _ in $(seq 1 40); do
			ip netns exec "$NS_A" ping -c 1 -W 1 "$IP_B" > /dev/null 2>&1 && break
			sleep 0.25
		done
	fi
	ip netns exec "$NS_A" timeout 20 iperf -c "$IP_B" -u -b 1M -t 2 -e --trip-times > "$PG_TMP/$name.cli" 2>&1
	for _ in $(seq 1 50); do kill -0 $srv 2>/dev/null || break; sleep 0.1; done
	python3 - "$PG_TMP/$name.json" "$name" "$want" "$ref" <<'PY' || die "$name: wrong source or latency"
import json, sys
path, name, want, ref = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
d = json.load(open(path))
l = d["end"]["streams"][0]["udp"]["perfgen"]["latency"]
clock = d["end"]["perfgen"]["clock"]
p50 = l["p50_ns"] / 1e3
print(f"{name:16} source {l['source']:14} resolution {l['resolution_ns']} ns, count {l['count']}, "
      f"p50 {p50:.1f} us (iperf -> iperf {ref:.0f} us)")
assert l["source"] == want and clock["rx_source"] == want
assert l["count"] > 100
if want != "tsc":   # stamped in the kernel, like iperf's own socket receive
    assert abs(p50 - ref) < 50, "kernel-stamped median disagrees with iperf's"
PY
}

run_one afxdp xdp-ktime-tai --dev vB
if "$PERFGEN" --help | grep -q -- '--dpdk'; then
	ip -n "$NS_B" addr flush dev vB   # perfgen owns the address with DPDK
	run_one dpdk-pcap pcap-kernel --dpdk "net_pcap0,iface=vB" --ip "$IP_B/24"
	run_one dpdk-afpacket tsc --dpdk "net_af_packet0,iface=vB" --ip "$IP_B/24"
else
	echo "(perfgen built without DPDK: only the AF_XDP source checked)"
fi
echo PASS
