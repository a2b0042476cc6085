#!/usr/bin/env bash
# A peer that is not there: no iperf server behind the address (FIN never answered), and
# an address nobody answers ARP for. perfgen must say so, exit non-zero, leave nothing behind.
. "$(dirname "$0")/lib.sh"
pg_ns_pair 23

# 1. The host is up but no server listens: the FIN is never acknowledged.
start=$(date +%s.%N)
ip netns exec "$NS_A" "$PERFGEN" --wire iperf2 --dev vA -c "$IP_B" -u -b 1M -t 1 > "$PG_TMP/out.txt" 2>&1
rc=$?
end=$(date +%s.%N)
cat "$PG_TMP/out.txt"
[ $rc -ne 0 ] || die "perfgen exited 0 although no server answered"
grep -q "no server report" "$PG_TMP/out.txt" || die "no 'no server report' message"
python3 -c "import sys; d=float(sys.argv[2])-float(sys.argv[1]); print(f'took {d:.2f} s'); assert d < 8" "$start" "$end" || die "took too long"
pg_assert_no_xdp "$NS_A" vA

# 2. Nobody at that address: next-hop resolution fails with a one-line error.
ip netns exec "$NS_A" "$PERFGEN" --wire iperf2 --dev vA -c 198.18.23.77 -u -t 1 --resolve-timeout 500 > "$PG_TMP/out2.txt" 2>&1
rc=$?
cat "$PG_TMP/out2.txt"
[ $rc -ne 0 ] || die "perfgen exited 0 for an unreachable host"
[ "$(wc -l < "$PG_TMP/out2.txt")" -eq 1 ] || die "expected a one-line error"
grep -q "ARP" "$PG_TMP/out2.txt" || die "error does not mention ARP"
pg_assert_no_xdp "$NS_A" vA
echo OK
