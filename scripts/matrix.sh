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
Usage: scripts/matrix.sh [--kernels "TAG..."] [--except "TAG..."] [--jobs N] [vm.sh options]

Runs 'scripts/vm.sh --kernel TAG tests' for each kernel tag in turn
(default: all of them: $(kernel_tags | tr '\n' ' ')),
or N at a time with --jobs N (each guest runs its vCPUs in one host
thread, so two fit on two CPUs; a run's TAP is printed when it ends);
--except leaves out some tags (CI: bookworm, which 'make check' ran)
and prints every run's TAP, then a table: kernel tag, kernel version,
build ok, passed/failed/skipped, seconds.  Other options (--mem, --timeout,
--src, ...) are passed to vm.sh.  One kernel failing does not stop the others.

Ends with "N passed, N failed, N skipped" over all kernels.
Exit status: 0 when every kernel built and passed, 1 otherwise.
Each run's full output: \$OOMSNAP_CACHE/matrix/TAG.log.
EOF
}

TAGS=() VMARGS=() EXCEPT=() JOBS=${MATRIX_JOBS:-1}
while (($#)); do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--jobs) JOBS=${2:?--jobs needs N}; shift 2 ;;
	--except) read -r -a EXCEPT <<<"${2:?--except needs TAGs}"; shift 2 ;;
	--kernels) read -r -a TAGS <<<"${2:?--kernels needs TAGs}"; shift 2 ;;
	*) VMARGS+=("$1"); shift ;;
	esac
done
((${#TAGS[@]})) || mapfile -t TAGS < <(kernel_tags)
for x in "${EXCEPT[@]}"; do
	for i in "${!TAGS[@]}"; do [[ ${TAGS[i]} != "$x" ]] || unset 'TAGS[i]'; done
done
TAGS=("${TAGS[@]}")
((EUID == 0)) || die "must run as root (debootstrap, chroot, mount)"

OUT="$OOMSNAP_CACHE/matrix"
mkdir -p "$OUT"
START=$SECONDS
ROWS=()
TP=0 TF=0 TS=0 BAD=0
# One kernel's run: its TAP to $OUT/TAG.log, its result line to TAG.result.
run_tag() { # run_tag TAG
	local tag=$1 t0=$SECONDS rc=0
	rm -f "$OUT/$tag.result"
	"$HERE/vm.sh" --kernel "$tag" --result "$OUT/$tag.result" "${VMARGS[@]}" tests \
		>"$OUT/$tag.log" 2>&1 || rc=$?
	echo "wall=$((SECONDS - t0)) vmrc=$rc" >"$OUT/$tag.wall"
}

# The table row and the sums for one finished kernel.
collect_tag() { # collect_tag TAG
	local tag=$1 res="$OUT/$1.result" kv
	# tag abi version build passed failed skipped seconds rc
	declare -A r=([abi]=- [version]=- [build]=- [passed]=0 [failed]=1 [skipped]=0
		[seconds]=- [rc]=1 [wall]=0 [vmrc]=1)
	for kv in $(cat "$OUT/$tag.wall" 2>/dev/null); do r[${kv%%=*}]=${kv#*=}; done
	r[seconds]=${r[wall]} r[rc]=${r[vmrc]}
	if [[ -s $res ]]; then
		for kv in $(cat "$res"); do r[${kv%%=*}]=${kv#*=}; done
	fi
	if [[ ${r[rc]} != 0 || ${r[failed]} != 0 || ${r[build]} != ok ]]; then
		BAD=1
		((r[failed] > 0)) || r[failed]=1
	fi
	TP=$((TP + r[passed])) TF=$((TF + r[failed])) TS=$((TS + r[skipped]))
	ROWS+=("$(printf '%-17s %-36s %-6s %6s %6s %7s %7s' "$tag" \
		"${r[version]} (${r[abi]})" "${r[build]}" "${r[passed]}" "${r[failed]}" \
		"${r[skipped]}" "${r[seconds]}")")
}

if ((JOBS <= 1)); then
	for tag in "${TAGS[@]}"; do
		log "=== $tag ==="
		rm -f "$OUT/$tag.wall"
		: >"$OUT/$tag.log"	# tail must not show the last run's log
		run_tag "$tag" &
		tail -n +1 --pid=$! -F "$OUT/$tag.log" 2>/dev/null || true
		wait
		collect_tag "$tag"
	done
else
	log "running ${#TAGS[@]} kernels, $JOBS at a time (each run's output when it ends)"
	running=0
	for tag in "${TAGS[@]}"; do
		rm -f "$OUT/$tag.wall"
		if ((running >= JOBS)); then
			wait -n || true
			running=$((running - 1))
		fi
		log "started $tag"
		run_tag "$tag" &
		running=$((running + 1))
	done
	wait || true
	for tag in "${TAGS[@]}"; do
		log "=== $tag ==="
		cat "$OUT/$tag.log"
		collect_tag "$tag"
	done
fi

printf '\n# kernel matrix (%d kernels, %d s; logs in %s)\n' "${#TAGS[@]}" "$((SECONDS - START))" "$OUT"
printf '# %-17s %-36s %-6s %6s %6s %7s %7s\n' kernel version build passed failed skipped seconds
for row in "${ROWS[@]}"; do printf '# %s\n' "$row"; done
printf '%d passed, %d failed, %d skipped\n' "$TP" "$TF" "$TS"
((BAD == 0)) || exit 1
exit 0
}
