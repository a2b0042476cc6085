#!/usr/bin/env python3
"""Independent reader of an HdrHistogram interval log (v1.3) as the published format
describes it: header comments, a legend, then [Tag=X,]start,length,max,BASE64 lines whose
payload is a V2 compressed histogram (cookie base 0x1c849304, int32 length, zlib data of a
V2 encoding: cookie base 0x1c849303, payload length, normalizing offset, significant digits,
lowest, highest, conversion ratio, ZigZag LEB128 counts with negative zero runs).
Prints one JSON object per line: tag, start, length, max, count, and value percentiles from
the counts (lowest value of the bucket holding the rank), so a test can compare them."""
import base64
import json
import math
import struct
import sys
import zlib


def varints(buf):
    i = 0
    while i < len(buf):
        v = 0
        for k in range(9):
            b = buf[i]
            i += 1
            if k == 8:
                v |= b << 56
                break
            v |= (b & 0x7F) << (7 * k)
            if not b & 0x80:
                break
        yield (v >> 1) ^ -(v & 1)


def decode(b64):
    raw = base64.b64decode(b64)
    cookie, clen = struct.unpack(">iI", raw[:8])
    assert cookie & ~0xF0 == 0x1C849304, f"compression cookie {cookie:#x}"
    assert clen == len(raw) - 8, "compressed length"
    enc = zlib.decompress(raw[8:])
    cookie, plen, norm, sig, lowest, highest, ratio = struct.unpack(">iiiiqqd", enc[:40])
    assert cookie & ~0xF0 == 0x1C849303, f"encoding cookie {cookie:#x}"
    assert plen == len(enc) - 40 and norm == 0
    counts = []
    for v in varints(enc[40:]):
        counts.extend([0] * -v if v < 0 else [v])
    return sig, lowest, highest, counts


def layout(sig, lowest):
    """HdrHistogram's sub-bucket layout: value of the lowest value in each counts index."""
    largest = 2 * 10 ** sig
    sub_bucket_count = 2 ** math.ceil(math.log2(largest))
    unit = int(math.floor(math.log2(lowest)))
    half_mag = int(math.log2(sub_bucket_count)) - 1
    half = sub_bucket_count // 2

    def value_at(idx):
        bucket = (idx >> half_mag) - 1
        sub = (idx & (half - 1)) + half
        if bucket < 0:
            sub -= half
            bucket = 0
        return sub << (bucket + unit)
    return value_at


def main(path):
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("#") or line.startswith('"'):
            continue
        tag = None
        if line.startswith("Tag="):
            tag, line = line[4:].split(",", 1)
        start, length, mx, b64 = line.split(",")
        sig, lowest, highest, counts = decode(b64)
        value_at = layout(sig, lowest)
        n = sum(counts)
        pct = {}
        for p in (50.0, 90.0, 99.0):
            rank = max(1, math.floor(p / 100 * n + 0.5))  # as HdrHistogram rounds
            run = 0
            for i, c in enumerate(counts):
                run += c
                if run >= rank:
                    pct[f"p{p:g}_lowest_ns"] = value_at(i)
                    break
        print(json.dumps({"tag": tag, "start": float(start), "length": float(length),
                          "max_ms": float(mx), "count": n, "sig": sig, "lowest": lowest,
                          "highest": highest, **pct}))


if __name__ == "__main__":
    main(sys.argv[1])
