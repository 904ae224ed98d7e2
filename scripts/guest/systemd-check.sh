#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of scripts/systemd-test.sh (make check-systemd), run by
# oomsnap-systemd-check.service on a bookworm system booted with systemd,
# the oomsnap package installed with apt and oomsnap.ko in
# /lib/modules/KVER/updates.  Checks oomsnap-journal.service and
# oomsnap-metrics.timer against the real journald and the real module:
# memcg OOMs (tail /dev/zero under MemoryMax=32M), one journal entry per
# event with the record's fields (victim checked against the kernel's own
# "Killed process" line), a restart without duplicates, events made while
# the service was stopped replayed, a package upgrade (dpkg -i of the same
# .deb), rmmod while it runs, a reload, a clear
# notice, the metrics file; and `oomsnap watch --exec` in a unit of its own
# during the first three OOMs: the hook ran once per event, with the
# event's fields in its environment and its JSON line on stdin.  TAP lines without numbers on the second
# serial port, then "guest-check-done"; the .prom file between markers for
# the host's promtool.
exec >/dev/ttyS1 2>/dev/console
ID=22f8fde01bc649a9be1692736b53dd33
NID=a7ca25a8d67c49b8b49a9aaff19f29c1
D=/sys/kernel/debug/oomsnap
PROM=/var/lib/prometheus/node-exporter/oomsnap.prom
T0=$(date +%s)

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }
comment() { sed 's/^/#   /'; }
# waitfor SECONDS CMD...: until CMD succeeds
waitfor() {
	n=$1
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 1
		n=$((n - 1))
	done
	"$@"
}
# the event entries (one JSON object per line); --all: without it -o json
# gives null for a field over 4096 bytes, and OOMSNAP_JSON is longer once
# the record holds trend samples (interface section 3.4)
entries() { journalctl -q -o json --all --no-pager MESSAGE_ID=$ID; }
count() { entries | grep -c .; }
count_is() { [ "$(count)" = "$1" ]; }
events_are() { [ "$(oomsnap events --json 2>/dev/null | grep -c '"seq"')" -ge "$1" ]; }
# oom NAME: a memcg OOM in a transient service (tail buffers /dev/zero)
oom() {
	systemd-run --wait -q --unit="$1" -p MemoryMax=32M -p MemorySwapMax=0 \
		/usr/bin/tail /dev/zero >/dev/null 2>&1
	# killed on purpose: not a failed unit
	systemctl reset-failed "$1.service" 2>/dev/null
}
no_duplicates() {
	d=$(entries | jq -r .OOMSNAP_JSON | sort | uniq -d)
	[ -z "$d" ]
}

echo "# $(systemctl --version | head -n 1), kernel $(uname -r), up $(cut -d' ' -f1 /proc/uptime) s"
echo "# $(systemd-analyze time 2>&1 | head -n 1)"
systemd-analyze blame --no-pager 2>/dev/null | head -n 5 | comment
v=$(dpkg-query -W -f '${Version}' oomsnap 2>&1)
echo "# oomsnap package $v; $(ldd /usr/sbin/oomsnap | grep -o 'libsystemd[^ ]*')"

# --- the units, before the module is loaded ------------------------------------
if [ "$(systemctl is-enabled oomsnap-journal.service)" = enabled ] &&
	waitfor 10 systemctl -q is-active oomsnap-journal.service; then
	ok "oomsnap-journal.service enabled by the package and running without the module"
else
	notok "oomsnap-journal.service: $(systemctl is-enabled oomsnap-journal.service) $(systemctl is-active oomsnap-journal.service)"
	systemctl status --no-pager oomsnap-journal.service | comment
fi
if [ "$(systemctl is-enabled oomsnap-metrics.timer)" = enabled ] &&
	waitfor 20 grep -qx 'oomsnap_up 0' $PROM; then
	ok "oomsnap-metrics.timer enabled; it ran at boot: $PROM says oomsnap_up 0 (not loaded)"
else
	notok "oomsnap-metrics.timer: $(systemctl is-enabled oomsnap-metrics.timer), $PROM: $(cat $PROM 2>&1 | head -n 3)"
	systemctl status --no-pager oomsnap-metrics.service | comment
fi
systemctl show -p CapabilityBoundingSet -p ProtectSystem -p StateDirectory oomsnap-journal.service | comment

# --- two OOMs --------------------------------------------------------------------
if modprobe oomsnap; then ok "modprobe oomsnap"; else notok "modprobe oomsnap"; fi

# `oomsnap watch --exec` (interface section 6.3) follows the stream from now
# to before the rmmod below (an open stream pins the module, section 2.2).
# The hook writes one line per run: the seq of its environment, the seq of
# its stdin, its cause and victim pid, to be compared with the record.
HOOKLOG=/run/oomsnap-hook.log
cat >/run/oomsnap-hook <<'EOF'
#!/bin/sh
echo "$OOMSNAP_SEQ $(jq -r .seq) $OOMSNAP_CAUSE $OOMSNAP_VICTIM_PID" >>/run/oomsnap-hook.log
EOF
: >$HOOKLOG
# SIGTERM (systemctl stop) ends watch with 128 + 15
systemd-run -q --unit=oomsnap-watch-exec -p SuccessExitStatus=143 \
	/usr/sbin/oomsnap watch --exec 'sh /run/oomsnap-hook'
watching() {
	p=$(systemctl show -p MainPID --value oomsnap-watch-exec.service)
	for f in /proc/"${p:-0}"/fd/*; do
		[ "$(readlink "$f")" = "$D/stream" ] && return 0
	done
	return 1
}
if waitfor 10 watching; then
	ok "oomsnap watch --exec runs (oomsnap-watch-exec.service) with the stream open"
else
	notok "oomsnap watch --exec: $(systemctl is-active oomsnap-watch-exec.service), stream not open"
	journalctl -q --no-pager -u oomsnap-watch-exec.service | tail -n 5 | comment
fi
oom hog1
oom hog2
if waitfor 20 events_are 2; then
	ok "two memcg OOMs recorded"
else
	notok "two memcg OOMs: $(oomsnap events --json | grep -c seq) recorded"
fi
if waitfor 15 count_is 2; then
	ok "journalctl MESSAGE_ID=$ID: 2 entries for 2 events"
else
	notok "journalctl MESSAGE_ID=$ID: $(count) entries for 2 events"
fi
# every field against the record, the victim against the kernel's line
oomsnap events --json | while IFS= read -r line; do
	seq=$(printf '%s' "$line" | jq -r .seq)
	e=$(entries | jq -c --arg s "$seq" 'select(.OOMSNAP_SEQ == $s)')
	n=$(printf '%s\n' "$e" | grep -c .)
	if [ "$n" != 1 ]; then
		notok "seq $seq: $n journal entries"
		continue
	fi
	bad=""
	for f in cause:OOMSNAP_CAUSE outcome:OOMSNAP_OUTCOME kind:OOMSNAP_KIND \
		constraint:OOMSNAP_CONSTRAINT victim.pid:OOMSNAP_VICTIM_PID \
		victim.comm:OOMSNAP_VICTIM_COMM victim.uid:OOMSNAP_VICTIM_UID \
		victim.memcg:OOMSNAP_VICTIM_MEMCG memcg.path:OOMSNAP_MEMCG \
		memcg.limit_kb:OOMSNAP_MEMCG_LIMIT_KB trigger.pid:OOMSNAP_TRIGGER_PID; do
		want=$(printf '%s' "$line" | jq -r ".${f%%:*}")
		got=$(printf '%s' "$e" | jq -r ".${f#*:}")
		[ "$want" = "$got" ] || bad="$bad ${f#*:}=$got(want $want)"
	done
	# the record as it was when sent: freed and reaped are filled in later
	# (the victim's exit, the reaper's report; interface section 3.1, 3.4)
	# argv and exe: the service (CapabilityBoundingSet=cap_syslog) may not
	# read other processes' command lines, so its records have them
	# hidden (interface section 2.1), while this check runs as root
	# identity: what `oomsnap events --json` adds, read from the paths by
	# the CLI (interface section 6.4), not part of the module's record
	late='del(.freed, .reaped, .identity)'
	for who in trigger victim; do
		late="$late | del(.$who.exe, .$who.argv, .$who.argv_truncated, .$who.argv_state)"
	done
	sent=$(printf '%s' "$e" | jq -r .OOMSNAP_JSON)
	if [ "$(printf '%s' "$sent" | jq -c "$late")" != "$(printf '%s' "$line" | jq -c "$late")" ]; then
		bad="$bad OOMSNAP_JSON"
		printf '%s' "$sent" | jq -c "$late | to_entries[]" >/tmp/sent.keys
		printf '%s' "$line" | jq -c "$late | to_entries[]" >/tmp/line.keys
		diff /tmp/sent.keys /tmp/line.keys | comment
	fi
	[ "$(printf '%s' "$sent" | jq -r .victim.argv_state)" = hidden ] ||
		bad="$bad argv-not-hidden-from-the-service"
	[ "$(printf '%s' "$e" | jq -r .PRIORITY)" = 4 ] || bad="$bad PRIORITY"
	[ "$(printf '%s' "$e" | jq -r .SYSLOG_IDENTIFIER)" = oomsnap ] || bad="$bad SYSLOG_IDENTIFIER"
	msg=$(printf '%s' "$e" | jq -r .MESSAGE)
	case $msg in "OOM event $seq: memcg_limit "*) ;; *) bad="$bad MESSAGE" ;; esac
	pid=$(printf '%s' "$line" | jq -r .victim.pid)
	klog=$(journalctl -k -q --no-pager -g "Killed process $pid " | tail -n 1)
	[ -n "$klog" ] || bad="$bad no-kernel-line-for-$pid"
	case $klog in *"($(printf '%s' "$line" | jq -r .victim.comm))"*) ;; *) bad="$bad kernel-comm" ;; esac
	if [ -z "$bad" ]; then
		ok "seq $seq: one entry, PRIORITY 4, cause/outcome/kind/constraint/victim/memcg/trigger fields and OOMSNAP_JSON (but the later freed and reaped) equal the record, argv hidden from the service (no CAP_SYS_PTRACE); victim $pid is the kernel's 'Killed process $pid'"
	else
		notok "seq $seq: fields differ:$bad"
		printf '%s\n' "$e" | comment
	fi
	echo "#   MESSAGE=$msg"
done

# --- restart: nothing twice ------------------------------------------------------
systemctl restart oomsnap-journal.service
sleep 4
if count_is 2; then
	ok "restart of the service: still 2 entries (nothing sent twice)"
else
	notok "after a restart: $(count) entries, want 2"
fi
comment </var/lib/oomsnap/journal.state

# --- stopped: what came meanwhile is sent on start -----------------------------
systemctl stop oomsnap-journal.service
oom hog3
waitfor 20 events_are 3
sleep 2
c=$(count)
systemctl start oomsnap-journal.service
if [ "$c" = 2 ] && waitfor 15 count_is 3 && no_duplicates; then
	ok "an OOM while the service was stopped is sent when it starts (3 entries, no duplicate)"
else
	notok "stopped service: $c entries while stopped, $(count) after start, want 2 then 3"
fi

# --- watch --exec: once per event ---------------------------------------------------
hooks_are() { [ "$(grep -c . $HOOKLOG)" -ge "$1" ]; }
waitfor 15 hooks_are 3
sleep 2 # a late duplicate would show by now
systemctl stop oomsnap-watch-exec.service
want=$(oomsnap events --json | jq -r '"\(.seq) \(.seq) \(.cause) \(.victim.pid)"')
dups=$(cut -d' ' -f1 $HOOKLOG | sort | uniq -d | tr '\n' ' ')
fails=$(journalctl -q --no-pager -u oomsnap-watch-exec.service -o cat | grep -c -- '--exec for event')
if [ -n "$want" ] && [ "$(cat $HOOKLOG)" = "$want" ] && [ -z "$dups" ] && [ "$fails" = 0 ]; then
	ok "watch --exec: the hook ran once per event ($(grep -c . $HOOKLOG) runs for $(printf '%s\n' "$want" | grep -c .) events, no duplicate), OOMSNAP_SEQ equal to its stdin's seq, OOMSNAP_CAUSE and OOMSNAP_VICTIM_PID the record's"
else
	notok "watch --exec: hook runs differ from the events (duplicates: ${dups:-none}; $fails hook failures)"
	echo "#   hook log:"
	comment <$HOOKLOG
	echo "#   events (seq seq cause victim.pid):"
	printf '%s\n' "$want" | comment
fi
systemctl reset-failed oomsnap-watch-exec.service 2>/dev/null

# --- a package upgrade while the module is loaded and the service runs ---------
pid0=$(systemctl show -p MainPID --value oomsnap-journal.service)
t=$(date +%s)
if dpkg -i /var/cache/oomsnap-test/oomsnap.deb >/tmp/dpkg.log 2>&1; then
	pid1=$(systemctl show -p MainPID --value oomsnap-journal.service)
	sleep 3
	if [ "$pid0" != "$pid1" ] && systemctl -q is-active oomsnap-journal.service && count_is 3; then
		ok "dpkg -i of the package (an upgrade) with the module loaded: $(($(date +%s) - t)) s, the service restarted (pid $pid0 -> $pid1), still 3 entries"
	else
		notok "upgrade: service pid $pid0 -> $pid1, $(systemctl is-active oomsnap-journal.service), $(count) entries"
	fi
else
	notok "dpkg -i of the package failed"
	tail -n 10 /tmp/dpkg.log | comment
fi

# --- rmmod while the service runs --------------------------------------------------
sleep 2
tries=0
while [ $tries -lt 3 ]; do
	tries=$((tries + 1))
	if rmmod oomsnap 2>/tmp/rmmod.err; then break; fi
	sleep 0.3
done
if [ ! -d /sys/module/oomsnap ]; then
	ok "rmmod oomsnap while oomsnap-journal runs (attempt $tries of 3)"
else
	notok "rmmod oomsnap refused 3 times while the service runs: $(cat /tmp/rmmod.err)"
fi
sleep 3
if systemctl -q is-active oomsnap-journal.service; then
	ok "the service keeps running without the module"
else
	notok "the service stopped without the module: $(systemctl is-active oomsnap-journal.service)"
	journalctl -q --no-pager -u oomsnap-journal.service | tail -n 5 | comment
fi
if modprobe oomsnap; then ok "modprobe oomsnap again"; else notok "modprobe oomsnap again"; fi
oom hog4
if waitfor 20 events_are 1 && waitfor 15 count_is 4 && no_duplicates &&
	[ "$(entries | tail -n 1 | jq -r .OOMSNAP_SEQ)" = 1 ]; then
	ok "after the reload the new load's seq 1 is sent (4 entries, no duplicate)"
else
	notok "after the reload: $(count) entries, want 4; newest seq $(entries | tail -n 1 | jq -r .OOMSNAP_SEQ)"
fi
journalctl -q --no-pager -u oomsnap-journal.service -o cat | grep 'journal:' | comment

# --- metrics ----------------------------------------------------------------------
systemctl start oomsnap-metrics.service
if grep -qx 'oomsnap_up 1' $PROM && grep -qx 'oomsnap_events_total 1' $PROM &&
	grep -q '^oomsnap_classified_events_total{cause="memcg_limit"} 1$' $PROM &&
	grep -q '^oomsnap_build_info{version="' $PROM && [ ! -e $PROM.tmp ]; then
	ok "oomsnap-metrics.service wrote $PROM: oomsnap_up 1, oomsnap_events_total 1, 1 memcg_limit, build_info, no .tmp left"
else
	notok "$PROM: $(grep -E '^oomsnap_(up|events_total) ' $PROM | tr '\n' ' ')"
fi
echo "# $(stat -c '%A %U' $PROM) $(stat -c '%A %U' "$(dirname $PROM)")"
# node_exporter (Debian's prometheus-node-exporter) serves the file
scrape() {
	curl -sf http://127.0.0.1:9100/metrics >/tmp/scrape 2>/dev/null &&
		grep -qx 'oomsnap_events_total 1' /tmp/scrape
}
if ! systemctl -q is-enabled prometheus-node-exporter.service 2>/dev/null; then
	echo "ok - node_exporter serves the oomsnap families # SKIP prometheus-node-exporter not installed"
elif waitfor 60 scrape && grep -qx 'node_textfile_scrape_error 0' /tmp/scrape &&
	# node_exporter sorts the labels
	grep '^oomsnap_retained_events{' /tmp/scrape | grep 'kind="memcg"' | grep 'constraint="memcg"' |
	grep 'cause="memcg_limit"' | grep -q 'outcome="killed"} 1$'; then
	ok "node_exporter's /metrics: oomsnap_events_total 1, oomsnap_retained_events 1 killed memcg_limit, node_textfile_scrape_error 0"
else
	notok "node_exporter's /metrics: $(grep -E '^(oomsnap_events_total|oomsnap_up|node_textfile_scrape_error)' /tmp/scrape 2>&1 | tr '\n' ' ')"
fi
echo OOMSNAP-PROM-BEGIN
sed 's/^/prom| /' $PROM
echo OOMSNAP-PROM-END

# --- a clear of an unread event: a notice --------------------------------------------
systemctl stop oomsnap-journal.service
oom hog5
waitfor 20 events_are 2
echo 1 >$D/clear
systemctl start oomsnap-journal.service
nfind() { journalctl -q -o json --no-pager MESSAGE_ID=$NID | jq -r .OOMSNAP_CLEARED | grep -qx 1; }
if waitfor 15 nfind && count_is 4; then
	ok "an event cleared before the service read it: one notice entry (MESSAGE_ID=$NID, OOMSNAP_CLEARED=1)"
else
	notok "clear notice: $(journalctl -q -o json --no-pager MESSAGE_ID=$NID | grep -c .) notices, $(count) event entries"
fi
journalctl -q --no-pager MESSAGE_ID=$NID -o cat | comment

failed=$(systemctl --failed --no-legend --plain | grep -v oomsnap-systemd-check)
if [ -z "$failed" ]; then ok "no failed units"; else notok "failed units: $failed"; fi
echo "# systemd-analyze security: $(systemd-analyze security --no-pager oomsnap-journal.service 2>/dev/null | tail -n 1)"
echo "# guest check: $(($(date +%s) - T0)) s"
echo guest-check-done
