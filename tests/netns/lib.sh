#!/usr/bin/env bash
# Shared helpers for the netns suite: a namespace pair joined by a veth, addresses in
# 198.18.0.0/15 only, torn down on every exit path. Source this, then call pg_ns_pair.
# Exit code 77 = skipped (meson's convention); the reason is printed first.

set -u

skip() { echo "SKIP: $*"; exit 77; }
die() { echo "FAIL: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, AF_XDP)"
command -v ip >/dev/null || skip "iproute2 missing (run scripts/setup.sh)"

PERFGEN=${PERFGEN:-$(dirname "$0")/../../build/perfgen}
[ -x "$PERFGEN" ] || die "perfgen binary not found at $PERFGEN"

PG_TAG="pg$$"
NS_A="${PG_TAG}a"
NS_B="${PG_TAG}b"
NS_M="${PG_TAG}m"
PG_TMP=$(mktemp -d /tmp/pgtest.XXXXXX)
PG_PIDS=()

pg_cleanup() {
	local p
	for p in "${PG_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${PG_PIDS[@]}"; do
		# give a perfgen time to detach its XDP program, then insist
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	ip netns del "$NS_M" 2>/dev/null
	rm -rf "$PG_TMP"
}
trap pg_cleanup EXIT
trap 'exit 130' INT TERM

# pg_ns_pair SUBNET_OCTET: A = 198.18.N.1 on vA, B = 198.18.N.2 on vB
pg_ns_pair() {
	local n=$1
	ip netns add "$NS_A" || die "cannot create namespace"
	ip netns add "$NS_B" || die "cannot create namespace"
	# PG_DP2=1: two queues per side, for runs with two dataplane lcores
	local q=()
	[ "${PG_DP2:-0}" = 1 ] && q=(numtxqueues 2 numrxqueues 2)
	ip link add vA "${q[@]}" netns "$NS_A" type veth peer name vB "${q[@]}" netns "$NS_B" ||
		die "cannot create veth"
	ip -n "$NS_A" addr add "198.18.$n.1/24" dev vA
	ip -n "$NS_B" addr add "198.18.$n.2/24" dev vB
	ip -n "$NS_A" link set lo up
	ip -n "$NS_B" link set lo up
	ip -n "$NS_A" link set vA up
	ip -n "$NS_B" link set vB up
	IP_A="198.18.$n.1"
	IP_B="198.18.$n.2"
	# veth needs a moment for carrier
	for _ in $(seq 1 50); do
		ip -n "$NS_A" link show vA | grep -q 'state UP' && break
		sleep 0.05
	done
}

# Runs a command in the background inside a namespace; its pid lands in PG_PIDS and $!.
pg_bg() {
	local ns=$1; shift
	ip netns exec "$ns" "$@" &
	PG_PIDS+=($!)
}

# No XDP program may remain on the interface after perfgen exits.
pg_assert_no_xdp() {
	local ns=$1 dev=$2
	if ip -n "$ns" link show "$dev" | grep -q 'xdp'; then
		ip -n "$ns" link show "$dev"
		die "XDP program left on $dev"
	fi
}

# JSON field reader (stdlib only): pg_json FILE 'expr on d'
pg_json() {
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}

# Port arguments for perfgen on DEV in NS with address IP, per PG_BACKEND:
#   afxdp (default)   --dev DEV (the kernel keeps its address; XDP steers perfgen's ports)
#   dpdk-afpacket     --dpdk net_af_packet0,iface=DEV --ip IP/24
#   dpdk-afxdp        --dpdk net_af_xdp0,iface=DEV --ip IP/24
# PG_DP2=1 adds a second dataplane lcore (two veth queues; qpairs=2 / a vdev per queue).
# With DPDK, perfgen owns the address: the kernel's copy is removed so it does not answer
# (or refuse with ICMP) the same traffic. Sets the array PG_PORT_ARGS.
pg_port_args() {
	local ns=$1 dev=$2 ip=$3
	local dp2=${PG_DP2:-0}
	case "${PG_BACKEND:-afxdp}" in
	afxdp) PG_PORT_ARGS=(--dev "$dev") ;;
	dpdk-afpacket|dpdk-afxdp)
		command -v dpdk-testpmd >/dev/null || pkg-config --exists libdpdk || skip "DPDK not installed"
		"$PERFGEN" --help | grep -q -- '--dpdk' || skip "perfgen built without DPDK"
		ip -n "$ns" addr flush dev "$dev"
		if [ "$PG_BACKEND" = dpdk-afpacket ]; then
			# af_packet hands over what the veth carries, GSO super-frames included (no
			# XDP program forces segmentation here): the kernel peers send MTU frames.
			ip netns exec "$NS_A" ethtool -K vA tso off gso off gro off >/dev/null 2>&1
			ip netns exec "$NS_B" ethtool -K vB tso off gso off gro off >/dev/null 2>&1
			local qp=""
			[ "$dp2" = 1 ] && qp=",qpairs=2"
			PG_PORT_ARGS=(--dpdk "net_af_packet0,iface=$dev$qp${PG_DPDK_EXTRA:-}")
		elif [ "$dp2" = 1 ]; then
			# The PMD counts ethtool's combined channels (veth has none): one vdev per queue.
			PG_PORT_ARGS=(--dpdk "net_af_xdp0,iface=$dev,start_queue=0${PG_DPDK_EXTRA:-}"
				--dpdk "net_af_xdp1,iface=$dev,start_queue=1${PG_DPDK_EXTRA:-}")
		else
			PG_PORT_ARGS=(--dpdk "net_af_xdp0,iface=$dev${PG_DPDK_EXTRA:-}")
		fi
		PG_PORT_ARGS+=(--ip "$ip/24")
		;;
	*) die "unknown PG_BACKEND $PG_BACKEND" ;;
	esac
	# main lcore and the first dataplane lcore share CPU 0 (the idle back-off lets them)
	[ "$dp2" = 1 ] && PG_PORT_ARGS+=(--lcores "0,0,1")
}

# Waits until a perfgen server (pid) is ready: AF_XDP has attached its XDP program to DEV
# in NS; DPDK gets a fixed delay for EAL start-up. Returns 1 if perfgen died.
pg_wait_server() {
	local pid=$1 ns=${2:-$NS_B} dev=${3:-vB}
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || return 1
		case "${PG_BACKEND:-afxdp}" in
		afxdp) ip -n "$ns" link show "$dev" | grep -q xdp && break ;;
		*) sleep 2; break ;;
		esac
		sleep 0.05
	done
	sleep 0.2
	kill -0 "$pid" 2>/dev/null
}

# The userspace netem (tests/netns/impair.c): this kernel has no sch_netem.
IMPAIR=${IMPAIR:-$(dirname "$PERFGEN")/tests/netns/impair}

# pg_ns_trio SUBNET_OCTET: A <-veth-> M <-veth-> B, one L2 segment through M:
#   A = 198.18.N.1 on vA (peer mA in M), B = 198.18.N.2 on vB (peer mB in M).
# M has no address; pg_impair_start forwards between mA and mB. IPv6 is off and the
# offloads are off on every end, so the only frames are the test's own, one per wire frame.
pg_ns_trio() {
	local n=$1 ns
	[ -x "$IMPAIR" ] || die "impair binary not found at $IMPAIR"
	for ns in "$NS_A" "$NS_M" "$NS_B"; do
		ip netns add "$ns" || die "cannot create namespace"
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
		ip -n "$ns" link set lo up
	done
	ip link add vA netns "$NS_A" type veth peer name mA netns "$NS_M" || die "cannot create veth"
	ip link add vB netns "$NS_B" type veth peer name mB netns "$NS_M" || die "cannot create veth"
	ip -n "$NS_A" addr add "198.18.$n.1/24" dev vA
	ip -n "$NS_B" addr add "198.18.$n.2/24" dev vB
	local d
	for d in "$NS_A vA" "$NS_M mA" "$NS_M mB" "$NS_B vB"; do
		set -- $d
		ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off rx off >/dev/null 2>&1
		ip -n "$1" link set "$2" up
	done
	IP_A="198.18.$n.1"
	IP_B="198.18.$n.2"
	for _ in $(seq 1 50); do
		ip -n "$NS_A" link show vA | grep -q 'state UP' &&
			ip -n "$NS_B" link show vB | grep -q 'state UP' && break
		sleep 0.05
	done
}

# pg_ns_trio_static_neigh: permanent ARP entries on A and B (no ARP through the impairment,
# so loss counts are the test traffic's own).
pg_ns_trio_static_neigh() {
	local mac_a mac_b
	mac_a=$(ip -n "$NS_A" -br link show vA | awk '{print $3}')
	mac_b=$(ip -n "$NS_B" -br link show vB | awk '{print $3}')
	ip -n "$NS_A" neigh replace "$IP_B" lladdr "$mac_b" dev vA nud permanent
	ip -n "$NS_B" neigh replace "$IP_A" lladdr "$mac_a" dev vB nud permanent
}

# pg_impair_start DELAY_US JITTER_US LOSS_PCT REORDER_PCT DUP_PCT SEED [NS IF_IN IF_OUT]
# Starts the forwarder in M (default NS_M mA mB) and waits until it is ready. Its pid is
# PG_IMPAIR_PID (also in PG_PIDS), its log (counters after pg_impair_stop) PG_IMPAIR_LOG.
pg_impair_start() {
	local delay=$1 jitter=$2 loss=$3 reorder=$4 dup=$5 seed=$6
	local ns=${7:-$NS_M} ifa=${8:-mA} ifb=${9:-mB}
	PG_IMPAIR_LOG="$PG_TMP/impair.$RANDOM.log"
	ip netns exec "$ns" "$IMPAIR" "$ifa" "$ifb" --delay-us "$delay" --jitter-us "$jitter" \
		--loss "$loss" --reorder "$reorder" --dup "$dup" --seed "$seed" >"$PG_IMPAIR_LOG" 2>&1 &
	PG_IMPAIR_PID=$!
	PG_PIDS+=($PG_IMPAIR_PID)
	for _ in $(seq 1 100); do
		grep -q 'impair: ready' "$PG_IMPAIR_LOG" 2>/dev/null && return 0
		kill -0 "$PG_IMPAIR_PID" 2>/dev/null || break
		sleep 0.02
	done
	cat "$PG_IMPAIR_LOG"
	die "impair did not start"
}

# pg_impair_stop: SIGTERM the forwarder, wait, print its counters (PG_IMPAIR_LOG keeps them).
pg_impair_stop() {
	kill -TERM "$PG_IMPAIR_PID" 2>/dev/null
	wait "$PG_IMPAIR_PID" 2>/dev/null
	grep -v ready "$PG_IMPAIR_LOG"
}

# pg_impair_count DIR FIELD: a counter from the stopped forwarder's log, DIR = a (frames
# from A, i.e. A->B) or b; FIELD = rx|fwd|lost|dup|reord|txerr|overflow|hold_p50_us (the
# median delay it actually applied, kernel receive to send).
pg_impair_count() {
	local line
	line=$(grep 'impair: m'"${1^^}"'->' "$PG_IMPAIR_LOG")
	echo "$line" | awk -v f="$2" '{for (i = 1; i < NF; i++) if ($i == f) print $(i + 1)}'
}

# pg_ptp_pair SUBNET_OCTET: a second veth between NS_A (vPa) and NS_B (vPb) carrying only
# PTP, and a free-running ptp4l on each end (software timestamping, fast intervals; A is
# the grandmaster, B slaveOnly). ptp4l NEVER adjusts the clock: free_running 1, and it
# runs without CAP_SYS_TIME. Their management sockets: PTP_UDS_A, PTP_UDS_B.
pg_ptp_pair() {
	local n=$1 s ns dev
	command -v ptp4l >/dev/null || skip "ptp4l (linuxptp) not installed: run scripts/setup.sh"
	ip link add vPa netns "$NS_A" type veth peer name vPb netns "$NS_B" || die "cannot create veth"
	ip -n "$NS_A" addr add "198.18.$n.1/24" dev vPa
	ip -n "$NS_B" addr add "198.18.$n.2/24" dev vPb
	ip -n "$NS_A" link set vPa up
	ip -n "$NS_B" link set vPb up
	for s in a b; do
		cat > "$PG_TMP/ptp-$s.conf" <<C
[global]
free_running 1
time_stamping software
logAnnounceInterval -3
announceReceiptTimeout 2
logSyncInterval -4
logMinDelayReqInterval -4
uds_address $PG_TMP/ptp4l-$s
C
	done
	echo "priority1 100" >> "$PG_TMP/ptp-a.conf"
	echo "slaveOnly 1" >> "$PG_TMP/ptp-b.conf"
	PTP_UDS_A="$PG_TMP/ptp4l-a"
	PTP_UDS_B="$PG_TMP/ptp4l-b"
	for s in a b; do
		if [ $s = a ]; then ns=$NS_A dev=vPa; else ns=$NS_B dev=vPb; fi
		ip netns exec "$ns" setpriv --bounding-set=-sys_time --inh-caps=-sys_time \
			ptp4l -f "$PG_TMP/ptp-$s.conf" -i "$dev" -m > "$PG_TMP/ptp4l-$s.log" 2>&1 &
		PG_PIDS+=($!)
	done
	# the slave reports an offset after ~1 s with these intervals
	for _ in $(seq 1 100); do
		grep -q 'UNCALIBRATED\|SLAVE' "$PG_TMP/ptp4l-b.log" && [ -S "$PTP_UDS_A" ] && break
		sleep 0.1
	done
	[ -S "$PTP_UDS_B" ] || { cat "$PG_TMP/ptp4l-b.log"; die "ptp4l did not start"; }
}
