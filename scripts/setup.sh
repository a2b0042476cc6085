#!/usr/bin/env bash
# Idempotent machine set-up for perfgen: Debian packages, hugepages, hugetlbfs and bpffs mounts.
# Safe to run any number of times; prints what it did.
set -euo pipefail

log() { printf 'setup: %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
	echo "setup: must run as root (sudo scripts/setup.sh)" >&2
	exit 1
fi

PKGS=(
	# build
	meson ninja-build pkg-config gcc clang llvm libc6-dev linux-libc-dev
	libbpf-dev libxdp-dev xdp-tools bpftool libelf-dev zlib1g-dev
	libjansson-dev libcmocka-dev libpcap-dev
	dpdk dpdk-dev libdpdk-dev
	# real peers and tools the tests use
	iperf iperf3 tshark tcpdump python3-scapy python3-matplotlib linuxptp
	iproute2 iputils-ping ethtool procps util-linux strace
	# HdrHistogram's own log reader (HistogramLogProcessor) checks --hdr-log
	default-jre-headless libhdrhistogram-java
	# firmware
	gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm dpkg-dev
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "installing ${#missing[@]} packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
	apt-get -o DPkg::Lock::Timeout=600 update -qq
	apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
	log "all ${#PKGS[@]} packages present"
fi

# Hugepages for DPDK: 2 MiB pages; keep a modest reservation (the machine is shared).
want=${PERFGEN_HUGEPAGES:-512}
hp=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
if [ -w "$hp" ]; then
	have=$(cat "$hp")
	if [ "$have" -lt "$want" ]; then
		echo "$want" > "$hp" || true
		log "hugepages: $have -> $(cat "$hp") x 2 MiB"
	else
		log "hugepages: $have x 2 MiB reserved"
	fi
else
	log "hugepages: $hp not writable; DPDK runs will need --no-huge"
fi

mkdir -p /dev/hugepages
if ! mountpoint -q /dev/hugepages; then
	mount -t hugetlbfs nodev /dev/hugepages && log "mounted hugetlbfs on /dev/hugepages"
else
	log "hugetlbfs already mounted"
fi

if ! mountpoint -q /sys/fs/bpf; then
	mount -t bpf bpf /sys/fs/bpf && log "mounted bpffs on /sys/fs/bpf"
else
	log "bpffs already mounted"
fi

# AF_XDP needs locked memory for the UMEM.
ulimit -l unlimited 2>/dev/null || true
log "done"
