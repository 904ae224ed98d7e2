#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# oomsnap demo, run inside the VM by `scripts/vm.sh demo` (output -> ttyS1).
# Loads the module, causes a memcg OOM and a global OOM, and shows what the
# module recorded after each.
KO=${OOMSNAP_KO:-/oomsnap/oomsnap.ko}
D=/sys/kernel/debug/oomsnap
HOG=/selftests/oomsnap_hog
[ -d $D ] || D=/proc/oomsnap

show() {
	echo "=== $1: events"
	cat $D/events
	echo "=== $1: stats"
	cat $D/stats
	echo
}

echo "=== loading $KO"
insmod "$KO" || { echo "not ok - demo: insmod failed"; exit 1; }
[ -d $D ] || D=/proc/oomsnap

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
