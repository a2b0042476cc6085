#!/usr/bin/env bash
# The native AF_XDP port's contract with the kernel: while perfgen holds an interface,
# ARP, ping and kernel sockets on other ports keep working; its XDP program goes away on
# exit; a program left by a killed run (kill -9) is replaced at the next start; generic
# mode works too.
. "$(dirname "$0")/lib.sh"
pg_ns_pair 25

start_server() { # start_server [extra args] -> PG
	pg_bg "$NS_B" "$PERFGEN" --wire iperf2 --dev vB -s -u "$@" > "$PG_TMP/pg.out" 2> "$PG_TMP/pg.err"
	PG=$!
	pg_wait_server $PG "$NS_B" vB || { cat "$PG_TMP/pg.err"; die "perfgen did not start"; }
}

# 1. Coexistence: ping and a kernel UDP socket on another port, while perfgen serves 5001.
start_server
ip netns exec "$NS_A" ping -c 3 -i 0.2 -W 1 "$IP_B" > "$PG_TMP/ping.txt" 2>&1 || { cat "$PG_TMP/ping.txt"; die "ping failed while perfgen holds vB"; }
echo "ping: $(grep -o '[0-9]* received' "$PG_TMP/ping.txt")"
ip netns exec "$NS_B" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 7777)); s.settimeout(3)
d, a = s.recvfrom(100); print("kernel socket on 7777 got", d)' > "$PG_TMP/k.txt" 2>&1 &
KP=$!
PG_PIDS+=($KP)
sleep 0.3
ip netns exec "$NS_A" python3 -c '
import socket, sys; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"hello", (sys.argv[1], 7777))' "$IP_B"
wait $KP; cat "$PG_TMP/k.txt"
grep -q "got b'hello'" "$PG_TMP/k.txt" || die "a non-steered UDP port did not reach the kernel"
ip netns exec "$NS_A" timeout 20 iperf -c "$IP_B" -u -b 1M -t 1 > "$PG_TMP/c.txt" 2>&1
grep -q "Server Report:" "$PG_TMP/c.txt" || { cat "$PG_TMP/c.txt"; die "no server report"; }
kill -INT $PG; wait $PG 2>/dev/null
pg_assert_no_xdp "$NS_B" vB
echo "clean exit: no XDP program left"

# 2. kill -9 leaves the program; the next start replaces it and still serves.
start_server
kill -9 $PG; wait $PG 2>/dev/null
ip -n "$NS_B" link show vB | grep -q xdp || die "expected the killed run's XDP program to remain"
echo "after kill -9: XDP program still attached (as expected)"
start_server
for _ in $(seq 20); do grep -q "stale" "$PG_TMP/pg.err" && break; sleep 0.1; done
grep -q "stale" "$PG_TMP/pg.err" || { cat "$PG_TMP/pg.err"; die "stale program not reported"; }
cat "$PG_TMP/pg.err"
ip netns exec "$NS_A" timeout 20 iperf -c "$IP_B" -u -b 1M -t 1 > "$PG_TMP/c.txt" 2>&1
grep -q "Server Report:" "$PG_TMP/c.txt" || { cat "$PG_TMP/c.txt"; die "no server report after replacing the stale program"; }
kill -INT $PG; wait $PG 2>/dev/null
pg_assert_no_xdp "$NS_B" vB

# 3. Generic (SKB) mode.
start_server --xdp-mode generic
ip netns exec "$NS_A" timeout 20 iperf -c "$IP_B" -u -b 1M -t 1 > "$PG_TMP/c.txt" 2>&1
grep -q "Server Report:" "$PG_TMP/c.txt" || { cat "$PG_TMP/c.txt"; die "generic mode: no server report"; }
kill -INT $PG; wait $PG 2>/dev/null
grep -q "generic" "$PG_TMP/pg.out" || { cat "$PG_TMP/pg.out"; die "mode not reported as generic"; }
pg_assert_no_xdp "$NS_B" vB
echo OK
