#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# oomsnap benchmarks (make bench): boot the VM (scripts/vm.sh shell-cmd),
# run selftests/oomsnap_bench in the guest, show its progress here, print
# the result tables and write them to bench/RESULTS.md.
set -euo pipefail
{ # one block: scripts/lib.sh, "Running scripts"
LOG_TAG=bench
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" # HERE, REPO, log, die, ...

usage() {
	cat <<EOF
Usage: scripts/bench.sh [options] [WHAT]

Run the oomsnap benchmarks in a QEMU guest (TCG) and write the results.
WHAT: all (default), oom, exec, mem, read, alloc, report, cost or idle,
or a comma-separated list of parts (report,cost,idle).

  oom    memcg OOMs with 100, 1,000, 10,000 sleepers in the OOMing memcg
         (and 10,000 outside it): capture_ns and oom_ns (median, p99) and
         their ratio for max_tasks 0, 8, 64, candidates from the
         oom_badness() hook and from a scan
  exec   execve() throughput: unloaded / loaded / 1,000 comm + 100 cgroup
         protection entries, interleaved rounds, ratio to unloaded
  mem    event_bytes, ring_bytes, memory used at insmod, capacity 64, 1,024
  read   reading events.json and events with a full ring of 1,024 events
  alloc  kmem allocation tracepoints filtered on oomsnap.ko's call sites
         during OOMs (must be 0) and a positive control
  report the kernel's own OOM report at its defaults (vm.oom_dump_tasks=1,
         the boot's console loglevel: written to the serial console inside
         out_of_memory()) against oomsnap's capture, 1,000 and 10,000 tasks
  cost   capture_ns and event_bytes before the memory breakdown (--before)
         and now with trend_seconds 0 and 60, 10,000 tasks, interleaved
  idle   the trend sampler on an idle guest: timer interrupts, timer
         expiries (oomsnap_trend_tick's among them), samples and busy CPU
         over a window, unloaded / trend_seconds=60 / trend_seconds=0

The guest runs with the console loglevel at 1 (dmesg -n 1) and
vm.oom_dump_tasks=0, so that the kernel's OOM report is not written to the
slow serial console inside the measured out_of_memory(); the report part
restores the kernel's settings for its own configurations.

Options:
  --kernel TAG       kernel (default bookworm; see scripts/vm.sh --help)
  --mem MB           guest memory (default 2048: 10,000 processes need
                     threads-max > 10,000 and ~500 MB of kernel memory)
  --procs LIST       sleeper counts inside the OOMing memcg (defaults:
                     oom 100,1000,10000; report 1000,10000; cost 10000)
  --outside LIST     sleeper counts for oom, in another cgroup (default
                     10000; 0 for none)
  --ooms N           OOMs per configuration and process count (default 50)
  --block N          OOMs per configuration before switching (default 10)
  --rounds N         exec rounds (default 20)
  --execs N          execve() per exec run (default 200)
  --read-events N    ring capacity for read (default 1024)
  --idle SECONDS     idle window per configuration (default 60)
  --before REV       the module compared with in cost (default: the commit
                     before module/oomsnap_mem.c, the memory breakdown)
  --out FILE         results file (default bench/RESULTS.md; - for none);
                     only the sections of the parts run are replaced, the
                     rest (and the hand-written Findings) is kept
  --timeout SECONDS  guest time limit (default 3000)
  --icount SHIFT     one vCPU under QEMU's instruction counting (vm.sh
                     --icount): every time the guest measures is then a
                     count of guest instructions (2^SHIFT ns each), the
                     same whatever else the host runs; ratios of such
                     times are ratios of instructions executed, not of
                     a real CPU's cycles (cache misses, atomics cost alike)
  --floor            oom also runs oomsnap with an empty oom_badness()
                     callback (bench/floor.patch on a copy of module/):
                     the row "8, empty callback (floor.ko)", the price of
                     any callback on that function
  -h, --help         this help

Every figure is a ratio of runs measured side by side in one boot; absolute
times on a shared TCG host are noisy.
EOF
}

TAG=bookworm MEM=2048 WHAT=all OUT=$REPO/bench/RESULTS.md TIMEOUT=3000 BEFORE=""
VCPUS="2 vCPUs" FLOOR=0
GARGS=() VMARGS=()
CMDLINE=${OOMSNAP_BENCH_CMD:-"scripts/bench.sh $*"}
while (($#)); do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--kernel) TAG=${2:?}; shift 2 ;;
	--mem) MEM=${2:?}; shift 2 ;;
	--procs | --outside | --ooms | --block | --rounds | --execs | --read-events | --idle)
		[[ ${2:-} =~ ^[0-9][0-9,]*$ ]] || die "$1 wants a number (list), got '${2:-}'"
		GARGS+=("$1" "$2"); shift 2 ;;
	--out) OUT=${2:?}; shift 2 ;;
	--timeout) TIMEOUT=${2:?}; shift 2 ;;
	--before) BEFORE=${2:?}; shift 2 ;;
	--floor) FLOOR=1; shift ;;
	--icount)
		[[ ${2:-} =~ ^[0-9]$ ]] || die "--icount wants a SHIFT of 0 to 9, got '${2:-}'"
		VMARGS+=(--icount "$2" --smp 1)
		VCPUS="1 vCPU, -icount shift=$2 (times are instruction counts)"; shift 2 ;;
	all | oom | exec | mem | read | alloc | report | cost | idle) WHAT=$1; shift ;;
	*,*) [[ $1 =~ ^((oom|exec|mem|read|alloc|report|cost|idle),)+(oom|exec|mem|read|alloc|report|cost|idle)$ ]] ||
		die "unknown part list: $1 (see --help)"
		WHAT=$1; shift ;;
	*) die "unknown argument: $1 (see --help)" ;;
	esac
done

LOG=$(mktemp /tmp/oomsnap-bench.XXXXXX)
OLD=$(mktemp -d /tmp/oomsnap-bench-before.XXXXXX)
FL=$(mktemp -d /tmp/oomsnap-bench-floor.XXXXXX)
trap 'rm -rf "$LOG" "$OLD" "$FL"; [[ -n ${VMPID:-} ]] && kill "$VMPID" 2>/dev/null; true' EXIT

# guest_ko DIR NAME WHAT: build the module from the sources in DIR (vm.sh
# --src) and copy it into the guest as /oomsnap/NAME.ko.
guest_ko() {
	local built
	log "building $3"
	built=$("$HERE/vm.sh" --kernel "$TAG" --src "$1" build 2>&1 | sed -n 's/.*built: \([^,]*oomsnap\.ko\),.*/\1/p')
	[[ -f $built ]] || die "could not build $3"
	cp "$built" "$1/$2.ko"
	VMARGS+=(--file "$1/$2.ko:/oomsnap/$2.ko")
}

# --floor: the working tree's module with bench/floor.patch, copied into the
# guest as /oomsnap/floor.ko (oom's floor row).
if ((FLOOR)); then
	cp -r "$REPO/Kbuild" "$REPO/module" "$FL/"
	patch -s -d "$FL" -p1 <"$REPO/bench/floor.patch" ||
		die "bench/floor.patch does not apply to module/ (the callback changed: update the patch)"
	guest_ko "$FL" floor "the floor module (bench/floor.patch)"
fi

# cost: the module before the memory breakdown, built from that commit's
# sources (vm.sh --src) and copied into the guest as /oomsnap/before.ko.
if [[ ,$WHAT, == *,all,* || ,$WHAT, == *,cost,* ]]; then
	if [[ -z $BEFORE ]]; then
		first=$(git -C "$REPO" log --format=%H -- module/oomsnap_mem.c | tail -n 1)
		[[ -n $first ]] || die "no commit adds module/oomsnap_mem.c: pass --before REV"
		BEFORE=$first^
	fi
	BEFORE=$(git -C "$REPO" rev-parse --short "$BEFORE") || die "--before: no commit '$BEFORE'"
	git -C "$REPO" archive "$BEFORE" Kbuild module | tar -x -C "$OLD"
	guest_ko "$OLD" before "the module of $BEFORE (cost's 'before')"
fi

GCMD="uname -r | sed 's/^/# bench: kernel /'; /selftests/oomsnap_bench $WHAT ${GARGS[*]}"

log "running '$WHAT' on $TAG (${MEM} MB guest); progress follows"
"$HERE/vm.sh" --kernel "$TAG" --mem "$MEM" --timeout "$TIMEOUT" "${VMARGS[@]}" shell-cmd "$GCMD" >"$LOG" 2>&1 &
VMPID=$!
# vm.sh names its run directory after its pid: follow the guest's output.
WORK_BASE="$OOMSNAP_CACHE/work/$TAG-$(repo_hash "$REPO")"
TAP=""
shown=0
while kill -0 "$VMPID" 2>/dev/null; do
	if [[ -z $TAP ]]; then
		for d in "$WORK_BASE"/run-*-"$VMPID"; do
			[[ -d $d ]] && TAP="$d/tap.log"
		done
	fi
	if [[ -n $TAP && -f $TAP ]]; then
		n=$(wc -l <"$TAP")
		if ((n > shown)); then
			sed -n "$((shown + 1)),${n}p" "$TAP" | tr -d '\r' | grep '^# bench:' >&2 || true
			shown=$n
		fi
	fi
	sleep 2
done
rc=0
wait "$VMPID" || rc=$?
VMPID=""
if ! grep -q '^BENCH-RESULTS-END' "$LOG"; then
	cat "$LOG" >&2
	die "the benchmark did not finish (vm.sh exit $rc)"
fi
KVER=$(sed -n 's/^# bench: kernel //p' "$LOG" | head -n 1)
RESULTS=$(sed -n '/^BENCH-RESULTS-BEGIN/,/^BENCH-RESULTS-END/p' "$LOG" | sed '1d;$d')
printf '%s\n' "$RESULTS"
((rc == 0)) || log "warning: vm.sh exited $rc (see above)"

[[ $OUT == - ]] && exit 0
mkdir -p "$(dirname "$OUT")"
COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$REPO" diff --quiet HEAD -- module selftests/oomsnap_bench.c 2>/dev/null ||
	COMMIT="$COMMIT (modified)"
RUN="_Run: \`$CMDLINE\` (guest: \`oomsnap_bench $WHAT ${GARGS[*]}\`), $KVER ($TAG), QEMU TCG (vCPUs in one thread), $MEM MB, $VCPUS, no KVM, host shared with other VM runs, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $COMMIT${BEFORE:+, before = $BEFORE}._"
# Each part's section starts with "<!-- bench:PART -->" and ends at the
# next one or at the first "## " heading (Findings, Rerun: hand-written,
# kept).  A section of this run replaces the old one of the same part; a
# new part goes after the last section.
[[ -f $OUT ]] || printf '# oomsnap benchmarks\n\n## Findings (hand-written; a rerun replaces only the sections of the parts it ran)\n' >"$OUT"
NEW=$(mktemp /tmp/oomsnap-bench-new.XXXXXX)
printf '%s\n\n' "$RESULTS" | awk -v run="$RUN" '{ print } /^<!-- bench:[a-z]+ -->$/ { print run; print "" }' >"$NEW"
awk -v newf="$NEW" '
	function flush_new(p) { printf "%s", sec[p]; done[p] = 1 }
	BEGIN {
		while ((getline l < newf) > 0) {
			if (l ~ /^<!-- bench:[a-z]+ -->$/) { cur = l; order[++n] = l }
			sec[cur] = sec[cur] l "\n"
		}
	}
	/^<!-- bench:[a-z]+ -->$/ { insec = 1; skip = ($0 in sec); if (skip) flush_new($0); if (!skip) print; next }
	/^## / && !tail { tail = 1; insec = 0; for (i = 1; i <= n; i++) if (!done[order[i]]) flush_new(order[i]) }
	insec && skip { next }
	{ print }
	END { if (!tail) for (i = 1; i <= n; i++) if (!done[order[i]]) flush_new(order[i]) }
' "$OUT" >"$OUT.tmp" && mv "$OUT.tmp" "$OUT"
rm -f "$NEW"
log "wrote $OUT"
exit 0
}
