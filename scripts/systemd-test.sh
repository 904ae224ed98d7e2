#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-systemd: the oomsnap package on a real Debian system.  A
# bookworm rootfs with systemd as PID 1 and the .debs installed with apt,
# booted in QEMU from its own kernel and initrd; scripts/guest/systemd-check.sh
# runs in it (a oneshot unit) and checks the journal service and the
# metrics timer against the real journald and the real module.
set -euo pipefail
# One block: bash parses it before running (editing it mid-run is safe).
{

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOG_TAG=systemd-test
# shellcheck source=scripts/lib.sh
. "$HERE/lib.sh"

usage() {
	cat <<EOF
Usage: scripts/systemd-test.sh [--keep] [--timeout S] [--base-only]

 1. scripts/vm.sh --kernel bookworm build: oomsnap.ko for the bookworm
    kernel; scripts/deb.sh --no-lintian: the oomsnap and oomsnap-dkms .debs
    (lintian is make deb's and make check-dkms's job).
 2. The base rootfs (cached in \$OOMSNAP_CACHE/systemd/base-KEY, KEY from
    the kernel ABI and this recipe): debootstrap bookworm minbase with
    systemd-sysv, udev, jq, curl, prometheus-node-exporter (Debian's:
    its textfile collector reads /var/lib/prometheus/node-exporter), the
    kernel linux-image-ABI and its initrd.
 3. The image (cached in \$OOMSNAP_CACHE/systemd/image-KEY.img, KEY from
    the base, the .deb, the .ko, the guest files and this script): an overlay on the
    base, "apt-get install ./oomsnap_*.deb" (the journal service and the
    metrics timer are enabled by the package), the .ko copied to
    /lib/modules/ABI/updates/ (not the DKMS build: no compiler in the
    image; make check-dkms tests that), the .deb kept for an upgrade in the
    guest, the guest check as a oneshot unit;
    then mkfs.ext4 -d.
 4. Boot it (-snapshot: the image stays clean) with the image's own
    kernel and initrd; the guest check writes TAP to the second serial
    port and powers off.  The serial log is judged too (no BUG, WARNING,
    Oops, panic); the metrics file the timer wrote is checked here with
    promtool check metrics.

Options:
  --keep        keep the run directory's overlay
  --timeout S   kill QEMU after S seconds (default 600)
  --base-only   build the base rootfs and stop
  -h, --help    this help

Ends with "N passed, N failed, N skipped"; exit 0 when none failed.
Logs: \$OOMSNAP_CACHE/systemd/run/ (serial.log, tap.log, timings).
EOF
}

KEEP=0 TIMEOUT=600 BASE_ONLY=0
while (($#)); do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--keep) KEEP=1; shift ;;
	--timeout) TIMEOUT=${2:?--timeout needs S}; shift 2 ;;
	--base-only) BASE_ONLY=1; shift ;;
	*) printf 'systemd-test.sh: unknown argument: %s (see --help)\n' "$1" >&2; exit 2 ;;
	esac
done
((EUID == 0)) || die "must run as root (debootstrap, chroot, mount)"
for t in qemu-system-x86_64 debootstrap mkfs.ext4 sha256sum flock; do
	command -v "$t" >/dev/null || die "$t is missing: run 'make deps'"
done
START=$SECONDS
BASE="$OOMSNAP_CACHE/systemd"
OUT="$BASE/run"
mkdir -p "$BASE"
rm -rf "$OUT"
mkdir -p "$OUT"
exec 9>"$BASE/lock"
flock 9

MOUNTS=()
cleanup() {
	umount_all
	if ((!KEEP)); then rm -rf "$OUT/ovl"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

APT=(apt-get -q -y --no-install-recommends -o Dpkg::Use-Pty=0)
TIMES=()
stage_done() { TIMES+=("$1 $((SECONDS - $2)) s"); log "$1: $((SECONDS - $2)) s"; }

# --- 1. the module and the packages -------------------------------------------
t0=$SECONDS
log "building oomsnap.ko for bookworm (scripts/vm.sh --kernel bookworm build)..."
"$HERE/vm.sh" --kernel bookworm build >"$OUT/vm-build.log" 2>&1 ||
	{ tail -n 30 "$OUT/vm-build.log" >&2; die "vm.sh build failed (log: $OUT/vm-build.log)"; }
line=$(grep '\] built: ' "$OUT/vm-build.log" | tail -n 1)
KO=$(sed -n 's/.*built: \([^,]*oomsnap\.ko\),.*/\1/p' <<<"$line")
VMLINUZ_DIR=$(sed -n 's/.*kernel \(.*\)\/vmlinuz .*/\1/p' <<<"$line")
[[ -f $KO && -f $VMLINUZ_DIR/PACKAGE ]] || die "cannot find the .ko or kernel in: $line"
read -r _ IMG_VER ABI <"$VMLINUZ_DIR/PACKAGE"
cp "$KO" "$OUT/oomsnap.ko"
KO=$OUT/oomsnap.ko
stage_done "module build ($ABI)" "$t0"

# --- 2. base rootfs ----------------------------------------------------------------
# What the base holds; a change here (or another kernel) makes a new base.
BASE_PKGS="systemd-sysv,udev,kmod,procps,jq,libjson-c5,dbus,curl,prometheus-node-exporter"
BASE_KEY=$(printf '%s %s %s v2' "$ABI" "$IMG_VER" "$BASE_PKGS" | sha256sum | cut -c1-12)
ROOT="$BASE/base-$BASE_KEY"
if [[ ! -e $ROOT/.ready ]]; then
	t0=$SECONDS
	log "creating the base rootfs $ROOT (debootstrap, kernel $ABI, ~3-5 min)..."
	rm -rf "$ROOT.tmp"
	debootstrap --variant=minbase --include="$BASE_PKGS" bookworm "$ROOT.tmp" "$OOMSNAP_MIRROR" \
		>"$OUT/debootstrap.log" 2>&1 ||
		{ tail -n 30 "$OUT/debootstrap.log" >&2; die "debootstrap failed (log: $OUT/debootstrap.log)"; }
	src=""
	while read -r uri s; do
		[[ -n $uri ]] && src+="deb $uri $s main"$'\n'
	done <<<"${SUITE_SOURCES[bookworm]}"
	printf '%s' "$src" >"$ROOT.tmp/etc/apt/sources.list"
	mount -t proc proc "$ROOT.tmp/proc"
	MOUNTS+=("$ROOT.tmp/proc")
	# The kernel the module was built for (-security), with its initrd.
	if ! { in_root "$ROOT.tmp" apt-get -q update &&
		in_root "$ROOT.tmp" "${APT[@]}" install initramfs-tools zstd "linux-image-$ABI=$IMG_VER"; } \
		>"$OUT/kernel-install.log" 2>&1; then
		tail -n 30 "$OUT/kernel-install.log" >&2
		die "installing linux-image-$ABI in the base failed (log: $OUT/kernel-install.log)"
	fi
	# A small initrd (the disk's drivers and ext4 only): MODULES=most
	# makes 30 MB that TCG takes its time to unpack and probe.
	printf '%s\n' virtio_pci virtio_blk ext4 crc32c_generic >>"$ROOT.tmp/etc/initramfs-tools/modules"
	echo MODULES=list >"$ROOT.tmp/etc/initramfs-tools/conf.d/oomsnap-test"
	in_root "$ROOT.tmp" update-initramfs -u -k "$ABI" >>"$OUT/kernel-install.log" 2>&1 ||
		die "update-initramfs failed (log: $OUT/kernel-install.log)"
	umount "$ROOT.tmp/proc"
	MOUNTS=()
	[[ -f $ROOT.tmp/boot/vmlinuz-$ABI && -f $ROOT.tmp/boot/initrd.img-$ABI ]] ||
		die "no /boot/vmlinuz-$ABI or initrd in the base"
	r=$ROOT.tmp
	printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' >"$r/etc/fstab"
	echo oomsnap-guest >"$r/etc/hostname"
	: >"$r/etc/machine-id"
	# Root without a password on the console (a throwaway VM without network).
	in_root "$r" passwd -d root >/dev/null
	# Nothing that costs TCG time and has no part in the test.
	for u in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer \
		systemd-timesyncd.service getty@tty1.service; do
		ln -sf /dev/null "$r/etc/systemd/system/$u"
	done
	rm -rf "$r/var/cache/apt/archives/"*.deb "$r/var/lib/apt/lists/"*_Packages
	touch "$r/.ready"
	rm -rf "$ROOT"
	mv "$ROOT.tmp" "$ROOT"
	stage_done "base rootfs" "$t0"
else
	log "base rootfs $ROOT cached"
fi
if ((BASE_ONLY)); then exit 0; fi

# --- 3. packages and image ------------------------------------------------------------
t0=$SECONDS
DEBS=$("$HERE/deb.sh" --no-lintian --out "$BASE/deb" 2>"$OUT/deb.log") ||
	{ tail -n 30 "$OUT/deb.log" >&2; die "scripts/deb.sh failed (log: $OUT/deb.log)"; }
CLIDEB=$(sed -n 1p <<<"$DEBS")
[[ -f $CLIDEB ]] || die "deb.sh printed no oomsnap .deb"
stage_done "packages" "$t0"

GUEST=("$HERE/guest/systemd-check.sh" "$HERE/guest/oomsnap-systemd-check.service")
IMG_KEY=$(cat "$CLIDEB" "$KO" "${GUEST[@]}" "$HERE/systemd-test.sh" | sha256sum | cut -c1-16)
IMG="$BASE/image-$BASE_KEY-$IMG_KEY.img"
if [[ ! -s $IMG ]]; then
	t0=$SECONDS
	log "making the image $IMG..."
	rm -rf "$OUT/ovl"
	mkdir -p "$OUT/ovl/upper" "$OUT/ovl/work" "$OUT/ovl/root"
	r=$OUT/ovl/root
	mount -t overlay overlay -o "lowerdir=$ROOT,upperdir=$OUT/ovl/upper,workdir=$OUT/ovl/work" "$r"
	MOUNTS+=("$r")
	mount -t proc proc "$r/proc"
	MOUNTS+=("$r/proc")
	cp "$CLIDEB" "$r/tmp/"
	# The package's dependencies are in the base: no network needed.
	if ! in_root "$r" "${APT[@]}" install "/tmp/$(basename "$CLIDEB")" >"$OUT/install.log" 2>&1; then
		tail -n 30 "$OUT/install.log" >&2
		die "apt-get install of $(basename "$CLIDEB") failed (log: $OUT/install.log)"
	fi
	# kept for the guest's upgrade (dpkg -i again) while the service runs
	mkdir -p "$r/var/cache/oomsnap-test"
	mv "$r/tmp/$(basename "$CLIDEB")" "$r/var/cache/oomsnap-test/oomsnap.deb"
	mkdir -p "$r/var/lib/prometheus/node-exporter"
	install -D -m 644 "$KO" "$r/lib/modules/$ABI/updates/oomsnap.ko"
	in_root "$r" depmod -a "$ABI"
	install -m 755 "$HERE/guest/systemd-check.sh" "$r/usr/local/sbin/oomsnap-systemd-check"
	install -m 644 "$HERE/guest/oomsnap-systemd-check.service" "$r/etc/systemd/system/"
	ln -sf ../oomsnap-systemd-check.service \
		"$r/etc/systemd/system/multi-user.target.wants/oomsnap-systemd-check.service"
	umount "$r/proc"
	unset 'MOUNTS[-1]'
	rm -f "$IMG.tmp"
	# room for the journal and the test's files
	size=$(($(du -sm "$r" | cut -f1) + 400))
	mkfs.ext4 -q -F -L oomsnap -d "$r" "$IMG.tmp" "${size}M" >"$OUT/mkfs.log" 2>&1 ||
		{ cat "$OUT/mkfs.log" >&2; die "mkfs.ext4 -d failed"; }
	cleanup
	# images of another base go; of this one the newest few are kept
	find "$BASE" -maxdepth 1 -name "image-*.img" ! -name "image-$BASE_KEY-*" -delete
	find "$BASE" -maxdepth 1 -name "image-$BASE_KEY-*.img" -printf '%T@ %p\n' | sort -rn |
		tail -n +4 | cut -d' ' -f2- | xargs -r rm -f
	mv "$IMG.tmp" "$IMG"
	stage_done "image" "$t0"
else
	log "image $IMG cached"
fi

# --- 4. boot ----------------------------------------------------------------------------
t0=$SECONDS
SERIAL=$OUT/serial.log TAP=$OUT/tap.log
log "booting the image ($ABI, systemd, TCG, timeout ${TIMEOUT}s)..."
qrc=0
timeout -k 10 "$TIMEOUT" qemu-system-x86_64 -accel tcg,thread=single -cpu max -m 1024 -smp 1 \
	-nographic -no-reboot -nic none -snapshot \
	-drive "file=$IMG,format=raw,if=virtio" \
	-kernel "$ROOT/boot/vmlinuz-$ABI" -initrd "$ROOT/boot/initrd.img-$ABI" \
	-append "root=/dev/vda rw console=ttyS0 panic=-1 oops=panic quiet systemd.show_status=0" \
	-serial "file:$SERIAL" -serial "file:$TAP" </dev/null >"$OUT/qemu.log" 2>&1 || qrc=$?
touch "$SERIAL" "$TAP"
sed -i 's/\r$//' "$SERIAL" "$TAP"
stage_done "boot and guest check" "$t0"

# --- 5. judge ---------------------------------------------------------------------------
N=0 PASS=0 FAIL=0 SKIP=0
ok() { N=$((N + 1)) PASS=$((PASS + 1)); printf 'ok %d - systemd %s\n' "$N" "$*"; }
notok() { N=$((N + 1)) FAIL=$((FAIL + 1)); printf 'not ok %d - systemd %s\n' "$N" "$*"; }
skip() { N=$((N + 1)) SKIP=$((SKIP + 1)); printf 'ok %d - systemd %s # SKIP %s\n' "$N" "$1" "$2"; }
while IFS= read -r l; do
	case $l in
	ok\ -\ *\#\ SKIP*) t=${l#ok - }; skip "${t%% # SKIP*}" "${t#*# SKIP }" ;;
	ok\ -\ *) ok "${l#ok - }" ;;
	not\ ok\ -\ *) notok "${l#not ok - }" ;;
	\#*) printf '%s\n' "$l" ;;
	esac
done <"$TAP"
grep -q '^guest-check-done$' "$TAP" || notok "guest: the check did not finish (qemu exit $qrc; see $SERIAL)"
if ((qrc == 124 || qrc == 137)); then notok "guest: timeout after ${TIMEOUT}s"; fi
bad=$(grep -E 'BUG:|WARNING:|Oops|Kernel panic|KASAN|unreferenced object' "$SERIAL" | head -n 5 || true)
if [[ -n $bad ]]; then
	notok "serial log: kernel reported a problem"
	printf '%s\n' "$bad" | sed 's/^/#   /'
else
	ok "serial log: no BUG, WARNING, Oops, panic"
fi
# the .prom file the timer wrote, printed by the guest between markers
sed -n '/^OOMSNAP-PROM-BEGIN$/,/^OOMSNAP-PROM-END$/{/^OOMSNAP-PROM-/d;s/^prom| //p}' "$TAP" >"$OUT/oomsnap.prom"
if [[ ! -s $OUT/oomsnap.prom ]]; then
	notok "promtool check metrics: the guest printed no oomsnap.prom"
elif ! command -v promtool >/dev/null; then
	skip "promtool check metrics" "promtool not installed (apt-get install prometheus)"
elif pout=$(promtool check metrics <"$OUT/oomsnap.prom" 2>&1); then
	ok "promtool check metrics: the timer's oomsnap.prom ($(grep -c '^oomsnap_' "$OUT/oomsnap.prom") samples)"
else
	notok "promtool check metrics on the timer's oomsnap.prom"
	printf '%s\n' "$pout" | sed 's/^/#   /'
fi
printf '# times: %s; total %d s (logs: %s)\n' "$(IFS=';'; echo "${TIMES[*]}")" "$((SECONDS - START))" "$OUT"
printf '1..%d\n' "$N"
printf '%d passed, %d failed, %d skipped\n' "$PASS" "$FAIL" "$SKIP"
((FAIL == 0)) || exit 1
exit 0
}
