#!/usr/bin/env bash
# Several iperf3 clients at once against one perfgen server (PG_DP2=1: over two dataplane
# lcores, connections on whichever lcore their queue is): a real iperf3 3.12 TCP -P 4
# client and a TCP -P 4 -R client run concurrently. Each client's -J is matched to
# perfgen's report for its test by the client's ports, and both agree: forward bytes to
# the byte, -R received <= sent with the client's copy of the server's figure exact; the
# per-lcore stream counts of each report add up to its streams.
. "$(dirname "$0")/lib.sh"
command -v iperf3 >/dev/null || skip "iperf3 (3.12) not installed: run scripts/setup.sh"
pg_ns_pair 86
pg_port_args "$NS_B" vB "$IP_B"
pg_bg "$NS_B" "$PERFGEN" "${PG_PORT_ARGS[@]}" -s -p 5201 -J > "$PG_TMP/s.json" 2> "$PG_TMP/s.err"
S=$!
pg_wait_server $S || { cat "$PG_TMP/s.err"; die "perfgen server did not start"; }
ip netns exec "$NS_A" timeout 30 iperf3 -c "$IP_B" -t 2 -P 4 -J > "$PG_TMP/a.json" 2>&1 &
A=$!
ip netns exec "$NS_A" timeout 30 iperf3 -c "$IP_B" -t 2 -P 4 -R -J > "$PG_TMP/b.json" 2>&1 &
B=$!
wait $A || { cat "$PG_TMP/a.json" | head -c 1000; die "iperf3 client A failed"; }
wait $B || { cat "$PG_TMP/b.json" | head -c 1000; die "iperf3 client B failed"; }
sleep 1
kill -INT $S
for _ in $(seq 1 50); do kill -0 $S 2>/dev/null || break; sleep 0.1; done
cat "$PG_TMP/s.err"
python3 - "$PG_TMP/s.json" "$PG_TMP/a.json" "$PG_TMP/b.json" "${PG_DP2:-0}" <<'PY' || die "reports disagree"
import json, sys
text = open(sys.argv[1]).read(); dp2 = sys.argv[4] == "1"
objs, dec, pos = [], json.JSONDecoder(), 0
while True:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    if pos >= len(text):
        break
    o, pos = dec.raw_decode(text, pos)
    objs.append(o)
assert len(objs) == 2, f"{len(objs)} reports from perfgen, expected one per client"
def ports(d, side):
    return {c[side] for c in d["start"]["connected"]}
for path, rev in ((sys.argv[2], False), (sys.argv[3], True)):
    c = json.load(open(path))
    assert "error" not in c, c.get("error")
    mine = [o for o in objs if ports(o, "remote_port") == ports(c, "local_port")]
    assert len(mine) == 1, f"no perfgen report with the ports of {path}"
    s = mine[0]
    ce, se = c["end"], s["end"]
    assert len(ce["streams"]) == 4 and len(se["streams"]) == 4
    if rev:
        got, sent = ce["sum_received"]["bytes"], se["sum_sent"]["bytes"]
        print(f"-R client: server sent {sent}, client counted {got}")
        assert 0 < got <= sent and ce["sum_sent"]["bytes"] == sent
    else:
        sent, got = ce["sum_sent"]["bytes"], se["sum_received"]["bytes"]
        print(f"client sent {sent}, server counted {got}")
        assert sent > 0 and sent == got
    if dp2:
        lcs = s["perfgen"]["dataplane_lcores"]
        print("  lcores:", [(l["lcore"], l["streams"], l["stream_bytes"]) for l in lcs])
        assert len(lcs) == 2 and sum(l["streams"] for l in lcs) == 4
        total = se["sum_sent"]["bytes"] if rev else se["sum_received"]["bytes"]
        assert sum(l["stream_bytes"] for l in lcs) == total
PY
grep -q "0 connection slots in use at exit" "$PG_TMP/s.err" || die "connection slots left in use"
echo OK
