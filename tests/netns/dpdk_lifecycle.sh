#!/usr/bin/env bash
# DPDK backend edges: each bad input (missing device, kernel-bound PCI device, vdev on a
# missing interface, no --ip, CPUs that do not exist, no hugepages, a bad --eal) is one
# line + non-zero exit; --no-huge works; --no-peer into net_null reports per-lcore rates;
# Ctrl-C stops a running client cleanly; nothing is left in hugetlbfs or /var/run/dpdk.
. "$(dirname "$0")/lib.sh"
"$PERFGEN" --help | grep -q -- '--dpdk' || skip "perfgen built without DPDK"
pg_ns_pair 25

leftovers() { # perfgen files in hugetlbfs + perfgen runtime dirs
	local h d
	h=$(find /dev/hugepages -maxdepth 1 -name 'perfgen*' 2>/dev/null | wc -l)
	d=$(find /var/run/dpdk -maxdepth 1 -name 'perfgen*' 2>/dev/null | wc -l)
	echo $((h + d))
}
before=$(leftovers)

expect_err() { # expect_err PATTERN ARGS...
	local pat=$1; shift
	ip netns exec "$NS_A" "$PERFGEN" --wire iperf2 "$@" > "$PG_TMP/e.txt" 2>&1
	local rc=$?
	echo "perfgen $* -> rc $rc: $(cat "$PG_TMP/e.txt")"
	[ $rc -ne 0 ] || die "exit 0 for: $*"
	[ "$(wc -l < "$PG_TMP/e.txt")" -eq 1 ] || die "not a one-line error for: $*"
	grep -qi -- "$pat" "$PG_TMP/e.txt" || die "error for '$*' does not mention '$pat'"
}
expect_err "no PCI device" --dpdk 0000:7f:1f.7 --ip "$IP_A/24" -c "$IP_B" -u -t 1
kbound=""
for d in /sys/bus/pci/devices/*; do
	drv=$(basename "$(readlink "$d/driver" 2>/dev/null)" 2>/dev/null)
	case "$drv" in ""|vfio-pci|uio_pci_generic|igb_uio) ;; *) kbound=$(basename "$d"); break ;; esac
done
if [ -n "$kbound" ]; then
	expect_err "dpdk-devbind" --dpdk "$kbound" --ip "$IP_A/24" -c "$IP_B" -u -t 1
else
	echo "(no kernel-bound PCI device on this machine: that case is not exercised)"
fi
expect_err "no interface" --dpdk net_af_packet0,iface=nosuch0 --ip "$IP_A/24" -c "$IP_B" -u -t 1
expect_err "needs --ip" --dpdk net_af_packet0,iface=vA -c "$IP_B" -u -t 1
expect_err "does not exist" --dpdk net_null0 --ip "$IP_A/24" --lcores 0,4095 -c "$IP_B" -u -t 1
expect_err "EAL" --dpdk net_null0 --ip "$IP_A/24" --eal "--no-such-eal-flag" -c "$IP_B" -u -t 1
expect_err "devices for" --dpdk net_null0 --dpdk net_null1 --ip "$IP_A/24" --lcores 0,1 -c "$IP_B" -u -t 1

# No hugepages: reserve none for a moment (restored on every exit path).
hp=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
if [ -w "$hp" ]; then
	saved=$(cat $hp)
	trap 'echo "$saved" > '"$hp"'; pg_cleanup' EXIT
	echo 0 > $hp
	expect_err "hugepages" --dpdk net_null0 --ip "$IP_A/24" --no-peer -c "$IP_B" -u -t 0.5
	# ... and --no-huge runs without them
	ip netns exec "$NS_A" "$PERFGEN" --dpdk net_null0,no-rx=1 --ip "$IP_A/24" --eal "--no-huge" \
		--no-peer -c "$IP_B" -u -l 18 -b 0 -t 0.5 -J > "$PG_TMP/nohuge.json" 2> "$PG_TMP/nohuge.err"
	rc=$?
	echo "$saved" > $hp
	cat "$PG_TMP/nohuge.err"
	[ $rc -eq 0 ] || die "--no-huge run exited $rc"
	pkts=$(pg_json "$PG_TMP/nohuge.json" "d['end']['sum_sent']['packets']")
	echo "--no-huge: sent $pkts datagrams into net_null"
	[ "$pkts" -gt 1000 ] || die "--no-huge run sent only $pkts"
fi

# --no-peer into net_null, two dataplane lcores (two devices), unpaced: per-lcore rates.
ip netns exec "$NS_A" "$PERFGEN" --dpdk net_null0,no-rx=1 --dpdk net_null1,no-rx=1 --ip "$IP_A/24" \
	--lcores 0,0,1 --no-peer -c "$IP_B" -u -l 18 -b 0 -t 1 -P 4 -J > "$PG_TMP/null.json" 2> "$PG_TMP/null.err"
rc=$?
cat "$PG_TMP/null.err"
[ $rc -eq 0 ] || die "--no-peer run exited $rc"
python3 - "$PG_TMP/null.json" <<'PY' || die "--no-peer report"
import json, sys
d = json.load(open(sys.argv[1]))
e = d["end"]
l = e["perfgen"]["lcores"]
for x in l:
    print(f"lcore {x['lcore']}: {x['packets']} pkts, {x['packets_per_second']/1e6:.2f} Mpps, "
          f"{x['bits_per_second']/1e9:.2f} Gbit/s, {x['cycles_per_packet']:.0f} cycles/pkt")
assert len(l) == 2, "two lcores expected"
assert sum(x["packets"] for x in l) == e["sum_sent"]["packets"], "lcore sums != streams"
assert all(x["packets"] > 1000 for x in l)
assert len(e["streams"]) == 4
PY

# Ctrl-C during a DPDK run: the report is printed, exit 0/1, nothing left behind.
PG_BACKEND=dpdk-afpacket
pg_port_args "$NS_A" vA "$IP_A"
ip netns exec "$NS_B" iperf -s -u > /dev/null 2>&1 &
PG_PIDS+=($!)
ip netns exec "$NS_A" "$PERFGEN" --wire iperf2 "${PG_PORT_ARGS[@]}" -c "$IP_B" -u -b 1M -t 30 > "$PG_TMP/int.txt" 2>&1 &
pid=$!
PG_PIDS+=($pid)
sleep 3
kill -INT $pid
for _ in $(seq 1 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
kill -0 $pid 2>/dev/null && die "perfgen still running 5 s after Ctrl-C"
wait $pid; rc=$?
cat "$PG_TMP/int.txt"
[ $rc -le 1 ] || die "perfgen exited $rc after Ctrl-C"
grep -q "Sent [0-9]* datagrams" "$PG_TMP/int.txt" || die "no final report after Ctrl-C"
after=$(leftovers)
[ "$after" -le "$before" ] || die "DPDK left files behind (hugetlbfs or /var/run/dpdk)"
echo OK
