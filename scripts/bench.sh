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
WHAT: all (default), oom, exec, mem, read or alloc.

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

The guest runs with the console loglevel at 1 (dmesg -n 1) and
vm.oom_dump_tasks=0, so that the kernel's OOM report is not written to the
slow serial console inside the measured out_of_memory().

Options:
  --kernel TAG       kernel (default bookworm; see scripts/vm.sh --help)
  --mem MB           guest memory (default 2048: 10,000 processes need
                     threads-max > 10,000 and ~500 MB of kernel memory)
  --procs LIST       sleeper counts for oom, inside the OOMing memcg
                     (default 100,1000,10000)
  --outside LIST     sleeper counts for oom, in another cgroup (default
                     10000; 0 for none)
  --ooms N           OOMs per configuration and process count (default 50)
  --block N          OOMs per configuration before switching (default 10)
  --rounds N         exec rounds (default 20)
  --execs N          execve() per exec run (default 200)
  --read-events N    ring capacity for read (default 1024)
  --out FILE         results file (default bench/RESULTS.md; - for none)
  --timeout SECONDS  guest time limit (default 3000)
  -h, --help         this help

Every figure is a ratio of runs measured side by side in one boot; absolute
times on a shared TCG host are noisy.
EOF
}

TAG=bookworm MEM=2048 WHAT=all OUT=$REPO/bench/RESULTS.md TIMEOUT=3000
GARGS=()
CMDLINE=${OOMSNAP_BENCH_CMD:-"scripts/bench.sh $*"}
while (($#)); do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--kernel) TAG=${2:?}; shift 2 ;;
	--mem) MEM=${2:?}; shift 2 ;;
	--procs | --outside | --ooms | --block | --rounds | --execs | --read-events)
		[[ ${2:-} =~ ^[0-9][0-9,]*$ ]] || die "$1 wants a number (list), got '${2:-}'"
		GARGS+=("$1" "$2"); shift 2 ;;
	--out) OUT=${2:?}; shift 2 ;;
	--timeout) TIMEOUT=${2:?}; shift 2 ;;
	all | oom | exec | mem | read | alloc) WHAT=$1; shift ;;
	*) die "unknown argument: $1 (see --help)" ;;
	esac
done

GCMD="uname -r | sed 's/^/# bench: kernel /'; /selftests/oomsnap_bench $WHAT ${GARGS[*]}"
LOG=$(mktemp /tmp/oomsnap-bench.XXXXXX)
trap 'rm -f "$LOG"; [[ -n ${VMPID:-} ]] && kill "$VMPID" 2>/dev/null; true' EXIT

log "running '$WHAT' on $TAG (${MEM} MB guest); progress follows"
"$HERE/vm.sh" --kernel "$TAG" --mem "$MEM" --timeout "$TIMEOUT" shell-cmd "$GCMD" >"$LOG" 2>&1 &
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
{
	cat <<EOF
# oomsnap benchmarks

- Command: \`$CMDLINE\` (guest: \`oomsnap_bench $WHAT ${GARGS[*]}\`)
- Kernel: $KVER ($TAG), QEMU TCG (vCPUs in one thread: vm.sh default), $MEM MB, 2 vCPUs, no KVM
- Date: $(date -u '+%Y-%m-%d %H:%M UTC')
- Commit: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$REPO" diff --quiet HEAD -- module 2>/dev/null || echo ' (module/ modified)')

Absolute times on a shared TCG host are noisy; compare figures within one
run.  Configurations are interleaved (A B C, B C A, ...) to cancel drift.

How the OOM figures were taken: the guest sets the console loglevel to 1
(\`dmesg -n 1\`) and \`vm.oom_dump_tasks=0\`, so the kernel's OOM report is
formatted into the log buffer but not written to the serial console, which
on 6.1 happens synchronously inside out_of_memory() and would inflate
\`oom_ns\`.  Each OOM is a hog in the memcg \`/bench\` (memory.max = what
the sleepers hold + 16 MB) touching memory until the OOM killer ends it.
The sleepers (forked from one spawner, clone3 CLONE_INTO_CGROUP, no exec,
a few hundred pages each, shared copy-on-write with the spawner) are
either inside that memcg ("in"), so the kernel evaluates each of them, or
in a sibling cgroup ("out": processes elsewhere on the system, which a
memcg OOM does not evaluate but a scan of all processes visits; the
kernel's own out_of_memory() still walks them once, when it looks for
other processes sharing the victim's mm).  \`capture_ns\` and \`oom_ns\`
come from the event records; "capture / kernel" is capture_ns /
(oom_ns - capture_ns) per event: what the module's handlers add (both
figures come from the same event).  It cannot see the kprobe
trampolines around oom_badness(), which run once per task the kernel
evaluates; two columns add them:
"added, from the scan" takes the kernel's own scan of the memcg's tasks,
mem_cgroup_scan_tasks(), timed by the kernel (function_graph, filtered to
that one function; it calls oom_badness() for every task): (median scan
of the configuration - median scan at max_tasks 0, without the hook) +
median capture_ns, over median oom_ns - capture_ns at max_tasks 0 (the
kernel's own handling).  That is the figure the targets are judged on.
The last column counts the oom_badness() returns the hook saw (stats
oom_badness_calls) per out_of_memory() call (stats oom_calls, including
calls that found an earlier victim still exiting and killed nothing):
about the number of tasks in the memcg when every evaluation is seen.
"added, from oom_ns" does the same with whole oom_ns medians; it also
carries page-fault, printk and host-scheduling noise of tens of percent
on a shared TCG host, and is shown only to say so.

EOF
	printf '%s\n' "$RESULTS"
	cat <<'EOF'

## Rerun

    make bench                          # everything, bookworm 6.1
    scripts/bench.sh --kernel bullseye  # another kernel
    scripts/bench.sh oom --procs 10000 --ooms 100 --out -   # one part, no file
EOF
} >"$OUT"
log "wrote $OUT"
exit 0
}
