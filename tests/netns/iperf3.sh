#!/usr/bin/env bash
# iperf3 on perfgen's dataplane against the real iperf3 3.12 (kernel TCP/UDP), and
# perfgen against itself. Variant: ROLE-KIND, ROLE = client (perfgen -c, iperf3 -s),
# server (iperf3 -c, perfgen -s), pp (perfgen -c against perfgen -s); KIND = tcp,
# tcp-p4, udp, udp-l64, udp-64bit, reverse, udp-reverse, bidir, n, k, gso, stream, udp-omit;
# for two lcores also tcp-p4-reverse, udp-p4, udp-p4-reverse, bidir-p2, n-p4; tcp-rate,
# tcp-rate-reverse: -b on TCP, perfgen (the sender) keeps each stream at the rate.
# Both sides run with -J and both reports are parsed (never scraped):
#   TCP: what the sending side says it sent equals what the receiving side counted, to
#        the byte, when the iperf3 3.12 receiver counts to the end (a 3.12 receiver stops
#        counting when it sends or gets TEST_END, so for -R only received <= sent holds);
#        and the figures each side took from the other's results are the other's own.
#   UDP: packets and lost packets agree between the two reports (sender's count, the
#        receiver's loss as iperf3 computes it); out-of-order is printed from the receiver.
# PG_DP2=1 (client or server role): perfgen runs on two dataplane lcores with a queue each;
# its report then says, per lcore, how many streams ran there and what their counters
# (written by that lcore) hold. A client puts its streams round-robin: every lcore must
# have run streams that moved bytes. A server's streams are where the kernel peer's TX
# queue choice (a random hash per connection on veth) sends them: the counts must add up,
# and with -P 16 (tcp-p16, udp-p16: all on one queue by chance 1 in 32768) both lcores
# must have served streams. PG_ONE_QUEUE=1 gives the peer's veth one TX queue: every
# connection then reaches lcore 0, and those checks must fail.
. "$(dirname "$0")/lib.sh"
variant=${1:-client-tcp}
role=${variant%%-*}
kind=${variant#*-}
pj=-J
[ "$kind" = stream ] && pj=--json-stream
command -v iperf3 >/dev/null || skip "iperf3 (3.12) not installed: run scripts/setup.sh"
pg_ns_pair 83
secs=2
case "$kind" in
tcp) args=(-t $secs) ;;
tcp-p4) args=(-t $secs -P 4) ;;
tcp-p16) args=(-t $secs -P 16) ;;
udp-p16) args=(-u -b 4M -t $secs -P 16) ;;
tcp-p4-reverse) args=(-t $secs -P 4 -R) ;;
udp-p4) args=(-u -b 10M -t $secs -P 4) ;;
udp-p4-reverse) args=(-u -R -b 10M -t $secs -P 4) ;;
n-p4) args=(-n 20M -P 4) ;;
# at a set rate: unlimited, the 3.12 server (one thread sending and receiving on the same
# two CPUs as perfgen's polled lcores) fell up to 13 MB behind reading its sockets, and it
# drops what it has not read when TEST_END comes (its count, not the bytes on the wire)
bidir-p2) args=(--bidir -t $secs -P 2 -b 400M) ;;
udp) args=(-u -b 20M -t $secs) ;;
udp-l64) args=(-u -l 64 -b 2M -t $secs) ;;
udp-64bit) args=(-u -b 10M -t $secs --udp-counters-64bit) ;;
reverse) args=(-R -t $secs) ;;
udp-reverse) args=(-u -R -b 10M -t $secs) ;;
bidir) args=(--bidir -t $secs) ;;
n) args=(-n 20M) ;;
k) args=(-k 200) ;;
gso) args=(-t 1 --get-server-output) ;;
stream) args=(-t 2 -i 0.5) ;;  # perfgen with --json-stream instead of -J
udp-omit) args=(-u -b 10M -O 1 -t 2) ;;
tcp-rate) args=(-b 200M -P 2 -t 2) ;;          # TCP at a rate: the sender paces itself
tcp-rate-reverse) args=(-R -b 200M -t 2) ;;
*) die "unknown kind $kind" ;;
esac

wait_kernel_port() {
	for _ in $(seq 1 50); do ip netns exec "$NS_B" ss -ltn | grep -q ":5201 " && return 0; sleep 0.1; done
	return 1
}

case "$role" in
client)
	pg_bg "$NS_B" iperf3 -s -1 -J > "$PG_TMP/s.json" 2> "$PG_TMP/s.err"
	S=$!
	wait_kernel_port || die "iperf3 -s did not listen"
	pg_port_args "$NS_A" vA "$IP_A"
	ip netns exec "$NS_A" timeout -s KILL 60 "$PERFGEN" "${PG_PORT_ARGS[@]}" -c "$IP_B" "${args[@]}" $pj \
		> "$PG_TMP/c.json" 2> "$PG_TMP/c.err"
	rc=$?
	cat "$PG_TMP/c.err"
	[ $rc -eq 0 ] || { head -c 2000 "$PG_TMP/c.json"; die "perfgen client exited $rc"; }
	for _ in $(seq 1 50); do kill -0 $S 2>/dev/null || break; sleep 0.1; done
	;;
server|pp)
	if [ "${PG_ONE_QUEUE:-0}" = 1 ]; then
		ip netns exec "$NS_A" ethtool -L vA tx 1 || die "ethtool -L vA tx 1 failed"
	fi
	pg_port_args "$NS_B" vB "$IP_B"
	pg_bg "$NS_B" "$PERFGEN" "${PG_PORT_ARGS[@]}" -s -1 $pj > "$PG_TMP/s.json" 2> "$PG_TMP/s.err"
	S=$!
	pg_wait_server $S || { cat "$PG_TMP/s.err"; die "perfgen server did not start"; }
	if [ "$role" = server ]; then
		ip netns exec "$NS_A" timeout -s KILL 60 iperf3 -c "$IP_B" "${args[@]}" -J > "$PG_TMP/c.json" 2> "$PG_TMP/c.err"
		rc=$?
	else
		[ "${PG_BACKEND:-afxdp}" = afxdp ] || skip "perfgen against perfgen runs on native AF_XDP only (two EALs)"
		ip netns exec "$NS_A" timeout -s KILL 60 "$PERFGEN" --dev vA -c "$IP_B" "${args[@]}" -J \
			> "$PG_TMP/c.json" 2> "$PG_TMP/c.err"
		rc=$?
	fi
	cat "$PG_TMP/c.err"
	[ $rc -eq 0 ] || { head -c 2000 "$PG_TMP/c.json"; cat "$PG_TMP/s.err"; die "client exited $rc"; }
	for _ in $(seq 1 100); do kill -0 $S 2>/dev/null || break; sleep 0.1; done
	cat "$PG_TMP/s.err"
	if kill -0 $S 2>/dev/null; then
		kill -INT $S; sleep 1; cat "$PG_TMP/s.err"; head -c 1500 "$PG_TMP/c.json"
		die "perfgen -s -1 still running after the test"
	fi
	;;
*) die "unknown role $role" ;;
esac

[ -n "${PG_DEBUG:-}" ] && { cp "$PG_TMP/c.json" "$PG_TMP/s.json" /tmp/; }
if [ "${PG_DP2:-0}" = 1 ]; then
	perr=$PG_TMP/c.err
	[ "$role" = client ] || perr=$PG_TMP/s.err
	grep -q "iperf3 streams over 2 dataplane lcores" "$perr" || die "no per-lcore line on stderr"
fi
python3 - "$PG_TMP/c.json" "$PG_TMP/s.json" "$kind" "$role" "${PG_DP2:-0}" <<'PY' || die "reports disagree"
import json, sys
kind = sys.argv[3]; role = sys.argv[4]; dp2 = sys.argv[5] == "1"
def load(path):
    """-J: one document; --json-stream: one event per line, put back together."""
    text = open(path).read()
    try:
        return json.loads(text)
    except ValueError:
        pass
    ev = [json.loads(l) for l in text.splitlines() if l.strip()]
    kinds = [e["event"] for e in ev]
    assert kinds[0] == "start" and kinds[-1] == "end" and kinds.count("start") == 1, kinds
    assert all(set(e) == {"event", "data"} for e in ev)
    print(f"{path.split('/')[-1]}: json-stream with {kinds.count('interval')} interval events")
    return {"start": ev[0]["data"], "intervals": [e["data"] for e in ev if e["event"] == "interval"],
            "end": ev[-1]["data"]}
C = load(sys.argv[1]); S = load(sys.argv[2])
if kind == "stream":
    assert len((C if role == "client" else S)["intervals"]) >= (3 if role == "client" else 2), "too few interval events"
for name, d in (("client", C), ("server", S)):
    assert "error" not in d, f"{name} reported an error: {d.get('error')}"
    for k in ("start", "intervals", "end"):
        assert k in d, f"{name} JSON has no {k}"
c, s = C["end"], S["end"]
assert "cpu_utilization_percent" in c and "connected" in C["start"] and "test_start" in C["start"]
udp = kind.startswith("udp")
rev = "reverse" in kind
bidir = kind.startswith("bidir")
nstreams = len(c["streams"])
P = C if role == "client" else S  # perfgen's own report
if dp2 and role in ("client", "server") and "perfgen" in P:  # (--json-stream: the stderr line only)
    lcs = P["perfgen"]["dataplane_lcores"]
    for l in lcs:
        print(f"lcore {l['lcore']} (CPU {l['cpu']}): {l['streams']} streams, {l['stream_bytes']} bytes, "
              f"{l['rx_frames']} frames received, {l['redirected']} passed on, {l['redirect_ring_full']} dropped")
    assert len(lcs) == 2, f"expected 2 dataplane lcores, report has {len(lcs)}"
    assert sum(l["streams"] for l in lcs) == nstreams, "lcore stream counts do not add up"
    for l in lcs:
        # client: round-robin (with fewer streams than lcores, the first ones have them);
        # server: where the peer's queue choice put them, certain to reach both with -P 16
        if (role == "client" and l["lcore"] < nstreams) or kind.endswith("p16"):
            assert l["streams"] > 0 and l["stream_bytes"] > 0, f"lcore {l['lcore']} ran no traffic: {l}"
    # every byte a stream counted is on the lcore that ran it
    if role == "client":
        total = c["sum_received"]["bytes"] if rev else c["sum_sent"]["bytes"]
    else:
        total = s["sum_sent"]["bytes"] if rev else s["sum_received"]["bytes"]
    if not udp and not bidir:
        assert sum(l["stream_bytes"] for l in lcs) == total, "per-lcore bytes differ from the streams'"
if udp:
    cs, ss = c["sum"], s["sum"]
    print(f"client: {cs['packets']} packets, {cs['lost_packets']} lost, jitter {cs['jitter_ms']:.3f} ms; "
          f"server: {ss['packets']} packets, {ss['lost_packets']} lost, jitter {ss['jitter_ms']:.3f} ms")
    recv = C if rev else S
    ooo = sum(x["udp"].get("out_of_order", 0) for x in recv["end"]["streams"])
    print(f"receiver out_of_order {ooo}")
    assert cs["packets"] > 0
    if kind == "udp-omit":  # each side cuts -O on its own clock: counts agree within 3%
        assert abs(cs["packets"] - ss["packets"]) <= 0.03 * cs["packets"], "packet counts disagree"
    else:
        assert cs["packets"] == ss["packets"], "packet counts disagree"
    if rev and role == "client":  # a 3.12 server leaves its peer's loss out of its report
        assert 0 <= cs["lost_packets"] <= cs["packets"]
    else:
        assert cs["lost_packets"] == ss["lost_packets"], "loss disagrees"
    if kind == "udp-l64":
        assert C["start"]["test_start"]["blksize"] == 64
    if kind == "udp-omit":  # the omitted second is out of the bytes on both sides
        sent = cs["bytes"]  # 10 Mbit/s for 1 + 2 s: 2 s worth is 2.5 MB, 3 s would be 3.75
        assert 1.5e6 < sent < 3.1e6, f"-O 1 did not leave the first second out ({sent} bytes)"
else:
    print(f"client: sent {c['sum_sent']['bytes']} received {c['sum_received']['bytes']}; "
          f"server: sent {s['sum_sent']['bytes']} received {s['sum_received']['bytes']}")
    if kind == "tcp-p4-reverse":
        assert len(c["streams"]) == 4 and len(s["streams"]) == 4
    if rev:
        got, sent = c["sum_received"]["bytes"], s["sum_sent"]["bytes"]
        assert 0 < got <= sent, f"-R: client counted {got}, server sent {sent}"
        assert c["sum_sent"]["bytes"] == s["sum_sent"]["bytes"], "client's copy of the server's sent bytes differs"
        if role != "client":  # a 3.12 server shows 0 for its peer's receiver side
            assert s["sum_received"]["bytes"] == got, "server's copy of the client's received bytes differs"
    else:
        sent, got = c["sum_sent"]["bytes"], s["sum_received"]["bytes"]
        if bidir and role == "server":
            # a 3.12 --bidir client counts bytes it never gets onto the wire (it differs
            # from a kernel iperf3 server too): only counted <= sent holds
            assert 0 < got <= sent, f"bytes: client sent {sent}, server counted {got}"
        else:
            assert sent > 0 and sent == got, f"bytes differ: client sent {sent}, server counted {got}"
        if kind == "tcp-p4":
            assert len(c["streams"]) == 4 and len(s["streams"]) == 4
        if kind == "tcp-p16":
            assert len(c["streams"]) == 16 and len(s["streams"]) == 16
        if kind in ("n", "n-p4") and role != "server":
            assert sent == 20 * 1024 * 1024, f"-n 20M sent {sent}"
        if kind == "k" and role != "server":
            assert sent == 200 * 131072, f"-k 200 sent {sent}"
    if kind == "bidir-p2":
        assert len(c["streams"]) == 4 and len(s["streams"]) == 4
    if bidir:
        got, sent = c["sum_received_bidir_reverse"]["bytes"], s["sum_sent_bidir_reverse"]["bytes"]
        print(f"reverse half: server sent {sent}, client counted {got}")
        assert 0 < got <= sent
if kind.startswith("tcp-rate"):
    # -b 200M per stream, 2 s: the receiver's own figure within -12 % / +5 % of the rate
    recv = c if rev else s
    want = 200e6 * nstreams
    bps = recv["sum_received"]["bits_per_second"]
    print(f"-b 200M x {nstreams}: receiver measured {bps / 1e6:.1f} Mbit/s")
    assert 0.88 * want <= bps <= 1.05 * want, f"paced at {bps / 1e6:.1f} Mbit/s, asked {want / 1e6:.0f}"
if kind == "gso":
    so = C.get("server_output_json")
    assert so is not None, "no server_output_json in the client's report"
    if isinstance(so, str):
        so = json.loads(so)
    assert so["end"]["sum_received"]["bytes"] == s["sum_received"]["bytes"], "server output differs from the server's report"
    print("server output carried in the client's report:", so["end"]["sum_received"]["bytes"], "bytes")
PY
echo OK
