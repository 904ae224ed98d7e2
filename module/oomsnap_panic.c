// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap: OOMs that end in a panic, printed out of the dying kernel.
 *
 * With vm.panic_on_oom (1: an unconstrained global OOM; 2: every OOM but
 * sysrq) the kernel panics in out_of_memory() before it selects a victim;
 * with no killable task a global OOM panics too ("System is deadlocked
 * on memory").  The ring lives in RAM and dies with the kernel, so a
 * panic notifier finishes the event in flight (oomsnap_capture_panic())
 * and prints it, after the panic_events - 1 newest events of the ring,
 * to the kernel log: pstore/ramoops saves the log's tail at
 * kmsg_dump(KMSG_DUMP_PANIC), which panic() calls after the notifiers,
 * and `oomsnap import` reads the lines back after the reboot (interface
 * section 8).  Each event is one compact JSON object, cut into lines:
 *
 *   oomsnap: P1 <seq> <part>/<parts> <json piece>[ crc=<crc32 of the JSON>]
 *
 * the checksum on the last part.  The JSON has no whitespace (strings
 * escape bytes outside '!'..'~' as \u00XX), so a line splits on spaces.
 *
 * Context: panic() has stopped the other CPUs (smp_send_stop()) and runs
 * with interrupts off; a stopped CPU may hold any lock for ever (but can
 * free nothing any more).  Nothing here allocates or takes a lock other
 * than by trylock: the ring is read with oomsnap_ring_try_recent(), the
 * in-flight event directly (only the panicking task, this one, writes it),
 * the candidates' mms without the task lock (oomsnap_capture_panic()),
 * into buffers allocated at load.
 *
 * Not reached: with a kdump kernel loaded and crash_kexec_post_notifiers=0
 * (the default), panic() boots the kdump kernel before the notifiers run;
 * the vmcore then holds the kernel's own report in its dmesg and the
 * in-flight event in memory, but no line of ours.  With
 * crash_kexec_post_notifiers=1 the notifiers run first and the lines are
 * in the vmcore's dmesg (makedumpfile --dump-dmesg), which import reads.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/notifier.h>
#include <linux/crc32.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "oomsnap.h"

#define OOMSNAP_PANIC_EVENTS_MAX	16
#define OOMSNAP_PANIC_JSON_MAX		3072	/* bytes of JSON per event */
#define OOMSNAP_PANIC_PIECE		160	/* bytes of JSON per line */
#define OOMSNAP_PANIC_CANDS		5	/* candidates per event */
#define OOMSNAP_PANIC_STR_MAX		160	/* bytes of JSON per string */

/*
 * What an event over OOMSNAP_PANIC_JSON_MAX leaves out, step by step, each
 * step with the ones before it, instead of not printing it: a process
 * must not be able to hide the OOM that brought the machine down (long
 * cgroup names of bytes that escape six-fold; many NUMA nodes).
 */
enum oomsnap_panic_step {
	OOMSNAP_PANIC_WHOLE,
	OOMSNAP_PANIC_NO_CANDIDATES,
	OOMSNAP_PANIC_NO_FREE_BLOCKS,
	OOMSNAP_PANIC_NODEMASK_ZONES,	/* only zones of the OOM's nodemask */
	OOMSNAP_PANIC_NO_ZONES,
	OOMSNAP_PANIC_STEPS
};

/* "panic_omitted" names, one per step after the first */
static const char * const oomsnap_panic_omitted[OOMSNAP_PANIC_STEPS] = {
	[OOMSNAP_PANIC_NO_CANDIDATES] = "candidates",
	[OOMSNAP_PANIC_NO_FREE_BLOCKS] = "free_blocks",
	[OOMSNAP_PANIC_NODEMASK_ZONES] = "zones_outside_nodemask",
	[OOMSNAP_PANIC_NO_ZONES] = "zones",
};

static unsigned int oomsnap_panic_events = 3;
module_param_named(panic_events, oomsnap_panic_events, uint, 0644);
MODULE_PARM_DESC(panic_events,
		 "events printed when an OOM panics: the panic's and the newest before it (0 = off, at most 16; default 3)");

/* A bounded JSON writer: @len stops growing once @size is reached. */
struct oomsnap_pj {
	char *buf;
	size_t len, size;
};

static __printf(2, 3) void pj(struct oomsnap_pj *b, const char *fmt, ...)
{
	va_list args;
	int n;

	if (b->len >= b->size)
		return;
	va_start(args, fmt);
	n = vsnprintf(b->buf + b->len, b->size - b->len, fmt, args);
	va_end(args);
	b->len = n < 0 ? b->size : min_t(size_t, b->size, b->len + n);
}

/*
 * A string, every byte outside '!'..'~' as \u00XX (no whitespace), in at
 * most OOMSNAP_PANIC_STR_MAX bytes between its quotes, cut before a byte
 * whose escape would not fit.
 *
 * Return: true when it was cut.
 */
static bool pj_str(struct oomsnap_pj *b, const char *s, size_t len)
{
	size_t i, out = 0, w;

	pj(b, "\"");
	for (i = 0; i < len && s[i]; i++, out += w) {
		u8 c = s[i];

		w = c == '"' || c == '\\' ? 2 : c <= ' ' || c > '~' ? 6 : 1;
		if (out + w > OOMSNAP_PANIC_STR_MAX)
			break;
		if (w == 2)
			pj(b, "\\%c", c);
		else if (w == 6)
			pj(b, "\\u%04x", c);
		else
			pj(b, "%c", c);
	}
	pj(b, "\"");
	return i < len && s[i];
}

/*
 * A cgroup path from the event's table (@idx: entry + 1, 0: none) as
 * "key":"path", and "tkey":true after it when the path was cut (the full
 * record's rule, interface section 3.1; a whole path adds nothing here, to
 * keep the lines few).
 */
static void pj_path(struct oomsnap_pj *b, const char *key, const char *tkey,
		    const struct oomsnap_event *ev, u8 idx)
{
	const struct oomsnap_paths *t = &ev->paths;

	/* the first member of an object has no comma before it */
	pj(b, b->len && b->buf[b->len - 1] == '{' ? "\"%s\":" : ",\"%s\":",
	   key);
	if (!idx || idx > t->nr) {
		pj(b, "null");
		return;
	}
	idx--;
	if (pj_str(b, t->buf + t->ent[idx].off, t->ent[idx].len) ||
	    t->ent[idx].truncated)
		pj(b, ",\"%s\":true", tkey);
}

static u64 pj_kb(unsigned long pages)
{
	return (u64)pages << (PAGE_SHIFT - 10);
}

static void pj_zones(struct oomsnap_pj *b, const struct oomsnap_event *ev,
		     enum oomsnap_panic_step step)
{
	unsigned int i, o, n = 0;

	if (step >= OOMSNAP_PANIC_NO_ZONES) {
		pj(b, ",\"zones\":null");
		return;
	}
	pj(b, ",\"zones\":[");
	for (i = 0; i < ev->nr_zones; i++) {
		const struct oomsnap_zone *z = &ev->zones[i];
		bool frag = oomsnap_zone_fragmented_for(z, ev->order,
							gfp_zone(ev->gfp_mask));

		if (step >= OOMSNAP_PANIC_NODEMASK_ZONES &&
		    (ev->has & OOMSNAP_HAS_NODEMASK) &&
		    !node_isset(z->node, ev->nodemask))
			continue;
		pj(b, "%s{\"node\":%u,\"zone\":", n++ ? "," : "", z->node);
		pj_str(b, z->name ? z->name : "?", 16);
		pj(b, ",\"free_kb\":%llu,\"min_kb\":%llu,\"low_kb\":%llu",
		   pj_kb(z->free), pj_kb(z->min), pj_kb(z->low));
		pj(b, ",\"high_kb\":%llu,\"managed_kb\":%llu,\"fragmented\":%s",
		   pj_kb(z->high), pj_kb(z->managed), frag ? "true" : "false");
		/* the free blocks only where they are the story */
		if (ev->cause == OOMSNAP_CAUSE_FRAGMENTATION &&
		    step < OOMSNAP_PANIC_NO_FREE_BLOCKS) {
			pj(b, ",\"free_blocks\":[");
			for (o = 0; o < OOMSNAP_NR_ORDERS; o++)
				pj(b, "%s%u", o ? "," : "", z->blocks[o]);
			pj(b, "]");
		}
		pj(b, "}");
	}
	pj(b, "]");
}

static void pj_mem(struct oomsnap_pj *b, const struct oomsnap_event *ev)
{
	const struct oomsnap_mem *m = &ev->mem;
	unsigned int i, n = 0;

	/* zero figures are left out: the reader shows them as null */
	pj(b, ",\"mem\":{");
	for (i = 0; i < OOMSNAP_MEM_NR; i++)
		if ((m->has & BIT(i)) && m->kb[i])
			pj(b, "%s\"%s_kb\":%lu", n++ ? "," : "",
			   oomsnap_mem_name(i), m->kb[i]);
	pj(b, "},\"reasons\":[");
	for (i = 0, n = 0; i < OOMSNAP_REASON_NR; i++)
		if (m->reasons & BIT(i))
			pj(b, "%s\"%s\"", n++ ? "," : "", oomsnap_reason_name(i));
	pj(b, "]");
}

static void pj_victim(struct oomsnap_pj *b, const struct oomsnap_event *ev)
{
	if (!(ev->has & OOMSNAP_HAS_VICTIM)) {
		pj(b, ",\"victim\":null");
		return;
	}
	pj(b, ",\"victim\":{\"pid\":%d,\"tgid\":%d,\"comm\":",
	   ev->victim.pid, ev->victim.tgid);
	pj_str(b, ev->victim.comm, TASK_COMM_LEN);
	pj(b, ",\"uid\":%u", ev->victim.uid);
	pj_path(b, "memcg", "memcg_truncated", ev, ev->victim.memcg);
	if (ev->has & OOMSNAP_HAS_POINTS)
		pj(b, ",\"points\":%ld", ev->victim.points);
	pj(b, ",\"oom_score_adj\":%d", ev->victim.adj);
	if (ev->has & OOMSNAP_HAS_VICTIM_MM) {
		pj(b, ",\"total_vm_kb\":%llu,\"anon_rss_kb\":%llu",
		   pj_kb(ev->victim.total_vm), pj_kb(ev->victim.anon));
		pj(b, ",\"file_rss_kb\":%llu,\"shmem_rss_kb\":%llu",
		   pj_kb(ev->victim.file), pj_kb(ev->victim.shmem));
		pj(b, ",\"swapents\":%lu,\"pgtables_kb\":%lu",
		   ev->victim.swapents, ev->victim.pgtables_kb);
	}
	pj(b, "}");
}

static void pj_cands(struct oomsnap_pj *b, const struct oomsnap_event *ev,
		     unsigned int max)
{
	unsigned int i;

	pj(b, ",\"candidates\":[");
	for (i = 0; i < ev->nr_cands && i < max; i++) {
		const struct oomsnap_cand *c = &ev->cands[i];

		pj(b, "%s{\"pid\":%d,\"comm\":", i ? "," : "", c->pid);
		pj_str(b, c->comm, TASK_COMM_LEN);
		pj(b, ",\"points\":%ld,\"oom_score_adj\":%d,\"rss_kb\":%llu",
		   c->points, c->adj, pj_kb(c->rss));
		pj(b, ",\"swapents\":%lu,\"pgtables_kb\":%llu}",
		   c->swapents, pj_kb(c->pgtables));
	}
	pj(b, "]");
}

/*
 * An event in the record's own keys (interface section 3.1), a subset:
 * what events and explain read, so that import shows it as if live.
 */
static void oomsnap_panic_render(struct oomsnap_pj *b,
				 const struct oomsnap_event *ev,
				 const char *outcome,
				 enum oomsnap_panic_step step)
{
	u32 has = ev->has;
	unsigned int i;

	b->len = 0;
	pj(b, "{\"v\":1,\"seq\":%llu,\"boot_ns\":%llu,\"real_ns\":%llu",
	   ev->seq, ev->boot_ns, ev->real_ns);
	pj(b, ",\"kind\":\"%s\",\"constraint\":", oomsnap_kind_name(ev->kind));
	if (ev->constraint == OOMSNAP_CONSTRAINT_UNKNOWN)
		pj(b, "null");
	else
		pj(b, "\"%s\"", oomsnap_constraint_name(ev->constraint));
	pj(b, ",\"cause\":\"%s\",\"outcome\":\"%s\"",
	   oomsnap_cause_name(ev->cause), outcome);
	pj(b, ",\"gfp_mask\":\"%#x\",\"gfp\":\"%pGg\",\"order\":%d",
	   (__force unsigned int)ev->gfp_mask, &ev->gfp_mask, ev->order);
	if (has & OOMSNAP_HAS_NODEMASK)
		pj(b, ",\"nodemask\":\"%*pbl\"", nodemask_pr_args(&ev->nodemask));
	else
		pj(b, ",\"nodemask\":null");
	pj(b, ",\"totalpages\":%lu,\"trigger\":{\"pid\":%d,\"tgid\":%d,\"comm\":",
	   ev->totalpages, ev->trigger.pid, ev->trigger.tgid);
	pj_str(b, ev->trigger.comm, TASK_COMM_LEN);
	pj(b, ",\"oom_score_adj\":%d", ev->trigger.adj);
	pj_path(b, "memcg", "memcg_truncated", ev, ev->trigger.memcg);
	pj(b, "}");
	if (has & OOMSNAP_HAS_MEMCG) {
		pj(b, ",\"memcg\":{");
		pj_path(b, "path", "path_truncated", ev, ev->memcg.path);
		pj(b, ",\"usage_kb\":%llu,\"limit_kb\":%llu}",
		   pj_kb(ev->memcg.usage), pj_kb(ev->memcg.limit));
	} else {
		pj(b, ",\"memcg\":null");
	}
	pj(b, ",\"system\":{\"totalram_kb\":%llu,\"freeram_kb\":%llu",
	   pj_kb(ev->system.totalram), pj_kb(ev->system.freeram));
	if (has & OOMSNAP_HAS_SWAP)
		pj(b, ",\"totalswap_kb\":%llu", pj_kb(ev->system.totalswap));
	pj(b, ",\"freeswap_kb\":%llu", pj_kb(ev->system.freeswap));
	if (has & OOMSNAP_HAS_COMMITTED)
		pj(b, ",\"committed_kb\":%llu", pj_kb(ev->system.committed));
	pj(b, "}");
	pj_mem(b, ev);
	pj_zones(b, ev, step);
	pj_victim(b, ev);
	pj(b, ",\"killed\":[");
	for (i = 0; i < ev->nr_killed; i++)
		pj(b, "%s%d", i ? "," : "", ev->killed[i].tgid);
	pj(b, "]");
	pj_cands(b, ev, step >= OOMSNAP_PANIC_NO_CANDIDATES ? 0 :
		 OOMSNAP_PANIC_CANDS);
	if (has & OOMSNAP_HAS_OOM_NS)
		pj(b, ",\"oom_ns\":%llu", ev->oom_ns);
	if (step > OOMSNAP_PANIC_WHOLE) {
		pj(b, ",\"panic_omitted\":[");
		for (i = OOMSNAP_PANIC_NO_CANDIDATES; i <= step; i++)
			pj(b, "%s\"%s\"", i > OOMSNAP_PANIC_NO_CANDIDATES ? "," : "",
			   oomsnap_panic_omitted[i]);
		pj(b, "]");
	}
	pj(b, "}");
}

static char oomsnap_panic_json[OOMSNAP_PANIC_JSON_MAX];
static struct oomsnap_event *oomsnap_panic_ev;	/* a ring record, for reading */

/* Render @ev and print it as lines; with less of it if it does not fit. */
static void oomsnap_panic_print(const struct oomsnap_event *ev,
				const char *outcome)
{
	struct oomsnap_pj b = {
		.buf = oomsnap_panic_json, .size = sizeof(oomsnap_panic_json),
	};
	unsigned int i, n;
	size_t off, len;
	u32 crc;

	enum oomsnap_panic_step step = OOMSNAP_PANIC_WHOLE;

	for (;;) {
		oomsnap_panic_render(&b, ev, outcome, step);
		if (b.len < b.size || step == OOMSNAP_PANIC_NO_ZONES)
			break;
		step++;
	}
	if (b.len >= b.size) {
		/* the last resort: every string bounded, the zones gone */
		pr_emerg("P1 %llu: over %zu bytes, not printed\n", ev->seq,
			 b.size);
		return;
	}
	/* zlib's CRC-32, which the reader computes */
	crc = ~crc32_le(~0U, b.buf, b.len);
	n = DIV_ROUND_UP(b.len, OOMSNAP_PANIC_PIECE);
	for (i = 0; i < n; i++) {
		off = i * OOMSNAP_PANIC_PIECE;
		len = min_t(size_t, OOMSNAP_PANIC_PIECE, b.len - off);
		if (i + 1 < n)
			pr_emerg("P1 %llu %u/%u %.*s\n", ev->seq, i + 1, n,
				 (int)len, b.buf + off);
		else
			pr_emerg("P1 %llu %u/%u %.*s crc=%08x\n", ev->seq,
				 i + 1, n, (int)len, b.buf + off, crc);
	}
}

static int oomsnap_panic_notify(struct notifier_block *nb, unsigned long code,
				void *data)
{
	unsigned int want = min_t(unsigned int, READ_ONCE(oomsnap_panic_events),
				  OOMSNAP_PANIC_EVENTS_MAX);
	const char *msg = data, *outcome;
	struct oomsnap_event *ev;
	unsigned int back, prev = 0;
	u64 next = 0;
	int ret;

	if (!want || !msg || !oomsnap_panic_ev)
		return NOTIFY_DONE;
	/* check_panic_on_oom() and out_of_memory()'s own panic messages */
	if (strstr(msg, "panic_on_oom is enabled"))
		outcome = "panic_on_oom";
	else if (strstr(msg, "System is deadlocked on memory"))
		outcome = "no_killable_panic";
	else
		return NOTIFY_DONE;	/* not an OOM's panic: nothing of ours */
	ev = oomsnap_capture_panic();
	if (!ev)
		return NOTIFY_DONE;

	/* the seq it would have had (0: unknown), and the ring's lock */
	ret = oomsnap_ring_try_recent(oomsnap_ring, 0, oomsnap_panic_ev, &next);
	if (ret == -EBUSY)
		pr_emerg("P1 ring locked by a stopped CPU: earlier events not printed\n");
	else
		prev = want - 1;
	ev->seq = next;
	pr_emerg("P1 %s: event %llu follows up to %u earlier ones (oomsnap import)\n",
		 outcome, next, prev);
	/* oldest first: the panic's own last, nearest the log's tail */
	for (back = prev; back-- > 0;) {
		if (oomsnap_ring_try_recent(oomsnap_ring, back,
					    oomsnap_panic_ev, &next))
			continue;
		oomsnap_panic_print(oomsnap_panic_ev,
				    oomsnap_outcome_name(oomsnap_panic_ev->outcome));
	}
	oomsnap_panic_print(ev, outcome);
	return NOTIFY_DONE;
}

static struct notifier_block oomsnap_panic_nb = {
	.notifier_call = oomsnap_panic_notify,
};

/**
 * oomsnap_panic_init() - allocate the notifier's buffer and register it
 *
 * Return: 0 or -ENOMEM.
 */
int oomsnap_panic_init(void)
{
	/* one record: high-order with a large max_tasks or trend_seconds */
	oomsnap_panic_ev = kvzalloc(oomsnap_event_size(), GFP_KERNEL);
	if (!oomsnap_panic_ev)
		return -ENOMEM;
	atomic_notifier_chain_register(&panic_notifier_list, &oomsnap_panic_nb);
	return 0;
}

/**
 * oomsnap_panic_exit() - unregister the notifier and free its buffer
 *
 * atomic_notifier_chain_unregister() waits (synchronize_rcu()) for a
 * running notifier.
 */
void oomsnap_panic_exit(void)
{
	atomic_notifier_chain_unregister(&panic_notifier_list, &oomsnap_panic_nb);
	kvfree(oomsnap_panic_ev);
	oomsnap_panic_ev = NULL;
}
