// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap CLI: explain, an event in sentences.
 *
 * Five paragraphs: what was allocating, what ran out, who was killed and
 * why it scored highest, what the OOM reaper got back, what to do.  The
 * cause and the outcome are the module's (interface section 4): this file
 * reads them from the record and never decides them again; it compares
 * two figures of the record only to say which zones were at or below
 * their min watermark.
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

/* zones.I.KEY */
static const char *zp(unsigned int i, const char *key)
{
	static char p[64];

	snprintf(p, sizeof(p), "zones.%u.%s", i, key);
	return p;
}

static unsigned int nr_zones(json_object *rec)
{
	json_object *z = rec_get(rec, "zones");

	return z && json_object_is_type(z, json_type_array) ?
	       json_object_array_length(z) : 0;
}

/* "node N ZONE" */
static void sb_zone(struct sbuf *b, json_object *rec, unsigned int i)
{
	sb_puts(b, "node ");
	sb_v(b, rec, zp(i, "node"));
	sb_putc(b, ' ');
	sb_v(b, rec, zp(i, "zone"));
}

/* Zones with pages that were at or below their min watermark. */
static void zones_low(struct sbuf *b, json_object *rec)
{
	unsigned int i, n = nr_zones(rec), c = 0;

	for (i = 0; i < n; i++) {
		if (!rec_int(rec, zp(i, "managed_kb")) ||
		    rec_int(rec, zp(i, "free_kb")) > rec_int(rec, zp(i, "min_kb")))
			continue;
		if (c++)
			sb_puts(b, ", ");
		sb_zone(b, rec, i);
		sb_puts(b, " (");
		sb_v(b, rec, zp(i, "free_kb"));
		sb_puts(b, " kB free, min watermark ");
		sb_v(b, rec, zp(i, "min_kb"));
		sb_puts(b, " kB)");
	}
}

/* Every zone with pages; @blocks: with its free blocks by order. */
static void zones_all(struct sbuf *b, json_object *rec, bool blocks)
{
	unsigned int i, n = nr_zones(rec), c = 0;
	json_object *fb;
	size_t o;

	for (i = 0; i < n; i++) {
		if (!rec_int(rec, zp(i, "managed_kb")))
			continue;
		if (c++)
			sb_puts(b, "; ");
		sb_zone(b, rec, i);
		sb_puts(b, ": ");
		sb_v(b, rec, zp(i, "free_kb"));
		sb_puts(b, " kB free, min ");
		sb_v(b, rec, zp(i, "min_kb"));
		sb_puts(b, " kB");
		fb = rec_get(rec, zp(i, "free_blocks"));
		if (!blocks || !fb || !json_object_is_type(fb, json_type_array) ||
		    !json_object_array_length(fb))
			continue;
		sb_printf(b, ", free blocks by order 0..%zu: ",
			  json_object_array_length(fb) - 1);
		for (o = 0; o < json_object_array_length(fb); o++) {
			json_object *nr = json_object_array_get_idx(fb, o);

			sb_printf(b, "%s%lld", o ? "," : "", (long long)json_object_get_int64(nr));
		}
	}
}

static void explain_allocation(struct sbuf *s, json_object *rec, long long order)
{
	if (rec_is(rec, "cause", "sysrq")) {
		sb_puts(s,
			"What was allocating: nothing. The OOM killer was started by hand with sysrq-f (a write of f to /proc/sysrq-trigger, or Alt-SysRq-F), which the kernel ran in ");
		sb_task(s, rec, "trigger");
		sb_puts(s, "; order -1 marks such a request.");
		return;
	}
	if (rec_is(rec, "cause", "memcg_limit_external")) {
		sb_puts(s, "What was allocating: possibly nothing. ");
		sb_task(s, rec, "trigger");
		if (rec_has(rec, "trigger.memcg")) {
			sb_puts(s, " in cgroup ");
			sb_v(s, rec, "trigger.memcg");
		}
		sb_puts(s, ", oom_score_adj ");
		sb_v(s, rec, "trigger.oom_score_adj");
		sb_puts(s, ", ran the OOM killer for cgroup ");
		sb_v(s, rec, "memcg.path");
		sb_puts(s, ", which it is not in (gfp ");
		sb_v(s, rec, "gfp");
		sb_printf(s, ", order %lld): a write to ", order);
		sb_v(s, rec, "memcg.path");
		sb_puts(s,
			"/memory.max below its usage does this after reclaim fails, as does a charge made on that cgroup's behalf.");
		return;
	}
	sb_puts(s, "What was allocating: ");
	sb_task(s, rec, "trigger");
	if (rec_has(rec, "trigger.memcg")) {
		sb_puts(s, " in cgroup ");
		sb_v(s, rec, "trigger.memcg");
	}
	sb_puts(s, ", oom_score_adj ");
	sb_v(s, rec, "trigger.oom_score_adj");
	sb_printf(s, ", asked for an order-%lld allocation (%lld kB%s) with gfp ",
		  order, order_kb(order), order > 0 ? " of contiguous memory" : "");
	sb_v(s, rec, "gfp");
	sb_puts(s, " (");
	sb_v(s, rec, "gfp_mask");
	sb_putc(s, ')');
	if (rec_has(rec, "nodemask")) {
		sb_puts(s, " on nodes ");
		sb_v(s, rec, "nodemask");
	}
	sb_puts(s, ", and the kernel could not find it even after reclaim.");
}

/* Which memcg the trigger was in, relative to the one at its limit. */
enum memcg_where { MEMCG_OWN, MEMCG_ANCESTOR, MEMCG_EXTERNAL };

static void ran_out_memcg(struct sbuf *s, json_object *rec, enum memcg_where where)
{
	long long lim = rec_int(rec, "memcg.limit_kb");

	sb_puts(s, "What ran out: cgroup ");
	sb_v(s, rec, "memcg.path");
	if (where == MEMCG_OWN) {
		sb_puts(s, ", the trigger's own cgroup,");
	} else if (where == MEMCG_EXTERNAL) {
		sb_puts(s, ", which is neither the trigger's cgroup ");
		sb_v(s, rec, "trigger.memcg");
		sb_puts(s, " nor one of its ancestors,");
	} else {
		sb_puts(s, ", an ancestor of the trigger's cgroup ");
		sb_v(s, rec, "trigger.memcg");
		sb_putc(s, ',');
	}
	sb_puts(s, " was at its memory limit: usage ");
	sb_kb(s, rec, "memcg.usage_kb");
	sb_puts(s, " of a limit of ");
	sb_kb(s, rec, "memcg.limit_kb");
	sb_puts(s, " (");
	sb_mb(s, lim);
	sb_puts(s, ", ");
	sb_pct(s, rec_int(rec, "memcg.usage_kb"), lim);
	sb_puts(s, ").");
	if (where == MEMCG_EXTERNAL) {
		sb_puts(s, " The OOM killer ran in the context of ");
		sb_task(s, rec, "trigger");
		sb_puts(s, ", from outside ");
		sb_v(s, rec, "memcg.path");
		sb_puts(s, ": it lowered ");
		sb_v(s, rec, "memcg.path");
		sb_puts(s,
			"/memory.max below the usage (a memory.max write runs the OOM killer in the writer until the usage fits), or charged memory to ");
		sb_v(s, rec, "memcg.path");
		sb_puts(s, " on its behalf.");
	}
	if (where == MEMCG_ANCESTOR) {
		sb_putc(s, ' ');
		sb_v(s, rec, "trigger.memcg");
		sb_puts(s,
			" itself was within its own limit: together with its siblings it used up ");
		sb_v(s, rec, "memcg.path");
		sb_puts(s, "'s limit, so every task below ");
		sb_v(s, rec, "memcg.path");
		sb_puts(s, " was a candidate.");
	} else {
		sb_puts(s, " Only tasks in ");
		sb_v(s, rec, "memcg.path");
		sb_puts(s, " and below were candidates.");
	}
	sb_puts(s, " The machine as a whole was not out of memory (");
	sb_kb(s, rec, "system.freeram_kb");
	sb_puts(s, " of ");
	sb_kb(s, rec, "system.totalram_kb");
	sb_puts(s, " RAM free).");
}

static void ran_out(struct sbuf *s, json_object *rec, long long order)
{
	struct sbuf k = { 0 };

	if (rec_is(rec, "cause", "memcg_limit")) {
		ran_out_memcg(s, rec, MEMCG_OWN);
	} else if (rec_is(rec, "cause", "ancestor_memcg_limit")) {
		ran_out_memcg(s, rec, MEMCG_ANCESTOR);
	} else if (rec_is(rec, "cause", "memcg_limit_external")) {
		ran_out_memcg(s, rec, MEMCG_EXTERNAL);
	} else if (rec_is(rec, "cause", "node_memory")) {
		sb_puts(s, "What ran out: the allocation was restricted to NUMA node(s) ");
		sb_v(s, rec, "nodemask");
		sb_puts(s, rec_is(rec, "constraint", "cpuset") ?
			" by its cpuset (cpuset.mems)" :
			" by a memory policy (mbind/set_mempolicy, numactl --membind)");
		sb_puts(s,
			", and those nodes ran out while others may still have had free memory.");
		zones_low(&k, rec);
		if (k.len) {
			sb_printf(s, " Zones at or below their min watermark: %s.", k.s);
		} else {
			zones_all(&k, rec, false);
			sb_printf(s, " Zones of the allowed nodes: %s.", k.s ? k.s : "");
		}
	} else if (rec_is(rec, "cause", "fragmentation")) {
		/*
		 * The module decided that some zone the allocation could use
		 * had free pages above its min watermark and no block of this
		 * order or larger; the record does not say which zone, so the
		 * figures of every zone are given, not a verdict per zone.
		 */
		sb_printf(s,
			  "What ran out: contiguous memory, not memory. The order-%lld allocation needs %lld kB in one physically contiguous block, and a zone it could use had free pages above its min watermark but no free block of order %lld or larger.",
			  order, order_kb(order), order);
		zones_all(&k, rec, true);
		if (k.len)
			sb_printf(s, " Zones: %s.", k.s);
	} else if (rec_is(rec, "cause", "sysrq")) {
		sb_puts(s,
			"What ran out: not necessarily anything; the kill was requested. At the time ");
		sb_kb(s, rec, "system.freeram_kb");
		sb_puts(s, " of ");
		sb_kb(s, rec, "system.totalram_kb");
		sb_puts(s, " RAM was free.");
	} else {
		sb_puts(s, "What ran out: the whole machine. ");
		sb_kb(s, rec, "system.freeram_kb");
		sb_puts(s, " of ");
		sb_kb(s, rec, "system.totalram_kb");
		sb_puts(s, " RAM was free");
		if (rec_has(rec, "system.totalswap_kb")) {
			sb_puts(s, ", swap: ");
			sb_kb(s, rec, "system.freeswap_kb");
			sb_puts(s, " free of ");
			sb_kb(s, rec, "system.totalswap_kb");
		}
		if (rec_has(rec, "system.committed_kb")) {
			sb_puts(s, ", committed: ");
			sb_kb(s, rec, "system.committed_kb");
		}
		sb_putc(s, '.');
		zones_low(&k, rec);
		if (k.len)
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
	char ru[32] = "", p[48];

	sb_puts(s, "Who was killed: ");
	sb_task(s, rec, "victim");
	sb_puts(s, ", uid ");
	sb_v(s, rec, "victim.uid");
	if (rec_has(rec, "victim.memcg")) {
		sb_puts(s, ", cgroup ");
		sb_v(s, rec, "victim.memcg");
	}
	sb_puts(s, ". It scored highest with ");
	sb_v(s, rec, "victim.points");
	sb_puts(s, " badness points (oom_score_adj ");
	sb_v(s, rec, "victim.oom_score_adj");
	sb_puts(s,
		"): the kernel counts a task's resident memory, swap entries and page tables in pages, and adds oom_score_adj thousandths of ");
	sb_v(s, rec, "totalpages");
	sb_puts(s, " pages (the memory it could use).");
	if (adj == 1000)
		sb_puts(s,
			" Its oom_score_adj of 1000 makes it the first choice whatever its size.");
	else if (adj > 0)
		sb_puts(s, " Its positive oom_score_adj made it a likelier victim.");
	sb_puts(s, " It held anon-rss ");
	sb_kb(s, rec, "victim.anon_rss_kb");
	sb_puts(s, ", file-rss ");
	sb_kb(s, rec, "victim.file_rss_kb");
	sb_puts(s, ", shmem-rss ");
	sb_kb(s, rec, "victim.shmem_rss_kb");
	sb_puts(s, ", ");
	sb_v(s, rec, "victim.swapents");
	sb_puts(s, " swap entries and ");
	sb_kb(s, rec, "victim.pgtables_kb");
	sb_puts(s, " of page tables (total-vm ");
	sb_kb(s, rec, "victim.total_vm_kb");
	sb_puts(s, ").");
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
		sb_puts(s, " The runner-up was ");
		sb_task(s, rec, ru);
		sb_puts(s, " with ");
		snprintf(p, sizeof(p), "%s.points", ru);
		sb_v(s, rec, p);
		sb_puts(s, " points (oom_score_adj ");
		snprintf(p, sizeof(p), "%s.oom_score_adj", ru);
		sb_v(s, rec, p);
		sb_puts(s, ", rss ");
		snprintf(p, sizeof(p), "%s.rss_kb", ru);
		sb_kb(s, rec, p);
		sb_putc(s, ')');
		if (n > 2)
			sb_printf(s, ", of %u candidates recorded", n);
		sb_putc(s, '.');
	} else if (n > 0) {
		sb_puts(s, " It was the only candidate.");
	}
	if (rec_is(rec, "victim.protected", "true"))
		sb_puts(s,
			" It was on the protection list: every other task scored lower or could not be killed.");

	n = killed && json_object_is_type(killed, json_type_array) ?
	    json_object_array_length(killed) : 0;
	for (i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "killed.%u", i);
		if (same_value(rec, p, "victim.pid"))
			continue;
		sb_puts(s, c++ ? ", " : " Also killed, because they share its memory: pid ");
		sb_v(s, rec, p);
	}
	if (c)
		sb_putc(s, '.');
	/* last, so the sentences before it wrap as they always did */
	/* the module's word: the figures are not the kernel's line (3.1) */
	if (rec_is(rec, "victim.settled", "false"))
		sb_puts(s,
			" Its memory figures may differ from the kernel's Killed process line by up to 12 kB of page tables (16 kB with 5-level paging) and 2 MB + 264 kB of each rss figure (on 6.2 and later: 2 MB + max(32, 2 x CPUs) pages) per running task, because the victim was running on another CPU when they were read and may have finished a page fault before the kernel printed its line (interface section 3.1).");
}

static void who(struct sbuf *s, json_object *rec)
{
	if (rec_is(rec, "outcome", "killed") && rec_has(rec, "victim.pid")) {
		killed_victim(s, rec);
	} else if (rec_is(rec, "outcome", "current_exiting")) {
		sb_puts(s, "Who was killed: nobody new. The allocating task ");
		sb_task(s, rec, "trigger");
		sb_puts(s,
			" was already exiting, so the kernel let it finish and free its memory instead of choosing a victim.");
	} else {
		sb_puts(s,
			"Who was killed: nobody. No killable task was found: every candidate had oom_score_adj -1000, was a kernel thread or init, or was already being killed.");
		sb_puts(s, rec_is(rec, "kind", "memcg") ?
			" The allocation in the cgroup fails or waits until memory is freed." :
			" For a global OOM with nothing to kill the kernel panics (\"System is deadlocked on memory\").");
	}
}

static void explain_reaper(struct sbuf *s, json_object *rec)
{
	long long back;

	if (!rec_has(rec, "reaped.anon_rss_kb")) {
		sb_puts(s,
			"What the OOM reaper got back: it did not report on this victim (it exited and freed its memory before the reaper needed to run, or the reaper hook is missing: see oomsnap status).");
		return;
	}
	back = rec_int(rec, "victim.anon_rss_kb") + rec_int(rec, "victim.file_rss_kb") +
	       rec_int(rec, "victim.shmem_rss_kb") - rec_int(rec, "reaped.anon_rss_kb") -
	       rec_int(rec, "reaped.file_rss_kb") - rec_int(rec, "reaped.shmem_rss_kb");
	sb_puts(s, "What the OOM reaper got back: after it ran, the victim still held anon-rss ");
	sb_kb(s, rec, "reaped.anon_rss_kb");
	sb_puts(s, ", file-rss ");
	sb_kb(s, rec, "reaped.file_rss_kb");
	sb_puts(s, ", shmem-rss ");
	sb_kb(s, rec, "reaped.shmem_rss_kb");
	sb_printf(s, ", so about %lld kB came back without waiting for the victim to exit.", back);
}

static void what_to_do(struct sbuf *s, json_object *rec, long long order)
{
	if (rec_is(rec, "cause", "memcg_limit")) {
		sb_puts(s, "What to do: if the workload in ");
		sb_v(s, rec, "memcg.path");
		sb_puts(s, " really needs more than ");
		sb_mb(s, rec_int(rec, "memcg.limit_kb"));
		sb_puts(s, ", raise its memory.max; if not, look for a leak in ");
		sb_task(s, rec, "victim");
		sb_puts(s,
			". Set memory.high somewhat below memory.max so the cgroup is throttled and reclaimed before anything is killed. To keep a task alive, lower its oom_score_adj or add it to the protection list (oomsnap protect add pid=PID).");
	} else if (rec_is(rec, "cause", "memcg_limit_external")) {
		sb_puts(s, "What to do: find who shrank ");
		sb_v(s, rec, "memcg.path");
		sb_puts(s, "'s limit or charged it from outside: ");
		sb_task(s, rec, "trigger");
		sb_puts(s, " in ");
		sb_v(s, rec, "trigger.memcg");
		sb_puts(s,
			" (a container runtime or systemd applying a new MemoryMax=, an operator, a resize script). Lower memory.max only to above the current usage, or lower memory.high first and let reclaim bring the usage down, then set memory.max; if the limit is right, the workload in ");
		sb_v(s, rec, "memcg.path");
		sb_puts(s, " needs less memory.");
	} else if (rec_is(rec, "cause", "ancestor_memcg_limit")) {
		sb_puts(s, "What to do: the limit that was hit is ");
		sb_v(s, rec, "memcg.path");
		sb_puts(s, "'s, not ");
		sb_v(s, rec, "trigger.memcg");
		sb_puts(s, "'s. Raise ");
		sb_v(s, rec, "memcg.path");
		sb_puts(s,
			"/memory.max, or make the children's limits add up to no more than the parent's, and give the child that matters a memory.low or memory.min guarantee so its siblings are reclaimed first.");
	} else if (rec_is(rec, "cause", "node_memory")) {
		sb_puts(s,
			"What to do: allow more nodes (cpuset.mems, or numactl --membind/--preferred instead of a strict bind), or give the workload less memory per node; check per-node use in /sys/devices/system/node/node*/meminfo.");
	} else if (rec_is(rec, "cause", "fragmentation")) {
		sb_printf(s,
			  "What to do: memory was free but in pieces. Find who needs order-%lld blocks (a driver, jumbo frames, huge pages) and make it use smaller ones or allocate them early; run compaction (echo 1 >/proc/sys/vm/compact_memory); raise vm.min_free_kbytes so more contiguous memory stays free.",
			  order);
	} else if (rec_is(rec, "cause", "sysrq")) {
		sb_puts(s,
			"What to do: nothing in memory terms. Find who pressed Alt-SysRq-F or wrote to /proc/sysrq-trigger (a person, a hang watchdog); kernel.sysrq controls which sysrq functions are allowed (64 = signalling processes).");
	} else {
		sb_puts(s,
			"What to do: the machine needs more memory or less load: add RAM or swap, put memory limits (memory.max) on the big consumers so they fail alone instead of the whole machine, check the top candidates for a leak, and protect what must survive (oomsnap protect add comm=NAME).");
	}
}

/* Print the explanation of one event record. */
void explain(json_object *rec)
{
	long long order = rec_int(rec, "order");
	struct sbuf s = { 0 };

	sb_puts(&s, "OOM event ");
	sb_v(&s, rec, "seq");
	sb_puts(&s, " at ");
	sb_when(&s, rec);
	sb_puts(&s, ": ");
	sb_v(&s, rec, "cause");
	sb_puts(&s, " (");
	sb_v(&s, rec, "kind");
	sb_puts(&s, " OOM, constraint ");
	sb_v(&s, rec, "constraint");
	sb_puts(&s, ", outcome ");
	sb_v(&s, rec, "outcome");
	sb_puts(&s, ").");
	say(s.s);
	say("");

	sb_reset(&s);
	explain_allocation(&s, rec, order);
	sb_stack_words(&s, rec);
	para(&s);
	say("");

	sb_reset(&s);
	ran_out(&s, rec, order);
	para(&s);
	say("");

	sb_reset(&s);
	who(&s, rec);
	para(&s);
	say("");

	if (rec_is(rec, "outcome", "killed") && rec_has(rec, "victim.pid")) {
		sb_reset(&s);
		explain_reaper(&s, rec);
		para(&s);
		say("");
	}

	sb_reset(&s);
	if (sb_before_after(&s, rec)) {
		para(&s);
		say("");
	}

	sb_reset(&s);
	what_to_do(&s, rec, order);
	para(&s);
	sb_free(&s);
}
