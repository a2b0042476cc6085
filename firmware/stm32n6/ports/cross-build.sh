#!/usr/bin/env bash
# Cross-builds one Cortex-M55 image of the firmware peer with arm-none-eabi-gcc
# (-mcpu=cortex-m55 -mfloat-abi=hard, MVE/Helium enabled by the CPU choice). Our sources are
# built with -Werror and the project's warning set; lwIP's with its own warnings silenced.
# Called by meson (custom_target) so that the native build tree needs no cross file.
# Usage: cross-build.sh an547|stm32n6 OUT.elf [CC]
set -euo pipefail
port=$1
out=$2
cc=${3:-arm-none-eabi-gcc}
fw=$(cd "$(dirname "$0")/.." && pwd)
top=$(cd "$fw/../.." && pwd)
lw=$fw/third_party/lwip/src
obj=$(dirname "$out")/$(basename "$out" .elf).objs
rm -rf "$obj"
mkdir -p "$obj"

cpu=(-mcpu=cortex-m55 -mthumb -mfloat-abi=hard)
common=("${cpu[@]}" -std=gnu11 -O2 -g -ffunction-sections -fdata-sections -fno-common
	-I"$fw/ports/$port" -I"$fw/ports/cm55" -I"$fw/app" -I"$fw/lwip" -I"$fw/lwip/arm"
	-I"$fw/drivers" -I"$top/src/proto" -I"$lw/include")
strict=(-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
	-Wpointer-arith -Wundef -Wvla -Wno-missing-field-initializers)

lwip_src=(core/init.c core/def.c core/inet_chksum.c core/ip.c core/mem.c core/memp.c
	core/netif.c core/pbuf.c core/stats.c core/sys.c core/tcp.c core/tcp_in.c core/tcp_out.c
	core/timeouts.c core/udp.c core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/ip4.c
	core/ipv4/ip4_addr.c core/ipv4/ip4_frag.c netif/ethernet.c)
ours=("$fw"/app/*.c "$fw"/ports/cm55/*.c "$fw"/ports/"$port"/*.c)
case $port in
an547) ;;
stm32n6) ours+=("$fw"/drivers/*.c) ;;
*) echo "cross-build: unknown port '$port' (an547, stm32n6)" >&2; exit 2 ;;
esac

pids=()
for f in "${lwip_src[@]}"; do
	"$cc" "${common[@]}" -w -c "$lw/$f" -o "$obj/lwip_$(echo "$f" | tr / _ | sed 's/\.c$//').o" &
	pids+=($!)
	# two cores shared with others: at most two compilers at once
	if [ ${#pids[@]} -ge 2 ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
for p in "${pids[@]}"; do wait "$p"; done
for f in "${ours[@]}"; do
	"$cc" "${common[@]}" "${strict[@]}" -c "$f" -o "$obj/$(basename "$(dirname "$f")")_$(basename "$f" .c).o"
done
"$cc" "${cpu[@]}" -nostartfiles -T "$fw/ports/$port/link.ld" -Wl,--gc-sections -Wl,--fatal-warnings \
	-Wl,-Map="${out%.elf}.map" -o "$out" "$obj"/*.o
