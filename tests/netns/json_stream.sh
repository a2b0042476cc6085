#!/usr/bin/env bash
# --json-stream: one JSON object per line as things happen, for UDP (server and client)
# and TCP runs; loss events through the impairment's seeded 3% loss, honouring
# --warmup-intervals and --loss-threshold.
. "$(dirname "$0")/lib.sh"
command -v iperf >/dev/null || skip "iperf (2.1.8) not installed: run scripts/setup.sh"

pg_ns_trio 97
pg_ns_trio_static_neigh
pg_impair_start 200 0 3 0 0 9

# UDP: perfgen client -> perfgen server, both streaming
pg_port_args "$NS_B" vB "$IP_B"
pg_bg "$NS_B" "$PERFGEN" --wire iperf2 "${PG_PORT_ARGS[@]}" -s -u -1 -i 0.5 --json-stream \
	--warmup-intervals 2 --loss-threshold 1 > "$PG_TMP/srv.jsonl" 2> "$PG_TMP/srv.err"
srv=$!
pg_wait_server $srv || { cat "$PG_TMP/srv.err"; die "perfgen server did not start"; }
pg_port_args "$NS_A" vA "$IP_A"
ip netns exec "$NS_A" "$PERFGEN" --wire iperf2 "${PG_PORT_ARGS[@]}" -c "$IP_B" -u -b 4M -t 3 -i 0.5 --trip-times \
	--json-stream > "$PG_TMP/cli.jsonl" 2> "$PG_TMP/cli.err" || { cat "$PG_TMP/cli.err"; die "client failed"; }
for _ in $(seq 1 50); do kill -0 $srv 2>/dev/null || break; sleep 0.1; done
pg_impair_stop

# TCP: perfgen client -> real iperf -s, streaming (no impairment)
pg_impair_start 0 0 0 0 0 1
pg_bg "$NS_B" iperf -s > "$PG_TMP/iperf-tcp.txt" 2>&1
for _ in $(seq 1 50); do ip netns exec "$NS_B" ss -ltn | grep -q ':5001 ' && break; sleep 0.1; done
ip netns exec "$NS_A" "$PERFGEN" --wire iperf2 "${PG_PORT_ARGS[@]}" -c "$IP_B" -t 2 -i 0.5 --json-stream \
	> "$PG_TMP/tcp.jsonl" 2> "$PG_TMP/tcp.err" || { cat "$PG_TMP/tcp.err"; die "TCP client failed"; }

# iperf3 wire: perfgen client -> real iperf3 -s (UDP), streaming
if command -v iperf3 >/dev/null; then
	pg_bg "$NS_B" iperf3 -s -1 > "$PG_TMP/iperf3.txt" 2>&1
	for _ in $(seq 1 50); do ip netns exec "$NS_B" ss -ltn | grep -q ':5201 ' && break; sleep 0.1; done
	ip netns exec "$NS_A" "$PERFGEN" --wire iperf3 "${PG_PORT_ARGS[@]}" -c "$IP_B" -u -b 2M -t 2 -i 0.5 \
		--json-stream > "$PG_TMP/i3.jsonl" 2> "$PG_TMP/i3.err" || { cat "$PG_TMP/i3.err"; die "iperf3 client failed"; }
else
	echo "(iperf3 not installed: no iperf3-wire run)"
fi
pg_impair_stop

python3 - "$PG_TMP" <<'PY' || die "json-stream check failed"
import json, sys
tmp = sys.argv[1]
def events(name):
    ev = [json.loads(l) for l in open(f"{tmp}/{name}") if l.strip()]   # every line one object
    kinds = [e["event"] for e in ev]
    assert kinds[0] == "start" and kinds[-1] == "end", kinds
    assert kinds.count("start") == 1 and kinds.count("end") == 1
    assert all(set(e) == {"event", "data"} for e in ev)
    return ev, kinds
import os
for name in ("srv.jsonl", "cli.jsonl", "tcp.jsonl") + (("i3.jsonl",) if os.path.exists(f"{tmp}/i3.jsonl") else ()):
    ev, kinds = events(name)
    print(f"{name}: {len(ev)} records: {kinds.count('interval')} interval, {kinds.count('loss')} loss")
    assert kinds.count("interval") >= 4, "intervals did not stream"
ev, kinds = events("srv.jsonl")
ivs = [e["data"] for e in ev if e["event"] == "interval"]
loss = [e["data"] for e in ev if e["event"] == "loss"]
want = [(i, iv["streams"][0]["lost_packets"]) for i, iv in enumerate(ivs)
        if i >= 2 and iv["streams"][0]["lost_packets"] > 1]
got = [(l["interval"], l["lost_packets"]) for l in loss]
print(f"per-interval losses {[iv['streams'][0]['lost_packets'] for iv in ivs]}; loss events {got}")
assert got == want, f"loss events {got} != intervals past warm-up above threshold {want}"
assert any(iv["streams"][0]["lost_packets"] for iv in ivs), "the impairment lost nothing"
# each loss record follows its interval record
for l in loss:
    i = next(k for k, e in enumerate(ev) if e["event"] == "loss" and e["data"] is not None and e["data"]["interval"] == l["interval"])
    prev = [e for e in ev[:i] if e["event"] == "interval"]
    assert len(prev) == l["interval"] + 1
end = ev[-1]["data"]
assert end["streams"][0]["udp"]["perfgen"]["latency"]["count"] > 0
PY
echo PASS
