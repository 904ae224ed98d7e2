#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# import.sh LOG DIR: unpack the "=== NAME" base64 sections that capture.sh
# printed (in the vm.sh shell-cmd output LOG) into DIR/NAME.
set -eu
[ $# -eq 2 ] || { echo "usage: import.sh LOG DIR" >&2; exit 2; }
mkdir -p "$2"
awk -v dir="$2" '
/^=== / { name = substr($0, 5); next }
name != "" && name != "end" { print > (dir "/" name ".b64") }
' "$1"
for f in "$2"/*.b64; do
	base64 -d "$f" >"${f%.b64}"
	rm -f "$f"
done
