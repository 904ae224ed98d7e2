#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-peer: other people's tests with oomsnap loaded (issue 23).
# Prepares what the guest needs, then runs scripts/guest/peer.sh in the VM
# through scripts/vm.sh (shell-cmd), whose verdict (TAP, splats, summary
# line) is the result.
set -euo pipefail
{ # one block: scripts/lib.sh, "Running scripts"
LOG_TAG=peer
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" # HERE, REPO, log, die, ...

usage() {
	cat <<EOF
Usage: scripts/peer.sh [--mode quick|full] [--runs N] [--stress-time S]

Runs, on Debian bookworm's 6.1 in the VM (scripts/vm.sh), tests written by
others, and compares what oomsnap recorded with what the kernel logged:

  test_memcontrol  the kernel's own memory-cgroup selftest, built from the
                   linux-source-6.1 of the booted kernel's version (as its
                   Makefile does: no optimisation; -static -pthread), run
                   from an ext4 image on virtio_blk (modules from the
                   kernel's own linux-image-*-unsigned) in a 768 MB guest,
                   N times without the module, then N times with it
                   (capacity=1024).  A test regresses when it passed in
                   every run without the module and failed in a run with it.
  stress-ng        Debian's package (the binary and its libraries copied
                   into the guest): bigheap, brk, stack, mmap and vm in a
                   memcg each, vm under a limited parent, a memory.oom.group
                   memcg, and bigheap against the whole machine (global OOM).

Then, over everything run with the module: every kernel "Killed process"
line has exactly one record and every recorded kill its line (a
memory.oom.group victim is logged twice by the kernel: once counted), the
/proc/vmstat oom_kill delta equals the recorded kills, the victim figures
equal the kernel's line, stats agree, no kernel splat (vm.sh).

  --mode MODE       quick (default; \$OOMSNAP_PEER): 2 runs each way,
                    stress-ng 4 s per scenario; full: 3 runs, 15 s
  --runs N          runs of test_memcontrol per phase
  --stress-time S   seconds per stress-ng scenario
  --src DIR         build the module from DIR (vm.sh --src), e.g. another
                    worktree

Output: TAP ("ok N - peer: ..."), then "N passed, N failed, N skipped".
Cache: \$OOMSNAP_CACHE/peer (test_memcontrol per source version, the
modules per kernel version).  Must run as root.
EOF
}

MODE=${OOMSNAP_PEER:-quick} RUNS="" STIME="" SRC_OPT=()
while (($#)); do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--mode) MODE=${2:?--mode needs quick or full}; shift 2 ;;
	--runs) RUNS=${2:?--runs needs N}; shift 2 ;;
	--stress-time) STIME=${2:?--stress-time needs S}; shift 2 ;;
	--src) SRC_OPT=(--src "${2:?--src needs DIR}"); shift 2 ;;
	*) printf 'peer.sh: unknown argument: %s (see --help)\n' "$1" >&2; exit 2 ;;
	esac
done
case $MODE in
quick) : "${RUNS:=2}" "${STIME:=4}" ;;
full) : "${RUNS:=3}" "${STIME:=15}" ;;
*) die "--mode wants quick or full, got '$MODE'" ;;
esac
for n in RUNS STIME; do
	[[ ${!n} =~ ^[1-9][0-9]*$ ]] || die "$n wants a positive integer, got '${!n}'"
done
((EUID == 0)) || die "must run as root (chroot, mkfs)"
START=$SECONDS

# Anything failing before the VM still ends with a TAP line and a summary.
DONE=0
STAGE_DIR=""
on_exit() {
	local rc=$?
	chroot_cleanup
	[[ -z $STAGE_DIR ]] || rm -rf "$STAGE_DIR"
	if ((!DONE)); then
		printf 'not ok 1 - peer: preparing the guest failed (exit %d, see above)\n' "$rc"
		printf '0 passed, 1 failed, 0 skipped\n'
		((rc != 0)) || rc=2
	fi
	exit "$rc"
}
trap on_exit EXIT

PEER_CACHE="$OOMSNAP_CACHE/peer"
mkdir -p "$PEER_CACHE"
# a run killed before its exit trap leaves its 2 GB (sparse) disk behind
find "$PEER_CACHE" -mindepth 1 -maxdepth 1 -name 'run.*' -mmin +1440 -exec rm -rf {} +
STAGE_DIR=$(mktemp -d "$PEER_CACHE/run.XXXXXX")
S=$STAGE_DIR
FILES=()

chroot_lock bookworm
chroot_ensure bookworm
kernel_resolve bookworm
SRC_VER=$(chroot_pkg_version bookworm linux-source-6.1)
[[ $SRC_VER == "$IMG_VER" ]] ||
	die "linux-source-6.1 is $SRC_VER but the kernel ($IMG_PKG) is $IMG_VER: the test must come from the kernel's own source"
# gcc/libc6-dev: test_memcontrol; e2fsprogs: the image (minbase has it).
chroot_install bookworm stress-ng gcc libc6-dev linux-libc-dev e2fsprogs
C=$(chroot_dir bookworm)

# --- test_memcontrol, from the kernel's own source package ------------------
# Built as tools/testing/selftests/cgroup/Makefile + lib.mk do (CFLAGS
# -Wall -pthread, no -O: at -O2 gcc deletes alloc_anon()'s stores and the
# OOM tests allocate nothing), plus -static for the busybox guest.
MC_FLAGS="-Wall -pthread -static"
MC_DIR="$PEER_CACHE/memcontrol-$SRC_VER-$(printf '%s' "$MC_FLAGS" | md5sum | cut -c1-8)"
if [[ ! -x $MC_DIR/test_memcontrol ]]; then
	# the debug lane's copy of the same .deb, if it has one
	deb="$OOMSNAP_CACHE/debug-kernel/dl/linux-source-6.1_${SRC_VER//:/%3a}_all.deb"
	if [[ ! -s $deb ]]; then
		log "fetching linux-source-6.1 $SRC_VER for test_memcontrol (~140 MB)..."
		deb=$(chroot_download bookworm "$S/dl" "linux-source-6.1=$SRC_VER")
	fi
	log "building test_memcontrol from linux-source-6.1 $SRC_VER..."
	B_IN="/build/peer-$$"
	rm -rf "${C:?}$B_IN"
	mkdir -p "$C$B_IN"
	sel=linux-source-6.1/tools/testing/selftests
	set +o pipefail
	dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/src/linux-source-6.1.tar.xz |
		tar -xJ -C "$C$B_IN" "$sel/cgroup" "$sel/kselftest.h" "$sel/clone3" "$sel/pidfd"
	set -o pipefail
	[[ -s $C$B_IN/$sel/cgroup/test_memcontrol.c ]] || die "no test_memcontrol.c in $deb"
	# shellcheck disable=SC2086 # MC_FLAGS are words
	if ! in_chroot bookworm /bin/sh -c "cd $B_IN/$sel/cgroup && \
		gcc $MC_FLAGS test_memcontrol.c cgroup_util.c -o test_memcontrol" >"$S/mc-build.log" 2>&1; then
		cat "$S/mc-build.log" >&2
		die "test_memcontrol build failed"
	fi
	rm -rf "$MC_DIR.tmp"
	mkdir -p "$MC_DIR.tmp"
	cp "$C$B_IN/$sel/cgroup/test_memcontrol" "$MC_DIR.tmp/"
	printf 'linux-source-6.1 %s\ngcc %s\n' "$SRC_VER" "$MC_FLAGS" >"$MC_DIR.tmp/INFO"
	rm -rf "${C:?}$B_IN" "$MC_DIR"
	mv "$MC_DIR.tmp" "$MC_DIR"
else
	log "test_memcontrol ($SRC_VER) cached"
fi
FILES+=(--file "$MC_DIR/test_memcontrol:/peer/test_memcontrol")

# --- virtio_blk and ext4, from the kernel's own package ---------------------
# No modules.dep in the package (depmod makes it at install): the
# dependencies come from each module's "depends", in load order.
WANT_MODS="virtio_pci virtio_blk crc32c_generic ext4"
MOD_DIR="$PEER_CACHE/modules-${IMG_PKG}_$IMG_VER"
if [[ ! -s $MOD_DIR/order ]]; then
	log "fetching the modules of $ABI ($IMG_PKG $IMG_VER)..."
	deb=$(chroot_download bookworm "$S/dl" "$IMG_PKG=$IMG_VER")
	mkdir -p "$S/img"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$S/img" --wildcards './lib/modules/*.ko'
	rm -f "$deb"
	rm -rf "$MOD_DIR.tmp"
	mkdir -p "$MOD_DIR.tmp"
	declare -A KO_PATH=() SEEN=()
	while read -r f; do KO_PATH[$(basename "$f" .ko | tr - _)]=$f; done < <(find "$S/img" -name '*.ko')
	ORDER=()
	resolve() { # resolve NAME: its dependencies first ("depends=" of .modinfo)
		local m=${1//-/_} d
		[[ -z ${SEEN[$m]:-} ]] || return 0
		SEEN[$m]=1
		[[ -n ${KO_PATH[$m]:-} ]] || die "module $m is not in $IMG_PKG"
		for d in $(tr '\0' '\n' <"${KO_PATH[$m]}" | sed -n 's/^depends=//p' | tr , ' '); do
			resolve "$d"
		done
		ORDER+=("$m")
	}
	for m in $WANT_MODS; do resolve "$m"; done
	for m in "${ORDER[@]}"; do cp "${KO_PATH[$m]}" "$MOD_DIR.tmp/$m.ko"; done
	printf '%s\n' "${ORDER[@]}" >"$MOD_DIR.tmp/order"
	rm -rf "$MOD_DIR" "$S/img"
	mv "$MOD_DIR.tmp" "$MOD_DIR"
else
	log "modules of $ABI cached"
fi
while read -r m; do FILES+=(--file "$MOD_DIR/$m.ko:/peer/modules/$m.ko"); done <"$MOD_DIR/order"
FILES+=(--file "$MOD_DIR/order:/peer/modules/order")

# --- stress-ng and its libraries ---------------------------------------------
# shellcheck disable=SC2016 # a dpkg-query format
STRESS_VER=$(in_chroot bookworm dpkg-query -W -f '${Version}' stress-ng)
mkdir -p "$S/lib"
cp "$C/usr/bin/stress-ng" "$S/stress-ng"
FILES+=(--file "$S/stress-ng:/usr/bin/stress-ng")
while read -r lib; do
	[[ -n $lib ]] || continue
	cp -L "$C$lib" "$S/lib/$(basename "$lib")"
	FILES+=(--file "$S/lib/$(basename "$lib"):$lib")
done < <(in_chroot bookworm ldd /usr/bin/stress-ng |
	sed -nE 's/^[[:space:]]*([^ ]+ => )?(\/[^ ]+) \(0x[0-9a-f]+\)$/\2/p')

# --- the disk: a sparse ext4 image (page cache that can be written back) -----
rm -f "$C/tmp/oomsnap-peer-$$.img"
truncate -s 2G "$C/tmp/oomsnap-peer-$$.img"
in_chroot bookworm mkfs.ext4 -q -F -L peer "/tmp/oomsnap-peer-$$.img"
mv "$C/tmp/oomsnap-peer-$$.img" "$S/disk.img"
chroot_cleanup
exec 8>&-

FILES+=(--file "$HERE/guest/peer.sh:/peer/peer.sh" --file "$HERE/guest/peer-check.awk:/peer/peer-check.awk")
printf 'RUNS=%s\nSTIME=%s\nMODE=%s\nSRC_VER=%s\nIMG_VER=%s\nSTRESS_VER=%s\n' \
	"$RUNS" "$STIME" "$MODE" "$SRC_VER" "$IMG_VER" "$STRESS_VER" >"$S/peer.conf"
FILES+=(--file "$S/peer.conf:/peer/peer.conf")
log "prepared in $((SECONDS - START)) s: test_memcontrol ($SRC_VER) x$RUNS each way, stress-ng $STRESS_VER ${STIME}s per scenario ($MODE)"

# The guest's own budget: test_memcontrol ~1 min a run under TCG, the
# stress-ng scenarios, the checks; vm.sh kills QEMU after this.
TIMEOUT=$((600 + RUNS * 2 * 240 + STIME * 12 * 3))
DONE=1
# log_buf_len: every OOM report of the run must still be in the kernel's
# buffer when the guest compares.
rc=0
"$HERE/vm.sh" --kernel bookworm --mem 768 --disk "$S/disk.img" --timeout "$TIMEOUT" \
	--append "log_buf_len=16M" "${SRC_OPT[@]}" "${FILES[@]}" shell-cmd "sh /peer/peer.sh" || rc=$?
exit "$rc"
}
