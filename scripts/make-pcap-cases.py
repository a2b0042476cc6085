#!/usr/bin/python3
"""Crafts the scapy-made cases of the pcap regression corpus (tests/pcap/<case>/).

Each case is iperf2 UDP traffic that real tools rarely produce (loss bursts, reordering,
duplicates, 64-bit sequence wrap, FIN retries, truncated or malformed headers, clock steps,
VLAN tags, pcapng with nanoseconds ...). The expected figures are written by this script
from how the traffic was built, not from perfgen's output: expected.json holds only the
keys the case is about, and tests/pcap/run.sh compares perfgen analyze -J against them.

Run with Debian's python (python3-scapy): /usr/bin/python3 scripts/make-pcap-cases.py
"""
import json
import os
import struct
import sys

from scapy.all import Ether, IP, UDP, Dot1Q, Raw, wrpcap, PcapNgWriter  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "pcap")
CLI, SRV = "198.18.0.1", "198.18.0.2"
MAC_C, MAC_S = "02:00:00:00:00:01", "02:00:00:00:00:02"
T0 = 1795352740.0  # capture start (epoch seconds)
FLAGS = 0x48010098      # EXTEND | SEQNO64B | LEN_BIT | len 76: `iperf -c -u`
FLAGS_TRIP = 0x680100D8  # + UDPTESTS, len 108: `--trip-times`


def payload(seq, tx, length=200, flags=FLAGS, upper=0, threads=1, start=None, seq64=True):
    s = seq & 0xFFFFFFFFFFFFFFFF
    sec = int(tx)
    usec = int(round((tx - sec) * 1e6))
    if usec >= 1000000:
        sec, usec = sec + 1, usec - 1000000
    hdr = struct.pack(">IIII", s & 0xFFFFFFFF, sec, usec, (s >> 32) if seq64 else 0)
    if flags is None:  # legacy: no client header at all, pattern right after the block
        body = hdr
    else:
        body = hdr + struct.pack(">IIIIII", flags, threads, 5001, length, 0, (-100) & 0xFFFFFFFF)
        body += struct.pack(">IIHHIIHHII", 0, 0, upper, 0, 0x00020001, 0x00080003, 0, 0, 1048576, 0)
        body += b"\0" * (108 - len(body))
        st = start if start is not None else T0
        body += struct.pack(">III", 0, int(st), int((st - int(st)) * 1e6))
    body = body[:160] + b"\0" * max(0, 160 - len(body))
    pat = bytes(ord("0") + (i % 10) for i in range(160, max(length, 160)))
    return (body + pat)[:length]


def frame(seq, tx, rx, sport=40000, vlan=None, **kw):
    l2 = Ether(src=MAC_C, dst=MAC_S)
    if vlan is not None:
        l2 = l2 / Dot1Q(vlan=vlan)
    p = l2 / IP(src=CLI, dst=SRV, flags="DF") / UDP(sport=sport, dport=5001) / Raw(payload(seq, tx, **kw))
    p.time = rx
    return p


def flow(seqs, sport=40000, rate_pps=1000, owd=0.0001, fin=True, fin_retries=0, **kw):
    """Datagrams with the given data sequence numbers (in that order), then the FIN."""
    pkts, t = [], T0
    last = max(seqs) if seqs else 0
    for s in seqs:
        pkts.append(frame(s, t, t + owd, sport=sport, **kw))
        t += 1.0 / rate_pps
    if fin:
        for k in range(1 + fin_retries):
            pkts.append(frame(-(last + 1 + k), t, t + owd, sport=sport, **kw))
            t += 0.01
    return pkts


def case(name, pkts, expect, how, ng=False, snaplen=None):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "capture.pcapng" if ng else "capture.pcap")
    for old in ("capture.pcap", "capture.pcapng"):
        if os.path.exists(os.path.join(d, old)):
            os.remove(os.path.join(d, old))
    pkts = sorted(pkts, key=lambda p: p.time) if not expect.get("_keep_order") else pkts
    expect.pop("_keep_order", None)
    if ng:
        with PcapNgWriter(path) as w:
            for p in pkts:
                w.write(p)
    else:
        wrpcap(path, pkts, snaplen=snaplen or 65535, nano=True)
    if snaplen:  # rewrite with truncated records (scapy's snaplen only sets the header)
        truncate_records(path, snaplen)
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump(expect, f, indent=2, sort_keys=True)
        f.write("\n")
    with open(os.path.join(d, "README"), "w") as f:
        f.write(how.strip() + "\n")


def truncate_records(path, snap):
    data = bytearray(open(path, "rb").read())
    out = data[:24]
    out[16:20] = struct.pack("<I", snap)
    off = 24
    while off + 16 <= len(data):
        ts1, ts2, incl, orig = struct.unpack("<IIII", data[off:off + 16])
        body = data[off + 16:off + 16 + incl]
        keep = min(incl, snap)
        out += struct.pack("<IIII", ts1, ts2, keep, orig) + body[:keep]
        off += 16 + incl
    open(path, "wb").write(bytes(out))


def sum_expect(packets, lost, ooo=None, dups=None, streams=1):
    e = {"end.sum.packets": packets, "end.sum.lost_packets": lost, "streams": streams}
    if ooo is not None:
        e["end.streams.0.udp.out_of_order"] = ooo
    if dups is not None:
        e["end.streams.0.udp.perfgen.duplicates"] = dups
    return e


def main():
    n = 100
    case("clean-100", flow(range(1, n + 1)), sum_expect(101, 0, 0, 0),
         "scapy: 100 in-order datagrams of 200 B at 1000 pps, then the FIN (-101)")
    case("loss-burst", flow([s for s in range(1, n + 1) if not 40 <= s < 50]),
         sum_expect(101, 10, 0), "scapy: datagrams 40..49 missing (a 10-datagram burst)")
    case("loss-scattered", flow([s for s in range(1, n + 1) if s % 10 != 3]),
         sum_expect(101, 10, 0), "scapy: every datagram whose seq ends in 3 missing")
    seq = list(range(1, n + 1))
    seq[20], seq[21] = seq[21], seq[20]
    seq[60], seq[63] = seq[63], seq[60]
    case("reorder", flow(seq), dict(sum_expect(101, 0, 4, 0), _keep_order=True),
         "scapy: 21/22 swapped, and 61 swapped with 64 (... 60 64 62 63 61 65 ...): iperf2 counts "
         "every datagram below the next expected one as out-of-order: 1 + 3 = 4, loss 4 - 4 = 0")
    seq = list(range(1, n + 1)) + [50, 51, 52]
    case("duplicates", flow(seq[:52] + [50, 51, 52] + seq[52:100]),
         dict(sum_expect(101, 0, 3, 3), _keep_order=True), "scapy: 50, 51, 52 delivered twice")
    base = (1 << 32) - 50
    case("seq-wrap-2^32", flow(range(base, base + 100)),
         {"end.sum.packets": base + 100, "end.sum.lost_packets": base - 1, "streams": 1},
         "scapy: a stream whose 64-bit sequence crosses 2^32 (upper word 0 -> 1); it starts at "
         "2^32-50 so iperf2's accounting counts the start as a gap of 2^32-51")
    case("fin-retries", flow(range(1, n + 1), fin_retries=4), sum_expect(101, 0, 0),
         "scapy: the FIN (-101) resent 4 times with -102..-105 as iperf2 does when no AckFIN "
         "comes back; only the first counts")
    case("no-fin", flow(range(1, n + 1), fin=False), {"end.sum.packets": 100, "end.sum.lost_packets": 0, "streams": 1},
         "scapy: the capture ends before the FIN (the report covers what was seen)")
    case("parallel-2", flow(range(1, 51), sport=40000, threads=2) + flow(range(1, 51), sport=40001, threads=2),
         {"streams": 2, "end.sum.lost_packets": 0, "end.sum.packets": 102},
         "scapy: two flows from one client (-P 2 announced), 50 datagrams + FIN each")
    # header variants
    case("vlan-tagged", flow(range(1, 51), vlan=42), sum_expect(51, 0),
         "scapy: 802.1Q tag 42 on every frame")
    case("triptimes-2ms", flow(range(1, 51), owd=0.002, flags=FLAGS_TRIP, upper=0x0010),
         {"streams": 1, "end.sum.lost_packets": 0, "end.perfgen.latency.count": 51,
          "end.perfgen.latency.p50_ns~": [1995000, 2005000]},
         "scapy: --trip-times header, every datagram received exactly 2 ms after it was sent")
    case("legacy-no-header", flow(range(1, 51), flags=None, seq64=False), sum_expect(51, 0),
         "scapy: datagrams with only the 16-byte seq/time block (iperf -C style): 32-bit sequence")
    pk = flow(range(1, 31))
    for p in pk[1:]:
        p[Raw].load = p[Raw].load[:64]
        p[IP].len = None
        p[UDP].len = None
    case("small-l64", [p.__class__(bytes(p)) if False else p for p in pk], sum_expect(31, 0),
         "scapy: -l 64: the first datagram carries the whole 76-byte header, the rest are 64 "
         "bytes with the header cut short, as iperf 2.1.8 sends them")
    case("pcapng-ns", flow(range(1, 41)), sum_expect(41, 0), "scapy: pcapng container", ng=True)
    case("snaplen-96", flow(range(1, 41)), {"streams": 1, "end.sum.packets": 41, "end.sum.bytes": 41 * 200,
                                            "end.sum.lost_packets": 0},
         "scapy: captured with a 96-byte snap length: the seq/time block is inside the snap, "
         "lengths come from the IP/UDP headers", snaplen=96)
    # malformed and hostile
    bad = flow(range(1, 21))
    bad.insert(5, Ether(src=MAC_C, dst=MAC_S) / IP(src=CLI, dst=SRV) / UDP(sport=40000, dport=5001) / Raw(b"\x00" * 7))
    bad[5].time = bad[4].time + 0.0001
    case("truncated-datagram", bad, dict(sum_expect(21, 0), **{"drops.rx_bad_frame~": [1, 1]}, _keep_order=True),
         "scapy: a 7-byte datagram (under the 16-byte seq/time block) in the middle of a flow")
    junk = [Ether(src=MAC_C, dst=MAC_S) / IP(src=CLI, dst=SRV) / UDP(sport=40100 + i, dport=5001) /
            Raw(struct.pack(">IIII", 1, 0, 0, 0) + struct.pack(">I", 0x48010004) + b"\x00" * 40) for i in range(5)]
    for i, p in enumerate(junk):
        p.time = T0 + i * 0.001
    case("bad-header-length", junk + flow(range(1, 21)), {"streams": 1, "drops.rx_bad_iperf2_header~": [5, 5]},
         "scapy: 5 flows whose first datagram announces a 2-byte header (impossible): dropped, counted")
    stale = [frame(-(7 + k), T0, T0 + k * 0.001, sport=40200) for k in range(3)]
    case("stale-fin", stale + flow(range(1, 21)), {"streams": 1, "drops.rx_stale_fin~": [3, 3]},
         "scapy: FINs of an earlier run (negative sequence) before any data: dropped like iperf2 does")
    step = flow(range(1, 51))
    for p in step[25:]:
        p.time += 5.0
    case("clock-step", step, {"streams": 1, "end.sum.lost_packets": 0, "end.sum.packets": 51},
         "scapy: the receive clock steps forward 5 s in the middle of a flow")
    arp = [Ether(src=MAC_C, dst="ff:ff:ff:ff:ff:ff", type=0x0806) / Raw(b"\x00" * 28)]
    arp[0].time = T0 - 0.01
    case("not-ours-mixed", arp + flow(range(1, 21)) + [
        Ether(src=MAC_C, dst=MAC_S) / IP(src=CLI, dst=SRV) / UDP(sport=5353, dport=5353) / Raw(b"x" * 20)],
        {"streams": 1, "drops.rx_not_ours~": [2, 2], "end.sum.packets": 21},
        "scapy: an ARP frame and an mDNS datagram around one flow: skipped and counted")
    qq = flow(range(1, 31))
    for p in qq:
        p2 = Ether(src=MAC_C, dst=MAC_S, type=0x88A8) / Dot1Q(vlan=100, type=0x8100) / Dot1Q(vlan=7) / p[IP]
        p2.time = p.time
        qq[qq.index(p)] = p2
    case("qinq-tagged", qq, sum_expect(31, 0), "scapy: 802.1ad outer tag 100 + 802.1Q inner tag 7 on every frame")
    seq = list(range(1, 2001))
    late = seq.pop(9)  # datagram 10 arrives after 2000: 1990 sequences late, beyond the dup window
    case("late-beyond-window", flow(seq + [late]), dict(sum_expect(2001, 0, 1, 0), _keep_order=True),
         "scapy: datagram 10 delivered after 2000 (outside the 1024-sequence duplicate window): "
         "out-of-order, not a duplicate, no loss")
    opt = flow(range(1, 21))
    for p in opt:
        p[IP].options = [b"\x01\x01\x01\x00"]  # NOP NOP NOP EOL: IHL 6
        p[IP].ihl = None
        p[IP].len = None
        p[IP].chksum = None
    case("ipv4-options", opt, sum_expect(21, 0), "scapy: IPv4 header with 4 bytes of options (IHL 6)")
    other = flow(range(1, 31))
    for p in other:
        p[IP].src = "198.18.0.9"
        p[IP].chksum = None
    case("two-clients", flow(range(1, 31)) + other, {"streams": 2, "end.sum.packets": 31},
         "scapy: two clients (198.18.0.1 and 198.18.0.9) at the same time: two tests of one stream each")
    print("cases written to", os.path.abspath(OUT))


if __name__ == "__main__":
    sys.exit(main())
