// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap: the event ring.
 *
 * capacity records of fixed size, allocated once at load.  The OOM path
 * copies a finished record in under a raw spinlock (RT-safe, never sleeps,
 * allocates nothing); readers copy one record out under the same lock and
 * format it afterwards, so no reader can hold up an OOM for long.
 * Sequence numbers start at 1 and never repeat while the module is loaded,
 * not even across clear.
 */
#include <linux/vmalloc.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/irq_work.h>
#include <linux/string.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include "oomsnap.h"

static struct {
	raw_spinlock_t lock;
	void *slots;
	size_t slot_size;
	u64 next;		/* seq of the next event */
	u64 oldest;		/* seq of the oldest retained event */
	u64 overwritten;
	/* events committed since load, by kind, constraint, cause, outcome */
	u64 by_kind[2], by_constraint[4], by_cause[OOMSNAP_CAUSE_NR], by_outcome[3];
	wait_queue_head_t waitq;
	struct irq_work wake;	/* wake readers outside the OOM path */
	struct list_head cursors;	/* open stream readers, under lock */
} ring;

/**
 * oomsnap_event_size() - bytes of one record, with max_tasks candidates
 *	and trend_seconds samples
 */
size_t oomsnap_event_size(void)
{
	return ALIGN(struct_size((struct oomsnap_event *)NULL, cands,
				 oomsnap_max_tasks), 8) + oomsnap_trend_bytes();
}

static struct oomsnap_event *oomsnap_slot(u64 seq)
{
	return ring.slots + (size_t)((seq - 1) % oomsnap_capacity) *
			    ring.slot_size;
}

/*
 * wake_up() takes the wait queue's spinlock_t, a sleeping lock on RT, so
 * the OOM path only queues this irq_work and the wake-up happens there.
 */
static void oomsnap_ring_wake(struct irq_work *w)
{
	wake_up_interruptible_all(&ring.waitq);
}

/**
 * oomsnap_ring_init() - allocate the ring
 *
 * Return: 0 or -ENOMEM.
 */
int oomsnap_ring_init(void)
{
	raw_spin_lock_init(&ring.lock);
	init_waitqueue_head(&ring.waitq);
	INIT_LIST_HEAD(&ring.cursors);
	init_irq_work(&ring.wake, oomsnap_ring_wake);
	ring.slot_size = oomsnap_event_size();
	ring.slots = vzalloc(array_size(ring.slot_size, oomsnap_capacity));
	if (!ring.slots)
		return -ENOMEM;
	ring.next = 1;
	ring.oldest = 1;
	ring.overwritten = 0;
	return 0;
}

/**
 * oomsnap_ring_exit() - free the ring; all hooks are gone by now
 */
void oomsnap_ring_exit(void)
{
	irq_work_sync(&ring.wake);
	vfree(ring.slots);
	ring.slots = NULL;
}

/**
 * oomsnap_ring_commit() - append a finished event, overwriting the oldest
 * @ev: the event; its seq is assigned here
 *
 * Context: any, including the OOM path with preemption disabled.
 */
void oomsnap_ring_commit(const struct oomsnap_event *ev)
{
	struct oomsnap_event *slot;
	unsigned long flags;

	raw_spin_lock_irqsave(&ring.lock, flags);
	if (ring.next - ring.oldest == oomsnap_capacity) {
		ring.oldest++;
		ring.overwritten++;
	}
	slot = oomsnap_slot(ring.next);
	memcpy(slot, ev, ring.slot_size);
	slot->seq = ring.next++;
	if (ev->kind < ARRAY_SIZE(ring.by_kind))
		ring.by_kind[ev->kind]++;
	if (ev->constraint < ARRAY_SIZE(ring.by_constraint))
		ring.by_constraint[ev->constraint]++;
	if (ev->cause < ARRAY_SIZE(ring.by_cause))
		ring.by_cause[ev->cause]++;
	if (ev->outcome < ARRAY_SIZE(ring.by_outcome))
		ring.by_outcome[ev->outcome]++;
	raw_spin_unlock_irqrestore(&ring.lock, flags);
	irq_work_queue(&ring.wake);
}

/**
 * oomsnap_ring_read() - copy out one retained event
 * @seq: its sequence number
 * @out: a buffer of oomsnap_event_size() bytes
 *
 * Return: false when @seq is no longer (or not yet) in the ring.
 */
bool oomsnap_ring_read(u64 seq, struct oomsnap_event *out)
{
	unsigned long flags;
	bool ok;

	raw_spin_lock_irqsave(&ring.lock, flags);
	ok = seq >= ring.oldest && seq < ring.next;
	if (ok)
		memcpy(out, oomsnap_slot(seq), ring.slot_size);
	raw_spin_unlock_irqrestore(&ring.lock, flags);
	return ok;
}

/**
 * oomsnap_ring_bounds() - the retained range [oldest, next)
 * @oldest: seq of the oldest retained event
 * @next: seq the next event will get
 */
void oomsnap_ring_bounds(u64 *oldest, u64 *next)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&ring.lock, flags);
	*oldest = ring.oldest;
	*next = ring.next;
	raw_spin_unlock_irqrestore(&ring.lock, flags);
}

/**
 * oomsnap_ring_clear() - drop every retained event; seq keeps counting
 *
 * Each open stream reader is told how many of the events it had still to
 * read were dropped by this clear, so that it reports them as cleared,
 * not lost.  The walk over the readers is the one part of the ring's
 * locked work not bounded by a parameter: it is done by a writer of the
 * clear file (an administrator), never by the OOM path, and costs a few
 * instructions per open stream.
 *
 * Context: process context.
 */
void oomsnap_ring_clear(void)
{
	struct oomsnap_cursor *c;
	unsigned long flags;

	raw_spin_lock_irqsave(&ring.lock, flags);
	list_for_each_entry(c, &ring.cursors, node)
		if (c->next < ring.next)
			c->cleared += ring.next - max(c->next, ring.oldest);
	ring.oldest = ring.next;
	raw_spin_unlock_irqrestore(&ring.lock, flags);
}

/**
 * oomsnap_ring_cursor_open() - start a reader at the next event
 * @c: the reader's cursor, registered until oomsnap_ring_cursor_close()
 */
void oomsnap_ring_cursor_open(struct oomsnap_cursor *c)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&ring.lock, flags);
	c->next = ring.next;
	c->cleared = 0;
	list_add(&c->node, &ring.cursors);
	raw_spin_unlock_irqrestore(&ring.lock, flags);
}

/**
 * oomsnap_ring_cursor_close() - forget a reader
 * @c: a cursor of oomsnap_ring_cursor_open()
 */
void oomsnap_ring_cursor_close(struct oomsnap_cursor *c)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&ring.lock, flags);
	list_del(&c->node);
	raw_spin_unlock_irqrestore(&ring.lock, flags);
}

/**
 * oomsnap_ring_cursor_next() - the reader's next event, or the gap before it
 * @c: the reader's cursor
 * @out: a buffer of oomsnap_event_size() bytes for the event
 * @lost: the gap's events overwritten by newer ones before they were read
 * @cleared: the gap's events dropped by a clear before they were read
 *
 * The cursor moves past what is returned.  A gap is returned on its own,
 * before the oldest retained event, so a reader can say what it missed
 * and why.
 *
 * Return: OOMSNAP_CUR_EVENT (@out holds it), OOMSNAP_CUR_GAP (@lost and
 * @cleared are set) or OOMSNAP_CUR_NONE (nothing new yet).
 */
int oomsnap_ring_cursor_next(struct oomsnap_cursor *c,
			     struct oomsnap_event *out, u64 *lost, u64 *cleared)
{
	unsigned long flags;
	int ret = OOMSNAP_CUR_NONE;

	raw_spin_lock_irqsave(&ring.lock, flags);
	if (c->next < ring.oldest) {
		*cleared = min(c->cleared, ring.oldest - c->next);
		*lost = ring.oldest - c->next - *cleared;
		c->cleared = 0;
		c->next = ring.oldest;
		ret = OOMSNAP_CUR_GAP;
	} else if (c->next < ring.next) {
		memcpy(out, oomsnap_slot(c->next), ring.slot_size);
		c->next++;
		ret = OOMSNAP_CUR_EVENT;
	}
	raw_spin_unlock_irqrestore(&ring.lock, flags);
	return ret;
}

/**
 * oomsnap_ring_cursor_ready() - does the reader have something to read?
 * @c: the reader's cursor
 *
 * Return: true when an event or a gap is waiting.
 */
bool oomsnap_ring_cursor_ready(struct oomsnap_cursor *c)
{
	unsigned long flags;
	bool ready;

	raw_spin_lock_irqsave(&ring.lock, flags);
	ready = c->next < ring.next;
	raw_spin_unlock_irqrestore(&ring.lock, flags);
	return ready;
}

/**
 * oomsnap_ring_show_counts() - "events_<label>_<value> N" lines for stats
 * @m: where to write
 *
 * Counts since load (clear does not reset them), for metrics that must
 * survive the ring's wrap-around.  Every value is listed, also at zero.
 */
void oomsnap_ring_show_counts(struct seq_file *m)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ring.by_kind); i++)
		seq_printf(m, "events_kind_%s %llu\n", oomsnap_kind_name(i),
			   READ_ONCE(ring.by_kind[i]));
	for (i = 0; i < ARRAY_SIZE(ring.by_constraint); i++)
		seq_printf(m, "events_constraint_%s %llu\n",
			   oomsnap_constraint_name(i),
			   READ_ONCE(ring.by_constraint[i]));
	for (i = 0; i < ARRAY_SIZE(ring.by_cause); i++)
		seq_printf(m, "events_cause_%s %llu\n", oomsnap_cause_name(i),
			   READ_ONCE(ring.by_cause[i]));
	for (i = 0; i < ARRAY_SIZE(ring.by_outcome); i++)
		seq_printf(m, "events_outcome_%s %llu\n",
			   oomsnap_outcome_name(i),
			   READ_ONCE(ring.by_outcome[i]));
}

/**
 * oomsnap_ring_overwritten() - events lost to wrap-around so far
 */
u64 oomsnap_ring_overwritten(void)
{
	return READ_ONCE(ring.overwritten);
}

/**
 * oomsnap_ring_bytes() - memory held by the ring
 */
size_t oomsnap_ring_bytes(void)
{
	return ring.slot_size * oomsnap_capacity;
}

/**
 * oomsnap_ring_waitq() - where stream readers wait for new events
 */
wait_queue_head_t *oomsnap_ring_waitq(void)
{
	return &ring.waitq;
}

/* The reaper reports on recent victims only; older slots are not searched. */
#define OOMSNAP_REAP_LOOKBACK	8

/**
 * oomsnap_ring_set_reaped() - record what the oom reaper left of a victim
 * @pid: the victim's pid as the reaper reports it
 * @mm: the victim's mm, to tell a recycled pid apart
 * @anon: anonymous pages left
 * @file: file pages left
 * @shmem: shmem pages left
 *
 * Context: any; called from the reaper's tracepoint.
 */
void oomsnap_ring_set_reaped(pid_t pid, const void *mm, unsigned long anon,
			     unsigned long file, unsigned long shmem)
{
	unsigned long flags;
	u64 seq;

	raw_spin_lock_irqsave(&ring.lock, flags);
	for (seq = ring.next - 1;
	     seq >= ring.oldest && seq && ring.next - seq <= OOMSNAP_REAP_LOOKBACK;
	     seq--) {
		struct oomsnap_event *ev = oomsnap_slot(seq);

		if ((ev->has & OOMSNAP_HAS_VICTIM) && ev->victim.pid == pid &&
		    ev->victim.mm == mm) {
			ev->reaped.anon = anon;
			ev->reaped.file = file;
			ev->reaped.shmem = shmem;
			ev->has |= OOMSNAP_HAS_REAPED;
			break;
		}
	}
	raw_spin_unlock_irqrestore(&ring.lock, flags);
}

/**
 * oomsnap_ring_set_freed() - stamp a victim's exit or reaping on its record
 * @tid: the marked thread's pid
 * @exit: true for its exit_oom_victim(), false for the reaper's report
 * @now_ns: monotonic clock of the report
 *
 * Only the first report of each kind counts; recent records only.
 *
 * Context: any; from the exit and reaper hooks.
 */
void oomsnap_ring_set_freed(pid_t tid, bool exit, u64 now_ns)
{
	unsigned long flags;
	u64 seq;

	raw_spin_lock_irqsave(&ring.lock, flags);
	for (seq = ring.next - 1;
	     seq >= ring.oldest && seq && ring.next - seq <= OOMSNAP_REAP_LOOKBACK;
	     seq--) {
		struct oomsnap_freed *f = &oomsnap_slot(seq)->freed;
		u32 us;

		if (!f->kill_ns || f->tid != tid)
			continue;
		us = min_t(u64, div_u64(now_ns - f->kill_ns, NSEC_PER_USEC),
			   U32_MAX);
		if (exit && !f->exited) {
			f->exit_us = us;
			f->exited = true;
		} else if (!exit && !f->reaped) {
			f->reap_us = us;
			f->reaped = true;
		}
		break;
	}
	raw_spin_unlock_irqrestore(&ring.lock, flags);
}
