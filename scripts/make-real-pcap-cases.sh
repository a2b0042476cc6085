#!/usr/bin/env bash
# Records the "real" cases of the pcap regression corpus with real iperf 2.1.8 in network
# namespaces of its own (198.18.29.0/24), tcpdump on the server's veth, and writes each
# case's expected.json from what iperf's own server printed (not from perfgen):
#   iperf2-udp-parallel-real: -P 3 --trip-times, clean link
#   iperf2-udp-netem-loss-real: 2% loss and 1 ms +- 0.5 ms delay (reordering) by netem
# Run as root: scripts/make-real-pcap-cases.sh (then review and commit tests/pcap/).
set -euo pipefail
cd "$(dirname "$0")/.."
A=pgmk$$a B=pgmk$$b
T=$(mktemp -d)
cleanup() { kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true
	ip netns del "$A" 2>/dev/null || true; ip netns del "$B" 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT
ip netns add "$A"; ip netns add "$B"
ip link add vA netns "$A" type veth peer name vB netns "$B"
ip -n "$A" addr add 198.18.29.1/24 dev vA; ip -n "$B" addr add 198.18.29.2/24 dev vB
ip -n "$A" link set vA up; ip -n "$B" link set vB up
ip -n "$A" link set lo up; ip -n "$B" link set lo up
sleep 0.5

record() { # record CASE "README text" NETEM-ARGS|"" IPERF-CLIENT-ARGS...
	local name=$1 text=$2 netem=$3; shift 3
	local dir=tests/pcap/$name
	mkdir -p "$dir"
	ip -n "$A" link set vA txqueuelen 1000
	ip netns exec "$A" tc qdisc del dev vA root 2>/dev/null || true
	[ -n "$netem" ] && ip netns exec "$A" tc qdisc add dev vA root netem $netem
	ip netns exec "$B" tcpdump -i vB -s 0 -U -w "$dir/capture.pcap" udp port 5001 2> /dev/null &
	local td=$!
	ip netns exec "$B" iperf -s -u -e > "$T/srv.txt" 2>&1 &
	local is=$!
	sleep 1
	ip netns exec "$A" iperf -c 198.18.29.2 "$@" > "$T/cli.txt" 2>&1
	sleep 1
	kill $is $td; wait $is $td 2>/dev/null || true
	cat "$T/srv.txt"
	python3 - "$T/srv.txt" "$dir/expected.json" "$name" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
# final per-stream lines: "[  N] 0.0000-D sec BYTES UNIT ... jitter ms LOST/TOTAL (..%)"
rows = re.findall(r"^\[\s*(\d+)\]\s+0\.0+-\s*\d+\.\d+ sec\s+[\d.]+ \w+\s+[\d.]+ \w+/sec\s+[\d.]+ ms\s+(\d+)/(\d+)", text, re.M)
lost = sum(int(r[1]) for r in rows); total = sum(int(r[2]) for r in rows)
exp = {"streams": len(rows), "end.sum.packets": total, "end.sum.lost_packets": lost}
json.dump(exp, open(sys.argv[2], "w"), indent=2, sort_keys=True)
print(f"{sys.argv[3]}: {exp}")
PY
	echo "$text Expected figures are iperf 2.1.8's own server lines (lost/total per stream, summed)." > "$dir/README"
}
record iperf2-udp-parallel-real \
	"real: iperf -s -u -e / iperf -c 198.18.29.2 -u -b 1M -t 1 -l 300 -P 3 --trip-times (iperf 2.1.8, namespaces, tcpdump -s 0 on the server's veth; made by scripts/make-real-pcap-cases.sh)." \
	"" -u -b 1M -t 1 -l 300 -P 3 --trip-times
record iperf2-udp-netem-loss-real \
	"real: iperf -s -u -e / iperf -c 198.18.29.2 -u -b 2M -t 1 -l 400 with netem loss 2% delay 1ms 500us on the client's veth (loss and reordering made by the kernel; namespaces, tcpdump -s 0 on the server's veth; made by scripts/make-real-pcap-cases.sh)." \
	"loss 2% delay 1ms 500us" -u -b 2M -t 1 -l 400
