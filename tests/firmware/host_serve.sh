#!/usr/bin/env bash
# pgfw-host serving real peers through a tap in a namespace of its own:
#   iperf3 3.12: TCP, -R, UDP, UDP -R (parsing -J); iperf 2.1.8: TCP, -R, --full-duplex,
#   -r, UDP (CSV output and the relayed server report); a busy second iperf3 client.
# Asserts byte and datagram agreement between the two ends and zero loss/errors.
# Usage: host_serve.sh iperf3|iperf2     (PGFW_HOST = path of pgfw-host)
. "$(dirname "$0")/lib.sh"

what=${1:-iperf3}
PGFW_HOST=${PGFW_HOST:-}
[ -x "$PGFW_HOST" ] || die "pgfw-host not found at '$PGFW_HOST'"
command -v iperf3 >/dev/null || skip "iperf3 missing (scripts/setup.sh)"
command -v iperf >/dev/null || skip "iperf (2.1.8) missing (scripts/setup.sh)"

fw_ns_tap 70
fw_bg "$FW_LOG" "$PGFW_HOST" --tap pgtap0 --ip "$FW_IP/24"
fw_wait_up "$FW_IP"

# TCP: the sender's count may exceed the receiver's by what was still in flight when iperf3
# ended the test (its socket buffer); it never falls short.
tcp_agree() {
	local name=$1 sent=$2 recv=$3
	[ "$recv" -gt 0 ] || die "$name: nothing received"
	[ "$sent" -ge "$recv" ] || die "$name: received $recv > sent $sent"
	local slack=$((sent / 50)); [ $slack -lt 8388608 ] && slack=8388608
	[ $((sent - recv)) -le $slack ] || die "$name: sent $sent, received $recv: more than $slack apart"
}

case $what in
iperf3)
	n0=$(fw_log_lines)
	fw_exec iperf3 -c "$FW_IP" -t 1 -J >"$FW_TMP/t.json" || die "iperf3 TCP failed: $(head -c 400 "$FW_TMP/t.json")"
	[ "$(fw_json "$FW_TMP/t.json" "'error' in d")" = False ] || die "iperf3 TCP: $(fw_json "$FW_TMP/t.json" "d['error']")"
	sent=$(fw_json "$FW_TMP/t.json" "d['end']['sum_sent']['bytes']")
	recv=$(fw_json "$FW_TMP/t.json" "d['end']['sum_received']['bytes']")
	fw_wait_log "iperf3 tcp rx" "$n0"
	ours=$(fw_log_field "iperf3 tcp rx" bytes)
	[ "$ours" = "$recv" ] || die "iperf3 TCP: firmware counted $ours, relayed $recv"
	tcp_agree "iperf3 TCP" "$sent" "$recv"
	ok "iperf3 TCP: client sent $sent, firmware received $recv ($(fw_json "$FW_TMP/t.json" "round(d['end']['sum_received']['bits_per_second']/1e9,2)") Gbit/s)"

	n0=$(fw_log_lines)
	fw_exec iperf3 -c "$FW_IP" -t 1 -R -J >"$FW_TMP/r.json" || die "iperf3 -R failed: $(head -c 400 "$FW_TMP/r.json")"
	[ "$(fw_json "$FW_TMP/r.json" "'error' in d")" = False ] || die "iperf3 -R: $(fw_json "$FW_TMP/r.json" "d['error']")"
	sent=$(fw_json "$FW_TMP/r.json" "d['end']['sum_sent']['bytes']")
	recv=$(fw_json "$FW_TMP/r.json" "d['end']['sum_received']['bytes']")
	fw_wait_log "iperf3 tcp tx" "$n0"
	[ "$(fw_log_field "iperf3 tcp tx" bytes)" = "$sent" ] || die "iperf3 -R: firmware sent $(fw_log_field "iperf3 tcp tx" bytes), relayed $sent"
	tcp_agree "iperf3 -R" "$sent" "$recv"
	ok "iperf3 -R: firmware sent $sent, client received $recv ($(fw_json "$FW_TMP/r.json" "round(d['end']['sum_received']['bits_per_second']/1e9,2)") Gbit/s)"

	for rev in "" "-R"; do
		n0=$(fw_log_lines)
		fw_exec iperf3 -c "$FW_IP" -u -b 4M -l 1400 -t 1 $rev -J >"$FW_TMP/u.json" ||
			die "iperf3 UDP $rev failed: $(head -c 400 "$FW_TMP/u.json")"
		[ "$(fw_json "$FW_TMP/u.json" "'error' in d")" = False ] || die "iperf3 UDP $rev: $(fw_json "$FW_TMP/u.json" "d['error']")"
		sp=$(fw_json "$FW_TMP/u.json" "d['end']['sum_sent']['packets']")
		rp=$(fw_json "$FW_TMP/u.json" "d['end']['sum_received']['packets']")
		lost=$(fw_json "$FW_TMP/u.json" "d['end']['sum_received']['lost_packets']")
		rb=$(fw_json "$FW_TMP/u.json" "d['end']['sum_received']['bytes']")
		[ "$sp" -gt 250 ] || die "iperf3 UDP $rev: only $sp datagrams sent at 4 Mbit/s"
		if [ -z "$rev" ]; then
			[ "$sp" = "$rp" ] || die "iperf3 UDP: sent $sp datagrams, firmware received $rp"
		else
			# iperf3's client stops counting once it has sent TEST_END, so the firmware's
			# last datagram or two may land after it (not lost: no sequence gap)
			[ "$rp" -le "$sp" ] && [ $((sp - rp)) -le 2 ] || die "iperf3 UDP -R: sent $sp datagrams, client counted $rp"
		fi
		[ "$lost" = 0 ] || die "iperf3 UDP $rev: $lost lost"
		[ "$rb" = $((rp * 1400)) ] || die "iperf3 UDP $rev: $rb bytes for $rp datagrams of 1400"
		dir=rx; [ -n "$rev" ] && dir=tx
		fw_wait_log "iperf3 udp $dir" "$n0"
		[ "$(fw_log_field "iperf3 udp $dir" packets)" = "$sp" ] || die "iperf3 UDP $rev: firmware log disagrees"
		ok "iperf3 UDP ${rev:-forward}: $sp sent, $rp received, 0 lost"
	done

	# -P 2 (stream ids 1 and 3), 64-bit UDP counters, a byte count instead of a time
	n0=$(fw_log_lines)
	fw_exec iperf3 -c "$FW_IP" -t 1 -P 2 -J >"$FW_TMP/p.json" || die "iperf3 -P 2 failed: $(head -c 400 "$FW_TMP/p.json")"
	recv=$(fw_json "$FW_TMP/p.json" "d['end']['sum_received']['bytes']")
	[ "$(fw_json "$FW_TMP/p.json" "len(d['end']['streams'])")" = 2 ] || die "iperf3 -P 2: not two streams"
	fw_wait_log "iperf3 tcp rx streams=2" "$n0"
	[ "$(fw_log_field "iperf3 tcp rx streams=2" bytes)" = "$recv" ] || die "iperf3 -P 2: firmware and relayed totals differ"
	ok "iperf3 -P 2: $recv bytes over two streams"
	fw_exec iperf3 -c "$FW_IP" -u -b 5M -t 1 --udp-counters-64bit -J >"$FW_TMP/u64.json" || die "iperf3 --udp-counters-64bit failed"
	[ "$(fw_json "$FW_TMP/u64.json" "d['end']['sum_received']['packets'] == d['end']['sum_sent']['packets'] and d['end']['sum_received']['lost_packets'] == 0")" = True ] ||
		die "iperf3 --udp-counters-64bit: counts differ or loss"
	ok "iperf3 UDP with 64-bit counters: $(fw_json "$FW_TMP/u64.json" "d['end']['sum_received']['packets']") datagrams, 0 lost"
	fw_exec iperf3 -c "$FW_IP" -n 20K -l 1000 -J >"$FW_TMP/n.json" || die "iperf3 -n failed"
	[ "$(fw_json "$FW_TMP/n.json" "d['end']['sum_received']['bytes']")" = 21000 ] || die "iperf3 -n 20K -l 1000: firmware did not get 21000 bytes"
	ok "iperf3 -n 20K -l 1000: 21000 bytes"
	fw_exec iperf3 -c "$FW_IP" -t 1 --bidir >"$FW_TMP/bidir.txt" 2>&1 && die "--bidir was accepted but is not implemented"
	grep -q "error" "$FW_TMP/bidir.txt" || die "--bidir: no error shown: $(cat "$FW_TMP/bidir.txt")"
	ok "iperf3 --bidir refused with a server error (not implemented)"

	# A second control connection while a test runs gets ACCESS_DENIED (iperf3: "busy").
	fw_exec iperf3 -c "$FW_IP" -t 3 >"$FW_TMP/long.txt" 2>&1 &
	long=$!
	sleep 1
	fw_exec iperf3 -c "$FW_IP" -t 1 >"$FW_TMP/busy.txt" 2>&1 && die "second iperf3 client was not refused"
	grep -q "busy" "$FW_TMP/busy.txt" || die "second client: $(cat "$FW_TMP/busy.txt")"
	wait $long || die "first client failed while a second was refused: $(tail -3 "$FW_TMP/long.txt")"
	ok "iperf3: a second client is told the server is busy, the first completes"
	;;
iperf2)
	# CSV: ...,interval,bytes,bits/s[,jitter,lost,total,...]
	csv() { sed -n "${2:-1}p" "$1" | cut -d, -f"$3"; }
	n0=$(fw_log_lines)
	fw_exec timeout -s KILL 30 iperf -c "$FW_IP" -t 1 -y C >"$FW_TMP/t.csv" 2>"$FW_TMP/t.err" || die "iperf TCP failed: $(cat "$FW_TMP/t.err")"
	fw_wait_log "iperf2 tcp rx" "$n0"
	cb=$(csv "$FW_TMP/t.csv" 1 8)
	[ "$(fw_log_field "iperf2 tcp rx" bytes)" = "$cb" ] || die "iperf2 TCP: client wrote $cb, firmware read $(fw_log_field "iperf2 tcp rx" bytes)"
	ok "iperf2 TCP: $cb bytes both ends ($(( $(csv "$FW_TMP/t.csv" 1 9) / 1000000 )) Mbit/s)"

	n0=$(fw_log_lines)
	fw_exec timeout -s KILL 30 iperf -c "$FW_IP" -t 1 -R -y C >"$FW_TMP/r.csv" 2>"$FW_TMP/r.err" || die "iperf -R failed: $(cat "$FW_TMP/r.err")"
	fw_wait_log "iperf2 tcp tx" "$n0"
	cb=$(csv "$FW_TMP/r.csv" 1 8)
	[ "$(fw_log_field "iperf2 tcp tx" bytes)" = "$cb" ] || die "iperf2 -R: firmware sent $(fw_log_field "iperf2 tcp tx" bytes), client read $cb"
	ok "iperf2 -R: $cb bytes both ends ($(( $(csv "$FW_TMP/r.csv" 1 9) / 1000000 )) Mbit/s)"

	# iperf 2.1.8's --full-duplex client now and then never finishes when the two CPUs are
	# saturated (seen once in a full-suite run, never alone): a second try says whether the
	# firmware is at fault, and the first failure is shown
	for try in 1 2; do
		n0=$(fw_log_lines)
		fw_exec timeout -s KILL 30 iperf -c "$FW_IP" -t 1 --full-duplex -y C >"$FW_TMP/f.csv" 2>"$FW_TMP/f.err" && break
		[ $try = 2 ] && die "iperf --full-duplex failed twice: $(cat "$FW_TMP/f.err")"
		echo "note: iperf --full-duplex did not finish within 30 s; once more"
	done
	fw_wait_log "iperf2 tcp rx" "$n0"
	# the sending line names the client's address first; the receiving one has no peer (::)
	up=$(grep "^[0-9]*,$FW_HOST_IP," "$FW_TMP/f.csv" | head -1 | cut -d, -f8)
	down=$(grep ",::," "$FW_TMP/f.csv" | head -1 | cut -d, -f8)
	[ "$(fw_log_field "iperf2 tcp rx" bytes)" = "$up" ] || die "full-duplex up: client $up, firmware $(fw_log_field "iperf2 tcp rx" bytes) ($(cat "$FW_TMP/f.csv"))"
	[ "$(fw_log_field "iperf2 tcp tx" bytes)" = "$down" ] || die "full-duplex down: firmware $(fw_log_field "iperf2 tcp tx" bytes), client $down ($(cat "$FW_TMP/f.csv"))"
	ok "iperf2 --full-duplex: up $up, down $down bytes, both ends agree"

	# -r (tradeoff): after the forward test the firmware connects back to the client's port
	n0=$(fw_log_lines)
	fw_exec timeout -s KILL 30 iperf -c "$FW_IP" -t 1 -r -y C >"$FW_TMP/d.csv" 2>"$FW_TMP/d.err" || die "iperf -r failed: $(cat "$FW_TMP/d.err")"
	fw_wait_log "iperf2 tcp tx" "$n0"
	up=$(grep "^[0-9]*,$FW_HOST_IP," "$FW_TMP/d.csv" | head -1 | cut -d, -f8)
	down=$(grep "^[0-9]*,$FW_IP," "$FW_TMP/d.csv" | head -1 | cut -d, -f8)
	[ "$(fw_log_field "iperf2 tcp rx" bytes)" = "$up" ] || die "-r forward: client $up, firmware $(fw_log_field "iperf2 tcp rx" bytes)"
	[ "$(fw_log_field "iperf2 tcp tx" bytes)" = "$down" ] || die "-r back-connection: firmware $(fw_log_field "iperf2 tcp tx" bytes), client $down"
	ok "iperf2 -r: forward $up, back-connection $down bytes, both ends agree"

	# UDP -R: the firmware paces datagrams from 5001 and ends with one negative-sequence FIN
	n0=$(fw_log_lines)
	fw_exec timeout -s KILL 30 iperf -c "$FW_IP" -u -b 4M -t 1 -R >"$FW_TMP/ur.txt" 2>&1 || die "iperf -u -R failed: $(tail -3 "$FW_TMP/ur.txt")"
	fw_wait_log "iperf2 udp tx" "$n0"
	sent=$(fw_log_field "iperf2 udp tx" packets)
	grep -q " 0/$((sent + 1)) " "$FW_TMP/ur.txt" || die "iperf -u -R: client line is not 0/$((sent + 1)): $(tail -2 "$FW_TMP/ur.txt")"
	ok "iperf2 UDP -R: $sent datagrams + FIN, client counts 0/$((sent + 1))"

	n0=$(fw_log_lines)
	fw_exec timeout -s KILL 30 iperf -c "$FW_IP" -u -b 10M -t 1 -e >"$FW_TMP/u.txt" 2>&1 || die "iperf UDP failed: $(tail -3 "$FW_TMP/u.txt")"
	grep -q "Server Report" "$FW_TMP/u.txt" || die "iperf UDP: no server report: $(cat "$FW_TMP/u.txt")"
	grep -q "did not receive ack" "$FW_TMP/u.txt" && die "iperf UDP: client got no AckFIN"
	fw_wait_log "iperf2 udp rx" "$n0"
	total=$(fw_log_field "iperf2 udp rx" packets)
	grep -A2 "Server Report" "$FW_TMP/u.txt" | grep -q " 0/$total " || die "iperf UDP: server report is not 0/$total: $(grep -A2 'Server Report' "$FW_TMP/u.txt")"
	[ "$(fw_log_field "iperf2 udp rx" lost)" = 0 ] || die "iperf UDP: firmware counted loss"
	ok "iperf2 UDP: server report 0/$total relayed to the client"
	;;
badinput)
	# Garbage on every port and protocol must be dropped (the firmware keeps serving).
	fw_exec /usr/bin/env python3 - "$FW_IP" <<'PY' || die "bad-input driver failed"
import os, socket, struct, sys, time
ip = sys.argv[1]
def tcp(port, data, wait=0.3):
    s = socket.create_connection((ip, port), timeout=3)
    s.sendall(data)
    time.sleep(wait)
    try:
        s.settimeout(1)
        r = s.recv(64)
    except OSError:
        r = b""
    s.close()
    return r
cookie = b"a" * 36 + b"\0"
# iperf3: a length prefix far beyond any JSON, then malformed JSON, then a bogus state byte
assert tcp(5201, cookie + struct.pack(">I", 0xFFFFFFF0))[:1] == b"\x09"
r = tcp(5201, cookie + struct.pack(">I", 9) + b"{\"tcp\":tr")
assert r[:1] == b"\x09" and b"\xfe" in r, r
tcp(5201, cookie + struct.pack(">I", 2) + b"{}" + b"\x63")
tcp(5201, os.urandom(3000))
# iperf2 TCP: random bytes, a header announcing an absurd length, a truncated header
tcp(5001, os.urandom(5000))
tcp(5001, struct.pack(">I", 0x400101FE) + b"x" * 10)
tcp(5001, struct.pack(">I", 0x40010078))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for n in (0, 1, 15, 16, 17, 40, 200, 1470):
    for _ in range(20):
        u.sendto(os.urandom(n), (ip, 5001))
        u.sendto(os.urandom(n), (ip, 5201))
# negative-sequence datagrams only (stale FINs), and a -R header with absurd rate
u.sendto(struct.pack(">iIIi", -5, 0, 0, -1) + b"\0" * 60, (ip, 5001))
print("garbage sent")
PY
	sleep 0.5
	kill -0 "$FW_BG" 2>/dev/null || die "firmware died on bad input"
	fw_exec iperf3 -c "$FW_IP" -t 1 -J >"$FW_TMP/after.json" || die "iperf3 after bad input failed: $(head -c 300 "$FW_TMP/after.json")"
	[ "$(fw_json "$FW_TMP/after.json" "'error' in d")" = False ] || die "iperf3 after bad input: $(fw_json "$FW_TMP/after.json" "d['error']")"
	fw_exec timeout -s KILL 30 iperf -c "$FW_IP" -u -b 5M -t 1 -e >"$FW_TMP/after.txt" 2>&1 || die "iperf UDP after bad input failed"
	grep -q "Server Report" "$FW_TMP/after.txt" || die "no server report after bad input"
	ok "bad input on 5001/5201 (TCP and UDP) dropped; iperf3 and iperf2 still served"
	;;
*) die "unknown group $what";;
esac
echo "PASS: $what"
