#!/usr/bin/env bash
# perfgen (its UDP iperf2 client on AF_XDP, bound to the namespace's side of the tap) against
# pgfw-host: the firmware's AckFIN comes back as perfgen's server report, and both ends count
# the same datagrams with zero loss.
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
ok "perfgen UDP -> firmware: $sent datagrams, server report 0/$total"
echo "PASS: perfgen"
