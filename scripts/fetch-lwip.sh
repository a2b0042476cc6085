#!/usr/bin/env bash
# Fetches lwIP 2.1.3 from Debian's *source* package into an ignored folder (default
# firmware/stm32n6/third_party/lwip/), for the firmware build. Never commit what it fetches.
#
# Why the source package: Debian's binary liblwip is built NO_SYS=0 with an RX pool that is
# smaller than its headers assume (a full-size frame corrupts its heap), so the firmware
# builds lwIP from source with its own lwipopts.h.
#
# deb-src is not configured on this machine; rather than editing /etc/apt, the script points
# apt at a private sources list and list directory (the same mirror as the machine's own
# bookworm "deb" entry), so the system's apt state is left untouched.
#
# Usage: scripts/fetch-lwip.sh [DEST]      idempotent; prints the folder on success
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-$top/firmware/stm32n6/third_party/lwip}
want_version=2.1.3

if [ -f "$dest/src/core/tcp.c" ] && [ -f "$dest/.pg-fetched" ]; then
	echo "$dest"
	exit 0
fi

for t in apt-get dpkg-source; do
	command -v "$t" >/dev/null || { echo "fetch-lwip: $t missing: apt-get install dpkg-dev (scripts/setup.sh)" >&2; exit 1; }
done

# The mirror of the machine's own bookworm entry (deb822 or one-line format).
mirror=""
if [ -r /etc/apt/sources.list.d/debian.sources ]; then
	mirror=$(awk '/^URIs:/ {u=$2} /^Suites:/ && / bookworm( |$)/ {print u; exit}' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$mirror" ] && [ -r /etc/apt/sources.list ]; then
	mirror=$(awk '$1=="deb" && $3=="bookworm" {print $2; exit}' /etc/apt/sources.list)
fi
[ -n "$mirror" ] || { echo "fetch-lwip: no Debian bookworm mirror in /etc/apt sources; cannot fetch lwip's source package" >&2; exit 1; }

work=$(mktemp -d /tmp/pg-lwip.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/dl"
printf 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s bookworm main\n' "$mirror" > "$work/sources.list"
aptopts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
	-o "Dir::State::Lists=$work/lists" -o "Dir::Cache::Archives=$work/archives"
	-o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=" -o "Debug::NoLocking=1" -q)

apt-get "${aptopts[@]}" update >"$work/update.log" 2>&1 ||
	{ cat "$work/update.log" >&2; echo "fetch-lwip: apt-get update of the deb-src list failed" >&2; exit 1; }
(cd "$work/dl" && apt-get "${aptopts[@]}" source --download-only "lwip=${want_version}+dfsg1-2") >"$work/source.log" 2>&1 ||
	{ cat "$work/source.log" >&2; echo "fetch-lwip: apt-get source lwip failed" >&2; exit 1; }
dsc=$(ls "$work"/dl/lwip_*.dsc)
# apt checked the .dsc against the signed Sources index; dpkg-source checks the tarballs
# against the .dsc (the uploader's own signature needs debian-keyring: a warning only).
(cd "$work/dl" && dpkg-source -x "$dsc" src) >"$work/extract.log" 2>&1 ||
	{ cat "$work/extract.log" >&2; echo "fetch-lwip: dpkg-source -x failed" >&2; exit 1; }
[ -f "$work/dl/src/src/core/tcp.c" ] || { echo "fetch-lwip: unexpected source layout (no src/core/tcp.c)" >&2; exit 1; }
ver=$(awk '/define LWIP_VERSION_(MAJOR|MINOR|REVISION) / {printf "%s%s", sep, $3; sep="."}' "$work/dl/src/src/include/lwip/init.h" | tr -d '\r')
[ "$ver" = "$want_version" ] || { echo "fetch-lwip: got lwIP $ver, the firmware is written for $want_version" >&2; exit 1; }

rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv "$work/dl/src" "$dest"
echo "lwip ${want_version} from $(basename "$dsc")" > "$dest/.pg-fetched"
echo "$dest"
