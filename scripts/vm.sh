#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# oomsnap VM harness: fetch a Debian kernel, build the module against its
# headers (inside a Debian chroot), build the selftests and a busybox
# initramfs, boot QEMU (TCG) and judge the run.
#
# Functions only, one per stage; main runs them in order and the last line
# calls it (scripts/lib.sh, "Running scripts").
set -euo pipefail
LOG_TAG=vm
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
usage() {
	cat <<EOF
Usage: scripts/vm.sh [options] ACTION

Build oomsnap.ko for a Debian kernel and run it in QEMU (TCG, no KVM).

Actions:
  tests               run every selftest (selftests/Makefile TEST_GEN_PROGS) in
                      order, print their TAP and a summary line
  demo                run scripts/guest/demo.sh in the guest
  shell-cmd "CMD"     run CMD with /bin/sh in the guest (module not loaded;
                      the .ko is at /oomsnap/oomsnap.ko, selftests in /selftests;
                      on the debug kernel /oomsnap/oomsnap_kunit.ko too)
  build               only build the module, selftests and initramfs

Options:
  --arch ARCH         guest architecture: x86_64 (default) or arm64: the
                      arm64 build of the same Debian kernel (--kernel
                      bookworm, trixie, trixie-backports so far), the module,
                      selftests and CLI cross-built in the kernel's chroot
                      with its gcc's cross build, busybox-static:arm64,
                      booted in qemu-system-aarch64 -M virt -cpu
                      max,pauth-impdef=on with two NUMA nodes; kernel console
                      ttyAMA0, guest output on ttyS1 (a pci-serial-2x);
                      no --pstore, no debug kernel.  README, Compatibility
  --kernel TAG        kernel to use (default: bookworm); one of:
$(for t in $(kernel_tags) debug; do printf '                        %-18s %s\n' "$t" "${KT_DESC[$t]}"; done)
                      debug boots with panic_on_warn=1 kmemleak=on, runs the
                      module's KUnit suites and defaults to --stress full
  --append ARGS       extra kernel command line arguments (e.g. lockdown=integrity)
  --mem MB            guest memory (default 512)
  --smp N             guest CPUs (default 2)
  --icount SHIFT      QEMU's instruction counting (-icount shift=SHIFT,
                      sleep=on): the guest's clock advances 2^SHIFT ns per
                      instruction executed, so a time the guest measures is
                      an instruction count, whatever else the host runs
                      (bench.sh --icount; needs --smp 1, --tcg-thread single)
  --tcg-thread MODE   single (default) or multi: QEMU's TCG runs the vCPUs
                      round-robin in one thread, or one thread each (MTTCG).
                      QEMU 7.2's MTTCG lets a vCPU run stale code after
                      another patched kernel text: toggling the kernel's own
                      sched_process_exit tracepoint in tracefs while tasks
                      exit, with no module loaded, gives "Oops: int3" at
                      do_exit (7.3) or an int3 livelock (6.1, 5.10) within
                      500 toggles; single: none in 2,000 (7.3), 1,500 (6.1)
                      and 1,200 (5.10).  README, Tests; scripts/guest/int3.sh
  --timeout SECONDS   kill QEMU and fail after this long (default 600;
                      arm64 2400, debug 3000)
  --test-timeout S    per-selftest timeout inside the guest (default 180)
  --src DIR           build the module from DIR/Kbuild + DIR/module/ (default: repo)
  --ko FILE           use this prebuilt oomsnap.ko (e.g. built by DKMS; its
                      vermagic must match the kernel) instead of building one;
                      no kernel headers are installed, and the selftests are
                      only built for the tests action
  --file SRC:DEST     also copy file SRC into the guest at the absolute path
                      DEST (repeatable; e.g. an /etc/modprobe.d file: the
                      guest's busybox modprobe reads /etc/modprobe.d)
  --disk IMG          attach the raw image IMG as a virtio disk (/dev/vda;
                      the guest needs virtio_pci and virtio_blk, modules of
                      the Debian kernels: pass them with --file and insmod
                      them); used by make check-peer
  --pstore            two (or more) boots in one QEMU run, for OOMs that panic:
                      1 MB of RAM reserved for pstore/ramoops
                      (memmap=1M\$0xE000000), ramoops.ko (+ reed_solomon.ko)
                      from the kernel's package (the debug kernel: from
                      its own build) loaded by the init
                      (mem_address=0xE000000 mem_size=0x100000
                      record_size=0x10000 ecc=0) and pstore mounted on
                      /sys/fs/pstore, panic=1 and no -no-reboot: a panic
                      reboots the guest in place, RAM (the ramoops region)
                      survives, and the same initramfs runs again; the action
                      tells the boots apart by /sys/fs/pstore.  The expected
                      OOM panics (panic_on_oom, no killable process) are not
                      counted as kernel splats.  Used by make check-panic
  --lint              run scripts/lint.sh first and count it as a result
                      ("ok - lint" / "not ok - lint"); used by make check
  --result FILE       on exit, write one line of key=value pairs to FILE:
                      tag abi version build(ok|failed|-) passed failed
                      skipped seconds rc; used by make check-matrix
  --stress LEVEL      size of the stress/race selftests, passed to them as
                      OOMSNAP_STRESS: quick (default) or full (default with
                      --kernel debug: 500+ OOMs, 50 reloads, 10,000 fuzz lines)
  --only "TEST..."    the tests action runs only these selftests (names as in
                      selftests/Makefile TEST_GEN_PROGS, in its order); CI's
                      reduced arm64 lane
  -h, --help          this help

Output: every TAP line of the guest, then "N passed, N failed, N skipped".
Exit status: 0 when everything passed, 1 on any failure, 2 on harness errors.
Harness-level problems (timeout, kernel splat, guest not finishing) are
counted as failures "not ok - vm: <reason>".

Cache: \$OOMSNAP_CACHE (default /var/cache/oomsnap): Debian chroots, kernels
keyed by package version, and one directory per run (the 10 newest are
kept): work/<tag>-<hash>/run-*/ with oomsnap.ko, initrd.gz, serial.log
(kernel console, ttyS0) and tap.log (guest output, ttyS1); work/<tag>-<hash>/last
is the newest.  Runs may go in parallel; chroot work is serialized by locks.
EOF
}

# parse_args "$@": options into the globals below (defaults first).
parse_args() {
	TAG=bookworm APPEND="" MEM=512 SMP=2 TCG_THREAD=single TIMEOUT="" TEST_TIMEOUT=""
	SRC=$REPO STRESS="" ONLY="" ACTION="" CMD="" LINT=0 RESULT="" KO="" FILES=() DISK=() PSTORE=0
	ICOUNT=""
	ARCH=x86_64
	while (($#)); do
		case $1 in
		-h | --help) usage; exit 0 ;;
		--arch) ARCH=${2:?--arch needs x86_64 or arm64}; shift 2 ;;
		--arch=*) ARCH=${1#*=}; shift ;;
		--kernel) TAG=${2:?--kernel needs a TAG}; shift 2 ;;
		--kernel=*) TAG=${1#*=}; shift ;;
		--append) APPEND=${2?--append needs ARGS}; shift 2 ;;
		--append=*) APPEND=${1#*=}; shift ;;
		--mem) MEM=${2:?--mem needs MB}; shift 2 ;;
		--smp) SMP=${2:?--smp needs N}; shift 2 ;;
		--icount) ICOUNT=${2:?--icount needs SHIFT}; shift 2 ;;
		--tcg-thread) TCG_THREAD=${2:?--tcg-thread needs single or multi}; shift 2 ;;
		--timeout) TIMEOUT=${2:?--timeout needs SECONDS}; shift 2 ;;
		--test-timeout) TEST_TIMEOUT=${2:?--test-timeout needs SECONDS}; shift 2 ;;
		--src) SRC=$(cd "${2:?--src needs DIR}" && pwd); shift 2 ;;
		--lint) LINT=1; shift ;;
		--pstore) PSTORE=1; shift ;;
		--only) ONLY=${2:?--only needs test names}; shift 2 ;;
		--stress) STRESS=${2:?--stress needs quick or full}; shift 2 ;;
		--stress=*) STRESS=${1#*=}; shift ;;
		--result) RESULT=${2:?--result needs FILE}; shift 2 ;;
		--ko) KO=$(realpath -e "${2:?--ko needs FILE}"); shift 2 ;;
		--file) FILES+=("${2:?--file needs SRC:DEST}"); shift 2 ;;
		--disk) DISK=(-drive "file=$(realpath -e "${2:?--disk needs IMG}"),format=raw,if=virtio"); shift 2 ;;
		tests | demo | build) ACTION=$1; shift ;;
		shell-cmd) ACTION=$1; CMD=${2:?shell-cmd needs a command}; shift 2 ;;
		*) printf 'vm.sh: unknown argument: %s (see --help)\n' "$1" >&2; exit 2 ;;
		esac
	done
	[[ -n $ACTION ]] || { usage >&2; exit 2; }
}

write_result() { # write_result RC
	[[ -n $RESULT ]] || return 0
	printf 'tag=%s abi=%s version=%s build=%s passed=%d failed=%d skipped=%d seconds=%d rc=%d\n' \
		"$TAG" "${ABI:--}" "${IMG_VER:--}" "$BUILD" "$PASS" "$FAIL" "$SKIP" \
		"$((SECONDS - START))" "$1" >"$RESULT" || true
}

# Any failure before the verdict still ends with a TAP failure and the
# summary line, so callers (make check, CI) always get one.
on_exit() {
	local rc=$?
	chroot_cleanup
	if ((!SUMMARY_DONE)) && [[ $ACTION != build ]]; then
		local p=0 f=1
		if [[ -n $LINT_LINE ]]; then
			printf '%s\n' "$LINT_LINE"
			if [[ $LINT_LINE == ok* ]]; then p=1; else f=2; fi
		fi
		printf 'not ok - vm: %s failed (exit %d, see the messages above)\n' "$STAGE" "$rc"
		printf '%d passed, %d failed, 0 skipped\n' "$p" "$f"
		((rc != 0)) || rc=2
		PASS=$p FAIL=$f SKIP=0
	fi
	write_result "$rc"
	exit "$rc"
}

chroot_release() { chroot_cleanup; exec 8>&-; }

# check_args: defaults that depend on the kernel, values, tools, sources.
check_args() {
	local n t f
	STAGE="checking the arguments"
	[[ -n ${KT_SUITE[$TAG]:-} ]] || die "unknown kernel tag '$TAG' (known: $(kernel_tags | tr '\n' ' ')debug)"
	# The debug kernel is several times slower (KASAN, lockdep, TCG) and runs
	# the full-size stress tests.
	DEBUG_APPEND=""
	if [[ ${KT_KIND[$TAG]} == debug ]]; then
		: "${TIMEOUT:=3000}" "${TEST_TIMEOUT:=900}" "${STRESS:=full}"
		DEBUG_APPEND="panic_on_warn=1 kmemleak=on"
	fi
	# arm64 under TCG: the whole suite takes 5-7.5 minutes of guest time,
	# several times x86's (README "Compatibility")
	[[ $ARCH != arm64 ]] || : "${TIMEOUT:=2400}"
	: "${TIMEOUT:=600}" "${TEST_TIMEOUT:=180}" "${STRESS:=quick}"
	[[ $STRESS == quick || $STRESS == full ]] || die "--stress wants quick or full, got '$STRESS'"
	[[ $TCG_THREAD == single || $TCG_THREAD == multi ]] || die "--tcg-thread wants single or multi, got '$TCG_THREAD'"
	# x86's secondary CPUs did not come up under -icount here (the boot
	# stopped at "Booting SMP configuration"): one vCPU
	[[ -z $ICOUNT || ($ICOUNT =~ ^[0-9]$ && $TCG_THREAD == single && $SMP == 1) ]] ||
		die "--icount wants a SHIFT of 0 to 9, with --tcg-thread single and --smp 1"
	for n in MEM SMP TIMEOUT TEST_TIMEOUT; do
		[[ ${!n} =~ ^[1-9][0-9]*$ ]] || die "--${n,,} wants a positive integer, got '${!n}'"
	done
	((EUID == 0)) || die "must run as root (debootstrap, chroot, mount)"
	case $ARCH in
	x86_64) QEMU_BIN=qemu-system-x86_64 ;;
	arm64) QEMU_BIN=qemu-system-aarch64; arm64_check_args ;;
	*) die "--arch wants x86_64 or arm64, got '$ARCH'" ;;
	esac
	for t in "$QEMU_BIN" busybox cpio gzip dpkg-deb make gcc flock; do
		command -v "$t" >/dev/null || die "$t is missing: run 'make deps'"
	done
	[[ -f $SRC/Kbuild && -f $SRC/module/Kbuild ]] ||
		die "no module sources: $SRC/Kbuild and $SRC/module/Kbuild must exist"
	[[ -z $KO || ${KT_KIND[$TAG]} != debug ]] || die "--ko is not supported with --kernel debug"
	for f in "${FILES[@]}"; do
		[[ $f == *:/* && -f ${f%%:*} ]] || die "--file wants SRC:/DEST with an existing file SRC, got '$f'"
	done
}

# run_lint: scripts/lint.sh, its verdict kept for the summary (make check).
run_lint() {
	STAGE="lint"
	if "$HERE/lint.sh" --src "$SRC" >&2; then
		LINT_LINE="ok - lint"
	else
		LINT_LINE="not ok - lint: checkpatch/sparse findings or errors (see above)"
	fi
}

# prepare_workdir: one directory per run, so runs from the same clone can go
# in parallel (chroots are locked separately); "last" points to the newest.
prepare_workdir() {
	local old
	STAGE="preparing the work directory"
	WORK_BASE="$OOMSNAP_CACHE/work/$TAG${ARCH_SUFFIX:-}-$(repo_hash "$REPO")"
	mkdir -p "$WORK_BASE"
	find "$WORK_BASE" -mindepth 1 -maxdepth 1 -name 'run-*' -type d | sort | head -n -10 |
		while read -r old; do rm -rf "$old"; done
	WORK="$WORK_BASE/run-$(date +%Y%m%d-%H%M%S)-$$"
	mkdir -p "$WORK"
	ln -sfn "$(basename "$WORK")" "$WORK_BASE/last"
}

# build_selftests: the kselftest headers (bookworm chroot), then the
# selftests on the host (static binaries); sets TESTS and EXTRA.
build_selftests() {
	local ksft_inc
	STAGE="fetching the kselftest headers"
	chroot_lock bookworm
	chroot_ensure bookworm
	ksrc_ensure
	ksft_inc="$KSRC_DIR/tools/testing/selftests"
	chroot_release

	STAGE="building the selftests"
	log "building selftests..."
	mkdir -p "$WORK/selftests"
	if ! make -C "$REPO/selftests" -s OUTPUT="$WORK/selftests" KSFT_INC="$ksft_inc" \
		>"$WORK/selftests.log" 2>&1; then
		cat "$WORK/selftests.log" >&2
		die "selftests build failed"
	fi
	mapfile -t TESTS < <(make -C "$REPO/selftests" -s --no-print-directory print-tests)
	((${#TESTS[@]})) || die "selftests/Makefile lists no TEST_GEN_PROGS"
	mapfile -t EXTRA < <(make -C "$REPO/selftests" -s --no-print-directory print-extended)
	pick_tests
}

# pick_tests: --only keeps the named selftests of TESTS, in its order.
pick_tests() {
	local t keep=()

	[[ -n $ONLY ]] || return 0
	for t in $ONLY; do
		[[ " ${TESTS[*]} " == *" $t "* ]] || die "--only: no selftest '$t' (selftests/Makefile TEST_GEN_PROGS)"
	done
	for t in "${TESTS[@]}"; do
		if [[ " $ONLY " == *" $t "* ]]; then keep+=("$t"); fi
	done
	TESTS=("${keep[@]}")
}

# Copy only files whose content changed (fresh mtime: make rebuilds them);
# unchanged files keep their objects.  Stale sources are removed.
sync_file() { cmp -s "$1" "$2" || cp "$1" "$2"; }
# Generated files (oomsnap.mod.c, left in module/ by a local 'make' against
# the host's kernel) are never copied: a stale .mod.c carries another
# kernel's symbol CRCs ("disagrees about version of symbol module_layout").
is_source() { [[ -e $1 && $1 != *.mod.c ]]; }
sync_module_src() { # sync_module_src BUILD_DIR
	local f
	mkdir -p "$1/module"
	rm -f "$1"/module/*.mod.c
	for f in "$1"/module/*.[ch]; do
		if [[ -e $f ]] && ! is_source "$SRC/module/$(basename "$f")"; then rm -f "$f"; fi
	done
	sync_file "$SRC/Kbuild" "$1/Kbuild"
	sync_file "$SRC/module/Kbuild" "$1/module/Kbuild"
	for f in "$SRC"/module/*.[ch]; do
		if is_source "$f"; then sync_file "$f" "$1/module/$(basename "$f")"; fi
	done
	# the KUnit test module's suites (module/Kbuild builds it where KUnit is)
	mkdir -p "$1/module/kunit"
	for f in "$1"/module/kunit/*.c; do
		if [[ -e $f ]] && ! is_source "$SRC/module/kunit/$(basename "$f")"; then rm -f "$f"; fi
	done
	for f in "$SRC"/module/kunit/*.c; do
		if is_source "$f"; then sync_file "$f" "$1/module/kunit/$(basename "$f")"; fi
	done
	rm -f "$1/module/oomsnap.ko" "$1/module/oomsnap_kunit.ko"
}

# make_module BUILD_DIR MAKE_CMD...: sync the sources into BUILD_DIR, run
# MAKE_CMD (a W=1 OOMSNAP_WERROR=1 modules build of BUILD_DIR) into
# build.log and copy the .ko into the run directory.  Fails on an error, a
# missing .ko, and on any warning: -Werror (OOMSNAP_WERROR=1, never in a
# user's build: module/Kbuild) covers the compiler; the grep also catches
# modpost/objtool/Kbuild warnings, which do not stop make.
make_module() {
	local bdir=$1
	shift
	sync_module_src "$bdir"
	BUILD=failed
	if ! "$@" >"$WORK/build.log" 2>&1; then
		cat "$WORK/build.log" >&2
		die "module build failed for $ABI (log: $WORK/build.log)"
	fi
	[[ -f $bdir/module/oomsnap.ko ]] || { cat "$WORK/build.log" >&2; die "build produced no module/oomsnap.ko"; }
	if grep -qiE '(^|[[:space:]:])warning:' "$WORK/build.log"; then
		cat "$WORK/build.log" >&2
		die "module build for $ABI printed warnings (log: $WORK/build.log)"
	fi
	BUILD=ok
	cp "$bdir/module/oomsnap.ko" "$WORK/oomsnap.ko"
	# oomsnap_kunit.ko too, when the kernel has KUnit
	if [[ -f $bdir/module/oomsnap_kunit.ko ]]; then
		cp "$bdir/module/oomsnap_kunit.ko" "$WORK/oomsnap_kunit.ko"
	fi
}

# debug_kernel_module: the debug kernel, built (or found in the cache) by
# debug-kernel.sh; the module is built on the host with the compiler that
# built it.  Sets KDIR_CACHE, ABI, IMG_VER.
debug_kernel_module() {
	local kdir cc=${DK_CC:-gcc-12}
	STAGE="building the debug kernel"
	KDIR_CACHE=$("$HERE/debug-kernel.sh" --print-dir) || die "debug kernel build failed"
	kdir="$KDIR_CACHE/linux"
	ABI=$(cat "$kdir/include/config/kernel.release")
	IMG_VER=$(awk '/^linux-source-6.1 / { print $2 }' "$KDIR_CACHE/INFO")
	STAGE="building oomsnap.ko for $ABI"
	log "building oomsnap.ko for $ABI (debug kernel, host $cc, W=1)..."
	exec 6>"$WORK_BASE/build.lock"
	flock 6
	make_module "$WORK_BASE/build" make -C "$kdir" M="$WORK_BASE/build" W=1 OOMSNAP_WERROR=1 \
		CC="$cc" HOSTCC="$cc" -j"$(nproc)" modules
	exec 6>&-
	if ((PSTORE)); then fetch_pstore ""; fi
}

# fetch_kernel SUITE: vmlinuz of TAG's newest kernel package into
# KDIR_CACHE (kept across runs).  Sets IMG_PKG, IMG_VER, ABI, KDIR_CACHE.
# Caller holds the chroot lock.
fetch_kernel() {
	local suite=$1 tmp deb vmlinuz
	kernel_resolve "$TAG"
	KDIR_CACHE="$OOMSNAP_CACHE/kernels/${IMG_PKG}_${IMG_VER}"
	if [[ -s $KDIR_CACHE/vmlinuz ]]; then
		log "kernel $ABI ($IMG_VER) cached"
		return 0
	fi
	log "fetching kernel $ABI ($IMG_PKG $IMG_VER)..."
	tmp="$KDIR_CACHE.tmp"
	rm -rf "$tmp"
	mkdir -p "$tmp"
	deb=$(chroot_download "$suite" "$tmp" "$IMG_PKG=$IMG_VER")
	if [[ ${KT_KIND[$TAG]} == unsigned ]]; then
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*'
	else
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './usr/lib/modules/*/vmlinuz'
	fi
	vmlinuz=$(find "$tmp" -name 'vmlinuz*' -type f | head -n 1)
	[[ -n $vmlinuz ]] || die "no vmlinuz in $deb"
	mv "$vmlinuz" "$tmp/vmlinuz"
	rm -rf "${tmp:?}/boot" "${tmp:?}/usr" "$deb"
	printf '%s %s %s\n' "$IMG_PKG" "$IMG_VER" "$ABI" >"$tmp/PACKAGE"
	rm -rf "$KDIR_CACHE"
	mv "$tmp" "$KDIR_CACHE"
}

# fetch_zram SUITE: zram (and zsmalloc, lz4hc_compress where they are
# modules) from the kernel's package, decompressed for busybox insmod and
# listed in load order: swap for the guest (selftests/oomsnap_mem_test.c).
fetch_zram() {
	local suite=$1 pkg deb
	ZRAM_DIR="$KDIR_CACHE/zram"
	[[ ! -e $ZRAM_DIR/done ]] || return 0
	log "fetching zram of $ABI..."
	rm -rf "$ZRAM_DIR.tmp"
	pkg="$IMG_PKG=$IMG_VER"	# linux-binary-* has no modules: linux-modules-*
	[[ ${KT_KIND[$TAG]} != binary ]] || pkg="linux-modules-$ABI=$IMG_VER"
	deb=$(chroot_download "$suite" "$ZRAM_DIR.tmp/dl" "$pkg")
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$ZRAM_DIR.tmp/dl" --wildcards \
		'*/zram.ko*' '*/zsmalloc.ko*' '*/kernel/lib/*.ko*' 2>/dev/null || true
	find "$ZRAM_DIR.tmp/dl" -name '*.ko.xz' -exec xz -d {} +
	find "$ZRAM_DIR.tmp/dl" -name '*.ko.zst' -exec zstd -q -d --rm {} +
	ZRAM_ORDER=()
	zram_dep zram
	printf '%s\n' "${ZRAM_ORDER[@]}" >"$ZRAM_DIR.tmp/order"
	rm -rf "$ZRAM_DIR.tmp/dl"
	touch "$ZRAM_DIR.tmp/done"
	rm -rf "$ZRAM_DIR"
	mv "$ZRAM_DIR.tmp" "$ZRAM_DIR"
}

# zram_dep NAME: NAME's "depends=" first, then NAME, into ZRAM_ORDER.
zram_dep() {
	local f d
	[[ " ${ZRAM_ORDER[*]} " != *" $1 "* ]] || return 0
	f=$(find "$ZRAM_DIR.tmp/dl" -name "$1.ko" -o -name "${1//_/-}.ko" | head -n 1)
	[[ -n $f ]] || return 0
	for d in $(tr '\0' '\n' <"$f" | sed -n 's/^depends=//p' | tr , ' '); do zram_dep "${d//-/_}"; done
	cp "$f" "$ZRAM_DIR.tmp/$1.ko"
	ZRAM_ORDER+=("$1")
}

# fetch_pstore SUITE: ramoops and what it depends on (reed_solomon) from the
# kernel's package, like fetch_zram (whose zram_dep it uses on this
# directory), for --pstore; the debug kernel's (no SUITE) from its own build
# tree, which builds them as modules (scripts/debug-kernel.config).
fetch_pstore() {
	local suite=$1 pkg deb ZRAM_DIR="$KDIR_CACHE/pstore" ZRAM_ORDER=()
	PSTORE_DIR=$ZRAM_DIR
	[[ ! -e $PSTORE_DIR/done ]] || return 0
	rm -rf "$PSTORE_DIR.tmp"
	if [[ ${KT_KIND[$TAG]} == debug ]]; then
		log "taking ramoops from the debug kernel's build..."
		pkg="the debug kernel's build ($KDIR_CACHE/linux)"
		mkdir -p "$PSTORE_DIR.tmp/dl"
		cp "$KDIR_CACHE"/linux/fs/pstore/*.ko "$KDIR_CACHE"/linux/lib/reed_solomon/*.ko \
			"$PSTORE_DIR.tmp/dl/" 2>/dev/null || true
	else
		log "fetching ramoops of $ABI..."
		pkg="$IMG_PKG=$IMG_VER"
		[[ ${KT_KIND[$TAG]} != binary ]] || pkg="linux-modules-$ABI=$IMG_VER"
		deb=$(chroot_download "$suite" "$PSTORE_DIR.tmp/dl" "$pkg")
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$PSTORE_DIR.tmp/dl" --wildcards \
			'*/fs/pstore/*.ko*' '*/lib/reed_solomon/*.ko*' 2>/dev/null || true
		find "$PSTORE_DIR.tmp/dl" -name '*.ko.xz' -exec xz -d {} +
		find "$PSTORE_DIR.tmp/dl" -name '*.ko.zst' -exec zstd -q -d --rm {} +
	fi
	zram_dep ramoops
	[[ " ${ZRAM_ORDER[*]} " == *" ramoops "* ]] || die "no ramoops.ko in $pkg"
	printf '%s\n' "${ZRAM_ORDER[@]}" >"$PSTORE_DIR.tmp/order"
	rm -rf "$PSTORE_DIR.tmp/dl"
	touch "$PSTORE_DIR.tmp/done"
	rm -rf "$PSTORE_DIR"
	mv "$PSTORE_DIR.tmp" "$PSTORE_DIR"
}

# debian_kernel_module: a Debian kernel (suite chroot), and the module built
# against its headers in that chroot, or the prebuilt --ko.
debian_kernel_module() {
	local suite=${KT_SUITE[$TAG]} rel=${KT_RELEASE[$TAG]} c bdir_in rel_opt=()
	STAGE="fetching kernel $TAG"
	chroot_lock "$suite"
	chroot_ensure "$suite"
	c=$(chroot_dir "$suite")
	fetch_kernel "$suite"
	fetch_zram "$suite"
	if ((PSTORE)); then fetch_pstore "$suite"; fi

	if [[ -n $KO ]]; then
		log "using the prebuilt module $KO"
		cp "$KO" "$WORK/oomsnap.ko"
		BUILD=ok
		chroot_release
		return 0
	fi
	if [[ -n $rel ]]; then rel_opt=(-t "$rel"); fi
	# perl: W=1 runs scripts/kernel-doc (needs Pod::Usage).  binutils: 7.x
	# headers pull only gcc-N-for-host, whose driver finds no plain 'as'; every
	# cc-option test then fails and the build lacks flags such as
	# -fcf-protection (seen on a fresh trixie chroot used first for 7.3).
	chroot_install "$suite" "${rel_opt[@]}" "linux-headers-$ABI" make perl binutils
	[[ -d $c/usr/src/linux-headers-$ABI ]] || die "linux-headers-$ABI installed but /usr/src/linux-headers-$ABI is missing"

	STAGE="building oomsnap.ko for $ABI"
	bdir_in="/build/oomsnap-$(repo_hash "$REPO")-$ABI"
	log "building oomsnap.ko for $ABI (W=1)..."
	make_module "$c$bdir_in" in_chroot "$suite" make -C "/usr/src/linux-headers-$ABI" \
		M="$bdir_in" W=1 OOMSNAP_WERROR=1 -j"$(nproc)" modules
	chroot_release
}

# build_initramfs: busybox, the init, the CLI, the module, the selftests,
# the --file files and the run's action and config, into initrd.gz.
build_initramfs() {
	local r="$WORK/initramfs" bb a t f
	STAGE="building the initramfs"
	log "building initramfs..."
	rm -rf "$r"
	mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,root,etc,oomsnap,selftests}
	bb=$(command -v busybox)
	# arm64: the guest's busybox-static:arm64, the applet list from the
	# host's busybox-static (arm64_fetch_userland checks the versions match)
	cp "${GUEST_BUSYBOX:-$bb}" "$r/bin/busybox"
	while read -r a; do
		[[ $a == bin/busybox || -e $r/$a ]] && continue
		ln -s /bin/busybox "$r/$a"
	done < <("$bb" --list-full)
	mknod -m 600 "$r/dev/console" c 5 1
	mknod -m 666 "$r/dev/null" c 1 3
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$r/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
	install -m 755 "$REPO/scripts/guest/init" "$r/init"
	install -m 755 "$REPO/scripts/guest/demo.sh" "$r/oomsnap/demo.sh"
	# the CLI, static (tools/oomsnap), built on the host like the selftests
	# (arm64: cross-built with them, arm64_build_userspace)
	if [[ $ARCH == x86_64 ]]; then
		make -C "$REPO/tools/oomsnap" -s OUTPUT="$WORK/cli" >"$WORK/cli.log" 2>&1 ||
			{ cat "$WORK/cli.log" >&2; die "CLI build failed"; }
	fi
	install -m 755 "$WORK/cli/oomsnap" "$r/bin/oomsnap"
	cp "$WORK/oomsnap.ko" "$r/oomsnap/oomsnap.ko"
	if [[ -f $WORK/oomsnap_kunit.ko ]]; then
		cp "$WORK/oomsnap_kunit.ko" "$r/oomsnap/oomsnap_kunit.ko"
	fi
	mkdir -p "$r/oomsnap/modules"
	cp "${ZRAM_DIR:-/nonexistent}"/{*.ko,order} "$r/oomsnap/modules/" 2>/dev/null || true
	if ((PSTORE)); then
		mkdir -p "$r/oomsnap/pstore"
		cp "$PSTORE_DIR"/{*.ko,order} "$r/oomsnap/pstore/"
	fi
	for t in "${TESTS[@]}" "${EXTRA[@]}"; do
		[[ -n $t ]] || continue
		install -m 755 "$WORK/selftests/$t" "$r/selftests/$t"
	done
	printf '%s\n' "${TESTS[@]}" >"$r/selftests/run-list"
	for f in "${FILES[@]}"; do
		mkdir -p "$r$(dirname "${f#*:}")"
		cp "${f%%:*}" "$r${f#*:}"
	done
	printf '%s\n' "$ACTION" >"$r/oomsnap/action"
	printf '%s\n' "$CMD" >"$r/oomsnap/cmd"
	printf 'TEST_TIMEOUT=%s\nKERNEL_TAG=%s\nKERNEL_ABI=%s\nOOMSNAP_STRESS=%s\n' "$TEST_TIMEOUT" "$TAG" "$ABI" "$STRESS" >"$r/oomsnap/config"
	(cd "$r" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$WORK/initrd.gz"
	rm -rf "$r"
}

# monitor_dump SOCKET: every vCPU's state from QEMU's human monitor.
monitor_dump() {
	python3 - "$1" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(2)
s.sendall(b"info cpus\ninfo registers -a\n")
out, end = b"", time.time() + 10
while time.time() < end:
    try:
        b = s.recv(65536)
    except socket.timeout:
        break
    if not b:
        break
    out += b
# the monitor echoes each typed command with terminal escapes: drop those lines
text = out.decode("latin-1").replace("\r", "")
sys.stdout.write("".join(l for l in text.splitlines(True) if "\x1b" not in l))
PY
}

# boot: QEMU with the initramfs; the kernel console goes to serial.log
# (ttyS0), the guest's output to tap.log (ttyS1).  Sets QRC.
boot() {
	local cmdline boot_start watcher
	STAGE="booting the VM"
	SERIAL="$WORK/serial.log" TAP="$WORK/tap.log"
	rm -f "$SERIAL" "$TAP"
	local panic=-1 noreboot=-no-reboot
	# --pstore: a panic reboots in place, the ramoops region kept (see --help)
	# no_timer_check: under a loaded TCG host the IO-APIC timer check failed
	# on a reboot ("IO-APIC + timer doesn't work!", a panic at 0.004 s)
	if ((PSTORE)); then panic='1 memmap=1M$0xE000000 no_timer_check' noreboot=; fi
	TAP_SERIAL=(-serial "file:$TAP")
	cmdline="console=ttyS0 panic=$panic oops=panic numa=fake=2 rdinit=/init${DEBUG_APPEND:+ $DEBUG_APPEND}${APPEND:+ $APPEND}"
	QEMU=(qemu-system-x86_64 -accel "tcg,thread=$TCG_THREAD" -cpu max -m "$MEM" -smp "$SMP")
	if [[ $ARCH == arm64 ]]; then arm64_qemu; fi
	if [[ -n $ICOUNT ]]; then QEMU+=(-icount "shift=$ICOUNT,sleep=on"); fi
	log "booting $ABI in QEMU (TCG thread=$TCG_THREAD, ${MEM}M, timeout ${TIMEOUT}s): $ACTION..."
	boot_start=$SECONDS
	QRC=0
	# A hung guest prints nothing: 10 s before the timeout, the watcher asks
	# QEMU's monitor where every vCPU is (hang.log) before QEMU is killed.
	# It holds none of our output descriptors (a caller piping vm.sh through
	# tee must see EOF when vm.sh ends), and takes its sleep down with it.
	MON="$WORK/monitor.sock"
	rm -f "$MON" "$WORK/hang.log"
	(
		trap 'kill "$nap" 2>/dev/null; exit 0' TERM
		sleep $((TIMEOUT > 20 ? TIMEOUT - 10 : TIMEOUT / 2)) &
		nap=$!
		wait "$nap" && [[ -S $MON ]] && monitor_dump "$MON" >"$WORK/hang.log" 2>&1
	) </dev/null >/dev/null 2>&1 &
	watcher=$!
	timeout -k 10 "$TIMEOUT" "${QEMU[@]}" \
		-nographic ${noreboot:+"$noreboot"} -monitor "unix:$MON,server,nowait" -nic none "${DISK[@]}" \
		-kernel "$KDIR_CACHE/vmlinuz" -initrd "$WORK/initrd.gz" -append "$cmdline" \
		-serial "file:$SERIAL" "${TAP_SERIAL[@]}" </dev/null >"$WORK/qemu.log" 2>&1 || QRC=$?
	kill "$watcher" 2>/dev/null || true
	wait "$watcher" 2>/dev/null || true
	log "guest finished in $((SECONDS - boot_start)) s (total $((SECONDS - START)) s)"
	touch "$SERIAL" "$TAP"
	sed -i 's/\r$//' "$SERIAL" "$TAP"
}

# Kernel reports that fail a run.  A plain OOM report ("Call Trace:") does not.
SPLAT_RE='BUG:|WARNING:|Oops|Kernel panic|KASAN|UBSAN|general protection fault|unreferenced object|possible circular locking|possible recursive locking|inconsistent lock state|sleeping function called from invalid context|INFO: task .* blocked|RCU stall|rcu_sched detected stall|rcu_preempt detected stall|detected stalls on CPU|soft lockup|hard LOCKUP|refcount_t:|list_add corruption|list_del corruption|stack-protector|stack guard page|kernel BUG at|Unable to handle kernel|invalid opcode:|double fault|segfault at .* in oomsnap|Attempted to kill init|BUG kmalloc|Poison overwritten|Redzone|Object padding|object has been|still has locks held|lock held when returning|bad unlock balance|DEBUG_LOCKS_WARN_ON|suspicious RCU usage'

# expected_panics: kernel console lines of the panics a --pstore run causes
# on purpose (an OOM with panic_on_oom, or with no killable process), which
# are no splat; a pattern that matches nothing otherwise.
expected_panics() {
	if ((PSTORE)); then
		echo 'Kernel panic - not syncing: (Out of memory: (system-wide|compulsory) panic_on_oom is enabled|System is deadlocked on memory)'
	else
		echo '^$^'
	fi
}

# judge_guest: harness-level failures (QEMU's status, the guest's end
# marker, kernel splats, missing TAP results) into VMFAIL and SPLATS, and
# the guest's output printed.
judge_guest() {
	local planned results_test
	VMFAIL=()
	if ((QRC == 124 || QRC == 137)); then
		VMFAIL+=("timeout: guest killed after ${TIMEOUT}s (vCPU state: $WORK/hang.log)")
		if [[ -s $WORK/hang.log ]]; then
			sed 's/^/[vm] hang: /' "$WORK/hang.log" | grep -E 'RIP=|CPU #' >&2 || true
		fi
	elif ((QRC != 0)); then
		VMFAIL+=("qemu exited with status $QRC: $(tail -n 3 "$WORK/qemu.log" | tr '\n' ' ')")
	fi
	grep -qx 'OOMSNAP-GUEST-DONE' "$TAP" ||
		VMFAIL+=("guest did not finish (no OOMSNAP-GUEST-DONE marker on ttyS1)")

	mapfile -t SPLATS < <(grep -nE "$SPLAT_RE${SPLAT_RE_ARCH:-}" "$SERIAL" | grep -vE "$(expected_panics)" || true)
	if ((${#SPLATS[@]})); then
		VMFAIL+=("kernel reported a problem (${#SPLATS[@]} matching lines in serial.log), first: ${SPLATS[0]#*:}")
	fi

	if [[ $ACTION != tests ]]; then
		grep -vx 'OOMSNAP-GUEST-DONE' "$TAP" || true
		return 0
	fi
	# promtool check metrics on the metrics the CLI test printed (one TAP result)
	"$HERE/promtool-check.sh" "$TAP" >>"$TAP"
	grep -E '^[[:space:]]*(TAP version|1\.\.[0-9]+|ok\b|not ok\b|#)' "$TAP" || true
	planned=$(grep -E '^1\.\.[0-9]+' "$TAP" | awk -F. '{s += $3} END {print s + 0}')
	results_test=$(grep -E '^(ok|not ok)\b' "$TAP" | grep -cvE '^not ok - selftest ' || true)
	((planned > 0)) || VMFAIL+=("no TAP plan on ttyS1")
	if ((results_test < planned)); then
		VMFAIL+=("$((planned - results_test)) of $planned planned results missing")
	fi
}

# summarize: count the results (TAP, lint, harness), show the kernel console
# on a failure, print the summary line and exit with the verdict.
summarize() {
	local f s first
	STAGE="judging the run"
	PASS=$(grep -E '^ok\b' "$TAP" | grep -cviE '#[[:space:]]*skip' || true)
	SKIP=$(grep -E '^ok\b' "$TAP" | grep -ciE '#[[:space:]]*skip' || true)
	FAIL=$(grep -cE '^not ok\b' "$TAP" || true)
	if [[ -n $LINT_LINE ]]; then
		printf '%s\n' "$LINT_LINE"
		if [[ $LINT_LINE == ok* ]]; then PASS=$((PASS + 1)); else FAIL=$((FAIL + 1)); fi
	fi
	for f in "${VMFAIL[@]}"; do
		printf 'not ok - vm: %s\n' "$f"
		FAIL=$((FAIL + 1))
	done
	for s in "${SPLATS[@]:0:10}"; do
		printf '#   serial.log:%s\n' "$s"
	done
	if ((${#SPLATS[@]})) || ((${#VMFAIL[@]})); then
		{
			printf -- '--- last 40 lines of the kernel console (%s):\n' "$SERIAL"
			tail -n 40 "$SERIAL"
			if ((${#SPLATS[@]})); then
				first=${SPLATS[0]%%:*}
				printf -- '--- kernel console around the first report (line %s):\n' "$first"
				sed -n "$((first > 5 ? first - 5 : 1)),$((first + 40))p" "$SERIAL"
			fi
			printf -- '--- full logs: %s (kernel console), %s (guest output)\n' "$SERIAL" "$TAP"
		} >&2
	fi
	log "logs: $SERIAL $TAP"
	SUMMARY_DONE=1
	printf '%d passed, %d failed, %d skipped\n' "$PASS" "$FAIL" "$SKIP"
	((FAIL == 0)) || exit 1
	exit 0
}

# ---------------------------------------------------------------------------
# --arch arm64 (issue 20): the stages that differ from x86, each called from
# one branch above; x86 runs never reach them.  scripts/lib.sh, "arm64",
# says where the packages come from and how the module is cross-built.
# ---------------------------------------------------------------------------

# arm64_check_args: what arm64 does not have (yet); the run's cache
# directories get an -arm64 suffix.
arm64_check_args() {
	local t ok=0
	for t in "${ARM64_TAGS[@]}"; do [[ $t != "$TAG" ]] || ok=1; done
	((ok)) || die "--arch arm64: kernel tags so far: ${ARM64_TAGS[*]} (not '$TAG')"
	# ramoops at a fixed x86 address (memmap=) and the x86 debug kernel
	((!PSTORE)) || die "--pstore is not supported with --arch arm64"
	[[ ${#DISK[@]} -eq 0 ]] || die "--disk is not supported with --arch arm64"
	ARCH_SUFFIX=-arm64
	# arm64's own words for a kernel splat (die(), bad mode, SError)
	SPLAT_RE_ARCH='|Internal error:|Bad mode in|SError Interrupt'
}

# arm64_fetch_kernel SUITE: vmlinuz (a gzipped arm64 Image, which QEMU's
# -kernel unpacks) and zram from linux-image-$ABI-unsigned (linux-binary-$ABI
# and linux-modules-$ABI for a binary kernel), into KDIR_CACHE
# as fetch_kernel and fetch_zram do for x86.  Sets KDIR_CACHE, ZRAM_DIR.
arm64_fetch_kernel() {
	local suite=$1 tmp deb vmlinuz ZRAM_ORDER=()
	KDIR_CACHE="$OOMSNAP_CACHE/kernels/${IMG_PKG}_${IMG_VER}"
	if [[ -s $KDIR_CACHE/vmlinuz && -e $KDIR_CACHE/zram/done ]]; then
		log "kernel $ABI ($IMG_VER) cached"
		ZRAM_DIR="$KDIR_CACHE/zram"
		return 0
	fi
	log "fetching kernel $ABI ($IMG_PKG $IMG_VER)..."
	tmp="$KDIR_CACHE.tmp"
	rm -rf "$tmp"
	mkdir -p "$tmp/zram.tmp/dl"
	deb=$(arm64_download "$suite" "$tmp" "$IMG_PKG=$IMG_VER")
	if [[ ${KT_KIND[$TAG]} == unsigned ]]; then
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*'
	else
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './usr/lib/modules/*/vmlinuz'
		# linux-binary-* has no modules: zram from linux-modules-*
		rm -f "$deb"
		deb=$(arm64_download "$suite" "$tmp" "linux-modules-$ABI=$IMG_VER")
	fi
	vmlinuz=$(find "$tmp" -name 'vmlinuz*' -type f | head -n 1)
	[[ -n $vmlinuz ]] || die "no vmlinuz in $IMG_PKG"
	mv "$vmlinuz" "$tmp/vmlinuz"
	ZRAM_DIR="$tmp/zram"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$ZRAM_DIR.tmp/dl" --wildcards \
		'*/zram.ko*' '*/zsmalloc.ko*' '*/kernel/lib/*.ko*' 2>/dev/null || true
	find "$ZRAM_DIR.tmp/dl" -name '*.ko.xz' -exec xz -d {} +
	find "$ZRAM_DIR.tmp/dl" -name '*.ko.zst' -exec zstd -q -d --rm {} +
	zram_dep zram
	printf '%s\n' "${ZRAM_ORDER[@]}" >"$ZRAM_DIR.tmp/order"
	rm -rf "$ZRAM_DIR.tmp/dl"
	touch "$ZRAM_DIR.tmp/done"
	mv "$ZRAM_DIR.tmp" "$ZRAM_DIR"
	rm -rf "${tmp:?}/boot" "${tmp:?}/usr" "$deb"
	printf '%s %s %s\n' "$IMG_PKG" "$IMG_VER" "$ABI" >"$tmp/PACKAGE"
	rm -rf "$KDIR_CACHE"
	mv "$tmp" "$KDIR_CACHE"
	ZRAM_DIR="$KDIR_CACHE/zram"
}

# arm64_fetch_userland SUITE: busybox-static and libjson-c-dev (arm64),
# unpacked into the chroot's $ARM64_STATE/sysroot.  Sets GUEST_BUSYBOX.
arm64_fetch_userland() {
	local suite=$1 c root pkg v hv deb
	c=$(chroot_dir "$suite")
	root="$c$ARM64_STATE/sysroot"
	for pkg in busybox-static libjson-c-dev; do
		v=$(in_chroot "$suite" apt-cache "${ARM64_APT_OPTS[@]}" policy "$pkg" |
			awk '/Candidate:/ { if ($2 != "(none)") print $2; exit }')
		[[ -n $v ]] || die "no $pkg in the $suite arm64 lists"
		[[ $(cat "$root/.$pkg" 2>/dev/null) != "$v" ]] || continue
		log "unpacking $pkg $v (arm64)..."
		deb=$(arm64_download "$suite" "$c/tmp/oomsnap-arm64-user" "$pkg=$v")
		dpkg-deb -x "$deb" "$root"
		rm -rf "$c/tmp/oomsnap-arm64-user"
		printf '%s\n' "$v" >"$root/.$pkg"
	done
	# /bin/busybox (bookworm), /usr/bin/busybox (trixie's merged /usr)
	GUEST_BUSYBOX="$root/bin/busybox"
	[[ -x $GUEST_BUSYBOX ]] || GUEST_BUSYBOX="$root/usr/bin/busybox"
	[[ -x $GUEST_BUSYBOX ]] || die "busybox-static (arm64) has no /bin/busybox or /usr/bin/busybox"
	# build_initramfs makes the applet links from the host's busybox-static
	# (an arm64 binary cannot run here): the same version has the same list
	hv=$(dpkg-query -W -f '${Version}' busybox-static 2>/dev/null || true)
	[[ $hv == "$(cat "$root/.busybox-static")" ]] ||
		log "warning: host busybox-static ${hv:-(none)} != arm64 $(cat "$root/.busybox-static"): applet links may differ"
}

# arm64_build_userspace SUITE: the selftests and the CLI, static, with the
# suite's cross gcc ($ARM64_CC) in the chroot against the arm64 json-c (CPATH and -L: the
# Makefiles stay as they are), into $WORK/selftests and
# $WORK/cli.  Sets TESTS and EXTRA.  Caller holds the chroot lock.
arm64_build_userspace() {
	local suite=$1 c ub u ksft_inc env t cc
	STAGE="building the selftests (arm64)"
	c=$(chroot_dir "$suite")
	ksrc_ensure
	ksft_inc="$KSRC_DIR/tools/testing/selftests"
	ub="/build/oomsnap-$(repo_hash "$REPO")-arm64-user"
	u=$c$ub
	mkdir -p "$u/src/tools/oomsnap" "$u/src/selftests" "$u/ksft"
	# sources only (a host build may have left objects in tools/oomsnap)
	rm -f "$u"/src/selftests/* "$u"/src/tools/oomsnap/*.[ch]
	cp -p "$REPO"/selftests/{Makefile,*.[ch]} "$u/src/selftests/"
	cp -pr "$REPO"/tools/oomsnap/{Makefile,*.[ch]} "$u/src/tools/oomsnap/"
	cp -p "$REPO/dkms.conf" "$u/src/dkms.conf"
	cp -p "$ksft_inc"/kselftest.h "$ksft_inc"/kselftest_harness.h "$u/ksft/"
	# a cross gcc ignores LIBRARY_PATH: -L in CC
	env=(env "CPATH=$ARM64_STATE/sysroot/usr/include")
	cc="$ARM64_CC -L$ARM64_STATE/sysroot/usr/lib/aarch64-linux-gnu"
	log "building selftests and CLI (arm64, $ARM64_CC)..."
	if ! in_chroot "$suite" "${env[@]}" make -C "$ub/src/selftests" -s OUTPUT="$ub/selftests" \
		KSFT_INC="$ub/ksft" CC="$cc" >"$WORK/selftests.log" 2>&1; then
		cat "$WORK/selftests.log" >&2
		die "selftests build (arm64) failed"
	fi
	if ! in_chroot "$suite" "${env[@]}" make -C "$ub/src/tools/oomsnap" -s OUTPUT="$ub/cli" \
		CC="$cc" >"$WORK/cli.log" 2>&1; then
		cat "$WORK/cli.log" >&2
		die "CLI build (arm64) failed"
	fi
	mkdir -p "$WORK/selftests" "$WORK/cli"
	cp "$u/cli/oomsnap" "$WORK/cli/oomsnap"
	mapfile -t TESTS < <(make -C "$REPO/selftests" -s --no-print-directory print-tests)
	((${#TESTS[@]})) || die "selftests/Makefile lists no TEST_GEN_PROGS"
	mapfile -t EXTRA < <(make -C "$REPO/selftests" -s --no-print-directory print-extended)
	pick_tests
	for t in "${TESTS[@]}" "${EXTRA[@]}"; do
		cp "$u/selftests/$t" "$WORK/selftests/$t"
	done
}

# arm64_kernel_module: everything of an arm64 run that needs the chroot:
# the kernel, busybox and json-c, the selftests and CLI, the module
# (cross-built against the arm64 headers, or the prebuilt --ko).
arm64_kernel_module() {
	local suite=${KT_SUITE[$TAG]} c bdir_in
	STAGE="fetching kernel $TAG (arm64)"
	chroot_lock "$suite"
	chroot_ensure "$suite"
	arm64_apt_ensure "$suite"
	c=$(chroot_dir "$suite")
	arm64_cross "$suite"
	arm64_kernel_resolve "$TAG"
	arm64_fetch_kernel "$suite"
	arm64_fetch_userland "$suite"
	chroot_install "$suite" make "${ARM64_CROSS_PKGS[@]}"
	arm64_build_userspace "$suite"
	if [[ -n $KO ]]; then
		log "using the prebuilt module $KO"
		cp "$KO" "$WORK/oomsnap.ko"
		BUILD=ok
		chroot_release
		return 0
	fi
	STAGE="installing the arm64 headers"
	arm64_headers_ensure "$suite" "${KT_RELEASE[$TAG]}"
	STAGE="building oomsnap.ko for $ABI"
	bdir_in="/build/oomsnap-$(repo_hash "$REPO")-$ABI"
	log "building oomsnap.ko for $ABI ($ARM64_CC, W=1)..."
	make_module "$c$bdir_in" in_chroot "$suite" make -C "/usr/src/linux-headers-$ABI" \
		M="$bdir_in" CROSS_COMPILE=aarch64-linux-gnu- W=1 OOMSNAP_WERROR=1 -j"$(nproc)" modules
	chroot_release
}

# arm64_qemu: QEMU for arm64 into QEMU, TAP_SERIAL and cmdline (boot).
# -cpu max,pauth-impdef=on: QEMU's cheap pointer-authentication algorithm,
# 2.6x faster under TCG than max's architected QARMA.  Two NUMA nodes
# (numa=fake is x86 only), the memory split in two.  The virt machine has
# one PL011 (ttyAMA0, the kernel console); the guest's output goes to
# ttyS1, the second port of a pci-serial-2x (8250_pci, built in; its first
# port, ttyS0, is unused), so scripts/guest/init is the same on both.
# cma=0: Debian's arm64 kernels reserve 64 MB for CMA, which only movable
# (user) pages can use: a test that fills kernel memory would see its
# victim's freed pages go back to CMA, useless to the kernel's allocation,
# and the OOM go on to the guest's own shell (README, Compatibility).
arm64_qemu() {
	local half=$((MEM / 2)) c0=$((SMP > 1 ? SMP / 2 : 1)) n1=()
	QEMU=(qemu-system-aarch64 -M virt -accel "tcg,thread=$TCG_THREAD" -cpu "max,pauth-impdef=on"
		-m "$MEM" -smp "$SMP"
		-object "memory-backend-ram,id=m0,size=${half}M"
		-object "memory-backend-ram,id=m1,size=$((MEM - half))M"
		-numa "node,nodeid=0,cpus=0-$((c0 - 1)),memdev=m0")
	if ((SMP > c0)); then n1=(",cpus=$c0-$((SMP - 1))"); fi
	QEMU+=(-numa "node,nodeid=1${n1[0]:-},memdev=m1")
	TAP_SERIAL=(-chardev "null,id=ttyS0" -chardev "file,id=ttyS1,path=$TAP"
		-device "pci-serial-2x,chardev1=ttyS0,chardev2=ttyS1")
	cmdline="console=ttyAMA0 panic=-1 oops=panic cma=0 rdinit=/init${APPEND:+ $APPEND}"
}

main() {
	parse_args "$@"
	START=$SECONDS
	STAGE="start" SUMMARY_DONE=0 LINT_LINE=""
	ABI="" IMG_VER="" BUILD="-" PASS=0 FAIL=0 SKIP=0
	TESTS=() EXTRA=()
	trap on_exit EXIT
	check_args
	if ((LINT)); then run_lint; fi
	prepare_workdir
	# A prebuilt module (--ko) needs the selftests only to run them.
	# (arm64: arm64_kernel_module cross-builds them in the chroot)
	if [[ $ARCH == x86_64 ]] && [[ -z $KO || $ACTION == tests ]]; then build_selftests; fi
	if [[ $ARCH == arm64 ]]; then
		arm64_kernel_module
	elif [[ ${KT_KIND[$TAG]} == debug ]]; then
		debug_kernel_module
	else
		debian_kernel_module
	fi
	build_initramfs
	if [[ $ACTION == build ]]; then
		SUMMARY_DONE=1
		log "built: $WORK/oomsnap.ko, $WORK/initrd.gz, kernel $KDIR_CACHE/vmlinuz ($((SECONDS - START)) s)"
		exit 0
	fi
	boot
	judge_guest
	summarize
}

main "$@"; exit
