#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# promtool-check.sh TAP_LOG: check the `oomsnap metrics` output that
# selftests/oomsnap_cli_test printed in the guest (lines "oomsnap-metrics| ..."
# between OOMSNAP-METRICS-BEGIN and OOMSNAP-METRICS-END) with the host's
# `promtool check metrics` (Debian package prometheus).  Prints one TAP
# stream: "1..1" and "ok 1 - promtool check metrics" (or not ok, or a skip).
# Called by scripts/vm.sh after a tests run; its output is appended to the
# TAP log, so the result counts like any other test.
set -u
log=${1:?usage: promtool-check.sh TAP_LOG}
name="promtool check metrics"
echo "1..1"
m=$(mktemp) || { echo "not ok 1 - $name: mktemp failed"; exit 0; }
trap 'rm -f "$m"' EXIT
sed -n '/^OOMSNAP-METRICS-BEGIN$/,/^OOMSNAP-METRICS-END$/s/^oomsnap-metrics| //p' "$log" >"$m"
if [ ! -s "$m" ]; then
	echo "ok 1 - $name # SKIP no metrics in the guest output (oomsnap_cli_test did not run or skipped)"
elif ! command -v promtool >/dev/null 2>&1; then
	echo "ok 1 - $name # SKIP promtool not installed (apt-get install prometheus)"
elif out=$(promtool check metrics <"$m" 2>&1); then
	echo "ok 1 - $name ($(grep -c '^oomsnap_' "$m") samples)"
else
	echo "not ok 1 - $name"
	printf '%s\n' "$out" | sed 's/^/# /'
fi
