// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap: the protection list's enforcement (interface section 5).
 *
 * Applies the values of the entry set (oomsnap_protect_list.c, fed by the
 * parser of oomsnap_protect_parse.c) to processes and puts them back,
 * and serves the protect file and the OOM path.  Processes
 * sharing an mm (clone(CLONE_VM)) are one group with one value, the lowest
 * of the entries deciding for its members, since the kernel kills them
 * together.  The value is applied
 *   - when an entry is added, to every existing matching process;
 *   - at exec, to a matching new program (sched_process_exec tracepoint);
 *   - before each victim selection, to every matching process whose value
 *     drifted (oomsnap_protect_reassert(), from the out_of_memory() kprobe).
 * Removing an entry (del, clear, the end of a pid entry, unload) puts back
 * each process's value from before the module changed it, unless someone
 * else changed it since.  A value is never changed without a restore record
 * (the pool is preallocated): with none free the change is refused and
 * counted (protect_refused), and a write that would need more records than
 * are free fails with ENOSPC before anything is applied; those it needs are
 * reserved for it until its pass ends.  Each pass decides the mm groups in
 * time linear in the number of processes (struct oomsnap_gtab).
 *
 * Locking:
 *   - oomsnap_plock (mutex) serializes writers: write(), show(), the
 *     garbage collector and unload.  A writer changes the entry set and
 *     puts the values right (a pass) under it.
 *   - Readers (exec/fork/exit probes, the OOM path, covers()) look entries
 *     up under RCU (oomsnap_protect_list.c); they never sleep, allocate or
 *     take a sleeping lock, so they are fine with preemption or interrupts
 *     disabled, on PREEMPT_RT too.
 *   - The restore records (what a process's value was before we changed it)
 *     live in a pool preallocated at load and are protected by a raw
 *     spinlock, taken with interrupts off.  Every store of the module to an
 *     oom_score_adj happens under that lock, so a restore never races with
 *     an apply of our own.
 *
 * Records are keyed by the process's signal_struct (where oom_score_adj
 * lives), without a reference: the sched_process_exit probe drops a
 * process's record when its last thread exits, before the signal_struct
 * can be freed and its address reused.  That needs no put_*() from atomic
 * context, which PREEMPT_RT would not allow.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/oom.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>
#include <linux/workqueue.h>
#include <trace/events/sched.h>
#include "oomsnap.h"
#include "oomsnap_protect.h"

/*
 * Restore records: 4 per protection entry, at least 64 per entry up to
 * 4096 (a short list of comm or cgroup entries can cover many processes),
 * at most 262144.  The floor scales with protect_max instead of being 4096
 * for every list, so that a list made deliberately small (protect_max=1)
 * has a small pool: the pool-full path can then be tested with some dozens
 * of processes, and a small list costs a small pool.
 */
#define OOMSNAP_REC_PER_ENTRY	4U
#define OOMSNAP_REC_SMALL	64U
#define OOMSNAP_REC_MIN		4096U
#define OOMSNAP_REC_MAX		262144U
/*
 * Shared mms remembered per pass (see struct oomsnap_gtab): at most the
 * restore pool's size, at most this many.
 */
#define OOMSNAP_GRP_MAX		4096U
/* Slots looked at per mm before a group is given up as not merged. */
#define OOMSNAP_GRP_PROBE	8U

/**
 * struct oomsnap_rec - what the module changed in one process
 * @node: in the record hash, or on the free list
 * @sig: the process (its signal_struct); identity only, see the top
 * @orig: oom_score_adj before the module first changed it
 * @set: the oom_score_adj the module last stored
 * @orig_min: oom_score_adj_min before the module first changed it
 * @set_min: the oom_score_adj_min the module stored, if @min_set
 * @min_set: the module lowered oom_score_adj_min
 */
struct oomsnap_rec {
	struct hlist_node node;
	const struct signal_struct *sig;
	short orig, set, orig_min, set_min;
	bool min_set;
};

/**
 * struct oomsnap_gslot - one shared mm in a group table
 * @mm: the mm, a pointer to compare, never dereferenced
 * @e: the lowest entry among its members' own ones
 * @gen: the table's pass that filled the slot (others are empty)
 */
struct oomsnap_gslot {
	const struct mm_struct *mm;
	struct oomsnap_pentry *e;
	u32 gen;
};

/**
 * struct oomsnap_gtab - the groups (shared mms) of one pass
 * @slot: 1 << @bits slots, preallocated at load
 * @bits: log2 of the number of slots
 * @gen: the current pass; a slot of another pass is empty, so a new pass
 *	 costs no clearing
 * @used: slots filled in this pass, at most half of them
 *
 * A pass that applies values decides each group once, linear in the
 * number of processes: first every process's own entry, kept per shared
 * mm (the lowest), then every process's value from its own entry and its
 * mm's.  Walking every process for every member of a group, as a lookup
 * per process would, costs K x N for K members: a user's clone(CLONE_VM)
 * children would make each pass a soft lockup.  Groups beyond the table
 * (more than half full, or OOMSNAP_GRP_PROBE collisions) are not merged:
 * their members keep their own entries' values, never less.
 */
struct oomsnap_gtab {
	struct oomsnap_gslot *slot;
	unsigned int bits;
	u32 gen;
	unsigned int used;
};

static u32 oomsnap_gen;			/* oomsnap_plock */
static bool oomsnap_closing;		/* oomsnap_plock */

/*
 * Read locklessly by the OOM path, whose hooks oomsnap_main.c registers
 * only while the list is up: a guard that does not rely on that order.
 */
static bool oomsnap_ready;

static DEFINE_RAW_SPINLOCK(oomsnap_rec_lock);
static struct oomsnap_rec *oomsnap_recs;
static struct hlist_head *oomsnap_rec_ht;
static HLIST_HEAD(oomsnap_rec_free);
static unsigned int oomsnap_rec_bits, oomsnap_nr_recs, oomsnap_rec_pool;
/* records a writer's dry pass counted, for its pass only; oomsnap_rec_lock */
static unsigned int oomsnap_rec_reserved;
static atomic64_t oomsnap_refused;

/*
 * The writers' group table belongs to oomsnap_plock.  The OOM path's is
 * owned by the single OOM in progress: oomsnap_protect_reassert() fills
 * it and oomsnap_protect_covers() of the same OOM reads it, both under the
 * kernel's oom_lock.  oomsnap_go_busy checks that ownership instead of
 * assuming it: taken by cmpxchg, never waited for, so should two OOM-path
 * callers ever meet, the second does without groups (own entries only)
 * rather than corrupt the first's table.  A flag and not a lock: the
 * fill takes task locks (sleeping locks on PREEMPT_RT, only trylocked
 * there), which must not nest inside a raw spinlock.
 */
static struct oomsnap_gtab oomsnap_gw, oomsnap_go;
static atomic_t oomsnap_go_busy = ATOMIC_INIT(0);

static bool oomsnap_go_get(void)
{
	return !atomic_cmpxchg_acquire(&oomsnap_go_busy, 0, 1);
}

static void oomsnap_go_put(void)
{
	atomic_set_release(&oomsnap_go_busy, 0);
}

static struct tracepoint *oomsnap_tp_exec, *oomsnap_tp_fork, *oomsnap_tp_exit;
static bool oomsnap_exec_on, oomsnap_fork_on, oomsnap_exit_on;

static void oomsnap_gc_fn(struct work_struct *work);
static DECLARE_WORK(oomsnap_gc_work, oomsnap_gc_fn);

/* ---------------------------------------------------------------- records */

static struct hlist_head *oomsnap_rec_bucket(const struct signal_struct *sig)
{
	return &oomsnap_rec_ht[hash_ptr(sig, oomsnap_rec_bits)];
}

/* oomsnap_rec_lock held */
static struct oomsnap_rec *oomsnap_rec_find(const struct signal_struct *sig)
{
	struct oomsnap_rec *r;

	hlist_for_each_entry(r, oomsnap_rec_bucket(sig), node)
		if (r->sig == sig)
			return r;
	return NULL;
}

/*
 * oomsnap_rec_lock held.  A process whose last thread already went
 * through do_exit() gets no record: the exit probe would not see it again.
 * With no record free, the change is refused (the caller stores nothing)
 * and counted.
 *
 * The exit probe looks at oomsnap_nr_recs without the lock, so the order
 * matters.  do_exit() decrements sig->live (atomic_dec_and_test(): a full
 * barrier) and then its probe reads oomsnap_nr_recs; here we increment
 * oomsnap_nr_recs, smp_mb(), and then read sig->live.  Of two such
 * store-then-load sequences at least one load sees the other's store:
 * either we see live == 0 and create nothing, or the last thread's probe
 * sees a non-zero count, takes oomsnap_rec_lock (which we hold from before
 * the increment until the record is in the hash) and frees the record.
 * Reading live first and counting after, as before, let both miss: the
 * record then outlived its process and could "restore" a process that
 * reuses the signal_struct's address.
 */
static struct oomsnap_rec *oomsnap_rec_new(struct signal_struct *sig,
					   bool writer)
{
	bool mine = writer && oomsnap_rec_reserved;
	struct oomsnap_rec *r;

	/*
	 * Records a writer's dry pass counted are its own until its pass
	 * ends (oomsnap_rec_reserved): an exec, fork or OOM-path change
	 * cannot take them, so a process the write named is not refused.
	 */
	if (hlist_empty(&oomsnap_rec_free) ||
	    (!mine && oomsnap_rec_pool - oomsnap_nr_recs <= oomsnap_rec_reserved)) {
		if (atomic_read(&sig->live))
			atomic64_inc(&oomsnap_refused);
		return NULL;
	}
	WRITE_ONCE(oomsnap_nr_recs, oomsnap_nr_recs + 1);
	smp_mb();	/* pairs with atomic_dec_and_test(&sig->live) in do_exit() */
	if (!atomic_read(&sig->live)) {
		WRITE_ONCE(oomsnap_nr_recs, oomsnap_nr_recs - 1);
		return NULL;
	}
	if (mine)
		oomsnap_rec_reserved--;
	r = hlist_entry(oomsnap_rec_free.first, struct oomsnap_rec, node);
	hlist_del(&r->node);
	r->sig = sig;
	r->min_set = false;
	hlist_add_head(&r->node, oomsnap_rec_bucket(sig));
	return r;
}

/* oomsnap_rec_lock held */
static void oomsnap_rec_free_one(struct oomsnap_rec *r)
{
	hlist_del(&r->node);
	r->sig = NULL;
	hlist_add_head(&r->node, &oomsnap_rec_free);
	WRITE_ONCE(oomsnap_nr_recs, oomsnap_nr_recs - 1);
}

/*
 * Could @p lower its own oom_score_adj_min through /proc?  Its effective
 * CAP_SYS_RESOURCE in the initial user namespace (a capability held in a
 * child namespace does not count: the kernel checks capable(), i.e. the
 * initial one).  Caller holds rcu_read_lock(); __task_cred() takes no lock.
 */
static bool oomsnap_may_lower_min(struct task_struct *p)
{
	const struct cred *cred = __task_cred(p);

	return cred->user_ns == &init_user_ns &&
	       cap_raised(cred->cap_effective, CAP_SYS_RESOURCE);
}

/*
 * Why a plain store: the kernel's own writer (__set_oom_adj() in
 * fs/proc/base.c) serializes on oom_adj_mutex, which is not exported and
 * is a mutex, so the OOM path could not take it anyway.  The mutex only
 * orders writers among themselves; the OOM killer itself reads
 * oom_score_adj without any lock.  A short is stored and loaded in one
 * access (WRITE_ONCE/READ_ONCE), so a racing /proc write and ours simply
 * land in some order: either value is one somebody asked for, and a lost
 * protection is put back at the latest before the next victim selection.
 * signal_struct outlives the task under RCU, which our callers hold.
 *
 * oom_score_adj_min is the floor a process may lower its own value to
 * without CAP_SYS_RESOURCE.  The kernel's /proc writer sets it along with
 * the value only when the writer has that capability, and a process
 * without it can never go below its floor.  We lower it (only when the
 * value goes below it, so that a process can still write back what it
 * had) only for a process that itself holds CAP_SYS_RESOURCE, in its
 * effective set, in the initial user namespace: it could have lowered it
 * itself.  Any other process keeps its floor, so the entry's value does
 * not become one it may set for itself later.  The check reads the
 * process's own credentials under RCU, with no security_capable() call:
 * LSM hooks may audit or allocate, which the OOM path must not.  On restore
 * the floor is raised again if nobody touched it.
 * The oom_score_adj_update tracepoint that /proc writes fire is not
 * exported, so our changes do not appear there.
 *
 * No restore record free: nothing is stored (a value that could not be
 * restored would stay after del, clear and unload), counted in
 * protect_refused by oomsnap_rec_new().
 *
 * @writer: a writer's pass, which may take the records its dry pass
 * reserved.
 *
 * Return: true if the value was stored.
 */
static bool oomsnap_apply(struct task_struct *p, short adj, bool writer)
{
	/* the caller holds rcu_read_lock() */
	struct signal_struct *sig = p->signal;
	struct oomsnap_rec *r;
	unsigned long flags;
	short cur, min;
	bool stored = false;

	raw_spin_lock_irqsave(&oomsnap_rec_lock, flags);
	cur = READ_ONCE(sig->oom_score_adj);
	min = READ_ONCE(sig->oom_score_adj_min);
	r = oomsnap_rec_find(sig);
	if (cur == adj) {
		/* someone else stored our value: it is ours to restore now */
		if (r)
			r->set = adj;
		goto out;
	}
	if (!r) {
		r = oomsnap_rec_new(sig, writer);
		if (!r)
			goto out;
		r->orig = cur;
		r->orig_min = min;
	}
	WRITE_ONCE(sig->oom_score_adj, adj);
	r->set = adj;
	if (adj < min && oomsnap_may_lower_min(p)) {
		WRITE_ONCE(sig->oom_score_adj_min, adj);
		r->set_min = adj;
		r->min_set = true;
	}
	stored = true;
out:
	raw_spin_unlock_irqrestore(&oomsnap_rec_lock, flags);
	return stored;
}

/* Put back what we changed in @sig, if still ours; forget the process. */
static void oomsnap_restore(struct signal_struct *sig)
{
	struct oomsnap_rec *r;
	unsigned long flags;
	short cur;

	raw_spin_lock_irqsave(&oomsnap_rec_lock, flags);
	r = oomsnap_rec_find(sig);
	if (r) {
		cur = READ_ONCE(sig->oom_score_adj);
		if (cur == r->set) {
			cur = r->orig;
			WRITE_ONCE(sig->oom_score_adj, cur);
		}
		if (r->min_set &&
		    READ_ONCE(sig->oom_score_adj_min) == r->set_min)
			WRITE_ONCE(sig->oom_score_adj_min, min(r->orig_min, cur));
		oomsnap_rec_free_one(r);
	}
	raw_spin_unlock_irqrestore(&oomsnap_rec_lock, flags);
}

/* Does the module manage @sig with a value other than @adj? */
static bool oomsnap_rec_differs(const struct signal_struct *sig, short adj)
{
	struct oomsnap_rec *r;
	unsigned long flags;
	bool ret;

	raw_spin_lock_irqsave(&oomsnap_rec_lock, flags);
	r = oomsnap_rec_find(sig);
	ret = r && r->set != adj;
	raw_spin_unlock_irqrestore(&oomsnap_rec_lock, flags);
	return ret;
}

/* ----------------------------------------------------------------- groups */

/*
 * The mm of @q's first thread that has one, as the kernel's
 * process_shares_mm() looks: a pointer to compare, never dereferenced.
 */
static const struct mm_struct *oomsnap_peek_mm(struct task_struct *q)
{
	const struct mm_struct *mm;
	struct task_struct *t;

	for_each_thread(q, t) {
		mm = READ_ONCE(t->mm);
		if (mm)
			return mm;
	}
	return NULL;
}

/*
 * The processes sharing @mm with @p are one group: the kernel's
 * __oom_kill_process() kills all of them with its victim, whatever their
 * oom_score_adj, and a /proc/PID/oom_score_adj write sets them all.  So
 * they get one value: the lowest adj among the entries deciding for its
 * members on their own, starting from @e (@p's own, or NULL).  Kernel
 * threads, init and vfork children are not members, as in __set_oom_adj().
 * @mm is pinned by the caller, so a pointer equal to it is that mm.
 * One walk over the processes: only the fork probe uses this, for a
 * clone(CLONE_VM) child, and only while entries exist; the passes decide
 * all groups at once with a group table instead (struct oomsnap_gtab).
 */
static struct oomsnap_pentry *oomsnap_match_group(struct task_struct *p,
						  const struct mm_struct *mm,
						  struct oomsnap_pentry *e)
{
	struct oomsnap_pentry *f;
	struct task_struct *q;

	if (!READ_ONCE(oomsnap_nr_entries))
		return e;
	for_each_process(q) {
		if (same_thread_group(q, p) || (q->flags & PF_KTHREAD) ||
		    is_global_init(q) || q->vfork_done)
			continue;
		if (oomsnap_peek_mm(q) != mm)
			continue;
		f = oomsnap_plist_match_own(q);
		if (f && (!e || READ_ONCE(f->adj) < READ_ONCE(e->adj)))
			e = f;
	}
	return e;
}

/*
 * @p's mm if it is shared with other processes (MMF_MULTIPROCESS:
 * clone(CLONE_VM) without CLONE_THREAD or CLONE_VFORK), as a pointer to
 * compare; else NULL, also for init and vfork children (not group members,
 * as in __set_oom_adj()).  The mm is looked at under task_lock() of a
 * thread that has one, which pins it; @trylock on the OOM path, where a
 * thread whose lock is held is skipped.  After the unlock the pointer is
 * only compared: an mm freed and reused within one pass could at worst
 * merge two groups for that pass; the next pass corrects it.
 */
static const struct mm_struct *oomsnap_shared_mm(struct task_struct *p,
						 bool trylock)
{
	const struct mm_struct *mm = NULL;
	struct task_struct *t;

	if (p->vfork_done || is_global_init(p))
		return NULL;
	for_each_thread(p, t) {
		if (trylock) {
			if (!oomsnap_trylock_task(t))
				continue;
		} else {
			task_lock(t);
		}
		if (t->mm) {
			if (mm_flags_test(MMF_MULTIPROCESS, t->mm))
				mm = t->mm;
			task_unlock(t);
			return mm;
		}
		task_unlock(t);
	}
	return NULL;
}

static void oomsnap_gtab_start(struct oomsnap_gtab *g)
{
	g->used = 0;
	if (!++g->gen) {
		memset(g->slot, 0, sizeof(*g->slot) << g->bits);
		g->gen = 1;
	}
}

/*
 * Keep @e for @mm if it is the lowest so far; a full table keeps nothing.
 * @e may be NULL (the dry pass keeps a set of mms).
 * Return: false if @mm did not fit.
 */
static bool oomsnap_gtab_add(struct oomsnap_gtab *g, const struct mm_struct *mm,
			     struct oomsnap_pentry *e)
{
	unsigned int i, mask = (1U << g->bits) - 1, h = hash_ptr(mm, g->bits);
	struct oomsnap_gslot *s;

	for (i = 0; i < OOMSNAP_GRP_PROBE; i++) {
		s = &g->slot[(h + i) & mask];
		if (s->gen != g->gen) {
			if (g->used >= (mask + 1) / 2)
				return false;
			s->gen = g->gen;
			s->mm = mm;
			s->e = e;
			g->used++;
			return true;
		}
		if (s->mm == mm) {
			if (e && READ_ONCE(e->adj) < READ_ONCE(s->e->adj))
				s->e = e;
			return true;
		}
	}
	return false;
}

/* @mm's slot in @g, or NULL */
static const struct oomsnap_gslot *oomsnap_gtab_slot(const struct oomsnap_gtab *g,
						     const struct mm_struct *mm)
{
	unsigned int i, mask = (1U << g->bits) - 1, h = hash_ptr(mm, g->bits);
	const struct oomsnap_gslot *s;

	for (i = 0; i < OOMSNAP_GRP_PROBE; i++) {
		s = &g->slot[(h + i) & mask];
		if (s->gen != g->gen)
			return NULL;
		if (s->mm == mm)
			return s;
	}
	return NULL;
}

/* Is @mm in @g?  The slot of an mm kept with a NULL entry counts. */
static bool oomsnap_gtab_has(const struct oomsnap_gtab *g,
			     const struct mm_struct *mm)
{
	return oomsnap_gtab_slot(g, mm);
}

static struct oomsnap_pentry *oomsnap_gtab_find(const struct oomsnap_gtab *g,
						const struct mm_struct *mm)
{
	const struct oomsnap_gslot *s = oomsnap_gtab_slot(g, mm);

	return s ? s->e : NULL;
}

/*
 * First step of a pass: the groups.  Of the first @budget processes, each
 * whose own entry exists and whose mm is shared is kept in @g.  Without
 * entries no process has one and nothing is looked at but the hashes.
 * The caller holds rcu_read_lock() and owns @g.
 */
static void oomsnap_gtab_fill(struct oomsnap_gtab *g, bool trylock,
			      unsigned int budget)
{
	const struct mm_struct *mm;
	struct oomsnap_pentry *e;
	struct task_struct *p;

	oomsnap_gtab_start(g);
	if (!READ_ONCE(oomsnap_nr_entries))
		return;
	for_each_process(p) {
		if (!budget--)
			break;
		if (p->flags & PF_KTHREAD)
			continue;
		e = oomsnap_plist_match_own(p);
		if (!e)
			continue;
		mm = oomsnap_shared_mm(p, trylock);
		if (mm)
			oomsnap_gtab_add(g, mm, e);
	}
}

/*
 * Second step: the entry that decides for @p, its own or its group's if
 * that is lower.  Only a process whose mm is shared, in a pass that found
 * a group, costs more than the hash lookups; the own entry is always kept.
 */
static struct oomsnap_pentry *oomsnap_match_in(const struct oomsnap_gtab *g,
					       struct task_struct *p,
					       bool trylock)
{
	struct oomsnap_pentry *e = oomsnap_plist_match_own(p), *f;
	const struct mm_struct *mm;

	if (!g->used)
		return e;
	mm = oomsnap_shared_mm(p, trylock);
	if (!mm)
		return e;
	f = oomsnap_gtab_find(g, mm);
	if (f && (!e || READ_ONCE(f->adj) < READ_ONCE(e->adj)))
		e = f;
	return e;
}

static int oomsnap_gtab_alloc(struct oomsnap_gtab *g, unsigned int groups)
{
	g->bits = ilog2(roundup_pow_of_two(2 * groups));
	g->gen = 0;
	g->used = 0;
	g->slot = kvcalloc(1U << g->bits, sizeof(*g->slot), GFP_KERNEL);
	return g->slot ? 0 : -ENOMEM;
}

/* -------------------------------------------------------------- tracepoints */

/*
 * Exec: the new program gets its entry's value.  A process the module
 * changed that no entry covers any more (a protected program's child that
 * execs something else, a process that shared a protected mm and now has
 * its own) gets its old value back.
 */
static void oomsnap_exec_probe(void *data, struct task_struct *p,
			       pid_t old_pid, struct linux_binprm *bprm)
{
	struct oomsnap_pentry *e;

	if (!READ_ONCE(oomsnap_nr_entries) && !READ_ONCE(oomsnap_nr_recs))
		return;
	if (p->flags & PF_KTHREAD)
		return;
	rcu_read_lock();
	/* a new mm: nobody shares it */
	e = oomsnap_plist_match_own(p);
	if (e) {
		if (oomsnap_apply(p, READ_ONCE(e->adj), false))
			atomic64_inc(&oomsnap_stats.protect_applied);
	} else if (READ_ONCE(oomsnap_nr_recs)) {
		oomsnap_restore(p->signal);
	}
	rcu_read_unlock();
}

/*
 * oomsnap_rec_lock held.  A new child @sig takes its parent's (@psig)
 * values as they are now, unless a store of ours reached the child itself
 * first (it has a record: a pass or exec saw it; then the fork has nothing
 * left to do for it).
 * Return: the parent's record, if any and the child has none.
 */
static struct oomsnap_rec *oomsnap_fork_copy(struct signal_struct *sig,
					     const struct signal_struct *psig)
{
	if (oomsnap_rec_find(sig))
		return NULL;
	WRITE_ONCE(sig->oom_score_adj, READ_ONCE(psig->oom_score_adj));
	WRITE_ONCE(sig->oom_score_adj_min, READ_ONCE(psig->oom_score_adj_min));
	return oomsnap_rec_find(psig);
}

/*
 * Fork: a new process inherits its parent's oom_score_adj.  If that is a
 * value the module set, then
 *   - a child that an entry covers too (same comm and owner, same cgroup,
 *     an mm shared with its parent) is recorded, so that del and unload
 *     restore it as well (e.g. the workers of a protected daemon), and
 *     gets its own entry's value if that differs;
 *   - a child that no entry covers (a pid entry covers its process only),
 *     or that gets no record because the pool is full, gets back the value
 *     from before the module changed the parent's, so that a process
 *     carries a value set by the module only while an entry covers it and
 *     a record can restore it.
 * The child has not run yet and pins its own mm.  Only a clone(CLONE_VM)
 * child's mm is MMF_MULTIPROCESS and costs a walk (one, O(processes)), and
 * only the child of a process whose value the module set: a fork of any
 * other process costs a record lookup.
 */
static void oomsnap_fork_probe(void *data, struct task_struct *parent,
			       struct task_struct *child)
{
	struct signal_struct *sig = child->signal, *psig = parent->signal;
	struct oomsnap_pentry *e;
	struct oomsnap_rec *pr, *cr;
	unsigned long flags;
	short adj = 0;
	bool ours;

	if (sig == psig)
		return;
	/*
	 * copy_signal() copied the parent's values early in copy_process(),
	 * long before this probe.  A store of ours to the parent since (a
	 * writer's pass that put its value back, or applied one) must reach
	 * the child too, else the child keeps a value the module set with no
	 * record to restore it from, for good.  So under the lock every such
	 * store takes, the child gets the parent's values as they are now:
	 * values the parent has, as a fork a moment later would copy.  Only
	 * when they differ or records exist is the lock taken.
	 */
	if (!READ_ONCE(oomsnap_nr_recs) &&
	    READ_ONCE(sig->oom_score_adj) == READ_ONCE(psig->oom_score_adj) &&
	    READ_ONCE(sig->oom_score_adj_min) == READ_ONCE(psig->oom_score_adj_min))
		return;
	/*
	 * Then only a child that inherited a value the module set has
	 * anything to do here: any other fork (any user's clone(CLONE_VM)
	 * included) costs this lookup, never the group walk below.  Checked
	 * again under the lock once the entry is known.
	 */
	raw_spin_lock_irqsave(&oomsnap_rec_lock, flags);
	pr = oomsnap_fork_copy(sig, psig);
	ours = pr && READ_ONCE(sig->oom_score_adj) == pr->set;
	raw_spin_unlock_irqrestore(&oomsnap_rec_lock, flags);
	if (!ours)
		return;
	rcu_read_lock();
	e = oomsnap_plist_match_own(child);
	if (!child->vfork_done && child->mm &&
	    mm_flags_test(MMF_MULTIPROCESS, child->mm))
		e = oomsnap_match_group(child, child->mm, e);
	if (e)
		adj = READ_ONCE(e->adj);
	raw_spin_lock_irqsave(&oomsnap_rec_lock, flags);
	/* again: the parent's value may have been put back meanwhile */
	pr = oomsnap_fork_copy(sig, psig);
	if (!pr || READ_ONCE(sig->oom_score_adj) != pr->set) {
		e = NULL;
	} else {
		cr = e ? oomsnap_rec_new(sig, false) : NULL;
		if (cr) {
			cr->orig = pr->orig;
			cr->set = pr->set;
			cr->orig_min = pr->orig_min;
			cr->set_min = pr->set_min;
			cr->min_set = pr->min_set;
		} else {
			e = NULL;
			WRITE_ONCE(sig->oom_score_adj, pr->orig);
			if (pr->min_set &&
			    READ_ONCE(sig->oom_score_adj_min) == pr->set_min)
				WRITE_ONCE(sig->oom_score_adj_min,
					   min(pr->orig_min, pr->orig));
		}
	}
	raw_spin_unlock_irqrestore(&oomsnap_rec_lock, flags);
	if (e && adj != READ_ONCE(sig->oom_score_adj) &&
	    oomsnap_apply(child, adj, false))
		atomic64_inc(&oomsnap_stats.protect_applied);
	rcu_read_unlock();
}

/*
 * Exit: when a process's last thread exits, forget its record (before its
 * signal_struct can be reused), and if it was a pid entry's process, let
 * the collector end the entry (it needs the mutex and put_pid()).
 */
static void oomsnap_exit_one(struct task_struct *p)
{
	struct oomsnap_rec *r;
	unsigned long flags;

	if (atomic_read(&p->signal->live))
		return;
	/*
	 * Lockless, after do_exit()'s atomic_dec_and_test() of live (a full
	 * barrier): see oomsnap_rec_new() for why a record being created
	 * now cannot be missed.
	 */
	if (READ_ONCE(oomsnap_nr_recs)) {
		raw_spin_lock_irqsave(&oomsnap_rec_lock, flags);
		r = oomsnap_rec_find(p->signal);
		if (r)
			oomsnap_rec_free_one(r);
		raw_spin_unlock_irqrestore(&oomsnap_rec_lock, flags);
	}
	if (READ_ONCE(oomsnap_nr_pid)) {
		rcu_read_lock();
		if (oomsnap_plist_find_pid(task_tgid(p)))
			schedule_work(&oomsnap_gc_work);
		rcu_read_unlock();
	}
}

/* sched_process_exit's two signatures: see OOMSNAP_EXIT_GROUP_DEAD */
static void __maybe_unused oomsnap_exit_probe(void *data,
					      struct task_struct *p)
{
	oomsnap_exit_one(p);
}

static void __maybe_unused oomsnap_exit_probe2(void *data,
					       struct task_struct *p,
					       bool group_dead)
{
	oomsnap_exit_one(p);
}

static void *oomsnap_exit_fn(void)
{
	return OOMSNAP_EXIT_GROUP_DEAD ? (void *)oomsnap_exit_probe2 :
					 (void *)oomsnap_exit_probe;
}

/* ----------------------------------------------------------------- passes */

/*
 * oomsnap_plock held.  One pass over every process after the entry set
 * changed (@apply), or to count (!@apply: show(), which changes nothing):
 *   - entries of write @gen (added or updated) apply their value;
 *   - a process we changed whose deciding entry changed gets the new
 *     entry's value, and one that no entry covers any more its old value;
 *   - without @apply, each entry's @tasks counts the processes it decides.
 * Drifted values of untouched entries are left to the OOM path.
 * Linear in the number of processes (groups: struct oomsnap_gtab).
 * A pass after entries were removed or updated must follow a grace period
 * (oomsnap_sync_readers()).
 */
static void oomsnap_pass(u32 gen, bool apply)
{
	struct oomsnap_pentry *e;
	struct task_struct *p;
	short adj;

	if (!apply)
		list_for_each_entry(e, &oomsnap_entries, node)
			e->tasks = 0;
	rcu_read_lock();
	oomsnap_gtab_fill(&oomsnap_gw, false, UINT_MAX);
	for_each_process(p) {
		if (p->flags & PF_KTHREAD)
			continue;
		e = oomsnap_match_in(&oomsnap_gw, p, false);
		if (!apply) {
			if (e)
				e->tasks++;
			continue;
		}
		if (!e) {
			if (READ_ONCE(oomsnap_nr_recs))
				oomsnap_restore(p->signal);
			continue;
		}
		adj = e->adj;
		if ((e->gen == gen || oomsnap_rec_differs(p->signal, adj)) &&
		    oomsnap_apply(p, adj, true))
			atomic64_inc(&oomsnap_stats.protect_applied);
	}
	rcu_read_unlock();
}

/*
 * oomsnap_plock held, after entries were unpublished or their adj changed
 * and before the pass that puts values right.  An exec, fork or OOM-path
 * reader that found the old entry (or read the old adj) inside its RCU
 * section may still store that value; if it did so after the pass looked
 * at its process, a value no entry explains would stay.  After a grace
 * period every such reader is done, so the pass has the last word.  The
 * removed entries can then be freed without another grace period
 * (oomsnap_plist_free_entries()).  Writers may sleep.
 */
static void oomsnap_sync_readers(void)
{
	synchronize_rcu();
}

/* ----------------------------------------------------------------- writes */

/*
 * For the dry pass: do the batch's add commands name @p itself?  *@named
 * if one does at all; *@first and *@perm as in oomsnap_dry_pass().
 * Return: true if one names it with a value other than its current one
 * (it would change).
 */
static bool oomsnap_dry_hits(struct oomsnap_rcmd *cmds, unsigned int n,
			     struct task_struct *p, bool may_lower,
			     unsigned int *first, unsigned int *perm,
			     bool *named)
{
	short cur = READ_ONCE(p->signal->oom_score_adj);
	short min = READ_ONCE(p->signal->oom_score_adj_min);
	bool hit = false;
	unsigned int i;

	*named = false;
	for (i = 0; i < n; i++) {
		if (cmds[i].w->op != OOMSNAP_OP_ADD ||
		    !oomsnap_plist_cmd_hits(&cmds[i], p))
			continue;
		*named = true;
		if (cmds[i].w->adj == cur)
			continue;
		hit = true;
		*first = min(*first, i);
		if (!may_lower && cmds[i].w->adj < min)
			*perm = min(*perm, i);
	}
	return hit;
}

/* 1 if @p has no restore record yet (takes oomsnap_rec_lock), else 0 */
static unsigned int oomsnap_no_rec(struct task_struct *p)
{
	unsigned long flags;
	unsigned int ret;

	raw_spin_lock_irqsave(&oomsnap_rec_lock, flags);
	ret = !oomsnap_rec_find(p->signal);
	raw_spin_unlock_irqrestore(&oomsnap_rec_lock, flags);
	return ret;
}

/*
 * oomsnap_plock held, after oomsnap_plist_check().  A value is never changed
 * without a restore record, and a write is applied all or nothing: so
 * before anything changes, count the processes the batch's add commands
 * would change that have no record yet, and refuse the batch (ENOSPC,
 * each of them counted in protect_refused) if the free records are fewer.
 * The count errs on the safe side: a process an add names is counted even
 * if a pid or deeper cgroup entry decides for it, records that the
 * batch's del commands will free are not counted as free, and every
 * process sharing its mm with a process an add names counts (its group
 * may take the added value).  Only those: counting every process whose mm
 * is shared, as before, let any user block every add (and a load with
 * protect=) with a few thousand clone(CLONE_VM) children of its own.  The
 * named groups are kept in the writers' group table (a second walk, only
 * when an add names a process that shares its mm); should it fill up,
 * every process whose mm is shared counts again.
 * The records counted are reserved for this writer's pass under
 * oomsnap_rec_lock (oomsnap_rec_new()), so an exec, fork or OOM-path change
 * cannot take them first and leave a process the write named unchanged
 * while the write succeeds; oomsnap_unreserve() ends that after the pass.
 * Processes forked after the count are refused one by one if the pool
 * runs out (counted too), never changed without a record.
 *
 * The kernel's floor: /proc/PID/oom_score_adj refuses a value below the
 * process's oom_score_adj_min without CAP_SYS_RESOURCE (a privileged
 * writer may have raised the floor, e.g. systemd's OOMScoreAdjust=500
 * sets 500).  So without that capability in the opener's credentials
 * (@may_lower false), an add that would put a process it names below its
 * own floor fails the whole write with EPERM.  As in the kernel, the
 * floor of the process named counts, not those of its mm sharers.
 */
static int oomsnap_dry_pass(struct oomsnap_rcmd *cmds, unsigned int n,
			    bool may_lower, unsigned int *bad)
{
	unsigned int need = 0, avail, i, first = n, perm = n;
	struct oomsnap_gtab *g = &oomsnap_gw;
	const struct mm_struct *mm;
	bool named, any = false, full = false;
	struct task_struct *p;
	unsigned long flags;

	for (i = 0; i < n; i++)
		any |= cmds[i].w->op == OOMSNAP_OP_ADD;
	if (!any)
		return 0;
	oomsnap_gtab_start(g);
	rcu_read_lock();
	for_each_process(p) {
		if (p->flags & PF_KTHREAD)
			continue;
		if (oomsnap_dry_hits(cmds, n, p, may_lower, &first, &perm,
				     &named))
			need += oomsnap_no_rec(p);
		mm = named ? oomsnap_shared_mm(p, false) : NULL;
		if (mm && !oomsnap_gtab_add(g, mm, NULL))
			full = true;
	}
	/* the other members of the groups named, each counted once */
	if (g->used || full) {
		for_each_process(p) {
			if (p->flags & PF_KTHREAD)
				continue;
			mm = oomsnap_shared_mm(p, false);
			if (!mm || (!full && !oomsnap_gtab_has(g, mm)) ||
			    oomsnap_dry_hits(cmds, n, p, may_lower, &first,
					     &perm, &named))
				continue;
			need += oomsnap_no_rec(p);
		}
	}
	rcu_read_unlock();
	if (perm < n) {
		*bad = perm;
		return -EPERM;
	}
	raw_spin_lock_irqsave(&oomsnap_rec_lock, flags);
	avail = oomsnap_rec_pool - oomsnap_nr_recs;
	if (need <= avail)
		oomsnap_rec_reserved = need;
	raw_spin_unlock_irqrestore(&oomsnap_rec_lock, flags);
	if (need <= avail)
		return 0;
	atomic64_add(need, &oomsnap_refused);
	*bad = first < n ? first : 0;
	return -ENOSPC;
}

/* After the writer's pass: its unused reserved records are free again. */
static void oomsnap_unreserve(void)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&oomsnap_rec_lock, flags);
	oomsnap_rec_reserved = 0;
	raw_spin_unlock_irqrestore(&oomsnap_rec_lock, flags);
}

/*
 * May the opener of @file lower a value below a floor?  CAP_SYS_RESOURCE
 * in the initial user namespace, as the kernel asks for
 * /proc/PID/oom_score_adj below oom_score_adj_min.  Checked against the
 * opener (@file's f_cred), so a descriptor handed to someone else carries
 * its opener's rights, not more; NULL for the protect= parameter (insmod
 * already needed CAP_SYS_MODULE).
 */
static bool oomsnap_may_lower(const struct file *file)
{
	return !file || file_ns_capable(file, &init_user_ns, CAP_SYS_RESOURCE);
}

/*
 * An entry below 0, the default floor, needs that capability whatever it
 * matches now: comm and cgroup entries also apply to processes that exec
 * or move in later, whose floor is 0 unless a privileged writer lowered
 * it.  A value below the current floor of a process the write names is
 * checked per process by oomsnap_dry_pass().
 */
static int oomsnap_may(const struct oomsnap_protect_cmd *c,
		       const struct file *file)
{
	if (c->op == OOMSNAP_OP_ADD && c->adj < 0 && !oomsnap_may_lower(file))
		return -EPERM;
	return 0;
}

/*
 * Parse and apply the commands in @buf (one per line), all or nothing.
 * On failure *@bad is the index of the offending command among the
 * non-empty lines.  The first line at fault decides the error: one that
 * does not parse, or the first before it that its writer may not write
 * or that names nothing (oomsnap_protect_parse() keeps the commands
 * before a bad line for that).
 */
static int oomsnap_apply_buf(char *buf, const struct file *file,
			     unsigned int *bad_cmd)
{
	struct oomsnap_pentry *freelist = NULL;
	struct oomsnap_protect_cmd *w;
	struct oomsnap_rcmd *cmds = NULL;
	unsigned int n, i, bad;
	bool may_lower;
	int ret, err;

	ret = oomsnap_protect_parse(buf, &w, &n);
	bad = n;
	if (n) {
		cmds = kvcalloc(n, sizeof(*cmds), GFP_KERNEL);
		if (!cmds) {
			ret = -ENOMEM;
			bad = 0;
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		cmds[i].w = &w[i];
		err = oomsnap_may(&w[i], file);
		if (!err)
			err = oomsnap_plist_resolve(&cmds[i], file);
		if (err) {
			ret = err;
			bad = i;
			goto out;
		}
	}
	if (ret || !n)
		goto out;

	may_lower = oomsnap_may_lower(file);
	/*
	 * Never while the list is closing: the callers are a write, whose
	 * open file pins the module, and oomsnap_protect_init().
	 */
	mutex_lock(&oomsnap_plock);
	oomsnap_plist_prune(&freelist);
	ret = oomsnap_plist_check(cmds, n, &bad);
	if (!ret)
		ret = oomsnap_dry_pass(cmds, n, may_lower, &bad);
	if (!ret) {
		if (oomsnap_plist_commit(cmds, n, ++oomsnap_gen, &freelist) ||
		    freelist)
			oomsnap_sync_readers();
		oomsnap_pass(oomsnap_gen, true);
		oomsnap_unreserve();
	} else if (freelist) {
		/* pruned pid entries: still restore their processes */
		oomsnap_sync_readers();
		oomsnap_pass(++oomsnap_gen, true);
	}
	mutex_unlock(&oomsnap_plock);
	oomsnap_plist_free_entries(freelist);
out:
	if (ret && bad_cmd)
		*bad_cmd = bad;
	for (i = 0; cmds && i < n; i++)
		oomsnap_plist_release(&cmds[i]);
	kvfree(cmds);
	oomsnap_protect_free(w, n);
	return ret;
}

/* ------------------------------------------------------------- collection */

/* A pid entry's process exited: end the entry, restore its mm sharers. */
static void oomsnap_gc_fn(struct work_struct *work)
{
	struct oomsnap_pentry *freelist = NULL;

	mutex_lock(&oomsnap_plock);
	if (!oomsnap_closing && oomsnap_plist_prune(&freelist)) {
		oomsnap_sync_readers();
		oomsnap_pass(++oomsnap_gen, true);
	}
	mutex_unlock(&oomsnap_plock);
	oomsnap_plist_free_entries(freelist);
}

/* ---------------------------------------------------------------- interface */

/**
 * oomsnap_protect_write() - apply the commands written to the protect file
 * @file: the open protect file (its opener's credentials), or NULL
 * @ubuf: the user's buffer
 * @len: its length
 *
 * One command per line (interface section 5); the whole write is applied or
 * nothing is.
 *
 * Context: process context; sleeps.
 * Return: @len, or -E2BIG (more than a page), -EINVAL (malformed, adj out of
 * range, a uid=N not mapped or on a key other than comm), -ESRCH (no such
 * process), -ENOENT (no such cgroup, or del of an entry that does not
 * exist), -ENOSPC (list full, or fewer free restore records than processes
 * to change), -EPERM (an adj below 0, or below the oom_score_adj_min of a
 * process the write names, without CAP_SYS_RESOURCE), -ENOMEM, -EFAULT.
 */
ssize_t oomsnap_protect_write(const struct file *file,
			      const char __user *ubuf, size_t len)
{
	char *buf;
	int ret;

	if (len > PAGE_SIZE)
		return -E2BIG;
	buf = memdup_user_nul(ubuf, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	if (strlen(buf) != len)
		ret = -EINVAL;		/* NUL bytes inside */
	else
		ret = oomsnap_apply_buf(buf, file, NULL);
	kfree(buf);
	return ret ? ret : len;
}
EXPORT_SYMBOL_IF_KUNIT(oomsnap_protect_write);

/**
 * oomsnap_protect_show() - list the protection entries
 * @m: the seq_file of the protect file
 * @unused: single_open() data
 *
 * One line per entry, in order of addition: ``pid=123 adj=-1000 tasks=1``,
 * ``comm=sshd adj=-1000 tasks=2``, ``comm=postgres uid=105 adj=-900
 * tasks=1``, ``cgroup=/db adj=-900 tasks=5``; a comm entry's uid is shown
 * when it is not the initial namespace's root, as the reader's user
 * namespace maps it; tasks counts the processes for which the entry is the
 * deciding one, counted without changing any value.  Pid entries whose
 * process exited are ended first (their processes restored).
 *
 * Context: process context; sleeps.
 * Return: 0.
 */
int oomsnap_protect_show(struct seq_file *m, void *unused)
{
	struct oomsnap_pentry *freelist = NULL, *e;
	pid_t nr;

	mutex_lock(&oomsnap_plock);
	if (oomsnap_plist_prune(&freelist)) {
		oomsnap_sync_readers();
		oomsnap_pass(++oomsnap_gen, true);
	}
	oomsnap_pass(oomsnap_gen, false);
	list_for_each_entry(e, &oomsnap_entries, node) {
		switch (e->type) {
		case OOMSNAP_P_PID:
			nr = pid_vnr(e->pid);
			seq_printf(m, "pid=%d", nr ? nr : e->nr);
			break;
		case OOMSNAP_P_CGROUP:
			seq_printf(m, "cgroup=%s", e->path);
			break;
		default:
			seq_printf(m, "comm=%s", e->comm);
			if (!uid_eq(e->uid, GLOBAL_ROOT_UID))
				seq_printf(m, " uid=%u",
					   from_kuid_munged(seq_user_ns(m), e->uid));
			break;
		}
		seq_printf(m, " adj=%d tasks=%u\n", e->adj, e->tasks);
	}
	mutex_unlock(&oomsnap_plock);
	oomsnap_plist_free_entries(freelist);
	return 0;
}

/**
 * oomsnap_protect_reassert() - put protected values back before an OOM kill
 *
 * Called from the out_of_memory() kprobe before the victim is selected,
 * for global and memcg OOMs.  Every matching process whose oom_score_adj
 * drifted from its entry's value (the program wrote its own, it moved
 * into a protected cgroup, ...) gets the entry's value again; each one
 * counts in protect_reasserted.  Nothing is put back here: a process no
 * entry covers any more keeps its value until a writer's pass or its exec
 * (putting values back from a look that cannot see writers mid-commit,
 * forks that copied the old value, or a daemon's passing seteuid() would
 * take protection from processes that an entry covers).  At most
 * oomsnap_scan_max processes are
 * examined, twice (groups first, then values: struct oomsnap_gtab), each
 * at a constant cost however many processes share an mm.  The group table
 * is left for oomsnap_protect_covers() of the same OOM.
 *
 * Context: atomic (preemption, maybe interrupts, disabled), PREEMPT_RT
 * included: takes only RCU, a raw spinlock and task locks by trylock;
 * allocates nothing.
 */
void oomsnap_protect_reassert(void)
{
	unsigned int max = READ_ONCE(oomsnap_scan_max), budget = max;
	struct oomsnap_pentry *e;
	struct task_struct *p;
	bool grp;
	short adj;

	if (!READ_ONCE(oomsnap_ready) || !READ_ONCE(oomsnap_nr_entries))
		return;
	rcu_read_lock();
	/* held by another OOM-path caller: own entries only, never less */
	grp = oomsnap_go_get();
	if (grp)
		oomsnap_gtab_fill(&oomsnap_go, true, max);
	for_each_process(p) {
		if (!budget--)
			break;
		if (p->flags & PF_KTHREAD)
			continue;
		e = grp ? oomsnap_match_in(&oomsnap_go, p, true) :
			  oomsnap_plist_match_own(p);
		if (!e)
			continue;
		adj = READ_ONCE(e->adj);
		if (READ_ONCE(p->signal->oom_score_adj) != adj &&
		    oomsnap_apply(p, adj, false))
			atomic64_inc(&oomsnap_stats.protect_reasserted);
	}
	if (grp)
		oomsnap_go_put();
	rcu_read_unlock();
}

/**
 * oomsnap_protect_covers() - does a protection entry cover @task?
 * @task: a task; the caller holds rcu_read_lock()
 *
 * An entry covers a process that shares its mm with a covered one (the
 * group's value, interface section 5).  No walk: the groups are those
 * oomsnap_protect_reassert() found at the start of this OOM, looked up by
 * @task's mm pointer (compared, never dereferenced).
 *
 * Context: atomic; the OOM path, after oomsnap_protect_reassert(); takes
 * no lock (the caller may hold @task's task_lock()).
 * Return: true if an entry matches @task's process.
 */
bool oomsnap_protect_covers(struct task_struct *task)
{
	const struct mm_struct *mm;
	bool ret = false;

	if (!READ_ONCE(oomsnap_ready) || !READ_ONCE(oomsnap_nr_entries))
		return false;
	if (oomsnap_plist_match_own(task))
		return true;
	if (task->vfork_done || is_global_init(task))
		return false;
	mm = READ_ONCE(task->mm);
	if (!mm)
		mm = oomsnap_peek_mm(task);
	if (!mm || !oomsnap_go_get())
		return false;
	ret = oomsnap_go.used && oomsnap_gtab_find(&oomsnap_go, mm);
	oomsnap_go_put();
	return ret;
}

/**
 * oomsnap_protect_own_adj() - the oom_score_adj a process had of its own
 * @p: a process; the caller holds rcu_read_lock()
 * @own: where to store the value it had before oomsnap changed it
 *
 * The value is the restore record's: what the process had when oomsnap
 * first changed it, and what it gets back when its entry goes.
 *
 * Context: atomic, the OOM path included: takes only the records' raw
 * spinlock, allocates nothing.
 * Return: true when oomsnap changed @p's value (it holds a record).
 */
bool oomsnap_protect_own_adj(struct task_struct *p, short *own)
{
	struct oomsnap_rec *r;
	unsigned long flags;
	bool ret = false;

	if (!READ_ONCE(oomsnap_nr_recs))
		return false;
	raw_spin_lock_irqsave(&oomsnap_rec_lock, flags);
	r = oomsnap_rec_find(p->signal);
	if (r) {
		*own = r->orig;
		ret = true;
	}
	raw_spin_unlock_irqrestore(&oomsnap_rec_lock, flags);
	return ret;
}

/**
 * oomsnap_protect_entries() - the number of protection entries
 *
 * A pid entry whose process just exited counts until it is ended, which
 * happens right after the exit, in a work item.
 *
 * Context: any.
 * Return: the number of entries.
 */
unsigned int oomsnap_protect_entries(void)
{
	return READ_ONCE(oomsnap_nr_entries);
}

/**
 * oomsnap_protect_refused() - changes refused for want of a restore record
 *
 * A value is never changed without a record to restore it from, and the
 * records are a pool preallocated at load.  With none free, a change is
 * refused.  This counts refusals, not distinct processes: each process a
 * protect write would have changed when the write fails with ENOSPC for
 * that reason, plus each exec, fork, pass or OOM-path re-assertion that
 * could not change a process (one per OOM per process: a process refused
 * at several OOMs counts at each).  The stats key protect_refused.
 *
 * Context: any.
 * Return: the count since load.
 */
u64 oomsnap_protect_refused(void)
{
	return atomic64_read(&oomsnap_refused);
}

static void oomsnap_tp_off(struct tracepoint *tp, void *fn, bool *on)
{
	if (*on)
		tracepoint_probe_unregister(tp, fn, NULL);
	*on = false;
}

static void oomsnap_free_tables(void)
{
	oomsnap_plist_free();
	kvfree(oomsnap_recs);
	kvfree(oomsnap_rec_ht);
	kvfree(oomsnap_gw.slot);
	kvfree(oomsnap_go.slot);
	oomsnap_gw.slot = NULL;
	oomsnap_go.slot = NULL;
	oomsnap_recs = NULL;
	oomsnap_rec_ht = NULL;
}

/**
 * oomsnap_protect_exit() - restore every value and tear down
 *
 * Ends all entries and restores what the module changed (unless changed
 * since), unregisters the tracepoint probes and frees everything.  Safe
 * after a failed oomsnap_protect_init().  The OOM-path hook may still be
 * registered: it sees no entries from the first step on.
 *
 * Context: process context, at unload; sleeps.
 */
void oomsnap_protect_exit(void)
{
	struct oomsnap_pentry *freelist = NULL;

	/* set up all or nothing: no records, no set-up */
	if (!oomsnap_recs)
		return;
	/* 1. no more entries: exec, OOM and covers() find nothing */
	mutex_lock(&oomsnap_plock);
	oomsnap_closing = true;
	WRITE_ONCE(oomsnap_ready, false);
	oomsnap_plist_clear(&freelist);
	oomsnap_sync_readers();
	oomsnap_pass(++oomsnap_gen, true);
	mutex_unlock(&oomsnap_plock);

	/*
	 * 2. no more records created (fork), then restore once more what a
	 * fork created during step 1.  The exit probe stays until then, so
	 * that no record outlives its process.
	 */
	if (oomsnap_tp_exec)
		oomsnap_tp_off(oomsnap_tp_exec, oomsnap_exec_probe,
			       &oomsnap_exec_on);
	if (oomsnap_tp_fork)
		oomsnap_tp_off(oomsnap_tp_fork, oomsnap_fork_probe,
			       &oomsnap_fork_on);
	tracepoint_synchronize_unregister();
	mutex_lock(&oomsnap_plock);
	oomsnap_pass(++oomsnap_gen, true);
	mutex_unlock(&oomsnap_plock);

	/* 3. the rest */
	if (oomsnap_tp_exit)
		oomsnap_tp_off(oomsnap_tp_exit, oomsnap_exit_fn(),
			       &oomsnap_exit_on);
	tracepoint_synchronize_unregister();
	cancel_work_sync(&oomsnap_gc_work);
	oomsnap_plist_free_entries(freelist);
	/* every process still alive was restored: one left outlived its process */
	if (oomsnap_nr_recs)
		pr_warn("protect: %u restore records left\n",
			oomsnap_nr_recs);
	oomsnap_free_tables();
	oomsnap_tp_exec = NULL;
	oomsnap_tp_fork = NULL;
	oomsnap_tp_exit = NULL;
}

/* Log the @bad'th non-empty entry of the protect= parameter. */
static void oomsnap_boot_error(const char *list, unsigned int bad, int err)
{
	char *copy = kstrdup(list, GFP_KERNEL), *p, *ent;

	p = copy;
	while (p && (ent = strsep(&p, ";\n"))) {
		ent = strim(ent);
		if (*ent && !bad--)
			break;
		ent = NULL;
	}
	pr_err("protect=: entry \"%s\": error %d\n",
	       copy && ent ? ent : "?", err);
	kfree(copy);
}

static int oomsnap_tp_on(const char *name, struct tracepoint **tpp, void *fn,
			 bool *on)
{
	int ret;

	*tpp = oomsnap_tp_find(name);
	if (!*tpp) {
		pr_err("protect: tracepoint %s not found\n", name);
		return -ENOENT;
	}
	ret = tracepoint_probe_register(*tpp, fn, NULL);
	if (ret) {
		pr_err("protect: cannot attach to %s: %d\n", name, ret);
		return ret;
	}
	*on = true;
	return 0;
}

/**
 * oomsnap_protect_apply_list() - apply commands separated by ';'
 * @list: the commands, in the protect= parameter's syntax
 *
 * All or nothing, as a write of the protect file is, with the rights of
 * the protect= parameter (no opener to check); the entry at fault is
 * logged.  The protect= parameter at load.
 *
 * Context: process context, the list set up (oomsnap_protect_init()
 * calls it last); sleeps.
 * Return: 0, or a negative errno as oomsnap_protect_write().
 */
static int oomsnap_protect_apply_list(const char *list)
{
	unsigned int bad = 0;
	char *buf, *p;
	int ret;

	buf = kstrdup(list, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (p = buf; *p; p++)
		if (*p == ';')
			*p = '\n';
	ret = oomsnap_apply_buf(buf, NULL, &bad);
	kfree(buf);
	if (ret)
		oomsnap_boot_error(list, bad, ret);
	return ret;
}

/**
 * oomsnap_protect_init() - set up the protection list
 * @boot_list: the protect= module parameter: commands separated by ';'
 *             (interface section 5 syntax), or NULL/empty
 *
 * Allocates the hash tables and the restore-record pool (sized from
 * oomsnap_protect_max), attaches to the sched_process_exec, _fork and
 * _exit tracepoints and applies @boot_list all or nothing.
 *
 * Context: process context, at load.
 * Return: 0, or a negative errno (the entry at fault is logged).
 */
int oomsnap_protect_init(const char *boot_list)
{
	unsigned int nrec, i;
	int ret;

	oomsnap_closing = false;
	nrec = clamp(oomsnap_protect_max * OOMSNAP_REC_PER_ENTRY,
		     min(oomsnap_protect_max * OOMSNAP_REC_SMALL, OOMSNAP_REC_MIN),
		     OOMSNAP_REC_MAX);
	oomsnap_rec_bits = ilog2(roundup_pow_of_two(nrec));
	oomsnap_recs = kvcalloc(nrec, sizeof(*oomsnap_recs), GFP_KERNEL);
	oomsnap_rec_ht = kvcalloc(1U << oomsnap_rec_bits, sizeof(struct hlist_head),
				  GFP_KERNEL);
	/* one group per restore record at most is worth merging; stated bound */
	if (oomsnap_plist_alloc(oomsnap_protect_max) ||
	    !oomsnap_recs || !oomsnap_rec_ht ||
	    oomsnap_gtab_alloc(&oomsnap_gw, min(nrec, OOMSNAP_GRP_MAX)) ||
	    oomsnap_gtab_alloc(&oomsnap_go, min(nrec, OOMSNAP_GRP_MAX))) {
		oomsnap_free_tables();
		return -ENOMEM;
	}
	INIT_HLIST_HEAD(&oomsnap_rec_free);
	for (i = 0; i < nrec; i++)
		hlist_add_head(&oomsnap_recs[i].node, &oomsnap_rec_free);
	oomsnap_nr_recs = 0;
	oomsnap_rec_reserved = 0;
	oomsnap_rec_pool = nrec;
	atomic64_set(&oomsnap_refused, 0);

	/* exit first: no record may be created that it would not see */
	ret = oomsnap_tp_on("sched_process_exit", &oomsnap_tp_exit,
			    oomsnap_exit_fn(), &oomsnap_exit_on);
	if (!ret)
		ret = oomsnap_tp_on("sched_process_fork", &oomsnap_tp_fork,
				    oomsnap_fork_probe, &oomsnap_fork_on);
	if (!ret)
		ret = oomsnap_tp_on("sched_process_exec", &oomsnap_tp_exec,
				    oomsnap_exec_probe, &oomsnap_exec_on);
	if (ret)
		goto fail;
	WRITE_ONCE(oomsnap_ready, true);

	if (!boot_list || !*boot_list)
		return 0;
	ret = oomsnap_protect_apply_list(boot_list);
	if (ret)
		goto fail;
	return 0;

fail:
	oomsnap_protect_exit();
	return ret;
}
