#!/usr/bin/env python3
"""Writes a large nanosecond pcap of one iperf2 UDP stream for the offline-analysis bench.

gen-bench-pcap.py N FILE: N datagrams of 64 bytes (106-byte frames) from 198.18.60.1:40000
to 198.18.60.2:5001, 1 us apart, with a sequence gap every 10000 datagrams. Stdlib only.
"""
import struct
import sys

n, path = int(sys.argv[1]), sys.argv[2]
eth = bytes.fromhex("020000000002" "020000000001" "0800")
ip_tmpl = bytearray(bytes.fromhex("4500005c000040004011" "0000" "c6123c01" "c6123c02"))
s = 0
for i in range(0, 20, 2):
    s += (ip_tmpl[i] << 8) | ip_tmpl[i + 1]
s = (s & 0xFFFF) + (s >> 16)
s = (s & 0xFFFF) + (s >> 16)
ip_tmpl[10:12] = struct.pack(">H", ~s & 0xFFFF)
hdr = eth + bytes(ip_tmpl) + struct.pack(">HHHH", 40000, 5001, 72, 0)
pad = bytes(64 - 16)
t0 = 1_790_000_000 * 10**9
f = open(path, "wb")
out = bytearray(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1))
rec = struct.Struct("<IIII")
seqh = struct.Struct(">iIII")
seq = 0
for k in range(n):
    seq += 2 if k and k % 10000 == 0 else 1
    t = t0 + k * 1000
    sent = t - 50_000
    out += rec.pack(t // 10**9, t % 10**9, 106, 106)
    out += hdr
    out += seqh.pack(seq & 0x7FFFFFFF, sent // 10**9, (sent % 10**9) // 1000, seq >> 31)
    out += pad
    if len(out) > 1 << 24:
        f.write(out)
        out = bytearray()
f.write(out)
f.close()
