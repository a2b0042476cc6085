#!/usr/bin/env bash
# perfgen (AF_XDP on the namespace's side of the tap, its own userspace TCP engine) against
# pgfw-host, with exact agreement between the two ends:
#   iperf2 UDP (the firmware's AckFIN is perfgen's server report), iperf2 TCP, iperf3 TCP,
#   iperf3 TCP -R and iperf3 UDP (perfgen -J against the firmware's report lines).
# Usage: host_perfgen.sh     (PGFW_HOST, PERFGEN = paths)
. "$(dirname "$0")/lib.sh"

PGFW_HOST=${PGFW_HOST:-}
PERFGEN=${PERFGEN:-}
[ -x "$PGFW_HOST" ] || die "pgfw-host not found at '$PGFW_HOST'"
[ -x "$PERFGEN" ] || skip "perfgen not built"

fw_ns_tap 72
fw_bg "$FW_LOG" "$PGFW_HOST" --tap pgtap0 --ip "$FW_IP/24"
fw_wait_up "$FW_IP"

n0=$(fw_log_lines)
fw_exec timeout 30 "$PERFGEN" --wire iperf2 --dev pgtap0 -c "$FW_IP" -u -b 10M -t 2 >"$FW_TMP/pg.txt" 2>&1
rc=$?
if [ $rc != 0 ] && grep -qi "xdp\|bpf" "$FW_TMP/pg.txt" && ! grep -q "Server Report" "$FW_TMP/pg.txt"; then
	skip "perfgen cannot open AF_XDP on a tap here: $(tail -1 "$FW_TMP/pg.txt")"
fi
[ $rc = 0 ] || die "perfgen exited $rc: $(tail -5 "$FW_TMP/pg.txt")"
fw_wait_log "iperf2 udp rx" "$n0"
total=$(fw_log_field "iperf2 udp rx" packets)
sent=$(sed -n 's/.*Sent \([0-9]*\) datagrams.*/\1/p' "$FW_TMP/pg.txt")
[ "$total" -gt 1000 ] || die "firmware counted only $total datagrams at 10 Mbit/s for 2 s"
[ "$sent" = "$total" ] || die "perfgen sent $sent datagrams, firmware counted $total"
grep -A1 "Server Report" "$FW_TMP/pg.txt" | grep -q " 0/$total " ||
	die "perfgen's server report is not 0/$total: $(grep -A1 'Server Report' "$FW_TMP/pg.txt")"
[ "$(fw_log_field "iperf2 udp rx" lost)" = 0 ] || die "firmware counted loss"
ok "perfgen iperf2 UDP -> firmware: $sent datagrams, server report 0/$total"

# pg RUN_NAME LOG_PREFIX JSON_EXPR perfgen-args...: perfgen -J, then the firmware's count
pg() {
	local name=$1 pfx=$2 expr=$3 n0
	shift 3
	n0=$(fw_log_lines)
	fw_exec timeout 30 "$PERFGEN" --dev pgtap0 -c "$FW_IP" -t 1 -J "$@" >"$FW_TMP/pg.json" 2>"$FW_TMP/pg.err" ||
		die "perfgen $name exited non-zero: $(tail -3 "$FW_TMP/pg.err")"
	fw_wait_log "$pfx" "$n0"
	PG_VAL=$(fw_json "$FW_TMP/pg.json" "$expr")
	FW_VAL=$(fw_log_field "$pfx" bytes)
	[ "$PG_VAL" -gt 0 ] || die "perfgen $name: nothing moved"
}

pg "iperf2 TCP" "iperf2 tcp rx" "d['end']['sum_sent']['bytes']" --wire iperf2
[ "$PG_VAL" = "$FW_VAL" ] || die "perfgen iperf2 TCP: perfgen $PG_VAL, firmware $FW_VAL"
ok "perfgen iperf2 TCP -> firmware: $PG_VAL bytes both ends"

pg "iperf3 TCP" "iperf3 tcp rx" "d['end']['sum_received']['bytes']"
[ "$PG_VAL" = "$FW_VAL" ] || die "perfgen iperf3 TCP: relayed $PG_VAL, firmware $FW_VAL"
sent=$(fw_json "$FW_TMP/pg.json" "d['end']['sum_sent']['bytes']")
[ "$sent" = "$FW_VAL" ] || die "perfgen iperf3 TCP: perfgen sent $sent, firmware received $FW_VAL"
ok "perfgen iperf3 TCP -> firmware: $sent bytes both ends"

pg "iperf3 TCP -R" "iperf3 tcp tx" "d['end']['sum_received']['bytes']" -R
sent=$(fw_json "$FW_TMP/pg.json" "d['end']['sum_sent']['bytes']")
[ "$sent" = "$FW_VAL" ] || die "perfgen -R: firmware sent $FW_VAL, relayed $sent"
[ "$PG_VAL" -le "$sent" ] && [ $((sent - PG_VAL)) -le 8388608 ] || die "perfgen -R: received $PG_VAL of $sent"
ok "perfgen iperf3 TCP -R: firmware sent $sent, perfgen received $PG_VAL"

pg "iperf3 UDP" "iperf3 udp rx" "d['end']['sum_received']['packets']" -u -b 10M
sp=$(fw_json "$FW_TMP/pg.json" "d['end']['sum_sent']['packets']")
[ "$sp" = "$PG_VAL" ] || die "perfgen iperf3 UDP: sent $sp datagrams, firmware counted $PG_VAL"
[ "$(fw_log_field "iperf3 udp rx" lost)" = 0 ] || die "perfgen iperf3 UDP: firmware counted loss"
ok "perfgen iperf3 UDP -> firmware: $sp datagrams, 0 lost"
echo "PASS: perfgen"
