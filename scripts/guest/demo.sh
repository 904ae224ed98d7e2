#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# oomsnap demo, run inside the VM by `scripts/vm.sh demo` / `make demo`
# (output -> ttyS1).  The story: load the module, follow the stream with
# `oomsnap watch`, then the seed scenarios, each followed by
# `oomsnap explain`:
#   1. a memcg at its limit            (memcg_limit)
#   2. a parent memcg's limit          (ancestor_memcg_limit)
#   3. three hogs, one oom_score_adj 1000: that one dies
#   4. the whole machine out of memory (system_memory)
#   5. sysrq-f                         (sysrq)
#   6. a protected process survives an OOM in its cgroup
# and finally `oomsnap status` and `oomsnap metrics`.
# A line "not ok - demo: ..." marks something that did not go as told.
KO=${OOMSNAP_KO:-/oomsnap/oomsnap.ko}
HOG=/selftests/oomsnap_hog
CG=/sys/fs/cgroup
OOMSNAP=${OOMSNAP_CLI:-oomsnap}

say() { printf '\n### %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

# hog NAME MB [CGROUP [ADJ]]: start the hog as NAME in the background; $! is it
hog() {
	ln -sf "$HOG" "/tmp/$1"
	sh -c '[ -z "$3" ] || echo $$ >'"$CG"'/"$3"/cgroup.procs
		[ -z "$4" ] || echo "$4" >/proc/self/oom_score_adj
		exec "/tmp/$1" "$2" 4 >/dev/null' hog "$@" &
}

# died PID: wait for it; true when the OOM killer (SIGKILL) ended it
died() {
	wait "$1"
	st=$?
	[ $st -eq 137 ] && return 0
	echo "not ok - demo: pid $1 exited with status $st, not killed"
	return 1
}

explain() {
	sleep 1	# let watch print its line first
	run $OOMSNAP explain
}

say "Loading $KO"
insmod "$KO" || { echo "not ok - demo: insmod failed"; exit 1; }
run $OOMSNAP status

say "Following the stream: 'oomsnap watch' prints one line per OOM (seq=...), as it happens"
$OOMSNAP watch --timeout 900 &
WATCH=$!
sleep 1

say "1. A memcg at its limit: a hog grows without end in /demo (memory.max=32M)"
mkdir -p $CG/demo
echo 32M >$CG/demo/memory.max
hog hog 0 demo
died $!
explain

say "2. A parent's limit: /shop has memory.max=48M; /shop/a holds 20M, /shop/b grows (each child may use 64M)"
mkdir -p $CG/shop
echo 48M >$CG/shop/memory.max
echo +memory >$CG/shop/cgroup.subtree_control
mkdir -p $CG/shop/a $CG/shop/b
echo 64M >$CG/shop/a/memory.max
echo 64M >$CG/shop/b/memory.max
hog cache 20 shop/a
CACHE=$!
sleep 2
hog grower 0 shop/b
died $!
explain
kill $CACHE 2>/dev/null
wait $CACHE 2>/dev/null

say "3. Three hogs of 20M in /three (memory.max=80M); 'test1' has oom_score_adj 1000; then a fourth wants 30M"
mkdir -p $CG/three
echo 80M >$CG/three/memory.max
hog test 20 three 0
T0=$!
hog test1 20 three 1000
T1=$!
hog test2 20 three 0
T2=$!
sleep 3
hog grower 30 three 0
G=$!
died $T1 && echo "test1 (pid $T1, oom_score_adj 1000) was the one killed"
explain
kill $T0 $T2 $G 2>/dev/null
wait $T0 $T2 $G 2>/dev/null

say "4. The whole machine runs out: a hog grows without a cgroup limit"
hog bighog 0
died $!
explain

say "5. sysrq-f: a 32M hog holds its memory; someone writes f to /proc/sysrq-trigger"
hog sysrqhog 32
S=$!
sleep 2
run sh -c 'echo f >/proc/sysrq-trigger'
died $S
explain

say "6. Protection: 'precious' (24M, oom_score_adj 1000: the first choice) and a grower share /vault (memory.max=64M)"
mkdir -p $CG/vault
echo 64M >$CG/vault/memory.max
hog precious 24 vault 1000
P=$!
sleep 2
echo "precious is pid $P, oom_score_adj $(cat /proc/$P/oom_score_adj)"
if run $OOMSNAP protect add pid=$P adj=-1000; then
	echo "precious now has oom_score_adj $(cat /proc/$P/oom_score_adj)"
	run $OOMSNAP protect list
	PROTECTED=1
else
	echo "the protection list refused the entry (see the error above); going on without it"
	PROTECTED=0
fi
hog grower 0 vault 0
died $!
explain
if kill -0 $P 2>/dev/null; then
	echo "ok - demo: precious (pid $P) survived the OOM in /vault"
elif [ $PROTECTED = 1 ]; then
	echo "not ok - demo: precious (pid $P) was killed although protected"
else
	echo "precious (pid $P) was killed: it was not protected"
fi
if [ $PROTECTED = 1 ]; then
	run $OOMSNAP protect del pid=$P
	echo "after del, precious has oom_score_adj $(cat /proc/$P/oom_score_adj 2>/dev/null || echo '(gone)') again"
fi
kill $P 2>/dev/null
wait $P 2>/dev/null

say "What oomsnap counted"
run $OOMSNAP status
say "The same as Prometheus metrics (node_exporter textfile collector)"
run $OOMSNAP metrics

kill $WATCH 2>/dev/null
wait $WATCH 2>/dev/null
rmmod oomsnap
for c in demo shop/a shop/b shop three vault; do rmdir $CG/$c 2>/dev/null; done
echo "### end of the demo"
