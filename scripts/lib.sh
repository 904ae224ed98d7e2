# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shared helpers for the oomsnap scripts (sourced, not run).
#
# Everything fetched or built lives under $OOMSNAP_CACHE (default
# /var/cache/oomsnap), never in the repository:
#
#   chroot/<suite>/          debootstrap minbase chroot, kernel headers inside
#   chroot/<suite>.lock      flock: one user of a chroot at a time
#   kernels/<pkg>_<ver>/     vmlinuz extracted from the kernel package
#   ksrc/<ver>/              checkpatch.pl + kselftest headers from linux-source-6.1
#   work/<tag>-<hash>/run-*/ per-run output and logs (last -> newest)
#
# Running scripts.  Each script starts with `set -euo pipefail`, sets
# LOG_TAG and sources this file, which sets HERE (scripts/) and REPO (the
# tree the scripts belong to).  Bash reads a script while it runs it, so a
# script edited during a run (a checkout, a merge) would go on with the new
# file's bytes at the old offset.  Hence every script is either one block
# ({ ... } around the whole body) or functions with `main "$@"; exit` on its
# last line: either way bash has parsed all of it before running any of it.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)

OOMSNAP_CACHE=${OOMSNAP_CACHE:-/var/cache/oomsnap}
OOMSNAP_MIRROR=${OOMSNAP_MIRROR:-http://deb.debian.org/debian}
OOMSNAP_SECURITY_MIRROR=${OOMSNAP_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
# Seconds between two `apt-get update` runs inside a chroot.
OOMSNAP_APT_MAX_AGE=${OOMSNAP_APT_MAX_AGE:-3600}
LOG_TAG=${LOG_TAG:-oomsnap}

log() { printf '[%s] %s\n' "$LOG_TAG" "$*" >&2; }
die() { printf '[%s] error: %s\n' "$LOG_TAG" "$*" >&2; exit 2; }

# ---------------------------------------------------------------------------
# Kernel matrix.  A kernel TAG is a row of these tables; adding a kernel is
# adding a row (and, for a new Debian suite, a SUITE_SOURCES row).
#
#   KT_SUITE     chroot (debootstrap suite) used to fetch and build
#   KT_RELEASE   archive (dists/ name) the kernel must come from, also the
#                apt target release (-t) for install; empty = any archive
#                of the suite, default release
#   KT_IMAGE_RE  ERE matching the package that holds vmlinuz; the newest
#                match (sort -V) with a version in KT_RELEASE is used
#   KT_KIND      unsigned: linux-image-ABI-unsigned, vmlinuz in ./boot/
#                binary:   linux-binary-ABI, vmlinuz in ./usr/lib/modules/*/
#   KT_DESC      one line for --help
# ---------------------------------------------------------------------------
declare -A KT_SUITE KT_RELEASE KT_IMAGE_RE KT_KIND KT_DESC
declare -A SUITE_SOURCES SUITE_APTCONF

kt() { # kt TAG SUITE RELEASE IMAGE_RE KIND DESC
	KT_SUITE[$1]=$2 KT_RELEASE[$1]=$3 KT_IMAGE_RE[$1]=$4 KT_KIND[$1]=$5 KT_DESC[$1]=$6
}
kt bookworm bookworm '' \
	'^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' unsigned \
	'Debian 12, 6.1 from bookworm-security (default)'
kt bookworm-rt bookworm '' \
	'^linux-image-6\.1\.0-[0-9]+-rt-amd64-unsigned$' unsigned \
	'Debian 12, 6.1 PREEMPT_RT'
kt bookworm-release bookworm bookworm \
	'^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' unsigned \
	'Debian 12 release kernel, 6.1 from bookworm main, not -security'
kt bullseye bullseye '' \
	'^linux-image-5\.10\.0-[0-9]+-amd64-unsigned$' unsigned \
	'Debian 11, 5.10 from bullseye-security (headers use gcc-10)'
# A suite's release kernel: the newest in its main archive (its last point
# release), where -security has a newer ABI.  Hosts that never took the
# security updates run it, and its headers can differ in what the compiler
# sees (5.10.0-32's minmax.h refuses min()/clamp() of mixed types).
kt bullseye-release bullseye bullseye \
	'^linux-image-5\.10\.0-[0-9]+-amd64-unsigned$' unsigned \
	'Debian 11 release kernel, 5.10 from bullseye main, not -security'
kt trixie trixie '' \
	'^linux-image-6\.12\.[0-9]+\+deb13-amd64-unsigned$' unsigned \
	'Debian 13, 6.12'
kt trixie-backports trixie trixie-backports \
	'^linux-binary-7\.[0-9.]+(\+deb[0-9]+)?-amd64$' binary \
	'Debian 13 backports, 7.x (no -unsigned package)'
kt sid sid '' \
	'^linux-binary-7\.[0-9.]+(\+deb[0-9]+)?-amd64$' binary \
	'Debian unstable, 7.x (headers use gcc-16)'

# "URI suite" pairs, one per line, written to the chroot's sources file.
SUITE_SOURCES[bookworm]="$OOMSNAP_MIRROR bookworm
$OOMSNAP_MIRROR bookworm-updates
$OOMSNAP_SECURITY_MIRROR bookworm-security"
SUITE_SOURCES[bullseye]="$OOMSNAP_MIRROR bullseye
$OOMSNAP_MIRROR bullseye-updates
$OOMSNAP_SECURITY_MIRROR bullseye-security"
SUITE_SOURCES[trixie]="$OOMSNAP_MIRROR trixie
$OOMSNAP_MIRROR trixie-updates
$OOMSNAP_SECURITY_MIRROR trixie-security
$OOMSNAP_MIRROR trixie-backports"
SUITE_SOURCES[sid]="$OOMSNAP_MIRROR sid"
SUITE_APTCONF[sid]='Acquire::Check-Valid-Until "false";'

# Foreign-architecture chroots (make check-dkms ARCH=arm64): NAME is
# SUITE-ARCH, debootstrapped with --arch ARCH and run under
# qemu-user-static (arm64_binfmt_ensure); same sources as SUITE.
declare -A CHROOT_SUITE CHROOT_ARCH
for _s in bookworm trixie; do
	CHROOT_SUITE[$_s-arm64]=$_s CHROOT_ARCH[$_s-arm64]=arm64
	SUITE_SOURCES[$_s-arm64]=${SUITE_SOURCES[$_s]}
done
unset _s

# The debug kernel (scripts/debug-kernel.sh): built here from linux-source-6.1
# with KASAN, lockdep, kmemleak, KUnit and fault injection; the module is
# built on the host against its tree.  Not part of kernel_tags (the matrix):
# its first build takes ~20 min.  Its suite only provides the kselftest headers.
kt debug bookworm '' '' debug \
	'6.1 debug kernel built from linux-source-6.1 (KASAN, lockdep, kmemleak, KUnit)'

kernel_tags() {
	printf '%s\n' bookworm bookworm-rt bookworm-release bullseye bullseye-release trixie trixie-backports sid
}

# ---------------------------------------------------------------------------
# Chroots
# ---------------------------------------------------------------------------
_MOUNTED_PROC=()

chroot_dir() { printf '%s/chroot/%s' "$OOMSNAP_CACHE" "$1"; }

# Unmount whatever we mounted; installed as an EXIT trap by callers.
chroot_cleanup() {
	local m
	for m in "${_MOUNTED_PROC[@]}"; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
	_MOUNTED_PROC=()
}

# Take the per-suite lock (fd 8): concurrent runs share chroots.
chroot_lock() {
	local suite=$1
	mkdir -p "$OOMSNAP_CACHE/chroot"
	exec 8>"$OOMSNAP_CACHE/chroot/$suite.lock"
	if ! flock -n 8; then
		log "waiting for another oomsnap run using chroot $suite..."
		flock 8
	fi
}

chroot_mount_proc() {
	local c=$1
	if ! mountpoint -q "$c/proc"; then
		mount -t proc proc "$c/proc"
		_MOUNTED_PROC+=("$c/proc")
	fi
}

# umount_all: unmount MOUNTS, the last mounted first (lazily if busy),
# and forget them.
umount_all() {
	local i
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		umount "${MOUNTS[i]}" 2>/dev/null || umount -l "${MOUNTS[i]}" 2>/dev/null || true
	done
	MOUNTS=()
}

# in_root ROOT CMD...: CMD in the tree ROOT (a chroot or an overlay of
# one), with a clean environment.
in_root() {
	local r=$1
	shift
	chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LC_ALL=C DEBIAN_FRONTEND=noninteractive "$@"
}

in_chroot() { # in_chroot SUITE CMD...
	local c
	c=$(chroot_dir "$1")
	shift
	in_root "$c" "$@"
}

# Create the chroot if needed, write its apt sources, and refresh its
# package lists at most once per OOMSNAP_APT_MAX_AGE seconds.
# Caller holds chroot_lock.
chroot_ensure() {
	local suite=$1 c now stamp age arch=${CHROOT_ARCH[$1]:-} aopt=()
	c=$(chroot_dir "$suite")
	[[ -n ${SUITE_SOURCES[$suite]:-} ]] || die "no apt sources known for suite '$suite'"
	command -v debootstrap >/dev/null || die "debootstrap is missing: run 'make deps'"
	if [[ -n $arch ]]; then
		arm64_binfmt_ensure
		aopt=(--arch "$arch")
	fi
	if [[ ! -e $c/.oomsnap-ready ]]; then
		if [[ -n $arch ]]; then
			log "creating $suite chroot in $c (debootstrap minbase --arch $arch, under qemu-user-static: minutes)..."
		else
			log "creating $suite chroot in $c (debootstrap minbase, ~40 s)..."
		fi
		rm -rf "$c.tmp"
		if ! debootstrap --variant=minbase "${aopt[@]}" "${CHROOT_SUITE[$suite]:-$suite}" "$c.tmp" "$OOMSNAP_MIRROR" \
			>"$OOMSNAP_CACHE/chroot/$suite.debootstrap.log" 2>&1; then
			tail -n 30 "$OOMSNAP_CACHE/chroot/$suite.debootstrap.log" >&2
			die "debootstrap $suite failed (log: $OOMSNAP_CACHE/chroot/$suite.debootstrap.log)"
		fi
		rm -rf "$c"
		mv "$c.tmp" "$c"
		touch "$c/.oomsnap-ready"
	fi
	# Sources: the chroot's own file only; the host's /etc/apt is never touched.
	local src="" uri s
	while read -r uri s; do
		[[ -n $uri ]] || continue
		src+="deb $uri $s main"$'\n'
	done <<<"${SUITE_SOURCES[$suite]}"
	if [[ $(cat "$c/etc/apt/sources.list.d/oomsnap.list" 2>/dev/null) != "${src%$'\n'}" ]]; then
		printf '%s' "$src" >"$c/etc/apt/sources.list.d/oomsnap.list"
		: >"$c/etc/apt/sources.list"
		rm -f "$c/.oomsnap-apt-updated"
	fi
	if [[ -n ${SUITE_APTCONF[$suite]:-} ]]; then
		printf '%s\n' "${SUITE_APTCONF[$suite]}" >"$c/etc/apt/apt.conf.d/99oomsnap"
	fi
	chroot_mount_proc "$c"
	stamp="$c/.oomsnap-apt-updated"
	now=$(date +%s)
	age=$((now - $(stat -c %Y "$stamp" 2>/dev/null || echo 0)))
	if ((age >= OOMSNAP_APT_MAX_AGE)); then
		log "apt-get update in $suite chroot..."
		local out
		if ! out=$(in_chroot "$suite" apt-get -q update 2>&1); then
			printf '%s\n' "$out" >&2
			die "apt-get update failed in the $suite chroot"
		fi
		touch "$stamp"
	fi
}

# chroot_install SUITE [-t RELEASE] PKG...: install missing packages.
chroot_install() {
	local suite=$1
	shift
	local rel=() pkgs=() p missing=()
	if [[ ${1:-} == -t ]]; then
		rel=(-t "$2")
		shift 2
	fi
	pkgs=("$@")
	for p in "${pkgs[@]}"; do
		in_chroot "$suite" dpkg-query -W -f '${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	((${#missing[@]})) || return 0
	log "installing in $suite chroot: ${missing[*]}..."
	local out
	if ! out=$(in_chroot "$suite" apt-get -q -y --no-install-recommends "${rel[@]}" \
		install "${missing[@]}" 2>&1); then
		printf '%s\n' "$out" | tail -n 40 >&2
		die "apt-get install ${missing[*]} failed in the $suite chroot"
	fi
}

# Candidate version of a package in a chroot ("" if none).
chroot_pkg_version() { # SUITE PKG
	in_chroot "$1" apt-cache policy "$2" 2>/dev/null |
		awk '/Candidate:/ { if ($2 != "(none)") print $2; exit }'
}

# Newest version of a package in one archive of a chroot's sources ("" if
# none): ARCHIVE is the dists/ name, e.g. bullseye (main, not -security).
chroot_pkg_version_in() { # SUITE PKG ARCHIVE
	in_chroot "$1" apt-cache madison "$2" 2>/dev/null |
		awk -F'|' -v a="$3" '{
			gsub(/ /, "", $2); split($3, f, " "); sub(/\/.*/, "", f[2])
			if (f[2] == a) { print $2; exit }
		}'
}

# chroot_download SUITE DESTDIR PKG[=VER]: fetch a .deb; prints its host path.
chroot_download() {
	local suite=$1 dest=$2 pkg=$3 c out
	c=$(chroot_dir "$suite")
	rm -rf "$c/tmp/oomsnap-dl"
	mkdir -p "$c/tmp/oomsnap-dl" "$dest"
	if ! out=$(chroot "$c" /bin/sh -c 'cd /tmp/oomsnap-dl && apt-get -q download "$1"' sh "$pkg" 2>&1); then
		printf '%s\n' "$out" >&2
		die "apt-get download $pkg failed in the $suite chroot"
	fi
	local f
	f=$(find "$c/tmp/oomsnap-dl" -name '*.deb' | head -n 1)
	[[ -n $f ]] || die "apt-get download $pkg produced no .deb"
	mv "$f" "$dest/"
	rm -rf "$c/tmp/oomsnap-dl"
	printf '%s/%s\n' "$dest" "$(basename "$f")"
}

# ---------------------------------------------------------------------------
# checkpatch.pl and the kselftest headers, from Debian's linux-source-6.1.
# Sets KSRC_DIR (holds scripts/ and tools/testing/selftests/).
# Caller holds the bookworm chroot lock and has run chroot_ensure bookworm.
# ---------------------------------------------------------------------------
KSRC_FILES=(
	scripts/checkpatch.pl
	scripts/spelling.txt
	scripts/const_structs.checkpatch
	tools/testing/selftests/kselftest.h
	tools/testing/selftests/kselftest_harness.h
)
ksrc_ensure() {
	local ver dir deb f missing=0
	ver=$(chroot_pkg_version bookworm linux-source-6.1)
	if [[ -z $ver ]]; then
		# Offline but already extracted once: use the newest we have.
		dir=$(find "$OOMSNAP_CACHE/ksrc" -mindepth 2 -maxdepth 2 -name .done 2>/dev/null |
			sort -V | tail -n 1)
		[[ -n $dir ]] || die "linux-source-6.1 not found in the bookworm chroot's apt lists"
		KSRC_DIR=$(dirname "$dir")
		return 0
	fi
	dir="$OOMSNAP_CACHE/ksrc/$ver"
	KSRC_DIR=$dir
	[[ -e $dir/.done ]] && return 0
	log "fetching linux-source-6.1 $ver for checkpatch.pl and kselftest headers (~1 min)..."
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	deb=$(chroot_download bookworm "$dir.tmp" "linux-source-6.1=$ver")
	local names=()
	for f in "${KSRC_FILES[@]}"; do names+=("linux-source-6.1/$f"); done
	# The inner tar may stop early (--occurrence); a SIGPIPE upstream is fine.
	set +o pipefail
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO ./usr/src/linux-source-6.1.tar.xz |
		tar -xJ -C "$dir.tmp" --occurrence=1 "${names[@]}" 2>/dev/null
	set -o pipefail
	for f in "${KSRC_FILES[@]}"; do
		[[ -s $dir.tmp/linux-source-6.1/$f ]] || { log "missing from linux-source-6.1: $f"; missing=1; }
	done
	((missing == 0)) || die "could not extract the needed files from $deb"
	rm -f "$deb"
	mkdir -p "$dir"
	cp -a "$dir.tmp/linux-source-6.1/." "$dir/"
	rm -rf "$dir.tmp"
	touch "$dir/.done"
}

# kernel_resolve TAG: newest kernel package of TAG in its chroot's apt lists
# (in the archive KT_RELEASE when set).
# Sets IMG_PKG, IMG_VER (package version: the cache key), ABI (uname -r).
# Caller holds the chroot lock and has run chroot_ensure.
kernel_resolve() {
	local tag=$1 suite=${KT_SUITE[$1]} rel=${KT_RELEASE[$1]} prefix p v
	case ${KT_KIND[$tag]} in
	unsigned) prefix=linux-image- ;;
	binary) prefix=linux-binary- ;;
	*) die "bad KT_KIND for $tag" ;;
	esac
	IMG_PKG="" IMG_VER=""
	while read -r p; do
		if [[ -n $rel ]]; then
			v=$(chroot_pkg_version_in "$suite" "$p" "$rel")
		else
			v=$(chroot_pkg_version "$suite" "$p")
		fi
		if [[ -n $v ]]; then IMG_PKG=$p IMG_VER=$v; fi
	done < <(in_chroot "$suite" apt-cache pkgnames "$prefix" | grep -E "${KT_IMAGE_RE[$tag]}" | sort -V)
	[[ -n $IMG_PKG ]] || die "no package matching ${KT_IMAGE_RE[$tag]} in the $suite chroot's apt lists${rel:+ (archive $rel)}"
	ABI=${IMG_PKG#"$prefix"}
	ABI=${ABI%-unsigned}
}

repo_hash() { printf '%s' "$1" | md5sum | cut -c1-8; }

# ---------------------------------------------------------------------------
# arm64 (vm.sh --arch arm64; issue 20).  The guest's kernel, busybox and
# json-c are Debian's arm64 packages, fetched by the amd64 chroot of the
# kernel tag's suite (bookworm, trixie) with an apt state of their own (lists, cache and an empty dpkg status under
# /var/lib/oomsnap-arm64 in the chroot): the chroot's own dpkg architecture
# and package lists, which every x86 run uses, are never touched (no
# `dpkg --add-architecture`).  Nothing arm64 is installed with dpkg: the
# .debs are unpacked (dpkg-deb -x).
#
# The module is cross-built in the chroot, the way Debian cross-builds its
# own out-of-tree modules: linux-headers-ABI-arm64 (unpacked into the
# chroot's /usr/src, its Makefile includes /usr/src/linux-headers-*-common
# by that absolute path) with the amd64 linux-kbuild of the same version
# (the one the headers depend on), whose host tools (fixdep, modpost, ...)
# are amd64 binaries that run natively; ARCH comes from the headers'
# .kernelvariables, the compiler is $(CROSS_COMPILE)gcc-N =
# gcc-N-aarch64-linux-gnu, the cross build of the suite's own gcc-N
# (ARM64_GCC: bookworm 12, trixie 14).
# ---------------------------------------------------------------------------
ARM64_STATE=/var/lib/oomsnap-arm64
ARM64_APT_OPTS=(-o APT::Architecture=arm64 -o APT::Architectures::=arm64
	-o "Dir::State::Lists=$ARM64_STATE/lists" -o "Dir::Cache=$ARM64_STATE/cache"
	-o "Dir::State::status=$ARM64_STATE/status")
# the kernel tags tried on arm64 so far (their x86 version, arm64 ABI)
ARM64_TAGS=(bookworm trixie trixie-backports)
# the gcc of each suite's kernel headers (their .kernelvariables' CC): the
# cross build of that gcc builds the module, the selftests and the CLI
declare -A ARM64_GCC=([bookworm]=12 [trixie]=14)

# arm64_binfmt_ensure: arm64 binaries run on this host (an arm64 chroot:
# make check-dkms ARCH=arm64) through qemu-user-static's qemu-aarch64,
# registered with binfmt_misc from the package's own
# /usr/lib/binfmt.d/qemu-aarch64.conf.  Its F flag (fix binary) makes the
# kernel open the interpreter at registration, so it need not exist inside
# the chroot.  Without systemd-binfmt (a container, CI) nobody registers
# it: mount binfmt_misc and write the line to its register file.
arm64_binfmt_ensure() {
	local d=/proc/sys/fs/binfmt_misc conf=/usr/lib/binfmt.d/qemu-aarch64.conf e
	e=$d/qemu-aarch64
	[[ -f $conf ]] || die "qemu-user-static is missing (scripts/deps.sh qemu-user-static; make deps-arm64)"
	if [[ ! -e $d/register ]]; then
		mount -t binfmt_misc binfmt_misc "$d" || die "cannot mount binfmt_misc on $d"
	fi
	if [[ ! -e $e ]]; then
		log "registering qemu-aarch64 with binfmt_misc ($conf)..."
		grep -v '^#' "$conf" | grep . >"$d/register" ||
			die "could not register $conf with $d/register"
	fi
	[[ $(cat "$d/status") == enabled ]] || die "binfmt_misc is disabled ($d/status)"
	grep -qx enabled "$e" || die "$e is disabled (echo 1 >$e)"
	# registered by someone else without F: the chroot has no interpreter
	grep -q '^flags:.*F' "$e" ||
		die "$e lacks the F flag (binfmt-support's old default?): echo -1 >$e, then rerun"
}

# arm64_cross SUITE: sets ARM64_CC (the cross gcc's name) and
# ARM64_CROSS_PKGS (what the chroot needs to cross-build the module, the
# selftests and the CLI).
arm64_cross() {
	local v=${ARM64_GCC[$1]:-}
	[[ -n $v ]] || die "--arch arm64: no cross gcc known for the $1 chroot"
	ARM64_CC=aarch64-linux-gnu-gcc-$v
	ARM64_CROSS_PKGS=("gcc-$v-aarch64-linux-gnu" libc6-dev-arm64-cross)
}

# arm64_apt_ensure SUITE: the arm64 package lists of SUITE's sources, in
# their own state directory, refreshed like chroot_ensure's.  Caller holds
# the chroot lock and has run chroot_ensure.
arm64_apt_ensure() {
	local suite=$1 c stamp age out
	c=$(chroot_dir "$suite")
	mkdir -p "$c$ARM64_STATE/lists/partial" "$c$ARM64_STATE/cache/archives/partial"
	[[ -e $c$ARM64_STATE/status ]] || : >"$c$ARM64_STATE/status"
	stamp="$c$ARM64_STATE/updated"
	age=$(($(date +%s) - $(stat -c %Y "$stamp" 2>/dev/null || echo 0)))
	((age >= OOMSNAP_APT_MAX_AGE)) || return 0
	log "apt-get update (arm64 lists) in $suite chroot..."
	if ! out=$(in_chroot "$suite" apt-get -q "${ARM64_APT_OPTS[@]}" update 2>&1); then
		printf '%s\n' "$out" >&2
		die "apt-get update of the arm64 lists failed in the $suite chroot"
	fi
	touch "$stamp"
}

# arm64_download SUITE DESTDIR PKG[=VER]: an arm64 .deb; prints its host path.
arm64_download() {
	local suite=$1 dest=$2 pkg=$3 c out f
	c=$(chroot_dir "$suite")
	rm -rf "$c/tmp/oomsnap-dl-arm64"
	mkdir -p "$c/tmp/oomsnap-dl-arm64" "$dest"
	if ! out=$(chroot "$c" /bin/sh -c 'd=$1; shift; cd "$d" && apt-get -q "$@"' sh \
		/tmp/oomsnap-dl-arm64 "${ARM64_APT_OPTS[@]}" download "$pkg" 2>&1); then
		printf '%s\n' "$out" >&2
		die "apt-get download $pkg (arm64) failed in the $suite chroot"
	fi
	f=$(find "$c/tmp/oomsnap-dl-arm64" -name '*_arm64.deb' -o -name '*_all.deb' | head -n 1)
	[[ -n $f ]] || die "apt-get download $pkg (arm64) produced no .deb"
	mv "$f" "$dest/"
	rm -rf "$c/tmp/oomsnap-dl-arm64"
	printf '%s/%s\n' "$dest" "$(basename "$f")"
}

# arm64_kernel_resolve TAG: the arm64 build of TAG's x86 kernel: the same
# package version (one source package builds both), ABI ...-arm64.  Sets
# IMG_PKG, IMG_VER, ABI like kernel_resolve.  Caller holds the chroot lock
# and has run chroot_ensure and arm64_apt_ensure.
arm64_kernel_resolve() {
	local tag=$1 suite=${KT_SUITE[$1]} v
	kernel_resolve "$tag"
	ABI="${ABI%-amd64}-arm64"
	case ${KT_KIND[$tag]} in
	unsigned) IMG_PKG="linux-image-$ABI-unsigned" ;;
	binary) IMG_PKG="linux-binary-$ABI" ;;
	esac
	v=$(in_chroot "$suite" apt-cache "${ARM64_APT_OPTS[@]}" madison "$IMG_PKG" 2>/dev/null |
		awk -F'|' -v want="$IMG_VER" '{ gsub(/ /, "", $2); if ($2 == want) { print $2; exit } }')
	[[ -n $v ]] || die "$IMG_PKG $IMG_VER (the version of $tag's x86 kernel) is not in the $suite arm64 lists"
}

# arm64_headers_ensure SUITE [RELEASE]: linux-headers-$ABI (arm64, unpacked
# into the chroot's /usr/src) and, installed in the chroot (from RELEASE if
# given), the packages it depends on by name: its -common tree and the
# amd64 linux-kbuild of the same version ($IMG_VER; named linux-kbuild-6.1
# in bookworm, linux-kbuild-6.12.N+deb13 in trixie), and the cross
# compiler.  Caller holds the chroot lock.
arm64_headers_ensure() {
	local suite=$1 rel=${2:-} c common kbuild p v deb dir tmp deps rel_opt=()
	c=$(chroot_dir "$suite")
	deps=$(in_chroot "$suite" apt-cache "${ARM64_APT_OPTS[@]}" show "linux-headers-$ABI=$IMG_VER" |
		sed -n 's/^Depends: //p' | head -n 1 | tr ',' '\n' | sed 's/^ *//; s/ .*//')
	common=$(grep -x "linux-headers-.*-common.*" <<<"$deps" | head -n 1)
	kbuild=$(grep -x "linux-kbuild-.*" <<<"$deps" | head -n 1)
	[[ -n $common && -n $kbuild ]] ||
		die "linux-headers-$ABI $IMG_VER (arm64) names no -common or linux-kbuild package: $deps"
	if [[ -n $rel ]]; then rel_opt=(-t "$rel"); fi
	chroot_install "$suite" "${rel_opt[@]}" "$common" "$kbuild" make perl binutils "${ARM64_CROSS_PKGS[@]}"
	for p in "$common" "$kbuild"; do
		v=$(in_chroot "$suite" dpkg-query -W -f '${Version}' "$p")
		[[ $v == "$IMG_VER" ]] || die "$p $v is installed in the $suite chroot, the arm64 headers need $IMG_VER"
	done
	dir="/usr/src/linux-headers-$ABI"
	[[ $(cat "$c$dir/.oomsnap-version" 2>/dev/null) != "$IMG_VER" ]] || return 0
	log "unpacking linux-headers-$ABI $IMG_VER (arm64) into the $suite chroot..."
	tmp="$c/tmp/oomsnap-arm64-headers"
	rm -rf "$tmp"
	deb=$(arm64_download "$suite" "$tmp" "linux-headers-$ABI=$IMG_VER")
	dpkg-deb -x "$deb" "$tmp/x"
	[[ -d $tmp/x$dir ]] || die "linux-headers-$ABI has no $dir"
	rm -rf "$c$dir"
	mv "$tmp/x$dir" "$c$dir"
	rm -rf "$tmp"
	[[ -f $c$dir/Makefile ]] || die "linux-headers-$ABI has no $dir/Makefile"
	printf '%s\n' "$IMG_VER" >"$c$dir/.oomsnap-version"
}
