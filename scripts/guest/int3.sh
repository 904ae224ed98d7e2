#!/bin/sh
# Cross-modifying-code probe for the VM itself, not for oomsnap: tasks exit
# on every CPU while the static key of the sched_process_exit tracepoint
# (a 5-byte NOP/JMP in do_exit) is flipped N times, through tracefs
# ("tracefs", no module involved) or by loading and unloading oomsnap
# ("module").  A correct CPU never runs an int3 the kernel has already
# removed; QEMU 7.2's multi-threaded TCG does (README, Tests).
# Run in the guest:
#   scripts/vm.sh --kernel TAG [--tcg-thread multi] \
#     --file scripts/guest/int3.sh:/int3.sh shell-cmd "sh /int3.sh tracefs 2000"
# A crash shows in the serial log; the last line says how far it got.
MODE=$1 N=$2
case $MODE in tracefs | module) ;; *)
	echo "usage: int3.sh tracefs|module N" >&2
	exit 2
	;;
esac
case $N in '' | *[!0-9]*)
	echo "int3.sh: N must be a number of flips" >&2
	exit 2
	;;
esac
TP=/sys/kernel/tracing/events/sched/sched_process_exit/enable
[ -e "$TP" ] || mount -t tracefs nodev /sys/kernel/tracing
storm() { while :; do /bin/true; done; }
storm &
s1=$!
storm &
s2=$!
i=0
t0=$(date +%s)
while [ "$i" -lt "$N" ]; do
	if [ "$MODE" = module ]; then
		insmod /oomsnap/oomsnap.ko || echo "int3: insmod failed at $i"
		rmmod oomsnap || echo "int3: rmmod failed at $i"
	else
		echo 1 >"$TP"
		echo 0 >"$TP"
	fi
	i=$((i + 1))
	[ $((i % 100)) -eq 0 ] && echo "int3: $MODE $i flips, $(($(date +%s) - t0)) s"
done
kill "$s1" "$s2"
echo "int3: done, $MODE $N flips in $(($(date +%s) - t0)) s"
