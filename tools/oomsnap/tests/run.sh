#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [--update] OOMSNAP: the CLI's host tests.  Every data set
# tests/data/NAME/ (events, events.json, stats, protect as the module
# serves them; stream: a copy of events.json unless the set has its own)
# is copied to a scratch directory, and each line "CASE STATUS ARGS" of
# its cases file runs "OOMSNAP -d . ARGS" there: stdout and stderr
# together must equal expected/CASE, and the exit status STATUS.  A case
# that writes the protect file has what it wrote appended to its output.
# Then watch on a FIFO: --timeout without an event, --count with one,
# SIGTERM, and --exec hooks (environment and stdin, the timeout, a failing
# hook).  --update rewrites expected/ from the binary instead (review
# the diff).  Ends with "N passed, N failed".
set -u
update=0
if [ "${1:-}" = --update ]; then
	update=1
	shift
fi
[ $# -eq 1 ] || { echo "usage: run.sh [--update] OOMSNAP" >&2; exit 2; }
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/oomsnap-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
unset OOMSNAP_DIR
pass=0 fail=0 n=0

ok() {
	n=$((n + 1)) pass=$((pass + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1)) fail=$((fail + 1))
	echo "not ok $n - $1"
}

for set in "$here"/data/*/; do
	set=${set%/}
	name=${set##*/}
	[ -f "$set/cases" ] || continue
	d=$tmp/$name
	mkdir -p "$d" "$set/expected"
	for f in events events.json stats; do
		[ ! -f "$set/$f" ] || cp "$set/$f" "$d/$f"
	done
	if [ -f "$set/stream" ]; then cp "$set/stream" "$d/stream"; else cp "$set/events.json" "$d/stream"; fi
	while read -r case want args; do
		case $case in '' | '#'*) continue ;; esac
		cp "$set/protect" "$d/protect"
		out=$(cd "$d" && eval "\"\$bin\" -d . $args" 2>&1)
		rc=$?
		if ! cmp -s "$set/protect" "$d/protect"; then
			out=$(printf '%s\n--- written to protect:\n' "$out"; cat "$d/protect")
		fi
		if [ $update = 1 ]; then
			printf '%s\n' "$out" >"$set/expected/$case"
		fi
		if [ "$rc" != "$want" ]; then
			not_ok "$name $case: exit status $rc, expected $want"
			printf '%s\n' "$out" | sed 's/^/# /'
		elif ! printf '%s\n' "$out" | cmp -s - "$set/expected/$case"; then
			not_ok "$name $case: output differs from expected/$case"
			printf '%s\n' "$out" | diff "$set/expected/$case" - | sed 's/^/# /'
		else
			ok "$name $case"
		fi
	done <"$set/cases"
done

# --version
if "$bin" --version | grep -qx 'oomsnap [0-9][0-9a-z.~+-]*'; then
	ok "--version"
else
	not_ok "--version: $("$bin" --version 2>&1)"
fi

# verdict OK_TEXT NOT_OK_TEXT CONDITION: ok or not_ok as the shell test
# CONDITION (evaluated) holds
verdict() {
	if eval "$3"; then ok "$1"; else not_ok "$2"; fi
}

# watch on a FIFO, which blocks like the module's stream
d=$tmp/fifo
ev=$here/data/vm-bookworm/events.json
mkdir -p "$d"
cp "$here/data/vm-bookworm/stats" "$d/"
mkfifo "$d/stream"

# fifo_watch N ARGS: watch ARGS while a writer puts the first N recorded
# events into the FIFO and holds it open; $out, $rc and $took (seconds)
fifo_watch() {
	(head -n "$1" "$ev"; exec sleep 5) >"$d/stream" &
	holder=$!
	shift
	start=$(date +%s)
	out=$("$bin" -d "$d" watch "$@" 2>&1)
	rc=$?
	took=$(($(date +%s) - start))
	kill $holder 2>/dev/null
	wait $holder 2>/dev/null
}

fifo_watch 0 --timeout 1
verdict "watch --timeout 1 on a silent stream: exit 1 after ${took} s" \
	"watch --timeout 1 on a silent stream: exit $rc after $took s: $out" \
	'[ $rc -eq 1 ] && [ "$out" = "oomsnap: no OOM event within 1 s" ] && [ $took -le 3 ]'

fifo_watch 1 --timeout 4 --count 1
verdict "watch --count 1: the first event's line, exit 0 without waiting for more" \
	"watch --count 1: exit $rc: $out" \
	'[ $rc -eq 0 ] && [ "$out" = "$(head -n 1 "$here/data/vm-bookworm/expected/watch")" ]'

fifo_watch 2 --timeout 2 --count 3
verdict "watch --count 3 with 2 events: exit 1, both printed, the shortfall said" \
	"watch --count 3 with 2 events: exit $rc: $out" \
	'[ $rc -eq 1 ] && [ "$(printf "%s\n" "$out" | tail -n 1)" = "oomsnap: timed out after 2 s with 2 of 3 events" ]'

(exec sleep 5) >"$d/stream" &
holder=$!
"$bin" -d "$d" watch >/dev/null 2>&1 &
watcher=$!
sleep 1
kill -TERM $watcher
wait $watcher
rc=$?
verdict "watch ends on SIGTERM with status 143" \
	"watch on SIGTERM: status $rc, expected 143" '[ $rc -eq 143 ]'
kill $holder 2>/dev/null
wait $holder 2>/dev/null

# watch --exec: one run per event, in order, with the event's fields in the
# environment (a field that is null in the record is unset, even when watch
# had it) and its JSON line on stdin
cat >"$tmp/hook.sh" <<'EOF2'
printf '%s|%s|%s|%s|%s|%s|%s\n' "$OOMSNAP_SEQ" "$OOMSNAP_CAUSE" "$OOMSNAP_OUTCOME" \
	"$OOMSNAP_KIND" "$OOMSNAP_VICTIM_PID" "$OOMSNAP_VICTIM_COMM" "${OOMSNAP_MEMCG-unset}" \
	>>"$HOOK_DIR/log"
cat >"$HOOK_DIR/stdin.$OOMSNAP_SEQ"
EOF2
export HOOK_DIR=$tmp OOMSNAP_MEMCG=leak
fifo_watch 3 --timeout 5 --count 3 --exec "sh $tmp/hook.sh"
unset OOMSNAP_MEMCG
want='1|memcg_limit|killed|memcg|111|hog|/memcg_t
2|ancestor_memcg_limit|killed|memcg|121|grower|/anc
3|system_memory|killed|global|124|bighog|unset'
stdin_ok=1
for i in 1 2 3; do
	sed -n "${i}p" "$ev" | cmp -s - "$tmp/stdin.$i" || stdin_ok=0
done
verdict "watch --exec: one run per event, in order, the fields in the environment, the JSON line on stdin" \
	"watch --exec: exit $rc: $out; runs: $(cat "$tmp/log" 2>&1); stdin ok: $stdin_ok" \
	'[ $rc -eq 0 ] && [ "$(cat "$tmp/log")" = "$want" ] && [ $stdin_ok = 1 ] && [ "$out" = "$(head -n 3 "$here/data/vm-bookworm/expected/watch")" ]'

# --exec-timeout: the first event's hook sleeps (exec: the pid is the
# sleep's), SIGTERM ends it after 1 s, the second event's hook still runs
rm -f "$tmp"/pid.*
fifo_watch 2 --timeout 10 --count 2 --exec-timeout 1 \
	--exec 'echo $$ >"$HOOK_DIR/pid.$OOMSNAP_SEQ"; [ $OOMSNAP_SEQ != 1 ] || exec sleep 30'
verdict "watch --exec-timeout 1: a sleeping hook killed after 1 s (${took} s), the next event's hook ran" \
	"watch --exec-timeout 1: exit $rc after $took s: $out" \
	'[ $rc -eq 0 ] && [ $took -le 4 ] && [ -s "$tmp/pid.2" ] &&
	 ! kill -0 "$(cat "$tmp/pid.1")" 2>/dev/null &&
	 printf "%s\n" "$out" | grep -qx "oomsnap: watch: --exec for event 1: timed out after 1 s, killed (SIGTERM)"'

# a hook that ignores SIGTERM (so does its sleep, which inherits that) gets
# SIGKILL 2 s later
fifo_watch 1 --timeout 10 --count 1 --exec-timeout 1 --exec 'trap "" TERM; sleep 30'
verdict "watch --exec-timeout 1: a hook ignoring SIGTERM killed by SIGKILL (${took} s)" \
	"watch --exec-timeout 1, SIGTERM ignored: exit $rc after $took s: $out" \
	'[ $rc -eq 0 ] && [ $took -ge 2 ] && [ $took -le 6 ] &&
	 printf "%s\n" "$out" | grep -qx "oomsnap: watch: --exec for event 1: timed out after 1 s, killed (SIGKILL)"'

# a failing hook is reported on stderr, and watch goes on
fifo_watch 2 --timeout 5 --count 2 --exec 'exit 7'
want=$(head -n 1 "$here/data/vm-bookworm/expected/watch"
	echo "oomsnap: watch: --exec for event 1: exit status 7"
	sed -n 2p "$here/data/vm-bookworm/expected/watch"
	echo "oomsnap: watch: --exec for event 2: exit status 7")
verdict "watch --exec: a failing hook reported for each event, watch goes on" \
	"watch --exec failing: exit $rc: $out" '[ $rc -eq 0 ] && [ "$out" = "$want" ]'

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
