#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# check-rules.sh: the Prometheus alert rules in contrib/prometheus/ on the
# host (make check-rules, run by make check before the VM): promtool check
# rules, their unit tests (promtool test rules), and every oomsnap_ metric
# they use is one the CLI writes (the recorded `oomsnap metrics` output of
# tools/oomsnap/tests/data/vm-bookworm), so a renamed family breaks here,
# not silently in a fleet.  promtool: Debian package prometheus (make deps).
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
dir=$here/contrib/prometheus
metrics=$here/tools/oomsnap/tests/data/vm-bookworm/expected/metrics
command -v promtool >/dev/null 2>&1 || {
	echo "check-rules: promtool not found (apt-get install prometheus, or make deps)" >&2
	exit 1
}
fail=0
promtool check rules "$dir/oomsnap.rules.yml" || fail=1
(cd "$dir" && promtool test rules oomsnap.rules.test.yml) || fail=1
for m in $(grep -v '^ *#' "$dir/oomsnap.rules.yml" | grep -o 'oomsnap_[a-z_]*' | sort -u); do
	if ! grep -q "^# TYPE $m " "$metrics"; then
		echo "check-rules: $m (used in oomsnap.rules.yml) is not in oomsnap metrics' output" >&2
		fail=1
	fi
done
[ $fail -eq 0 ] && echo "check-rules: ok"
exit $fail
