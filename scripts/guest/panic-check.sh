#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# OOMs that end in a panic, read back after the reboot (make check-panic:
# scripts/vm.sh --pstore shell-cmd "sh /oomsnap/panic-check.sh").
#
# One QEMU run, four boots; each boot checks what `oomsnap import` found in
# /sys/fs/pstore from the boot before it (which is how it knows where it
# is), against that boot's own kernel report in the same pstore record,
# then causes the next panic:
#   boot 1  a memcg OOM kill (an earlier event, in a cgroup of long
#           names of 0xff bytes), then vm.panic_on_oom=1
#           and a global OOM
#   boot 2  checks it; vm.panic_on_oom=2 and a memcg OOM
#   boot 3  checks it; every task oom_score_adj -1000 and a global OOM:
#           "Out of memory and no killable processes", the kernel panics
#   boot 4  checks it, then a corrupted and a truncated copy of the record
# TAP lines on stdout (ttyS1); a boot whose OOM does not panic says so and
# ends the run.
PS=/sys/fs/pstore
HOG=/selftests/oomsnap_hog
CG=/sys/fs/cgroup

ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; FAILED=1; }
check() { # check DESC COND...
	d=$1
	shift
	if "$@"; then ok "$d"; else nok "$d"; fi
}

# json_val KEY: the value of "KEY" in stdin's JSON (one that occurs once)
json_val() {
	sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p; t; s/.*\"$1\":\([^,}\"]*\).*/\1/p" | head -n 1
}

# The kernel's report of the panicking OOM: the last lines from the last
# "invoked oom-killer" on, in the pstore dmesg record.
kernel_report() {
	awk '/invoked oom-killer:/ { n = 0; delete l } { l[n++] = $0 } END { for (i = 0; i < n; i++) print l[i] }' \
		$PS/dmesg-ramoops-* >/tmp/report
}

load() {
	insmod /oomsnap/oomsnap.ko || { nok "insmod oomsnap.ko"; exit 0; }
}

# panic_now DESC CMD...: run CMD, which must panic the kernel.
# PREEMPT_RT 6.1 prints the console from a kthread, which holds its
# console's mutex while it writes: when panic() stops its CPU in the middle
# of the OOM report (hundreds of lines, slow on the VM's serial port), the
# panicking CPU spins for ever on that mutex (an rtmutex whose owner stays
# "on CPU"), before kmsg_dump and the reboot (bookworm-rt, boot 2, vCPU
# state: a spin on the owner).  So there the console is quieted first: the
# kthread skips the report's records instead of writing them, panic()
# raises the level again for its own lines, and the report is still in
# the log, the pstore record that the checks read.
panic_now() {
	d=$1
	shift
	echo "# panicking: $d"
	case "$(uname -v)" in
	*PREEMPT_RT*) dmesg -n 1 ;;
	esac
	sync
	"$@" >/dev/null 2>&1
	sleep 30
	nok "$d: no panic"
	exit 0
}

# check_common: the panic's event, as import sees it, against the report
check_common() { # check_common WHAT OUTCOME KIND
	what=$1
	oomsnap import --json >/tmp/imp.json 2>/dev/null
	# the dmesg record alone: a console record may begin inside an event
	oomsnap import $PS/dmesg-ramoops-0 >/dev/null 2>/tmp/imp.err
	sed 's/^/# /' /tmp/imp.err
	tail -n 1 /tmp/imp.json >/tmp/ev.json
	check "$what: import found the panic's event in $PS" [ -s /tmp/ev.json ]
	check "$what: outcome $2" [ "$(json_val outcome </tmp/ev.json)" = "$2" ]
	check "$what: kind $3" [ "$(json_val kind </tmp/ev.json)" = "$3" ]
	check "$what: flagged previous_boot" grep -q '"previous_boot":true' /tmp/ev.json
	check "$what: no damaged event reported" [ ! -s /tmp/imp.err ]
	# the serial log is judged by vm.sh, but on RT the report is not on it
	check "$what: no kernel splat in the pstore record" \
		sh -c "! grep -qE 'BUG:|WARNING:|Oops|KASAN|UBSAN|unreferenced object|possible circular locking|sleeping function called' $PS/dmesg-ramoops-*"
	kernel_report
	inv=$(grep -m1 'invoked oom-killer:' /tmp/report)
	echo "# kernel: $inv"
	comm=$(echo "$inv" | sed 's/.*\] \(.*\) invoked oom-killer:.*/\1/')
	gfp=$(echo "$inv" | sed -n 's/.*gfp_mask=\(0x[0-9a-f]*\).*/\1/p')
	order=$(echo "$inv" | sed -n 's/.*order=\(-*[0-9]*\).*/\1/p')
	adj=$(echo "$inv" | sed -n 's/.*oom_score_adj=\(-*[0-9]*\).*/\1/p')
	pid=$(grep -m1 ' PID: [0-9]* Comm: ' /tmp/report | sed 's/.* PID: \([0-9]*\) Comm: .*/\1/')
	sed -n 's/.*"trigger":{\([^}]*\)}.*/\1/p' /tmp/ev.json >/tmp/trig
	check "$what: trigger comm '$comm' as the kernel's report" \
		[ "$(json_val comm </tmp/trig)" = "$comm" ]
	check "$what: trigger pid $pid as the kernel's report" [ "$(json_val pid </tmp/trig)" = "$pid" ]
	check "$what: gfp_mask $gfp as the kernel's report" [ "$(json_val gfp_mask </tmp/ev.json)" = "$gfp" ]
	check "$what: order $order as the kernel's report" [ "$(json_val order </tmp/ev.json)" = "$order" ]
	check "$what: trigger oom_score_adj $adj as the kernel's report" \
		[ "$(json_val oom_score_adj </tmp/trig)" = "$adj" ]
}

# check_zones WHAT: each zone's watermarks and managed pages (and free
# pages) as the report's "Node N ZONE free:..." lines
check_zones() {
	what=$1
	sed 's/"zones":\[/\n/; s/\],"victim".*//' /tmp/ev.json | tail -n 1 | tr '{' '\n' |
		sed -n 's/"node":\([0-9]*\),"zone":"\([A-Za-z0-9]*\)","free_kb":\([0-9]*\),"min_kb":\([0-9]*\),"low_kb":\([0-9]*\),"high_kb":\([0-9]*\),"managed_kb":\([0-9]*\).*/\1 \2 \3 \4 \5 \6 \7/p' >/tmp/zones
	n=0
	bad=""
	while read -r node zone free min low high managed; do
		k=$(grep -m1 "Node $node $zone free:" /tmp/report)
		kv() { echo "$k" | sed -n "s/.* $1:\([0-9]*\)kB.*/\1/p"; }
		[ "$(kv min)" = "$min" ] && [ "$(kv low)" = "$low" ] && [ "$(kv high)" = "$high" ] &&
			[ "$(kv managed)" = "$managed" ] || bad="$bad node $node $zone (ours $min/$low/$high/$managed, kernel $(kv min)/$(kv low)/$(kv high)/$(kv managed))"
		echo "# zone node $node $zone: free ${free}kB, the kernel's report free:$(kv free)kB"
		n=$((n + 1))
	done </tmp/zones
	check "$what: $n zones, min/low/high/managed as the kernel's report$bad" [ "$n" -gt 0 -a -z "$bad" ]
}

# check_cand WHAT: the top candidate's rss and page tables as the report's
# task list ("[  pid  ]   uid  tgid total_vm      rss pgtables_bytes ...")
check_cand() {
	what=$1
	c=$(sed -n 's/.*"candidates":\[{\([^}]*\)}.*/\1/p' /tmp/ev.json)
	cpid=$(echo "$c" | json_val pid)
	crss=$(echo "$c" | json_val rss_kb)
	cpt=$(echo "$c" | json_val pgtables_kb)
	t=$(grep -E "\[ *$cpid\]" /tmp/report | head -n 1)
	echo "# candidate: $c"
	echo "# kernel task line: $t"
	# the columns by the header's names: 6.1 has "total_vm rss pgtables_bytes",
	# later kernels add rss_anon rss_file rss_shmem after rss
	h=$(grep -m1 'pgtables_bytes' /tmp/report | sed 's/.*\] *//')
	krss=$( (echo "$h"; echo "$t" | sed 's/.*\] *//') |
		awk 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		     { print $c["rss"] * 4 }')
	kpt=$( (echo "$h"; echo "$t" | sed 's/.*\] *//') |
		awk 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		     { print int($c["pgtables_bytes"] / 1024) }')
	# From 6.2 to 6.17 the kernel's task list reads rss approximately
	# (percpu_counter_read(): each of the three counters may lack up to one
	# batch, max(32, 2 x CPUs) pages, per CPU); the record sums them
	# exactly, so there the two may differ by that much, and elsewhere not
	drift=0
	ver=$(uname -r | awk -F. '{ print $1 * 100 + $2 }')
	if [ "$ver" -ge 602 ] && [ "$ver" -lt 618 ]; then
		ncpu=$(grep -c '^processor' /proc/cpuinfo)
		batch=$((2 * ncpu > 32 ? 2 * ncpu : 32))
		drift=$((3 * batch * ncpu * 4))
	fi
	diff=$((crss > krss ? crss - krss : krss - crss))
	check "$what: top candidate pid $cpid rss ${crss}kB as the kernel's task list (${krss}kB, ${drift}kB allowed)" \
		[ -n "$cpid" -a "$diff" -le "$drift" ]
	check "$what: its page tables ${cpt}kB as the task list (${kpt}kB)" [ "$cpt" = "$kpt" ]
}

FAILED=0
[ -d $PS ] || { nok "no $PS"; exit 0; }
if [ -z "$(ls $PS)" ]; then
	# boot 1
	ok "boot 1: $PS empty"
	load
	mkdir $CG/k && echo 16M >$CG/k/memory.max
	# in a cgroup whose names are 200 bytes of 0xff each, four deep: in
	# the panic's JSON each byte is \u00ff, six times as long (review
	# item 4: the event was dropped as over 3072 bytes, not printed)
	x=$(head -c 200 /dev/zero | tr '\0' '\377')
	leaf=$CG/k
	for i in 1 2 3 4; do
		echo +memory >$leaf/cgroup.subtree_control
		leaf=$leaf/$x
		mkdir "$leaf"
	done
	sh -c "echo \$\$ >'$leaf/cgroup.procs'; exec $HOG 64" >/dev/null 2>&1
	check "boot 1: an earlier event (a memcg OOM kill) recorded" \
		sh -c "oomsnap events --json | grep -q '\"outcome\":\"killed\"'"
	echo 1 >/proc/sys/vm/panic_on_oom
	panic_now "boot 1: panic_on_oom=1, a global OOM" $HOG
fi

oomsnap import --json 2>/dev/null | tail -n 1 >/tmp/prev.json
outcome=$(json_val outcome </tmp/prev.json)
kind=$(json_val kind </tmp/prev.json)
case $outcome/$kind in
panic_on_oom/global)
	check_common "boot 2, global panic_on_oom=1" panic_on_oom global
	check "boot 2: the kernel's panic was panic_on_oom's" \
		grep -q 'Kernel panic - not syncing: Out of memory: system-wide panic_on_oom is enabled' $PS/dmesg-ramoops-0
	check "boot 2: constraint none, cause system_memory" \
		[ "$(json_val constraint </tmp/ev.json)/$(json_val cause </tmp/ev.json)" = none/system_memory ]
	check_zones "boot 2"
	check_cand "boot 2"
	check "boot 2: the earlier memcg kill came along" \
		[ "$(grep -c '"outcome":"killed"' /tmp/imp.json)" -ge 1 ]
	check "boot 2: its cgroup path of 0xff bytes cut to the string budget, said so" \
		sh -c "grep '\"outcome\":\"killed\"' /tmp/imp.json | grep -q '\"memcg_truncated\":true'"
	check "boot 2: all lines of the panic's event in the kernel log" \
		grep -q "oomsnap: P1 [0-9]* [0-9]*/[0-9]* .* crc=" $PS/dmesg-ramoops-0
	bytes=$(grep 'oomsnap: P1 ' $PS/dmesg-ramoops-0 | wc -c)
	echo "# oomsnap's lines in the record: $bytes bytes; the record: $(wc -c <$PS/dmesg-ramoops-0) bytes"
	oomsnap import --explain >/tmp/explain
	sed 's/^/# /' /tmp/explain
	check "boot 2: explain says previous boot, panic_on_oom and the would-be victim" \
		sh -c "grep -q 'previous boot' /tmp/explain && grep -q 'panic_on_oom' /tmp/explain &&
			grep -q 'would have killed' /tmp/explain"
	oomsnap import | sed 's/^/# /'
	load
	echo 2 >/proc/sys/vm/panic_on_oom
	mkdir $CG/p2 && echo 32M >$CG/p2/memory.max
	panic_now "boot 2: panic_on_oom=2, a memcg OOM" \
		sh -c "echo \$\$ >$CG/p2/cgroup.procs; exec $HOG 128"
	;;
panic_on_oom/memcg)
	check_common "boot 3, memcg panic_on_oom=2" panic_on_oom memcg
	check "boot 3: the kernel's panic was panic_on_oom=2's" \
		grep -q 'Kernel panic - not syncing: Out of memory: compulsory panic_on_oom is enabled' $PS/dmesg-ramoops-0
	check "boot 3: memcg /p2, limit 32768 kB, constraint memcg, cause memcg_limit" \
		sh -c "grep -q '\"memcg\":{\"path\":\"/p2\",\"usage_kb\":[0-9]*,\"limit_kb\":32768}' /tmp/ev.json &&
			grep -q '\"constraint\":\"memcg\",\"cause\":\"memcg_limit\"' /tmp/ev.json"
	check "boot 3: the kernel's report names memcg /p2" grep -q 'Memory cgroup stats for /p2' /tmp/report
	kmem=$(grep -m1 'memory: usage [0-9]*kB, limit [0-9]*kB' /tmp/report)
	echo "# kernel: $kmem"
	check "boot 3: memcg usage and limit as the kernel's report" \
		grep -q "\"usage_kb\":$(echo "$kmem" | sed 's/.*usage \([0-9]*\)kB.*/\1/'),\"limit_kb\":$(echo "$kmem" | sed 's/.*limit \([0-9]*\)kB.*/\1/')}" /tmp/ev.json
	check_cand "boot 3"
	load
	echo 0 >/proc/sys/vm/panic_on_oom
	for p in /proc/[0-9]*; do echo -1000 >"$p/oom_score_adj"; done 2>/dev/null
	panic_now "boot 3: every task oom_score_adj -1000, a global OOM" $HOG
	;;
no_killable_panic/global)
	check_common "boot 4, no killable process" no_killable_panic global
	check "boot 4: the kernel's report says no killable processes and panics" \
		sh -c "grep -q 'Out of memory and no killable processes' /tmp/report &&
			grep -q 'Kernel panic - not syncing: System is deadlocked on memory' /tmp/report"
	check "boot 4: no candidate (every one was -1000)" grep -q '"candidates":\[\]' /tmp/ev.json
	f=$(ls $PS/dmesg-ramoops-* | head -n 1)
	# one byte of the panic's first line changed: its checksum fails
	seq=$(json_val seq </tmp/ev.json)
	sed "/oomsnap: P1 $seq 1\\//s/\"kind\":\"global\"/\"kind\":\"glObal\"/" "$f" >/tmp/corrupt
	check "boot 4: the corrupted copy differs" sh -c "! cmp -s $f /tmp/corrupt"
	oomsnap import /tmp/corrupt >/tmp/c.out 2>/tmp/c.err
	rc=$?
	sed 's/^/# /' /tmp/c.err
	check "boot 4: a corrupted record: checksum mismatch reported, event not shown (exit $rc)" \
		sh -c "grep -q 'event $seq: checksum mismatch' /tmp/c.err && ! grep -q '^previous_boot seq=$seq ' /tmp/c.out && [ $rc = 1 ]"
	# the record cut before the event's last line
	n=$(grep -n "oomsnap: P1 $seq [0-9]*/[0-9]* .* crc=" "$f" | cut -d: -f1)
	head -n $((n - 1)) "$f" >/tmp/trunc
	oomsnap import /tmp/trunc >/tmp/t.out 2>/tmp/t.err
	rc=$?
	sed 's/^/# /' /tmp/t.err
	check "boot 4: a truncated record: reported, event not shown (exit $rc)" \
		sh -c "grep -q 'event $seq is truncated' /tmp/t.err && [ ! -s /tmp/t.out ] && [ $rc = 1 ]"
	;;
*)
	nok "import found no panic event this check knows ('$outcome/$kind') in $PS: $(ls $PS | tr '\n' ' ')"
	oomsnap import 2>&1 | sed 's/^/# /'
	;;
esac
exit 0
