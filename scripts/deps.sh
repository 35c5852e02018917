#!/usr/bin/env bash
# Install the Debian bookworm packages the project needs.  Idempotent and
# quick when everything is already there.
set -euo pipefail

pkgs=(
	build-essential gcc make flex bison bc libelf-dev libssl-dev dwarves
	sparse perl python3 cpio xz-utils git rsync kmod
	gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross
	qemu-system-x86 qemu-system-arm qemu-efi-aarch64
	busybox-static bash-static pciutils acpica-tools b4
	libpci-dev zlib1g-dev uuid-dev libdpdk-dev
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo ">> installing: ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
