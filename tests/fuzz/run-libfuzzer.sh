#!/usr/bin/env bash
# Builds the fuzz targets with clang's libFuzzer (+ ASan/UBSan) and runs each, coverage
# guided, from its seed corpus for SECONDS (default 5). Crashes leave a reproducer in
# the work folder and fail the run. Usage: run-libfuzzer.sh [SECONDS] [WORKDIR]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
secs=${1:-5}
work=${2:-$(mktemp -d /tmp/pgfuzz.XXXXXX)}
command -v clang >/dev/null || { echo "SKIP: clang not installed (scripts/setup.sh)"; exit 77; }
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }' > "$work/probe.c"
clang -fsanitize=fuzzer "$work/probe.c" -o "$work/probe" 2>/dev/null ||
	{ echo "SKIP: clang has no libFuzzer runtime (libclang-rt-14-dev)"; exit 77; }

inc=(-I"$src/src" -I"$src/src/proto" -I"$src/src/dataplane" -I"$src/src/report" -I"$src/src/control")
flags=(-g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)
proto=("$src"/src/proto/csum.c "$src"/src/proto/frame.c "$src"/src/proto/iperf2_udp.c "$src"/src/proto/iperf2_tcp.c "$src"/src/proto/pcap.c "$src"/src/proto/rewrite.c "$src"/src/proto/tcp_track.c)
tcp_engine=("$src"/src/proto/tcp.c "$src"/src/proto/tcp_in.c "$src"/src/proto/tcp_out.c "$src"/src/proto/tcp_timer.c "$src"/src/proto/tcp_sack.c "$src"/src/proto/tcp_opt.c "$src"/src/proto/tcp_cc_reno.c "$src"/src/proto/tcp_cc_cubic.c "$src"/src/proto/tcp_peer.c)
declare -A extra=(
	[iperf2]="${proto[*]}"
	[pcap]="${proto[*]}"
	[rewrite]="${proto[*]}"
	[opts]="$src/src/control/opts.c $src/src/dataplane/lcore.c"
	[tcp]="${proto[*]} ${tcp_engine[*]}"
	[iperf3]="$src/src/proto/iperf3_ctrl.c $src/src/proto/iperf3_err.c $src/src/proto/iperf3_json.c $src/src/proto/iperf3_udp.c"
	[ptp]="$src/src/proto/ptp_mgmt.c"
	[export]="$src/src/report/export_iperf2_hist.c $src/src/report/export_hdrlog.c $src/src/report/hist.c -lz"
)
rc=0
for t in iperf2 pcap rewrite opts iperf3 ptp tcp export; do
	# shellcheck disable=SC2086
	clang "${flags[@]}" "${inc[@]}" "$here/fuzz_$t.c" ${extra[$t]} -ljansson -lm -lpthread -o "$work/fuzz_$t" ||
		{ echo "FAIL: cannot build fuzz_$t"; rc=1; continue; }
	mkdir -p "$work/corpus_$t"
	if "$work/fuzz_$t" -max_total_time="$secs" -timeout=5 -rss_limit_mb=1024 -print_final_stats=1 \
		-artifact_prefix="$work/crash_$t-" "$work/corpus_$t" "$here/corpus/$t" > "$work/$t.log" 2>&1; then
		echo "fuzz_$t: $(grep -E 'stat::number_of_executed_units' "$work/$t.log" | awk '{print $2}') runs, no crash"
	else
		echo "FAIL: fuzz_$t crashed; reproducer in $work:"; tail -40 "$work/$t.log"; rc=1
	fi
done
[ $rc -eq 0 ] && [ -z "${2:-}" ] && rm -rf "$work"
exit $rc
