#!/usr/bin/env bash
# --pcap-out: what perfgen puts on the wire, decoded by independent decoders (tshark's
# iperf2 dissector and scapy), and `perfgen analyze` of a live server's own capture giving
# the same report as the live run. Also the disk bound (--pcap-ring).
. "$(dirname "$0")/lib.sh"
command -v iperf >/dev/null || skip "iperf (2.1.8) not installed: run scripts/setup.sh"
command -v tshark >/dev/null || skip "tshark not installed: run scripts/setup.sh"
/usr/bin/python3 -c "import scapy" 2>/dev/null || skip "python3-scapy not installed: run scripts/setup.sh"
pg_ns_pair 27

# 1. client: full frames (-l 100 fits the 232-byte snap length), so checksums can be verified
pg_bg "$NS_B" iperf -s -u -e > "$PG_TMP/iperf.txt" 2>&1
for _ in $(seq 1 50); do ip netns exec "$NS_B" ss -lun | grep -q ':5001 ' && break; sleep 0.1; done
pg_port_args "$NS_A" vA "$IP_A"
ip netns exec "$NS_A" "$PERFGEN" --wire iperf2 "${PG_PORT_ARGS[@]}" -c "$IP_B" -u -l 100 -b 500pps -t 1 --trip-times \
	--pcap-out "$PG_TMP/cli.pcapng" --pcap-snaplen 232 -J > "$PG_TMP/cli.json" 2> "$PG_TMP/cli.err"
rc=$?
cat "$PG_TMP/cli.err"
[ $rc -eq 0 ] || die "perfgen client exited $rc"
sent=$(pg_json "$PG_TMP/cli.json" "d['end']['sum_sent']['packets']")

# tshark: iperf2 dissector (4.0: sequence/sec/usec right, client header shifted by 4 bytes)
tshark -r "$PG_TMP/cli.pcapng" -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE \
	-d udp.port==5001,iperf2 -Y "udp.dstport==5001" \
	-T fields -e iperf2.udp.sequence -e udp.checksum.status -e ip.checksum.status \
	> "$PG_TMP/ts.txt" 2> "$PG_TMP/ts.err" || { cat "$PG_TMP/ts.err"; die "tshark failed"; }
python3 - "$PG_TMP/ts.txt" "$sent" <<'PY' || die "tshark's decoding disagrees"
import sys
rows = [l.split("\t") for l in open(sys.argv[1]).read().split("\n") if l.strip()]
sent = int(sys.argv[2])
seqs = [int(r[0]) for r in rows]
data = [s for s in seqs if s > 0]
fins = [s for s in seqs if s < 0]
print(f"tshark: {len(data)} data datagrams (seq {min(data)}..{max(data)}), {len(fins)} FIN(s) {fins[:3]}; "
      f"UDP checksums good: {sum(r[1] == '1' for r in rows)}/{len(rows)}, IP: {sum(r[2] == '1' for r in rows)}/{len(rows)}")
assert data == list(range(1, sent + 1)), "sequence numbers are not 1..sent in order"
assert fins and fins[0] == -(sent + 1), "first FIN must carry -(last+1)"
assert all(r[1] == "1" and r[2] == "1" for r in rows), "bad checksum in an emitted frame"
PY

# scapy: independent checksum recomputation and the iperf2 header fields (iperf-wire.md)
/usr/bin/python3 - "$PG_TMP/cli.pcapng" "$sent" "$IP_A" "$IP_B" <<'PY' || die "scapy's decoding disagrees"
import struct, sys
from scapy.all import rdpcap, IP, UDP, Ether
pk = rdpcap(sys.argv[1]); sent = int(sys.argv[2]); src, dst = sys.argv[3], sys.argv[4]
out = [p for p in pk if IP in p and UDP in p and p[IP].src == src and p[UDP].dport == 5001]
back = [p for p in pk if IP in p and UDP in p and p[IP].src == dst]
bad = 0
for p in out:
    raw = bytes(p[UDP])
    q = IP(bytes(p[IP])); c_ip, c_udp = q.chksum, q[UDP].chksum
    del q.chksum; del q[UDP].chksum
    q = IP(bytes(q))
    bad += (q.chksum != c_ip) + (q[UDP].chksum != c_udp)
first = bytes(out[0][UDP].payload)
seq_lo, sec, usec, seq_hi = struct.unpack(">iIII", first[:16])
flags = struct.unpack(">I", first[16:20])[0]   # iperf-wire.md 2.2: flags at UDP offset 16
ts = [struct.unpack(">II", bytes(p[UDP].payload)[4:12]) for p in out]
mono = all((a[0], a[1]) <= (b[0], b[1]) for a, b in zip(ts, ts[1:]))
print(f"scapy: {len(out)} frames out, {len(back)} back (AckFIN {len(bytes(back[0][UDP].payload)) if back else 0} B), "
      f"checksum mismatches {bad}, first seq {seq_lo}, header flags {flags:#010x}, timestamps monotonic {mono}")
assert bad == 0
assert seq_lo == 1 and len(out) >= sent + 1
# -l 100 < 128 with --trip-times: iperf 2.1.8 sends the "small trip-times" word instead
assert flags == 0x00020000, f"expected iperf 2.1.8's small trip-times word, got {flags:#x}"
assert mono, "send timestamps go backwards"
assert back and len(bytes(back[0][UDP].payload)) >= 64, "the peer's AckFIN was not captured inbound"
PY

# 2. server: perfgen -s captures what it receives; analyze of that capture == the live report
pg_bg "$NS_B" true
kill "${PG_PIDS[0]}" 2>/dev/null
pg_port_args "$NS_B" vB "$IP_B"
pg_bg "$NS_B" "$PERFGEN" --wire iperf2 "${PG_PORT_ARGS[@]}" -s -u -1 -J -i 0.5 --pcap-out "$PG_TMP/srv.pcapng" > "$PG_TMP/live.json" 2> "$PG_TMP/srv.err"
PG=$!
pg_wait_server $PG || { cat "$PG_TMP/srv.err"; die "perfgen server did not start"; }
ip netns exec "$NS_A" timeout 20 iperf -c "$IP_B" -u -b 20M -t 2 -P 2 --trip-times > "$PG_TMP/c.txt" 2>&1 ||
	{ cat "$PG_TMP/c.txt"; die "iperf client failed"; }
for _ in $(seq 1 50); do kill -0 $PG 2>/dev/null || break; sleep 0.1; done
cat "$PG_TMP/srv.err"
"$PERFGEN" analyze "$PG_TMP/srv.pcapng" -J -i 0.5 > "$PG_TMP/off.json" || die "analyze failed"
python3 - "$PG_TMP/live.json" "$PG_TMP/off.json" <<'PY' || die "analyze disagrees with the live report"
import json, sys
live, off = (json.load(open(f))["end"] for f in sys.argv[1:3])
def key(s): return s["udp"]["socket"] if "socket" in s["udp"] else 0
for name, e in (("live", live), ("analyze", off)):
    s = e["sum"]
    lat = e.get("perfgen", {}).get("latency", {})
    print(f"{name:8}: packets {s['packets']} lost {s['lost_packets']} jitter {s['jitter_ms']:.4f} ms "
          f"latency count {lat.get('count')} p50 {lat.get('p50_ns')} ns")
for k in ("packets", "lost_packets", "out_of_order"):
    assert live["sum"].get(k) == off["sum"].get(k), f"sum.{k}: live {live['sum'].get(k)} vs analyze {off['sum'].get(k)}"
assert abs(live["sum"]["jitter_ms"] - off["sum"]["jitter_ms"]) < 0.002, "jitter differs"
ll, ol = live["perfgen"]["latency"], off["perfgen"]["latency"]
assert ll["count"] == ol["count"], f"latency samples {ll['count']} vs {ol['count']}"
for k in ("min_ns", "p50_ns", "max_ns"):
    assert abs(ll[k] - ol[k]) <= 1000, f"latency {k}: live {ll[k]} vs analyze {ol[k]}"
assert len(live["streams"]) == len(off["streams"]) == 2
lp = sorted(s["udp"]["packets"] for s in live["streams"]); op = sorted(s["udp"]["packets"] for s in off["streams"])
assert lp == op, f"per-stream packets {lp} vs {op}"
# -i 0.5: the same intervals, cut by receive time live and by capture time offline (both at
# 10 ms tick granularity, so a boundary may move a tick's worth of datagrams)
li, oi = (json.load(open(f))["intervals"] for f in sys.argv[1:3])
lpk = [i["sum"]["packets"] for i in li]; opk = [i["sum"]["packets"] for i in oi]
print(f"intervals: live {lpk}\n           analyze {opk}")
assert len(li) == len(oi) >= 4, f"{len(li)} live intervals vs {len(oi)} offline"
# a tail under a tenth of an interval is not printed (as iperf2), so the sums may fall short
# of the total by that tail, never by more
assert sum(lpk) <= live["sum"]["packets"] and sum(lpk) >= live["sum"]["packets"] * 0.97, "live intervals lose data"
assert sum(opk) <= off["sum"]["packets"] and sum(opk) >= off["sum"]["packets"] * 0.97, "offline intervals lose data"
for a, b in zip(lpk, opk):
    assert abs(a - b) <= max(60, a // 20), f"interval packets {a} vs {b}"
PY

# 3. the disk bound: 1 MB ring = FILE + FILE.1 of at most ~0.5 MB each, both readable
pg_port_args "$NS_A" vA "$IP_A"
pg_bg "$NS_B" iperf -s -u > /dev/null 2>&1
sleep 0.3
ip netns exec "$NS_A" "$PERFGEN" --wire iperf2 "${PG_PORT_ARGS[@]}" -c "$IP_B" -u -b 40M -t 1 --pcap-out "$PG_TMP/ring.pcapng" \
	--pcap-ring 1 > /dev/null 2>&1
a=$(stat -c %s "$PG_TMP/ring.pcapng"); b=$(stat -c %s "$PG_TMP/ring.pcapng.1" 2>/dev/null || echo 0)
echo "ring: FILE $a bytes, FILE.1 $b bytes"
[ "$b" -gt 0 ] || die "no rotation with --pcap-ring 1 after ~3400 frames"
[ "$a" -le 600000 ] && [ "$b" -le 600000 ] || die "a capture file exceeds half of --pcap-ring"
tshark -r "$PG_TMP/ring.pcapng.1" > /dev/null 2>&1 || die "rotated file unreadable"
echo OK
