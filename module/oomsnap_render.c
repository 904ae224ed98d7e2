// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap: event views.
 *
 * oomsnap_render_event() walks an event once through a small emitter that
 * writes either JSON (events.json, stream) or the text view (events).
 * Both views come from that one walk, so they cannot drift apart.
 *
 * Text view: the first line holds the event's scalars, each nested object
 * starts a line of its own ("  victim pid=93 ..."), kB figures carry a kB
 * suffix, and JSON keys become the kernel's words (total_vm -> total-vm).
 */
#include <linux/seq_file.h>
#include <linux/kernel.h>
#include <linux/kallsyms.h>
#include <linux/gfp.h>
#include <linux/sched/loadavg.h>
#include <linux/timekeeping.h>
#include "oomsnap.h"

struct oomsnap_out {
	struct seq_file *m;
	bool json;
	unsigned int show;	/* OOMSNAP_SHOW_*: what the reader may see */
	bool first;	/* nothing written yet at this level */
	bool in_line;	/* text: a nested object's line is open */
	int depth;
};

/* Items that show in only one of the views. */
#define OUT_BOTH	0
#define OUT_JSON	1
#define OUT_TEXT	2

static bool out_skip(struct oomsnap_out *o, int only)
{
	return (only == OUT_JSON && !o->json) || (only == OUT_TEXT && o->json);
}

/* Write "key": (JSON) or " key=" (text), with the separator before it. */
static void out_key(struct oomsnap_out *o, const char *key, const char *sfx)
{
	struct seq_file *m = o->m;
	const char *c;

	if (o->json) {
		if (!o->first)
			seq_putc(m, ',');
		o->first = false;
		if (key)
			seq_printf(m, "\"%s%s\":", key, sfx);
		return;
	}
	if (o->depth == 0 && o->in_line) {
		/* a scalar after the nested objects: a line of its own */
		seq_puts(m, "\n ");
		o->in_line = false;
	}
	if (!o->first)
		seq_putc(m, ' ');
	o->first = false;
	if (!key)
		return;
	for (c = key; *c; c++)
		seq_putc(m, *c == '_' ? '-' : *c);
	seq_putc(m, '=');
}

static void out_u64(struct oomsnap_out *o, const char *key, u64 v)
{
	out_key(o, key, "");
	seq_printf(o->m, "%llu", v);
}

static void out_s64(struct oomsnap_out *o, const char *key, s64 v)
{
	out_key(o, key, "");
	seq_printf(o->m, "%lld", v);
}

static void out_null(struct oomsnap_out *o, const char *key, const char *sfx)
{
	out_key(o, key, o->json ? sfx : "");
	seq_puts(o->m, "null");
}

/* A figure in kB: "key_kb":N in JSON, key=NkB in text. */
static void out_kb(struct oomsnap_out *o, const char *key, u64 kb)
{
	out_key(o, key, "_kb");
	seq_printf(o->m, o->json ? "%llu" : "%llukB", kb);
}

static void out_pages(struct oomsnap_out *o, const char *key,
		      unsigned long pages)
{
	out_kb(o, key, (u64)pages << (PAGE_SHIFT - 10));
}

static void out_bool(struct oomsnap_out *o, const char *key, bool v)
{
	out_key(o, key, "");
	seq_puts(o->m, v ? "true" : "false");
}

/**
 * oomsnap_json_str() - write a JSON string literal
 * @m: where to write
 * @s: the bytes; stops at the first NUL or after @len bytes
 * @len: most bytes to write
 *
 * The kernel has no JSON escaper (string_escape_mem() writes C escapes
 * such as \x01, which JSON does not allow).  Quote and backslash are
 * escaped, and every other byte outside printable ASCII becomes \u00XX:
 * any process name, whatever bytes it holds, gives valid JSON, and each
 * byte can be recovered from the code point.
 */
void oomsnap_json_str(struct seq_file *m, const char *s, size_t len)
{
	size_t i;

	seq_putc(m, '"');
	for (i = 0; i < len && s[i]; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			seq_printf(m, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			seq_printf(m, "\\u%04x", c);
		else
			seq_putc(m, c);
	}
	seq_putc(m, '"');
}
EXPORT_SYMBOL_IF_KUNIT(oomsnap_json_str);

/*
 * A name or path in the text view, where fields are "key=value" separated
 * by spaces: every byte that could end or split a value, or that is not
 * printable ASCII, becomes a backslash and three octal digits, as
 * /proc/mounts writes paths (interface section 3.2): bytes up to and
 * including space, '"', '=', '\\', and 0x7f and above.  "" is an empty
 * string.  Each value is then one run of printable ASCII that decodes to
 * exactly the bytes of the JSON view.
 */
static void out_text_str(struct seq_file *m, const char *s, size_t len)
{
	size_t i;

	if (!len || !s[0]) {
		seq_puts(m, "\"\"");
		return;
	}
	for (i = 0; i < len && s[i]; i++) {
		unsigned char c = s[i];

		if (c <= ' ' || c >= 0x7f || c == '"' || c == '=' || c == '\\')
			seq_printf(m, "\\%03o", c);
		else
			seq_putc(m, c);
	}
}

static void out_str(struct oomsnap_out *o, const char *key, const char *s,
		    size_t len)
{
	out_key(o, key, "");
	if (o->json)
		oomsnap_json_str(o->m, s, len);
	else
		out_text_str(o->m, s, len);
}

/* A word from a fixed table: a JSON string, bare in the text view. */
static void out_word(struct oomsnap_out *o, const char *key, const char *w)
{
	out_key(o, key, "");
	seq_printf(o->m, o->json ? "\"%s\"" : "%s", w);
}

/*
 * A nested object.  @label names its line in the text view; for array
 * elements @key is NULL.
 */
static void out_obj_begin(struct oomsnap_out *o, const char *key,
			  const char *label)
{
	if (o->json) {
		out_key(o, key, "");
		seq_putc(o->m, '{');
	} else {
		seq_printf(o->m, "\n  %s", label);
		o->in_line = true;
	}
	o->first = o->json;	/* text: the label comes first */
	o->depth++;
}

static void out_obj_end(struct oomsnap_out *o)
{
	o->depth--;
	if (o->json)
		seq_putc(o->m, '}');
	o->first = false;
}

static void out_arr_begin(struct oomsnap_out *o, const char *key)
{
	if (o->json) {
		out_key(o, key, "");
		seq_putc(o->m, '[');
		o->first = true;
	}
	o->depth++;
}

static void out_arr_end(struct oomsnap_out *o)
{
	o->depth--;
	if (o->json)
		seq_putc(o->m, ']');
	o->first = false;
}

/* An array of numbers: [1,2,3] in JSON, key=1,2,3 in text. */
static void out_u32_list(struct oomsnap_out *o, const char *key,
			 const u32 *v, unsigned int n)
{
	unsigned int i;

	out_key(o, key, "");
	if (o->json)
		seq_putc(o->m, '[');
	else if (!n)
		seq_putc(o->m, '-');
	for (i = 0; i < n; i++)
		seq_printf(o->m, i ? ",%u" : "%u", v[i]);
	if (o->json)
		seq_putc(o->m, ']');
}

static const char * const kind_names[OOMSNAP_KIND_NR] = {
	[OOMSNAP_KIND_GLOBAL] = "global",
	[OOMSNAP_KIND_MEMCG] = "memcg",
};

/* OOMSNAP_CONSTRAINT_UNKNOWN has no name: the record says null */
static const char * const constraint_names[] = {
	[OOMSNAP_CONSTRAINT_NONE] = "none",
	[OOMSNAP_CONSTRAINT_CPUSET] = "cpuset",
	[OOMSNAP_CONSTRAINT_MEMORY_POLICY] = "memory_policy",
	[OOMSNAP_CONSTRAINT_MEMCG] = "memcg",
};

static const char * const cause_names[OOMSNAP_CAUSE_NR] = {
	[OOMSNAP_CAUSE_MEMCG_LIMIT] = "memcg_limit",
	[OOMSNAP_CAUSE_ANCESTOR_MEMCG_LIMIT] = "ancestor_memcg_limit",
	[OOMSNAP_CAUSE_NODE_MEMORY] = "node_memory",
	[OOMSNAP_CAUSE_FRAGMENTATION] = "fragmentation",
	[OOMSNAP_CAUSE_SYSRQ] = "sysrq",
	[OOMSNAP_CAUSE_SYSTEM_MEMORY] = "system_memory",
	[OOMSNAP_CAUSE_MEMCG_LIMIT_EXTERNAL] = "memcg_limit_external",
};

static const char * const outcome_names[OOMSNAP_OUTCOME_NR] = {
	[OOMSNAP_OUTCOME_KILLED] = "killed",
	[OOMSNAP_OUTCOME_CURRENT_EXITING] = "current_exiting",
	[OOMSNAP_OUTCOME_NO_VICTIM] = "no_victim",
};

static const char * const reason_names[] = {
	"kernel_memory", "unevictable", "unaccounted", "memcg_swap_limit",
	"gfp_no_io", "gfp_low_zones",
};

static const char *oomsnap_name(const char * const *tab, size_t n,
				unsigned int i)
{
	return i < n && tab[i] ? tab[i] : "?";
}

/** oomsnap_kind_name() - "global" or "memcg" @kind: OOMSNAP_KIND_* */
const char *oomsnap_kind_name(unsigned int kind)
{
	return oomsnap_name(kind_names, ARRAY_SIZE(kind_names), kind);
}
EXPORT_SYMBOL_IF_KUNIT(oomsnap_kind_name);

/** oomsnap_constraint_name() - interface name @c: OOMSNAP_CONSTRAINT_* */
const char *oomsnap_constraint_name(unsigned int c)
{
	return oomsnap_name(constraint_names, ARRAY_SIZE(constraint_names), c);
}
EXPORT_SYMBOL_IF_KUNIT(oomsnap_constraint_name);

/** oomsnap_cause_name() - interface name @cause: enum oomsnap_cause */
const char *oomsnap_cause_name(unsigned int cause)
{
	return oomsnap_name(cause_names, ARRAY_SIZE(cause_names), cause);
}
EXPORT_SYMBOL_IF_KUNIT(oomsnap_cause_name);

/** oomsnap_outcome_name() - interface name @outcome: enum oomsnap_outcome */
const char *oomsnap_outcome_name(unsigned int outcome)
{
	return oomsnap_name(outcome_names, ARRAY_SIZE(outcome_names), outcome);
}
EXPORT_SYMBOL_IF_KUNIT(oomsnap_outcome_name);

/** oomsnap_reason_name() - interface name @reason: enum oomsnap_reason */
const char *oomsnap_reason_name(unsigned int reason)
{
	return oomsnap_name(reason_names, ARRAY_SIZE(reason_names), reason);
}
EXPORT_SYMBOL_IF_KUNIT(oomsnap_reason_name);

/*
 * A cgroup path from the event's table (@idx: entry + 1, 0: none), and
 * after it @tkey: whether the path went on beyond what was kept
 * (interface section 3.1), null with a null path.
 */
static void out_memcg_path(struct oomsnap_out *o, const char *key,
			   const char *tkey, const struct oomsnap_event *ev,
			   u8 idx)
{
	const struct oomsnap_paths *t = &ev->paths;

	if (!idx || idx > t->nr) {
		out_null(o, key, "");
		out_null(o, tkey, "");
		return;
	}
	idx--;
	out_str(o, key, t->buf + t->ent[idx].off, t->ent[idx].len);
	out_bool(o, tkey, t->ent[idx].truncated);
}

static const char * const mem_names[] = {
	[OOMSNAP_MEM_FREE] = "free",
	[OOMSNAP_MEM_PCP_FREE] = "pcp_free",
	[OOMSNAP_MEM_ACTIVE_ANON] = "active_anon",
	[OOMSNAP_MEM_INACTIVE_ANON] = "inactive_anon",
	[OOMSNAP_MEM_ACTIVE_FILE] = "active_file",
	[OOMSNAP_MEM_INACTIVE_FILE] = "inactive_file",
	[OOMSNAP_MEM_UNEVICTABLE] = "unevictable",
	[OOMSNAP_MEM_MLOCKED] = "mlocked",
	[OOMSNAP_MEM_SHMEM] = "shmem",
	[OOMSNAP_MEM_SLAB_RECLAIMABLE] = "slab_reclaimable",
	[OOMSNAP_MEM_SLAB_UNRECLAIMABLE] = "slab_unreclaimable",
	[OOMSNAP_MEM_KERNEL_STACK] = "kernel_stack",
	[OOMSNAP_MEM_PAGETABLES] = "pagetables",
	[OOMSNAP_MEM_SEC_PAGETABLES] = "sec_pagetables",
	[OOMSNAP_MEM_SWAPCACHE] = "swapcache",
	[OOMSNAP_MEM_DIRTY] = "dirty",
	[OOMSNAP_MEM_WRITEBACK] = "writeback",
	[OOMSNAP_MEM_ISOLATED_ANON] = "isolated_anon",
	[OOMSNAP_MEM_ISOLATED_FILE] = "isolated_file",
	[OOMSNAP_MEM_ZSPAGES] = "zspages",
	[OOMSNAP_MEM_KERNEL_MISC_RECLAIMABLE] = "kernel_misc_reclaimable",
	[OOMSNAP_MEM_HUGETLB] = "hugetlb",
	[OOMSNAP_MEM_VMALLOC] = "vmalloc",
	[OOMSNAP_MEM_UNACCOUNTED] = "unaccounted",
};

static const char * const memcg_mem_names[] = {
	[OOMSNAP_MEMCG_ANON] = "anon",
	[OOMSNAP_MEMCG_FILE] = "file",
	[OOMSNAP_MEMCG_SHMEM] = "shmem",
	[OOMSNAP_MEMCG_SLAB] = "slab",
	[OOMSNAP_MEMCG_KERNEL_STACK] = "kernel_stack",
	[OOMSNAP_MEMCG_SWAP] = "swap",
	[OOMSNAP_MEMCG_SWAP_MAX] = "swap_max",
	[OOMSNAP_MEMCG_MIN] = "min",
	[OOMSNAP_MEMCG_LOW] = "low",
};

/**
 * oomsnap_mem_name() - the record's key of a memory breakdown item
 * @item: enum oomsnap_mem_item
 *
 * Return: its name, without the "_kb" suffix.
 */
const char *oomsnap_mem_name(unsigned int item)
{
	return oomsnap_name(mem_names, ARRAY_SIZE(mem_names), item);
}

/*
 * The memory breakdown (interface section 3.3): "mem", "mem_nodes",
 * "memcg_mem" (null for a global OOM) and "reasons".
 */
static void render_mem(struct oomsnap_out *o, const struct oomsnap_event *ev)
{
	const struct oomsnap_mem *m = &ev->mem;
	unsigned int i;

	BUILD_BUG_ON(ARRAY_SIZE(mem_names) != OOMSNAP_MEM_NR);
	BUILD_BUG_ON(ARRAY_SIZE(memcg_mem_names) != OOMSNAP_MEMCG_NR);
	BUILD_BUG_ON(ARRAY_SIZE(reason_names) != OOMSNAP_REASON_NR);

	out_obj_begin(o, "mem", "mem");
	for (i = 0; i < OOMSNAP_MEM_NR; i++) {
		if (m->has & BIT(i))
			out_kb(o, mem_names[i], m->kb[i]);
		else
			out_null(o, mem_names[i], "_kb");
	}
	out_obj_end(o);

	out_arr_begin(o, "mem_nodes");
	for (i = 0; i < m->nr_nodes; i++) {
		out_obj_begin(o, NULL, "mem-node");
		out_u64(o, "node", m->nodes[i].node);
		out_u64(o, "reclaim_failures", m->nodes[i].failures);
		out_bool(o, "all_unreclaimable", m->nodes[i].all_unreclaimable);
		out_obj_end(o);
	}
	out_arr_end(o);

	if (ev->kind == OOMSNAP_KIND_MEMCG) {
		out_obj_begin(o, "memcg_mem", "memcg-mem");
		for (i = 0; i < OOMSNAP_MEMCG_NR; i++) {
			if (!(m->memcg_has & BIT(i))) {
				out_null(o, memcg_mem_names[i], "_kb");
			} else if (m->memcg[i] == ULONG_MAX) {
				/* unlimited, as memory.swap.max says */
				out_key(o, memcg_mem_names[i], "_kb");
				seq_puts(o->m, o->json ? "\"max\"" : "max");
			} else {
				out_kb(o, memcg_mem_names[i], m->memcg[i]);
			}
		}
		out_obj_end(o);
	} else if (o->json) {
		out_null(o, "memcg_mem", "");
	}

	out_key(o, "reasons", "");
	if (o->json)
		seq_putc(o->m, '[');
	else if (!m->reasons)
		seq_putc(o->m, '-');
	for (i = 0; i < OOMSNAP_REASON_NR; i++) {
		if (!(m->reasons & BIT(i)))
			continue;
		if (m->reasons & (BIT(i) - 1))
			seq_putc(o->m, ',');
		seq_printf(o->m, o->json ? "\"%s\"" : "%s", reason_names[i]);
	}
	if (o->json)
		seq_putc(o->m, ']');
}

static void render_zones(struct oomsnap_out *o, const struct oomsnap_event *ev)
{
	unsigned int i;

	out_arr_begin(o, "zones");
	for (i = 0; i < ev->nr_zones; i++) {
		const struct oomsnap_zone *z = &ev->zones[i];

		out_obj_begin(o, NULL, "zone");
		out_u64(o, "node", z->node);
		out_word(o, "zone", z->name ? z->name : "?");
		out_pages(o, "free", z->free);
		out_pages(o, "min", z->min);
		out_pages(o, "low", z->low);
		out_pages(o, "high", z->high);
		out_pages(o, "managed", z->managed);
		out_u32_list(o, "free_blocks", z->blocks, OOMSNAP_NR_ORDERS);
		out_bool(o, "fragmented",
			 oomsnap_zone_fragmented_for(z, ev->order,
						     gfp_zone(ev->gfp_mask)));
		out_obj_end(o);
	}
	out_arr_end(o);
}

/*
 * The allocating task's stack: return addresses symbolized now, as the
 * kernel's own traces print them ("%pS": symbol+offset/size [module]).
 * JSON: {"truncated":false,"frames":["fn+0x1/0x2",...]}; text: a line
 * "stack truncated=false frames=fn+0x1/0x2,..." with each frame escaped
 * like any text value (a module frame's space becomes \040).
 */
static void render_stack(struct oomsnap_out *o, const struct oomsnap_event *ev)
{
	char sym[KSYM_SYMBOL_LEN];
	unsigned int i;

	if (!(ev->has & OOMSNAP_HAS_STACK)) {
		out_null(o, "stack", "");
		return;
	}
	out_obj_begin(o, "stack", "stack");
	out_bool(o, "truncated", ev->stack.truncated);
	out_key(o, "frames", "");
	if (o->json)
		seq_putc(o->m, '[');
	else if (!ev->stack.nr)
		seq_putc(o->m, '-');
	for (i = 0; i < ev->stack.nr; i++) {
		snprintf(sym, sizeof(sym), "%pS", (void *)ev->stack.ip[i]);
		if (i)
			seq_putc(o->m, ',');
		if (o->json)
			oomsnap_json_str(o->m, sym, sizeof(sym));
		else
			out_text_str(o->m, sym, sizeof(sym));
	}
	if (o->json)
		seq_putc(o->m, ']');
	out_obj_end(o);
}

/*
 * exe, argv, argv_truncated, argv_state (oomsnap_cmdline.c).  The kernel
 * shows another process's exe and (under hidepid) cmdline only to a
 * reader with ptrace read access; a reader of the records without
 * CAP_SYS_PTRACE gets them null with argv_state "hidden", whatever was
 * recorded, so that not even the state tells what was there.
 */
static void render_cmdline(struct oomsnap_out *o,
			   const struct oomsnap_cmdline *c)
{
	static const char * const keys[] = {
		"exe", "argv", "argv_truncated", "argv_state",
	};
	unsigned int i;

	if (!(o->show & OOMSNAP_SHOW_ARGV)) {
		for (i = 0; i < ARRAY_SIZE(keys) - 1; i++)
			out_null(o, keys[i], "");
		out_key(o, "argv_state", "");
		seq_puts(o->m, o->json ? "\"hidden\"" : "hidden");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		out_key(o, keys[i], "");
		oomsnap_cmdline_render(o->m, o->json, c, keys[i]);
	}
}

static const char * const kill_why_names[] = {
	[OOMSNAP_KILL_VICTIM] = "victim",
	[OOMSNAP_KILL_GROUP] = "group",
	[OOMSNAP_KILL_SHARED_MM] = "shared_mm",
};

/* A killed task's figures, as the kernel's "Killed process" line has them. */
static void render_figs(struct oomsnap_out *o, const struct oomsnap_figs *f,
			bool has)
{
	if (!has) {
		out_null(o, "total_vm", "_kb");
		out_null(o, "anon_rss", "_kb");
		out_null(o, "file_rss", "_kb");
		out_null(o, "shmem_rss", "_kb");
		out_null(o, "swapents", "");
		out_null(o, "pgtables", "_kb");
		return;
	}
	out_pages(o, "total_vm", f->total_vm);
	out_pages(o, "anon_rss", f->anon);
	out_pages(o, "file_rss", f->file);
	out_pages(o, "shmem_rss", f->shmem);
	out_u64(o, "swapents", f->swapents);
	out_kb(o, "pgtables", f->pgtables_kb);
}

static void render_victim(struct oomsnap_out *o, const struct oomsnap_event *ev)
{
	bool mm = ev->has & OOMSNAP_HAS_VICTIM_MM;
	const struct oomsnap_figs fig = {
		.total_vm = ev->victim.total_vm, .anon = ev->victim.anon,
		.file = ev->victim.file, .shmem = ev->victim.shmem,
		.swapents = ev->victim.swapents,
		.pgtables_kb = ev->victim.pgtables_kb,
	};

	if (!(ev->has & OOMSNAP_HAS_VICTIM)) {
		out_null(o, "victim", "");
		return;
	}
	out_obj_begin(o, "victim", "victim");
	out_u64(o, "pid", ev->victim.pid);
	out_u64(o, "tgid", ev->victim.tgid);
	out_str(o, "comm", ev->victim.comm, TASK_COMM_LEN);
	out_u64(o, "uid", ev->victim.uid);
	out_memcg_path(o, "memcg", "memcg_truncated", ev, ev->victim.memcg);
	if (ev->has & OOMSNAP_HAS_POINTS)
		out_s64(o, "points", ev->victim.points);
	else
		out_null(o, "points", "");
	out_s64(o, "oom_score_adj", ev->victim.adj);
	render_figs(o, &fig, mm);
	out_bool(o, "protected", ev->victim.protected);
	if (mm)
		out_bool(o, "settled", ev->victim.settled);
	else
		out_null(o, "settled", "");
	render_cmdline(o, &ev->cmd.victim);
	out_obj_end(o);
}

/*
 * Who was killed (interface section 3.1): "killed", their thread group
 * ids; "killed_total", how many, described or not; "group", the
 * memory.oom.group memcg whose tasks all died; "killed_tasks", each
 * described as the kernel's "Killed process" line describes it.
 */
static void render_killed(struct oomsnap_out *o, const struct oomsnap_event *ev)
{
	unsigned int i;

	out_key(o, "killed", "");
	if (o->json)
		seq_putc(o->m, '[');
	else if (!ev->nr_killed)
		seq_putc(o->m, '-');
	for (i = 0; i < ev->nr_killed; i++)
		seq_printf(o->m, i ? ",%d" : "%d", ev->killed[i].tgid);
	if (o->json)
		seq_putc(o->m, ']');
	out_u64(o, "killed_total", ev->nr_killed_seen);
	if (ev->has & OOMSNAP_HAS_GROUP) {
		out_obj_begin(o, "group", "group");
		out_memcg_path(o, "memcg", "memcg_truncated", ev, ev->group);
		out_obj_end(o);
	} else if (o->json) {
		out_null(o, "group", "");
	}
	out_arr_begin(o, "killed_tasks");
	for (i = 0; i < ev->nr_killed; i++) {
		const struct oomsnap_killed *k = &ev->killed[i];

		out_obj_begin(o, NULL, "killed");
		out_u64(o, "pid", k->pid);
		out_u64(o, "tgid", k->tgid);
		out_str(o, "comm", k->comm, TASK_COMM_LEN);
		out_word(o, "why", oomsnap_name(kill_why_names,
						ARRAY_SIZE(kill_why_names),
						k->why));
		out_u64(o, "uid", k->uid);
		out_memcg_path(o, "memcg", "memcg_truncated", ev, k->memcg);
		out_s64(o, "oom_score_adj", k->adj);
		render_figs(o, &k->fig, k->has_mm);
		out_bool(o, "protected", k->protected);
		if (k->has_mm)
			out_bool(o, "settled", k->fig.settled);
		else
			out_null(o, "settled", "");
		out_obj_end(o);
	}
	out_arr_end(o);
}

static void render_cands(struct oomsnap_out *o, const struct oomsnap_event *ev)
{
	unsigned int i;

	out_arr_begin(o, "candidates");
	for (i = 0; i < ev->nr_cands; i++) {
		const struct oomsnap_cand *c = &ev->cands[i];

		out_obj_begin(o, NULL, "candidate");
		out_u64(o, "pid", c->pid);
		out_str(o, "comm", c->comm, TASK_COMM_LEN);
		out_s64(o, "points", c->points);
		out_s64(o, "oom_score_adj", c->adj);
		out_pages(o, "rss", c->rss);
		out_u64(o, "swapents", c->swapents);
		out_pages(o, "pgtables", c->pgtables);
		out_memcg_path(o, "memcg", "memcg_truncated", ev, c->memcg);
		out_obj_end(o);
	}
	out_arr_end(o);
}

/*
 * What protection spared (interface section 3.1): each process kept out
 * of the kernel's choice by oomsnap, with its points under its own
 * oom_score_adj and whether it would have been the victim.
 */
static void render_spared(struct oomsnap_out *o, const struct oomsnap_event *ev)
{
	unsigned int i;

	out_arr_begin(o, "spared");
	for (i = 0; i < ev->nr_spared; i++) {
		const struct oomsnap_spared *sp = &ev->spared[i];

		out_obj_begin(o, NULL, "spared");
		out_u64(o, "pid", sp->pid);
		out_str(o, "comm", sp->comm, TASK_COMM_LEN);
		out_s64(o, "oom_score_adj", sp->adj);
		out_s64(o, "own_oom_score_adj", sp->own_adj);
		out_s64(o, "points", sp->points);
		out_bool(o, "would_be_victim", sp->chosen);
		out_obj_end(o);
	}
	out_arr_end(o);
	out_u64(o, "spared_seen", ev->nr_spared_seen);
}

/* A fixed-point percentage as psi_show() prints it: "%lu.%02lu". */
static void out_psi_avg(struct oomsnap_out *o, const char *key, u32 v)
{
	out_key(o, key, "");
	seq_printf(o->m, "%u.%02u", (u32)LOAD_INT(v), (u32)LOAD_FRAC(v));
}

static void out_psi_figs(struct oomsnap_out *o, const char *key,
			 const char *label, const struct oomsnap_psi_figs *f,
			 bool has)
{
	static const char * const avg_keys[2][3] = {
		{ "some_avg10", "some_avg60", "some_avg300" },
		{ "full_avg10", "full_avg60", "full_avg300" },
	};
	static const char * const total_keys[2] = {
		"some_total_us", "full_total_us",
	};
	int i, w;

	if (!has) {
		out_null(o, key, "");
		return;
	}
	out_obj_begin(o, key, label);
	for (i = 0; i < 2; i++) {
		for (w = 0; w < 3; w++)
			out_psi_avg(o, avg_keys[i][w], f->avg[i][w]);
		out_u64(o, total_keys[i], f->total_us[i]);
	}
	out_obj_end(o);
}

/* Memory pressure when the OOM started (interface section 3.4). */
static void render_pressure(struct oomsnap_out *o,
			    const struct oomsnap_event *ev)
{
	const struct oomsnap_pressure *pr = &ev->pressure;

	out_obj_begin(o, "pressure", "pressure");
	out_word(o, "state", oomsnap_psi_state_name(pr->state));
	out_psi_figs(o, "memcg", "pressure-memcg", &pr->memcg,
		     pr->has_memcg);
	out_psi_figs(o, "system", "pressure-system", &pr->system,
		     pr->has_system);
	out_obj_end(o);
}

/* Microseconds as milliseconds with three decimals. */
static void out_ms(struct oomsnap_out *o, const char *key, u32 us, bool has)
{
	if (!has) {
		out_null(o, key, "");
		return;
	}
	out_key(o, key, "");
	seq_printf(o->m, "%u.%03u", us / 1000, us % 1000);
}

#define OOMSNAP_EXIT_LATE_NS	(10 * NSEC_PER_SEC)

/* From the kill to the victim's exit and to the reaper's report. */
static void render_freed(struct oomsnap_out *o, const struct oomsnap_event *ev)
{
	const struct oomsnap_freed *f = &ev->freed;

	if (!f->kill_ns) {
		out_null(o, "freed", "");
		return;
	}
	out_obj_begin(o, "freed", "freed");
	out_ms(o, "exit_ms", f->exit_us, f->exited);
	out_ms(o, "reap_ms", f->reap_us, f->reaped);
	out_bool(o, "exit_late", !f->exited &&
		 ktime_get_mono_fast_ns() - f->kill_ns > OOMSNAP_EXIT_LATE_NS);
	out_obj_end(o);
}

static void out_avg10(struct oomsnap_out *o, const char *key, u16 v)
{
	if (v == U16_MAX) {
		out_null(o, key, "");
		return;
	}
	out_key(o, key, "");
	seq_printf(o->m, "%u.%02u", v / 100, v % 100);
}

/* The samples before the OOM, oldest first. */
static void render_trend(struct oomsnap_out *o, const struct oomsnap_event *ev)
{
	const struct oomsnap_sample *s = oomsnap_event_trend(ev);
	unsigned int i, n = min_t(unsigned int, ev->nr_trend,
				  oomsnap_trend_seconds);

	if (!oomsnap_trend_seconds) {
		out_null(o, "trend", "");
		return;
	}
	out_arr_begin(o, "trend");
	for (i = 0; i < n; i++, s++) {
		out_obj_begin(o, NULL, "sample");
		out_u64(o, "ms_before", s->ms);
		out_pages(o, "available", s->avail);
		out_pages(o, "freeswap", s->freeswap);
		out_pages(o, "file", s->file);
		out_pages(o, "anon", s->anon);
		out_u64(o, "refaults", s->refaults);
		out_u64(o, "pgscan", s->scan);
		out_u64(o, "pgsteal", s->steal);
		out_u64(o, "allocstall", s->allocstall);
		out_avg10(o, "some_avg10", s->some10);
		out_avg10(o, "full_avg10", s->full10);
		out_obj_end(o);
	}
	out_arr_end(o);
}

static void oomsnap_render_event(struct oomsnap_out *o,
				 const struct oomsnap_event *ev)
{
	struct seq_file *m = o->m;
	u32 has = ev->has;

	o->in_line = false;
	o->depth = 0;
	seq_puts(m, o->json ? "{" : "event");
	o->first = o->json;
	if (!out_skip(o, OUT_JSON))
		out_u64(o, "v", 1);
	out_u64(o, o->json ? "seq" : NULL, ev->seq);
	if (!out_skip(o, OUT_JSON)) {
		out_u64(o, "boot_ns", ev->boot_ns);
		out_u64(o, "real_ns", ev->real_ns);
	}
	out_word(o, o->json ? "kind" : NULL, oomsnap_kind_name(ev->kind));
	if (ev->constraint == OOMSNAP_CONSTRAINT_UNKNOWN)
		out_null(o, "constraint", "");
	else
		out_word(o, "constraint",
			 oomsnap_constraint_name(ev->constraint));
	out_word(o, "cause", oomsnap_cause_name(ev->cause));
	out_word(o, "outcome", oomsnap_outcome_name(ev->outcome));
	if (o->json) {
		out_key(o, "gfp_mask", "");
		seq_printf(m, "\"%#x\"", (__force unsigned int)ev->gfp_mask);
		out_key(o, "gfp", "");
		seq_printf(m, "\"%pGg\"", &ev->gfp_mask);
	} else {
		out_key(o, "gfp", "");
		seq_printf(m, "%#x(%pGg)", (__force unsigned int)ev->gfp_mask,
			   &ev->gfp_mask);
	}
	out_s64(o, "order", ev->order);
	if (has & OOMSNAP_HAS_NODEMASK) {
		out_key(o, "nodemask", "");
		seq_printf(m, o->json ? "\"%*pbl\"" : "%*pbl",
			   nodemask_pr_args(&ev->nodemask));
	} else {
		out_null(o, "nodemask", "");
	}
	out_u64(o, "totalpages", ev->totalpages);
	if (!o->json)
		out_u64(o, "boot_ns", ev->boot_ns);

	out_obj_begin(o, "trigger", "trigger");
	out_u64(o, "pid", ev->trigger.pid);
	out_u64(o, "tgid", ev->trigger.tgid);
	out_str(o, "comm", ev->trigger.comm, TASK_COMM_LEN);
	out_s64(o, "oom_score_adj", ev->trigger.adj);
	out_memcg_path(o, "memcg", "memcg_truncated", ev, ev->trigger.memcg);
	render_cmdline(o, &ev->cmd.trigger);
	out_obj_end(o);
	render_stack(o, ev);

	if (has & OOMSNAP_HAS_MEMCG) {
		out_obj_begin(o, "memcg", "memcg");
		/* null when no path could be built (RT on cgroup v1) */
		out_memcg_path(o, "path", "path_truncated", ev, ev->memcg.path);
		out_pages(o, "usage", ev->memcg.usage);
		out_pages(o, "limit", ev->memcg.limit);
		out_obj_end(o);
	} else if (o->json) {
		out_null(o, "memcg", "");
	}

	out_obj_begin(o, "system", "system");
	out_pages(o, "totalram", ev->system.totalram);
	out_pages(o, "freeram", ev->system.freeram);
	if (has & OOMSNAP_HAS_SWAP)
		out_pages(o, "totalswap", ev->system.totalswap);
	else
		out_null(o, "totalswap", "_kb");
	out_pages(o, "freeswap", ev->system.freeswap);
	if (has & OOMSNAP_HAS_COMMITTED)
		out_pages(o, "committed", ev->system.committed);
	else
		out_null(o, "committed", "_kb");
	out_obj_end(o);

	render_mem(o, ev);
	render_zones(o, ev);
	render_victim(o, ev);
	render_killed(o, ev);
	render_cands(o, ev);
	render_spared(o, ev);

	if (has & OOMSNAP_HAS_REAPED) {
		out_obj_begin(o, "reaped", "reaped");
		out_pages(o, "anon_rss", ev->reaped.anon);
		out_pages(o, "file_rss", ev->reaped.file);
		out_pages(o, "shmem_rss", ev->reaped.shmem);
		out_obj_end(o);
	} else {
		out_null(o, "reaped", "");
	}
	render_pressure(o, ev);
	render_freed(o, ev);
	render_trend(o, ev);
	out_u64(o, "capture_ns", ev->capture_ns);
	if (has & OOMSNAP_HAS_OOM_NS)
		out_u64(o, "oom_ns", ev->oom_ns);
	else
		out_null(o, "oom_ns", "");
	seq_puts(m, o->json ? "}\n" : "\n");
}

/**
 * oomsnap_render_json() - one event as a line of JSON (interface section 3.1)
 * @m: where to write
 * @ev: the event
 * @show: OOMSNAP_SHOW_* the reader may see (oomsnap_fs_show()), the rest
 *	of those fields null
 */
void oomsnap_render_json(struct seq_file *m, const struct oomsnap_event *ev,
			 unsigned int show)
{
	struct oomsnap_out o = { .m = m, .json = true, .show = show };

	oomsnap_render_event(&o, ev);
}
EXPORT_SYMBOL_IF_KUNIT(oomsnap_render_json);

/**
 * oomsnap_render_text() - one event as a text block (interface section 3.2)
 * @m: where to write
 * @ev: the event
 * @show: OOMSNAP_SHOW_* the reader may see, as for oomsnap_render_json()
 */
void oomsnap_render_text(struct seq_file *m, const struct oomsnap_event *ev,
			 unsigned int show)
{
	struct oomsnap_out o = { .m = m, .json = false, .show = show };

	oomsnap_render_event(&o, ev);
}
EXPORT_SYMBOL_IF_KUNIT(oomsnap_render_text);
