#!/usr/bin/env bash
# Helpers for the firmware suite: one namespace (pgfw<pid>) holding a tap whose kernel side is
# 198.18.N.1/24; the firmware (pgfw-host, or QEMU's an547 image) owns the tap's other end and
# answers on 198.18.N.2. Everything is torn down on every exit path. Exit 77 = skipped.
set -u

skip() { echo "SKIP: $*"; exit 77; }
die() { echo "FAIL: $*"; [ -n "${FW_LOG:-}" ] && [ -f "$FW_LOG" ] && { echo "--- firmware log"; tail -40 "$FW_LOG"; }; exit 1; }
ok() { echo "ok: $*"; }

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespace, tap)"
command -v ip >/dev/null || skip "iproute2 missing (run scripts/setup.sh)"
[ -c /dev/net/tun ] || skip "/dev/net/tun missing (modprobe tun)"

FW_NS="pgfw$$"
FW_TMP=$(mktemp -d /tmp/pgfw.XXXXXX)
FW_PIDS=()
FW_LOG="$FW_TMP/fw.log"

fw_cleanup() {
	local p
	for p in "${FW_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${FW_PIDS[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	ip netns del "$FW_NS" 2>/dev/null
	rm -rf "$FW_TMP"
}
trap fw_cleanup EXIT
trap 'exit 130' INT TERM

# fw_ns_tap N: namespace with tap pgtap0 at 198.18.N.1/24; the firmware will be 198.18.N.2.
fw_ns_tap() {
	local n=$1
	ip netns add "$FW_NS" || die "cannot create namespace $FW_NS"
	ip -n "$FW_NS" link set lo up
	ip -n "$FW_NS" tuntap add pgtap0 mode tap || die "cannot create tap"
	ip -n "$FW_NS" addr add "198.18.$n.1/24" dev pgtap0
	ip -n "$FW_NS" link set pgtap0 up
	FW_HOST_IP="198.18.$n.1"
	FW_IP="198.18.$n.2"
}

fw_exec() { ip netns exec "$FW_NS" "$@"; }

# Background process in the namespace; pid appended to FW_PIDS and left in FW_BG.
fw_bg() {
	local out=$1; shift
	ip netns exec "$FW_NS" "$@" >"$out" 2>&1 </dev/null &
	FW_BG=$!
	FW_PIDS+=("$FW_BG")
}

fw_stop() {
	local p=$1
	kill "$p" 2>/dev/null
	for _ in $(seq 1 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	return 0
}

# Waits until the firmware answers ARP/ICMP (up to $2 seconds).
fw_wait_up() {
	local ip=$1 secs=${2:-5} i
	for i in $(seq 1 $((secs * 10))); do
		fw_exec ping -c1 -W1 -q "$ip" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	die "firmware at $ip does not answer ping after ${secs}s"
}

# fw_log_field LINE_PREFIX KEY [NTH]: value of KEY=... in the NTH (default last) firmware log
# line starting with LINE_PREFIX.
fw_log_field() {
	local pfx=$1 key=$2
	grep -a "^$pfx" "$FW_LOG" | tail -1 | tr ' ' '\n' | sed -n "s/^$key=//p"
}

# Waits up to 5 s for a firmware log line starting with the prefix, counting from line $2.
fw_wait_log() {
	local pfx=$1 from=${2:-0}
	for _ in $(seq 1 50); do
		tail -n +"$((from + 1))" "$FW_LOG" | grep -aq "^$pfx" && return 0
		sleep 0.1
	done
	die "no firmware report line '$pfx'"
}

fw_log_lines() { wc -l <"$FW_LOG"; }

# JSON field from an iperf3 -J file: fw_json FILE 'expr on d'
fw_json() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" ||
		die "cannot read $2 from $1: $(head -c 300 "$1")"
}
