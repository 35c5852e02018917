#!/usr/bin/env bash
# kconfig.sh SRC OBJ ARCH FRAGMENT...: write OBJ/.config as tinyconfig plus
# the fragments, and fail if a requested option did not stick.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
src=$1 obj=$2 arch=$3
shift 3
cross=$(cross_prefix "$arch")
mkdir -p "$obj"
cat "$@" >"$obj/.fragment"
if [ -f "$obj/.config" ] && cmp -s "$obj/.fragment" "$obj/.fragment.used"; then
	exit 0
fi
make -s -C "$src" O="$obj" ARCH="$arch" CROSS_COMPILE="$cross" tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$obj/.fragment" >/dev/null
make -s -C "$src" O="$obj" ARCH="$arch" CROSS_COMPILE="$cross" olddefconfig >/dev/null
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=n) opt=${line%%=*}
		grep -q "^$opt=" "$obj/.config" && { echo "kconfig: $opt is set" >&2; bad=1; } ;;
	CONFIG_*=*) grep -qx "$line" "$obj/.config" || { echo "kconfig: $line did not stick" >&2; bad=1; } ;;
	esac
done < <(awk -F= '/^CONFIG_/ { last[$1] = $0; order[++n] = $1 }
	END { for (i = 1; i <= n; i++) if (!seen[order[i]]++) print last[order[i]] }' "$obj/.fragment")
[ $bad -eq 0 ] || exit 1
cp "$obj/.fragment" "$obj/.fragment.used"
