#!/usr/bin/env bash
# iperf2 UDP both roles through DPDK's net_tap: perfgen owns one end of a tap it creates in
# a namespace of the test; real iperf 2.1.8 uses the kernel end of it in that namespace.
. "$(dirname "$0")/lib.sh"
"$PERFGEN" --help | grep -q -- '--dpdk' || skip "perfgen built without DPDK"
command -v iperf >/dev/null || skip "iperf (2.1.8) not installed: run scripts/setup.sh"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
ip netns add "$NS_A" || die "cannot create namespace"
ip -n "$NS_A" link set lo up
TAP=pgtap$$
KIP=198.18.26.1 PIP=198.18.26.2

# Gives the kernel end of the tap its address as soon as perfgen has created it.
tap_up() {
	for _ in $(seq 1 100); do
		ip -n "$NS_A" link show "$TAP" >/dev/null 2>&1 && break
		sleep 0.05
	done
	ip -n "$NS_A" addr add "$KIP/24" dev "$TAP" || die "tap $TAP did not appear"
	ip -n "$NS_A" link set "$TAP" up
}

# perfgen -s, iperf -c
pg_bg "$NS_A" "$PERFGEN" --wire iperf2 --dpdk "net_tap0,iface=$TAP" --ip "$PIP/24" -s -u -1 -J > "$PG_TMP/srv.json" 2> "$PG_TMP/srv.err"
PG=$!
tap_up
sleep 1
ip netns exec "$NS_A" timeout 20 iperf -c "$PIP" -u -b 5M -t 2 -e > "$PG_TMP/cli.txt" 2>&1
rc=$?
cat "$PG_TMP/cli.txt"
[ $rc -eq 0 ] || die "iperf client exited $rc"
grep -q "Server Report:" "$PG_TMP/cli.txt" || die "iperf got no server report from perfgen"
for _ in $(seq 1 50); do kill -0 $PG 2>/dev/null || break; sleep 0.1; done
cat "$PG_TMP/srv.err"
kill -0 $PG 2>/dev/null && die "perfgen -s -1 did not exit after the test"
sent=$(sed -n 's/.*Sent \([0-9]*\) datagrams.*/\1/p' "$PG_TMP/cli.txt" | tail -1)
got=$(pg_json "$PG_TMP/srv.json" "d['end']['sum']['packets']")
lost=$(pg_json "$PG_TMP/srv.json" "d['end']['sum']['lost_packets']")
echo "server role: iperf sent $sent, perfgen counted $got, lost $lost"
[ "$lost" -eq 0 ] && [ "$got" -ge $((sent - 1)) ] || die "perfgen server over net_tap lost datagrams"
ip -n "$NS_A" link show "$TAP" >/dev/null 2>&1 && die "tap left behind after exit"

# perfgen -c, iperf -s
TAP=pgtap$$c
pg_bg "$NS_A" iperf -s -u -e > "$PG_TMP/iperf.txt" 2>&1
( tap_up ) &
tp=$!
ip netns exec "$NS_A" "$PERFGEN" --wire iperf2 --dpdk "net_tap0,iface=$TAP" --ip "$PIP/24" -c "$KIP" -u -b 5M -t 2 \
	--resolve-timeout 8000 -J > "$PG_TMP/cli.json" 2> "$PG_TMP/cli.err"
rc=$?
wait $tp
cat "$PG_TMP/cli.err"
[ $rc -eq 0 ] || die "perfgen client exited $rc"
sleep 0.3
cat "$PG_TMP/iperf.txt"
python3 - "$PG_TMP/cli.json" <<'PY' || die "client role"
import json, sys
e = json.load(open(sys.argv[1]))["end"]
sent, recv = e["sum_sent"]["packets"], e["sum_received"]["packets"]
print(f"client role: perfgen sent {sent}, iperf server total {recv} (incl. FIN), lost {e['sum']['lost_packets']}")
assert recv == sent + 1 and e["sum"]["lost_packets"] == 0
PY
echo OK
