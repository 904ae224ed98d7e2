#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# oomsnap lint: checkpatch.pl --strict and sparse (make C=2) on module/.
set -euo pipefail
{ # one block: scripts/lib.sh, "Running scripts"
LOG_TAG=lint
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" # HERE, REPO, log, die, ...

usage() {
	cat <<'EOF'
Usage: scripts/lint.sh [--src DIR] [--no-checkpatch] [--no-sparse]

Runs on module/*.c, module/*.h and module/kunit/*.c:
  checkpatch.pl --strict --no-tree -f   (from Debian's linux-source-6.1,
                                         fetched into the cache on demand)
  sparse, via make C=2 W=1 against Debian bookworm's current kernel
  headers, inside the bookworm chroot of the VM harness

Exit status 0 when both are clean, 1 with the findings printed otherwise,
2 on errors of the tool itself.  Cache: $OOMSNAP_CACHE (default
/var/cache/oomsnap).  Must run as root (chroot).

  --src DIR         lint DIR/module instead of the repository's
  --no-checkpatch   skip checkpatch.pl
  --no-sparse       skip sparse
EOF
}

SRC=$REPO DO_CP=1 DO_SPARSE=1
while (($#)); do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--src) SRC=$(cd "${2:?--src needs DIR}" && pwd); shift 2 ;;
	--no-checkpatch) DO_CP=0; shift ;;
	--no-sparse) DO_SPARSE=0; shift ;;
	*) printf 'lint.sh: unknown argument: %s (see --help)\n' "$1" >&2; exit 2 ;;
	esac
done
((EUID == 0)) || die "must run as root (chroot)"
shopt -s nullglob
# Our sources only, not what a local build leaves behind (oomsnap.mod.c).
FILES=()
for f in "$SRC"/module/*.c "$SRC"/module/*.h "$SRC"/module/kunit/*.c; do
	[[ $f == *.mod.c ]] || FILES+=("$f")
done
((${#FILES[@]})) || die "no module/*.c or module/*.h under $SRC"
[[ -f $SRC/module/Kbuild ]] || die "$SRC/module/Kbuild is missing"

trap chroot_cleanup EXIT
chroot_lock bookworm
chroot_ensure bookworm
ksrc_ensure
kernel_resolve bookworm
chroot_install bookworm "linux-headers-$ABI" make perl sparse

C=$(chroot_dir bookworm)
LDIR_IN="/build/lint-$(repo_hash "$REPO")"
LDIR="$C$LDIR_IN"
rm -rf "$LDIR"
mkdir -p "$LDIR/module/kunit" "$LDIR/scripts"
cp "$KSRC_DIR"/scripts/{checkpatch.pl,spelling.txt,const_structs.checkpatch} "$LDIR/scripts/"
printf 'obj-m += module/\n' >"$LDIR/Kbuild"
names=()
for f in "${FILES[@]}"; do
	names+=("module/${f#"$SRC"/module/}")
	cp "$f" "$LDIR/${names[-1]}"
done
cp "$SRC/module/Kbuild" "$LDIR/module/"

fail=0
if ((DO_CP)); then
	log "checkpatch.pl --strict (linux-source-6.1 from $KSRC_DIR)..."
	if ! out=$(in_chroot bookworm /bin/sh -c 'cd "$1" && shift && perl scripts/checkpatch.pl \
		--strict --no-tree --no-summary --color=never --show-types -f "$@"' sh "$LDIR_IN" "${names[@]}" 2>&1); then
		printf '%s\n' "$out"
		log "checkpatch: findings above"
		fail=1
	else
		log "checkpatch: clean (${#FILES[@]} files)"
	fi
fi

if ((DO_SPARSE)); then
	log "sparse (make C=2 W=1) against $ABI..."
	rc=0
	out=$(in_chroot bookworm make -C "/usr/src/linux-headers-$ABI" M="$LDIR_IN" C=2 W=1 \
		-j"$(nproc)" modules 2>&1) || rc=$?
	# Findings in our files (sparse and compiler); kernel headers' own noise is not ours.
	findings=$(printf '%s\n' "$out" | grep -E "^($LDIR_IN/)?module/[^:]+:[0-9]+:([0-9]+:)? (warning|error)" || true)
	if ((rc != 0)); then
		printf '%s\n' "$out"
		log "sparse: build failed (exit $rc)"
		fail=1
	elif [[ -n $findings ]]; then
		printf '%s\n' "$findings" | sed "s|$LDIR_IN/||"
		log "sparse: findings above"
		fail=1
	else
		log "sparse: clean"
	fi
fi
rm -rf "$LDIR"
((fail == 0)) || { log "lint FAILED"; exit 1; }
log "lint clean"
exit 0
}
