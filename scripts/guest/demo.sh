#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# oomsnap demo, run inside the VM by `scripts/vm.sh demo` (output -> ttyS1).
# Loads the module, causes a memcg OOM and a global OOM, and shows what the
# module recorded after each.
KO=${OOMSNAP_KO:-/oomsnap/oomsnap.ko}
HOG=/selftests/oomsnap_hog

show() {
	echo "=== $1: events"
	cat $D/events || echo "not ok - demo: cannot read $D/events"
	echo "=== $1: stats"
	cat $D/stats || echo "not ok - demo: cannot read $D/stats"
	echo
}

echo "=== loading $KO"
insmod "$KO" || { echo "not ok - demo: insmod failed"; exit 1; }
# debugfs, or /proc/oomsnap when debugfs is unavailable or locked down.
D=/sys/kernel/debug/oomsnap
[ -d $D ] || D=/proc/oomsnap
echo "=== module files in $D"
ls -l $D

echo "=== memcg OOM: hog allocates 64 MB in /demo (memory.max=32M)"
mkdir -p /sys/fs/cgroup/demo
echo 32M >/sys/fs/cgroup/demo/memory.max
echo 0 >/sys/fs/cgroup/demo/memory.swap.max 2>/dev/null
sh -c 'echo $$ >/sys/fs/cgroup/demo/cgroup.procs && exec '"$HOG"' 64 4'
echo "hog exit status: $?"
show "after memcg OOM"

echo "=== global OOM: hog allocates more than RAM"
echo 1 >/proc/sys/vm/overcommit_memory
$HOG 100000 8
echo "hog exit status: $?"
echo 0 >/proc/sys/vm/overcommit_memory
show "after global OOM"

rmmod oomsnap
rmdir /sys/fs/cgroup/demo
