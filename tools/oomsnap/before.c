// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap CLI: before and after the kill in words (interface section 3.4):
 * the memory pressure when the OOM started, the trend of the seconds
 * before it, and how long the victim took to free its memory.
 */
#include <string.h>
#include "oomsnap.h"

static double num(json_object *o, const char *path)
{
	json_object *v = rec_get(o, path);

	return v ? json_object_get_double(v) : 0;
}

static void pressure_words(struct sbuf *b, json_object *rec)
{
	bool memcg = rec_has(rec, "pressure.memcg");

	if (!rec_has(rec, "pressure")) {
		return;
	} else if (rec_is(rec, "pressure.state", "psi_off")) {
		sb_puts(b, "Memory pressure: not known, the kernel keeps none (booted with psi=0, or cgroup_disable=pressure).");
		return;
	} else if (rec_is(rec, "pressure.state", "cgroup_off")) {
		sb_puts(b, "Memory pressure: not known for the cgroup, whose cgroup.pressure is 0.");
	} else if (rec_is(rec, "pressure.state", "cgroup_v1")) {
		sb_puts(b, "Memory pressure: not known for the cgroup (cgroup v1 keeps none).");
	}
	if (memcg) {
		sb_puts(b, "Memory pressure in ");
		sb_v(b, rec, "memcg.path");
		sb_printf(b,
			  " when the OOM started: all its tasks were stalled on memory %.2f%% of the last 10 s (full avg10; %.2f%% over 60 s), some of them %.2f%%.",
			  num(rec, "pressure.memcg.full_avg10"),
			  num(rec, "pressure.memcg.full_avg60"),
			  num(rec, "pressure.memcg.some_avg10"));
	}
	if (rec_has(rec, "pressure.system"))
		sb_printf(b, " %sSystem-wide: full avg10 %.2f%%, some avg10 %.2f%%.",
			  memcg ? "" : "Memory pressure when the OOM started: ",
			  num(rec, "pressure.system.full_avg10"),
			  num(rec, "pressure.system.some_avg10"));
	sb_putc(b, ' ');
}

static void mb(struct sbuf *b, long long kb)
{
	sb_printf(b, "%lld MB", (kb + 512) / 1024);
}

static void trend_words(struct sbuf *b, json_object *rec)
{
	json_object *tr = rec_get(rec, "trend"), *first, *last;
	long long a0, a1, s0, s1, r_early = 0, r_late = 0, scan = 0;
	size_t n, i;
	double secs;

	if (!tr || !json_object_is_type(tr, json_type_array))
		return;
	n = json_object_array_length(tr);
	if (n < 2) {
		sb_puts(b, "No trend before it (the sampler had not run long enough). ");
		return;
	}
	first = json_object_array_get_idx(tr, 0);
	last = json_object_array_get_idx(tr, n - 1);
	a0 = rec_int(first, "available_kb");
	a1 = rec_int(last, "available_kb");
	s0 = rec_int(first, "freeswap_kb");
	s1 = rec_int(last, "freeswap_kb");
	secs = (rec_int(first, "ms_before") - rec_int(last, "ms_before")) / 1000.0;
	for (i = 1; i < n; i++) {
		json_object *s = json_object_array_get_idx(tr, i);

		if (i < n / 2)
			r_early += rec_int(s, "refaults");
		else
			r_late += rec_int(s, "refaults");
		scan += rec_int(s, "pgscan");
	}
	sb_puts(b, "Before it, available memory ");
	if (a1 < a0 * 0.95) {
		sb_puts(b, "fell from ");
		mb(b, a0);
		sb_puts(b, " to ");
		mb(b, a1);
	} else if (a1 > a0 * 1.05) {
		sb_puts(b, "rose from ");
		mb(b, a0);
		sb_puts(b, " to ");
		mb(b, a1);
	} else {
		sb_puts(b, "stayed at about ");
		mb(b, a1);
	}
	sb_printf(b, " in %.0f s", secs);
	if (s1 < s0 * 0.95) {
		sb_puts(b, ", free swap from ");
		mb(b, s0);
		sb_puts(b, " to ");
		mb(b, s1);
	}
	if (r_late > r_early && r_late > 0)
		sb_printf(b, ", while refaults rose (%lld in the later half against %lld before): the working set no longer fit",
			  r_late, r_early);
	else if (r_late + r_early > 0)
		sb_printf(b, "; %lld refaults", r_late + r_early);
	if (scan > 0)
		sb_printf(b, "; reclaim scanned %lld pages", scan);
	sb_puts(b, ". ");
}

static void freed_words(struct sbuf *b, json_object *rec)
{
	if (!rec_has(rec, "freed"))
		return;
	if (rec_has(rec, "freed.exit_ms"))
		sb_printf(b, "The victim let go of its memory %.1f ms after the kill",
			  num(rec, "freed.exit_ms"));
	else if (rec_get(rec, "freed.exit_late") &&
		 json_object_get_boolean(rec_get(rec, "freed.exit_late")))
		sb_puts(b, "The victim had still not exited 10 s after the kill: a victim stuck (for example in uninterruptible sleep) keeps its memory and can cause more OOMs");
	else
		sb_puts(b, "The victim's exit was not seen yet");
	if (rec_has(rec, "freed.reap_ms"))
		sb_printf(b, "; the OOM reaper reported %.1f ms after it", num(rec, "freed.reap_ms"));
	sb_puts(b, ".");
}

/*
 * "Before and after": pressure, trend, time to free.  Return: false when
 * the record has none of them (a module older than these fields).
 */
bool sb_before_after(struct sbuf *b, json_object *rec)
{
	if (!rec_get(rec, "pressure") && !rec_get(rec, "trend") &&
	    !rec_get(rec, "freed"))
		return false;
	pressure_words(b, rec);
	trend_words(b, rec);
	freed_words(b, rec);
	return b->len > 0;
}
