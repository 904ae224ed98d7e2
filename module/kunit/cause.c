// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap KUnit: the cause classifier and the fragmentation test, on
 * constructed zones (oomsnap_cause.c), and the names of the enum values.
 */
#include <kunit/test.h>
#include <linux/mmzone.h>
#include "../oomsnap.h"

/* A zone with @free pages over a min watermark of 100, no free blocks. */
static struct oomsnap_zone cz(u8 zone, u32 free)
{
	struct oomsnap_zone z = {
		.name = "Normal", .zone = zone, .free = free,
		.min = 100, .low = 125, .high = 150, .managed = 100000,
	};
	return z;
}

static enum oomsnap_cause classify(u8 kind, u8 constraint, int order,
				   const struct oomsnap_zone *zones,
				   unsigned int nr, u8 highest_zone)
{
	struct oomsnap_cause_in in = {
		.kind = kind, .constraint = constraint, .order = order,
		.zones = zones, .nr_zones = nr, .highest_zone = highest_zone,
	};
	return oomsnap_classify(&in);
}

static void cause_sysrq(struct kunit *test)
{
	struct oomsnap_zone z = cz(ZONE_NORMAL, 5000);

	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_SYSRQ,
			classify(OOMSNAP_KIND_GLOBAL, OOMSNAP_CONSTRAINT_NONE,
				 -1, &z, 1, ZONE_NORMAL));
	/* order -1 wins over everything else */
	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_SYSRQ,
			classify(OOMSNAP_KIND_GLOBAL, OOMSNAP_CONSTRAINT_CPUSET,
				 -1, NULL, 0, ZONE_NORMAL));
}

static void cause_memcg(struct kunit *test)
{
	struct oomsnap_zone z = cz(ZONE_NORMAL, 5000);	/* fragmented */
	struct oomsnap_cause_in in = {
		.kind = OOMSNAP_KIND_MEMCG,
		.constraint = OOMSNAP_CONSTRAINT_MEMCG,
		.highest_zone = ZONE_NORMAL,
		.zones = &z, .nr_zones = 1, .order = 3,
	};

	/* own memcg at its limit (the descendant test is reflexive) */
	in.trigger_memcg_is_limit = true;
	in.limit_is_ancestor = true;
	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_MEMCG_LIMIT, oomsnap_classify(&in));
	in.limit_is_ancestor = false;
	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_MEMCG_LIMIT, oomsnap_classify(&in));
	/* an ancestor of the trigger's memcg at its limit */
	in.trigger_memcg_is_limit = false;
	in.limit_is_ancestor = true;
	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_ANCESTOR_MEMCG_LIMIT,
			oomsnap_classify(&in));
	/*
	 * neither: the OOM ran in a task outside the memcg at its limit (a
	 * memory.max write, a charge on another cgroup's behalf); this was
	 * memcg_limit before (issue 14, item 5)
	 */
	in.limit_is_ancestor = false;
	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_MEMCG_LIMIT_EXTERNAL,
			oomsnap_classify(&in));
	in.order = 0;
	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_MEMCG_LIMIT_EXTERNAL,
			oomsnap_classify(&in));
	/* a sysrq-f never has a memcg, but order -1 still wins */
	in.order = -1;
	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_SYSRQ, oomsnap_classify(&in));
	/* fragmentation never explains a memcg OOM, order 0 or not */
	in.trigger_memcg_is_limit = true;
	in.order = 0;
	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_MEMCG_LIMIT, oomsnap_classify(&in));
}

static void cause_node_memory(struct kunit *test)
{
	struct oomsnap_zone z = cz(ZONE_NORMAL, 5000);	/* fragmented */

	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_NODE_MEMORY,
			classify(OOMSNAP_KIND_GLOBAL, OOMSNAP_CONSTRAINT_CPUSET,
				 0, &z, 1, ZONE_NORMAL));
	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_NODE_MEMORY,
			classify(OOMSNAP_KIND_GLOBAL,
				 OOMSNAP_CONSTRAINT_MEMORY_POLICY, 4, &z, 1,
				 ZONE_NORMAL));
	/* constraint not computed (the OOM ended early): not node memory */
	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_SYSTEM_MEMORY,
			classify(OOMSNAP_KIND_GLOBAL,
				 OOMSNAP_CONSTRAINT_UNKNOWN, 0, NULL, 0,
				 ZONE_NORMAL));
}

static void cause_zone_fragmented(struct kunit *test)
{
	struct oomsnap_zone z = cz(ZONE_NORMAL, 5000);
	unsigned int o;

	/* free blocks only below the order asked for */
	z.blocks[0] = 1000;
	z.blocks[1] = 500;
	z.blocks[2] = 250;
	KUNIT_EXPECT_TRUE(test, oomsnap_zone_fragmented(&z, 3));
	KUNIT_EXPECT_FALSE(test, oomsnap_zone_fragmented(&z, 2));
	KUNIT_EXPECT_FALSE(test, oomsnap_zone_fragmented(&z, 1));
	/* order 0 and sysrq's -1 are never fragmentation */
	KUNIT_EXPECT_FALSE(test, oomsnap_zone_fragmented(&z, 0));
	KUNIT_EXPECT_FALSE(test, oomsnap_zone_fragmented(&z, -1));
	/* orders the zone does not have */
	KUNIT_EXPECT_FALSE(test, oomsnap_zone_fragmented(&z, OOMSNAP_NR_ORDERS));
	KUNIT_EXPECT_FALSE(test, oomsnap_zone_fragmented(&z, INT_MAX));
	/* one block of the largest order is enough for every order */
	z.blocks[OOMSNAP_NR_ORDERS - 1] = 1;
	for (o = 1; o < OOMSNAP_NR_ORDERS; o++)
		KUNIT_EXPECT_FALSE(test, oomsnap_zone_fragmented(&z, o));
	z.blocks[OOMSNAP_NR_ORDERS - 1] = 0;
	KUNIT_EXPECT_TRUE(test,
			  oomsnap_zone_fragmented(&z, OOMSNAP_NR_ORDERS - 1));
	/* min watermark boundary: free must be above min */
	z.free = z.min;
	KUNIT_EXPECT_FALSE(test, oomsnap_zone_fragmented(&z, 3));
	z.free = z.min + 1;
	KUNIT_EXPECT_TRUE(test, oomsnap_zone_fragmented(&z, 3));
	z.free = 0;
	KUNIT_EXPECT_FALSE(test, oomsnap_zone_fragmented(&z, 3));
}

static void cause_fragmentation(struct kunit *test)
{
	static const struct {
		int order;
		unsigned int nr_zones;
		u8 highest_zone;
		u32 normal_order2;	/* order-2 blocks free in Normal */
		enum oomsnap_cause want;
	} cases[] = {
		/* Normal is fragmented at order 2 */
		{ 2, 3, ZONE_NORMAL, 0, OOMSNAP_CAUSE_FRAGMENTATION },
		/* the same zones at order 0: plain shortage */
		{ 0, 3, ZONE_NORMAL, 0, OOMSNAP_CAUSE_SYSTEM_MEMORY },
		/* a GFP_DMA32 request may not use Normal: only DMA32 counts */
		{ 2, 3, ZONE_DMA32, 0, OOMSNAP_CAUSE_SYSTEM_MEMORY },
		/* only a zone above the allowed one is fragmented */
		{ 2, 3, ZONE_NORMAL, 1, OOMSNAP_CAUSE_SYSTEM_MEMORY },
		{ 2, 3, ZONE_MOVABLE, 1, OOMSNAP_CAUSE_FRAGMENTATION },
		/* no zones captured: nothing to blame but memory */
		{ 2, 0, ZONE_NORMAL, 1, OOMSNAP_CAUSE_SYSTEM_MEMORY },
	};
	struct oomsnap_zone zones[3] = {
		cz(ZONE_DMA32, 50),	/* below min: exhausted */
		cz(ZONE_NORMAL, 4000),	/* plenty free, all order 0 */
		cz(ZONE_MOVABLE, 4000),
	};
	unsigned int i;

	zones[0].blocks[4] = 2;
	zones[1].blocks[0] = 4000;
	zones[2].blocks[0] = 4000;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		zones[1].blocks[2] = cases[i].normal_order2;
		KUNIT_EXPECT_EQ_MSG(test, cases[i].want,
				    classify(OOMSNAP_KIND_GLOBAL,
					     OOMSNAP_CONSTRAINT_NONE,
					     cases[i].order, zones,
					     cases[i].nr_zones,
					     cases[i].highest_zone),
				    "case %u", i);
	}
	/* the gfp mask the capture code derives highest_zone from */
	KUNIT_EXPECT_EQ(test, ZONE_NORMAL, gfp_zone(GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, ZONE_DMA32, gfp_zone(GFP_DMA32));
}

static void cause_names(struct kunit *test)
{
	static const char * const want[] = {
		[OOMSNAP_CAUSE_MEMCG_LIMIT] = "memcg_limit",
		[OOMSNAP_CAUSE_ANCESTOR_MEMCG_LIMIT] = "ancestor_memcg_limit",
		[OOMSNAP_CAUSE_NODE_MEMORY] = "node_memory",
		[OOMSNAP_CAUSE_FRAGMENTATION] = "fragmentation",
		[OOMSNAP_CAUSE_SYSRQ] = "sysrq",
		[OOMSNAP_CAUSE_SYSTEM_MEMORY] = "system_memory",
		[OOMSNAP_CAUSE_MEMCG_LIMIT_EXTERNAL] = "memcg_limit_external",
	};
	unsigned int i;

	KUNIT_EXPECT_EQ(test, ARRAY_SIZE(want), OOMSNAP_CAUSE_NR);
	for (i = 0; i < ARRAY_SIZE(want); i++)
		KUNIT_EXPECT_STREQ(test, want[i], oomsnap_cause_name(i));
	KUNIT_EXPECT_STREQ(test, "?", oomsnap_cause_name(ARRAY_SIZE(want)));
	KUNIT_EXPECT_STREQ(test, "?", oomsnap_cause_name(UINT_MAX));
	KUNIT_EXPECT_STREQ(test, "global", oomsnap_kind_name(OOMSNAP_KIND_GLOBAL));
	KUNIT_EXPECT_STREQ(test, "memcg", oomsnap_kind_name(OOMSNAP_KIND_MEMCG));
	KUNIT_EXPECT_STREQ(test, "?", oomsnap_kind_name(2));
	KUNIT_EXPECT_STREQ(test, "none",
			   oomsnap_constraint_name(OOMSNAP_CONSTRAINT_NONE));
	KUNIT_EXPECT_STREQ(test, "memory_policy",
			   oomsnap_constraint_name(OOMSNAP_CONSTRAINT_MEMORY_POLICY));
	KUNIT_EXPECT_STREQ(test, "?",
			   oomsnap_constraint_name(OOMSNAP_CONSTRAINT_UNKNOWN));
	KUNIT_EXPECT_STREQ(test, "current_exiting",
			   oomsnap_outcome_name(OOMSNAP_OUTCOME_CURRENT_EXITING));
	KUNIT_EXPECT_STREQ(test, "?", oomsnap_outcome_name(3));
}

static struct kunit_case oomsnap_cause_cases[] = {
	KUNIT_CASE(cause_sysrq),
	KUNIT_CASE(cause_memcg),
	KUNIT_CASE(cause_node_memory),
	KUNIT_CASE(cause_zone_fragmented),
	KUNIT_CASE(cause_fragmentation),
	KUNIT_CASE(cause_names),
	{}
};

static struct kunit_suite oomsnap_cause_suite = {
	.name = "oomsnap_cause",
	.test_cases = oomsnap_cause_cases,
};

kunit_test_suite(oomsnap_cause_suite);
