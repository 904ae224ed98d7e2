#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once, cached) the oomsnap debug kernel: Debian's linux-source-6.1,
# tinyconfig + kvm_guest.config + scripts/debug-kernel.config (KASAN, lockdep,
# kmemleak, KUnit, fault injection...).  Used by `scripts/vm.sh --kernel debug`.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOG_TAG=debug-kernel
# shellcheck source=scripts/lib.sh
. "$HERE/lib.sh"

FRAGMENT="$HERE/debug-kernel.config"
# Bump when the recipe below changes in a way that changes the result.
RECIPE=1
DK_CACHE="$OOMSNAP_CACHE/debug-kernel"
DK_CC=${DK_CC:-gcc-12}

usage() {
	cat <<EOF
Usage: scripts/debug-kernel.sh [options]

Build the x86_64 debug kernel for oomsnap's debug lane, or reuse the cached one.

  1. apt-get download linux-source-6.1 (the newest the host's apt knows; the .deb
     is kept in $DK_CACHE/dl/)
  2. make tinyconfig, merge kernel/configs/kvm_guest.config and
     scripts/debug-kernel.config, make olddefconfig, and check that every option
     of the fragment ended up as requested
  3. make bzImage modules with $DK_CC (the same compiler then builds the module
     against this tree), niced, with a progress line every 30 s

Cache: $DK_CACHE/<source version>-<hash of fragment + recipe>/
         bzImage     the kernel to boot (and vmlinuz, the same file)
         linux/      the built tree: KDIR for out-of-tree modules
         build.log   full build output
       A fresh build takes ~15-20 min on 2 busy CPUs; a cached one 0 s.
       An interrupted build resumes where it stopped.

Options:
  --print-dir      print the cache directory on stdout when done (for scripts)
  --offline        do not ask apt: use the newest linux-source .deb in the cache
  -j N             parallel jobs (default: nproc)
  --nice N         niceness of the build (default 10)
  -h, --help       this help

Environment: OOMSNAP_CACHE (default /var/cache/oomsnap), DK_CC (default gcc-12).
Exit status: 0 = kernel ready, 2 = error.
EOF
}

PRINT=0 OFFLINE=0 JOBS=$(nproc) NICE=10
while (($#)); do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--print-dir) PRINT=1; shift ;;
	--offline) OFFLINE=1; shift ;;
	-j) JOBS=${2:?-j needs N}; shift 2 ;;
	-j*) JOBS=${1#-j}; shift ;;
	--nice) NICE=${2:?--nice needs N}; shift 2 ;;
	*) printf 'debug-kernel.sh: unknown argument: %s (see --help)\n' "$1" >&2; exit 2 ;;
	esac
done
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "-j wants a positive integer, got '$JOBS'"
[[ -f $FRAGMENT ]] || die "missing $FRAGMENT"
for t in "$DK_CC" make flex bison bc perl xz dpkg-deb flock sha256sum; do
	command -v "$t" >/dev/null || die "$t is missing (make deps-debug installs the build deps)"
done
[[ -e /usr/include/libelf.h ]] || die "libelf-dev is missing (objtool needs it; make deps-debug)"
[[ -e /usr/include/openssl/ssl.h ]] || die "libssl-dev is missing (make deps-debug)"
START=$SECONDS
mkdir -p "$DK_CACHE/dl"

# --- 1. source package ---------------------------------------------------------
exec 7>"$DK_CACHE/dl.lock"
flock 7
VER=""
if ((!OFFLINE)); then
	VER=$(apt-cache policy linux-source-6.1 2>/dev/null | awk '/Candidate:/ { if ($2 != "(none)") print $2; exit }')
	[[ -n $VER ]] || log "apt knows no linux-source-6.1 (no bookworm-security in the host's sources?): using the cache"
fi
if [[ -z $VER ]]; then
	deb=$(find "$DK_CACHE/dl" -name 'linux-source-6.1_*_all.deb' | sort -V | tail -n 1)
	[[ -n $deb ]] || die "no linux-source-6.1 .deb cached in $DK_CACHE/dl and apt cannot provide one"
	VER=$(dpkg-deb -f "$deb" Version)
fi
DEB="$DK_CACHE/dl/linux-source-6.1_${VER//:/%3a}_all.deb"
if [[ ! -s $DEB ]]; then
	log "downloading linux-source-6.1 $VER (~140 MB)..."
	# Own directory readable by _apt: no "unsandboxed" warning.
	tmp=$(mktemp -d "$DK_CACHE/dl/tmp.XXXXXX")
	chmod 755 "$tmp"
	chown _apt "$tmp" 2>/dev/null || true
	(cd "$tmp" && apt-get -q download "linux-source-6.1=$VER") >&2 ||
		{ rm -rf "$tmp"; die "apt-get download linux-source-6.1=$VER failed"; }
	mv "$tmp"/linux-source-6.1_*_all.deb "$DEB"
	rm -rf "$tmp"
	# Keep one source package.
	find "$DK_CACHE/dl" -name 'linux-source-6.1_*_all.deb' ! -path "$DEB" -delete
else
	log "linux-source-6.1 $VER: cached .deb"
fi
flock -u 7

HASH=$({ printf 'recipe %s cc %s\n' "$RECIPE" "$("$DK_CC" --version | head -n 1)"; cat "$FRAGMENT"; } |
	sha256sum | cut -c1-12)
KEY="$VER-$HASH"
DIR="$DK_CACHE/$KEY"
mkdir -p "$DIR"
exec 9>"$DIR.lock"
if ! flock -n 9; then
	log "another build of $KEY is running: waiting for it..."
	flock 9
fi
if [[ -s $DIR/vmlinuz && -e $DIR/.done ]]; then
	log "debug kernel $KEY cached ($DIR)"
	((PRINT)) && printf '%s\n' "$DIR"
	exit 0
fi

# --- 2. source tree --------------------------------------------------------------
SRC="$DIR/linux"
if [[ ! -e $SRC/.oomsnap-extracted ]]; then
	log "extracting linux-source-6.1 $VER into $SRC (~30 s)..."
	rm -rf "$SRC" "$DIR/extract.tmp"
	mkdir -p "$DIR/extract.tmp"
	dpkg-deb --fsys-tarfile "$DEB" | tar -xO ./usr/src/linux-source-6.1.tar.xz |
		tar -xJ -C "$DIR/extract.tmp"
	mv "$DIR/extract.tmp/linux-source-6.1" "$SRC"
	rm -rf "$DIR/extract.tmp"
	touch "$SRC/.oomsnap-extracted"
fi

# --- 3. configuration ---------------------------------------------------------------
KMAKE=(make -C "$SRC" ARCH=x86_64 CC="$DK_CC" HOSTCC="$DK_CC")
if ! cmp -s "$FRAGMENT" "$DIR/fragment.config" || [[ ! -s $SRC/.config ]]; then
	log "configuring: tinyconfig + kvm_guest.config + $(basename "$FRAGMENT")..."
	"${KMAKE[@]}" -s tinyconfig >"$DIR/config.log" 2>&1 || { cat "$DIR/config.log" >&2; die "make tinyconfig failed"; }
	(cd "$SRC" && ARCH=x86_64 CC="$DK_CC" scripts/kconfig/merge_config.sh -m .config \
		kernel/configs/kvm_guest.config "$FRAGMENT") >>"$DIR/config.log" 2>&1 ||
		{ tail -n 30 "$DIR/config.log" >&2; die "merge_config.sh failed"; }
	"${KMAKE[@]}" -s olddefconfig >>"$DIR/config.log" 2>&1 || { cat "$DIR/config.log" >&2; die "make olddefconfig failed"; }
	# Every option of the fragment must have survived olddefconfig.
	bad=0
	while IFS= read -r line; do
		if [[ $line =~ ^(CONFIG_[A-Z0-9_]+)=(.*)$ ]]; then
			opt=${BASH_REMATCH[1]} want=${BASH_REMATCH[2]}
		elif [[ $line =~ ^#\ (CONFIG_[A-Z0-9_]+)\ is\ not\ set$ ]]; then
			opt=${BASH_REMATCH[1]} want=n
		else
			continue
		fi
		got=$(grep -E "^$opt=" "$SRC/.config" | cut -d= -f2- || true)
		[[ -n $got ]] || got=n
		if [[ $got != "$want" ]]; then
			log "config: $opt wanted $want, got $got (a dependency is missing)"
			bad=1
		fi
	done <"$FRAGMENT"
	((bad == 0)) || die "the fragment does not apply cleanly: fix scripts/debug-kernel.config"
	cp "$FRAGMENT" "$DIR/fragment.config"
fi

# --- 4. build -------------------------------------------------------------------------
log "building $KEY with $DK_CC, -j$JOBS, nice $NICE (~15-20 min cold; log: $DIR/build.log)..."
BSTART=$SECONDS
rc_file="$DIR/build.rc"
rm -f "$rc_file"
(
	rc=0
	nice -n "$NICE" "${KMAKE[@]}" -j"$JOBS" bzImage modules >"$DIR/build.log" 2>&1 || rc=$?
	echo "$rc" >"$rc_file"
) &
bpid=$!
total=$(find "$SRC" -name '*.o' 2>/dev/null | wc -l)
while kill -0 "$bpid" 2>/dev/null; do
	for _ in $(seq 30); do
		kill -0 "$bpid" 2>/dev/null || break
		sleep 1
	done
	kill -0 "$bpid" 2>/dev/null || break
	# no "|| true" would end the script here (set -e, pipefail) when grep
	# finds no CC line yet, leaving make running without the script
	n=$(find "$SRC" -name '*.o' -newer "$DIR/fragment.config" 2>/dev/null | wc -l || true)
	last=$(grep -E '^  (CC|LD|AR|AS)' "$DIR/build.log" | tail -n 1 | awk '{print $2}' || true)
	log "  $(((SECONDS - BSTART) / 60))m$(((SECONDS - BSTART) % 60))s: $n objects (${total} before), at ${last:-?}"
done
wait "$bpid" || true
rc=$(cat "$rc_file" 2>/dev/null || echo 1)
if ((rc != 0)); then
	grep -E 'error|Error' "$DIR/build.log" | head -n 20 >&2 || true
	tail -n 20 "$DIR/build.log" >&2
	die "kernel build failed (exit $rc; log: $DIR/build.log)"
fi
[[ -s $SRC/arch/x86/boot/bzImage && -e $SRC/Module.symvers ]] ||
	die "build finished without bzImage or Module.symvers"
cp "$SRC/arch/x86/boot/bzImage" "$DIR/bzImage"
ln -f "$DIR/bzImage" "$DIR/vmlinuz"	# the name scripts/vm.sh boots
printf 'linux-source-6.1 %s\nfragment %s\ncompiler %s\nrelease %s\n' "$VER" "$HASH" \
	"$("$DK_CC" --version | head -n 1)" "$(cat "$SRC/include/config/kernel.release")" >"$DIR/INFO"
touch "$DIR/.done"
log "debug kernel $KEY ready in $(((SECONDS - START) / 60)) min $(((SECONDS - START) % 60)) s: $DIR"
((PRINT)) && printf '%s\n' "$DIR"
exit 0
