# SPDX-License-Identifier: GPL-2.0
#
# make check-peer, in the guest (scripts/guest/peer.sh): the kernel log of
# the runs with oomsnap (kmsg_file) against its events.json.
#   awk -v vmstat_delta=N -v kmsg_file=KMSG -f peer-check.awk KMSG EVENTS.JSON
# Prints "ok - peer: ..." / "not ok - peer: ..." lines (numbered by the
# caller) and "#" lines with both sides of every difference.
#
# The kernel's word against the records.  The kernel logs one "Killed
# process" line per kill, always (the OOM report before it is rate
# limited, so it cannot delimit one OOM from the next); a memory.oom.group
# kill logs its victim a second time (mark_oom_victim() returns early then,
# vmstat counts it again), and a member that an earlier OOM already chose
# is logged again too.  oomsnap lists in "killed" the pids the OOM killed,
# the victim first.  Pids are not reused within a run (a few thousand
# forks, pid_max 32768), so kills are matched by pid: a pid the kernel
# logged again is a repeated line, every first line needs exactly one
# record, every recorded pid its line.
function num(obj, key) {
	if (!match(obj, "\"" key "\":-?[0-9]+")) return "null"
	return substr(obj, RSTART + length(key) + 3, RLENGTH - length(key) - 3) + 0
}
function str(obj, key) {
	if (!match(obj, "\"" key "\":\"[^\"]*\"")) return ""
	return substr(obj, RSTART + length(key) + 4, RLENGTH - length(key) - 5)
}
function kfig(line, key) {
	if (!match(line, key ":[0-9]+")) return "?"
	return substr(line, RSTART + length(key) + 1, RLENGTH - length(key) - 1) + 0
}
BEGIN { kills = klines = dup = nrec = recorded = compared = nbad = ntol = norec = nolines = settled_true = settled_false = 0 }
FILENAME == kmsg_file && /Killed process [0-9]+ \(/ {
	klines++
	s = substr($0, index($0, "Killed process ") + 15)
	pid = s; sub(/ .*/, "", pid); pid += 0
	if (pid in kline) { dup++; next }
	kline[pid] = s
	korder[++kills] = pid
	c = s; sub(/^[0-9]+ \(/, "", c); sub(/\) total-vm:.*/, "", c); kcomm[pid] = c
	next
}
FILENAME == kmsg_file { next }
{
	nrec++
	seq = num($0, "seq")
	v = ""; if (match($0, /"victim":\{[^}]*\}/)) v = substr($0, RSTART, RLENGTH)
	if (v ~ /"settled":true/) settled_true++
	else if (v ~ /"settled":false/) settled_false++
	t = ""; if (match($0, /"trigger":\{[^}]*\}/)) t = substr($0, RSTART, RLENGTH)
	if (!match($0, /"killed":\[[0-9,]*\]/)) next
	l = substr($0, RSTART + 10, RLENGTH - 11)
	n = split(l, a, ",")
	for (i = 1; i <= n; i++) {
		pid = a[i] + 0
		recorded++
		rcount[pid]++
		rseq[pid] = (pid in rseq) ? rseq[pid] "," seq : seq
		if (!(pid in kline)) {
			nolines++
			miss2[nolines] = "oomsnap: event " seq " killed " pid " (killed [" l "]) | kernel: no Killed process line"
		}
	}
	# the victim (the first killed) against its kernel line
	if (n && v != "" && (a[1] + 0) in kline) victim(seq, v, num(t, "tgid"), a[1] + 0)
}
END {
	matched = 0
	for (i = 1; i <= kills; i++) {
		pid = korder[i]
		if (rcount[pid] == 1) { matched++; continue }
		norec++
		miss1[norec] = "kernel: Killed process " kline[pid] " | oomsnap: " \
			(rcount[pid] ? rcount[pid] " records (events " rseq[pid] ")" : "no record")
	}
	report()
}
function victim(seq, v, trig, pid,    k) {
	k = kline[pid]
	compared++
	fig(seq, v, trig, pid, "pid", num(v, "tgid"), pid)
	fig(seq, v, trig, pid, "comm", str(v, "comm"), kcomm[pid])
	fig(seq, v, trig, pid, "uid", num(v, "uid"), kfig(k, "UID"))
	fig(seq, v, trig, pid, "total-vm", num(v, "total_vm_kb"), kfig(k, "total-vm"))
	fig(seq, v, trig, pid, "anon-rss", num(v, "anon_rss_kb"), kfig(k, "anon-rss"))
	fig(seq, v, trig, pid, "file-rss", num(v, "file_rss_kb"), kfig(k, "file-rss"))
	fig(seq, v, trig, pid, "shmem-rss", num(v, "shmem_rss_kb"), kfig(k, "shmem-rss"))
	fig(seq, v, trig, pid, "pgtables", num(v, "pgtables_kb"), kfig(k, "pgtables"))
	fig(seq, v, trig, pid, "oom_score_adj", num(v, "oom_score_adj"), kfig(k, "oom_score_adj"))
}
# ---------------------------------------------------------------------------
# SETTLED RULE (issue 23 item 1): which victim figures must equal the
# kernel line.  A victim running on another CPU can fault between the
# read of oomsnap at mark_oom_victim() and the pr_err() of the kernel.
# When the record has victim.settled (docs/interface.md 3.1, from branch
# capture), it decides: true, every figure exact; false, the rss figures
# and pgtables may differ (by the bound the contract states; the capture
# test checks the bound, this lane prints the difference).  Without it,
# as issue 23 found: a victim other than the trigger (another tgid) may
# differ in anon-rss and pgtables.  Every difference is printed either way.
function may_differ(field, v, trig) {
	if (v ~ /"settled":true/) return 0
	if (v ~ /"settled":false/) return field ~ /^(anon-rss|file-rss|shmem-rss|pgtables)$/
	if (field != "anon-rss" && field != "pgtables") return 0
	return num(v, "tgid") != trig
}
# ---------------------------------------------------------------------------
function fig(seq, v, trig, pid, field, mine, kernel,    d) {
	if (mine == kernel) return
	d = "event " seq " victim " pid " " field ": oomsnap " mine " | kernel " kernel
	if (may_differ(field, v, trig)) { ntol++; tol[ntol] = d " (settled false, or not the trigger " trig ": tolerated)" }
	else { nbad++; bad[nbad] = d }
}
function report(    i, st) {
	st = (norec ? "not ok" : "ok")
	print st " - peer: every kernel Killed process line has exactly one record: " matched " of " kills " kills (" dup " repeated lines: oom.group)"
	for (i = 1; i <= norec && i <= 40; i++) print "#   " miss1[i]
	st = (nolines ? "not ok" : "ok")
	print st " - peer: every recorded kill has its kernel line: " (recorded - nolines) " of " recorded
	for (i = 1; i <= nolines && i <= 40; i++) print "#   " miss2[i]
	st = (vmstat_delta == recorded + dup && vmstat_delta == klines) ? "ok" : "not ok"
	print st " - peer: /proc/vmstat oom_kill delta " vmstat_delta (st == "ok" ? " = " : " != ") "recorded kills " recorded " + repeated lines " dup " (kernel Killed process lines: " klines ")"
	st = (nbad ? "not ok" : "ok")
	print st " - peer: victim figures equal the kernel line for " compared " victims: " nbad " differences, " ntol " tolerated"
	for (i = 1; i <= nbad && i <= 40; i++) print "#   " bad[i]
	for (i = 1; i <= ntol && i <= 40; i++) print "#   " tol[i]
	# the last line of the run (scripts/guest/peer.sh prints it)
	print "# peer: " matched " kills compared with the kernel log (" kills " killed processes, " recorded " recorded kills in " nrec " records, " compared " victims figure by figure; victim.settled true in " settled_true ", false in " settled_false ")" >"/tmp/summary"
	print nrec >"/tmp/nrec"
}
