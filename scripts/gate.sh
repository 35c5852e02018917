#!/usr/bin/env bash
# The static gate.  Applies patches/ to a clean checkout of the base and runs
# every check; prints one "ok"/"not ok" line per check and a final
# "gate: N passed, N failed" line.  Exit status 1 if any check failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

LOGS=$CACHE/logs/gate
rm -rf "$LOGS"
mkdir -p "$LOGS"

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok $((pass + fail)) - $*"; }
notok() { fail=$((fail + 1)); echo "not ok $((pass + fail)) - $*"; }
finish() {
	echo "gate: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

repo=$(base_repo) || die "no base tree"
base=$(base_ref)
mapfile -t dirs < <(series_dirs)
[ ${#dirs[@]} -gt 0 ] || die "no series in $PATCHES"
mapfile -t series < <(series_patches)

gate_checkout "$repo" "$base"

# 1. Each series applies with git am: the first to the base, each other one
# on top of the series before it.  names[i] is the series of commits[i],
# and tips the last commit of each series.
commits=() names=() tips=() prev=$base
onto="the base ($(base_version "$repo"))"
for d in "${dirs[@]}"; do
	name=$(basename "$d")
	mapfile -t p < <(series_patches "$d")
	msg "git am $name: ${#p[@]} patches"
	if [ ${#p[@]} -gt 0 ] && git -C "$GATE" am -q "${p[@]}" >"$LOGS/am-$name.log" 2>&1; then
		ok "git am: $name, ${#p[@]} patches, applies to $onto"
	else
		notok "git am: $name does not apply to $onto (see $LOGS/am-$name.log)"
		finish
	fi
	mapfile -t -O ${#commits[@]} commits < <(git -C "$GATE" rev-list --reverse "$prev..HEAD")
	while [ ${#names[@]} -lt ${#commits[@]} ]; do names+=("$name"); done
	prev=$(git -C "$GATE" rev-parse HEAD)
	tips+=("$prev")
	onto=$name
done

# patches/ is what an export of the series gives, to the byte.
rt=$(mktemp -d)
if TREE=$rt/tree BRANCH=gate-roundtrip OUT=$rt/out "$ROOT/scripts/tree.sh" >"$LOGS/roundtrip.log" 2>&1 &&
   TREE=$rt/tree BRANCH=gate-roundtrip OUT=$rt/out "$ROOT/scripts/export.sh" >>"$LOGS/roundtrip.log" 2>&1 &&
   diff -r "$PATCHES" "$rt/out" >>"$LOGS/roundtrip.log" 2>&1; then
	ok "export of the applied series reproduces patches/ byte for byte"
else
	notok "export of the applied series differs from patches/ (see $LOGS/roundtrip.log)"
fi
git -C "$repo" worktree remove --force "$rt/tree" >/dev/null 2>&1
git -C "$repo" for-each-ref --format='%(refname:short)' refs/heads/gate-roundtrip/ |
	xargs -r git -C "$repo" branch -q -D
rm -rf "$rt"

# b4 takes each series as a maintainer takes it from the list: as mails (a
# Message-Id each, the patches in reply to the cover letter) through
# "b4 am", whose output applies where the series did and gives the same
# tree.  Bookworm's b4 0.12.0 fails on a folded Subject header under Python
# 3.11 ("Header values may not contain linefeed"), and git format-patch
# folds every long subject, so the subjects are unfolded for it.  It runs
# in the gate's checkout, which it leaves at the last series' end.
b4dir=$LOGS/b4
mkdir -p "$b4dir"
from=$base
for k in "${!dirs[@]}"; do
	name=$(basename "${dirs[k]}")
	i=0
	for f in "${dirs[k]}"/[0-9][0-9][0-9][0-9]-*.patch; do
		awk -v i=$i -v id="<$name.$i@vfio-tph.invalid>" -v top="<$name.0@vfio-tph.invalid>" '
			!h && /^Subject: / {
				s = $0
				while ((getline) > 0 && /^ /) s = s $0
				print s
				print "Message-Id: " id
				if (i) print "In-Reply-To: " top "\nReferences: " top
				h = 1
			}
			{ print }' "$f"
		i=$((i + 1))
	done >"$b4dir/$name.mbox"
	want=$((i - 1))
	mkdir -p "$b4dir/$name"
	got=$( (cd "$GATE" && b4 --offline-mode -n am -m "$b4dir/$name.mbox" \
		-o "$b4dir/$name" -n "$name") 2>&1 | tee "$b4dir/$name.log" |
		sed -n 's/^Total patches: //p')
	# b4 reads any "base-commit: " in the cover letter, so a line that only
	# looks like one would send it looking for a wrong base
	if [ "${got:-0}" -eq "$want" ] && [ -f "$b4dir/$name/$name.cover" ] &&
	   ! grep -q 'base-commit .* not known' "$b4dir/$name.log" &&
	   git -C "$GATE" checkout -q --detach "$from" &&
	   git -C "$GATE" am -q "$b4dir/$name/$name.mbx" >>"$b4dir/$name.log" 2>&1 &&
	   git -C "$GATE" diff --quiet "${tips[k]}" HEAD; then
		ok "b4 am: $name as mails gives its cover letter and $want patches, which apply to the same tree"
	else
		notok "b4 am: $name as mails (b4 found ${got:-no} of $want patches; see $b4dir/$name.log)"
	fi
	git -C "$GATE" am --abort >/dev/null 2>&1
	from=${tips[k]}
done
git -C "$GATE" checkout -q --detach "${tips[-1]}"
SPARSE=$("$ROOT/scripts/sparse.sh" "$GATE") || die "no usable sparse"

# 2. checkpatch --strict on every patch.  A Fixes: tag names an upstream
# commit, which checkpatch looks up in the tree's history; an imported
# Debian tree has none, so only there that one lookup is skipped.
cp_opts=(--strict --no-color --show-types)
if [ -z "${KSRC:-}" ]; then
	cp_opts+=(--ignore UNKNOWN_COMMIT_ID)
	echo "# checkpatch: UNKNOWN_COMMIT_ID not checkable, the Debian base has no upstream history"
fi
# checkpatch warns about every added file unless the patch touches
# MAINTAINERS.  Check instead that MAINTAINERS already covers each new file.
covered() {
	local f
	for f in $(awk '/^--- \/dev\/null/ { getline; sub(/^\+\+\+ b\//, ""); print }' "$1"); do
		(cd "$GATE" && ./scripts/get_maintainer.pl --no-git --no-git-fallback \
			--no-rolestats -f "$f" 2>/dev/null) | grep -q '@' || return 1
	done
}
# checkpatch runs $JOBS patches at a time; the results come in order.
cplog() { echo "$LOGS/checkpatch-$(basename "$(dirname "$1")")-$(basename "$1").log"; }
for p in "${series[@]}"; do
	opts=("${cp_opts[@]}")
	if grep -q '^--- /dev/null' "$p" && covered "$p"; then
		opts+=(--ignore FILE_PATH_CHANGES)
		echo "# $(basename "$p") adds files that MAINTAINERS already covers"
	fi
	[ "$(jobs -pr | wc -l)" -lt "$JOBS" ] || wait -n
	(cd "$GATE" && ./scripts/checkpatch.pl "${opts[@]}" "$p") >"$(cplog "$p")" 2>&1 &
done
wait
for p in "${series[@]}"; do
	name=$(basename "$(dirname "$p")")/$(basename "$p")
	log=$(cplog "$p")
	total=$(grep -E '^total: ' "$log" || echo 'total: ?')
	if grep -qE '^total: 0 errors, 0 warnings, 0 checks' "$log"; then
		ok "checkpatch --strict $name"
	else
		notok "checkpatch --strict $name: $total"
		grep -E '^(ERROR|WARNING|CHECK):' "$log" | head -n 5 | sed 's/^/#   /'
	fi
done

# The objects the series touches: .c files under the kernel, not tools/.
mapfile -t objs < <(sed -n 's|^+++ b/\(.*\)\.c$|\1.o|p' "${series[@]}" | grep -v '^tools/' | sort -u)
mapfile -t srcs < <(sed -n 's|^+++ b/\(.*\.[ch]\)$|\1|p' "${series[@]}" | grep -v '^tools/' | sort -u)

# enabled OBJDIR OBJ: is OBJ built in OBJDIR's configuration?  Every CONFIG_
# symbol on OBJ's line in its directory's Makefile must be y or m.
enabled() {
	local sym line mk=$GATE/$(dirname "$2")/Makefile
	# A file that its directory's Makefile does not name is #included
	line=$(grep -E "(^|[ =])$(basename "$2")( |$)" "$mk" 2>/dev/null) || return 1
	for sym in $(grep -o 'CONFIG_[A-Z0-9_]*' <<<"$line"); do
		grep -qE "^$sym=(y|m)" "$1/.config" || return 1
	done
}

# build_objs OBJDIR ARCH LOG: build the touched objects that exist at the
# current checkout, with W=1 and sparse (C=2 checks each named object).
build_objs() {
	local obj=$1 arch=$2 log=$3 cross o list=()
	cross=$(cross_prefix "$arch")
	for o in "${objs[@]}"; do
		[ -f "$GATE/${o%.o}.c" ] && enabled "$obj" "$o" && list+=("$o")
	done
	built=${#list[@]}
	[ ${#list[@]} -gt 0 ] || { : >"$log"; return 0; }
	make -s -C "$GATE" O="$obj" ARCH="$arch" CROSS_COMPILE="$cross" \
		-j"$JOBS" W=1 C=2 CHECK="$SPARSE" "${list[@]}" >"$log" 2>&1 || return 1
	# Never let a checker that the kernel turned off pass as clean.
	! grep -q 'specified, but .* not available' "$log"
}

# Warnings in a build log, without line and column numbers, so that base
# and patched logs compare by what is said, not where.
warnings() {
	grep -E '(warning|error):' "$1" | sed -E 's/:[0-9]+(:[0-9]+)?:/:/' | sort
}

x86=$BUILD/x86_64

# kerneldoc LOG: kernel-doc -Wall on the touched files that exist at the
# current checkout, its warnings sorted and without line numbers.
kerneldoc() {
	local f list=()
	for f in "${srcs[@]}"; do [ -f "$GATE/$f" ] && list+=("$f"); done
	(cd "$GATE" && ./scripts/kernel-doc -none -Wall "${list[@]}") 2>&1 |
		grep -i 'warning' | sed -E 's/:[0-9]+ / /' | sort >"$1"
}

# 3. Bisectable: each patch in turn builds its touched objects with W=1 and
# adds no W=1 or sparse warning over the base.  Patch N of series S is
# "S/N".
msg "bisect build: base plus ${#commits[@]} steps, ${#objs[@]} objects (W=1, sparse)"
git -C "$GATE" checkout -q --detach "$base"
if ! prepare "$x86" x86_64 "${x86_cfg[@]}"; then
	notok "x86_64 config and prepare (see $x86/prepare.log)"
	finish
fi
build_objs "$x86" x86_64 "$LOGS/step-0.log" || true
warnings "$LOGS/step-0.log" >"$LOGS/base.warnings"
kerneldoc "$LOGS/kernel-doc-base.log"
i=0 n=0
for c in "${commits[@]}"; do
	[ "$i" -gt 0 ] && [ "${names[i]}" != "${names[i - 1]}" ] && n=0
	i=$((i + 1)) n=$((n + 1))
	git -C "$GATE" checkout -q --detach "$c"
	subj="${names[i - 1]}/$n: $(git -C "$GATE" log -1 --format=%s "$c")"
	if ! build_objs "$x86" x86_64 "$LOGS/step-$i.log"; then
		notok "patch $i builds (W=1): $subj"
		grep -E 'error' "$LOGS/step-$i.log" | head -n 5 | sed 's/^/#   /'
		continue
	fi
	new=$(warnings "$LOGS/step-$i.log" | comm -13 "$LOGS/base.warnings" -)
	if [ -z "$new" ]; then
		ok "patch $i builds, no new W=1/sparse warnings: $subj"
	else
		notok "patch $i adds W=1/sparse warnings: $subj"
		echo "$new" | head -n 5 | sed 's/^/#   /'
	fi
done
# 4. At the end of each series, so that each can be taken without the ones
# after it: kernel-doc on the touched files reports nothing new over the
# base, and the other configurations (CONFIG_PCIE_TPH=n, CONFIG_ACPI=n,
# arm64) build the touched objects without new warnings.
# The x86_64 bench kernel's configuration also builds the series' KUnit
# test.  The base lacks its symbol, so it is configured here, at the end
# of the last series, and checked there only: the notph, noacpi and arm64
# configurations are the ones each series must build in on its own.
configs=(notph noacpi arm64 x86_64-bench)
declare -A cfg_arch=([notph]=x86_64 [noacpi]=x86_64 [arm64]=arm64 [x86_64-bench]=x86_64)
declare -A cfg_frag=([notph]="${x86_cfg[0]} $ROOT/configs/notph.config"
	[noacpi]="${x86_cfg[0]} $ROOT/configs/noacpi.config"
	[arm64]="$ROOT/configs/arm64.config"
	[x86_64-bench]="${x86_bench_cfg[*]}")
ready=()
for c in "${configs[@]}"; do
	msg "configuration $c (${cfg_arch[$c]})"
	# shellcheck disable=SC2086 # the fragments are paths without spaces
	if "$ROOT/scripts/kconfig.sh" "$GATE" "$BUILD/$c" "${cfg_arch[$c]}" ${cfg_frag[$c]} \
		>"$LOGS/kconfig-$c.log" 2>&1; then
		ready+=("$c")
	else
		notok "$c: config (see $LOGS/kconfig-$c.log)"
	fi
done

# config_build NAME SERIES: configuration NAME builds the touched objects
# at the current checkout, the end of SERIES; its exit status and object
# count go to files next to its log, so that the configurations can build
# at the same time.  config_check NAME SERIES then reports on it.
config_build() {
	local log=$LOGS/$1-$2.log
	build_objs "$BUILD/$1" "${cfg_arch[$1]}" "$log"
	echo "$? $built" >"$log.rc"
}
config_check() {
	local name=$1 at=$2 log=$LOGS/$1-$2.log rc
	read -r rc built <"$log.rc"
	if [ "$rc" -ne 0 ]; then
		notok "$at: $name: touched objects build"
		grep -E 'error' "$log" | head -n 5 | sed 's/^/#   /'
		return
	fi
	# Only the series' files: a cross build also checks e.g. the arm64 vDSO.
	new=$(warnings "$log" | grep -F -f <(printf '%s:\n' "${srcs[@]/#/$GATE/}") |
		comm -13 "$LOGS/base.warnings" -)
	if [ -z "$new" ]; then
		ok "$at: $name: the $built touched objects it enables build, no new W=1/sparse warnings"
	else
		notok "$at: $name: touched objects add W=1/sparse warnings"
		echo "$new" | head -n 5 | sed 's/^/#   /'
	fi
}

for k in "${!tips[@]}"; do
	at=$(basename "${dirs[k]}")
	git -C "$GATE" checkout -q --detach "${tips[k]}"
	kerneldoc "$LOGS/kernel-doc-$at.log"
	new=$(comm -13 "$LOGS/kernel-doc-base.log" "$LOGS/kernel-doc-$at.log")
	if [ -z "$new" ]; then
		ok "$at: kernel-doc -Wall on the touched files: no new warnings" \
			"($(wc -l <"$LOGS/kernel-doc-base.log") in the base files)"
	else
		notok "$at: kernel-doc -Wall on the touched files: new warnings"
		echo "$new" | head -n 5 | sed 's/^/#   /'
	fi
	now=()
	for c in "${ready[@]}"; do
		[ "$c" != x86_64-bench ] || [ "$k" -eq $((${#tips[@]} - 1)) ] || continue
		now+=("$c")
		config_build "$c" "$at" &
	done
	wait
	for c in "${now[@]}"; do config_check "$c" "$at"; done
done

# 5. The full x86_64 kernel (the bench kernel) builds.
msg "building the x86_64 bench kernel in $BUILD/x86_64-bench (a few minutes when cold)"
if build_kernel >"$LOGS/x86_64-full.log" 2>&1; then
	ok "x86_64 bzImage and modules build"
else
	notok "x86_64 bzImage and modules build (see $LOGS/x86_64-full.log)"
	grep -E 'error' "$LOGS/x86_64-full.log" | head -n 5 | sed 's/^/#   /'
fi

# 5b. The user guide's C sketches compile, each on its own, against the
# series' uAPI headers, with -Wall -Wextra -pedantic and no warning.
guide=$ROOT/Documentation/user-guide.md
sk=$LOGS/guide-sketches
rm -rf "$sk"
mkdir -p "$sk"
awk -v d="$sk" '/^```c$/ { f = sprintf("%s/sketch-%d.c", d, ++n); next }
	/^```$/ { f = "" } f { print > f }' "$guide"
nsk=$(find "$sk" -name 'sketch-*.c' | wc -l)
bad=
if ! make -s -C "$GATE" O="$x86" headers >"$sk/headers.log" 2>&1; then
	bad="make headers failed"
else
	for f in "$sk"/sketch-*.c; do
		[ -e "$f" ] || continue
		gcc -std=gnu11 -Wall -Wextra -pedantic -Werror -isystem "$x86/usr/include" \
			-c "$f" -o "${f%.c}.o" >>"$sk/gcc.log" 2>&1 || bad+=" $(basename "$f")"
	done
fi
if [ "$nsk" -gt 0 ] && [ -z "$bad" ]; then
	ok "user guide: its $nsk C sketches compile with -Wall -Wextra -pedantic, no warning"
else
	notok "user guide: C sketches compile with -Wall -Wextra -pedantic (${bad:-none found})"
	head -n 10 "$sk/gcc.log" 2>/dev/null | sed 's/^/#   /'
fi

finish
