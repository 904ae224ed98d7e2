// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap: the hooks on the OOM path, and what they capture.
 *
 * One OOM runs like this (mm/oom_kill.c), with oom_lock held throughout,
 * so OOMs are serialized:
 *
 *   out_of_memory(oc)               kretprobe entry: trigger, memcg, zones,
 *                                   system figures, memory breakdown
 *                                   (oomsnap_mem.c); protection re-asserted
 *     OOM notifier chain            counted (global and sysrq OOMs only)
 *     [current is exiting]          mark_victim -> outcome current_exiting
 *     constrained_alloc, select_bad_process
 *       oom_badness(task, pages)    ftrace callback at its entry (a
 *                                   kretprobe where ftrace lacks what it
 *                                   needs), per task the kernel
 *                                   evaluates: its points, kept if in
 *                                   the top max_tasks (the candidates)
 *     oom_kill_process(oc, msg)     kprobe: chosen, points, constraint;
 *                                   candidates by a scan of our own when
 *                                   oom_badness could not be hooked
 *       __oom_kill_process          mark_victim per killed task: the
 *                                   victim's figures, as the kernel prints
 *   return                          kretprobe return: outcome, cause,
 *                                   total swap, reasons; commit to the ring
 *   ... later, the oom reaper       finish_task_reaping: what it left
 *
 * Everything here runs with preemption disabled (kprobe and tracepoint
 * handlers), possibly with a sleeping lock held by the kernel around it:
 * nothing allocates, nothing sleeps, only raw spinlocks are taken, and
 * task_lock() only through oomsnap_trylock_task().  The one in-flight
 * event is preallocated at load.  Clocks are read with the NMI-safe
 * ktime_get_*_fast_ns(): an int3 kprobe handler runs in NMI-like context,
 * where ktime_get*() can spin forever on the timekeeping seqcount (lockdep
 * reports it on the debug kernel).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include <linux/tracepoint.h>
#include <linux/oom.h>
#include <linux/sched/task.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <linux/swap.h>
#include <linux/mman.h>
#include <linux/slab.h>
#include <linux/cpuset.h>
#include <linux/stacktrace.h>
#include <trace/events/oom.h>
#include "oomsnap.h"

/*
 * The in-flight event: OOMs are serialized by oom_lock, so one suffices.
 *
 * Only the OOM path writes @ev (its hooks run one after the other in the
 * task running out_of_memory(), which @busy admits one at a time), so the
 * next OOM's memset() can never meet another writer.  The oom reaper, which
 * reports on a victim from its own thread at any time (at once on 5.10,
 * while the OOM may still be in flight or the next one starting), never
 * touches @ev: under @lock it either files its figures in @reap, when the
 * victim it names (pid and mm) is the one this OOM marked (@victim_pid,
 * @victim_mm, set under @lock when the victim is marked, cleared under
 * @lock when the event is committed), or hands them to the ring, which
 * stamps them on the committed record of that victim.  The commit moves
 * @reap into the event under the same @lock, so a report lands in exactly
 * one place: this victim's event, before or after its commit, and no other
 * (the mm is pinned by the victim's signal->oom_mm while the victim
 * lives, so pid and mm name one victim).
 */
static struct {
	raw_spinlock_t lock;	/* @victim_*, @reap, and the commit */
	pid_t victim_pid;
	const void *victim_mm;	/* identity only; NULL: no victim in flight */
	struct {
		bool valid;
		unsigned long anon, file, shmem;
	} reap;
	atomic_t busy;
	struct oom_control *oc;
	struct oomsnap_event *ev;
	struct mem_cgroup *trigger_memcg;	/* identity only */
	struct task_struct *task;	/* the one running out_of_memory() */
	u64 t0;
	unsigned long kills_seen;
	bool in_kill;
	bool marked;
	bool evaluated;		/* oom_badness() reported at least once */
	bool panicking;		/* oomsnap_capture_panic(): trylocks only */
	unsigned long nr_evaluated;	/* oom_badness() returns seen */
	/* oomsnap_killed_sharers(): its work per event, and the mms done */
	unsigned int sharer_visits;
	unsigned int nr_sharer_mm;
	const void *sharer_mm[OOMSNAP_MAX_KILLED];	/* identity only */
} cur;

static const char * const hook_names[OOMSNAP_HOOK_NR] = {
	[OOMSNAP_HOOK_OUT_OF_MEMORY] = "out_of_memory",
	[OOMSNAP_HOOK_OOM_KILL_PROCESS] = "oom_kill_process",
	[OOMSNAP_HOOK_MARK_VICTIM] = "mark_victim",
	[OOMSNAP_HOOK_FINISH_REAPING] = "finish_task_reaping",
	[OOMSNAP_HOOK_OOM_NOTIFIER] = "oom_notifier",
	[OOMSNAP_HOOK_OOM_BADNESS] = "oom_badness",
};

/*
 * Where an event's candidates come from: the kernel's own evaluation of
 * each task (a hook on oom_badness(), called for each task the kernel
 * evaluates, and for none outside a memcg OOM's memcg), or,
 * when that cannot be hooked or candidates=scan is asked for, a scan of
 * all processes of our own with the kernel's formula (about as costly as
 * the kernel's own victim selection, whatever the memcg).  None when
 * max_tasks is 0.  bench/RESULTS.md has the figures.
 */
enum oomsnap_cand_source { CAND_NONE, CAND_BADNESS, CAND_SCAN };
static enum oomsnap_cand_source cand_source;
static const char * const cand_source_names[] = {
	[CAND_NONE] = "none", [CAND_BADNESS] = "oom_badness", [CAND_SCAN] = "scan",
};

/*
 * How oom_badness() is hooked.  An ftrace callback at its entry where the
 * kernel has struct ftrace_regs and dynamic ftrace: it computes each
 * task's points with the kernel's formula from the counters the kernel
 * reads (oomsnap_badness()), and the victim's are replaced by the
 * kernel's own at the kill (oomsnap_cands_victim_first()).  Else a
 * kretprobe, which gets the kernel's points from the return value but
 * costs a return trampoline per task: counted in instructions on 6.1,
 * the kernel's scan is about 284 per task, an empty ftrace callback adds
 * 35, this one 256, the kretprobe 521 (bench/RESULTS.md).
 */
enum oomsnap_badness_hook { BADNESS_NONE, BADNESS_FTRACE, BADNESS_KRETPROBE };
static enum oomsnap_badness_hook badness_hook;
static const char * const badness_hook_names[] = {
	[BADNESS_NONE] = "none", [BADNESS_FTRACE] = "ftrace",
	[BADNESS_KRETPROBE] = "kretprobe",
};

/* Why a hook is missing, for the stats file; NULL when it is attached. */
static const char *hook_missing[OOMSNAP_HOOK_NR];
static const char *kill_symbol;

/*
 * The kretprobe attached, but an OOM chose its victim by evaluating tasks
 * and the hook saw none of those calls: the compiler inlined oom_badness()
 * into its caller in mm/oom_kill.c and kept the out-of-line copy only for
 * /proc/PID/oom_score (seen on Debian's 5.10).  The OOM path then sets this
 * reason; from then on this load's candidates come from the scan, and stats
 * says so.  The kretprobe stays registered (it is removed at unload).
 */
static const char badness_blind_why[] =
	"attached but blind (inlined into its caller): candidates by scan";

static bool oomsnap_badness_blind(void)
{
	return cand_source == CAND_BADNESS &&
	       READ_ONCE(hook_missing[OOMSNAP_HOOK_OOM_BADNESS]);
}

/*
 * get_task_comm() takes task_lock(), which the kernel already holds around
 * mark_victim (and which sleeps on RT): copy the name without it, as the
 * kernel's own printk("%s", p->comm) does.  A concurrent rename can only
 * give a mix of the two names, always NUL-terminated.
 */
static void oomsnap_copy_comm(char *dst, struct task_struct *t)
{
	strscpy_pad(dst, t->comm, TASK_COMM_LEN);
}

static void oomsnap_add_capture_time(struct oomsnap_event *ev, u64 t0)
{
	ev->capture_ns += ktime_get_mono_fast_ns() - t0;
}

/*
 * The cgroup path of @kn by a walk of its kernfs parents under RCU, for
 * PREEMPT_RT, where kernfs_path() takes kernfs_rename_lock, a sleeping
 * lock there.  Safe where a node's parent and name cannot change under us
 * or are RCU pointers: the cgroup v2 hierarchy, whose directories cannot be
 * renamed (and a cgroup pins its ancestors), and any hierarchy since 6.15
 * (OOMSNAP_HAVE_KERNFS_RCU_PARENT), where a rename frees the old name
 * after a grace period.  One pass measures, a second writes each
 * "/name" at its place from the end, so no depth limit applies and a cut
 * path keeps its leading @cap bytes, as kernfs_path() does.  A v1 rename
 * between the passes can leave a mix of the two names (as a comm read
 * during a rename can), never a byte outside @buf.
 *
 * Return: the full length of the path, -1 when it cannot be walked.
 */
static ssize_t oomsnap_kn_walk(struct kernfs_node *kn, char *buf, size_t cap)
{
	struct kernfs_node *k;
	size_t full = 0, end;

	if (!oomsnap_kn_walkable())
		return -1;
	rcu_read_lock();
	for (k = kn; oomsnap_kn_parent(k); k = oomsnap_kn_parent(k))
		full += 1 + strlen(oomsnap_kn_name(k));
	if (!full) {
		rcu_read_unlock();
		if (cap)
			buf[0] = '/';
		return 1;
	}
	end = full;
	for (k = kn; oomsnap_kn_parent(k) && end; k = oomsnap_kn_parent(k)) {
		const char *name = oomsnap_kn_name(k);
		size_t n = strlen(name), at;

		if (n + 1 > end)
			break;	/* renamed between the passes */
		at = end - n - 1;
		if (at < cap)
			buf[at] = '/';
		if (at + 1 < cap)
			memcpy(buf + at + 1, name, min(n, cap - at - 1));
		end = at;
	}
	rcu_read_unlock();
	return full;
}

/*
 * The path of @memcg (pinned by the caller, or under RCU): its entry in
 * @ev's table, added on first use.  kernfs_path() gets two bytes beyond
 * @cap: the NUL, and one more so that a path of exactly @cap bytes is told
 * from a longer one whichever its return convention (the full length up
 * to 6.7, the bytes written since 6.8).  A path longer than OOMSNAP_PATH_MAX,
 * or than what is left of the table, is kept cut and flagged.
 *
 * Return: the entry's index + 1, 0 when no path could be built (no memcg,
 * the table is full, or cgroup v1 on RT before 6.15).
 */
static u8 oomsnap_memcg_path(struct oomsnap_event *ev, struct mem_cgroup *memcg)
{
	struct kernfs_node *kn = oomsnap_memcg_kn(memcg);
	struct oomsnap_paths *t = &ev->paths;
	size_t cap;
	ssize_t n;
	char *buf;
	u8 i;

	if (!kn)
		return 0;
	for (i = 0; i < t->nr; i++)
		if (t->ent[i].memcg == memcg)
			return i + 1;
	if (t->nr == OOMSNAP_PATHS)
		return 0;
	cap = min_t(size_t, OOMSNAP_PATH_MAX, OOMSNAP_PATH_POOL - t->used);
	buf = t->buf + t->used;
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		n = oomsnap_kn_walk(kn, buf, cap);
	else
		n = kernfs_path(kn, buf, cap + 2);
	if (n <= 0)
		return 0;
	t->ent[i].memcg = memcg;
	t->ent[i].off = t->used;
	t->ent[i].len = min_t(size_t, n, cap);
	t->ent[i].truncated = n > cap;
	t->used += t->ent[i].len;
	t->nr++;
	return i + 1;
}

static void oomsnap_capture_zones(struct oomsnap_event *ev,
				  const nodemask_t *allowed)
{
	int nid, i, o;

	for_each_online_node(nid) {
		pg_data_t *pgdat = NODE_DATA(nid);

		if (allowed && !node_isset(nid, *allowed))
			continue;
		for (i = 0; i < MAX_NR_ZONES; i++) {
			struct zone *z = &pgdat->node_zones[i];
			struct oomsnap_zone *oz;

			if (!populated_zone(z))
				continue;
			if (ev->nr_zones == OOMSNAP_MAX_ZONES)
				return;
			oz = &ev->zones[ev->nr_zones++];
			oz->name = z->name;
			oz->node = nid;
			oz->zone = i;
			oz->free = zone_page_state(z, NR_FREE_PAGES);
			oz->min = min_wmark_pages(z);
			oz->low = low_wmark_pages(z);
			oz->high = high_wmark_pages(z);
			oz->managed = zone_managed_pages(z);
			/* racy by design: the kernel's own show_free_areas() */
			for (o = 0; o < OOMSNAP_NR_ORDERS; o++)
				oz->blocks[o] = READ_ONCE(z->free_area[o].nr_free);
		}
	}
}

/*
 * si_meminfo() would count block device pages under a spinlock_t (a
 * sleeping lock on RT) and si_swapinfo() is not exported: read the
 * counters it reads.  Total swap has no exported source: oomsnap_mem_finish()
 * derives it from the kernel's totalpages where that allows.
 */
static void oomsnap_capture_system(struct oomsnap_event *ev)
{
	ev->system.totalram = totalram_pages();
	ev->system.freeram = global_zone_page_state(NR_FREE_PAGES);
	ev->system.freeswap = get_nr_swap_pages();
	ev->system.committed = vm_memory_committed();
	ev->has |= OOMSNAP_HAS_COMMITTED;
}

/*
 * What allocated: the stack of the task in out_of_memory(), from its
 * caller outwards.  stack_trace_save() is the one exported way to a stack
 * (stack_trace_save_regs() is not exported), so the trace starts in this
 * handler and runs through the probe's trampoline or breakpoint frame into
 * out_of_memory(): the frames up to and including the probed instruction
 * are dropped, found by their address, which lies within a few bytes of
 * the probe (int3 on the first instruction, or the ftrace call after an
 * endbr64); where the unwinder skips the caller, whose return address is
 * still in a register at the entry (arm64), it is put back
 * (oomsnap_entry_link()).  When the unwinder did not get through to it
 * the stack is left null rather than showing our own frames.  The
 * unwinder works in
 * NMI-like context and takes no locks; the frames go straight into the
 * preallocated event, which is large enough for the handler's frames and
 * OOMSNAP_STACK_MAX of the caller's.
 */
#define OOMSNAP_PROBE_SLACK	16	/* bytes from the probe to its frame */

static struct kretprobe oomsnap_oom_krp;

static void oomsnap_capture_stack(struct oomsnap_event *ev,
				  unsigned long probe, struct pt_regs *regs)
{
	unsigned long *ip = ev->stack.ip, link = oomsnap_entry_link(regs);
	unsigned int n, i;

	n = stack_trace_save(ip, OOMSNAP_STACK_MAX, 0);
	for (i = 0; i < n; i++)
		if (ip[i] - probe < OOMSNAP_PROBE_SLACK)
			break;
	if (i == n)
		return;
	/* a full buffer may have cut the outermost frames */
	ev->stack.truncated = n == OOMSNAP_STACK_MAX;
	n -= i + 1;
	memmove(ip, ip + i + 1, n * sizeof(*ip));
	/* the caller, where the unwinder skips it (room: i + 1 were dropped) */
	if (link) {
		memmove(ip + 1, ip, n * sizeof(*ip));
		ip[0] = link;
		n++;
	}
	ev->stack.nr = n;
	ev->has |= OOMSNAP_HAS_STACK;
}

static int oomsnap_oom_entry(struct kretprobe_instance *ri,
			     struct pt_regs *regs)
{
	struct oom_control *oc = (struct oom_control *)oomsnap_first_arg(regs);
	struct oomsnap_event *ev = cur.ev;
	const nodemask_t *allowed = NULL;
	struct task_struct *tsk = current;
	u64 t0 = ktime_get_mono_fast_ns();
	unsigned long flags;

	atomic64_inc(&oomsnap_stats.oom_calls);
	/*
	 * Every caller of out_of_memory() holds oom_lock (5.10 to 7.x), so
	 * this never refuses; it keeps the one in-flight event to one OOM
	 * should a kernel ever run two at once.
	 */
	if (atomic_cmpxchg(&cur.busy, 0, 1))
		return 1;	/* no return handler for this call */

	/* before the kernel picks a victim, put protected values back */
	oomsnap_protect_reassert();

	/* a report filed now can only be for a victim of this OOM's */
	raw_spin_lock_irqsave(&cur.lock, flags);
	cur.victim_mm = NULL;
	cur.reap.valid = false;
	raw_spin_unlock_irqrestore(&cur.lock, flags);
	/* no other writer: see the comment at the top of cur */
	memset(ev, 0, oomsnap_event_size());
	cur.oc = oc;
	cur.t0 = t0;
	cur.task = tsk;
	cur.in_kill = false;
	cur.marked = false;
	cur.evaluated = false;
	cur.nr_evaluated = 0;
	cur.sharer_visits = 0;
	cur.nr_sharer_mm = 0;
	cur.kills_seen = oomsnap_oom_kill_count();
	ev->boot_ns = ktime_get_boot_fast_ns();
	ev->real_ns = ktime_get_real_fast_ns();
	ev->kind = oc->memcg ? OOMSNAP_KIND_MEMCG : OOMSNAP_KIND_GLOBAL;
	ev->gfp_mask = oc->gfp_mask;
	ev->order = oc->order;
	ev->constraint = OOMSNAP_CONSTRAINT_UNKNOWN;
	if (oc->nodemask) {
		ev->nodemask = *oc->nodemask;
		ev->has |= OOMSNAP_HAS_NODEMASK;
		allowed = oc->nodemask;
	} else if (!oc->memcg && IS_ENABLED(CONFIG_CPUSETS)) {
		/* a global OOM can only use the nodes of current's cpuset */
		allowed = &tsk->mems_allowed;
	}

	ev->trigger.pid = task_pid_nr(tsk);
	ev->trigger.tgid = task_tgid_nr(tsk);
	ev->trigger.adj = READ_ONCE(tsk->signal->oom_score_adj);
	oomsnap_copy_comm(ev->trigger.comm, tsk);
	rcu_read_lock();
	cur.trigger_memcg = oomsnap_task_memcg(tsk);
	if (oc->memcg) {
		/* the OOM path holds a reference on oc->memcg; its path first */
		ev->memcg.path = oomsnap_memcg_path(ev, oc->memcg);
		ev->memcg.usage = oomsnap_memcg_usage(oc->memcg);
		ev->memcg.limit = oomsnap_memcg_limit(oc->memcg);
		ev->has |= OOMSNAP_HAS_MEMCG;
	}
	ev->trigger.memcg = oomsnap_memcg_path(ev, cur.trigger_memcg);
	rcu_read_unlock();
	oomsnap_cmdline_trigger(ev);
	oomsnap_capture_system(ev);
	oomsnap_mem_capture(ev, oc);
	oomsnap_capture_zones(ev, allowed);
	oomsnap_capture_stack(ev, (unsigned long)oomsnap_oom_krp.kp.addr, regs);
	oomsnap_psi_capture(ev, oc->memcg, tsk);
	oomsnap_trend_capture(ev);
	oomsnap_add_capture_time(ev, t0);
	return 0;
}

/*
 * Who @p is, for a candidate that enters the top: its pid, name and memcg.
 * Of the memcg only the pointer, one RCU read, for its path when the event
 * is done (oomsnap_cands_paths()), since most tasks that enter the top are
 * pushed out of it again.  Kept out of the figures' read, which every
 * evaluated task pays for.
 */
static void oomsnap_cand_ident(struct oomsnap_cand *c, struct task_struct *p)
{
	c->pid = task_tgid_nr(p);
	oomsnap_copy_comm(c->comm, p);
	rcu_read_lock();
	c->memcg_id = oomsnap_task_memcg(p);
	rcu_read_unlock();
	c->memcg = 0;
}

/*
 * A candidate's figures, read as the kernel's oom_badness() reads them:
 * like find_lock_task_mm() (not exported) from the first thread that still
 * has an mm, under that thread's task_lock(); on RT a thread whose lock is
 * taken is passed over.  Only the figures: the task's identity is read
 * when it enters the top (oomsnap_cand_ident()).  Inlined, with
 * oomsnap_badness(), into the ftrace callback, which runs them for every
 * task the kernel evaluates: each call level was about 15 instructions of
 * some 300 a task (bench/RESULTS.md).
 *
 * Return: false when no thread of @p has an mm, or the kernel would not
 * consider @p (oom_score_adj -1000 unless @any_adj, MMF_OOM_SKIP, vfork
 * child).
 */
static __always_inline bool oomsnap_cand_mm(struct task_struct *t,
					    struct mm_struct *mm,
					    struct oomsnap_cand *c,
					    bool any_adj)
{
	c->adj = READ_ONCE(t->signal->oom_score_adj);
	if (cur.panicking) {
		/* no lock a stopped CPU may hold: see the helper */
		c->rss = oomsnap_mm_counter_dying(mm, MM_FILEPAGES) +
			 oomsnap_mm_counter_dying(mm, MM_ANONPAGES) +
			 oomsnap_mm_counter_dying(mm, MM_SHMEMPAGES);
		c->swapents = oomsnap_mm_counter_dying(mm, MM_SWAPENTS);
	} else {
		c->rss = oomsnap_mm_rss(mm);
		c->swapents = oomsnap_mm_counter(mm, MM_SWAPENTS);
	}
	c->pgtables = mm_pgtables_bytes(mm) >> PAGE_SHIFT;
	/*
	 * in_vfork() takes the RCU read lock for every task; most are no
	 * vfork child, which its first test, vfork_done, tells without it.
	 */
	return (any_adj || c->adj != OOM_SCORE_ADJ_MIN) &&
	       !mm_flags_test(MMF_OOM_SKIP, mm) &&
	       !(READ_ONCE(t->vfork_done) && in_vfork(t));
}

static __always_inline bool oomsnap_cand_figures(struct task_struct *p,
						 struct oomsnap_cand *c,
						 bool any_adj)
{
	struct task_struct *t;
	bool found = false;

	for_each_thread(p, t) {
		struct mm_struct *mm;

		if (cur.panicking) {
			/*
			 * A dying kernel: a stopped CPU may hold the task
			 * lock for ever, but can free nothing any more, so
			 * the mm is read without it.
			 */
			mm = READ_ONCE(t->mm);
			if (mm)
				found = oomsnap_cand_mm(t, mm, c, any_adj);
		} else {
			if (!oomsnap_trylock_task(t))
				continue;
			mm = t->mm;
			if (mm)
				found = oomsnap_cand_mm(t, mm, c, any_adj);
			task_unlock(t);
		}
		if (mm)
			break;
	}
	return found;
}

/* The kernel's formula, on figures oomsnap_cand_figures() read. */
static void oomsnap_cand_points(struct oomsnap_cand *c,
				unsigned long totalpages)
{
	c->points = c->rss + c->swapents + c->pgtables +
		    (long)c->adj * (long)(totalpages / 1000);
}

/*
 * The kernel's oom_badness() (not exported), on a snapshot of the figures.
 *
 * Return: false when the kernel would not consider @p at all.
 */
static __always_inline bool oomsnap_badness(struct task_struct *p,
					    unsigned long totalpages,
					    struct oomsnap_cand *c)
{
	if (is_global_init(p) || (p->flags & PF_KTHREAD))
		return false;
	if (!oomsnap_cand_figures(p, c, false))
		return false;
	oomsnap_cand_points(c, totalpages);
	return true;
}

/*
 * Keep the max_tasks highest, sorted, by insertion: max_tasks is small.
 * Only a task that enters has its identity read (@p, the task @c is of).
 * Of equals the first met is kept and ranks first: a task that only ties
 * with the last kept ends at one comparison, which is what most of a large
 * memcg's tasks (equal sleepers, equal workers) cost.  The kernel keeps the
 * last of equals; its choice is put first when it is known
 * (oomsnap_cands_victim_first()).
 */
static void oomsnap_keep_top(struct oomsnap_event *ev, struct oomsnap_cand *c,
			     struct task_struct *p)
{
	unsigned int n = ev->nr_cands, i;

	if (!oomsnap_max_tasks)
		return;
	if (n == oomsnap_max_tasks) {
		if (c->points <= ev->cands[n - 1].points)
			return;
		n--;
	}
	oomsnap_cand_ident(c, p);
	for (i = n; i > 0 && ev->cands[i - 1].points < c->points; i--)
		ev->cands[i] = ev->cands[i - 1];
	ev->cands[i] = *c;
	ev->nr_cands = n + 1;
}

/*
 * What protection spared: @p, which the kernel evaluated (or the scan
 * visited) with the oom_score_adj oomsnap gave it, scored by the kernel's
 * formula on the same figures with the value it had of its own.  Only a
 * process oomsnap changed counts, and only when the change lowered its
 * value below one that could be chosen: a process whose own value is
 * -1000 was never at risk, and one the kernel passes over for other
 * reasons (MMF_OOM_SKIP, a vfork child) was not spared by protection.
 * The highest OOMSNAP_MAX_SPARED are kept.  The lookup is one hash probe
 * under a raw spinlock, made only while protection entries exist.
 */
static void oomsnap_note_spared(struct oomsnap_event *ev,
				struct task_struct *p, unsigned long totalpages)
{
	unsigned int n = ev->nr_spared, i;
	struct oomsnap_spared *s;
	struct oomsnap_cand c;
	long points;
	short own;

	/* the protection lookup takes a lock: not in a dying kernel */
	if (cur.panicking || !oomsnap_protect_entries() ||
	    !oomsnap_protect_own_adj(p, &own) ||
	    own == OOM_SCORE_ADJ_MIN)
		return;
	if (!oomsnap_cand_figures(p, &c, true) || c.adj >= own)
		return;
	ev->nr_spared_seen++;
	points = c.rss + c.swapents + c.pgtables +
		 (long)own * (long)(totalpages / 1000);
	if (n == OOMSNAP_MAX_SPARED) {
		if (points <= ev->spared[n - 1].points)
			return;
		n--;
	}
	for (i = n; i > 0 && ev->spared[i - 1].points < points; i--)
		ev->spared[i] = ev->spared[i - 1];
	s = &ev->spared[i];
	s->pid = task_tgid_nr(p);
	s->adj = c.adj;
	s->own_adj = own;
	oomsnap_copy_comm(s->comm, p);
	s->points = points;
	s->chosen = false;
	ev->nr_spared = n + 1;
}

/*
 * At the end of the OOM: a spared process that is the victim after all
 * was not spared; the highest one above the victim's points would have
 * been chosen instead of it (the kernel keeps the highest; on a tie the
 * one it meets last, which the record cannot tell: a tie is not chosen).
 */
static void oomsnap_spared_settle(struct oomsnap_event *ev)
{
	unsigned int i, n = 0;

	for (i = 0; i < ev->nr_spared; i++) {
		if ((ev->has & OOMSNAP_HAS_VICTIM) &&
		    ev->spared[i].pid == ev->victim.tgid) {
			ev->nr_spared_seen--;
			continue;
		}
		ev->spared[n++] = ev->spared[i];
	}
	ev->nr_spared = n;
	if (n && (ev->has & OOMSNAP_HAS_POINTS) &&
	    ev->spared[0].points > ev->victim.points)
		ev->spared[0].chosen = true;
}

/*
 * Which tasks the kernel considers: a memcg OOM only that memcg's subtree
 * (mem_cgroup_scan_tasks), a cpuset OOM only tasks whose mems intersect
 * current's (oom_cpuset_eligible).  A mempolicy OOM's exact test,
 * mempolicy_in_oom_domain(), is not exported: all tasks are shown.
 */
static bool oomsnap_eligible(struct task_struct *p, struct oom_control *oc)
{
	struct task_struct *t;

	if (oc->memcg)
		return oomsnap_memcg_is_descendant(oomsnap_task_memcg(p),
						   oc->memcg);
	if (oc->constraint != CONSTRAINT_CPUSET)
		return true;
	for_each_thread(p, t)
		if (nodes_intersects(t->mems_allowed, current->mems_allowed))
			return true;
	return false;
}

static void oomsnap_scan_candidates(struct oomsnap_event *ev,
				    struct oom_control *oc)
{
	struct oomsnap_cand c;
	struct task_struct *p;
	unsigned int seen = 0;

	if (!oomsnap_max_tasks)
		return;
	rcu_read_lock();
	for_each_process(p) {
		if (++seen > oomsnap_scan_max)
			break;
		if (!oomsnap_eligible(p, oc))
			continue;
		if (oomsnap_badness(p, oc->totalpages, &c))
			oomsnap_keep_top(ev, &c, p);
		oomsnap_note_spared(ev, p, oc->totalpages);
	}
	rcu_read_unlock();
}

/*
 * Whether a call of oom_badness() belongs to the OOM in flight: made by
 * the task running it, before the kill, while the hook can see the calls.
 * The filter of both hooks (ftrace callback and kretprobe).
 */
static bool oomsnap_badness_tracked(void)
{
	return atomic_read(&cur.busy) && cur.task == current && !cur.in_kill &&
	       !oomsnap_badness_blind();
}

/* A candidate whose figures could not be read: what is known of @p. */
static void oomsnap_cand_known(struct oomsnap_cand *c, struct task_struct *p)
{
	memset(c, 0, sizeof(*c));
	c->adj = READ_ONCE(p->signal->oom_score_adj);
}

/*
 * oom_badness() as the kernel's oom_evaluate_task() calls it, for each
 * task it evaluates: only the tasks of the OOM's memcg for a memcg OOM,
 * only the eligible ones for a cpuset OOM, never init or kernel threads.
 * Only calls made by the task running the OOM in flight, before the kill,
 * count (reading /proc/PID/oom_score calls it too).  The return handler
 * gets the kernel's own points; a task at LONG_MIN is not a candidate.
 * Most calls end at one comparison: only a task that enters the top
 * max_tasks has its figures read.  The caller holds a reference on (or
 * RCU over) the task until oom_badness() returns.
 */
static int oomsnap_badness_entry(struct kretprobe_instance *ri,
				 struct pt_regs *regs)
{
	if (!oomsnap_badness_tracked())
		return 1;	/* no return handler for this call */
	*(struct task_struct **)ri->data =
		(struct task_struct *)oomsnap_first_arg(regs);
	return 0;
}

static int oomsnap_badness_return(struct kretprobe_instance *ri,
				  struct pt_regs *regs)
{
	struct task_struct *p = *(struct task_struct **)ri->data;
	long points = (long)regs_return_value(regs);
	struct oomsnap_event *ev = cur.ev;
	unsigned int n = ev->nr_cands;
	struct oomsnap_cand c;
	u64 t0;

	cur.evaluated = true;
	cur.nr_evaluated++;	/* OOMs are serialized: no atomic needed */
	oomsnap_note_spared(ev, p, cur.oc->totalpages);
	if (points == LONG_MIN || !oomsnap_max_tasks ||
	    (n == oomsnap_max_tasks && points <= ev->cands[n - 1].points))
		return 0;
	t0 = ktime_get_mono_fast_ns();
	if (!oomsnap_cand_figures(p, &c, false)) {
		/* it changed since the kernel looked: keep what is known */
		oomsnap_cand_known(&c, p);
	}
	c.points = points;
	oomsnap_keep_top(ev, &c, p);
	oomsnap_add_capture_time(ev, t0);
	return 0;
}

#ifdef OOMSNAP_HAVE_BADNESS_FTRACE
/*
 * The same calls as oomsnap_badness_entry() accepts, seen at the entry of
 * oom_badness(): the points are computed here, on the figures the kernel
 * is about to read.  The time per call is not added to capture_ns (two
 * clock reads would cost as much as the rest): the bench measures it in
 * the kernel's own scan time.
 *
 * No recursion guard (ftrace_test_recursion_trylock()): the ops' filter is
 * oom_badness() alone, which nothing called from here calls, and the
 * filter above lets only the OOM's own task in, in process context.  The
 * callback may be preempted (it takes no per-CPU state; its spinlocks
 * disable preemption themselves), and unregister_ftrace_function() waits
 * for a task preempted in it (RCU tasks) before the module goes.  The guard
 * was about 30 instructions a task (bench/RESULTS.md).
 */
static void notrace oomsnap_badness_ftrace(unsigned long ip,
					   unsigned long parent_ip,
					   struct ftrace_ops *op,
					   struct ftrace_regs *fregs)
{
	struct task_struct *p;
	struct oomsnap_cand c;

	if (!oomsnap_badness_tracked())
		return;
	p = (struct task_struct *)oomsnap_ftrace_first_arg(fregs);
	cur.evaluated = true;
	cur.nr_evaluated++;	/* OOMs are serialized: no atomic needed */
	oomsnap_note_spared(cur.ev, p, cur.oc->totalpages);
	if (oomsnap_max_tasks && oomsnap_badness(p, cur.oc->totalpages, &c))
		oomsnap_keep_top(cur.ev, &c, p);
}

static struct ftrace_ops oomsnap_badness_ops = {
	.func = oomsnap_badness_ftrace,
	.flags = OOMSNAP_FTRACE_OPS_FLAGS,
};

static int oomsnap_badness_ftrace_attach(void)
{
	static unsigned char sym[] = "oom_badness";
	int ret;

	ret = ftrace_set_filter(&oomsnap_badness_ops, sym, strlen(sym), 1);
	if (!ret)
		ret = register_ftrace_function(&oomsnap_badness_ops);
	if (ret)
		ftrace_free_filter(&oomsnap_badness_ops);
	return ret;
}

static void oomsnap_badness_ftrace_detach(void)
{
	unregister_ftrace_function(&oomsnap_badness_ops);
	ftrace_free_filter(&oomsnap_badness_ops);
}
#else
static int oomsnap_badness_ftrace_attach(void)
{
	return -EOPNOTSUPP;
}

static void oomsnap_badness_ftrace_detach(void)
{
}
#endif

/*
 * The victim first, with the kernel's own points (oc->chosen_points), as
 * the kernel ranked it: on a tie it keeps the last task it met, the list
 * the first (oomsnap_keep_top()).  With the ftrace hook the points are
 * ours: where they differ from the kernel's, the victim's figures changed
 * between the two reads, which stats counts (oom_badness_mismatch).  A
 * victim missing from the list (a tie with the last kept, or its figures
 * rose after they were read) is read now.  @mine: the list's points are
 * ours, not the kernel's.
 */
static void oomsnap_cands_victim_first(struct oomsnap_event *ev,
				       struct oom_control *oc, bool mine)
{
	pid_t tgid = task_tgid_nr(oc->chosen);
	unsigned int n = ev->nr_cands, i;
	struct oomsnap_cand c;

	if (!oomsnap_max_tasks)
		return;
	for (i = 0; i < n && ev->cands[i].pid != tgid; i++)
		;
	if (i < n) {
		c = ev->cands[i];
	} else {
		if (oomsnap_cand_figures(oc->chosen, &c, true)) {
			oomsnap_cand_points(&c, oc->totalpages);
		} else {
			oomsnap_cand_known(&c, oc->chosen);
			c.points = LONG_MIN;	/* not seen: a mismatch */
		}
		oomsnap_cand_ident(&c, oc->chosen);
		if (n == oomsnap_max_tasks)
			n--;
		i = n;
		ev->nr_cands = n + 1;
	}
	if (mine && c.points != oc->chosen_points)
		atomic64_inc(&oomsnap_stats.badness_mismatch);
	c.points = oc->chosen_points;
	memmove(&ev->cands[1], &ev->cands[0], i * sizeof(c));
	ev->cands[0] = c;
}

static struct kretprobe oomsnap_badness_krp = {
	.kp.symbol_name = "oom_badness",
	.entry_handler = oomsnap_badness_entry,
	.handler = oomsnap_badness_return,
	.data_size = sizeof(struct task_struct *),
	/*
	 * An instance is taken before the entry handler filters a call, so
	 * /proc/PID/oom_score readers on other CPUs hold some for a moment:
	 * the default (2 per possible CPU) keeps the OOM's own calls from
	 * finding the pool empty.
	 */
	.maxactive = 0,
};

static void oomsnap_victim_identity(struct oomsnap_event *ev,
				    struct task_struct *t)
{
	struct mem_cgroup *memcg;

	ev->victim.pid = task_pid_nr(t);
	ev->victim.tgid = task_tgid_nr(t);
	ev->victim.adj = READ_ONCE(t->signal->oom_score_adj);
	oomsnap_copy_comm(ev->victim.comm, t);
	rcu_read_lock();
	ev->victim.uid = from_kuid(&init_user_ns, task_uid(t));
	memcg = oomsnap_task_memcg(t);
	ev->victim.memcg = oomsnap_memcg_path(ev, memcg);
	ev->victim.protected = oomsnap_protect_covers(t);
	rcu_read_unlock();
	ev->has |= OOMSNAP_HAS_VICTIM;
}

/*
 * The memcg whose tasks the kernel will kill together with the victim
 * (memory.oom.group), found as oom_kill_process() finds it next, and
 * printed by the kernel as "Tasks in PATH are going to be killed due to
 * memory.oom.group set".  Undone at the mark if the victim was only
 * exiting: the kernel returns before the group then.
 */
static void oomsnap_oom_group(struct oomsnap_event *ev, struct oom_control *oc)
{
	struct mem_cgroup *group;

	rcu_read_lock();
	group = oomsnap_memcg_oom_group(oomsnap_task_memcg(oc->chosen),
					oc->memcg);
	if (group) {
		ev->group = oomsnap_memcg_path(ev, group);
		ev->has |= OOMSNAP_HAS_GROUP;
	}
	rcu_read_unlock();
}

/*
 * Whether the kernel chose @oc's victim by calling oom_badness() on tasks:
 * true for select_bad_process() (a memcg OOM always; a global OOM whose
 * victim is not the allocating task itself, which oom_kill_allocating_task
 * picks without evaluating), except for an oom_task_origin() task, which
 * is chosen at LONG_MAX without a call.
 */
static bool oomsnap_victim_was_evaluated(const struct oom_control *oc)
{
	return oc->chosen && oc->chosen != (void *)-1UL &&
	       oc->chosen_points != LONG_MAX &&
	       (oc->memcg || oc->chosen != current);
}

static int oomsnap_kill_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct oom_control *oc = (struct oom_control *)oomsnap_first_arg(regs);
	struct oomsnap_event *ev = cur.ev;
	u64 t0 = ktime_get_mono_fast_ns();
	bool unseen;

	/* a clone with other arguments, or a call we are not tracking */
	if (!atomic_read(&cur.busy) || oc != cur.oc)
		return 0;
	cur.in_kill = true;
	ev->totalpages = oc->totalpages;
	ev->constraint = oc->constraint;
	ev->victim.points = oc->chosen_points;
	ev->has |= OOMSNAP_HAS_POINTS;
	/* oom_kill_process() holds a reference on the chosen task */
	if (oc->chosen && oc->chosen != (void *)-1UL) {
		oomsnap_victim_identity(ev, oc->chosen);
		oomsnap_cmdline_chosen(oc->chosen);
		oomsnap_oom_group(ev, oc);
	}
	/*
	 * No evaluation seen (oom_kill_allocating_task, or the hook is
	 * missing or blind): the candidates come from a scan of our own.
	 */
	unseen = cand_source == CAND_BADNESS && !cur.evaluated;
	if (unseen && oomsnap_victim_was_evaluated(oc))
		WRITE_ONCE(hook_missing[OOMSNAP_HOOK_OOM_BADNESS], badness_blind_why);
	if (cand_source == CAND_SCAN || unseen)
		oomsnap_scan_candidates(ev, oc);
	/* select_bad_process() chose (LONG_MAX: current, unevaluated) */
	if (oc->chosen && oc->chosen != (void *)-1UL &&
	    oc->chosen_points != LONG_MAX)
		oomsnap_cands_victim_first(ev, oc, !unseen &&
					   cand_source == CAND_BADNESS &&
					   badness_hook == BADNESS_FTRACE);
	cur.kills_seen = oomsnap_oom_kill_count();
	oomsnap_add_capture_time(ev, t0);
	return 0;
}

/*
 * Whether nothing but the OOM path itself can change @mm's figures before
 * the kernel reads them for its "Killed process" line, a few instructions
 * after mark_victim (interface section 3.1, victim.settled).  Every task
 * using @mm must be current (busy in this OOM) or asleep: not running, not
 * runnable, not being woken (the SIGKILL, sent before mark_victim, has
 * already woken the killable sleepers), not blocked on an RT spinlock
 * (PREEMPT_RT: a fault waiting for its page-table lock goes on after
 * it).  mm_users above the threads counted here means a user we cannot
 * see (a vfork child, another process, a kernel thread or a /proc reader
 * holding it): not settled.  Racy reads, each of which can only err
 * towards "not settled", except for a sleeper
 * that its own wait ends in those few instructions (documented).
 */
static bool oomsnap_victim_settled(struct task_struct *victim,
				   struct mm_struct *mm)
{
	struct task_struct *t;
	int users = 0;
	bool settled = !mm_flags_test(MMF_MULTIPROCESS, mm);

	rcu_read_lock();
	for_each_thread(victim, t) {
		if (READ_ONCE(t->mm) != mm)
			continue;	/* has left the mm: cannot fault on it */
		users++;
		if (t != current &&
		    (!task_state_index(t) || READ_ONCE(t->on_rq) ||
		     oomsnap_task_rtlock_waiting(t)))
			settled = false;
	}
	rcu_read_unlock();
	return settled && atomic_read(&mm->mm_users) <= users;
}

/*
 * @t's memory figures, read as the kernel reads them for its "Killed
 * process" line: @mm is @t's, stable while the kernel holds task_lock(t)
 * around the mark and the line.
 */
static void oomsnap_mm_figs(struct oomsnap_figs *f, struct task_struct *t,
			    struct mm_struct *mm)
{
	f->total_vm = mm->total_vm;
	f->anon = oomsnap_mm_counter(mm, MM_ANONPAGES);
	f->file = oomsnap_mm_counter(mm, MM_FILEPAGES);
	f->shmem = oomsnap_mm_counter(mm, MM_SHMEMPAGES);
	f->swapents = oomsnap_mm_counter(mm, MM_SWAPENTS);
	f->pgtables_kb = mm_pgtables_bytes(mm) >> 10;
	f->settled = oomsnap_victim_settled(t, mm);
}

/*
 * A killed task's entry: the one already kept for its thread group (a
 * process first seen sharing a victim's memory, then killed in its own
 * right), else a new one while OOMSNAP_MAX_KILLED are not kept; NULL when
 * no room is left (nr_killed_seen still counts it), or for a sharer
 * already kept: the victim or a group member keeps its own entry and
 * figures.  @t is pinned or under RCU.
 */
static struct oomsnap_killed *oomsnap_killed_add(struct oomsnap_event *ev,
						 struct task_struct *t, u8 why)
{
	pid_t tgid = task_tgid_nr(t);
	struct oomsnap_killed *k;
	unsigned int i;

	for (i = 0; i < ev->nr_killed; i++)
		if (ev->killed[i].tgid == tgid)
			break;
	if (i < ev->nr_killed && why == OOMSNAP_KILL_SHARED_MM)
		return NULL;
	if (i == ev->nr_killed) {
		ev->nr_killed_seen++;
		if (i == OOMSNAP_MAX_KILLED)
			return NULL;
		ev->nr_killed++;
	}
	k = &ev->killed[i];
	memset(k, 0, sizeof(*k));
	k->pid = task_pid_nr(t);
	k->tgid = tgid;
	k->why = why;
	k->adj = READ_ONCE(t->signal->oom_score_adj);
	oomsnap_copy_comm(k->comm, t);
	rcu_read_lock();
	k->uid = from_kuid(&init_user_ns, task_uid(t));
	k->memcg = oomsnap_memcg_path(ev, oomsnap_task_memcg(t));
	k->protected = oomsnap_protect_covers(t);
	rcu_read_unlock();
	return k;
}

/*
 * Does @mm have users besides @victim's threads?  Its users are counted
 * first, then the threads still on it (one that has left the mm, an exiting
 * thread, no longer counts in mm_users), so a user that leaves in between
 * makes it say yes, never no.
 */
static bool oomsnap_mm_other_users(struct task_struct *victim,
				   struct mm_struct *mm)
{
	int users = atomic_read(&mm->mm_users), mine = 0;
	struct task_struct *t;

	rcu_read_lock();
	for_each_thread(victim, t)
		mine += READ_ONCE(t->mm) == mm;
	rcu_read_unlock();
	return users > mine;
}

/*
 * After it kills a task, __oom_kill_process() kills every other process
 * using its memory (process_shares_mm(): the first thread that has an mm),
 * but for init and kernel threads, without a line of its own.  Only a
 * memory that has such a user is looked for: one that has had a
 * clone(CLONE_VM) process (MMF_MULTIPROCESS), or more users than the
 * victim's threads on it, which is how a vfork child shows (it shares the
 * memory without that flag: copy_oom_score_adj() leaves CLONE_VFORK out;
 * a passing mmget() of a reader counts too, and then the walk finds
 * nobody).  Once per event (a group kill marks each of its tasks, and
 * tasks sharing a memory are marked each), over at most scan_max processes
 * per event in all, as the candidate scan.
 */
static void oomsnap_killed_sharers(struct oomsnap_event *ev,
				   struct task_struct *victim,
				   struct mm_struct *mm,
				   const struct oomsnap_figs *fig)
{
	struct oomsnap_killed *k;
	struct task_struct *p, *t;
	unsigned int i;

	if (!mm_flags_test(MMF_MULTIPROCESS, mm) &&
	    !oomsnap_mm_other_users(victim, mm))
		return;
	for (i = 0; i < cur.nr_sharer_mm; i++)
		if (cur.sharer_mm[i] == mm)
			return;
	/* more memories than kept: the bound on visits still holds */
	if (cur.nr_sharer_mm < ARRAY_SIZE(cur.sharer_mm))
		cur.sharer_mm[cur.nr_sharer_mm++] = mm;
	rcu_read_lock();
	for_each_process(p) {
		struct mm_struct *p_mm = NULL;

		if (cur.sharer_visits >= oomsnap_scan_max)
			break;
		cur.sharer_visits++;
		if (same_thread_group(p, victim) || is_global_init(p) ||
		    (p->flags & PF_KTHREAD))
			continue;
		for_each_thread(p, t) {
			p_mm = READ_ONCE(t->mm);
			if (p_mm)
				break;
		}
		if (p_mm != mm)
			continue;
		k = oomsnap_killed_add(ev, p, OOMSNAP_KILL_SHARED_MM);
		if (k) {
			k->has_mm = true;
			k->fig = *fig;
		}
	}
	rcu_read_unlock();
}

/*
 * A victim was marked: the kernel has sent it SIGKILL and holds
 * task_lock(t) (or t is current), so t->mm is stable, and reads the figures
 * for its "Killed process" line right after this.  They are equal to ours
 * unless another task using the mm completes a page fault in between:
 * oomsnap_victim_settled() says whether one could.  The first task marked
 * is the victim; a memory.oom.group kill marks each task of the group
 * after it, each with a line of its own.
 */
static void oomsnap_victim_marked(struct task_struct *t, uid_t uid,
				  bool uid_known)
{
	struct oomsnap_event *ev = cur.ev;
	struct mm_struct *mm = t->mm;
	struct oomsnap_killed *k = NULL;
	unsigned long kills, flags;
	struct oomsnap_figs fig;
	bool killed;
	u64 t0;

	if (!atomic_read(&cur.busy))
		return;
	t0 = ktime_get_mono_fast_ns();
	if (mm)
		oomsnap_mm_figs(&fig, t, mm);
	kills = oomsnap_oom_kill_count();
	/* without the oom_kill_process hook, the kill counter alone tells */
	killed = (cur.in_kill || !kill_symbol) && kills != cur.kills_seen;
	cur.kills_seen = kills;
	if (killed) {
		bool victim = !cur.marked || ((ev->has & OOMSNAP_HAS_VICTIM) &&
					      task_tgid_nr(t) == ev->victim.tgid);

		k = oomsnap_killed_add(ev, t, victim ? OOMSNAP_KILL_VICTIM :
						       OOMSNAP_KILL_GROUP);
		if (k && uid_known)
			k->uid = uid;
		if (k && mm) {
			k->has_mm = true;
			k->fig = fig;
		}
	}

	if (!cur.marked) {
		/* the first marked task is the victim; group kills follow */
		cur.marked = true;
		ev->outcome = killed ? OOMSNAP_OUTCOME_KILLED :
				       OOMSNAP_OUTCOME_CURRENT_EXITING;
		/* an exiting victim is only marked: no group kill follows */
		if (!killed)
			ev->has &= ~OOMSNAP_HAS_GROUP;
		oomsnap_victim_identity(ev, t);
		oomsnap_freed_start(ev, t);
		if (uid_known)
			ev->victim.uid = uid;
		if (!cur.in_kill)
			ev->has &= ~OOMSNAP_HAS_POINTS;
		if (mm) {
			ev->victim.mm = mm;
			ev->victim.total_vm = fig.total_vm;
			ev->victim.anon = fig.anon;
			ev->victim.file = fig.file;
			ev->victim.shmem = fig.shmem;
			ev->victim.swapents = fig.swapents;
			ev->victim.pgtables_kb = fig.pgtables_kb;
			ev->victim.settled = fig.settled;
			oomsnap_cmdline_victim(ev, t, mm);
			ev->has |= OOMSNAP_HAS_VICTIM_MM;
			/* from now on the reaper's report on it is ours */
			raw_spin_lock_irqsave(&cur.lock, flags);
			cur.victim_pid = ev->victim.pid;
			cur.victim_mm = mm;
			cur.reap.valid = false;
			raw_spin_unlock_irqrestore(&cur.lock, flags);
		}
	}
	if (killed && mm)
		oomsnap_killed_sharers(ev, t, mm, &fig);
	oomsnap_add_capture_time(ev, t0);
}

/* mark_victim's two signatures: see OOMSNAP_MARK_VICTIM_TASK */
static void __maybe_unused oomsnap_mark_victim_task(void *data,
						    struct task_struct *t,
						    uid_t uid)
{
	oomsnap_victim_marked(t, uid, true);
}

static struct task_struct *oomsnap_find_task(int pid)
{
	return pid_task(find_pid_ns(pid, &init_pid_ns), PIDTYPE_PID);
}

static void __maybe_unused oomsnap_mark_victim_pid(void *data, int pid)
{
	struct task_struct *t;

	rcu_read_lock();
	t = oomsnap_find_task(pid);
	if (t)
		oomsnap_victim_marked(t, 0, false);
	rcu_read_unlock();
}

/*
 * The cause from the event's figures (oomsnap_cause.c), and the memory
 * breakdown's derived figures: the same for an OOM that ends in a kill and
 * one that ends in a panic.
 */
static void oomsnap_event_classify(struct oomsnap_event *ev,
				   const struct oom_control *oc)
{
	struct oomsnap_cause_in in = { };

	in.kind = ev->kind;
	in.constraint = ev->constraint;
	in.order = ev->order;
	in.highest_zone = gfp_zone(ev->gfp_mask);
	in.trigger_memcg_is_limit = oc->memcg && cur.trigger_memcg == oc->memcg;
	rcu_read_lock();
	in.limit_is_ancestor = oc->memcg &&
		oomsnap_memcg_is_descendant(cur.trigger_memcg, oc->memcg);
	rcu_read_unlock();
	in.zones = ev->zones;
	in.nr_zones = ev->nr_zones;
	ev->cause = oomsnap_classify(&in);
	oomsnap_mem_finish(ev);
}

/*
 * The reaper finished with a victim (it holds a reference on the task and
 * mmap_lock on the mm): what it left is what the victim still holds.  It
 * never writes the in-flight event (see the comment at the top of cur).
 */
static void oomsnap_reaped(void *data, int pid)
{
	unsigned long anon, file, shmem, flags;
	struct task_struct *t;
	struct mm_struct *mm;

	oomsnap_freed_reaped(pid);
	rcu_read_lock();
	t = oomsnap_find_task(pid);
	mm = t ? READ_ONCE(t->signal->oom_mm) : NULL;
	if (!mm) {
		rcu_read_unlock();
		return;
	}
	anon = oomsnap_mm_counter(mm, MM_ANONPAGES);
	file = oomsnap_mm_counter(mm, MM_FILEPAGES);
	shmem = oomsnap_mm_counter(mm, MM_SHMEMPAGES);
	rcu_read_unlock();

	/* in flight (the reaper runs at once on 5.10) or committed */
	raw_spin_lock_irqsave(&cur.lock, flags);
	if (cur.victim_mm == mm && cur.victim_pid == pid) {
		cur.reap.anon = anon;
		cur.reap.file = file;
		cur.reap.shmem = shmem;
		cur.reap.valid = true;
	} else {
		oomsnap_ring_set_reaped(oomsnap_ring, pid, mm, anon, file, shmem);
	}
	raw_spin_unlock_irqrestore(&cur.lock, flags);
}

/*
 * The candidates' cgroup paths, once the kill is done, so that they come
 * after every other path of the event and never crowd one out: a memcg
 * already in the table is found by identity, any other through its task,
 * looked up again by pid, whose memcg must still be the one it was in
 * when its figures were read (a task that exited or moved since is left
 * without a path, never given another's).  At most max_tasks lookups and
 * OOMSNAP_CAND_PATHS paths built.
 */
static void oomsnap_cands_paths(struct oomsnap_event *ev)
{
	struct oomsnap_paths *t = &ev->paths;
	unsigned int i, built = 0;
	u8 k;

	rcu_read_lock();
	for (i = 0; i < ev->nr_cands; i++) {
		struct oomsnap_cand *c = &ev->cands[i];
		struct mem_cgroup *memcg = NULL;
		struct task_struct *p;

		c->memcg = 0;
		if (!c->memcg_id)
			continue;
		for (k = 0; k < t->nr && !c->memcg; k++)
			if (t->ent[k].memcg == c->memcg_id)
				c->memcg = k + 1;
		if (c->memcg || built == OOMSNAP_CAND_PATHS)
			continue;
		p = oomsnap_find_task(c->pid);
		if (p)
			memcg = oomsnap_task_memcg(p);
		if (memcg && memcg == c->memcg_id) {
			c->memcg = oomsnap_memcg_path(ev, memcg);
			built++;
		}
	}
	rcu_read_unlock();
}

static void oomsnap_finish(struct oom_control *oc)
{
	struct oomsnap_event *ev = cur.ev;
	unsigned long flags;
	u64 now;

	/*
	 * constrained_alloc() sets totalpages; callers start it at 0.  Still
	 * 0 and nobody marked: the OOM killer was disabled or a notifier
	 * freed memory.  A chosen of -1 means the kernel is waiting for an
	 * earlier victim to exit.  Neither is a decision: no event.
	 */
	if (!cur.marked && (!oc->totalpages || oc->chosen == (void *)-1UL)) {
		atomic64_inc(&oomsnap_stats.oom_skipped);
		return;
	}
	if (oc->totalpages) {
		ev->totalpages = oc->totalpages;
		ev->constraint = oc->constraint;
	}
	/* a kill without a mark: the mark_victim hook is missing */
	if (!cur.marked && oomsnap_oom_kill_count() != cur.kills_seen)
		ev->outcome = OOMSNAP_OUTCOME_KILLED;
	else if (!cur.marked)
		ev->outcome = cur.in_kill ? OOMSNAP_OUTCOME_CURRENT_EXITING :
					    OOMSNAP_OUTCOME_NO_VICTIM;

	now = ktime_get_mono_fast_ns();
	oomsnap_cands_paths(ev);
	oomsnap_add_capture_time(ev, now);
	oomsnap_event_classify(ev, oc);
	oomsnap_spared_settle(ev);

	now = ktime_get_mono_fast_ns();
	ev->oom_ns = now - cur.t0;
	ev->has |= OOMSNAP_HAS_OOM_NS;

	atomic64_set(&oomsnap_stats.capture_ns_last, ev->capture_ns);
	if (ev->capture_ns > atomic64_read(&oomsnap_stats.capture_ns_max))
		atomic64_set(&oomsnap_stats.capture_ns_max, ev->capture_ns);

	raw_spin_lock_irqsave(&cur.lock, flags);
	if (cur.reap.valid) {
		ev->reaped.anon = cur.reap.anon;
		ev->reaped.file = cur.reap.file;
		ev->reaped.shmem = cur.reap.shmem;
		ev->has |= OOMSNAP_HAS_REAPED;
	}
	oomsnap_freed_commit(ev);
	oomsnap_cmdline_committed(ev);
	/* later reports on this victim go to its committed record */
	cur.victim_mm = NULL;
	cur.reap.valid = false;
	raw_spin_unlock_irqrestore(&cur.lock, flags);
}

static int oomsnap_oom_return(struct kretprobe_instance *ri,
			      struct pt_regs *regs)
{
	/* counted before the event is committed: whoever sees it sees these */
	atomic64_add(cur.nr_evaluated, &oomsnap_stats.badness_calls);
	if (cur.oc)
		oomsnap_finish(cur.oc);
	/*
	 * No stale task: the next OOM sets busy before it names its task,
	 * and a badness hook called meanwhile by this task (a
	 * /proc/PID/oom_score read) must not take itself for that OOM.
	 */
	WRITE_ONCE(cur.task, NULL);
	cur.oc = NULL;
	atomic_set(&cur.busy, 0);
	return 0;
}

/**
 * oomsnap_capture_panic() - finish the OOM in flight for a panic
 *
 * The kernel panics inside out_of_memory() (check_panic_on_oom(), or no
 * killable task), so the return probe that would finish the event never
 * runs: this does what it can of oomsnap_finish() (the outcome is the
 * caller's: oomsnap_panic.c), and the candidates
 * the kernel did not evaluate come from a scan by its formula, bounded
 * by max_tasks and scan_max.  The other CPUs are stopped and may hold any
 * lock for ever, but can free nothing any more: the scan reads each mm
 * without the task lock and sums its rss counters without their lock
 * (oomsnap_mm_counter_dying()), skips the protection
 * lookup (spared stays empty), and the reaper's lock and the ring are not
 * touched.
 *
 * Context: a panic notifier, interrupts off, other CPUs stopped.
 * Return: the event, or NULL when no OOM of the panicking task is in flight.
 */
struct oomsnap_event *oomsnap_capture_panic(void)
{
	struct oom_control *oc = cur.oc;
	struct oomsnap_event *ev = cur.ev;

	if (!ev || !atomic_read(&cur.busy) || !oc || cur.task != current)
		return NULL;
	cur.panicking = true;
	ev->totalpages = oc->totalpages;
	ev->constraint = oc->constraint;
	if (!cur.evaluated)
		oomsnap_scan_candidates(ev, oc);
	oomsnap_event_classify(ev, oc);
	ev->oom_ns = ktime_get_mono_fast_ns() - cur.t0;
	ev->has |= OOMSNAP_HAS_OOM_NS;
	return ev;
}

static struct kretprobe oomsnap_oom_krp = {
	.kp.symbol_name = "out_of_memory",
	.entry_handler = oomsnap_oom_entry,
	.handler = oomsnap_oom_return,
	.maxactive = 4,	/* OOMs are serialized by oom_lock */
};

static struct kprobe oomsnap_kill_kp = {
	.pre_handler = oomsnap_kill_pre,
};

/*
 * oom_kill_process() or the clone the build made of it; the pre-handler
 * checks that its first argument is the oom_control of the OOM in flight.
 */
static const char * const kill_symbols[] = { OOMSNAP_KILL_PROCESS_SYMBOLS };

static int oomsnap_oom_notify(struct notifier_block *nb, unsigned long unused,
			      void *freed)
{
	/* never add to *freed: that would cancel the kill */
	atomic64_inc(&oomsnap_stats.notifier_calls);
	return NOTIFY_OK;
}

static struct notifier_block oomsnap_oom_nb = {
	.notifier_call = oomsnap_oom_notify,
};

/* A tracepoint hook; the tracepoint has the hook's name. */
struct oomsnap_tp_hook {
	enum oomsnap_hook id;
	void *probe;
	struct tracepoint *tp;
};

/*
 * The reaper's skip_task_reaping is not hooked: it would record nothing
 * (reaped stays null, as interface section 3.1 says).
 */
static struct oomsnap_tp_hook tp_hooks[] = {
	{
		.id = OOMSNAP_HOOK_MARK_VICTIM,
		.probe = OOMSNAP_MARK_VICTIM_TASK ?
			 (void *)oomsnap_mark_victim_task :
			 (void *)oomsnap_mark_victim_pid,
	},
	{ .id = OOMSNAP_HOOK_FINISH_REAPING, .probe = oomsnap_reaped },
};

static void oomsnap_tp_attach(struct oomsnap_tp_hook *h)
{
	int ret;

	h->tp = oomsnap_tp_find(hook_names[h->id]);
	if (!h->tp) {
		hook_missing[h->id] = "no such tracepoint";
		return;
	}
	ret = tracepoint_probe_register(h->tp, h->probe, NULL);
	if (ret) {
		hook_missing[h->id] = "tracepoint_probe_register failed";
		h->tp = NULL;
	}
}

static void oomsnap_detach_optional(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tp_hooks); i++) {
		if (tp_hooks[i].tp)
			tracepoint_probe_unregister(tp_hooks[i].tp,
						    tp_hooks[i].probe, NULL);
		tp_hooks[i].tp = NULL;
	}
	oomsnap_cmdline_exit();
	/* no probe of ours runs past this point */
	tracepoint_synchronize_unregister();
	if (kill_symbol)
		unregister_kprobe(&oomsnap_kill_kp);
	kill_symbol = NULL;
	if (badness_hook == BADNESS_FTRACE)
		oomsnap_badness_ftrace_detach();
	else if (badness_hook == BADNESS_KRETPROBE)
		unregister_kretprobe(&oomsnap_badness_krp);
	badness_hook = BADNESS_NONE;
	cand_source = CAND_NONE;
}

/*
 * Candidates: the oom_badness() hook if asked for and attachable (ftrace,
 * else a kretprobe), else a scan.
 */
static void oomsnap_cand_attach(void)
{
	int ret;

	hook_missing[OOMSNAP_HOOK_OOM_BADNESS] = NULL;
	cand_source = CAND_NONE;
	badness_hook = BADNESS_NONE;
	if (!oomsnap_max_tasks)
		return;
	cand_source = CAND_SCAN;
	if (oomsnap_cand_scan) {
		hook_missing[OOMSNAP_HOOK_OOM_BADNESS] = "not used (candidates=scan)";
		return;
	}
	if (!oomsnap_cand_kretprobe && !oomsnap_badness_ftrace_attach()) {
		badness_hook = BADNESS_FTRACE;
		cand_source = CAND_BADNESS;
		return;
	}
	ret = register_kretprobe(&oomsnap_badness_krp);
	if (ret) {
		hook_missing[OOMSNAP_HOOK_OOM_BADNESS] =
			"cannot kretprobe oom_badness (candidates by scan)";
		return;
	}
	badness_hook = BADNESS_KRETPROBE;
	cand_source = CAND_BADNESS;
}

/**
 * oomsnap_capture_init() - attach every hook
 *
 * A hook that cannot be attached leaves its fields null and is reported in
 * stats; the module still loads.  Only a failed allocation or a missing
 * out_of_memory() hook is fatal.
 *
 * Return: 0 or a negative errno.
 */
int oomsnap_capture_init(void)
{
	unsigned int i;
	int ret;

	raw_spin_lock_init(&cur.lock);
	atomic_set(&cur.busy, 0);
	cur.ev = kzalloc(oomsnap_event_size(), GFP_KERNEL);
	if (!cur.ev)
		return -ENOMEM;

	for (i = 0; i < ARRAY_SIZE(tp_hooks); i++)
		oomsnap_tp_attach(&tp_hooks[i]);
	oomsnap_cmdline_init();

	hook_missing[OOMSNAP_HOOK_OOM_KILL_PROCESS] = "no kprobe-able symbol";
	for (i = 0; i < ARRAY_SIZE(kill_symbols); i++) {
		oomsnap_kill_kp.symbol_name = kill_symbols[i];
		oomsnap_kill_kp.addr = NULL;
		oomsnap_kill_kp.flags = 0;
		if (!register_kprobe(&oomsnap_kill_kp)) {
			kill_symbol = kill_symbols[i];
			hook_missing[OOMSNAP_HOOK_OOM_KILL_PROCESS] = NULL;
			break;
		}
	}

	oomsnap_cand_attach();

	ret = register_kretprobe(&oomsnap_oom_krp);
	if (ret) {
		pr_err("cannot kretprobe out_of_memory: %d\n", ret);
		goto err;
	}
	ret = register_oom_notifier(&oomsnap_oom_nb);
	if (ret) {
		unregister_kretprobe(&oomsnap_oom_krp);
		goto err;
	}
	for (i = 0; i < OOMSNAP_HOOK_NR; i++)
		if (hook_missing[i] && !(i == OOMSNAP_HOOK_OOM_BADNESS && oomsnap_cand_scan))
			pr_warn("hook %s missing: %s\n", hook_names[i],
				hook_missing[i]);
	return 0;
err:
	oomsnap_detach_optional();
	kfree(cur.ev);
	cur.ev = NULL;
	return ret;
}

/**
 * oomsnap_capture_exit() - detach every hook
 *
 * Safe while an OOM is in flight: unregistering waits for running
 * handlers, and a pending return probe is dropped by the kprobes core
 * without calling ours.  The half-built event is simply discarded.
 */
void oomsnap_capture_exit(void)
{
	unregister_oom_notifier(&oomsnap_oom_nb);
	unregister_kretprobe(&oomsnap_oom_krp);
	oomsnap_detach_optional();
	kfree(cur.ev);
	cur.ev = NULL;
}

/**
 * oomsnap_capture_state() - which hooks are attached, for the stats file
 * @st: filled in
 */
void oomsnap_capture_state(struct oomsnap_capture_state *st)
{
	bool blind = oomsnap_badness_blind();
	unsigned int i;

	st->nr_hooks = 0;
	for (i = 0; i < OOMSNAP_HOOK_NR; i++) {
		/* max_tasks=0: no candidates, nothing to hook for them */
		if (i == OOMSNAP_HOOK_OOM_BADNESS && cand_source == CAND_NONE)
			continue;
		st->hooks[st->nr_hooks].name = hook_names[i];
		st->hooks[st->nr_hooks].missing = READ_ONCE(hook_missing[i]);
		st->nr_hooks++;
	}
	st->kill_symbol = kill_symbol;
	st->cand_source = cand_source_names[blind ? CAND_SCAN : cand_source];
	/* evaluations the kretprobe could not follow: candidates may lack one */
	st->badness_followed = cand_source == CAND_BADNESS && !blind;
	st->badness_hook = badness_hook_names[badness_hook];
	/* the ftrace callback follows every call */
	st->badness_missed = badness_hook == BADNESS_FTRACE ? 0 :
			     oomsnap_badness_krp.nmissed;
}
