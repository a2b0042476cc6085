#!/usr/bin/env bash
# perfgen's main job, end to end, on a fresh machine: set up, build, create two namespaces
# joined by a veth (198.18.0.0/15), and over native AF_XDP:
#   1. perfgen (iperf2 UDP, trip-times) against a real `iperf -s -u -e`
#   2. a real `iperf -c -u --trip-times` against perfgen -s
#   3. perfgen (iperf3, its userspace TCP, 2 streams) against a real `iperf3 -s`
#   4. a real `iperf3 -c -R` (perfgen's TCP sends) against perfgen -s
# printing both ends' reports each time, then remove everything.
# Usage: sudo scripts/demo.sh
set -uo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
	echo "demo.sh: run as root (sudo scripts/demo.sh)" >&2
	exit 1
fi
bash scripts/setup.sh
[ -f build/build.ninja ] || meson setup build -Dbuildtype=debugoptimized >/dev/null
ninja -C build >/dev/null || { echo "demo.sh: build failed (ninja -C build)"; exit 1; }

A=pgdemo$$a B=pgdemo$$b
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$A"; ip netns add "$B"
ip link add vA netns "$A" type veth peer name vB netns "$B"
ip -n "$A" addr add 198.18.0.1/24 dev vA; ip -n "$B" addr add 198.18.0.2/24 dev vB
ip -n "$A" link set vA up; ip -n "$B" link set vB up
sleep 0.5

echo "=== 1. perfgen client (AF_XDP on vA, 198.18.0.1) -> real iperf 2.1.8 server (198.18.0.2)"
ip netns exec "$B" iperf -s -u -e > "$tmp/iperf-server.txt" 2>&1 &
pids+=($!)
sleep 0.5
echo "\$ perfgen --wire iperf2 --dev vA -c 198.18.0.2 -u -b 50M -l 1470 -t 3 -i 1 -P 2 --trip-times"
ip netns exec "$A" build/perfgen --wire iperf2 --dev vA -c 198.18.0.2 -u -b 50M -l 1470 -t 3 -i 1 -P 2 --trip-times
sleep 0.5
echo
echo "--- the iperf server's own report:"
cat "$tmp/iperf-server.txt"
kill "${pids[0]}" 2>/dev/null; wait "${pids[0]}" 2>/dev/null

echo
echo "=== 2. real iperf 2.1.8 client (198.18.0.1) -> perfgen server (AF_XDP on vB, 198.18.0.2)"
ip netns exec "$B" build/perfgen --wire iperf2 --dev vB -s -u -i 1 -1 > "$tmp/pg-server.txt" 2>&1 &
pids+=($!)
sleep 1.5
echo "\$ iperf -c 198.18.0.2 -u -b 20M -t 3 -e --trip-times"
ip netns exec "$A" iperf -c 198.18.0.2 -u -b 20M -t 3 -e --trip-times
sleep 1
echo
echo "--- perfgen server's report:"
cat "$tmp/pg-server.txt"

echo
echo "=== 3. perfgen client (iperf3 wire, userspace TCP, 2 streams) -> real iperf3 3.12 server"
ip netns exec "$B" iperf3 -s -1 > "$tmp/iperf3-server.txt" 2>&1 &
pids+=($!)
sleep 0.5
echo "\$ perfgen --dev vA -c 198.18.0.2 -P 2 -t 3"
ip netns exec "$A" build/perfgen --dev vA -c 198.18.0.2 -P 2 -t 3
wait "${pids[-1]}" 2>/dev/null
echo "--- the iperf3 server's own report (last lines):"
tail -6 "$tmp/iperf3-server.txt"

echo
echo "=== 4. real iperf3 3.12 client, -R (perfgen's TCP sends) -> perfgen server (iperf3 wire)"
ip netns exec "$B" build/perfgen --dev vB -s -1 -p 5201 > "$tmp/pg3-server.txt" 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -q "listening" "$tmp/pg3-server.txt" 2>/dev/null && break; sleep 0.1; done
echo "\$ iperf3 -c 198.18.0.2 -R -t 3"
ip netns exec "$A" iperf3 -c 198.18.0.2 -R -t 3
wait "${pids[-1]}" 2>/dev/null
echo "--- perfgen server's report:"
cat "$tmp/pg3-server.txt"
echo
echo "demo done; namespaces removed."
