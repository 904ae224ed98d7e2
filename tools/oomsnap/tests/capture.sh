#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Records the OOM events behind tools/oomsnap/tests/data/vm-bookworm/: run in
# the test VM (busybox sh), it loads the module, causes one OOM of each kind
# the CLI explains, and prints the module's files base64-encoded between
# "=== NAME" lines for tests/import.sh to unpack:
#
#   scripts/vm.sh --kernel bookworm \
#	--file tools/oomsnap/tests/capture.sh:/oomsnap/capture.sh \
#	shell-cmd "sh /oomsnap/capture.sh" >capture.log
#   tools/oomsnap/tests/import.sh capture.log tools/oomsnap/tests/data/vm-bookworm
#
# The scenarios: a memcg OOM; an ancestor's limit; a global OOM; sysrq-f; a
# protected task spared (comm entry, adj -1000) and a protected task killed
# (pid entry, adj -500, the only candidate); a cpuset bound to one NUMA
# node; a task with oom_score_adj 1000
# among three; and hostile names: comms and cgroup paths holding quotes,
# backslashes, a newline (comm only: cgroup names cannot hold one), an
# escape sequence and bytes that are not UTF-8.
set -u
HOG=/selftests/oomsnap_hog
CG=/sys/fs/cgroup
D=/sys/kernel/debug/oomsnap

insmod /oomsnap/oomsnap.ko || { echo "capture: insmod failed"; exit 1; }
[ -e $D/stats ] || { echo "capture: no $D"; exit 1; }

# spawn CGROUP NAME MB ADJ [SLEEP_MS]: the hog, exec'd through a link called
# NAME (the comm the kernel records), in CGROUP ("" for the root), with
# oom_score_adj ADJ, holding MB (0: growing until killed).  Its pid in $PID
# (not printed: a command substitution's subshell would be its parent).
spawn() {
	mkdir -p /tmp/links
	ln -sf $HOG "/tmp/links/$2"
	sh -c 'echo $$ >"$1/cgroup.procs" && echo "$2" >/proc/self/oom_score_adj &&
		exec "$3" "$4" 4 "$5" >/dev/null' sh "$CG$1" "$4" "/tmp/links/$2" "$3" "${5:-0}" &
	PID=$!
}

# expect_kill PID: wait for it, which must die of SIGKILL
expect_kill() {
	wait "$1"
	rc=$?
	[ $rc -eq 137 ] || echo "capture: pid $1 ended with status $rc, not SIGKILL"
}

memcg() { # NAME MAX
	mkdir -p "$CG/$1" && echo "$2" >"$CG/$1/memory.max"
}

# 1. memcg_limit
memcg memcg_t 16M
spawn /memcg_t hog 0 0
p=$PID
expect_kill "$p"

# 2. ancestor_memcg_limit: /anc at 48M, its children at 64M each
memcg anc 48M
echo +memory >$CG/anc/cgroup.subtree_control
memcg anc/a 64M
memcg anc/b 64M
spawn /anc/a sleeper 20 0
s=$PID
sleep 2
spawn /anc/b grower 0 0
p=$PID
expect_kill "$p"
kill -9 "$s"; wait "$s"

# 3. system_memory: nothing limits the hog but the machine
spawn "" bighog 0 0
p=$PID
expect_kill "$p"

# 4. sysrq: a 32 MB hog is the biggest task when sysrq-f asks for a kill
spawn "" sysrqhog 32 0
p=$PID
sleep 2
echo f >/proc/sysrq-trigger
expect_kill "$p"

# 5. a protected keeper is spared (comm entry, adj -1000), the grower killed
memcg prot 48M
spawn /prot keeper 20 0
k=$PID
sleep 2
echo "add comm=keeper adj=-1000" >$D/protect
spawn /prot grower2 0 0
p=$PID
expect_kill "$p"
cat $D/protect >/tmp/protect.list
kill -9 "$k"; wait "$k"

# 6. a protected task killed anyway: the only candidate (pid entry, adj -500)
memcg prot2 24M
spawn /prot2 lonely 0 0 400
p=$PID
echo "add pid=$p adj=-500" >$D/protect
expect_kill "$p"
echo clear >$D/protect

# 7. oom_score_adj 1000 among three, with a runner-up
memcg three 80M
spawn /three test 20 0
h1=$PID
spawn /three test1 20 1000
h2=$PID
spawn /three test2 20 0
h3=$PID
sleep 3
spawn /three grower 0 0
g=$PID
expect_kill "$h2"
kill -9 "$h1" "$h3" "$g"; wait "$h1" "$h3" "$g"

# 8. node_memory: a cpuset allowed only node 0 (the VM boots numa=fake=2)
if [ -e $CG/cgroup.subtree_control ] && grep -q cpuset $CG/cgroup.subtree_control; then
	mkdir -p $CG/numa0
	echo 0 >$CG/numa0/cpuset.mems
	spawn /numa0 nodehog 0 0
	p=$PID
	expect_kill "$p"
fi

# 9. hostile names: a cgroup with a quote, a backslash, spaces, an escape
#    sequence and two bytes that are not UTF-8; comms likewise, and one
#    with a newline
hostile_cg=$(printf 'q"uo\\te sp \033[31m\377\376')
memcg "$hostile_cg" 16M
spawn "/$hostile_cg" "$(printf 'a"b\\c=d \033[1m')" 0 0
p=$PID
expect_kill "$p"
spawn "/$hostile_cg" "$(printf 'nl\nx\377\376y')" 0 0
p=$PID
expect_kill "$p"
# an ancestor named like that, a child named plainly
echo +memory >"$CG/$hostile_cg/cgroup.subtree_control"
memcg "$hostile_cg/kid" 64M
spawn "/$hostile_cg/kid" "it's" 0 0
p=$PID
expect_kill "$p"

sleep 1
for f in events events.json stats; do
	echo "=== $f"
	base64 $D/$f
done
echo "=== protect"
base64 /tmp/protect.list
echo "=== dmesg"
dmesg | grep -E 'invoked oom-killer|Killed process|oom-kill:|Out of memory' | base64
echo "=== end"
