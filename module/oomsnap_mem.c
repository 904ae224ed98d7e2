// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap: where the memory was at the OOM (interface sections 3.3, 4.1).
 *
 * The kernel's own counters, read into the event's fixed struct
 * oomsnap_mem on the OOM path: the vm_node_stat and vm_zone_stat atomics
 * (what /proc/meminfo and the kernel's OOM report print), the nodes'
 * reclaim failures, the zones' per-CPU free lists and the OOMing memcg's
 * page counters.  Nothing here allocates, sleeps or takes a lock: each
 * figure is one racy read, as the kernel's show_mem() makes them.  What a
 * kernel does not let a module read (oomsnap_compat.h) stays null.
 */
#include <linux/oom.h>
#include <linux/swap.h>
#include <linux/gfp.h>
#include <linux/page_counter.h>
#include "oomsnap.h"

#define PAGES_TO_KB(p)	((unsigned long)(p) << (PAGE_SHIFT - 10))

static void oomsnap_mem_set(struct oomsnap_mem *m, unsigned int item,
			    unsigned long kb)
{
	m->kb[item] = kb;
	m->has |= BIT(item);
}

static void oomsnap_mem_set_pages(struct oomsnap_mem *m, unsigned int item,
				  unsigned long pages)
{
	oomsnap_mem_set(m, item, PAGES_TO_KB(pages));
}

/* Pages on the per-CPU free lists, which NR_FREE_PAGES does not count. */
static unsigned long oomsnap_mem_pcp(void)
{
	unsigned long sum = 0;
	int nid, i, cpu;

	/* for_each_populated_zone() needs next_zone(), not exported */
	for_each_online_node(nid) {
		for (i = 0; i < MAX_NR_ZONES; i++) {
			struct zone *zone = &NODE_DATA(nid)->node_zones[i];

			if (!populated_zone(zone))
				continue;
			for_each_online_cpu(cpu)
				sum += oomsnap_pcp_free(zone, cpu);
		}
	}
	return sum;
}

static void oomsnap_mem_nodes(struct oomsnap_mem *m)
{
	int nid;

	for_each_online_node(nid) {
		int failures = oomsnap_kswapd_failures(NODE_DATA(nid));

		if (m->nr_nodes == OOMSNAP_MEM_NODES)
			return;
		m->nodes[m->nr_nodes].node = nid;
		m->nodes[m->nr_nodes].failures = min_t(int, failures, U16_MAX);
		m->nodes[m->nr_nodes].all_unreclaimable =
			failures >= OOMSNAP_MAX_RECLAIM_RETRIES;
		m->nr_nodes++;
	}
}

/*
 * RAM that none of the disjoint counters above accounts for: hugetlb
 * pools where NR_HUGETLB is missing, vmalloc, per-CPU allocations,
 * driver pages.  The counters drift (per-CPU batches), so a negative
 * difference is 0.
 */
static void oomsnap_mem_unaccounted(struct oomsnap_mem *m, unsigned long ram)
{
	static const u8 counted[] = {
		OOMSNAP_MEM_FREE, OOMSNAP_MEM_PCP_FREE,
		OOMSNAP_MEM_ACTIVE_ANON, OOMSNAP_MEM_INACTIVE_ANON,
		OOMSNAP_MEM_ACTIVE_FILE, OOMSNAP_MEM_INACTIVE_FILE,
		OOMSNAP_MEM_UNEVICTABLE, OOMSNAP_MEM_ISOLATED_ANON,
		OOMSNAP_MEM_ISOLATED_FILE, OOMSNAP_MEM_SLAB_RECLAIMABLE,
		OOMSNAP_MEM_SLAB_UNRECLAIMABLE, OOMSNAP_MEM_KERNEL_STACK,
		OOMSNAP_MEM_PAGETABLES, OOMSNAP_MEM_SEC_PAGETABLES,
		OOMSNAP_MEM_ZSPAGES, OOMSNAP_MEM_KERNEL_MISC_RECLAIMABLE,
		OOMSNAP_MEM_HUGETLB,
	};
	unsigned long sum = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(counted); i++)
		if (m->has & BIT(counted[i]))
			sum += m->kb[counted[i]];
	oomsnap_mem_set(m, OOMSNAP_MEM_UNACCOUNTED,
			ram > sum ? ram - sum : 0);
}

static void oomsnap_mem_memcg(struct oomsnap_mem *m, struct mem_cgroup *memcg)
{
	unsigned long *v = m->memcg;

	if (oomsnap_memcg_stat(memcg, &v[OOMSNAP_MEMCG_ANON],
			       &v[OOMSNAP_MEMCG_FILE], &v[OOMSNAP_MEMCG_SHMEM],
			       &v[OOMSNAP_MEMCG_SLAB],
			       &v[OOMSNAP_MEMCG_KERNEL_STACK]))
		m->memcg_has |= BIT(OOMSNAP_MEMCG_ANON) |
				BIT(OOMSNAP_MEMCG_FILE) |
				BIT(OOMSNAP_MEMCG_SHMEM) |
				BIT(OOMSNAP_MEMCG_SLAB) |
				BIT(OOMSNAP_MEMCG_KERNEL_STACK);
	if (oomsnap_memcg_swap(memcg, &v[OOMSNAP_MEMCG_SWAP],
			       &v[OOMSNAP_MEMCG_SWAP_MAX],
			       &v[OOMSNAP_MEMCG_MIN], &v[OOMSNAP_MEMCG_LOW])) {
		v[OOMSNAP_MEMCG_SWAP] = PAGES_TO_KB(v[OOMSNAP_MEMCG_SWAP]);
		/* "max" in memory.swap.max; ULONG_MAX renders so */
		if (v[OOMSNAP_MEMCG_SWAP_MAX] < PAGE_COUNTER_MAX)
			v[OOMSNAP_MEMCG_SWAP_MAX] =
				PAGES_TO_KB(v[OOMSNAP_MEMCG_SWAP_MAX]);
		else
			v[OOMSNAP_MEMCG_SWAP_MAX] = ULONG_MAX;
		v[OOMSNAP_MEMCG_MIN] = PAGES_TO_KB(v[OOMSNAP_MEMCG_MIN]);
		v[OOMSNAP_MEMCG_LOW] = PAGES_TO_KB(v[OOMSNAP_MEMCG_LOW]);
		m->memcg_has |= BIT(OOMSNAP_MEMCG_SWAP) |
				BIT(OOMSNAP_MEMCG_SWAP_MAX) |
				BIT(OOMSNAP_MEMCG_MIN) | BIT(OOMSNAP_MEMCG_LOW);
	}
}

/**
 * oomsnap_mem_capture() - read the memory breakdown at the OOM's entry
 * @ev: the event being captured; ev->system is already read
 * @oc: the kernel's oom_control; oc->memcg is pinned by the OOM path
 *
 * Runs in out_of_memory()'s kretprobe entry handler: no allocation, no
 * sleeping, no lock; bounded by the number of zones times online CPUs.
 */
void oomsnap_mem_capture(struct oomsnap_event *ev,
			 const struct oom_control *oc)
{
	struct oomsnap_mem *m = &ev->mem;
	unsigned long v;

	oomsnap_mem_set_pages(m, OOMSNAP_MEM_FREE,
			      global_zone_page_state(NR_FREE_PAGES));
	oomsnap_mem_set_pages(m, OOMSNAP_MEM_PCP_FREE, oomsnap_mem_pcp());
	oomsnap_mem_set_pages(m, OOMSNAP_MEM_ACTIVE_ANON,
			      global_node_page_state(NR_ACTIVE_ANON));
	oomsnap_mem_set_pages(m, OOMSNAP_MEM_INACTIVE_ANON,
			      global_node_page_state(NR_INACTIVE_ANON));
	oomsnap_mem_set_pages(m, OOMSNAP_MEM_ACTIVE_FILE,
			      global_node_page_state(NR_ACTIVE_FILE));
	oomsnap_mem_set_pages(m, OOMSNAP_MEM_INACTIVE_FILE,
			      global_node_page_state(NR_INACTIVE_FILE));
	oomsnap_mem_set_pages(m, OOMSNAP_MEM_UNEVICTABLE,
			      global_node_page_state(NR_UNEVICTABLE));
	oomsnap_mem_set_pages(m, OOMSNAP_MEM_MLOCKED,
			      global_zone_page_state(NR_MLOCK));
	oomsnap_mem_set_pages(m, OOMSNAP_MEM_SHMEM,
			      global_node_page_state(NR_SHMEM));
	oomsnap_mem_set_pages(m, OOMSNAP_MEM_SLAB_RECLAIMABLE,
			      global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B));
	oomsnap_mem_set_pages(m, OOMSNAP_MEM_SLAB_UNRECLAIMABLE,
			      global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B));
	oomsnap_mem_set(m, OOMSNAP_MEM_KERNEL_STACK,
			global_node_page_state(NR_KERNEL_STACK_KB));
	oomsnap_mem_set_pages(m, OOMSNAP_MEM_PAGETABLES, oomsnap_pagetables());
	if (oomsnap_sec_pagetables(&v))
		oomsnap_mem_set_pages(m, OOMSNAP_MEM_SEC_PAGETABLES, v);
	if (oomsnap_swapcache(&v))
		oomsnap_mem_set_pages(m, OOMSNAP_MEM_SWAPCACHE, v);
	oomsnap_mem_set_pages(m, OOMSNAP_MEM_DIRTY,
			      global_node_page_state(NR_FILE_DIRTY));
	oomsnap_mem_set_pages(m, OOMSNAP_MEM_WRITEBACK,
			      global_node_page_state(NR_WRITEBACK));
	oomsnap_mem_set_pages(m, OOMSNAP_MEM_ISOLATED_ANON,
			      global_node_page_state(NR_ISOLATED_ANON));
	oomsnap_mem_set_pages(m, OOMSNAP_MEM_ISOLATED_FILE,
			      global_node_page_state(NR_ISOLATED_FILE));
	if (oomsnap_zspages(&v))
		oomsnap_mem_set_pages(m, OOMSNAP_MEM_ZSPAGES, v);
	oomsnap_mem_set_pages(m, OOMSNAP_MEM_KERNEL_MISC_RECLAIMABLE,
			      global_node_page_state(NR_KERNEL_MISC_RECLAIMABLE));
	if (oomsnap_hugetlb(&v))
		oomsnap_mem_set_pages(m, OOMSNAP_MEM_HUGETLB, v);
	if (oomsnap_vmalloc(&v))
		oomsnap_mem_set_pages(m, OOMSNAP_MEM_VMALLOC, v);
	oomsnap_mem_unaccounted(m, PAGES_TO_KB(ev->system.totalram));
	oomsnap_mem_nodes(m);
	if (oc->memcg)
		oomsnap_mem_memcg(m, oc->memcg);
}

/**
 * oomsnap_mem_reasons() - why swap did not help (interface section 4.1)
 * @ev: the event, its figures captured
 *
 * A pure function of the record, so that each threshold can be tested on
 * both sides with constructed events as well as on real OOMs.
 *
 * Return: a bit per enum oomsnap_reason that applies.
 */
u16 oomsnap_mem_reasons(const struct oomsnap_event *ev)
{
	const struct oomsnap_mem *m = &ev->mem;
	const unsigned long *kb = m->kb;
	unsigned long ram = PAGES_TO_KB(ev->system.totalram);
	unsigned long kernel, user;
	u16 r = 0;

	if (ev->order < 0)	/* sysrq: nothing ran out */
		return 0;
	if (!(ev->gfp_mask & __GFP_IO))
		r |= BIT(OOMSNAP_REASON_GFP_NO_IO);
	if (ev->kind == OOMSNAP_KIND_MEMCG) {
		const unsigned long *c = m->memcg;

		if ((m->memcg_has & BIT(OOMSNAP_MEMCG_SWAP)) &&
		    c[OOMSNAP_MEMCG_SWAP] >= c[OOMSNAP_MEMCG_SWAP_MAX] &&
		    ev->system.freeswap)
			r |= BIT(OOMSNAP_REASON_MEMCG_SWAP_LIMIT);
		return r;
	}
	if (gfp_zone(ev->gfp_mask) < ZONE_NORMAL)
		r |= BIT(OOMSNAP_REASON_GFP_LOW_ZONES);
	/* the breakdown's core counters exist on every kernel */
	kernel = kb[OOMSNAP_MEM_SLAB_UNRECLAIMABLE] +
		 kb[OOMSNAP_MEM_KERNEL_STACK] + kb[OOMSNAP_MEM_PAGETABLES] +
		 kb[OOMSNAP_MEM_SEC_PAGETABLES];
	user = kb[OOMSNAP_MEM_ACTIVE_ANON] + kb[OOMSNAP_MEM_INACTIVE_ANON] +
	       kb[OOMSNAP_MEM_ACTIVE_FILE] + kb[OOMSNAP_MEM_INACTIVE_FILE] +
	       kb[OOMSNAP_MEM_UNEVICTABLE];
	if ((m->has & BIT(OOMSNAP_MEM_SLAB_UNRECLAIMABLE)) && kernel > user)
		r |= BIT(OOMSNAP_REASON_KERNEL_MEMORY);
	if ((m->has & BIT(OOMSNAP_MEM_UNEVICTABLE)) &&
	    kb[OOMSNAP_MEM_UNEVICTABLE] > ram / 2)
		r |= BIT(OOMSNAP_REASON_UNEVICTABLE);
	/* a hugetlb pool is unaccounted where NR_HUGETLB is missing */
	if ((m->has & BIT(OOMSNAP_MEM_UNACCOUNTED)) &&
	    kb[OOMSNAP_MEM_UNACCOUNTED] + kb[OOMSNAP_MEM_HUGETLB] > ram / 4)
		r |= BIT(OOMSNAP_REASON_UNACCOUNTED);
	return r;
}
EXPORT_SYMBOL_IF_KUNIT(oomsnap_mem_reasons);

/**
 * oomsnap_mem_finish() - what needs the kernel's decision: swap, reasons
 * @ev: the event; totalpages and constraint are set
 *
 * For a global OOM without constraint, constrained_alloc() sets
 * totalpages to totalram_pages() + total_swap_pages: total swap follows
 * from the kernel's own figure (total_swap_pages, si_swapinfo() are not
 * exported).  Other OOMs size totalpages otherwise: null.
 */
void oomsnap_mem_finish(struct oomsnap_event *ev)
{
	if (ev->kind == OOMSNAP_KIND_GLOBAL &&
	    ev->constraint == OOMSNAP_CONSTRAINT_NONE &&
	    ev->totalpages >= ev->system.totalram) {
		ev->system.totalswap = ev->totalpages - ev->system.totalram;
		ev->has |= OOMSNAP_HAS_SWAP;
	}
	ev->mem.reasons = oomsnap_mem_reasons(ev);
}
