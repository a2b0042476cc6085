#!/usr/bin/python3
"""Render perfgen's one-way latency to a PNG: the distribution (percentile plot of the
end-of-test figures, HdrHistogram style) and latency over time (p50/p99/max per interval).

usage: scripts/plot-latency.py FILE.json [-o OUT.png] [--stream N]
FILE is perfgen -J output (one document) or --json-stream output (one event per line).
Needs matplotlib from Debian (python3-matplotlib; run with /usr/bin/python3)."""
import argparse
import json
import sys


def load(path):
    """Returns (intervals, end) from a -J document or a --json-stream file."""
    text = open(path).read()
    try:
        d = json.loads(text)
        return d.get("intervals", []), d.get("end", {})
    except json.JSONDecodeError:
        pass
    intervals, end = [], {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            ev = json.loads(line)
        except json.JSONDecodeError as e:
            sys.exit(f"plot-latency: {path}:{n}: not JSON ({e.msg})")
        if ev.get("event") == "interval":
            intervals.append(ev["data"])
        elif ev.get("event") == "end":
            end = ev["data"]
    return intervals, end


def stream_latency(obj, stream):
    """The perfgen.latency of stream index `stream` in an interval or end object."""
    streams = obj.get("streams", [])
    if stream >= len(streams):
        return None
    s = streams[stream]
    s = s.get("udp", s)
    return (s.get("perfgen") or {}).get("latency")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json")
    ap.add_argument("-o", "--output")
    ap.add_argument("--stream", type=int, default=0, help="stream index (default 0)")
    a = ap.parse_args()
    out = a.output or a.json.rsplit(".", 1)[0] + ".png"
    try:
        intervals, end = load(a.json)
    except OSError as e:
        sys.exit(f"plot-latency: {a.json}: {e.strerror}")
    total = stream_latency(end, a.stream)
    if not total:
        sys.exit(f"plot-latency: {a.json}: no latency for stream {a.stream} "
                 "(run the server with a --trip-times client)")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("plot-latency: needs matplotlib (apt-get install python3-matplotlib; use /usr/bin/python3)")

    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 8))
    pcts = [(0.0, "min_ns"), (50.0, "p50_ns"), (90.0, "p90_ns"), (99.0, "p99_ns"),
            (99.9, "p999_ns"), (99.99, "p9999_ns")]
    xs = [1.0 / (1.0 - p / 100.0) for p, _ in pcts]
    ys = [total[k] / 1e3 for _, k in pcts]
    ax1.plot(xs, ys, marker="o")
    ax1.axhline(total["max_ns"] / 1e3, color="red", linestyle="--", label=f"max {total['max_ns']/1e3:.1f} us")
    ax1.set_xscale("log")
    ax1.set_xticks(xs)
    ax1.set_xticklabels([f"{p:g}%" for p, _ in pcts])
    bound = total.get("bound_ns")
    ax1.set_title(f"one-way latency distribution ({total['count']} samples, source {total['source']}, "
                  f"bound {'unknown' if bound is None else f'{bound} ns'})")
    ax1.set_xlabel("percentile")
    ax1.set_ylabel("latency (us)")
    ax1.grid(True, which="both", alpha=0.3)
    ax1.legend()

    t, p50, p99, mx = [], [], [], []
    for iv in intervals:
        lat = stream_latency(iv, a.stream)
        if not lat:
            continue
        s = iv["streams"][a.stream]
        s = s.get("udp", s)
        t.append((s["start"] + s["end"]) / 2)
        p50.append(lat["p50_ns"] / 1e3)
        p99.append(lat["p99_ns"] / 1e3)
        mx.append(lat["max_ns"] / 1e3)
    if t:
        ax2.plot(t, p50, marker=".", label="p50")
        ax2.plot(t, p99, marker=".", label="p99")
        ax2.plot(t, mx, marker=".", label="max", alpha=0.6)
        ax2.legend()
    else:
        ax2.text(0.5, 0.5, "no intervals (run with -i)", ha="center", transform=ax2.transAxes)
    ax2.set_title("latency over time")
    ax2.set_xlabel("time (s)")
    ax2.set_ylabel("latency (us)")
    ax2.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    print(f"plot-latency: wrote {out}")


if __name__ == "__main__":
    main()
