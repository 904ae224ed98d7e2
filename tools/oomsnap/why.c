// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap CLI: why swap did not help, in sentences (interface section 4.1).
 *
 * The reasons are the module's, computed from its own figures; this file
 * only words them, with the figures of the record's memory breakdown
 * (interface section 3.3), and says what to do about each.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oomsnap.h"

static void mb(struct sbuf *s, json_object *rec, const char *path)
{
	sb_printf(s, "%.1f MB", rec_int(rec, path) / 1024.0);
}

/*
 * @text with each "{path}" in it replaced by the record's figure at path,
 * in MB: the sentences read as written, their figures in place.
 */
static void say(struct sbuf *s, json_object *rec, const char *text)
{
	const char *open, *close;
	char path[64];

	while ((open = strchr(text, '{')) && (close = strchr(open, '}'))) {
		sb_printf(s, "%.*s", (int)(open - text), text);
		snprintf(path, sizeof(path), "%.*s", (int)(close - open - 1),
			 open + 1);
		mb(s, rec, path);
		text = close + 1;
	}
	sb_puts(s, text);
}

static bool has_reason(json_object *rec, const char *name)
{
	json_object *r = rec_get(rec, "reasons");
	size_t i, n;

	if (!r || !json_object_is_type(r, json_type_array))
		return false;
	n = json_object_array_length(r);
	for (i = 0; i < n; i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(r, i)), name))
			return true;
	return false;
}

static void kernel_memory(struct sbuf *s, json_object *rec)
{
	say(s, rec,
	    " The kernel held more memory than user space: unreclaimable slab {mem.slab_unreclaimable_kb}, kernel stacks {mem.kernel_stack_kb}, page tables {mem.pagetables_kb}, against ");
	sb_printf(s, "%.1f MB",
		  (rec_int(rec, "mem.active_anon_kb") + rec_int(rec, "mem.inactive_anon_kb") +
		   rec_int(rec, "mem.active_file_kb") + rec_int(rec, "mem.inactive_file_kb") +
		   rec_int(rec, "mem.unevictable_kb")) / 1024.0);
	sb_puts(s,
		" on the LRU lists. No swap can take kernel memory, and vm.overcommit_memory=2 does not limit it: the commit limit counts user-space mappings only. Find the slab cache that grew with slabtop or /proc/slabinfo (kmemleak for a leak); many page tables or stacks mean many processes or threads, or sparse mappings: count them (ps -eLf | wc -l) and cap them (pids.max, ulimit -u).");
}

static void unevictable(struct sbuf *s, json_object *rec)
{
	say(s, rec,
	    " {mem.unevictable_kb} of RAM was unevictable ({mem.mlocked_kb} of it mlocked); reclaim may not swap such pages. Find who locks memory (VmLck in /proc/PID/status; ramfs mounts; SHM_LOCK segments) and cap it with RLIMIT_MEMLOCK (ulimit -l, LimitMEMLOCK=).");
}

static void unaccounted(struct sbuf *s, json_object *rec)
{
	say(s, rec, " {mem.unaccounted_kb} of RAM was in no counter");
	if (rec_has(rec, "mem.hugetlb_kb"))
		say(s, rec, " and {mem.hugetlb_kb} in hugetlb pools");
	sb_puts(s,
		": a hugetlb pool (HugePages_Total in /proc/meminfo; vm.nr_hugepages, hugepages= on the kernel command line), or driver and vmalloc memory (VmallocUsed, a GPU or network driver). Swap cannot take either: shrink the pool to what is used, or find the driver.");
}

static void memcg_swap_limit(struct sbuf *s, json_object *rec)
{
	sb_puts(s, " ");
	sb_v(s, rec, "memcg.path");
	sb_puts(s, " had used its swap allowance (memory.swap.max ");
	if (rec_int(rec, "memcg_mem.swap_max_kb") >= 0)
		mb(s, rec, "memcg_mem.swap_max_kb");
	else
		sb_v(s, rec, "memcg_mem.swap_max_kb");
	say(s, rec,
	    ", swapped {memcg_mem.swap_kb}) while the system had {system.freeswap_kb} of swap free. Raise its memory.swap.max (MemorySwapMax= in systemd, --memory-swap in docker) if it may swap, or its memory.max if it may not.");
}

/* The reasons about the allocation itself: what its gfp mask forbade. */
static const struct {
	const char *reason;
	const char *says;
} gfp_reasons[] = {
	{
		"gfp_no_io",
		") was not allowed to start I/O, so reclaim could not write pages to swap: a filesystem or block driver allocating under its own locks. Its caller is the one to look at (the kernel's OOM report has its stack).",
	},
	{
		"gfp_low_zones",
		") could only use low zones (DMA or DMA32), so memory freed in Normal, by swap or otherwise, could not serve it: a device limited to 32-bit (or 24-bit) addresses. Look at the driver; an IOMMU lifts the limit.",
	},
};

/* The reasons about memory, in the order the paragraph gives them. */
static const struct {
	const char *reason;
	void (*say)(struct sbuf *s, json_object *rec);
} mem_reasons[] = {
	{ "memcg_swap_limit", memcg_swap_limit },
	{ "kernel_memory", kernel_memory },
	{ "unevictable", unevictable },
	{ "unaccounted", unaccounted },
};

/* The number after @key in @proc/meminfo, kB; -1 when absent. */
static long long meminfo_kb(const char *proc, const char *key)
{
	char path[PATH_MAX], line[256];
	long long v = -1;
	size_t n = strlen(key);
	FILE *f;

	snprintf(path, sizeof(path), "%s/meminfo", proc);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			v = strtoll(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/**
 * explain_overcommit() - strict overcommit, which did not prevent the OOM
 * @s: where to write
 * @rec: the event record
 * @proc: where /proc is ("/proc"; a copy in the tests), NULL: not this host
 *
 * No kernel exports the overcommit policy or the commit limit to a module
 * (interface section 3.1), so the record cannot hold them; for a record of
 * this boot read from the module itself the CLI reads them now and says so.
 * Said for an OOM outside any memcg under vm.overcommit_memory=2 (seed
 * 002's question: the commit limit governs user-space mappings, not the
 * kernel's own allocations).
 *
 * Return: whether a sentence was written.
 */
bool explain_overcommit(struct sbuf *s, json_object *rec, const char *proc)
{
	char path[PATH_MAX], buf[16] = "";
	long long limit;
	FILE *f;
	json_object *prev = rec_get(rec, "previous_boot");

	if (!proc || (prev && json_object_get_boolean(prev)) ||
	    !rec_is(rec, "kind", "global"))
		return false;
	snprintf(path, sizeof(path), "%s/sys/vm/overcommit_memory", proc);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	if (atoi(buf) != 2)
		return false;
	limit = meminfo_kb(proc, "CommitLimit");
	sb_puts(s, " This host runs vm.overcommit_memory=2 (strict), read now: no kernel lets a module read the policy, so the record cannot hold it. Its commit limit");
	if (limit >= 0)
		sb_printf(s, " (CommitLimit %.1f MB now)", limit / 1024.0);
	if (rec_has(rec, "system.committed_kb"))
		say(s, rec, ", against {system.committed_kb} committed at the OOM,");
	sb_puts(s, " bounds what user space may map, not what the kernel allocates for itself (slab, stacks, page tables): strict overcommit does not prevent an OOM like this one.");
	return true;
}

/**
 * explain_swap() - the "why swap did not help" paragraph
 * @s: where to write
 * @rec: the event record
 *
 * Return: false when the record has no reasons to give (older modules,
 * or none applied), and nothing was written.
 */
bool explain_swap(struct sbuf *s, json_object *rec)
{
	json_object *r = rec_get(rec, "reasons");
	size_t i;

	if (!r || !json_object_is_type(r, json_type_array) ||
	    !json_object_array_length(r))
		return false;
	if (rec_has(rec, "system.totalswap_kb"))
		say(s, rec,
		    "Why swap did not help: swap had {system.freeswap_kb} free of {system.totalswap_kb}.");
	else
		say(s, rec, "Why swap did not help: swap had {system.freeswap_kb} free.");
	for (i = 0; i < ARRAY_SIZE(mem_reasons); i++)
		if (has_reason(rec, mem_reasons[i].reason))
			mem_reasons[i].say(s, rec);
	for (i = 0; i < ARRAY_SIZE(gfp_reasons); i++) {
		if (!has_reason(rec, gfp_reasons[i].reason))
			continue;
		sb_puts(s, " The allocation (");
		sb_v(s, rec, "gfp");
		sb_puts(s, gfp_reasons[i].says);
	}
	explain_overcommit(s, rec, reading_live() ? "/proc" : NULL);
	return true;
}
