// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap KUnit: the event ring (oomsnap_ring.c).  Every case creates
 * rings of its own size, never touching the module's ring: wrap-around,
 * seq arithmetic, clear, stream cursors and their gaps, the reaper's
 * lookup.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/overflow.h>
#include "../oomsnap.h"

struct ring_ctx {
	struct oomsnap_ring *r;
	unsigned int max_tasks;
	size_t size;			/* one record */
	struct oomsnap_event *ev, *out;
};

/* A ring for this case, destroyed by ring_exit() however the case ends. */
static struct ring_ctx *ring_setup(struct kunit *test, unsigned int capacity,
				   unsigned int max_tasks)
{
	struct ring_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	c->r = oomsnap_ring_create(capacity, max_tasks);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c->r);
	test->priv = c;
	c->max_tasks = max_tasks;
	/* the event, its candidates and the module's trend samples */
	c->size = oomsnap_ring_record_size(c->r);
	KUNIT_EXPECT_GE(test, c->size, struct_size(c->ev, cands, max_tasks));
	c->ev = kunit_kzalloc(test, c->size, GFP_KERNEL);
	c->out = kunit_kzalloc(test, c->size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c->ev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c->out);
	return c;
}

static void ring_exit(struct kunit *test)
{
	struct ring_ctx *c = test->priv;

	if (c)
		oomsnap_ring_destroy(c->r);
}

/* Commit an event that carries @tag everywhere, the last candidate too. */
static void ring_put(struct ring_ctx *c, u32 tag)
{
	c->ev->order = tag;
	c->ev->victim.pid = tag;
	c->ev->victim.mm = (void *)(unsigned long)(0x1000 + tag);
	c->ev->has = OOMSNAP_HAS_VICTIM;
	if (c->max_tasks) {
		c->ev->nr_cands = c->max_tasks;
		c->ev->cands[c->max_tasks - 1].pid = tag;
	}
	c->ev->seq = 0xdead;	/* the ring assigns it */
	oomsnap_ring_commit(c->r, c->ev);
}

/* @out holds the event of @tag under @seq, its last candidate too. */
static void expect_event(struct kunit *test, struct ring_ctx *c, u64 seq,
			 u32 tag)
{
	KUNIT_EXPECT_EQ(test, seq, c->out->seq);
	KUNIT_EXPECT_EQ(test, (int)tag, c->out->order);
	if (c->max_tasks)
		KUNIT_EXPECT_EQ(test, (pid_t)tag,
				c->out->cands[c->max_tasks - 1].pid);
}

static void expect_read(struct kunit *test, struct ring_ctx *c, u64 seq,
			u32 tag)
{
	memset(c->out, 0, c->size);
	KUNIT_ASSERT_TRUE_MSG(test, oomsnap_ring_read(c->r, seq, c->out),
			      "seq %llu not readable", seq);
	expect_event(test, c, seq, tag);
}

static void expect_bounds(struct kunit *test, struct ring_ctx *c, u64 oldest,
			  u64 next)
{
	u64 o, n;

	oomsnap_ring_bounds(c->r, &o, &n);
	KUNIT_EXPECT_EQ(test, oldest, o);
	KUNIT_EXPECT_EQ(test, next, n);
}

static void ring_empty(struct kunit *test)
{
	struct ring_ctx *c = ring_setup(test, 4, 2);

	KUNIT_EXPECT_NULL(test, oomsnap_ring_create(0, 2));
	expect_bounds(test, c, 1, 1);
	KUNIT_EXPECT_FALSE(test, oomsnap_ring_read(c->r, 0, c->out));
	KUNIT_EXPECT_FALSE(test, oomsnap_ring_read(c->r, 1, c->out));
	KUNIT_EXPECT_FALSE(test, oomsnap_ring_read(c->r, U64_MAX, c->out));
	KUNIT_EXPECT_EQ(test, 0, oomsnap_ring_overwritten(c->r));
	KUNIT_EXPECT_EQ(test, 4 * c->size, oomsnap_ring_bytes(c->r));
	KUNIT_EXPECT_GE(test, c->size,
			sizeof(struct oomsnap_event) + 2 * sizeof(struct oomsnap_cand));
	/* the reaper reporting on an empty ring finds nothing */
	oomsnap_ring_set_reaped(c->r, 1, NULL, 1, 2, 3);
	expect_bounds(test, c, 1, 1);
}

static void ring_wrap(struct kunit *test)
{
	struct ring_ctx *c = ring_setup(test, 4, 3);
	u64 s;

	for (s = 1; s <= 3; s++)
		ring_put(c, s * 10);
	expect_bounds(test, c, 1, 4);
	for (s = 1; s <= 3; s++)
		expect_read(test, c, s, s * 10);
	KUNIT_EXPECT_FALSE(test, oomsnap_ring_read(c->r, 4, c->out));
	/* exactly full, then one over */
	ring_put(c, 40);
	expect_bounds(test, c, 1, 5);
	KUNIT_EXPECT_EQ(test, 0, oomsnap_ring_overwritten(c->r));
	ring_put(c, 50);
	expect_bounds(test, c, 2, 6);
	KUNIT_EXPECT_EQ(test, 1, oomsnap_ring_overwritten(c->r));
	KUNIT_EXPECT_FALSE(test, oomsnap_ring_read(c->r, 1, c->out));
	/* many times around: always the newest four, in their slots */
	for (s = 6; s <= 1003; s++)
		ring_put(c, s * 10);
	expect_bounds(test, c, 1000, 1004);
	KUNIT_EXPECT_EQ(test, 999, oomsnap_ring_overwritten(c->r));
	for (s = 1000; s <= 1003; s++)
		expect_read(test, c, s, s * 10);
	KUNIT_EXPECT_FALSE(test, oomsnap_ring_read(c->r, 999, c->out));
	KUNIT_EXPECT_FALSE(test, oomsnap_ring_read(c->r, 1004, c->out));
}

static void ring_capacity_one(struct kunit *test)
{
	struct ring_ctx *c = ring_setup(test, 1, 0);
	u64 s;

	for (s = 1; s <= 5; s++) {
		ring_put(c, s);
		expect_bounds(test, c, s, s + 1);
		expect_read(test, c, s, s);
		KUNIT_EXPECT_FALSE(test, oomsnap_ring_read(c->r, s - 1, c->out));
	}
	KUNIT_EXPECT_EQ(test, 4, oomsnap_ring_overwritten(c->r));
	KUNIT_EXPECT_EQ(test, c->size, oomsnap_ring_bytes(c->r));
}

static void ring_clear(struct kunit *test)
{
	struct ring_ctx *c = ring_setup(test, 4, 1);
	u64 s;

	for (s = 1; s <= 6; s++)
		ring_put(c, s);
	oomsnap_ring_clear(c->r);
	expect_bounds(test, c, 7, 7);
	for (s = 0; s <= 8; s++)
		KUNIT_EXPECT_FALSE(test, oomsnap_ring_read(c->r, s, c->out));
	/* clear is not overwriting */
	KUNIT_EXPECT_EQ(test, 2, oomsnap_ring_overwritten(c->r));
	oomsnap_ring_clear(c->r);
	expect_bounds(test, c, 7, 7);
	/* seq keeps counting, the slots keep rotating */
	ring_put(c, 70);
	expect_bounds(test, c, 7, 8);
	expect_read(test, c, 7, 70);
	for (s = 8; s <= 12; s++)
		ring_put(c, s * 10);
	expect_bounds(test, c, 9, 13);
	KUNIT_EXPECT_EQ(test, 4, oomsnap_ring_overwritten(c->r));
	for (s = 9; s <= 12; s++)
		expect_read(test, c, s, s * 10);
}

/* Two rings share nothing: seq, slots, counts. */
static void ring_instances(struct kunit *test)
{
	struct ring_ctx *a = ring_setup(test, 2, 1);
	struct oomsnap_ring *b = oomsnap_ring_create(3, 1);
	u64 s;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b);
	for (s = 1; s <= 5; s++)
		ring_put(a, s);
	a->ev->order = 99;
	oomsnap_ring_commit(b, a->ev);
	expect_bounds(test, a, 4, 6);
	KUNIT_EXPECT_EQ(test, 3, oomsnap_ring_overwritten(a->r));
	KUNIT_EXPECT_EQ(test, 0, oomsnap_ring_overwritten(b));
	KUNIT_ASSERT_TRUE(test, oomsnap_ring_read(b, 1, a->out));
	KUNIT_EXPECT_EQ(test, 1, a->out->seq);
	KUNIT_EXPECT_EQ(test, 99, a->out->order);
	KUNIT_EXPECT_FALSE(test, oomsnap_ring_read(b, 2, a->out));
	oomsnap_ring_clear(b);
	expect_read(test, a, 5, 5);
	oomsnap_ring_destroy(b);
}

static void expect_cursor(struct kunit *test, struct ring_ctx *c,
			  struct oomsnap_cursor *cur, int want, u64 a, u64 b)
{
	u64 lost = U64_MAX, cleared = U64_MAX;

	memset(c->out, 0, c->size);
	KUNIT_ASSERT_EQ(test, want,
			oomsnap_ring_cursor_next(c->r, cur, c->out, &lost, &cleared));
	if (want == OOMSNAP_CUR_EVENT)
		expect_event(test, c, a, b);	/* seq, tag */
	if (want == OOMSNAP_CUR_GAP) {
		KUNIT_EXPECT_EQ(test, a, lost);
		KUNIT_EXPECT_EQ(test, b, cleared);
	}
}

/*
 * A stream reader's cursor: events in order, then a gap that tells the
 * events overwritten before they were read (lost) from those a clear
 * dropped (cleared), each counted once.
 */
static void ring_cursor(struct kunit *test)
{
	struct ring_ctx *c = ring_setup(test, 4, 1);
	struct oomsnap_cursor cur, late;
	u64 s;

	oomsnap_ring_cursor_open(c->r, &cur);
	KUNIT_EXPECT_FALSE(test, oomsnap_ring_cursor_ready(c->r, &cur));
	expect_cursor(test, c, &cur, OOMSNAP_CUR_NONE, 0, 0);
	ring_put(c, 10);
	ring_put(c, 20);
	KUNIT_EXPECT_TRUE(test, oomsnap_ring_cursor_ready(c->r, &cur));
	expect_cursor(test, c, &cur, OOMSNAP_CUR_EVENT, 1, 10);
	expect_cursor(test, c, &cur, OOMSNAP_CUR_EVENT, 2, 20);
	expect_cursor(test, c, &cur, OOMSNAP_CUR_NONE, 0, 0);
	KUNIT_EXPECT_FALSE(test, oomsnap_ring_cursor_ready(c->r, &cur));

	/* a reader opened now starts at the next event, not the old ones */
	oomsnap_ring_cursor_open(c->r, &late);
	expect_cursor(test, c, &late, OOMSNAP_CUR_NONE, 0, 0);

	/* 3..8 into a ring of 4: 3 and 4 are lost to both readers */
	for (s = 3; s <= 8; s++)
		ring_put(c, s);
	expect_cursor(test, c, &cur, OOMSNAP_CUR_GAP, 2, 0);
	for (s = 5; s <= 8; s++)
		expect_cursor(test, c, &cur, OOMSNAP_CUR_EVENT, s, s);
	expect_cursor(test, c, &cur, OOMSNAP_CUR_NONE, 0, 0);

	/* a clear of two unread events: cleared, not lost */
	ring_put(c, 9);
	ring_put(c, 10);
	oomsnap_ring_clear(c->r);
	KUNIT_EXPECT_TRUE(test, oomsnap_ring_cursor_ready(c->r, &cur));
	expect_cursor(test, c, &cur, OOMSNAP_CUR_GAP, 0, 2);
	expect_cursor(test, c, &cur, OOMSNAP_CUR_NONE, 0, 0);
	/* late saw nothing since 3: 3..6 lost (overwritten), 7..10 cleared */
	expect_cursor(test, c, &late, OOMSNAP_CUR_GAP, 4, 4);
	expect_cursor(test, c, &late, OOMSNAP_CUR_NONE, 0, 0);

	/* 11..16 (6 events into 4 slots), then a clear: 2 lost, 4 cleared */
	for (s = 11; s <= 16; s++)
		ring_put(c, s);
	oomsnap_ring_clear(c->r);
	expect_cursor(test, c, &cur, OOMSNAP_CUR_GAP, 2, 4);
	/* a reader that had read everything loses nothing to a clear */
	oomsnap_ring_clear(c->r);
	expect_cursor(test, c, &cur, OOMSNAP_CUR_NONE, 0, 0);
	ring_put(c, 17);
	expect_cursor(test, c, &cur, OOMSNAP_CUR_EVENT, 17, 17);
	oomsnap_ring_cursor_close(c->r, &late);
	oomsnap_ring_cursor_close(c->r, &cur);
	/* closed readers are not counted by a clear any more */
	ring_put(c, 18);
	oomsnap_ring_clear(c->r);
	expect_bounds(test, c, 19, 19);
}

static void ring_reaped(struct kunit *test)
{
	struct ring_ctx *c = ring_setup(test, 16, 1);
	u64 s;

	for (s = 1; s <= 12; s++)
		ring_put(c, s);
	/* the newest event with that pid and mm */
	oomsnap_ring_set_reaped(c->r, 12, (void *)0x100c, 1, 2, 3);
	KUNIT_ASSERT_TRUE(test, oomsnap_ring_read(c->r, 12, c->out));
	KUNIT_EXPECT_TRUE(test, c->out->has & OOMSNAP_HAS_REAPED);
	KUNIT_EXPECT_EQ(test, 1, c->out->reaped.anon);
	KUNIT_EXPECT_EQ(test, 2, c->out->reaped.file);
	KUNIT_EXPECT_EQ(test, 3, c->out->reaped.shmem);
	/* a recycled pid (other mm) is not the victim */
	oomsnap_ring_set_reaped(c->r, 11, (void *)0x2000, 1, 1, 1);
	KUNIT_ASSERT_TRUE(test, oomsnap_ring_read(c->r, 11, c->out));
	KUNIT_EXPECT_FALSE(test, c->out->has & OOMSNAP_HAS_REAPED);
	/* within the lookback of 8 events */
	oomsnap_ring_set_reaped(c->r, 5, (void *)0x1005, 4, 5, 6);
	KUNIT_ASSERT_TRUE(test, oomsnap_ring_read(c->r, 5, c->out));
	KUNIT_EXPECT_TRUE(test, c->out->has & OOMSNAP_HAS_REAPED);
	/* older ones are not searched */
	oomsnap_ring_set_reaped(c->r, 4, (void *)0x1004, 4, 5, 6);
	KUNIT_ASSERT_TRUE(test, oomsnap_ring_read(c->r, 4, c->out));
	KUNIT_EXPECT_FALSE(test, c->out->has & OOMSNAP_HAS_REAPED);
	/* nor cleared ones */
	oomsnap_ring_clear(c->r);
	oomsnap_ring_set_reaped(c->r, 12, (void *)0x100c, 9, 9, 9);
	ring_put(c, 13);
	expect_read(test, c, 13, 13);
	KUNIT_EXPECT_FALSE(test, c->out->has & OOMSNAP_HAS_REAPED);
}

static struct kunit_case oomsnap_ring_cases[] = {
	KUNIT_CASE(ring_empty),
	KUNIT_CASE(ring_wrap),
	KUNIT_CASE(ring_capacity_one),
	KUNIT_CASE(ring_clear),
	KUNIT_CASE(ring_instances),
	KUNIT_CASE(ring_cursor),
	KUNIT_CASE(ring_reaped),
	{}
};

static struct kunit_suite oomsnap_ring_suite = {
	.name = "oomsnap_ring",
	.exit = ring_exit,
	.test_cases = oomsnap_ring_cases,
};

kunit_test_suite(oomsnap_ring_suite);
