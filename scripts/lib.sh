# Common settings for the project's scripts.  Source it; do not run it.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vfio-tph}
PATCHES=${PATCHES:-$ROOT/patches}
TREE=${TREE:-$ROOT/linux}
BRANCH=${BRANCH:-tph}
export CACHE

# The project's neutral identity.  A submitter re-signs with their own.
IDENT_NAME="VFIO TPH Series"
IDENT_EMAIL="vfio-tph@example.org"

# Fixed metadata for the imported base commit, so that its hash depends only
# on the tree it records.
BASE_DATE="2026-01-01T00:00:00Z"

MIRROR=${DEBIAN_MIRROR:-$(sed -n 's|^URIs: *\(http[^ ]*/debian\)$|\1|p' \
	/etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}

msg() { printf '>> %s\n' "$*" >&2; }

# Progress of the long steps goes to the stderr the script started with,
# also where a step's own output goes to a log.
exec {PROGRESS_FD}>&2

# progress LABEL DIR CMD...: run CMD, and every 30 s tell how long it has
# run and how many objects it has written under DIR so far
progress() {
	local label=$1 dir=$2 t0=$SECONDS stamp pid rc n
	shift 2
	stamp=$(mktemp)
	"$@" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		if (((SECONDS - t0) % 30 == 0)) && kill -0 "$pid" 2>/dev/null; then
			n=$(find "$dir" -name '*.o' -newer "$stamp" 2>/dev/null | wc -l)
			printf '>>   %s: %d min %02d s, %d objects compiled\n' "$label" \
				$(((SECONDS - t0) / 60)) $(((SECONDS - t0) % 60)) "$n" >&"$PROGRESS_FD"
		fi
	done
	wait "$pid"
	rc=$?
	rm -f "$stamp"
	return $rc
}
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# git with the project identity as author and committer.
pgit() {
	GIT_AUTHOR_NAME=$IDENT_NAME GIT_AUTHOR_EMAIL=$IDENT_EMAIL \
	GIT_COMMITTER_NAME=$IDENT_NAME GIT_COMMITTER_EMAIL=$IDENT_EMAIL \
		git "$@"
}

# Print the git repository that holds the base, creating it when needed.
# With KSRC set, that is the user's tree and its HEAD is the base.
base_repo() {
	if [ -n "${KSRC:-}" ]; then
		git -C "$KSRC" rev-parse --git-dir >/dev/null 2>&1 ||
			die "KSRC=$KSRC is not a git tree"
		(cd "$KSRC" && pwd)
		return
	fi

	local src
	src=$("$ROOT/scripts/fetch-base.sh")
	if ! git -C "$src" rev-parse -q --verify refs/tags/base >/dev/null 2>&1; then
		msg "importing $(cat "$src/.debian-version") as the base commit (about a minute)"
		rm -rf "$src/.git"
		git -C "$src" init -q
		# Debian's top-level .gitignore ends with a packaging stanza that
		# ignores every top-level entry.  Drop it, so that the tree behaves
		# like an upstream checkout; the series never touches this file.
		perl -0pi -e 's/\n[#\n]*# Debian packaging:.*\z/\n/s' "$src/.gitignore"
		git -C "$src" add -A -f -- . ':!.debian-version' ':!.unpacked'
		GIT_AUTHOR_DATE=$BASE_DATE GIT_COMMITTER_DATE=$BASE_DATE \
			pgit -C "$src" commit -q --no-verify \
			-m "Import $(cat "$src/.debian-version")"
		git -C "$src" tag base
		git -C "$src" config gc.auto 0
	fi
	echo "$src"
}

# The ref naming the base in the base repository.
base_ref() {
	if [ -n "${KSRC:-}" ]; then
		git -C "$KSRC" rev-parse HEAD
	else
		echo base
	fi
}

# A one-line description of the base, for the cover letter.
base_version() {
	local repo=$1
	if [ -n "${KSRC:-}" ]; then
		echo "$(git -C "$repo" describe --tags --always HEAD 2>/dev/null)" \
			"($(git -C "$repo" rev-parse HEAD))"
	else
		local v
		v=$(make -s -C "$repo" kernelversion 2>/dev/null)
		echo "Linux $v as shipped in Debian $(cat "$repo/.debian-version")"
	fi
}

# patches/ holds several series, each in a directory N-NAME of its own with
# its cover letter, applied in the order of N.  In the work tree, series
# N-NAME is branch $BRANCH/N-NAME, stacked on the branch of the series before.

# series_dirs: the series' directories, in order
series_dirs() {
	find "$PATCHES" -mindepth 1 -maxdepth 1 -type d -name '[0-9]-*' 2>/dev/null | sort
}

# series_patches [DIR...]: the patch files of the series in DIR (default:
# every series), cover letters excluded, in order
series_patches() {
	local d dirs=("$@")
	[ $# -gt 0 ] || mapfile -t dirs < <(series_dirs)
	for d in "${dirs[@]}"; do
		find "$d" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' ! -name '0000-*' | sort
	done
}

# papt_init NAME LINE...: set PAPT to apt options for a private configuration
# with its own source list and state under $CACHE/apt/NAME, so that the
# system's package sources and installed packages stay untouched, and update
# its lists.  With PAPT_ARCH set, that configuration is for packages of
# that architecture only (dpkg's own architectures stay unchanged).
papt_init() {
	local dir=$CACHE/apt/$1
	shift
	mkdir -p "$dir/lists/partial" "$dir/archives/partial"
	printf '%s\n' "$@" >"$dir/sources.list"
	PAPT=(
		-o "Dir::Etc::SourceList=$dir/sources.list"
		-o "Dir::Etc::SourceParts=/dev/null"
		-o "Dir::State::Lists=$dir/lists"
		-o "Dir::Cache::Archives=$dir/archives"
		-o "APT::Sandbox::User=root"
		-o "Debug::NoLocking=1"
	)
	[ -z "${PAPT_ARCH:-}" ] || PAPT+=(
		-o "APT::Architecture=$PAPT_ARCH" -o "APT::Architectures=$PAPT_ARCH"
		-o "Dir::State::Status=/dev/null"
	)
	apt-get "${PAPT[@]}" update -qq >&2
}

# arm64_pkg PKG: print the directory where Debian bookworm's PKG:arm64 is
# unpacked, in the cache; fetched through a private apt configuration, never
# installed.
arm64_pkg() {
	local dir=$CACHE/bench/arm64/pkg/$1 deb
	if [ ! -f "$dir/.unpacked" ]; then
		[ -n "${PAPT_ARM64:-}" ] || {
			PAPT_ARCH=arm64 papt_init arm64 "deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR bookworm main"
			PAPT_ARM64=1
		}
		(cd "$CACHE/apt/arm64/archives" &&
			apt-get "${PAPT[@]}" download -qq "$1:arm64") >&2 ||
			die "cannot download $1:arm64"
		deb=$(ls "$CACHE/apt/arm64/archives/$1"_*_arm64.deb | sort -V | tail -n1)
		rm -rf "$dir"
		mkdir -p "$dir"
		dpkg-deb -x "$deb" "$dir"
		touch "$dir/.unpacked"
	fi
	echo "$dir"
}

# tally LOG: add the last "...: N passed, N failed[, N skipped]" line of LOG
# to the globals passed, failed and skipped
tally() {
	local line p f s
	line=$(grep -E '^[a-z0-9-]+: [0-9]+ passed, [0-9]+ failed' "$1" | tail -n1)
	if [ -z "$line" ]; then
		echo "# $1 has no result line: counted as one failure"
		failed=$((failed + 1))
		return
	fi
	p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
	s=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$line")
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + ${s:-0}))
}
JOBS=${JOBS:-$(nproc)}
GATE=$CACHE/gate
BUILD=$CACHE/build
# The gate's x86_64 configuration, and the bench kernels' ones, which add
# the series' KUnit test (a symbol the base does not have)
x86_cfg=("$ROOT/configs/x86_64.config" "$ROOT/configs/debug.config")
x86_bench_cfg=("${x86_cfg[@]}" "$ROOT/configs/kunit.config")
arm64_cfg=("$ROOT/configs/arm64.config" "$ROOT/configs/debug.config"
	"$ROOT/configs/arm64-bench.config" "$ROOT/configs/kunit.config")

# gate_checkout REPO BASE: a clean checkout of BASE in $GATE, a worktree of
# REPO kept apart from the editable work tree.
gate_checkout() {
	local repo=$1 base=$2
	git -C "$repo" worktree prune
	if [ ! -e "$GATE/.git" ]; then
		rm -rf "$GATE"
		git -C "$repo" worktree add -q --detach "$GATE" "$base"
	fi
	git -C "$GATE" am --abort >/dev/null 2>&1 || true
	git -C "$GATE" checkout -q --detach -f "$base"
	git -C "$GATE" clean -q -fdx
	git -C "$GATE" config user.name "$IDENT_NAME"
	git -C "$GATE" config user.email "$IDENT_EMAIL"
}

# The cross toolchain for arm64 (Debian's gcc-aarch64-linux-gnu), and the
# CROSS_COMPILE prefix for building ARCH on this host
ARM64_CROSS=aarch64-linux-gnu-
cross_prefix() { if [ "$1" = arm64 ]; then echo "$ARM64_CROSS"; fi; }

# apply_series: a clean checkout of the base in $GATE with patches/ applied
apply_series() {
	local repo series
	repo=$(base_repo) || return 1
	gate_checkout "$repo" "$(base_ref)"
	mapfile -t series < <(series_patches)
	msg "applying ${#series[@]} patches"
	git -C "$GATE" am -q "${series[@]}" || die "git am failed"
}

# summary [NAME]: the last line of a run, "[NAME: ]N passed, N failed[, N
# skipped]" from the globals passed, failed and skipped; true if none failed
summary() {
	local s=
	[ "$skipped" -gt 0 ] && s=", $skipped skipped"
	echo "${1:+$1: }$passed passed, $failed failed$s"
	[ "$failed" -eq 0 ]
}

# prepare OBJDIR ARCH FRAGMENT...: configure OBJDIR for $GATE and make prepare.
prepare() {
	local obj=$1 arch=$2 cross
	shift 2
	cross=$(cross_prefix "$arch")
	"$ROOT/scripts/kconfig.sh" "$GATE" "$obj" "$arch" "$@" &&
		make -s -C "$GATE" O="$obj" ARCH="$arch" CROSS_COMPILE="$cross" \
			-j"$JOBS" prepare >"$obj/prepare.log" 2>&1
}

# build_kernel [ARCH]: the bench kernel for ARCH (x86_64 or arm64) from
# $GATE, in $BUILD/ARCH-bench ($BUILD/ARCH is the gate's own).
build_kernel() {
	local arch=${1:-x86_64}
	if [ "$arch" = arm64 ]; then
		prepare "$BUILD/arm64-bench" arm64 "${arm64_cfg[@]}" &&
			progress "arm64 kernel" "$BUILD/arm64-bench" \
				make -s -C "$GATE" O="$BUILD/arm64-bench" ARCH=arm64 \
				CROSS_COMPILE="$ARM64_CROSS" -j"$JOBS" Image modules
	else
		prepare "$BUILD/x86_64-bench" x86_64 "${x86_bench_cfg[@]}" &&
			progress "x86_64 kernel" "$BUILD/x86_64-bench" \
				make -s -C "$GATE" O="$BUILD/x86_64-bench" -j"$JOBS" bzImage modules
	fi
}
