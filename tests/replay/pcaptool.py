#!/usr/bin/env python3
"""Independent classic-pcap / pcapng reader for the replay tests (stdlib only).

pcaptool.py frames FILE        -> one line per frame: ts_ns hex-bytes
Used as a module: read(path) -> [(ts_ns, bytes)]
"""
import struct
import sys


def _pcap(data):
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise ValueError("not a pcap file")
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    off, out = 24, []
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        out.append((sec * 10**9 + (frac if nano else frac * 1000), data[off:off + caplen]))
        off += caplen
    return out


def _pcapng(data):
    off, out, res = 0, [], {}
    while off + 12 <= len(data):
        btype, blen = struct.unpack("<II", data[off:off + 8])
        body = data[off + 8:off + blen - 4]
        if btype == 1:
            ifid = len(res)
            res[ifid] = 10**-6
            o = 8
            while o + 4 <= len(body):
                code, ln = struct.unpack("<HH", body[o:o + 4])
                if code == 0:
                    break
                if code == 9:
                    v = body[o + 4]
                    res[ifid] = 2.0 ** -(v & 0x7F) if v & 0x80 else 10.0 ** -v
                o += 4 + ((ln + 3) & ~3)
        elif btype == 6:
            ifid, hi, lo, caplen, _ = struct.unpack("<IIIII", body[:20])
            ticks = (hi << 32) | lo
            out.append((int(round(ticks * res.get(ifid, 1e-6) * 1e9)), body[20:20 + caplen]))
        off += blen
    return out


def read(path):
    data = open(path, "rb").read()
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        return _pcapng(data)
    return _pcap(data)


if __name__ == "__main__":
    for ts, fr in read(sys.argv[2]):
        print(ts, fr.hex())
