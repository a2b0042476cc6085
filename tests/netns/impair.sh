#!/usr/bin/env bash
# The userspace netem (impair) between two namespaces: ping RTT grows by twice the one-way
# delay, losses and duplicates seen by ping equal the forwarder's own counts, reordered
# frames skip the delay, jitter spreads the RTT.
. "$(dirname "$0")/lib.sh"

pg_ns_trio 90
pg_ns_trio_static_neigh

# ping_run COUNT INTERVAL OUT: RTTs (ms, one per line) in OUT, the summary in OUT.sum
ping_run() {
	ip netns exec "$NS_A" ping -n -c "$1" -i "$2" -W 1 "$IP_B" > "$3.raw" 2>&1
	grep -o 'time=[0-9.]*' "$3.raw" | cut -d= -f2 > "$3"
	grep -E 'packets transmitted' "$3.raw" > "$3.sum"
}
median() { sort -g "$1" | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : "nan")}'; }

# 1. baseline (forwarding, no delay), then 2 ms each way
pg_impair_start 0 0 0 0 0 1
ping_run 100 0.01 "$PG_TMP/base"
pg_impair_stop
pg_impair_start 2000 0 0 0 0 1
ping_run 100 0.01 "$PG_TMP/delay"
pg_impair_stop
b=$(median "$PG_TMP/base"); d=$(median "$PG_TMP/delay")
echo "ping median RTT: no delay $b ms, 2 ms each way $d ms"
python3 - "$b" "$d" <<'PY' || die "RTT delta is not 4 ms"
import sys
b, d = map(float, sys.argv[1:])
delta_us = (d - b) * 1000
print(f"RTT delta {delta_us:.0f} us (expected 4000 +- 300)")
assert abs(delta_us - 4000) <= 300
PY
[ "$(pg_impair_count a lost)" = 0 ] || die "frames lost without loss configured"

# 2. 10% loss: ping's missing replies are exactly the frames the forwarder dropped
pg_impair_start 0 0 10 0 0 7
ping_run 300 0.005 "$PG_TMP/loss"
pg_impair_stop
la=$(pg_impair_count a lost); lb=$(pg_impair_count b lost)
rcv=$(wc -l < "$PG_TMP/loss")
echo "loss: ping received $rcv of 300; impair dropped $la requests, $lb replies"
[ "$rcv" -eq $((300 - la - lb)) ] || die "ping lost $((300 - rcv)), impair dropped $((la + lb))"
[ "$la" -ge 10 ] && [ "$la" -le 60 ] || die "request loss $la of 300 is not ~10%"

# 3. 10% duplication: ping's duplicates are the forwarder's extra copies
pg_impair_start 0 0 0 0 10 11
ping_run 300 0.005 "$PG_TMP/dup"
pg_impair_stop
da=$(pg_impair_count a dup); db=$(pg_impair_count b dup)
nd=$(grep -o '+[0-9]* duplicates' "$PG_TMP/dup.sum" | tr -dc 0-9)
echo "dup: ping saw ${nd:-0} duplicates; impair duplicated $da requests, $db replies"
# ping exits on its last reply, so up to three copies of the last exchange may come later
miss=$((da + db - ${nd:-0}))
[ "$miss" -ge 0 ] && [ "$miss" -le 3 ] || die "duplicate counts disagree"
[ "$da" -gt 0 ] || die "no duplicates made"

# 4. reordering with 1 ms delay: 30% of frames skip the delay (RTT 0, 1 or 2 ms)
pg_impair_start 1000 0 0 30 0 5
ping_run 200 0.005 "$PG_TMP/reord"
pg_impair_stop
ra=$(pg_impair_count a reord)
mn=$(sort -g "$PG_TMP/reord" | head -1); mx=$(sort -g "$PG_TMP/reord" | tail -1)
echo "reorder: $ra requests sent early; RTT min $mn ms max $mx ms"
python3 -c "import sys; assert float('$mn') < 0.5 and float('$mx') > 1.9" ||
	die "reordered frames did not skip the delay"

# 5. jitter: 2 ms +- 500 us each way spreads the RTT over 3..5 ms
pg_impair_start 2000 500 0 0 0 3
ping_run 200 0.005 "$PG_TMP/jit"
pg_impair_stop
python3 - "$PG_TMP/jit" "$b" <<'PY' || die "jitter out of range"
import statistics, sys
r = [float(x) for x in open(sys.argv[1])]
b = float(sys.argv[2])
sd = statistics.pstdev(r) * 1000
print(f"jitter: RTT {min(r):.3f}..{max(r):.3f} ms, stdev {sd:.0f} us (uniform +-500 us twice: ~408)")
# median: 4 ms plus what the shared CPUs add to the forwarder (a loaded machine adds tenths)
assert sd > 150 and min(r) > 2.9 and statistics.median(r) - b < 4.8, (sd, min(r), statistics.median(r))
PY
echo "PASS"
