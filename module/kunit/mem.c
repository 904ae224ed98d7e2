// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap KUnit: why swap did not help (oomsnap_mem.c, interface section
 * 4.1): each reason's threshold on both sides, on constructed events.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/gfp.h>
#include "../oomsnap.h"

#define MR_RAM_PAGES	262144UL	/* 1 GB of 4 kB pages */
#define MR_RAM_KB	(MR_RAM_PAGES << (PAGE_SHIFT - 10))

/* A global GFP_KERNEL OOM with 1 GB of RAM, swap free, every figure 0. */
static struct oomsnap_event *mr_event(struct kunit *test)
{
	struct oomsnap_event *ev = kunit_kzalloc(test, sizeof(*ev), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ev);
	ev->kind = OOMSNAP_KIND_GLOBAL;
	ev->gfp_mask = GFP_KERNEL;
	ev->system.totalram = MR_RAM_PAGES;
	ev->system.freeswap = 1000;
	ev->mem.has = GENMASK(OOMSNAP_MEM_NR - 1, 0);
	return ev;
}

static bool mr_has(const struct oomsnap_event *ev, enum oomsnap_reason r)
{
	return oomsnap_mem_reasons(ev) & BIT(r);
}

static void mem_reason_kernel_memory(struct kunit *test)
{
	struct oomsnap_event *ev = mr_event(test);

	/* kernel 400 MB against user 400 MB: not more */
	ev->mem.kb[OOMSNAP_MEM_SLAB_UNRECLAIMABLE] = 100 << 10;
	ev->mem.kb[OOMSNAP_MEM_KERNEL_STACK] = 100 << 10;
	ev->mem.kb[OOMSNAP_MEM_PAGETABLES] = 100 << 10;
	ev->mem.kb[OOMSNAP_MEM_SEC_PAGETABLES] = 100 << 10;
	ev->mem.kb[OOMSNAP_MEM_ACTIVE_ANON] = 100 << 10;
	ev->mem.kb[OOMSNAP_MEM_INACTIVE_ANON] = 100 << 10;
	ev->mem.kb[OOMSNAP_MEM_ACTIVE_FILE] = 100 << 10;
	ev->mem.kb[OOMSNAP_MEM_INACTIVE_FILE] = 50 << 10;
	ev->mem.kb[OOMSNAP_MEM_UNEVICTABLE] = 50 << 10;
	KUNIT_EXPECT_FALSE(test, mr_has(ev, OOMSNAP_REASON_KERNEL_MEMORY));
	ev->mem.kb[OOMSNAP_MEM_PAGETABLES]++;
	KUNIT_EXPECT_TRUE(test, mr_has(ev, OOMSNAP_REASON_KERNEL_MEMORY));
	/* reclaimable slab is not the kernel's to keep */
	ev->mem.kb[OOMSNAP_MEM_PAGETABLES]--;
	ev->mem.kb[OOMSNAP_MEM_SLAB_RECLAIMABLE] = 500 << 10;
	KUNIT_EXPECT_FALSE(test, mr_has(ev, OOMSNAP_REASON_KERNEL_MEMORY));
	/* a memcg OOM: system figures are not its reason */
	ev->mem.kb[OOMSNAP_MEM_PAGETABLES] += 1 << 20;
	KUNIT_EXPECT_TRUE(test, mr_has(ev, OOMSNAP_REASON_KERNEL_MEMORY));
	ev->kind = OOMSNAP_KIND_MEMCG;
	KUNIT_EXPECT_FALSE(test, mr_has(ev, OOMSNAP_REASON_KERNEL_MEMORY));
}

static void mem_reason_unevictable(struct kunit *test)
{
	struct oomsnap_event *ev = mr_event(test);

	ev->mem.kb[OOMSNAP_MEM_UNEVICTABLE] = MR_RAM_KB / 2;
	KUNIT_EXPECT_FALSE(test, mr_has(ev, OOMSNAP_REASON_UNEVICTABLE));
	ev->mem.kb[OOMSNAP_MEM_UNEVICTABLE]++;
	KUNIT_EXPECT_TRUE(test, mr_has(ev, OOMSNAP_REASON_UNEVICTABLE));
	ev->mem.has &= ~BIT(OOMSNAP_MEM_UNEVICTABLE);
	KUNIT_EXPECT_FALSE(test, mr_has(ev, OOMSNAP_REASON_UNEVICTABLE));
}

static void mem_reason_unaccounted(struct kunit *test)
{
	struct oomsnap_event *ev = mr_event(test);

	ev->mem.kb[OOMSNAP_MEM_UNACCOUNTED] = MR_RAM_KB / 4;
	KUNIT_EXPECT_FALSE(test, mr_has(ev, OOMSNAP_REASON_UNACCOUNTED));
	ev->mem.kb[OOMSNAP_MEM_UNACCOUNTED]++;
	KUNIT_EXPECT_TRUE(test, mr_has(ev, OOMSNAP_REASON_UNACCOUNTED));
	/* a hugetlb pool that NR_HUGETLB counts (7.x) adds to it */
	ev->mem.kb[OOMSNAP_MEM_UNACCOUNTED] = MR_RAM_KB / 8;
	ev->mem.kb[OOMSNAP_MEM_HUGETLB] = MR_RAM_KB / 8;
	KUNIT_EXPECT_FALSE(test, mr_has(ev, OOMSNAP_REASON_UNACCOUNTED));
	ev->mem.kb[OOMSNAP_MEM_HUGETLB]++;
	KUNIT_EXPECT_TRUE(test, mr_has(ev, OOMSNAP_REASON_UNACCOUNTED));
	/* sysrq: no reason at all */
	ev->order = -1;
	KUNIT_EXPECT_EQ(test, 0, oomsnap_mem_reasons(ev));
}

static void mem_reason_memcg_swap_limit(struct kunit *test)
{
	struct oomsnap_event *ev = mr_event(test);
	unsigned long *c = ev->mem.memcg;

	ev->kind = OOMSNAP_KIND_MEMCG;
	ev->mem.memcg_has = GENMASK(OOMSNAP_MEMCG_NR - 1, 0);
	c[OOMSNAP_MEMCG_SWAP_MAX] = 4096;
	c[OOMSNAP_MEMCG_SWAP] = 4095;
	KUNIT_EXPECT_FALSE(test, mr_has(ev, OOMSNAP_REASON_MEMCG_SWAP_LIMIT));
	c[OOMSNAP_MEMCG_SWAP] = 4096;
	KUNIT_EXPECT_TRUE(test, mr_has(ev, OOMSNAP_REASON_MEMCG_SWAP_LIMIT));
	/* memory.swap.max 0, nothing swapped */
	c[OOMSNAP_MEMCG_SWAP_MAX] = 0;
	c[OOMSNAP_MEMCG_SWAP] = 0;
	KUNIT_EXPECT_TRUE(test, mr_has(ev, OOMSNAP_REASON_MEMCG_SWAP_LIMIT));
	/* no system swap free: the limit did not matter */
	ev->system.freeswap = 0;
	KUNIT_EXPECT_FALSE(test, mr_has(ev, OOMSNAP_REASON_MEMCG_SWAP_LIMIT));
	ev->system.freeswap = 1;
	/* unlimited ("max") */
	c[OOMSNAP_MEMCG_SWAP_MAX] = ULONG_MAX;
	KUNIT_EXPECT_FALSE(test, mr_has(ev, OOMSNAP_REASON_MEMCG_SWAP_LIMIT));
	/* unknown (cgroup v1) */
	c[OOMSNAP_MEMCG_SWAP_MAX] = 0;
	ev->mem.memcg_has = 0;
	KUNIT_EXPECT_FALSE(test, mr_has(ev, OOMSNAP_REASON_MEMCG_SWAP_LIMIT));
	/* never for a global OOM */
	ev->mem.memcg_has = GENMASK(OOMSNAP_MEMCG_NR - 1, 0);
	ev->kind = OOMSNAP_KIND_GLOBAL;
	KUNIT_EXPECT_FALSE(test, mr_has(ev, OOMSNAP_REASON_MEMCG_SWAP_LIMIT));
}

static void mem_reason_gfp(struct kunit *test)
{
	struct oomsnap_event *ev = mr_event(test);

	KUNIT_EXPECT_EQ(test, 0, oomsnap_mem_reasons(ev));
	ev->gfp_mask = GFP_NOIO;
	KUNIT_EXPECT_TRUE(test, mr_has(ev, OOMSNAP_REASON_GFP_NO_IO));
	KUNIT_EXPECT_FALSE(test, mr_has(ev, OOMSNAP_REASON_GFP_LOW_ZONES));
	ev->gfp_mask = GFP_KERNEL | __GFP_DMA32;
	KUNIT_EXPECT_FALSE(test, mr_has(ev, OOMSNAP_REASON_GFP_NO_IO));
	KUNIT_EXPECT_TRUE(test, mr_has(ev, OOMSNAP_REASON_GFP_LOW_ZONES));
	ev->gfp_mask = GFP_HIGHUSER_MOVABLE;
	KUNIT_EXPECT_FALSE(test, mr_has(ev, OOMSNAP_REASON_GFP_LOW_ZONES));
	/* a memcg charge's zone does not matter; its I/O does */
	ev->kind = OOMSNAP_KIND_MEMCG;
	ev->gfp_mask = GFP_NOIO | __GFP_DMA32;
	KUNIT_EXPECT_EQ(test, BIT(OOMSNAP_REASON_GFP_NO_IO),
			(unsigned long)oomsnap_mem_reasons(ev));
}

static void mem_reason_names(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, "kernel_memory",
			   oomsnap_reason_name(OOMSNAP_REASON_KERNEL_MEMORY));
	KUNIT_EXPECT_STREQ(test, "memcg_swap_limit",
			   oomsnap_reason_name(OOMSNAP_REASON_MEMCG_SWAP_LIMIT));
	KUNIT_EXPECT_STREQ(test, "gfp_low_zones",
			   oomsnap_reason_name(OOMSNAP_REASON_GFP_LOW_ZONES));
	KUNIT_EXPECT_STREQ(test, "?", oomsnap_reason_name(OOMSNAP_REASON_NR));
}

static struct kunit_case oomsnap_mem_reasons_cases[] = {
	KUNIT_CASE(mem_reason_kernel_memory),
	KUNIT_CASE(mem_reason_unevictable),
	KUNIT_CASE(mem_reason_unaccounted),
	KUNIT_CASE(mem_reason_memcg_swap_limit),
	KUNIT_CASE(mem_reason_gfp),
	KUNIT_CASE(mem_reason_names),
	{}
};

static struct kunit_suite oomsnap_mem_reasons_suite = {
	.name = "oomsnap_mem_reasons",
	.test_cases = oomsnap_mem_reasons_cases,
};

kunit_test_suite(oomsnap_mem_reasons_suite);
