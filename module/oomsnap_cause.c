// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap: why did this OOM happen (interface section 4).
 *
 * Pure functions of the captured data, so that they can be tested with
 * constructed inputs (KUnit) as well as on real events.
 */
#include "oomsnap.h"

/**
 * oomsnap_zone_fragmented() - free memory exists but not in big enough blocks
 * @z: the zone
 * @order: the allocation order
 *
 * The zone has free pages above its min watermark, yet no free block of
 * @order or larger: the request failed on fragmentation, not on quantity.
 */
bool oomsnap_zone_fragmented(const struct oomsnap_zone *z, int order)
{
	unsigned int o;

	if (order <= 0 || order >= OOMSNAP_NR_ORDERS || z->free <= z->min)
		return false;
	for (o = order; o < OOMSNAP_NR_ORDERS; o++)
		if (z->blocks[o])
			return false;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(oomsnap_zone_fragmented);

/**
 * oomsnap_zone_fragmented_for() - a zone the allocation could use failed it
 *	on fragmentation
 * @z: the zone
 * @order: the allocation order
 * @highest_zone: the highest zone index the allocation may use (gfp_zone())
 *
 * The per-zone "fragmented" flag of the record (interface section 3.1) and
 * the fragmentation cause both come from here, so that a reader naming the
 * zones that caused it names those the classifier saw.
 */
bool oomsnap_zone_fragmented_for(const struct oomsnap_zone *z, int order,
				 unsigned int highest_zone)
{
	return z->zone <= highest_zone && oomsnap_zone_fragmented(z, order);
}

/**
 * oomsnap_classify() - the cause of an OOM event
 * @in: what was captured
 *
 * Return: one of enum oomsnap_cause.
 */
enum oomsnap_cause oomsnap_classify(const struct oomsnap_cause_in *in)
{
	unsigned int i;

	if (in->order < 0)
		return OOMSNAP_CAUSE_SYSRQ;
	if (in->kind == OOMSNAP_KIND_MEMCG) {
		if (in->trigger_memcg_is_limit)
			return OOMSNAP_CAUSE_MEMCG_LIMIT;
		if (in->limit_is_ancestor)
			return OOMSNAP_CAUSE_ANCESTOR_MEMCG_LIMIT;
		/*
		 * The OOM ran in the context of a task outside the memcg
		 * at its limit: a memory.max write below its usage
		 * (memory_max_write() calls the OOM killer itself), or a
		 * charge made on another cgroup's behalf.
		 */
		return OOMSNAP_CAUSE_MEMCG_LIMIT_EXTERNAL;
	}
	if (in->constraint == OOMSNAP_CONSTRAINT_CPUSET ||
	    in->constraint == OOMSNAP_CONSTRAINT_MEMORY_POLICY)
		return OOMSNAP_CAUSE_NODE_MEMORY;
	for (i = 0; i < in->nr_zones; i++)
		if (oomsnap_zone_fragmented_for(&in->zones[i], in->order,
						in->highest_zone))
			return OOMSNAP_CAUSE_FRAGMENTATION;
	return OOMSNAP_CAUSE_SYSTEM_MEMORY;
}
EXPORT_SYMBOL_IF_KUNIT(oomsnap_classify);
