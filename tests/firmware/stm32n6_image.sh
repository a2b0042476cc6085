#!/usr/bin/env bash
# The stm32n6 first-stage boot image: built (with -Werror and --fatal-warnings, by meson),
# within its size budget, and a Cortex-M55 image with Helium: readelf -A shows MVE.
# Usage: stm32n6_image.sh ELF BUDGET_BYTES
set -u
elf=$1
budget=$2
die() { echo "FAIL: $*"; exit 1; }
command -v arm-none-eabi-size >/dev/null || { echo "SKIP: binutils-arm-none-eabi missing"; exit 77; }
[ -f "$elf" ] || die "no image at $elf"

read -r text data bss _ < <(arm-none-eabi-size "$elf" | awk 'NR==2 {print $1, $2, $3}')
flash=$((text + data))
echo "image: text $text + data $data = $flash bytes in the 255 KB FSBL window (budget $budget), bss $bss"
[ "$flash" -le "$budget" ] || die "image is $flash bytes, budget $budget"
[ "$flash" -le $((255 * 1024)) ] || die "image exceeds the 255 KB first-stage boot window"
ram_end=$(arm-none-eabi-nm "$elf" | awk '$3 == "__heap_end" {print $1}')
[ -n "$ram_end" ] || die "no __heap_end symbol"
[ $((16#$ram_end)) -le $((0x341C0000 + 256 * 1024 - 8192)) ] || die "RAM use leaves less than 8 KB of stack"

attrs=$(arm-none-eabi-readelf -A "$elf")
echo "$attrs" | grep -q "Tag_CPU_arch: v8.1-M.mainline" || die "not an Armv8.1-M image: $attrs"
echo "$attrs" | grep -q "Tag_MVE_arch: MVE" || die "readelf -A shows no MVE: $attrs"
echo "$attrs" | grep -q "Tag_ABI_VFP_args: VFP registers" || die "not hard-float: $attrs"
entry=$(arm-none-eabi-readelf -h "$elf" | awk '/Entry point/ {print $4}')
vec=$(arm-none-eabi-nm "$elf" | awk '$3 == "cm55_vectors" {print $1}')
[ "$((16#$vec))" = "$((0x34180400))" ] || die "vector table at 0x$vec, the FSBL entry window starts at 0x34180400"
echo "ok: $(echo "$attrs" | grep Tag_MVE_arch | sed 's/^ *//'), entry $entry, vectors at 0x$vec"
echo "PASS"
