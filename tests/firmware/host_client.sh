#!/usr/bin/env bash
# The firmware's client roles (its test API through the console) against real servers in a
# namespace: tcp_send_test / tcp_recv_test / udp_send_test / udp_recv_test against
# `iperf3 -s -1 -J`, iperf2_tcp against `iperf -s`, iperf2_udp against `iperf -s -u` (server
# report relayed back). Asserts byte/datagram agreement and zero loss. UDP rates stay low
# (4 Mbit/s) where a kernel-socket iperf receives: on a loaded 2-core machine a descheduled
# iperf overflows its default socket buffer at higher rates, which is not the firmware's loss.
# Usage: host_client.sh    (PGFW_HOST = path of pgfw-host)
. "$(dirname "$0")/lib.sh"

PGFW_HOST=${PGFW_HOST:-}
[ -x "$PGFW_HOST" ] || die "pgfw-host not found at '$PGFW_HOST'"
command -v iperf3 >/dev/null || skip "iperf3 missing (scripts/setup.sh)"
command -v iperf >/dev/null || skip "iperf (2.1.8) missing (scripts/setup.sh)"

fw_ns_tap 71

# run_client SERVER_CMD... -- FIRMWARE_COMMAND: starts the server, runs pgfw-host --run,
# leaves the server output in $FW_TMP/srv.out and the result line fields in R_*.
run_client() {
	local args=() cmd
	while [ "$1" != "--" ]; do args+=("$1"); shift; done
	shift
	cmd=$1
	fw_bg "$FW_TMP/srv.out" "${args[@]}"
	local srv=$FW_BG
	sleep 0.3
	fw_exec timeout 30 "$PGFW_HOST" --tap pgtap0 --ip "$FW_IP/24" --run "$cmd" >"$FW_LOG" 2>&1
	local rc=$?
	# iperf3 -s -1 exits by itself; iperf2 servers are stopped here
	for _ in $(seq 1 30); do kill -0 "$srv" 2>/dev/null || break; sleep 0.1; done
	fw_stop "$srv"
	[ $rc = 0 ] || die "'$cmd' exited $rc"
	grep -q "^result: ok" "$FW_LOG" || die "'$cmd': no ok result"
	R_BYTES=$(fw_log_field "result: ok" bytes)
	R_PEER_BYTES=$(fw_log_field "result: ok" peer_bytes)
	R_PACKETS=$(fw_log_field "result: ok" packets)
	R_PEER_PACKETS=$(fw_log_field "result: ok" peer_packets)
	R_LOST=$(fw_log_field "result: ok" lost)
	R_MBPS=$(fw_log_field "result: ok" mbps)
}

srv_json() { fw_json "$FW_TMP/srv.out" "$1"; }

run_client iperf3 -s -1 -J -B "$FW_HOST_IP" -- "tcp_send_test $FW_HOST_IP 5201 1000 0"
[ "$(srv_json "'error' in d")" = False ] || die "iperf3 -s: $(srv_json "d['error']")"
got=$(srv_json "d['end']['sum_received']['bytes']")
[ "$got" = "$R_BYTES" ] || die "tcp_send_test: firmware sent $R_BYTES, iperf3 -s received $got"
[ "$R_PEER_BYTES" = "$got" ] || die "tcp_send_test: relayed results $R_PEER_BYTES != $got"
ok "tcp_send_test: $R_BYTES bytes, iperf3 -s agrees ($R_MBPS Mbit/s)"

run_client iperf3 -s -1 -J -B "$FW_HOST_IP" -- "tcp_recv_test $FW_HOST_IP 5201 1000 0"
[ "$(srv_json "'error' in d")" = False ] || die "iperf3 -s: $(srv_json "d['error']")"
sent=$(srv_json "d['end']['sum_sent']['bytes']")
[ "$R_BYTES" -gt 0 ] && [ "$R_BYTES" -le "$sent" ] || die "tcp_recv_test: received $R_BYTES of $sent"
slack=$((sent / 50)); [ $slack -lt 8388608 ] && slack=8388608
[ $((sent - R_BYTES)) -le $slack ] || die "tcp_recv_test: received $R_BYTES, server sent $sent"
ok "tcp_recv_test: server sent $sent, firmware received $R_BYTES ($R_MBPS Mbit/s)"

run_client iperf3 -s -1 -J -B "$FW_HOST_IP" -- "udp_send_test $FW_HOST_IP 5201 1000 1400 4M"
[ "$(srv_json "'error' in d")" = False ] || die "iperf3 -s: $(srv_json "d['error']")"
rp=$(srv_json "d['end']['sum_received']['packets']")
lost=$(srv_json "d['end']['sum_received']['lost_packets']")
[ "$R_PACKETS" -gt 250 ] || die "udp_send_test: only $R_PACKETS datagrams at 4 Mbit/s"
[ "$rp" = "$R_PACKETS" ] || die "udp_send_test: sent $R_PACKETS datagrams, iperf3 -s counted $rp"
[ "$lost" = 0 ] || die "udp_send_test: iperf3 -s lost $lost"
ok "udp_send_test: $R_PACKETS datagrams, iperf3 -s counted $rp, 0 lost"

run_client iperf3 -s -1 -J -B "$FW_HOST_IP" -- "udp_recv_test $FW_HOST_IP 5201 1000 1400 10M"
[ "$(srv_json "'error' in d")" = False ] || die "iperf3 -s: $(srv_json "d['error']")"
sp=$(srv_json "d['end']['sum_sent']['packets']")
[ "$sp" = "$R_PACKETS" ] || die "udp_recv_test: server sent $sp datagrams, firmware saw $R_PACKETS"
[ "$R_LOST" = 0 ] || die "udp_recv_test: firmware lost $R_LOST"
ok "udp_recv_test: $sp datagrams, 0 lost"

run_client iperf -s -B "$FW_HOST_IP" -y C -- "iperf2_tcp $FW_HOST_IP 5001 1000 0"
got=$(grep -m1 ",$FW_HOST_IP,5001," "$FW_TMP/srv.out" | cut -d, -f8)
[ "$got" = "$R_BYTES" ] || die "iperf2_tcp: firmware sent $R_BYTES, iperf -s read '$got' ($(cat "$FW_TMP/srv.out"))"
ok "iperf2_tcp: $R_BYTES bytes, iperf -s agrees ($R_MBPS Mbit/s)"

run_client iperf -s -u -B "$FW_HOST_IP" -e -- "iperf2_udp $FW_HOST_IP 5001 1000 1470 4M"
[ "$R_PEER_PACKETS" = $((R_PACKETS + 1)) ] || die "iperf2_udp: sent $R_PACKETS (+FIN), server report says $R_PEER_PACKETS"
[ "$R_LOST" = 0 ] || die "iperf2_udp: server report has $R_LOST lost"
grep -q " 0/$R_PEER_PACKETS " "$FW_TMP/srv.out" || die "iperf2_udp: iperf -s line is not 0/$R_PEER_PACKETS: $(cat "$FW_TMP/srv.out")"
ok "iperf2_udp: $R_PACKETS datagrams + FIN, server report 0/$R_PEER_PACKETS"
run_client iperf -s -u -B "$FW_HOST_IP" -e -- "iperf2_udp $FW_HOST_IP 5001 1000 200 1M trip"
grep -q "(trip-times)" "$FW_TMP/srv.out" || die "iperf2_udp trip: the server did not see trip-times: $(cat "$FW_TMP/srv.out")"
grep -q "Latency avg/min/max" "$FW_TMP/srv.out" || die "iperf2_udp trip: no latency column"
grep -q " 0/$R_PEER_PACKETS " "$FW_TMP/srv.out" || die "iperf2_udp trip: server line is not 0/$R_PEER_PACKETS"
ok "iperf2_udp --trip-times: server reports one-way latency, 0/$R_PEER_PACKETS"
echo "PASS: client"
