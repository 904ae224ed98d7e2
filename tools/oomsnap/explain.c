// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap CLI: explain, an event in sentences.
 *
 * Five paragraphs: what was allocating, what ran out, who was killed and
 * why it scored highest, what the OOM reaper got back, what to do.  The
 * cause and the outcome are the module's (interface section 4): this file
 * reads them from the record and never decides them again (the zones
 * that made an OOM a fragmentation one are those the module flagged
 * "fragmented"); it compares two figures of the record only to say which
 * zones were at or below their min watermark.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oomsnap.h"

#define WRAP 78

/* Print @s wrapped at WRAP columns, continuation lines indented by two. */
static void para(const struct sbuf *s)
{
	struct sbuf line = { 0 };
	const char *p = s->s ? s->s : "", *w;
	size_t n;

	for (;;) {
		p += strspn(p, " \t\n");
		if (!*p)
			break;
		w = p;
		n = strcspn(p, " \t\n");
		p += n;
		if (line.len && line.len + 1 + n > WRAP) {
			puts(line.s);
			sb_reset(&line);
			sb_puts(&line, "  ");
		} else if (line.len) {
			sb_putc(&line, ' ');
		}
		sb_printf(&line, "%.*s", (int)n, w);
	}
	if (line.len)
		puts(line.s);
	sb_free(&line);
}

static void say(const char *s)
{
	puts(s);
}

static long long order_kb(long long order)
{
	return order > 0 && order < 62 ? 4LL << order : 4;
}

static void sb_mb(struct sbuf *b, long long kb)
{
	sb_printf(b, "%.1f MB", kb / 1024.0);
}

static void sb_pct(struct sbuf *b, long long a, long long whole)
{
	if (whole > 0)
		sb_printf(b, "%lld%%", (long long)(a * 100.0 / whole + 0.5));
	else
		sb_puts(b, "?%");
}

/*
 * Append the sentence @t, each {PATH} in it replaced by the record's
 * value at PATH as shown (sb_v()), {PATH kB} by "N kB" (sb_kb()), {PATH MB}
 * by "N.N MB", {PATH task} by "pid N (COMM)" (sb_task()).  An '@' at the
 * start of PATH stands for @base ("zones.2", "candidates.1").
 */
void sb_say(struct sbuf *b, json_object *rec, const char *base, const char *t)
{
	const char *open, *end, *sp;
	char path[96];

	while ((open = strchr(t, '{'))) {
		sb_printf(b, "%.*s", (int)(open - t), t);
		open++;
		end = strchr(open, '}');
		if (!end)
			break;	/* not in any sentence of this file */
		sp = memchr(open, ' ', end - open);
		if (!sp)
			sp = end;
		if (*open == '@')
			snprintf(path, sizeof(path), "%s%.*s", base, (int)(sp - open - 1), open + 1);
		else
			snprintf(path, sizeof(path), "%.*s", (int)(sp - open), open);
		if (sp == end)
			sb_v(b, rec, path);
		else if (!strncmp(sp, " kB}", 4))
			sb_kb(b, rec, path);
		else if (!strncmp(sp, " MB}", 4))
			sb_mb(b, rec_int(rec, path));
		else
			sb_task(b, rec, path);
		t = end + 1;
	}
	sb_puts(b, t);
}

/* "zones.I" */
static const char *zone_at(unsigned int i)
{
	static char p[32];

	snprintf(p, sizeof(p), "zones.%u", i);
	return p;
}

/* zones.I.KEY */
static const char *zp(unsigned int i, const char *key)
{
	static char p[64];

	snprintf(p, sizeof(p), "%s.%s", zone_at(i), key);
	return p;
}

static unsigned int nr_zones(json_object *rec)
{
	json_object *z = rec_get(rec, "zones");

	return z && json_object_is_type(z, json_type_array) ?
	       json_object_array_length(z) : 0;
}

/*
 * The nodes an allocation could use: its nodemask, else (a cpuset's
 * OOM: the kernel passes none) the nodes of the zones recorded, which
 * the module takes from the trigger's cpuset (interface section 3.1).
 */
static void sb_nodes(struct sbuf *b, json_object *rec)
{
	unsigned int i, n = nr_zones(rec);
	long long node, last = -1;

	if (rec_has(rec, "nodemask") || !n) {
		sb_v(b, rec, "nodemask");
		return;
	}
	for (i = 0; i < n; i++) {
		node = rec_int(rec, zp(i, "node"));
		if (node != last)
			sb_printf(b, last < 0 ? "%lld" : ",%lld", node);
		last = node;
	}
}

/* Which zones a list of zones shows. */
enum zones_which {
	ZONES_LOW,		/* at or below their min watermark */
	ZONES_FRAGMENTED,	/* flagged by the module */
	ZONES_ALL,		/* with pages */
	ZONES_BLOCKS,		/* with pages, and their free blocks by order */
};

static bool zone_shown(json_object *rec, unsigned int i, enum zones_which which)
{
	if (which == ZONES_FRAGMENTED)
		return rec_is(rec, zp(i, "fragmented"), "true");
	if (!rec_int(rec, zp(i, "managed_kb")))
		return false;
	return which != ZONES_LOW ||
	       rec_int(rec, zp(i, "free_kb")) <= rec_int(rec, zp(i, "min_kb"));
}

/* The zones @which, with their figures as the list needs them; how many. */
static unsigned int zones(struct sbuf *b, json_object *rec, enum zones_which which)
{
	static const struct {
		const char *sep, *zone;
	} list[] = {
		[ZONES_LOW] = { ", ",
			"node {@.node} {@.zone} ({@.free_kb} kB free, min watermark {@.min_kb} kB)" },
		[ZONES_FRAGMENTED] = { ", ", "node {@.node} {@.zone}" },
		[ZONES_ALL] = { "; ",
			"node {@.node} {@.zone}: {@.free_kb} kB free, min {@.min_kb} kB" },
		[ZONES_BLOCKS] = { "; ",
			"node {@.node} {@.zone}: {@.free_kb} kB free, min {@.min_kb} kB" },
	};
	unsigned int i, n = nr_zones(rec), c = 0;
	json_object *fb;
	size_t o;

	for (i = 0; i < n; i++) {
		if (!zone_shown(rec, i, which))
			continue;
		if (c++)
			sb_puts(b, list[which].sep);
		sb_say(b, rec, zone_at(i), list[which].zone);
		fb = rec_get(rec, zp(i, "free_blocks"));
		if (which != ZONES_BLOCKS || !fb || !json_object_is_type(fb, json_type_array) ||
		    !json_object_array_length(fb))
			continue;
		sb_printf(b, ", free blocks by order 0..%zu: ",
			  json_object_array_length(fb) - 1);
		for (o = 0; o < json_object_array_length(fb); o++) {
			json_object *nr = json_object_array_get_idx(fb, o);

			sb_printf(b, "%s%lld", o ? "," : "", (long long)json_object_get_int64(nr));
		}
	}
	return c;
}

/*
 * " (container ID (RUNTIME) of pod UID (QOS))" after the cgroup at @path
 * of the record, when its path shows one (ident.c); nothing otherwise.
 */
static void sb_who(struct sbuf *s, json_object *rec, const char *path)
{
	json_object *v = rec_get(rec, path);
	struct sbuf w = { 0 };

	if (v && json_object_is_type(v, json_type_string) &&
	    sb_ident_words(&w, json_object_get_string(v)))
		sb_printf(s, " (%s)", w.s);
	sb_free(&w);
}

/*
 * " The victim's command line: A B "C D" (exe PATH)." of @who ("trigger", "victim")
 * when the record has it (interface section 3.1): arguments joined by
 * spaces, one holding a space, a quote or nothing in double quotes,
 * escaped as every name; "..." when the module cut it.
 */
static void sb_argv(struct sbuf *s, json_object *rec, const char *who)
{
	char p[64];
	json_object *a, *e;
	const char *v;
	size_t i, n;

	snprintf(p, sizeof(p), "%s.argv", who);
	a = rec_get(rec, p);
	if (!a || !json_object_is_type(a, json_type_array) || !json_object_array_length(a))
		return;
	sb_puts(s, " The victim's command line:");
	n = json_object_array_length(a);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(a, i);
		v = json_object_get_string(e);
		sb_putc(s, ' ');
		if (!*v || strpbrk(v, " \t\"'"))
			sb_putc(s, '"');
		sb_escaped(s, v, json_object_get_string_len(e));
		if (!*v || strpbrk(v, " \t\"'"))
			sb_putc(s, '"');
	}
	snprintf(p, sizeof(p), "%s.argv_truncated", who);
	if (rec_is(rec, p, "true"))
		sb_puts(s, " ... (cut)");
	snprintf(p, sizeof(p), "%s.exe", who);
	if (rec_has(rec, p)) {
		sb_puts(s, " (exe ");
		sb_v(s, rec, p);
		sb_putc(s, ')');
	}
	sb_putc(s, '.');
}

/* "pid N (COMM) in cgroup PATH, oom_score_adj N" of the trigger */
static void sb_trigger(struct sbuf *s, json_object *rec)
{
	sb_say(s, rec, NULL, "{trigger task}");
	if (rec_has(rec, "trigger.memcg")) {
		sb_say(s, rec, NULL, " in cgroup {trigger.memcg}");
		sb_who(s, rec, "trigger.memcg");
	}
	sb_say(s, rec, NULL, ", oom_score_adj {trigger.oom_score_adj}");
}

static void allocating(struct sbuf *s, json_object *rec, long long order)
{
	if (rec_is(rec, "cause", "sysrq")) {
		sb_say(s, rec, NULL,
		       "What was allocating: nothing. The OOM killer was started by hand with sysrq-f (a write of f to /proc/sysrq-trigger, or Alt-SysRq-F), which the kernel ran in {trigger task}; order -1 marks such a request.");
		return;
	}
	if (rec_is(rec, "cause", "memcg_limit_external")) {
		sb_puts(s, "What was allocating: possibly nothing. ");
		sb_trigger(s, rec);
		sb_say(s, rec, NULL,
		       ", ran the OOM killer for cgroup {memcg.path}, which it is not in (gfp {gfp}");
		sb_printf(s, ", order %lld): a write to ", order);
		sb_say(s, rec, NULL,
		       "{memcg.path}/memory.max below its usage does this after reclaim fails, as does a charge made on that cgroup's behalf.");
		return;
	}
	sb_puts(s, "What was allocating: ");
	sb_trigger(s, rec);
	sb_printf(s, ", asked for an order-%lld allocation (%lld kB%s) with gfp ",
		  order, order_kb(order), order > 0 ? " of contiguous memory" : "");
	sb_say(s, rec, NULL, "{gfp} ({gfp_mask})");
	if (rec_has(rec, "nodemask"))
		sb_say(s, rec, NULL, " on nodes {nodemask}");
	sb_puts(s, ", and the kernel could not find it even after reclaim.");
}

/* What was allocating, and where in the kernel (but for sysrq-f: nothing). */
static void explain_allocation(struct sbuf *s, json_object *rec, long long order)
{
	allocating(s, rec, order);
	if (!rec_is(rec, "cause", "sysrq"))
		sb_stack_words(s, rec);
}

/* Which memcg the trigger was in, relative to the one at its limit. */
enum memcg_where { MEMCG_OWN, MEMCG_ANCESTOR, MEMCG_EXTERNAL };

static void ran_out_memcg(struct sbuf *s, json_object *rec, enum memcg_where where)
{
	static const char only_below[] =
		" Only tasks in {memcg.path} and below were candidates.";
	static const struct {
		const char *whose, *then, *then2;
	} text[] = {
		[MEMCG_OWN] = { ", the trigger's own cgroup,", only_below, "" },
		[MEMCG_ANCESTOR] = {
			", an ancestor of the trigger's cgroup {trigger.memcg},",
			" {trigger.memcg} itself was within its own limit: together with its siblings it used up {memcg.path}'s limit, so every task below {memcg.path} was a candidate.",
			"" },
		[MEMCG_EXTERNAL] = {
			", which is neither the trigger's cgroup {trigger.memcg} nor one of its ancestors,",
			" The OOM killer ran in the context of {trigger task}, from outside {memcg.path}: it lowered {memcg.path}/memory.max below the usage (a memory.max write runs the OOM killer in the writer until the usage fits), or charged memory to {memcg.path} on its behalf.",
			only_below },
	};
	long long lim = rec_int(rec, "memcg.limit_kb");

	sb_say(s, rec, NULL, "What ran out: cgroup {memcg.path}");
	sb_who(s, rec, "memcg.path");
	sb_say(s, rec, NULL, text[where].whose);
	sb_say(s, rec, NULL,
	       " was at its memory limit: usage {memcg.usage_kb kB} of a limit of {memcg.limit_kb kB} (");
	sb_mb(s, lim);
	sb_puts(s, ", ");
	sb_pct(s, rec_int(rec, "memcg.usage_kb"), lim);
	sb_puts(s, ").");
	sb_say(s, rec, NULL, text[where].then);
	sb_say(s, rec, NULL, text[where].then2);
	sb_say(s, rec, NULL,
	       " The machine as a whole was not out of memory ({system.freeram_kb kB} of {system.totalram_kb kB} RAM free).");
}

static void ran_out(struct sbuf *s, json_object *rec, long long order)
{
	struct sbuf k = { 0 };
	unsigned int nr;

	if (rec_is(rec, "cause", "memcg_limit")) {
		ran_out_memcg(s, rec, MEMCG_OWN);
	} else if (rec_is(rec, "cause", "ancestor_memcg_limit")) {
		ran_out_memcg(s, rec, MEMCG_ANCESTOR);
	} else if (rec_is(rec, "cause", "memcg_limit_external")) {
		ran_out_memcg(s, rec, MEMCG_EXTERNAL);
	} else if (rec_is(rec, "cause", "node_memory")) {
		sb_puts(s, "What ran out: the allocation was restricted to NUMA node(s) ");
		sb_nodes(s, rec);
		sb_puts(s, rec_is(rec, "constraint", "cpuset") ?
			" by its cpuset (cpuset.mems)" :
			" by a memory policy (mbind/set_mempolicy, numactl --membind)");
		sb_puts(s,
			", and those nodes ran out while others may still have had free memory.");
		if (zones(&k, rec, ZONES_LOW)) {
			sb_printf(s, " Zones at or below their min watermark: %s.", k.s);
		} else {
			zones(&k, rec, ZONES_ALL);
			sb_printf(s, " Zones of the allowed nodes: %s.", k.s ? k.s : "");
		}
	} else if (rec_is(rec, "cause", "fragmentation")) {
		sb_printf(s,
			  "What ran out: contiguous memory, not memory. The order-%lld allocation needs %lld kB in one physically contiguous block, and ",
			  order, order_kb(order));
		/* the zones the module flagged; none from a module before the flag */
		nr = zones(&k, rec, ZONES_FRAGMENTED);
		if (nr == 1)
			sb_printf(s, "%s, a zone it could use, had", k.s);
		else if (nr)
			sb_printf(s, "the zones %s, which it could use, had", k.s);
		else
			sb_puts(s, "a zone it could use had");
		sb_printf(s,
			  " free pages above %s min watermark but no free block of order %lld or larger.",
			  nr > 1 ? "their" : "its", order);
		sb_reset(&k);
		if (zones(&k, rec, ZONES_BLOCKS))
			sb_printf(s, " Zones: %s.", k.s);
	} else if (rec_is(rec, "cause", "sysrq")) {
		sb_say(s, rec, NULL,
		       "What ran out: not necessarily anything; the kill was requested. At the time {system.freeram_kb kB} of {system.totalram_kb kB} RAM was free.");
	} else {
		sb_say(s, rec, NULL,
		       "What ran out: the whole machine. {system.freeram_kb kB} of {system.totalram_kb kB} RAM was free");
		if (rec_has(rec, "system.totalswap_kb"))
			sb_say(s, rec, NULL,
			       ", swap: {system.freeswap_kb kB} free of {system.totalswap_kb kB}");
		if (rec_has(rec, "system.committed_kb"))
			sb_say(s, rec, NULL, ", committed: {system.committed_kb kB}");
		sb_putc(s, '.');
		if (zones(&k, rec, ZONES_LOW))
			sb_printf(s, " Zones at or below their min watermark: %s.", k.s);
	}
	sb_free(&k);
}

/* Two values of the record shown alike (two pids; unknown ones too). */
static bool same_value(json_object *rec, const char *a, const char *b)
{
	struct sbuf x = { 0 }, y = { 0 };
	bool same;

	sb_v(&x, rec, a);
	sb_v(&y, rec, b);
	same = !strcmp(x.s, y.s);
	sb_free(&x);
	sb_free(&y);
	return same;
}

static void killed_victim(struct sbuf *s, json_object *rec)
{
	json_object *cands = rec_get(rec, "candidates");
	json_object *killed = rec_get(rec, "killed");
	unsigned int i, n = 0, c = 0;
	long long adj = rec_int(rec, "victim.oom_score_adj");
	char ru[32] = "", p[48], why[64];

	sb_say(s, rec, NULL, "Who was killed: {victim task}, uid {victim.uid}");
	if (rec_has(rec, "victim.memcg")) {
		sb_say(s, rec, NULL, ", cgroup {victim.memcg}");
		sb_who(s, rec, "victim.memcg");
	}
	sb_say(s, rec, NULL,
	       ". It scored highest with {victim.points} badness points (oom_score_adj {victim.oom_score_adj}): the kernel counts a task's resident memory, swap entries and page tables in pages, and adds oom_score_adj thousandths of {totalpages} pages (the memory it could use).");
	if (adj == 1000)
		sb_puts(s,
			" Its oom_score_adj of 1000 makes it the first choice whatever its size.");
	else if (adj > 0)
		sb_puts(s, " Its positive oom_score_adj made it a likelier victim.");
	sb_say(s, rec, NULL,
	       " It held anon-rss {victim.anon_rss_kb kB}, file-rss {victim.file_rss_kb kB}, shmem-rss {victim.shmem_rss_kb kB}, {victim.swapents} swap entries and {victim.pgtables_kb kB} of page tables (total-vm {victim.total_vm_kb kB}).");
	if (cands && json_object_is_type(cands, json_type_array))
		n = json_object_array_length(cands);
	for (i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "candidates.%u.pid", i);
		if (!same_value(rec, p, "victim.pid")) {
			snprintf(ru, sizeof(ru), "candidates.%u", i);
			break;
		}
	}
	if (*ru) {
		sb_say(s, rec, ru,
		       " The runner-up was {@ task}");
		snprintf(p, sizeof(p), "%s.memcg", ru);
		if (rec_has(rec, p)) {
			sb_say(s, rec, ru, " in cgroup {@.memcg}");
			sb_who(s, rec, p);
		}
		sb_say(s, rec, ru,
		       " with {@.points} points (oom_score_adj {@.oom_score_adj}, rss {@.rss_kb kB})");
		if (n > 2)
			sb_printf(s, ", of %u candidates recorded", n);
		sb_putc(s, '.');
	} else if (n > 0) {
		sb_puts(s, " It was the only candidate.");
	}
	if (rec_is(rec, "victim.protected", "true"))
		sb_puts(s,
			" It was on the protection list: every other task scored lower or could not be killed.");

	/* the others killed with it: a memory.oom.group, or its memory's users */
	if (rec_has(rec, "group.memcg"))
		sb_say(s, rec, NULL,
		       " It was a group kill: {group.memcg} has memory.oom.group set, so the kernel killed every task in it and below it with the victim.");
	n = killed && json_object_is_type(killed, json_type_array) ?
	    json_object_array_length(killed) : 0;
	for (i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "killed_tasks.%u", i);
		snprintf(why, sizeof(why), "%s.why", p);
		if (!rec_has(rec, why)) {
			/* a record from before killed_tasks: pids only */
			snprintf(p, sizeof(p), "killed.%u", i);
			if (same_value(rec, p, "victim.pid"))
				continue;
			sb_puts(s, c++ ? ", pid " : " Also killed, because they share its memory: pid ");
			sb_v(s, rec, p);
			continue;
		}
		if (rec_is(rec, why, "victim"))
			continue;
		sb_puts(s, c++ ? ", " : " Also killed: ");
		sb_say(s, rec, p, rec_is(rec, why, "shared_mm") ?
		       "{@ task}, which shared its memory" : "{@ task} in {@.memcg}");
	}
	if (c)
		sb_putc(s, '.');
	if (rec_has(rec, "killed_total") && rec_int(rec, "killed_total") > (long long)n)
		sb_say(s, rec, NULL,
		       " {killed_total} tasks were killed in all; the record describes the first 16.");
	/* last, so the sentences before it wrap as they always did */
	/* the module's word: the figures are not the kernel's line (3.1) */
	if (rec_is(rec, "victim.settled", "false"))
		sb_puts(s,
			" Its memory figures may differ from the kernel's Killed process line by up to 12 kB of page tables (16 kB with 5-level paging) and 2 MB + 264 kB of each rss figure (on 6.2 and later: 2 MB + max(32, 2 x CPUs) pages) per running task, because the victim was running on another CPU when they were read and may have finished a page fault before the kernel printed its line (interface section 3.1).");
	/* after all the rest, which then wraps as it did before argv */
	sb_argv(s, rec, "victim");
}

static void who(struct sbuf *s, json_object *rec, long long order)
{
	(void)order;
	if (rec_is(rec, "outcome", "killed") && rec_has(rec, "victim.pid")) {
		killed_victim(s, rec);
	} else if (rec_is(rec, "outcome", "panic_on_oom")) {
		explain_panic_who(s, rec);
	} else if (rec_is(rec, "outcome", "current_exiting")) {
		sb_say(s, rec, NULL,
		       "Who was killed: nobody new. The allocating task {trigger task} was already exiting, so the kernel let it finish and free its memory instead of choosing a victim.");
	} else {
		sb_puts(s,
			"Who was killed: nobody. No killable task was found: every candidate had oom_score_adj -1000, was a kernel thread or init, or was already being killed.");
		sb_puts(s, rec_is(rec, "kind", "memcg") ?
			" The allocation in the cgroup fails or waits until memory is freed." :
			" For a global OOM with nothing to kill the kernel panics (\"System is deadlocked on memory\").");
	}
}

/* Only about a victim that was killed: nothing otherwise. */
static void explain_reaper(struct sbuf *s, json_object *rec, long long order)
{
	long long back;

	(void)order;
	if (!rec_is(rec, "outcome", "killed") || !rec_has(rec, "victim.pid"))
		return;
	if (!rec_has(rec, "reaped.anon_rss_kb")) {
		sb_puts(s,
			"What the OOM reaper got back: it did not report on this victim (it exited and freed its memory before the reaper needed to run, or the reaper hook is missing: see oomsnap status).");
		return;
	}
	back = rec_int(rec, "victim.anon_rss_kb") + rec_int(rec, "victim.file_rss_kb") +
	       rec_int(rec, "victim.shmem_rss_kb") - rec_int(rec, "reaped.anon_rss_kb") -
	       rec_int(rec, "reaped.file_rss_kb") - rec_int(rec, "reaped.shmem_rss_kb");
	sb_say(s, rec, NULL,
	       "What the OOM reaper got back: after it ran, the victim still held anon-rss {reaped.anon_rss_kb kB}, file-rss {reaped.file_rss_kb kB}, shmem-rss {reaped.shmem_rss_kb kB}");
	sb_printf(s, ", so about %lld kB came back without waiting for the victim to exit.", back);
}

static void what_to_do(struct sbuf *s, json_object *rec, long long order)
{
	static const struct {
		const char *cause, *text;
	} advice[] = {
		{ "memcg_limit",
		  "What to do: if the workload in {memcg.path} really needs more than {memcg.limit_kb MB}, raise its memory.max; if not, look for a leak in {victim task}. Set memory.high somewhat below memory.max so the cgroup is throttled and reclaimed before anything is killed. To keep a task alive, lower its oom_score_adj or add it to the protection list (oomsnap protect add pid=PID)." },
		{ "memcg_limit_external",
		  "What to do: find who shrank {memcg.path}'s limit or charged it from outside: {trigger task} in {trigger.memcg} (a container runtime or systemd applying a new MemoryMax=, an operator, a resize script). Lower memory.max only to above the current usage, or lower memory.high first and let reclaim bring the usage down, then set memory.max; if the limit is right, the workload in {memcg.path} needs less memory." },
		{ "ancestor_memcg_limit",
		  "What to do: the limit that was hit is {memcg.path}'s, not {trigger.memcg}'s. Raise {memcg.path}/memory.max, or make the children's limits add up to no more than the parent's, and give the child that matters a memory.low or memory.min guarantee so its siblings are reclaimed first." },
		{ "node_memory",
		  "What to do: allow more nodes (cpuset.mems, or numactl --membind/--preferred instead of a strict bind), or give the workload less memory per node; check per-node use in /sys/devices/system/node/node*/meminfo." },
		{ "sysrq",
		  "What to do: nothing in memory terms. Find who pressed Alt-SysRq-F or wrote to /proc/sysrq-trigger (a person, a hang watchdog); kernel.sysrq controls which sysrq functions are allowed (64 = signalling processes)." },
	};
	size_t i;

	if (rec_is(rec, "cause", "fragmentation")) {
		sb_printf(s,
			  "What to do: memory was free but in pieces. Find who needs order-%lld blocks (a driver, jumbo frames, huge pages) and make it use smaller ones or allocate them early; run compaction (echo 1 >/proc/sys/vm/compact_memory); raise vm.min_free_kbytes so more contiguous memory stays free.",
			  order);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(advice); i++)
		if (rec_is(rec, "cause", advice[i].cause)) {
			sb_say(s, rec, NULL, advice[i].text);
			return;
		}
	sb_puts(s,
		"What to do: the machine needs more memory or less load: add RAM or swap, put memory limits (memory.max) on the big consumers so they fail alone instead of the whole machine, check the top candidates for a leak, and protect what must survive (oomsnap protect add comm=NAME).");
}

/* Why swap did not help (why.c), when the record says (its reasons). */
static void explain_why_swap(struct sbuf *s, json_object *rec, long long order)
{
	(void)order;
	explain_swap(s, rec);
}

/* Before and after the kill (before.c): pressure, trend, time to free. */
static void explain_before_after(struct sbuf *s, json_object *rec, long long order)
{
	(void)order;
	sb_before_after(s, rec);
}

/* Print the explanation of one event record. */
void explain(json_object *rec)
{
	static void (* const paragraphs[])(struct sbuf *s, json_object *rec, long long order) = {
		explain_allocation, ran_out, who, explain_spared, explain_reaper,
		explain_why_swap, explain_before_after, what_to_do,
	};
	long long order = rec_int(rec, "order");
	struct sbuf s = { 0 };
	size_t i;

	sb_say(&s, rec, NULL, "OOM event {seq} at ");
	sb_when(&s, rec);
	sb_say(&s, rec, NULL,
	       ": {cause} ({kind} OOM, constraint {constraint}, outcome {outcome}).");
	say(s.s);
	for (i = 0; i < ARRAY_SIZE(paragraphs); i++) {
		sb_reset(&s);
		paragraphs[i](&s, rec, order);
		if (!s.len)
			continue;
		say("");
		para(&s);
	}
	sb_free(&s);
}
