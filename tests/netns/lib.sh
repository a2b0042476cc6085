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
