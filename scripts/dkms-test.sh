#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# oomsnap-dkms package test (make check-dkms): for every kernel tag of the
# matrix, install the package in a throwaway copy of that suite's chroot,
# check DKMS built a module for that kernel, load that module in the
# kernel's VM with the package's modprobe.d options, then purge the package
# and check nothing is left.
set -euo pipefail
# shellcheck disable=SC2016 # dpkg-query formats are single-quoted on purpose
# The whole script is one block: bash parses it before running, so editing
# this file while a run is in progress cannot derail that run.
{

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
LOG_TAG=dkms-test
# shellcheck source=scripts/lib.sh
. "$HERE/lib.sh"

usage() {
	cat <<EOF
Usage: scripts/dkms-test.sh [--arch arm64] [--kernels "TAG..."] [--deb FILE] [--keep] [--no-vm]

Tests the oomsnap-dkms and oomsnap (CLI) packages on every kernel tag of the matrix
(default: $(kernel_tags | tr '\n' ' ')).

 1. scripts/deb.sh builds the .debs in the bookworm chroot and runs lintian
    (one result: no lintian errors).
 2. Per Debian suite: an overlay on the cached chroot of that suite (the
    cache itself is not changed; it is locked meanwhile) with, at first,
    only the first tag's kernel headers; "apt-get install ./oomsnap-dkms_*.deb
    ./oomsnap_*.deb"
    (DKMS builds on install); then the headers of the suite's other tags
    (bookworm-rt, trixie-backports: DKMS builds from its kernel hook, as on
    a kernel upgrade).  For each kernel: dkms status says installed, the
    module's vermagic is that kernel's, and the package's files are in
    place (CLI, /etc/modprobe.d/oomsnap.conf all commented out, no autoload);
    "dkms build -a riscv64" is skipped (BUILD_EXCLUSIVE_ARCH).
    Then "apt-get purge oomsnap-dkms oomsnap" must leave no oomsnap module under
    /lib/modules, nothing in /var/lib/dkms/oomsnap or /usr/src/oomsnap-*.
    In the $SRC_SUITE overlay (OOMSNAP_DKMS_SRC_SUITE) also "make dkms-install"
    from the working tree with a #warning added (built and installed for
    its kernel: warnings are not errors outside the test lanes) and
    "make dkms-uninstall" (nothing left).
 3. Per tag: scripts/vm.sh --ko boots the kernel with that DKMS-built
    module, copies the example modprobe.d file with capacity=128 and two
    protect= entries enabled into the guest's /etc/modprobe.d, and runs
    scripts/guest/dkms-load.sh: modprobe, capacity reads 128, both entries
    are in the protect file, modprobe -r.  The VMs of a suite boot while
    the next suite's packages build.

With --arch arm64 (make check-dkms ARCH=arm64), the same on Debian's arm64
build of the kernel tags (default: bookworm; --kernels: any of ${ARM64_TAGS[*]}):
 1. the same oomsnap-dkms .deb ("Architecture: all"), and oomsnap for arm64
    built by "scripts/deb.sh --arch arm64": dpkg-buildpackage -B natively in
    a bookworm arm64 chroot (debootstrap --arch arm64, under qemu-user-static
    with binfmt_misc, which the script mounts and registers if needed;
    cached in \$OOMSNAP_CACHE/chroot/SUITE-arm64, locked like the others).
 2. The overlay is on that suite's arm64 chroot, the headers are
    linux-headers-ABI-arm64 of the very package version that
    "vm.sh --arch arm64" boots, and DKMS builds natively (emulated arm64
    gcc, as on an arm64 host).  Also checked: the .ko and /usr/sbin/oomsnap
    are AArch64 ELF files (readelf -h), the CLI package is arm64.
 3. The VM is "vm.sh --arch arm64 --ko" (qemu-system-aarch64).

Options:
  --arch ARCH         x86_64 (default) or arm64 (see above)
  --kernels "TAG..."  only these tags (their suites' chroots)
  --deb FILE          test this oomsnap-dkms .deb, and the oomsnap .deb of the
                      same version beside it (--arch arm64: oomsnap_VERSION_arm64.deb),
                      instead of building them (no lintian)
  --keep              keep the overlays (\$OOMSNAP_CACHE/dkms-test/root-*)
  --no-vm             skip step 3
  -h, --help          this help

Output: TAP lines ("ok N - dkms TAG: ..."), a table per kernel, then
"N passed, N failed, N skipped".  Exit status: 0 when all passed, 1 on any
failure, 2 on harness errors.  Logs: \$OOMSNAP_CACHE/dkms-test/run/ (arm64: run-arm64/).
EOF
}

TAGS=() DEB="" KEEP=0 VM=1 ARCH=x86_64
# Where make dkms-install/dkms-uninstall are tried (newest DKMS, one kernel).
SRC_SUITE=${OOMSNAP_DKMS_SRC_SUITE:-sid}
while (($#)); do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--kernels) read -r -a TAGS <<<"${2:?--kernels needs TAGs}"; shift 2 ;;
	--deb) DEB=$(realpath -e "${2:?--deb needs FILE}"); shift 2 ;;
	--keep) KEEP=1; shift ;;
	--no-vm) VM=0; shift ;;
	--arch) ARCH=${2:?--arch needs x86_64 or arm64}; shift 2 ;;
	--arch=*) ARCH=${1#*=}; shift ;;
	*) printf 'dkms-test.sh: unknown argument: %s (see --help)\n' "$1" >&2; exit 2 ;;
	esac
done
# SFX: the chroots' suffix (bookworm-arm64: lib.sh, CHROOT_ARCH)
case $ARCH in
x86_64 | amd64) ARCH=x86_64 SFX="" ;;
arm64) SFX=-arm64 ;;
*) die "--arch wants x86_64 or arm64, got '$ARCH'" ;;
esac
if [[ $ARCH == arm64 ]]; then
	((${#TAGS[@]})) || TAGS=(bookworm)
	for t in "${TAGS[@]}"; do
		[[ " ${ARM64_TAGS[*]} " == *" $t "* ]] ||
			die "--arch arm64: kernel tags so far: ${ARM64_TAGS[*]} (not '$t')"
	done
fi
((${#TAGS[@]})) || mapfile -t TAGS < <(kernel_tags)
# TS[TAG]: the chroot (and the name of its results) TAG's package test uses
declare -A TS
for t in "${TAGS[@]}"; do
	[[ -n ${KT_SUITE[$t]:-} && ${KT_KIND[$t]} != debug ]] ||
		die "unknown kernel tag '$t' (known: $(kernel_tags | tr '\n' ' '))"
	TS[$t]=${KT_SUITE[$t]}$SFX
done
((EUID == 0)) || die "must run as root (chroot, mount)"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
	die "overlayfs is not available (modprobe overlay)"
START=$SECONDS

BASE="$OOMSNAP_CACHE/dkms-test"
# (arm64: its own, so that an x86 run beside it does not remove its logs)
OUT="$BASE/run$SFX"
rm -rf "$OUT"
mkdir -p "$OUT" "$BASE/apt"

# --- TAP ----------------------------------------------------------------------
N=0 PASS=0 FAIL=0 SKIP=0
ok() { N=$((N + 1)) PASS=$((PASS + 1)); printf 'ok %d - dkms %s\n' "$N" "$*"; }
notok() { N=$((N + 1)) FAIL=$((FAIL + 1)); printf 'not ok %d - dkms %s\n' "$N" "$*"; }
skip() { N=$((N + 1)) SKIP=$((SKIP + 1)); printf 'ok %d - dkms %s # SKIP %s\n' "$N" "$1" "$2"; }
comment() { sed 's/^/#   /'; }
elapsed() { printf '%d s' "$((SECONDS - $1))"; }

# --- overlays -----------------------------------------------------------------
MOUNTS=() ROOTS=() VMPIDS=()
cleanup() {
	local i
	umount_all
	if ((!KEEP)); then
		for i in "${ROOTS[@]}"; do rm -rf "$i"; done
	fi
	ROOTS=()
}
on_exit() {
	local rc=$?
	local p
	for p in "${VMPIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	cleanup
	chroot_cleanup
	exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

APT=(apt-get -q -y --no-install-recommends -o Dpkg::Use-Pty=0)

# --- 1. the package ------------------------------------------------------------
if [[ -z $DEB ]]; then
	log "building the package (scripts/deb.sh)..."
	t0=$SECONDS
	drc=0
	DEB=$("$HERE/deb.sh" --out "$BASE/deb" 2>"$OUT/deb.log" | tail -n 1) || drc=$?
	if ((drc == 2)) || [[ ! -f $DEB ]]; then
		notok "package: make deb failed"
		comment <"$OUT/deb.log"
		printf '%d passed, %d failed, %d skipped\n' "$PASS" "$FAIL" "$SKIP"
		exit 1
	fi
	grep -E '^lintian: [EW]:' "$OUT/deb.log" | sed 's/^lintian: /# lintian: /' || true
	if ((drc == 0)); then
		ok "package: $(basename "$DEB") built, lintian reports no errors ($(elapsed "$t0"))"
	else
		notok "package: lintian reports errors on $(basename "$DEB")"
	fi
	CLIDIR=$(dirname "$DEB")
	if [[ $ARCH == arm64 ]]; then
		# the CLI for arm64, natively in the arm64 chroot (deb.sh --help)
		log "building oomsnap for arm64 (scripts/deb.sh --arch arm64, under qemu-user-static)..."
		t0=$SECONDS
		drc=0
		CLIDIR=$BASE/deb-arm64
		CLIDEB=$("$HERE/deb.sh" --arch arm64 --out "$CLIDIR" 2>"$OUT/deb-arm64.log" | tail -n 1) || drc=$?
		if ((drc == 2)) || [[ ! -f $CLIDEB ]]; then
			notok "package: scripts/deb.sh --arch arm64 failed"
			tail -n 30 "$OUT/deb-arm64.log" | comment
			printf '%d passed, %d failed, %d skipped\n' "$PASS" "$FAIL" "$SKIP"
			exit 1
		fi
		grep -E '^lintian: [EW]:' "$OUT/deb-arm64.log" | sed 's/^lintian: /# lintian: /' || true
		if ((drc == 0)); then
			ok "package: $(basename "$CLIDEB") built natively in the bookworm-arm64 chroot, its tests passed there, lintian reports no errors ($(elapsed "$t0"))"
		else
			notok "package: lintian reports errors on $(basename "$CLIDEB")"
		fi
	fi
else
	CLIDIR=$(dirname "$DEB")
fi
DEBNAME=$(basename "$DEB")
PKGVER=$(dpkg-deb -f "$DEB" Version)
if [[ $ARCH == arm64 ]]; then
	CLIDEB=$CLIDIR/oomsnap_${PKGVER}_arm64.deb
	[[ -f $CLIDEB ]] || die "no $CLIDEB (the CLI for arm64; scripts/deb.sh --arch arm64)"
else
	CLIDEB=$(find "$CLIDIR" -maxdepth 1 -name "oomsnap_${PKGVER}_*.deb" | head -n 1)
	[[ -n $CLIDEB ]] || die "no oomsnap_${PKGVER}_*.deb (the CLI) beside $DEB"
fi
CLIDEBNAME=$(basename "$CLIDEB")
MODVER=${PKGVER%-*}

# --- 2. install, check, purge per suite ----------------------------------------
declare -A KABI KVER VERMAGIC HOW DKMSVER BUILT VMRES SECS
SUITES=()
for t in "${TAGS[@]}"; do
	s=${TS[$t]}
	[[ " ${SUITES[*]} " == *" $s "* ]] || SUITES+=("$s")
done

# headers_pkgs ROOT: installed kernel-specific header packages, one per line
headers_pkgs() {
	local k
	for k in "$1"/lib/modules/*; do
		# build is an absolute symlink (into the root): test the link
		[[ -L $k/build || -e $k/build ]] || continue
		k=${k##*/}
		if in_root "$1" dpkg-query -W -f '${Status}' "linux-headers-$k" 2>/dev/null |
			grep -q 'install ok installed'; then
			echo "linux-headers-$k"
		fi
	done
}

# check_kernel ROOT TAG: dkms built and installed the module for TAG's kernel
check_kernel() {
	local r=$1 tag=$2 abi=${KABI[$2]} st ko="" e vm
	st=$(in_root "$r" dkms status -m oomsnap -v "$MODVER" -k "$abi" 2>&1 || true)
	printf '%s\n' "$st" | comment
	for e in ko ko.xz ko.zst ko.gz; do
		if [[ -f $r/lib/modules/$abi/updates/dkms/oomsnap.$e ]]; then
			ko=/lib/modules/$abi/updates/dkms/oomsnap.$e
			break
		fi
	done
	if [[ $st != *installed* || -z $ko ]]; then
		notok "$tag: DKMS did not install oomsnap for $abi (${HOW[$tag]})"
		local log
		log=$(find "$r/var/lib/dkms/oomsnap" -name make.log 2>/dev/null | head -n 1)
		if [[ -n $log ]]; then tail -n 30 "$log" | comment; fi
		return 0
	fi
	ok "$tag: DKMS built and installed $ko (${HOW[$tag]})"
	vm=$(in_root "$r" modinfo -F vermagic "$ko" 2>&1 || true)
	vm=$(printf '%s' "$vm" | sed 's/ *$//')
	VERMAGIC[$tag]=${vm%% *}
	local ver sig
	ver=$(in_root "$r" modinfo -F version "$ko" 2>/dev/null || true)
	sig=$(in_root "$r" modinfo -F signer "$ko" 2>/dev/null || true)
	if [[ ${VERMAGIC[$tag]} == "$abi" && $ver == "$MODVER" ]]; then
		ok "$tag: vermagic '$vm', version $ver"
	else
		notok "$tag: vermagic '$vm' version '$ver', want $abi and $MODVER"
		return 0
	fi
	if ! in_root "$r" dpkg --compare-versions "${DKMSVER[${TS[$tag]}]:-0}" ge 3; then
		skip "$tag: module signed" "dkms ${DKMSVER[${TS[$tag]}]:-?} does not sign by itself"
	elif [[ -n $sig ]]; then
		ok "$tag: module signed by '$sig' (/var/lib/dkms/mok.key, made by DKMS)"
	else
		notok "$tag: DKMS did not sign the module (see $OUT/${TS[$tag]}-install.log)"
	fi
	mkdir -p "$OUT/$tag"
	cp "$r$ko" "$OUT/$tag/"
	case $ko in
	*.xz) xz -d -f "$OUT/$tag/oomsnap.ko.xz" ;;
	*.zst) zstd -q -d -f --rm "$OUT/$tag/oomsnap.ko.zst" ;;
	*.gz) gzip -d -f "$OUT/$tag/oomsnap.ko.gz" ;;
	esac
	if [[ $ARCH == arm64 ]]; then
		local m ml mk=""
		# DKMS writes the date into make.log before make runs; the file's
		# mtime is make's end: the module's build time under emulation
		ml=$(find "$r/var/lib/dkms/oomsnap/$MODVER/$abi" -name make.log 2>/dev/null | head -n 1)
		if [[ -n $ml ]] && m=$(date -d "$(sed -n 2p "$ml")" +%s 2>/dev/null); then
			mk="; DKMS's make took $(($(stat -c %Y "$ml") - m)) s"
		fi
		m=$(elf_machine "$OUT/$tag/oomsnap.ko")
		if [[ $m == AArch64 ]]; then
			ok "$tag: the module is an ELF for AArch64 (readelf -h: Machine $m$mk)"
		else
			notok "$tag: the module's ELF machine is '$m', want AArch64"
			return 0
		fi
	fi
	BUILT[$tag]=$OUT/$tag/oomsnap.ko
}

# elf_machine FILE: the Machine of FILE's ELF header (readelf -h), e.g. AArch64
elf_machine() {
	LC_ALL=C readelf -h "$1" 2>/dev/null | sed -n 's/^ *Machine: *//p'
}

# arm64_resolve TAG...: each tag's arm64 kernel (ABI, package version) as
# "vm.sh --arch arm64" resolves it, in the amd64 chroot's arm64 lists, so
# that DKMS builds for the very kernel the VM boots.
arm64_resolve() {
	local t s
	for t in "$@"; do
		s=${KT_SUITE[$t]}
		chroot_lock "$s"
		chroot_ensure "$s"
		arm64_apt_ensure "$s"
		arm64_kernel_resolve "$t"
		KABI[$t]=$ABI KVER[$t]=$IMG_VER
		chroot_release_lock
	done
}

# arch_exclusive ROOT SUITE TAG: the package is "Architecture: all";
# BUILD_EXCLUSIVE_ARCH in dkms.conf keeps DKMS from building on an
# architecture the lanes do not test (x86_64 and arm64 are; DKMS 2.8 exits
# 9, 3.x 77).
arch_exclusive() {
	local r=$1 s=$2 abi=${KABI[$3]} out rc=0
	out=$(in_root "$r" dkms build -m oomsnap -v "$MODVER" -k "$abi" -a riscv64 2>&1) || rc=$?
	if [[ $rc =~ ^(9|77)$ && $out == *BUILD_EXCLUSIVE* ]]; then
		ok "$s: dkms ${DKMSVER[$s]:-?} build -a riscv64 skipped by BUILD_EXCLUSIVE_ARCH (exit $rc)"
	else
		notok "$s: dkms build -a riscv64 exited $rc, want 9 or 77 (BUILD_EXCLUSIVE_ARCH)"
		printf '%s\n' "$out" | tail -n 10 | comment
	fi
}

# package_files ROOT SUITE: what the package put in place
package_files() {
	local r=$1 s=$2 bad=()
	if [[ $s != bullseye ]]; then
		in_root "$r" /usr/sbin/oomsnap --help >/dev/null 2>&1 || bad+=("/usr/sbin/oomsnap --help fails")
	fi
	[[ -f $r/usr/src/oomsnap-$MODVER/dkms.conf ]] || bad+=("no /usr/src/oomsnap-$MODVER/dkms.conf")
	if [[ ! -f $r/etc/modprobe.d/oomsnap.conf ]]; then
		bad+=("no /etc/modprobe.d/oomsnap.conf")
	elif grep -vE '^[[:space:]]*(#|$)' "$r/etc/modprobe.d/oomsnap.conf" | grep -q .; then
		bad+=("/etc/modprobe.d/oomsnap.conf has active lines")
	else
		cp "$r/etc/modprobe.d/oomsnap.conf" "$OUT/modprobe-$s.conf"
	fi
	[[ -f $r/usr/share/doc/oomsnap-dkms/examples/modules-load.d/oomsnap.conf ]] ||
		bad+=("no modules-load.d example")
	if grep -rqsw oomsnap "$r/etc/modules-load.d" "$r/etc/modules"; then
		bad+=("the module is set to load at boot")
	fi
	local what=/usr/sbin/oomsnap m a
	if [[ $ARCH == arm64 ]]; then
		# the user-visible CLI is an arm64 binary from an arm64 package
		m=$(elf_machine "$r/usr/sbin/oomsnap")
		a=$(in_root "$r" dpkg-query -W -f '${Architecture}' oomsnap 2>/dev/null || true)
		[[ $m == AArch64 && $a == arm64 ]] || bad+=("/usr/sbin/oomsnap is '$m' from oomsnap:'$a', want AArch64, arm64")
		what="/usr/sbin/oomsnap (AArch64, oomsnap:arm64, --help runs)"
	fi
	if ((${#bad[@]})); then
		notok "$s: package files: ${bad[*]}"
	else
		ok "$s: package files: $what, /usr/src/oomsnap-$MODVER, /etc/modprobe.d/oomsnap.conf (all commented), no autoload"
	fi
}

# purge_check ROOT SUITE
purge_check() {
	local r=$1 s=$2 left=()
	if ! in_root "$r" "${APT[@]}" purge oomsnap-dkms oomsnap >"$OUT/$s-purge.log" 2>&1; then
		notok "$s: apt-get purge oomsnap-dkms oomsnap failed"
		tail -n 20 "$OUT/$s-purge.log" | comment
		return 0
	fi
	mapfile -t left < <(
		find "$r/lib/modules/" "$r/usr/lib/modules/" -name 'oomsnap.ko*' 2>/dev/null
		grep -lsw oomsnap "$r"/lib/modules/*/modules.dep
		ls -d "$r/var/lib/dkms/oomsnap" "$r"/usr/src/oomsnap-* "$r/etc/modprobe.d/oomsnap.conf" \
			"$r/usr/sbin/oomsnap" "$r/usr/share/doc/oomsnap-dkms" "$r/usr/share/doc/oomsnap" 2>/dev/null
		in_root "$r" dpkg-query -W -f '${Status}\n' oomsnap-dkms oomsnap 2>/dev/null |
			grep -v '^unknown ok not-installed$\|^$' || true
	)
	if ((${#left[@]})); then
		notok "$s: purge left ${#left[@]} things behind"
		printf '%s\n' "${left[@]#"$r"}" | comment
	else
		ok "$s: apt-get purge oomsnap-dkms oomsnap leaves no module, /var/lib/dkms/oomsnap, /usr/src/oomsnap-*, conffile or docs"
	fi
}

# source_install ROOT SUITE TAG: make dkms-install / dkms-uninstall from a
# copy of the working tree (dkms is still installed after the purge).
source_install() {
	local r=$1 s=$2 tag=$3 abi=${KABI[$3]} f st left=()
	rm -rf "$r/tmp/oomsnap-src"
	mkdir -p "$r/tmp/oomsnap-src/module"
	cp "$REPO/Makefile" "$REPO/Kbuild" "$REPO/dkms.conf" "$r/tmp/oomsnap-src/"
	for f in "$REPO"/module/Kbuild "$REPO"/module/*.[ch]; do
		[[ $f == *.mod.c ]] || cp "$f" "$r/tmp/oomsnap-src/module/"
	done
	# A compiler warning must not cost a host its module: warnings are
	# errors only in the test lanes (OOMSNAP_WERROR=1, module/Kbuild).
	local warn="oomsnap dkms-test: a warning must not fail a DKMS build"
	printf '#warning "%s"\n' "$warn" >>"$r/tmp/oomsnap-src/module/oomsnap_main.c"
	log "$s: make dkms-install from the working tree (plus a #warning)..."
	if ! in_root "$r" make -C /tmp/oomsnap-src dkms-install >"$OUT/$s-dkms-install.log" 2>&1; then
		notok "$tag: make dkms-install failed (the tree has a #warning: is -Werror on?)"
		tail -n 30 "$OUT/$s-dkms-install.log" | comment
	else
		st=$(in_root "$r" dkms status -m oomsnap -v "$MODVER" -k "$abi" 2>&1 || true)
		if [[ $st == *installed* ]] && compgen -G "$r/lib/modules/$abi/updates/dkms/oomsnap.ko*" >/dev/null; then
			ok "$tag: make dkms-install: $st"
		else
			notok "$tag: make dkms-install did not install oomsnap for $abi: $st"
		fi
		if grep -qsF "warning: #warning \"$warn\"" "$r/var/lib/dkms/oomsnap/$MODVER/$abi/"*/log/make.log; then
			ok "$tag: make dkms-install built a tree with a #warning (make.log shows it): no -Werror"
		else
			notok "$tag: the #warning added to the tree is not in DKMS's make.log"
		fi
	fi
	if ! in_root "$r" make -C /tmp/oomsnap-src dkms-uninstall >"$OUT/$s-dkms-uninstall.log" 2>&1; then
		notok "$tag: make dkms-uninstall failed"
		tail -n 20 "$OUT/$s-dkms-uninstall.log" | comment
		return 0
	fi
	mapfile -t left < <(
		find "$r/lib/modules/" "$r/usr/lib/modules/" -name 'oomsnap.ko*' 2>/dev/null
		ls -d "$r/var/lib/dkms/oomsnap" "$r"/usr/src/oomsnap-* 2>/dev/null
	)
	if ((${#left[@]})); then
		notok "$tag: make dkms-uninstall left ${#left[@]} things behind"
		printf '%s\n' "${left[@]#"$r"}" | comment
	else
		ok "$tag: make dkms-uninstall leaves no module, /var/lib/dkms/oomsnap or /usr/src/oomsnap-*"
	fi
}

suite_test() { # suite_test SUITE TAG...
	local s=$1
	shift
	local tags=("$@") t0=$SECONDS C R rel p first=$1 t
	C=$(chroot_dir "$s")
	chroot_lock "$s"
	chroot_ensure "$s"
	for t in "${tags[@]}"; do
		# (arm64: arm64_resolve did, in the amd64 chroot)
		[[ -z ${KABI[$t]:-} ]] || continue
		kernel_resolve "$t"
		KABI[$t]=$ABI
	done
	R="$BASE/root-$s-$$"
	rm -rf "$R"
	mkdir -p "$R/upper" "$R/work" "$R/root"
	ROOTS+=("$R")
	mount -t overlay overlay -o "lowerdir=$C,upperdir=$R/upper,workdir=$R/work" "$R/root"
	MOUNTS+=("$R/root")
	local r=$R/root
	mount -t proc proc "$r/proc"
	MOUNTS+=("$r/proc")
	log "$s: overlay on $C ready; $(for t in "${tags[@]}"; do printf '%s=%s ' "$t" "${KABI[$t]}"; done)"
	# .debs fetched by earlier runs (dkms and what it pulls in)
	cp -n "$BASE/apt/$s/"*.deb "$r/var/cache/apt/archives/" 2>/dev/null || true

	# Only the first tag's headers at first.
	local keep="linux-headers-${KABI[$first]}" purge=()
	while read -r p; do
		[[ $p == "$keep" ]] || purge+=("$p")
	done < <(headers_pkgs "$r")
	rel=()
	if [[ -n ${KT_RELEASE[$first]} ]]; then rel=(-t "${KT_RELEASE[$first]}"); fi
	if ((${#purge[@]})) && ! in_root "$r" "${APT[@]}" purge "${purge[@]}" >"$OUT/$s-headers.log" 2>&1; then
		tail -n 20 "$OUT/$s-headers.log" >&2
		die "$s: could not remove ${purge[*]} from the overlay"
	fi
	if ! in_root "$r" "${APT[@]}" "${rel[@]}" install "$keep${KVER[$first]:+=${KVER[$first]}}" \
		>>"$OUT/$s-headers.log" 2>&1; then
		notok "$first: apt-get install $keep failed"
		tail -n 20 "$OUT/$s-headers.log" | comment
		return 0
	fi

	# Install the package: DKMS builds for the installed headers.
	cp "$DEB" "$r/tmp/$DEBNAME"
	cp "$CLIDEB" "$r/tmp/$CLIDEBNAME"
	# The CLI package is built on bookworm and links its libc and
	# libsystemd (Architecture: any): bullseye's libc is older, so there
	# the module package goes alone (the CLI is only Recommended).
	local cli=("/tmp/$CLIDEBNAME")
	[[ $s != bullseye ]] || cli=()
	log "$s: apt-get install ./$DEBNAME ${cli[*]} (DKMS builds for ${KABI[$first]})..."
	local t1=$SECONDS
	HOW[$first]="on package install"
	# openssl: DKMS >= 3 then creates a MOK and signs (README: Secure Boot)
	if in_root "$r" "${APT[@]}" install "/tmp/$DEBNAME" "${cli[@]}" openssl \
		>"$OUT/$s-install.log" 2>&1; then
		DKMSVER[$s]=$(in_root "$r" dpkg-query -W -f '${Version}' dkms)
		ok "$s: apt-get install ./$DEBNAME ${cli[*]} with dkms ${DKMSVER[$s]} ($(elapsed "$t1"))"
	else
		notok "$s: apt-get install ./$DEBNAME ${cli[*]} failed"
		tail -n 30 "$OUT/$s-install.log" | comment
	fi
	SECS[$first]=$((SECONDS - t1))
	grep -iE 'error|warning|skipped|sign' "$OUT/$s-install.log" | head -n 10 | comment || true
	check_kernel "$r" "$first"
	arch_exclusive "$r" "$s" "$first"

	# The suite's other kernels arrive like an upgrade: headers installed
	# after the package; DKMS's kernel hook must build for them.
	for t in "${tags[@]:1}"; do
		rel=()
		if [[ -n ${KT_RELEASE[$t]} ]]; then rel=(-t "${KT_RELEASE[$t]}"); fi
		log "$s: apt-get install linux-headers-${KABI[$t]} (DKMS kernel hook builds)..."
		t1=$SECONDS
		HOW[$t]="by the kernel hook on headers install"
		if ! in_root "$r" "${APT[@]}" "${rel[@]}" install "linux-headers-${KABI[$t]}${KVER[$t]:+=${KVER[$t]}}" \
			>"$OUT/$t-headers.log" 2>&1; then
			notok "$t: apt-get install linux-headers-${KABI[$t]} failed"
			tail -n 30 "$OUT/$t-headers.log" | comment
		fi
		SECS[$t]=$((SECONDS - t1))
		check_kernel "$r" "$t"
	done

	package_files "$r" "$s"
	purge_check "$r" "$s"
	if [[ $s == "$SRC_SUITE" ]]; then source_install "$r" "$s" "$first"; fi

	mkdir -p "$BASE/apt/$s"
	cp -n "$R/upper/var/cache/apt/archives/"*.deb "$BASE/apt/$s/" 2>/dev/null || true
	cleanup
	chroot_release_lock
	log "$s: done ($(elapsed "$t0"))"
}
chroot_release_lock() { chroot_cleanup; exec 8>&-; }

# --- 3. the VM ----------------------------------------------------------------
# vm_one TAG: boot TAG's kernel with its DKMS module (vm.sh output in
# $OUT/TAG/vm.out, its log in vm.err).
vm_one() {
	local tag=$1 s=${TS[$1]} conf=$OUT/$1/oomsnap.conf vmargs=(--timeout 300)
	sed -e 's/^#options oomsnap capacity=.*/options oomsnap capacity=128/' \
		-e 's/^#options oomsnap protect=.*/options oomsnap protect="add comm=sshd adj=-1000;add comm=dkms-test adj=-500"/' \
		"$OUT/modprobe-$s.conf" >"$conf" 2>/dev/null || true
	if [[ $(grep -c '^options oomsnap' "$conf") != 2 ]]; then
		printf '%s\n' "not ok - the example modprobe.d file has no '#options oomsnap capacity=' or 'protect=' line" \
			"0 passed, 1 failed, 0 skipped" >"$OUT/$tag/vm.out"
		return 0
	fi
	# arm64 under TCG boots several times slower
	if [[ $ARCH == arm64 ]]; then vmargs=(--arch arm64 --timeout 1200); fi
	"$HERE/vm.sh" --kernel "$tag" --ko "${BUILT[$tag]}" "${vmargs[@]}" \
		--file "$conf:/etc/modprobe.d/oomsnap.conf" \
		--file "$HERE/guest/dkms-load.sh:/oomsnap/dkms-load.sh" \
		shell-cmd "sh /oomsnap/dkms-load.sh 128 'comm=sshd adj=-1000' 'comm=dkms-test adj=-500'" \
		>"$OUT/$tag/vm.out" 2>"$OUT/$tag/vm.err" || true
}
# vm_start TAG...: one background job boots these kernels one after the
# other (the next suite's DKMS builds use the other CPU meanwhile).
declare -A VMTAGS
vm_start() {
	local t todo=()
	for t in "$@"; do
		if [[ -n ${BUILT[$t]:-} ]]; then todo+=("$t"); fi
	done
	((${#todo[@]})) || return 0
	log "booting ${todo[*]} with the DKMS-built module (background)..."
	(for t in "${todo[@]}"; do vm_one "$t"; done) &
	VMPIDS+=($!)
	VMTAGS[$!]="${todo[*]}"
}
# vm_report: wait for the started VMs and turn their TAP into ours.
vm_report() {
	local p tag line
	for p in "${VMPIDS[@]}"; do
		wait "$p" || true
		for tag in ${VMTAGS[$p]}; do
			touch "$OUT/$tag/vm.out"
			VMRES[$tag]=$(tail -n 1 "$OUT/$tag/vm.out")
			while IFS= read -r line; do
				case $line in
				ok\ -\ *) ok "$tag: vm: ${line#ok - }" ;;
				not\ ok\ -\ *) notok "$tag: vm: ${line#not ok - }" ;;
				\#*) printf '%s\n' "$line" ;;
				esac
			done <"$OUT/$tag/vm.out"
			if ! grep -q . "$OUT/$tag/vm.out"; then
				notok "$tag: vm: no output from vm.sh"
			fi
			grep -E '^\[vm\] error' "$OUT/$tag/vm.err" | comment || true
			log "$tag: vm: ${VMRES[$tag]:-no result}"
		done
	done
	VMPIDS=()
}

for s in "${SUITES[@]}"; do
	st=()
	for t in "${TAGS[@]}"; do [[ ${TS[$t]} != "$s" ]] || st+=("$t"); done
	if [[ $ARCH == arm64 ]]; then arm64_resolve "${st[@]}"; fi
	suite_test "$s" "${st[@]}"
	# The previous suite's VMs ran meanwhile; report them in order.
	vm_report
	if ((VM)); then
		vm_start "${st[@]}"
		for t in "${st[@]}"; do
			[[ -n ${BUILT[$t]:-} ]] || skip "$t: vm" "no module was built"
		done
	fi
done
vm_report

# --- summary -------------------------------------------------------------------
printf '\n# oomsnap-dkms %s on %d %s kernels (%d s; logs in %s)\n' "$PKGVER" "${#TAGS[@]}" \
	"$ARCH" "$((SECONDS - START))" "$OUT"
printf '# %-17s %-24s %-18s %-7s %-22s %s\n' kernel abi dkms build-s vermagic vm
for t in "${TAGS[@]}"; do
	printf '# %-17s %-24s %-18s %-7s %-22s %s\n' "$t" "${KABI[$t]:--}" \
		"${DKMSVER[${TS[$t]}]:--}" "${SECS[$t]:--}" "${VERMAGIC[$t]:--}" \
		"${VMRES[$t]:--}"
done
printf '1..%d\n' "$N"
printf '%d passed, %d failed, %d skipped\n' "$PASS" "$FAIL" "$SKIP"
((FAIL == 0)) || exit 1
exit 0
}
