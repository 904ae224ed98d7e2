#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# oomsnap kernel matrix: the whole selftest suite on every kernel tag of the
# VM harness (scripts/lib.sh), one after the other, then a summary table.
set -euo pipefail
{ # one block: scripts/lib.sh, "Running scripts"
LOG_TAG=matrix
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" # HERE, REPO, log, die, ...

usage() {
	cat <<EOF
Usage: scripts/matrix.sh [--kernels "TAG..."] [--arch x86_64|arm64|all]
                         [--except "NAME..."] [--jobs N] [vm.sh options]

Runs 'scripts/vm.sh --arch ARCH --kernel TAG tests' for each kernel in
turn: every kernel tag on x86_64 (default: all of them: $(kernel_tags | tr '\n' ' ')),
then Debian's arm64 build of each tag that has one (${ARM64_TAGS[*]};
named TAG/arm64: ~6-8 min each under TCG), or only one architecture
with --arch; or N at a time with --jobs N (each guest runs its vCPUs in
one host thread, so two fit on two CPUs; a run's TAP is printed when it
ends).  --except leaves out some of those names (bookworm: x86_64 only,
bookworm/arm64; CI: bookworm, which 'make check' ran).  Prints every
run's TAP, then a table: kernel, kernel version, build ok,
passed/failed/skipped, seconds.  Other options (--mem, --timeout, --src,
...) are passed to vm.sh.  One kernel failing does not stop the others.

Ends with "N passed, N failed, N skipped" over all kernels.
Exit status: 0 when every kernel built and passed, 1 otherwise.
Each run's full output: \$OOMSNAP_CACHE/matrix/TAG.log (TAG.arm64.log).
EOF
}

TAGS=() VMARGS=() EXCEPT=() JOBS=${MATRIX_JOBS:-1} ARCH=all
while (($#)); do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--arch) ARCH=${2:?--arch needs x86_64, arm64 or all}; shift 2 ;;
	--jobs) JOBS=${2:?--jobs needs N}; shift 2 ;;
	--except) read -r -a EXCEPT <<<"${2:?--except needs TAGs}"; shift 2 ;;
	--kernels) read -r -a TAGS <<<"${2:?--kernels needs TAGs}"; shift 2 ;;
	*) VMARGS+=("$1"); shift ;;
	esac
done
[[ $ARCH == x86_64 || $ARCH == arm64 || $ARCH == all ]] ||
	die "--arch wants x86_64, arm64 or all, got '$ARCH'"
if ((${#TAGS[@]} == 0)); then
	if [[ $ARCH == arm64 ]]; then TAGS=("${ARM64_TAGS[@]}"); else mapfile -t TAGS < <(kernel_tags); fi
fi
# The runs, by name: TAG on x86_64, TAG/arm64 on arm64.  --arch arm64 with
# a tag that has no arm64 build is an error; the default (all) just runs
# that tag on x86_64.
RUNS=()
[[ $ARCH == arm64 ]] || RUNS+=("${TAGS[@]}")
if [[ $ARCH != x86_64 ]]; then
	for t in "${TAGS[@]}"; do
		if [[ " ${ARM64_TAGS[*]} " == *" $t "* ]]; then
			RUNS+=("$t/arm64")
		elif [[ $ARCH == arm64 ]]; then
			die "--arch arm64: kernel tags so far: ${ARM64_TAGS[*]} (not '$t')"
		fi
	done
fi
for x in "${EXCEPT[@]}"; do
	for i in "${!RUNS[@]}"; do [[ ${RUNS[i]} != "$x" ]] || unset 'RUNS[i]'; done
done
RUNS=("${RUNS[@]}")
((${#RUNS[@]})) || die "no kernel left to run"
((EUID == 0)) || die "must run as root (debootstrap, chroot, mount)"

OUT="$OOMSNAP_CACHE/matrix"
mkdir -p "$OUT"
START=$SECONDS
ROWS=()
TP=0 TF=0 TS=0 BAD=0
# stem NAME: the file name stem of a run (bookworm, bookworm.arm64).
stem() { printf '%s' "${1/\//.}"; }

# One kernel's run: its TAP to $OUT/STEM.log, its result line to STEM.result.
run_tag() { # run_tag NAME
	local name=$1 f t0=$SECONDS rc=0 arch=x86_64
	f="$OUT/$(stem "$name")"
	[[ $name != */arm64 ]] || arch=arm64
	rm -f "$f.result"
	"$HERE/vm.sh" --arch "$arch" --kernel "${name%/*}" --result "$f.result" "${VMARGS[@]}" tests \
		>"$f.log" 2>&1 || rc=$?
	echo "wall=$((SECONDS - t0)) vmrc=$rc" >"$f.wall"
}

# The table row and the sums for one finished kernel.
collect_tag() { # collect_tag NAME
	local tag=$1 f res kv
	f="$OUT/$(stem "$tag")" res="$f.result"
	# tag abi version build passed failed skipped seconds rc
	declare -A r=([abi]=- [version]=- [build]=- [passed]=0 [failed]=1 [skipped]=0
		[seconds]=- [rc]=1 [wall]=0 [vmrc]=1)
	for kv in $(cat "$f.wall" 2>/dev/null); do r[${kv%%=*}]=${kv#*=}; done
	r[seconds]=${r[wall]} r[rc]=${r[vmrc]}
	if [[ -s $res ]]; then
		for kv in $(cat "$res"); do r[${kv%%=*}]=${kv#*=}; done
	fi
	if [[ ${r[rc]} != 0 || ${r[failed]} != 0 || ${r[build]} != ok ]]; then
		BAD=1
		((r[failed] > 0)) || r[failed]=1
	fi
	TP=$((TP + r[passed])) TF=$((TF + r[failed])) TS=$((TS + r[skipped]))
	ROWS+=("$(printf '%-23s %-36s %-6s %6s %6s %7s %7s' "$tag" \
		"${r[version]} (${r[abi]})" "${r[build]}" "${r[passed]}" "${r[failed]}" \
		"${r[skipped]}" "${r[seconds]}")")
}

if ((JOBS <= 1)); then
	for tag in "${RUNS[@]}"; do
		log "=== $tag ==="
		f="$OUT/$(stem "$tag")"
		rm -f "$f.wall"
		: >"$f.log"	# tail must not show the last run's log
		run_tag "$tag" &
		tail -n +1 --pid=$! -F "$f.log" 2>/dev/null || true
		wait
		collect_tag "$tag"
	done
else
	log "running ${#RUNS[@]} kernels, $JOBS at a time (each run's output when it ends)"
	running=0
	for tag in "${RUNS[@]}"; do
		rm -f "$OUT/$(stem "$tag").wall"
		if ((running >= JOBS)); then
			wait -n || true
			running=$((running - 1))
		fi
		log "started $tag"
		run_tag "$tag" &
		running=$((running + 1))
	done
	wait || true
	for tag in "${RUNS[@]}"; do
		log "=== $tag ==="
		cat "$OUT/$(stem "$tag").log"
		collect_tag "$tag"
	done
fi

printf '\n# kernel matrix (%d kernels, %d s; logs in %s)\n' "${#RUNS[@]}" "$((SECONDS - START))" "$OUT"
printf '# %-23s %-36s %-6s %6s %6s %7s %7s\n' kernel version build passed failed skipped seconds
for row in "${ROWS[@]}"; do printf '# %s\n' "$row"; done
printf '%d passed, %d failed, %d skipped\n' "$TP" "$TF" "$TS"
((BAD == 0)) || exit 1
exit 0
}
