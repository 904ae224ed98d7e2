// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap: the event ring.
 *
 * capacity records of fixed size, allocated once when a ring is created:
 * the module's own (oomsnap_ring) at load, others by the KUnit suites.
 * The OOM path copies a finished record in under a raw spinlock (RT-safe,
 * never sleeps, allocates nothing); readers copy one record out under the
 * same lock and format it afterwards, so no reader can hold up an OOM for
 * long.
 * Sequence numbers start at 1 and never repeat in a ring's life (for
 * oomsnap_ring: while the module is loaded), not even across clear.
 */
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/irq_work.h>
#include <linux/string.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include "oomsnap.h"

/**
 * struct oomsnap_ring - a ring of events
 * @lock: guards the records in @slots, @next, @oldest, the counters and
 *	@cursors (stats read the counters without it, one by one)
 * @slots: @capacity records of @slot_size bytes
 * @slot_size: bytes of one record, with its candidates; fixed at creation
 * @capacity: records kept; fixed at creation
 * @next: seq of the next event
 * @oldest: seq of the oldest retained event
 * @overwritten: events lost to wrap-around
 * @by_kind: events committed since creation, by kind
 * @by_constraint: the same, by constraint
 * @by_cause: the same, by cause
 * @by_outcome: the same, by outcome
 * @waitq: where stream readers wait for new events
 * @wake: wakes @waitq outside the OOM path
 * @cursors: open stream readers
 *
 * All memory is allocated by oomsnap_ring_create(); no other function of
 * the ring allocates.
 */
struct oomsnap_ring {
	raw_spinlock_t lock;
	void *slots;
	size_t slot_size;
	unsigned int capacity;
	u64 next;
	u64 oldest;
	u64 overwritten;
	/* events committed since load, by kind, constraint, cause, outcome */
	u64 by_kind[OOMSNAP_KIND_NR];
	u64 by_constraint[OOMSNAP_CONSTRAINT_UNKNOWN];	/* the known ones */
	u64 by_cause[OOMSNAP_CAUSE_NR];
	u64 by_outcome[OOMSNAP_OUTCOME_NR];
	wait_queue_head_t waitq;
	struct irq_work wake;
	struct list_head cursors;
};

/* A record: the event, @max_tasks candidates, the trend samples after them */
static size_t oomsnap_slot_size(unsigned int max_tasks)
{
	return ALIGN(struct_size((struct oomsnap_event *)NULL, cands, max_tasks),
		     8) + oomsnap_trend_bytes();
}

/**
 * oomsnap_event_size() - bytes of one record of the module's ring
 *
 * Return: the size of a record with max_tasks candidates and
 * trend_seconds samples, the buffer a reader of oomsnap_ring needs.
 */
size_t oomsnap_event_size(void)
{
	return oomsnap_slot_size(oomsnap_max_tasks);
}

static struct oomsnap_event *oomsnap_slot(struct oomsnap_ring *r, u64 seq)
{
	return r->slots + (size_t)((seq - 1) % r->capacity) * r->slot_size;
}

/*
 * wake_up() takes the wait queue's spinlock_t, a sleeping lock on RT, so
 * the OOM path only queues this irq_work and the wake-up happens there.
 */
static void oomsnap_ring_wake(struct irq_work *w)
{
	struct oomsnap_ring *r = container_of(w, struct oomsnap_ring, wake);

	wake_up_interruptible_all(&r->waitq);
}

/**
 * oomsnap_ring_create() - allocate a ring
 * @capacity: records kept, at least 1
 * @max_tasks: candidates per record
 *
 * Context: process context; sleeps.
 * Return: the ring, or NULL (no memory, or @capacity 0).
 */
struct oomsnap_ring *oomsnap_ring_create(unsigned int capacity,
					 unsigned int max_tasks)
{
	size_t slot_size = oomsnap_slot_size(max_tasks);
	struct oomsnap_ring *r;
	void *slots;

	if (!capacity)
		return NULL;
	/*
	 * The slots first: a ring too large for the memory fails before
	 * anything is allocated (the failslab stress test counts on it to
	 * find where the module's init starts).
	 */
	slots = vzalloc(array_size(slot_size, capacity));
	if (!slots)
		return NULL;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r) {
		vfree(slots);
		return NULL;
	}
	raw_spin_lock_init(&r->lock);
	init_waitqueue_head(&r->waitq);
	INIT_LIST_HEAD(&r->cursors);
	init_irq_work(&r->wake, oomsnap_ring_wake);
	r->slots = slots;
	r->slot_size = slot_size;
	r->capacity = capacity;
	r->next = 1;
	r->oldest = 1;
	return r;
}
EXPORT_SYMBOL_IF_KUNIT(oomsnap_ring_create);

/**
 * oomsnap_ring_destroy() - free a ring
 * @r: a ring of oomsnap_ring_create(), or NULL
 *
 * Nothing may commit to @r any more and no cursor may be open on it.
 *
 * Context: process context; sleeps.
 */
void oomsnap_ring_destroy(struct oomsnap_ring *r)
{
	if (!r)
		return;
	irq_work_sync(&r->wake);
	vfree(r->slots);
	kfree(r);
}
EXPORT_SYMBOL_IF_KUNIT(oomsnap_ring_destroy);

/**
 * oomsnap_ring_commit() - append a finished event, overwriting the oldest
 * @r: the ring
 * @ev: the event; its seq is assigned here
 *
 * Context: any, including the OOM path with preemption disabled.
 */
void oomsnap_ring_commit(struct oomsnap_ring *r,
			 const struct oomsnap_event *ev)
{
	struct oomsnap_event *slot;
	unsigned long flags;

	raw_spin_lock_irqsave(&r->lock, flags);
	if (r->next - r->oldest == r->capacity) {
		r->oldest++;
		r->overwritten++;
	}
	slot = oomsnap_slot(r, r->next);
	memcpy(slot, ev, r->slot_size);
	slot->seq = r->next++;
	if (ev->kind < ARRAY_SIZE(r->by_kind))
		r->by_kind[ev->kind]++;
	if (ev->constraint < ARRAY_SIZE(r->by_constraint))
		r->by_constraint[ev->constraint]++;
	if (ev->cause < ARRAY_SIZE(r->by_cause))
		r->by_cause[ev->cause]++;
	if (ev->outcome < ARRAY_SIZE(r->by_outcome))
		r->by_outcome[ev->outcome]++;
	raw_spin_unlock_irqrestore(&r->lock, flags);
	irq_work_queue(&r->wake);
}
EXPORT_SYMBOL_IF_KUNIT(oomsnap_ring_commit);

/**
 * oomsnap_ring_read() - copy out one retained event
 * @r: the ring
 * @seq: its sequence number
 * @out: a buffer of one record of @r (oomsnap_event_size() bytes for
 *	oomsnap_ring)
 *
 * Return: false when @seq is no longer (or not yet) in the ring.
 */
bool oomsnap_ring_read(struct oomsnap_ring *r, u64 seq,
		       struct oomsnap_event *out)
{
	unsigned long flags;
	bool ok;

	raw_spin_lock_irqsave(&r->lock, flags);
	ok = seq >= r->oldest && seq < r->next;
	if (ok)
		memcpy(out, oomsnap_slot(r, seq), r->slot_size);
	raw_spin_unlock_irqrestore(&r->lock, flags);
	return ok;
}
EXPORT_SYMBOL_IF_KUNIT(oomsnap_ring_read);

/**
 * oomsnap_ring_try_recent() - copy out a recent event, in a dying kernel
 * @r: the ring
 * @back: 0 for the newest event, 1 for the one before, ...
 * @out: a buffer of one record of @r
 * @next: set to the seq the next event would get, when the lock was free
 *
 * For the panic notifier (oomsnap_panic.c): the other CPUs are stopped
 * and one may hold the lock for ever, so it is only tried.
 *
 * Return: 0, -ENOENT when the ring holds fewer events, -EBUSY when the
 * lock is held.
 */
int oomsnap_ring_try_recent(struct oomsnap_ring *r, unsigned int back,
			    struct oomsnap_event *out, u64 *next)
{
	unsigned long flags;
	int ret = -ENOENT;

	if (!raw_spin_trylock_irqsave(&r->lock, flags))
		return -EBUSY;
	*next = r->next;
	if (r->next - r->oldest > back) {
		memcpy(out, oomsnap_slot(r, r->next - 1 - back), r->slot_size);
		ret = 0;
	}
	raw_spin_unlock_irqrestore(&r->lock, flags);
	return ret;
}

/**
 * oomsnap_ring_bounds() - the retained range [oldest, next)
 * @r: the ring
 * @oldest: seq of the oldest retained event
 * @next: seq the next event will get
 */
void oomsnap_ring_bounds(struct oomsnap_ring *r, u64 *oldest, u64 *next)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&r->lock, flags);
	*oldest = r->oldest;
	*next = r->next;
	raw_spin_unlock_irqrestore(&r->lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(oomsnap_ring_bounds);

/**
 * oomsnap_ring_clear() - drop every retained event; seq keeps counting
 * @r: the ring
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
void oomsnap_ring_clear(struct oomsnap_ring *r)
{
	struct oomsnap_cursor *c;
	unsigned long flags;

	raw_spin_lock_irqsave(&r->lock, flags);
	list_for_each_entry(c, &r->cursors, node)
		if (c->next < r->next)
			c->cleared += r->next - max(c->next, r->oldest);
	r->oldest = r->next;
	raw_spin_unlock_irqrestore(&r->lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(oomsnap_ring_clear);

/**
 * oomsnap_ring_cursor_open() - start a reader at the next event
 * @r: the ring
 * @c: the reader's cursor, registered until oomsnap_ring_cursor_close()
 */
void oomsnap_ring_cursor_open(struct oomsnap_ring *r,
			      struct oomsnap_cursor *c)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&r->lock, flags);
	c->next = r->next;
	c->cleared = 0;
	list_add(&c->node, &r->cursors);
	raw_spin_unlock_irqrestore(&r->lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(oomsnap_ring_cursor_open);

/**
 * oomsnap_ring_cursor_close() - forget a reader
 * @r: the ring
 * @c: a cursor of oomsnap_ring_cursor_open()
 */
void oomsnap_ring_cursor_close(struct oomsnap_ring *r,
			       struct oomsnap_cursor *c)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&r->lock, flags);
	list_del(&c->node);
	raw_spin_unlock_irqrestore(&r->lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(oomsnap_ring_cursor_close);

/**
 * oomsnap_ring_cursor_next() - the reader's next event, or the gap before it
 * @r: the ring
 * @c: the reader's cursor
 * @out: a buffer of one record of @r for the event
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
int oomsnap_ring_cursor_next(struct oomsnap_ring *r, struct oomsnap_cursor *c,
			     struct oomsnap_event *out, u64 *lost, u64 *cleared)
{
	unsigned long flags;
	int ret = OOMSNAP_CUR_NONE;

	raw_spin_lock_irqsave(&r->lock, flags);
	if (c->next < r->oldest) {
		*cleared = min(c->cleared, r->oldest - c->next);
		*lost = r->oldest - c->next - *cleared;
		c->cleared = 0;
		c->next = r->oldest;
		ret = OOMSNAP_CUR_GAP;
	} else if (c->next < r->next) {
		memcpy(out, oomsnap_slot(r, c->next), r->slot_size);
		c->next++;
		ret = OOMSNAP_CUR_EVENT;
	}
	raw_spin_unlock_irqrestore(&r->lock, flags);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(oomsnap_ring_cursor_next);

/**
 * oomsnap_ring_cursor_ready() - does the reader have something to read?
 * @r: the ring
 * @c: the reader's cursor
 *
 * Return: true when an event or a gap is waiting.
 */
bool oomsnap_ring_cursor_ready(struct oomsnap_ring *r,
			       struct oomsnap_cursor *c)
{
	unsigned long flags;
	bool ready;

	raw_spin_lock_irqsave(&r->lock, flags);
	ready = c->next < r->next;
	raw_spin_unlock_irqrestore(&r->lock, flags);
	return ready;
}
EXPORT_SYMBOL_IF_KUNIT(oomsnap_ring_cursor_ready);

/**
 * oomsnap_ring_counts() - events committed since load, by value
 * @r: the ring
 * @c: filled in
 *
 * For metrics that must survive the ring's wrap-around: clear does not
 * reset them.
 */
void oomsnap_ring_counts(struct oomsnap_ring *r, struct oomsnap_counts *c)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c->kind); i++)
		c->kind[i] = READ_ONCE(r->by_kind[i]);
	for (i = 0; i < ARRAY_SIZE(c->constraint); i++)
		c->constraint[i] = READ_ONCE(r->by_constraint[i]);
	for (i = 0; i < ARRAY_SIZE(c->cause); i++)
		c->cause[i] = READ_ONCE(r->by_cause[i]);
	for (i = 0; i < ARRAY_SIZE(c->outcome); i++)
		c->outcome[i] = READ_ONCE(r->by_outcome[i]);
}

/**
 * oomsnap_ring_overwritten() - events lost to wrap-around so far
 * @r: the ring
 */
u64 oomsnap_ring_overwritten(struct oomsnap_ring *r)
{
	return READ_ONCE(r->overwritten);
}
EXPORT_SYMBOL_IF_KUNIT(oomsnap_ring_overwritten);

/**
 * oomsnap_ring_bytes() - memory held by the ring
 * @r: the ring
 */
size_t oomsnap_ring_bytes(struct oomsnap_ring *r)
{
	return r->slot_size * r->capacity;
}
EXPORT_SYMBOL_IF_KUNIT(oomsnap_ring_bytes);

/**
 * oomsnap_ring_record_size() - bytes of one record of @r
 * @r: the ring
 *
 * The event, the ring's max_tasks candidates and the trend samples after
 * them: what oomsnap_ring_commit() copies in and oomsnap_ring_read()
 * copies out.
 */
size_t oomsnap_ring_record_size(struct oomsnap_ring *r)
{
	return r->slot_size;
}
EXPORT_SYMBOL_IF_KUNIT(oomsnap_ring_record_size);

/**
 * oomsnap_ring_waitq() - where stream readers wait for new events
 * @r: the ring
 */
wait_queue_head_t *oomsnap_ring_waitq(struct oomsnap_ring *r)
{
	return &r->waitq;
}

/* The reaper reports on recent victims only; older slots are not searched. */
#define OOMSNAP_REAP_LOOKBACK	8

/* The victim the reaper reports on: its pid and mm (identity only). */
static bool oomsnap_is_reaped_victim(const struct oomsnap_event *ev,
				     pid_t pid, const void *mm)
{
	return (ev->has & OOMSNAP_HAS_VICTIM) && ev->victim.pid == pid &&
	       ev->victim.mm == mm;
}

/* The victim whose clock runs from its kill (the marked thread's pid). */
static bool oomsnap_is_timed_victim(const struct oomsnap_event *ev,
				    pid_t pid, const void *mm)
{
	return ev->freed.kill_ns && ev->freed.tid == pid;
}

/*
 * The newest of the last OOMSNAP_REAP_LOOKBACK records that @match, or
 * NULL: where a late report on a victim (the reaper's, its exit) lands.
 * Caller holds @r->lock.
 */
static struct oomsnap_event *
oomsnap_ring_recent(struct oomsnap_ring *r,
		    bool (*match)(const struct oomsnap_event *, pid_t,
				  const void *),
		    pid_t pid, const void *mm)
{
	u64 seq;

	for (seq = r->next - 1;
	     seq >= r->oldest && seq && r->next - seq <= OOMSNAP_REAP_LOOKBACK;
	     seq--) {
		struct oomsnap_event *ev = oomsnap_slot(r, seq);

		if (match(ev, pid, mm))
			return ev;
	}
	return NULL;
}

/**
 * oomsnap_ring_set_reaped() - record what the oom reaper left of a victim
 * @r: the ring
 * @pid: the victim's pid as the reaper reports it
 * @mm: the victim's mm, to tell a recycled pid apart
 * @anon: anonymous pages left
 * @file: file pages left
 * @shmem: shmem pages left
 *
 * Context: any; called from the reaper's tracepoint.
 */
void oomsnap_ring_set_reaped(struct oomsnap_ring *r, pid_t pid,
			     const void *mm, unsigned long anon,
			     unsigned long file, unsigned long shmem)
{
	struct oomsnap_event *ev;
	unsigned long flags;

	raw_spin_lock_irqsave(&r->lock, flags);
	ev = oomsnap_ring_recent(r, oomsnap_is_reaped_victim, pid, mm);
	if (ev) {
		ev->reaped.anon = anon;
		ev->reaped.file = file;
		ev->reaped.shmem = shmem;
		ev->has |= OOMSNAP_HAS_REAPED;
	}
	raw_spin_unlock_irqrestore(&r->lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(oomsnap_ring_set_reaped);

/**
 * oomsnap_ring_set_freed() - stamp a victim's exit or reaping on its record
 * @r: the ring
 * @tid: the marked thread's pid
 * @exit: true for its exit_oom_victim(), false for the reaper's report
 * @now_ns: monotonic clock of the report
 *
 * Only the first report of each kind counts; recent records only.
 *
 * Context: any; from the exit and reaper hooks.
 */
void oomsnap_ring_set_freed(struct oomsnap_ring *r, pid_t tid, bool exit,
			    u64 now_ns)
{
	struct oomsnap_event *ev;
	unsigned long flags;

	raw_spin_lock_irqsave(&r->lock, flags);
	ev = oomsnap_ring_recent(r, oomsnap_is_timed_victim, tid, NULL);
	if (ev)
		oomsnap_freed_note(&ev->freed, exit, now_ns);
	raw_spin_unlock_irqrestore(&r->lock, flags);
}

/**
 * oomsnap_ring_set_victim_argv() - a victim's argv, read in its own context
 * @r: the ring
 * @pid: the victim's pid (the marked thread's)
 * @mm: its mm, to tell a recycled pid apart
 * @c: what was read: argv, its length, state and truncation (not exe)
 *
 * Context: any; from oomsnap_cmdline.c, under its raw lock.
 * Return: false when no recent record is that victim's.
 */
bool oomsnap_ring_set_victim_argv(struct oomsnap_ring *r, pid_t pid,
				  const void *mm,
				  const struct oomsnap_cmdline *c)
{
	struct oomsnap_event *ev;
	unsigned long flags;

	raw_spin_lock_irqsave(&r->lock, flags);
	ev = oomsnap_ring_recent(r, oomsnap_is_reaped_victim, pid, mm);
	if (ev) {
		memcpy(ev->cmd.victim.argv, c->argv, c->len);
		ev->cmd.victim.len = c->len;
		ev->cmd.victim.truncated = c->truncated;
		ev->cmd.victim.state = c->state;
	}
	raw_spin_unlock_irqrestore(&r->lock, flags);
	return ev;
}
