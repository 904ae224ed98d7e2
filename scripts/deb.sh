#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the Debian packages oomsnap-dkms (the module source, dh-dkms) and
# oomsnap (the CLI) in the cached bookworm chroot and check them with
# lintian there (--arch arm64: the CLI for arm64, natively in a bookworm
# arm64 chroot under qemu-user-static; see --help).  The host's apt
# configuration is never touched; nothing is written to the repository but
# the .debs in --out (default dist/, gitignored).
set -euo pipefail
{ # one block: scripts/lib.sh, "Running scripts"
LOG_TAG=deb
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" # HERE, REPO, log, die, ...

usage() {
	cat <<EOF
Usage: scripts/deb.sh [--out DIR] [--no-lintian] [--arch arm64]

Builds oomsnap-dkms_VERSION_all.deb and oomsnap_VERSION_ARCH.deb (the
CLI, static, its host tests run during the build) from the working tree
(debian/, docs/, dkms.conf, Kbuild, module/, tools/oomsnap/, conf/) with
dpkg-buildpackage in the bookworm chroot (\$OOMSNAP_CACHE/chroot/bookworm;
debhelper, dh-dkms, libjson-c-dev and lintian are installed there on first
use), with the source package (.dsc, .tar.xz, .buildinfo, .changes), then
runs lintian on the .changes (the source and both .debs) in the same chroot
(--pedantic, as nobody; errors fail; debian/*lintian-overrides give the
reason for each tag left).  Checks
first that dkms.conf's PACKAGE_VERSION,
MODULE_VERSION in module/oomsnap_main.c and debian/changelog agree.

  --out DIR      where to put the .debs and the source package (default:
                 dist/ in the repository)
  --no-lintian   skip lintian
  --arch arm64   only the architecture-dependent package, oomsnap (the CLI),
                 for arm64: dpkg-buildpackage -B natively in the bookworm
                 arm64 chroot (\$OOMSNAP_CACHE/chroot/bookworm-arm64, made
                 with debootstrap --arch arm64 and run under qemu-user-static;
                 the build dependencies are installed there on first use),
                 its host tests run there too; lintian on its .changes in
                 the amd64 bookworm chroot.  oomsnap-dkms is
                 "Architecture: all": the default build's .deb serves every
                 architecture
  -h, --help     this help

Prints the paths of the .debs on stdout, oomsnap's, then oomsnap-dkms's
as the last line (--arch arm64: oomsnap_VERSION_arm64.deb only).  Exit status: 0 on
success (lintian warnings allowed), 1 when lintian reports errors, 2 when
the build fails.
EOF
}

OUT=$REPO/dist LINTIAN=1 ARCH=""
while (($#)); do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--out) OUT=${2:?--out needs DIR}; shift 2 ;;
	--out=*) OUT=${1#*=}; shift ;;
	--no-lintian) LINTIAN=0; shift ;;
	--arch) ARCH=${2:?--arch needs arm64}; shift 2 ;;
	--arch=*) ARCH=${1#*=}; shift ;;
	*) printf 'deb.sh: unknown argument: %s (see --help)\n' "$1" >&2; exit 2 ;;
	esac
done
((EUID == 0)) || die "must run as root (chroot)"
case $ARCH in
'' | amd64) ARCH="" ;;
arm64) ;;
*) die "--arch wants arm64 (or amd64, the default), got '$ARCH'" ;;
esac
START=$SECONDS

# --- versions -----------------------------------------------------------------
V_DKMS=$(sed -n 's/^PACKAGE_VERSION="*\([^"]*\)"*$/\1/p' "$REPO/dkms.conf")
V_MOD=$(sed -n 's/^MODULE_VERSION("\([^"]*\)");$/\1/p' "$REPO/module/oomsnap_main.c")
V_DEB=$(sed -n '1s/^oomsnap (\([^)]*\)).*/\1/p' "$REPO/debian/changelog")
[[ -n $V_DKMS && $V_DKMS == "$V_MOD" && $V_DKMS == "${V_DEB%-*}" ]] ||
	die "versions disagree: dkms.conf '$V_DKMS', MODULE_VERSION '$V_MOD', debian/changelog '$V_DEB'"

# --- build tree in the chroot ---------------------------------------------------
trap chroot_cleanup EXIT
# --arch arm64: natively, the way Debian's arm64 buildd builds it (its
# compiler, its libraries, its dpkg-buildflags, and the host tests run on
# arm64), under qemu-user-static.  A cross build (-a arm64) in the amd64
# chroot would need arm64 as a foreign dpkg architecture there, which every
# x86 run shares, and could not run the tests without emulation anyway.
ROOT=bookworm${ARCH:+-$ARCH}
chroot_lock "$ROOT"
chroot_ensure "$ROOT"
# build-essential: implied by every Build-Depends; dh-sequence-dkms is dh-dkms.
# (lintian runs in the amd64 chroot for both)
chroot_install "$ROOT" build-essential debhelper dh-dkms dpkg-dev make libjson-c-dev \
	libsystemd-dev pkgconf
if [[ -z $ARCH ]]; then chroot_install bookworm lintian; fi
C=$(chroot_dir "$ROOT")
BIN="/build/oomsnap-deb-$(repo_hash "$REPO")"
B="$C$BIN"
rm -rf "$B"
mkdir -p "$B/oomsnap/module" "$B/oomsnap/conf"
# Only what the package is made of (no build output, no .git).
cp -a "$REPO/debian" "$REPO/conf" "$REPO/docs" "$B/oomsnap/"
cp -a "$REPO/Makefile" "$REPO/Kbuild" "$REPO/dkms.conf" "$REPO/README.md" "$B/oomsnap/"
mkdir -p "$B/oomsnap/tools"
cp -a "$REPO/tools/oomsnap" "$B/oomsnap/tools/"
rm -f "$B/oomsnap/tools/oomsnap/oomsnap" "$B/oomsnap/tools/oomsnap/unit" "$B"/oomsnap/tools/oomsnap/*.o
for f in "$REPO"/module/Kbuild "$REPO"/module/*.[ch]; do
	[[ $f == *.mod.c ]] || cp -a "$f" "$B/oomsnap/module/"
done
if [[ -n $ARCH ]]; then
	log "building oomsnap $V_DEB for $ARCH natively in the $ROOT chroot (qemu-user-static)..."
	# -B: the architecture-dependent package only, as an arm64 buildd does
	BFLAGS="-us -uc -B"
else
	log "building oomsnap-dkms and oomsnap $V_DEB in the bookworm chroot..."
	# Source and binaries (-us -uc: unsigned): the .dsc and .changes go
	# through lintian too.
	BFLAGS="-us -uc"
fi
if ! in_chroot "$ROOT" sh -c "cd $BIN/oomsnap && dpkg-buildpackage $BFLAGS" \
	>"$B/build.log" 2>&1; then
	tail -n 40 "$B/build.log" >&2
	die "dpkg-buildpackage failed (log: $B/build.log)"
fi
DEB="" DSC=""
if [[ -z $ARCH ]]; then
	DEB=$(find "$B" -maxdepth 1 -name 'oomsnap-dkms_*_all.deb' | head -n 1)
	[[ -n $DEB ]] || die "dpkg-buildpackage produced no oomsnap-dkms .deb"
	DSC=$(find "$B" -maxdepth 1 -name 'oomsnap_*.dsc' | head -n 1)
	[[ -n $DSC ]] || die "dpkg-buildpackage produced no .dsc"
fi
CLIDEB=$(find "$B" -maxdepth 1 -name "oomsnap_*_${ARCH:-*}.deb" | head -n 1)
[[ -n $CLIDEB ]] || die "dpkg-buildpackage produced no oomsnap .deb"
CHANGES=$(find "$B" -maxdepth 1 -name 'oomsnap_*.changes' | head -n 1)
[[ -n $CHANGES ]] || die "dpkg-buildpackage produced no .changes"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
# the source package (.dsc, .tar.xz), .buildinfo and .changes beside the .debs
mapfile -t EXTRA < <(find "$B" -maxdepth 1 \( -name 'oomsnap_*.tar.*' -o \
	-name 'oomsnap_*.buildinfo' -o -name 'oomsnap-dbgsym_*.deb' \))
if [[ -n $DEB ]]; then EXTRA+=("$DEB" "$DSC"); fi
cp "$CLIDEB" "$CHANGES" "${EXTRA[@]}" "$OUT/"
CLIDEB="$OUT/$(basename "$CLIDEB")"
if [[ -n $DEB ]]; then
	DEB="$OUT/$(basename "$DEB")"
	log "built $DEB and $CLIDEB ($((SECONDS - START)) s)"
else
	log "built $CLIDEB ($((SECONDS - START)) s)"
fi

# --- lintian ---------------------------------------------------------------------
rc=0
if ((LINTIAN)); then
	if [[ -n $ARCH ]]; then
		# lintian reads the arm64 .deb as data: run it natively in the
		# amd64 chroot (perl under emulation would take minutes)
		chroot_cleanup
		chroot_lock bookworm
		chroot_ensure bookworm
		chroot_install bookworm lintian
		BIN=$BIN-$ARCH
		LB=$(chroot_dir bookworm)$BIN
		rm -rf "$LB"
		mkdir -p "$LB"
		cp "$CHANGES" "$CLIDEB" "${EXTRA[@]}" "$LB/"
		B=$LB
	fi
	if [[ -n $ARCH ]]; then
		log "lintian $(basename "$CHANGES") (oomsnap for $ARCH)..."
	else
		log "lintian $(basename "$CHANGES") (the source package and both .debs)..."
	fi
	set +e
	# as nobody: lintian warns when run as root
	in_chroot bookworm setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/tmp \
		lintian --info --display-info --pedantic --tag-display-limit 0 \
		--fail-on error "$BIN/$(basename "$CHANGES")" \
		>"$B/lintian.log" 2>&1
	lrc=$?
	set -e
	sed 's/^/lintian: /' "$B/lintian.log" >&2
	counts=$(grep -oE '^[EWIPO]:' "$B/lintian.log" | sort | uniq -c | tr -s ' \n' ' ' || true)
	if ((lrc != 0)) || grep -q '^E:' "$B/lintian.log"; then
		log "lintian: errors (${counts:-none}; exit $lrc)"
		rc=1
	else
		log "lintian: no errors (${counts:-no tags})"
	fi
fi
if [[ -n $DEB ]]; then printf '%s\n' "$CLIDEB" "$DEB"; else printf '%s\n' "$CLIDEB"; fi
exit "$rc"
}
