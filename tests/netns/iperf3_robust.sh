#!/usr/bin/env bash
# The perfgen iperf3 server keeps serving after bad clients: one that vanishes mid-test
# (a real iperf3 -c killed with SIGKILL), a data stream with a wrong cookie, a params
# JSON announcing 4 GiB, invalid JSON, unknown keys, and a client that never sends
# anything. Each case is logged once and counted; afterwards a real iperf3 test still
# agrees to the byte, and at exit no connection slot is left in use.
. "$(dirname "$0")/lib.sh"
command -v iperf3 >/dev/null || skip "iperf3 (3.12) not installed: run scripts/setup.sh"
pg_ns_pair 84
pg_port_args "$NS_B" vB "$IP_B"
pg_bg "$NS_B" "$PERFGEN" "${PG_PORT_ARGS[@]}" -s -J --max-clients 3 > "$PG_TMP/s.json" 2> "$PG_TMP/s.err"
S=$!
pg_wait_server $S || { cat "$PG_TMP/s.err"; die "perfgen server did not start"; }

# 1. a client that vanishes mid-test
pg_bg "$NS_A" iperf3 -c "$IP_B" -t 10 > /dev/null 2>&1
V=$!
sleep 1.5
kill -9 $V 2>/dev/null
wait $V 2>/dev/null

# 2-6. hand-made clients (stdlib sockets)
ip netns exec "$NS_A" timeout 60 python3 - "$IP_B" <<'PY' || die "bad-client script failed"
import json, random, socket, struct, sys, time
host = sys.argv[1]

def cookie():  # a fresh one per test, as iperf3 draws them
    return "".join(random.choice("abcdefghijklmnopqrstuvwxyz234567") for _ in range(36)).encode() + b"\0"

def conn():
    s = socket.create_connection((host, 5201), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s

def read1(s):
    b = s.recv(1)
    return b[0] if b else None

def params(extra=None):
    p = {"tcp": True, "omit": 0, "time": 1, "num": 0, "blockcount": 0, "parallel": 1, "len": 131072,
         "pacing_timer": 1000, "client_version": "3.12"}
    if extra:
        p.update(extra)
    return json.dumps(p, separators=(",", ":")).encode()

def start():
    s = conn()
    s.sendall(cookie())
    st = read1(s)
    assert st == 9, f"expected PARAM_EXCHANGE, got {st}"
    return s

def closed_or_error(s):
    """The server ends the control connection (maybe after a 0xfe/0xff byte)."""
    s.settimeout(10)
    data = b""
    while True:
        try:
            b = s.recv(100)
        except ConnectionResetError:
            return data
        if not b:
            return data
        data += b

# wrong cookie on a data stream: the test expects one stream; a connection with a malformed
# cookie gets the single byte 0xff and is closed; the test itself is then abandoned
s = start()
s.sendall(struct.pack(">I", len(params())) + params())
assert read1(s) == 10, "no CREATE_STREAMS"
d = conn()
d.sendall(b"WRONG-COOKIE-WRONG-COOKIE-WRONG-COOK\0")
got = closed_or_error(d)
print("wrong cookie answered", got.hex())
assert got == b"\xff", got
s.close()
time.sleep(0.3)

# params with a 4 GiB length prefix
s = start()
s.sendall(b"\xff\xff\xff\xff")
print("4 GiB prefix: server sent", closed_or_error(s).hex(), "and closed")

# invalid JSON
s = start()
s.sendall(struct.pack(">I", 9) + b"{not json")
print("invalid JSON: server sent", closed_or_error(s).hex(), "and closed")

# unknown keys are ignored, as iperf3 does: the test goes on to CREATE_STREAMS
s = start()
p = params({"mptcp": 1, "gso": 1, "skip_rx_copy": 1, "perfgen_unknown_key": [1, 2, 3]})
s.sendall(struct.pack(">I", len(p)) + p)
st = read1(s)
print("unknown keys: state", st)
assert st == 10, f"unknown keys refused (state {st})"
s.close()

# --max-clients 3: a fourth control connection gets iperf3's busy answer, 0xff, unread
busy = [start() for _ in range(3)]
b = conn()
b.sendall(cookie())
got = closed_or_error(b)
print("fourth client answered", got.hex())
assert got == b"\xff", got
for x in busy:
    x.close()
time.sleep(0.5)

# a client that never sends anything (not even its cookie), and one that stops after it
q = conn()
q2 = start()
time.sleep(6.5)
assert closed_or_error(q) == b"", "silent connection got bytes"
closed_or_error(q2)
print("silent clients dropped")
PY

# the server still serves a real client, to the byte
ip netns exec "$NS_A" timeout 30 iperf3 -c "$IP_B" -t 1 -J > "$PG_TMP/c.json" 2>&1 || { cat "$PG_TMP/c.json"; die "iperf3 after the bad clients failed"; }
sleep 0.5
kill -INT $S
wait $S
src=$?
cat "$PG_TMP/s.err"
[ $src -eq 0 ] || die "perfgen -s exited $src after Ctrl-C"
python3 - "$PG_TMP/c.json" "$PG_TMP/s.err" <<'PY' || die "robustness check"
import json, re, sys
c = json.load(open(sys.argv[1])); err = open(sys.argv[2]).read()
assert "error" not in c, c.get("error")
print("real iperf3 afterwards: sent", c["end"]["sum_sent"]["bytes"], "server counted", c["end"]["sum_received"]["bytes"])
assert c["end"]["sum_sent"]["bytes"] == c["end"]["sum_received"]["bytes"] > 0
lines = [l for l in err.splitlines() if re.search(r"iperf3 server: [\d.]+ port \d+: ", l)]
# twelve bad connections: the killed iperf3, the wrong-cookie stream and its test's control
# connection, 4 GiB, invalid JSON, unknown keys (then closed), three closed after
# PARAM_EXCHANGE, the busy fourth, silent, silent after its cookie
assert len(lines) == 12, f"{len(lines)} log lines for 12 bad connections"
def seen(pat, what):
    assert re.search(pat, err), f"{what}: not logged"
seen(r"unexpectedly closed the connection", "vanished client")
seen(r"wrong cookie or not expected|malformed cookie", "wrong cookie")
seen(r"unable to receive parameters from client: bad JSON", "invalid JSON")
seen(r"after PARAM_EXCHANGE|params", "4 GiB params")
seen(r"connection sent nothing within", "silent client")
seen(r"busy \(--max-clients reached\)", "busy server")
seen(r"no parameters within", "client silent after its cookie")
m = re.search(r"refused busy (\d+), bad cookie (\d+), vanished (\d+), protocol errors (\d+), silent (\d+)", err)
assert m, "no counters line"
busy, bad, van, proto, silent = map(int, m.groups())
print(f"counters: bad cookie {bad}, vanished {van}, protocol errors {proto}, silent {silent}")
assert busy == 1 and bad >= 1 and van >= 1 and proto >= 2 and silent >= 2
m = re.search(r"(\d+) connection slots in use at exit", err)
assert m and int(m.group(1)) == 0, "connection slots leaked"
PY
echo OK
