#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of make check-peer (scripts/peer.sh puts it in the initramfs
# with test_memcontrol, stress-ng and the virtio_blk/ext4 modules; run by
# vm.sh shell-cmd, stdout is the results port).  Prints numbered TAP
# ("ok N - peer: ..."); vm.sh adds the splat check and the summary line.
#
#   1. test_memcontrol RUNS times without oomsnap, from ext4 on virtio_blk
#   2. insmod oomsnap capacity=1024; test_memcontrol RUNS times again, then
#      the stress-ng scenarios (STIME s each)
#   3. everything of step 2: the kernel's "Killed process" lines against
#      events.json, /proc/vmstat oom_kill against the recorded kills,
#      stats, the verdict on each kernel test
# shellcheck disable=SC2046 # set -- $(mc_count ...): its words, on purpose
RUNS=2 STIME=4 MODE=quick
# shellcheck source=/dev/null # written by scripts/peer.sh
. /peer/peer.conf
DBG=/sys/kernel/debug/oomsnap
CG=/sys/fs/cgroup
WORKDIR=/mnt/peer/work
echo 0 >/tmp/tapn

# emit: "ok - ..." / "not ok - ..." lines on stdin become numbered TAP
emit() {
	n=$(cat /tmp/tapn)
	while IFS= read -r l; do
		case $l in
		"ok - "*) n=$((n + 1)); echo "ok $n - ${l#ok - }" ;;
		"not ok - "*) n=$((n + 1)); echo "not ok $n - ${l#not ok - }" ;;
		*) echo "$l" ;;
		esac
	done
	echo "$n" >/tmp/tapn
}
tap() { echo "$1 - peer: $2" | emit; }
diag() { sed 's/^/#   /'; }
oom_kills() { awk '$1 == "oom_kill" { print $2 }' /proc/vmstat; }
bail() {
	tap "not ok" "$1"
	exit 1
}

# --- the disk, the network of test_memcg_sock --------------------------------
while read -r m; do
	insmod "/peer/modules/$m.ko" 2>/tmp/err || bail "insmod $m (kernel's own package): $(cat /tmp/err)"
done </peer/modules/order
i=0
while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
mkdir -p /mnt/peer
mount -t ext4 /dev/vda /mnt/peer 2>/tmp/err || bail "mount the ext4 image on /dev/vda: $(cat /tmp/err)"
mkdir -p $WORKDIR
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
printf '127.0.0.1 localhost\n::1 localhost\n' >/etc/hosts
printf 'hosts: files\n' >/etc/nsswitch.conf
echo "# peer: kernel $(uname -r) ($IMG_VER), test_memcontrol from linux-source-6.1 $SRC_VER, stress-ng $STRESS_VER; mode $MODE: $RUNS runs each way, stress-ng ${STIME}s per scenario"

# collect: move the ring's events to /tmp/events.json (read, then clear:
# nothing runs in between), so that no run overflows capacity=1024 (the
# full mode makes over 1,000 records)
collect() {
	[ -d $DBG ] || return 0
	cat $DBG/events.json >>/tmp/events.json
	echo 1 >$DBG/clear
}

# mc_run PHASE I: one run of the kernel's selftest, from the ext4 disk
mc_run() {
	echo "peer: test_memcontrol $1 run $2" >/dev/console
	t0=$(date +%s)
	(cd $WORKDIR && timeout -s KILL 900 /peer/test_memcontrol) >"/tmp/mc.$1.$2" 2>&1
	echo "# test_memcontrol $1 oomsnap, run $2: exit $?, $(($(date +%s) - t0)) s," \
		"$(grep -c '^ok' "/tmp/mc.$1.$2") ok, $(grep -c '^not ok' "/tmp/mc.$1.$2") not ok"
	[ "$1" = without ] || collect
}

# mc_names: the tests test_memcontrol reported, in its order (kselftest.h
# prints "ok N NAME", "not ok N NAME", "ok N # SKIP NAME")
mc_names() {
	sed -nE 's/^(not )?ok [0-9]+ (# SKIP )?(test_[a-z_]+).*/\3/p' /tmp/mc.*.1 | awk '!s[$0]++'
}
# mc_count PHASE NAME: "passed failed skipped runs" of NAME over the runs of
# PHASE (a run without its line crashed or timed out: failed)
mc_count() {
	p=0 f=0 s=0 n=0
	for r in /tmp/mc."$1".*; do
		[ -e "$r" ] || continue
		n=$((n + 1))
		# a child's exit() repeats its parent's buffered lines: same verdicts
		case $(grep -E "^(not )?ok [0-9]+ (# SKIP )?$2( |\$)" "$r" | tail -n 1) in
		"not ok"*) f=$((f + 1)) ;;
		*"# SKIP"* | *"# skip"*) s=$((s + 1)) ;;
		ok*) p=$((p + 1)) ;;
		*) f=$((f + 1)) ;;
		esac
	done
	echo $p $f $s $n
}

# --- 1. without the module ---------------------------------------------------
i=1
while [ $i -le "$RUNS" ]; do mc_run without $i; i=$((i + 1)); done

# --- 2. with the module --------------------------------------------------------
dmesg -c >/dev/null
: >/tmp/events.json
K0=$(oom_kills)
insmod /oomsnap/oomsnap.ko capacity=1024 2>/tmp/err || bail "insmod oomsnap.ko capacity=1024: $(cat /tmp/err)"
i=1
while [ $i -le "$RUNS" ]; do mc_run with $i; i=$((i + 1)); done
# A test that passed every run without the module and failed one with it
# runs again, with it, up to 3 times (see the verdict below).
suspects=""
for name in $(mc_names); do
	set -- $(mc_count without "$name")
	wp=$1
	set -- $(mc_count with "$name")
	[ "$wp" = "$RUNS" ] && [ "$2" -gt 0 ] && suspects="$suspects $name"
done
i=1
while [ -n "$suspects" ] && [ $i -le 3 ]; do
	echo "# confirming a failure with oomsnap of:$suspects"
	mc_run confirm $i
	left=""
	for name in $suspects; do
		set -- $(mc_count confirm "$name")
		[ "$2" -gt 0 ] || left="$left $name"
	done
	suspects=$left
	i=$((i + 1))
done

# sng NAME CGROUP LIMIT [oom.group] [maybe] -- STRESS-NG ARGS: one scenario;
# it must make the kernel kill at least once, else it tested nothing (maybe:
# then it says SKIP)
sng() {
	name=$1 cg=$CG/peer$2 limit=$3
	shift 3
	group=0 maybe=0
	[ "$1" = oom.group ] && { group=1; shift; }
	[ "$1" = maybe ] && { maybe=1; shift; }
	[ "$1" = -- ] && shift
	mkdir -p "$cg"
	[ "$limit" = - ] || echo "$limit" >"$cg/memory.max"
	[ $group = 0 ] || echo 1 >"$cg/memory.oom.group"
	echo "peer: stress-ng $name: $*" >/dev/console
	k0=$(oom_kills) t0=$(date +%s) runs=0
	# an oom.group kill takes stress-ng itself: start it again until the time is up
	while :; do
		# shellcheck disable=SC2016 # $$ of the new shell
		sh -c 'echo $$ >"$1/cgroup.procs" && cd "$2" && shift 2 && exec "$@"' sh "$cg" $WORKDIR \
			timeout -s KILL $((STIME + 60)) stress-ng "$@" --timeout "${STIME}s" >>"/tmp/sng.$name" 2>&1
		runs=$((runs + 1))
		if [ $group = 0 ] || [ $(($(date +%s) - t0)) -ge "$STIME" ] || [ $runs -ge 20 ]; then
			break
		fi
	done
	k=$(($(oom_kills) - k0))
	if [ $k -gt 0 ]; then
		tap ok "stress-ng $name ($*): $k OOM kills in $(($(date +%s) - t0)) s"
	elif [ $maybe = 1 ]; then
		tap ok "stress-ng $name ($*) # SKIP no OOM kill in ${STIME} s: this stressor reaches the limit only now and then"
	else
		tap "not ok" "stress-ng $name ($*): the kernel killed nothing (vmstat oom_kill unchanged)"
		tail -n 20 "/tmp/sng.$name" | diag
	fi
	while [ -s "$cg/cgroup.procs" ]; do sleep 0.2; done
	collect
}
mkdir -p $CG/peer
echo "+memory" >$CG/peer/cgroup.subtree_control
# Debian's stress-ng 0.15.06: brk and stack stay a few MB per worker: brk
# with --brk-mlock kills in an 8M memcg every time; stack in 6M only now
# and then (it mostly dies of SIGSEGV at the limit; 0 to 2 kills in 6 s)
sng bigheap /bigheap 32M -- --bigheap 2
sng brk /brk 8M -- --brk 4 --brk-mlock
sng stack /stack 6M maybe -- --stack 2 --stack-fill
sng mmap /mmap 32M -- --mmap 2 --mmap-bytes 64M
sng vm /vm 32M -- --vm 2 --vm-bytes 64M
# the limit is the parent's: cause ancestor_memcg_limit
mkdir -p $CG/peer/nested
echo 48M >$CG/peer/nested/memory.max
echo "+memory" >$CG/peer/nested/cgroup.subtree_control
sng nested-vm /nested/child - -- --vm 2 --vm-bytes 64M
sng group-vm /group 32M oom.group -- --vm 3 --vm-bytes 64M
# the whole machine (768 MB): a global OOM, slower to reach
[ "$STIME" -ge 10 ] || STIME=10
sng global-mmap /global - -- --mmap 2 --mmap-bytes 1G
sleep 1

# --- 3. the checks ---------------------------------------------------------------
K1=$(oom_kills)
dmesg >/tmp/kmsg
collect
cat $DBG/stats >/tmp/stats
rmmod oomsnap

# Every kernel test, judged by all its runs: it regresses only if it passed
# in every run without the module and failed in a run with it, and failed
# again in a confirmation run with it (some fail now and then without it
# too: test_memcg_sock ~1 run in 25, so one failure is not a regression).
for name in $(mc_names); do
	set -- $(mc_count without "$name")
	wp=$1 wf=$2 ws=$3
	set -- $(mc_count with "$name")
	p=$1 f=$2 s=$3
	set -- $(mc_count confirm "$name")
	cp=$1 cf=$2 cn=$4
	what="without: $wp passed, $wf failed, $ws skipped; with: $p passed, $f failed, $s skipped (of $RUNS each)"
	[ "$cn" = 0 ] || what="$what; confirmation runs with: $cp passed, $cf failed"
	if [ "$wp" = "$RUNS" ] && [ "$f" -gt 0 ] && [ "$cf" -gt 0 ]; then
		tap "not ok" "test_memcontrol $name regressed with oomsnap: $what"
		for l in /tmp/mc.*.*; do
			grep -B 8 -E "^(not )?ok [0-9]+ (# SKIP )?$name( |\$)" "$l" | tail -n 9 | sed "s|^|${l#/tmp/mc.}: |" | diag
		done
	elif [ "$ws" = "$RUNS" ] && [ "$s" = "$RUNS" ]; then
		tap ok "test_memcontrol $name # SKIP skipped by the test in every run (e.g. no swap)"
	else
		note=""
		[ "$wf" = 0 ] || note=" (fails without oomsnap too: not a regression)"
		[ "$f" = 0 ] || [ "$wf" != 0 ] || note=" (did not fail again in $cn confirmation runs: not a regression)"
		tap ok "test_memcontrol $name: $what$note"
	fi
done
[ -n "$name" ] || bail "test_memcontrol printed no result (see /tmp/mc.*)"

# The kernel's word against the records (peer-check.awk).
awk -v vmstat_delta=$((K1 - K0)) -v kmsg_file=/tmp/kmsg -f /peer/peer-check.awk /tmp/kmsg /tmp/events.json | emit

# the books: stats against the ring and the kernel
total=$(awk '$1 == "events_total" { print $2 }' /tmp/stats)
over=$(awk '$1 == "events_overwritten" { print $2 }' /tmp/stats)
nrec=$(cat /tmp/nrec)
if [ "$total" = "$nrec" ] && [ "$over" = 0 ]; then
	tap ok "stats: events_total $total = records read from events.json, none overwritten"
else
	tap "not ok" "stats: events_total $total, events_overwritten $over | events.json gave $nrec records"
fi
grep -E 'printk messages dropped|messages suppressed' /tmp/kmsg | head -n 3 | diag
if grep -qE 'printk messages dropped' /tmp/kmsg; then
	tap "not ok" "the kernel log lost lines: the comparison is incomplete"
fi
cat /tmp/summary
exit 0
