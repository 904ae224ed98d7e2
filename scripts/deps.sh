#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the host packages oomsnap's build and VM harness need (Debian).
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: scripts/deps.sh PACKAGE...

Installs the given Debian packages with apt-get if any is missing.
`apt-get update` runs first only when a package has no install candidate.
Called by `make deps` (and so by `make check` and `make demo`).
USAGE
}
case ${1:-} in -h | --help) usage; exit 0 ;; '') usage >&2; exit 2 ;; esac

missing=()
for p in "$@"; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
((${#missing[@]})) || exit 0

if ((EUID != 0)); then
	echo "[deps] missing packages: ${missing[*]}; run 'make deps' as root" >&2
	exit 2
fi
export DEBIAN_FRONTEND=noninteractive
need_update=0
for p in "${missing[@]}"; do
	cand=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2; exit}')
	if [[ -z $cand || $cand == "(none)" ]]; then need_update=1; fi
done
if ((need_update)); then
	echo "[deps] apt-get update..." >&2
	apt-get -q update >&2
fi
echo "[deps] installing: ${missing[*]}" >&2
apt-get -q -y --no-install-recommends install "${missing[@]}" >&2
