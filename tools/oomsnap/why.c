// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap CLI: why swap did not help, in sentences (interface section 4.1).
 *
 * The reasons are the module's, computed from its own figures; this file
 * only words them, with the figures of the record's memory breakdown
 * (interface section 3.3), and says what to do about each.
 */
#include <string.h>

#include "oomsnap.h"

static void mb(struct sbuf *s, json_object *rec, const char *path)
{
	sb_printf(s, "%.1f MB", rec_int(rec, path) / 1024.0);
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
	sb_puts(s, " The kernel held more memory than user space: unreclaimable slab ");
	mb(s, rec, "mem.slab_unreclaimable_kb");
	sb_puts(s, ", kernel stacks ");
	mb(s, rec, "mem.kernel_stack_kb");
	sb_puts(s, ", page tables ");
	mb(s, rec, "mem.pagetables_kb");
	sb_puts(s, ", against ");
	sb_printf(s, "%.1f MB",
		  (rec_int(rec, "mem.active_anon_kb") + rec_int(rec, "mem.inactive_anon_kb") +
		   rec_int(rec, "mem.active_file_kb") + rec_int(rec, "mem.inactive_file_kb") +
		   rec_int(rec, "mem.unevictable_kb")) / 1024.0);
	sb_puts(s,
		" on the LRU lists. No swap can take kernel memory, and vm.overcommit_memory=2 does not limit it: the commit limit counts user-space mappings only. Find the slab cache that grew with slabtop or /proc/slabinfo (kmemleak for a leak); many page tables or stacks mean many processes or threads, or sparse mappings: count them (ps -eLf | wc -l) and cap them (pids.max, ulimit -u).");
}

static void unevictable(struct sbuf *s, json_object *rec)
{
	sb_puts(s, " ");
	mb(s, rec, "mem.unevictable_kb");
	sb_puts(s, " of RAM was unevictable (");
	mb(s, rec, "mem.mlocked_kb");
	sb_puts(s,
		" of it mlocked); reclaim may not swap such pages. Find who locks memory (VmLck in /proc/PID/status; ramfs mounts; SHM_LOCK segments) and cap it with RLIMIT_MEMLOCK (ulimit -l, LimitMEMLOCK=).");
}

static void unaccounted(struct sbuf *s, json_object *rec)
{
	sb_puts(s, " ");
	mb(s, rec, "mem.unaccounted_kb");
	sb_puts(s, " of RAM was in no counter");
	if (rec_has(rec, "mem.hugetlb_kb")) {
		sb_puts(s, " and ");
		mb(s, rec, "mem.hugetlb_kb");
		sb_puts(s, " in hugetlb pools");
	}
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
	sb_puts(s, ", swapped ");
	mb(s, rec, "memcg_mem.swap_kb");
	sb_puts(s, ") while the system had ");
	mb(s, rec, "system.freeswap_kb");
	sb_puts(s,
		" of swap free. Raise its memory.swap.max (MemorySwapMax= in systemd, --memory-swap in docker) if it may swap, or its memory.max if it may not.");
}

static void gfp(struct sbuf *s, json_object *rec)
{
	if (has_reason(rec, "gfp_no_io")) {
		sb_puts(s, " The allocation (");
		sb_v(s, rec, "gfp");
		sb_puts(s,
			") was not allowed to start I/O, so reclaim could not write pages to swap: a filesystem or block driver allocating under its own locks. Its caller is the one to look at (the kernel's OOM report has its stack).");
	}
	if (has_reason(rec, "gfp_low_zones")) {
		sb_puts(s, " The allocation (");
		sb_v(s, rec, "gfp");
		sb_puts(s,
			") could only use low zones (DMA or DMA32), so memory freed in Normal, by swap or otherwise, could not serve it: a device limited to 32-bit (or 24-bit) addresses. Look at the driver; an IOMMU lifts the limit.");
	}
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

	if (!r || !json_object_is_type(r, json_type_array) ||
	    !json_object_array_length(r))
		return false;
	sb_puts(s, "Why swap did not help: swap had ");
	if (rec_has(rec, "system.totalswap_kb")) {
		mb(s, rec, "system.freeswap_kb");
		sb_puts(s, " free of ");
		mb(s, rec, "system.totalswap_kb");
	} else {
		mb(s, rec, "system.freeswap_kb");
		sb_puts(s, " free");
	}
	sb_puts(s, ".");
	if (has_reason(rec, "memcg_swap_limit"))
		memcg_swap_limit(s, rec);
	if (has_reason(rec, "kernel_memory"))
		kernel_memory(s, rec);
	if (has_reason(rec, "unevictable"))
		unevictable(s, rec);
	if (has_reason(rec, "unaccounted"))
		unaccounted(s, rec);
	gfp(s, rec);
	return true;
}
