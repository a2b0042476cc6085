#!/usr/bin/env python3
"""Checks for tests/replay/replay.sh, on captures read by pcaptool.py (stdlib only)."""
import struct
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
import pcaptool  # noqa: E402


def span(frames):
    return (frames[-1][0] - frames[0][0]) / 1e9


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "same":
        a, b = pcaptool.read(args[0]), pcaptool.read(args[1])
        print(f"same: original {len(a)} frames, output {len(b)} frames")
        assert len(a) == len(b), "frame count"
        for i, (x, y) in enumerate(zip(a, b)):
            assert x[1] == y[1], f"frame {i} differs"
    elif cmd == "timing":
        a, b = pcaptool.read(args[0]), pcaptool.read(args[1])
        speed, _ = float(args[2]), args[3]
        want, got = span(a) / speed, span(b)
        err = 100 * (got - want) / want
        print(f"timing at {speed}x: original span {span(a):.4f} s -> expected {want:.4f} s, output {got:.4f} s ({err:+.3f}%)")
        assert abs(err) < 1.0, "more than 1% off"
        # and each frame near its own time (not only the ends)
        t0a, t0b = a[0][0], b[0][0]
        worst = max(abs((y[0] - t0b) - (x[0] - t0a) / speed) for x, y in zip(a, b)) / 1e6
        print(f"worst single-frame offset {worst:.3f} ms")
        assert worst < max(2.0, span(a) * 1000 / speed * 0.01), "a frame left far from its time"
    elif cmd == "pps":
        b = pcaptool.read(args[0])
        rate = float(args[1])
        want = (len(b) - 1) / rate
        err = 100 * (span(b) - want) / want
        print(f"pps {rate:.0f}: {len(b)} frames over {span(b):.4f} s, expected {want:.4f} s ({err:+.2f}%)")
        assert abs(err) < 2.0
    elif cmd == "loop":
        a, b = pcaptool.read(args[0]), pcaptool.read(args[1])
        n = int(args[2])
        print(f"loop {n}: original {len(a)}, output {len(b)}")
        assert [f for _, f in b] == [f for _, f in a] * n
    elif cmd == "rewrite":
        a, b = pcaptool.read(args[0]), pcaptool.read(args[1])
        dmac = bytes.fromhex(args[2].replace(":", ""))
        sip = bytes(int(x) for x in args[3].split("."))
        dip = bytes(int(x) for x in args[4].split("."))
        assert len(a) == len(b)
        for (_, x), (_, y) in zip(a, b):
            assert y[:6] == dmac and y[6:12] == x[6:12]
            assert y[26:30] == sip and y[30:34] == dip
            assert y[34:] [8:] == x[34:][8:] or True
            # everything but MAC, addresses and checksums is unchanged
            mask = lambda f: f[12:24] + f[34:40] + f[42:]  # noqa: E731
            assert mask(x) == mask(y)
        print(f"rewrite: {len(b)} frames with new MAC/addresses")
    else:
        raise SystemExit(f"unknown check {cmd}")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"check failed: {e}")
        sys.exit(1)
