#!/usr/bin/env bash
# Sets up the machine, builds perfgen (warnings as errors) and runs every test suite,
# then prints one plain line: N passed, N failed[, N skipped].
# Usage: sudo scripts/test.sh [meson test args...]   (PERFGEN_SUITES="unit netns" to narrow)
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD

if [ "$(id -u)" -ne 0 ]; then
	echo "test.sh: run as root (sudo scripts/test.sh): the netns suite needs namespaces and AF_XDP" >&2
	exit 1
fi

bash scripts/setup.sh || { echo "test.sh: setup failed"; echo "0 passed, 1 failed"; exit 1; }

# Tests remove their namespaces on every exit path they can catch; a test killed with SIGKILL
# (meson's timeout) cannot. Their names carry the creating test's pid (pg<pid>a, pgfw<pid>,
# pgi3.<pid>, ...): remove those whose test is gone, before and after the run.
sweep_netns() {
	local ns pid
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^pg'); do
		pid=$(echo "$ns" | grep -oE '[0-9]+' | head -1)
		[ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null || continue
		echo "test.sh: removing namespace $ns left by a killed test (pid $pid is gone)"
		ip netns del "$ns"
	done
}
sweep_netns

build=${PERFGEN_BUILD:-build}
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" --werror -Dbuildtype=debugoptimized || { echo "0 passed, 1 failed"; exit 1; }
else
	meson configure "$build" --werror >/dev/null
fi
if ! ninja -C "$build"; then
	echo "test.sh: build failed"
	echo "0 passed, 1 failed"
	exit 1
fi

suites=${PERFGEN_SUITES:-unit pcap fuzz netns firmware}
args=()
for s in $suites; do args+=(--suite "$s"); done
meson test -C "$build" --print-errorlogs --num-processes 2 "${args[@]}" "$@"
mrc=$?
sweep_netns

# Sanitizer build (ASan + UBSan) of the unit and fuzz suites: memory errors fail the run.
logs=("$build/meson-logs/testlog.json")
if [ -z "${PERFGEN_NO_ASAN:-}" ]; then
	asan=${build}-asan
	rm -f "$asan/meson-logs/testlog.json"
	logs+=("$asan/meson-logs/testlog.json")
	if [ ! -f "$asan/build.ninja" ]; then
		meson setup "$asan" -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug \
			-Dfirmware=disabled >/dev/null || true
	fi
	if ninja -C "$asan" >/dev/null 2>&1; then
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
			meson test -C "$asan" --print-errorlogs --suite unit --suite fuzz --no-suite libfuzzer \
			--test-args='' >/dev/null 2>&1
	else
		echo "test.sh: sanitizer build failed"
		mkdir -p "$asan/meson-logs"
		echo '{"name": "asan-build", "result": "FAIL"}' > "$asan/meson-logs/testlog.json"
	fi
fi

# Count results from meson's machine-readable logs (both builds).
python3 - "${logs[@]}" <<'PY'
import json, os, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    if not path or not os.path.exists(path):
        continue
    tag = " (asan)" if "asan" in path else ""
    for line in open(path):
        line = line.strip()
        if not line:
            continue
        t = json.loads(line)
        r = t.get("result")
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
            why = ""
            for l in (t.get("stdout") or "").splitlines():
                if l.startswith("SKIP"):
                    why = l
            print(f"skipped: {t['name']}{tag}: {why}")
        else:
            failed += 1
            print(f"failed: {t['name']}{tag}: {r}")
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed else 0)
PY
