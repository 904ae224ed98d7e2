#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of scripts/dkms-test.sh (run by vm.sh shell-cmd): load the
# DKMS-built oomsnap.ko (vm.sh --ko) the way a host does, with modprobe and
# the options in /etc/modprobe.d/oomsnap.conf (vm.sh --file), and check the
# options took effect.  Prints TAP lines without numbers.
#
# Usage: sh /oomsnap/dkms-load.sh CAPACITY "PROTECT ENTRY"...
#   e.g. sh /oomsnap/dkms-load.sh 128 "comm=sshd adj=-1000"
cap=$1
shift
k=$(uname -r)
d=/lib/modules/$k/updates/dkms

echo "# kernel $k; /etc/modprobe.d/oomsnap.conf options:"
grep '^options' /etc/modprobe.d/oomsnap.conf | sed 's/^/#   /'
mkdir -p "$d"
cp /oomsnap/oomsnap.ko "$d/oomsnap.ko"
# busybox depmod + modprobe: modprobe reads /etc/modprobe.d/*.conf.
depmod
echo "# vermagic: $(modinfo -F vermagic oomsnap 2>&1)"
if modprobe oomsnap 2>/tmp/modprobe.err; then
	echo "ok - modprobe oomsnap (updates/dkms, options from /etc/modprobe.d)"
else
	echo "not ok - modprobe oomsnap failed: $(cat /tmp/modprobe.err)"
	dmesg | tail -n 5 | sed 's/^/#   /'
	exit 0
fi
got=$(cat /sys/module/oomsnap/parameters/capacity 2>/dev/null)
if [ "$got" = "$cap" ]; then
	echo "ok - parameters/capacity is $cap"
else
	echo "not ok - parameters/capacity is '$got', want $cap"
fi
p=/sys/kernel/debug/oomsnap/protect
[ -r $p ] || p=/proc/oomsnap/protect
cat $p >/tmp/protect 2>/dev/null
for e in "$@"; do
	if grep -q "^$e " /tmp/protect || grep -qx "$e" /tmp/protect; then
		echo "ok - protect lists $e"
	else
		echo "not ok - protect does not list '$e':"
		sed 's/^/#   /' /tmp/protect
	fi
done
if modprobe -r oomsnap && ! grep -q '^oomsnap ' /proc/modules; then
	echo "ok - modprobe -r oomsnap"
else
	echo "not ok - modprobe -r oomsnap"
fi
