#!/usr/bin/env bash
# Boots the an547 firmware image (QEMU mps3-an547, Cortex-M55, LAN9118) on a tap, serving
# iperf2 on 5001 and iperf3 on 5201 like pgfw-host. Builds the image first if needed.
#   scripts/fw-qemu.sh TAP [IP/PREFIX] [--run "CMD[;CMD...]"]
# The tap should exist (ip tuntap add TAP mode tap) in the namespace this runs in, with the
# peer's address on it; QEMU attaches to it. Console output and the verdict go through
# semihosting: with --run, QEMU's exit status is 0 when every command succeeded.
# Env: PERFGEN_BUILD (default build-dev), PGFW_AN547_ELF (use this image).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

if [ $# -lt 1 ] || [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
	sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
fi
tap=$1
shift
ip=198.18.73.2/24
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then
	ip=$1
	shift
fi
case $ip in
*/*) ;;
*) echo "fw-qemu: IP/PREFIX expected, got '$ip'" >&2; exit 2 ;;
esac
run=""
if [ $# -gt 0 ]; then
	[ "$1" = --run ] && [ $# -eq 2 ] || { echo "fw-qemu: unexpected arguments: $*" >&2; exit 2; }
	run=$2
fi
command -v qemu-system-arm >/dev/null || { echo "fw-qemu: qemu-system-arm missing (scripts/setup.sh)" >&2; exit 1; }
[ -d "/sys/class/net/$tap" ] || { echo "fw-qemu: $tap: no such interface (ip tuntap add $tap mode tap)" >&2; exit 1; }

elf=${PGFW_AN547_ELF:-}
if [ -z "$elf" ]; then
	build=${PERFGEN_BUILD:-$top/build-dev}
	if [ ! -f "$build/build.ninja" ]; then
		meson setup "$build" -Dfw_ports=host,an547,stm32n6 >/dev/null
	fi
	ninja -C "$build" firmware/stm32n6/pgfw-an547.elf >/dev/null
	elf=$build/firmware/stm32n6/pgfw-an547.elf
fi
[ -f "$elf" ] || { echo "fw-qemu: no image at $elf" >&2; exit 1; }

# Semihosting arguments are split on commas by QEMU's option parser: commas in --run are
# not supported (the console needs none).
args="arg=pgfw-an547,arg=--ip,arg=$ip"
if [ -n "$run" ]; then
	case $run in *,*) echo "fw-qemu: --run must not contain commas" >&2; exit 2 ;; esac
	args="$args,arg=--run"
	for w in $run; do args="$args,arg=$w"; done
fi
exec qemu-system-arm -M mps3-an547 -nographic -monitor none -serial none \
	-semihosting-config "enable=on,target=native,$args" \
	-kernel "$elf" -nic "tap,ifname=$tap,script=no,downscript=no,model=lan9118"
