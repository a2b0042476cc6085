#!/usr/bin/env bash
# Bad input of every kind: command-line errors are one clear line and a non-zero exit;
# malformed iperf2 datagrams at the server are counted and dropped, and the server keeps
# serving real clients afterwards.
. "$(dirname "$0")/lib.sh"
pg_ns_pair 24

expect_err() { # expect_err PATTERN ARGS...
	local pat=$1; shift
	ip netns exec "$NS_A" "$PERFGEN" --wire iperf2 "$@" > "$PG_TMP/e.txt" 2>&1
	local rc=$?
	echo "perfgen $* -> rc $rc: $(cat "$PG_TMP/e.txt")"
	[ $rc -ne 0 ] || die "exit 0 for: $*"
	[ "$(wc -l < "$PG_TMP/e.txt")" -eq 1 ] || die "not a one-line error for: $*"
	grep -qi -- "$pat" "$PG_TMP/e.txt" || die "error for '$*' does not mention '$pat'"
}
expect_err "unknown option" --frobnicate
expect_err "dev" -c "$IP_B" -u
expect_err "no such interface" --dev nosuch0 -c "$IP_B" -u
expect_err "rate" --dev vA -c "$IP_B" -u -b 10X
expect_err "whole number" --dev vA -c "$IP_B" -u -P 0
expect_err "lcores" --dev vA -c "$IP_B" -u --lcores 0,999
expect_err "exactly one" --dev vA -u
expect_err "cubic or reno" --dev vA -c "$IP_B" -C vegas
expect_err "MTU" --dev vA -c "$IP_B" -u -l 9000
expect_err "xdp-mode" --dev vA -c "$IP_B" -u --xdp-mode turbo
expect_err "iperf3 options" --dev vA -c "$IP_B" -R
# iperf3 (the default wire)
expect_err3() { # expect_err3 PATTERN ARGS...
	local pat=$1; shift
	ip netns exec "$NS_A" "$PERFGEN" "$@" > "$PG_TMP/e.txt" 2>&1
	local rc=$?
	echo "perfgen $* -> rc $rc: $(cat "$PG_TMP/e.txt")"
	[ $rc -ne 0 ] || die "exit 0 for: $*"
	[ "$(wc -l < "$PG_TMP/e.txt")" -eq 1 ] || die "not a one-line error for: $*"
	grep -qi -- "$pat" "$PG_TMP/e.txt" || die "error for '$*' does not mention '$pat'"
}
expect_err3 "exclusive" --dev vA -c "$IP_B" -R --bidir
expect_err3 "iperf2 option" --dev vA -c "$IP_B" -u --trip-times
# an iperf3 client uses every --lcores CPU, one queue each: this veth has one queue
expect_err3 "that many queues" --dev vA -c "$IP_B" -t 1 --lcores 0,0,1
# an iperf3 server (and the dual server on 5201 + 5001) listens on every --lcores CPU too
expect_err3 "that many queues" --dev vA -s -p 5201 --lcores 0,0,1
expect_err3 "that many queues" --dev vA -s --lcores 0,0,1
expect_err3 "refused" --dev vA -c "$IP_B" -t 1
expect_err3 "MTU" --dev vA -c "$IP_B" -u -l 9000
# latency options: no ptp4l at the path, PTP without trip times, bad histogram specs, unwritable files
expect_err "no such file" --dev vA -s -u --ptp "$PG_TMP/no-ptp4l-here"
printf '' | ip netns exec "$NS_A" python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); import time; time.sleep(5)" "$PG_TMP/mute.sock" &
mute=$!
sleep 0.3
expect_err "no answer from ptp4l" --dev vA -s -u --ptp "$PG_TMP/mute.sock"
kill $mute 2>/dev/null
expect_err "trip-times" --dev vA -c "$IP_B" -u --ptp "$PG_TMP/mute.sock"
expect_err "histograms" --dev vA -s -u --histograms=10x
expect_err "histograms" --dev vA -s -u --histograms=10u,0
expect_err "hdr-log" --dev vA -s -u --hdr-log /nonexistent/dir/x.hlog
expect_err "csv" --dev vA -s -u --csv /nonexistent/dir/x.csv
pg_assert_no_xdp "$NS_A" vA

# Malformed datagrams to a running server.
pg_bg "$NS_B" "$PERFGEN" --wire iperf2 --dev vB -s -u -J > "$PG_TMP/pg.json" 2> "$PG_TMP/pg.err"
PG=$!
pg_wait_server $PG "$NS_B" vB || { cat "$PG_TMP/pg.err"; die "perfgen server did not start"; }
ip netns exec "$NS_A" python3 - "$IP_B" <<'PY' || true
import socket, struct, sys
dst = (sys.argv[1], 5001)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
def hdr(flags, seq=1, id2=0):
    return struct.pack(">IIII", seq, 0, 0, id2) + struct.pack(">I", flags)
bad = [
    b"",                              # empty
    b"\x00" * 7,                      # truncated under the seq/time block
    hdr(0x48010098) + b"\x00" * 10,   # announces 76 bytes, carries 30
    hdr(0x48010004) + b"\x00" * 100,  # impossible header length
    hdr(0x48010098, seq=0xfffffff0, id2=0xffffffff) + b"\x00" * 60,  # negative seq (stale FIN) on a new flow
    bytes(range(256)) * 2,            # noise
]
for b in bad:
    for _ in range(5):
        s.sendto(b, dst)
print("sent", len(bad) * 5, "malformed datagrams")
PY
sleep 0.3
kill -0 $PG 2>/dev/null || { cat "$PG_TMP/pg.err"; die "perfgen server died on malformed input"; }
ip netns exec "$NS_A" timeout 20 iperf -c "$IP_B" -u -b 2M -t 1 > "$PG_TMP/c.txt" 2>&1 || die "iperf client failed after bad input"
cat "$PG_TMP/c.txt"
grep -q "Server Report:" "$PG_TMP/c.txt" || die "no server report after bad input"
kill -INT $PG
for _ in $(seq 1 50); do kill -0 $PG 2>/dev/null || break; sleep 0.1; done
cat "$PG_TMP/pg.err"
python3 - "$PG_TMP/pg.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
drops = d["end"]["perfgen"]["drops"]
print("drops:", drops)
assert drops.get("rx_bad_frame", 0) + drops.get("rx_bad_iperf2_header", 0) + drops.get("rx_stale_fin", 0) >= 15, "malformed datagrams not counted"
assert len(d["end"]["streams"]) == 1, "noise became a stream"
print("OK")
PY
