/* SPDX-License-Identifier: GPL-2.0 */
/*
 * oomsnap: every difference between kernel versions and configurations,
 * as wrappers.  The rest of the module calls these and never tests a
 * version number.  Where possible a difference is detected from the
 * target's own headers (sizeof, _Generic, #ifdef on a macro) rather than
 * from LINUX_VERSION_CODE, because distributions backport.
 */
#ifndef _OOMSNAP_COMPAT_H
#define _OOMSNAP_COMPAT_H

#include <linux/mmzone.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/cgroup.h>
#include <linux/memcontrol.h>
#include <linux/vmstat.h>
#include <linux/ptrace.h>
#include <linux/kernfs.h>
#include <linux/string.h>
#include <linux/fs.h>
#include <linux/rcupdate.h>
#include <linux/timer.h>
#include <linux/math64.h>

/*
 * OOMSNAP_HAVE_* come from the feature tests in module/Kbuild (probes
 * compiled against the target's headers).  Without them every choice
 * below would be a guess: refuse to build.
 */
#ifndef OOMSNAP_HAVE_FEATURE_PROBES
#error "oomsnap: the Kbuild feature probes did not run or failed (see module/Kbuild)"
#endif

/*
 * A file that cannot seek.  no_llseek() was a function up to 5.19; in 6.0
 * to 6.11 it is "#define no_llseek NULL", and a NULL .llseek (.proc_lseek
 * for procfs, checked in proc_reg_open()) means the same; 6.12 removed the
 * name and the kernel's own files now leave the field NULL.  Before 6.0 a
 * NULL .proc_lseek meant default_llseek, so the function is used there.
 */
#ifdef OOMSNAP_HAVE_NO_LLSEEK
#define OOMSNAP_NO_LLSEEK	no_llseek
#else
#define OOMSNAP_NO_LLSEEK	NULL
#endif

/*
 * Free lists per zone: MAX_ORDER of them up to 6.3, MAX_ORDER + 1 in
 * 6.4 to 6.7, NR_PAGE_ORDERS from 6.8.  The array itself knows.
 */
#define OOMSNAP_NR_ORDERS \
	(sizeof(((struct zone *)NULL)->free_area) / \
	 sizeof(((struct zone *)NULL)->free_area[0]))

/**
 * oomsnap_first_arg() - the first argument of a probed function
 * @regs: registers at the function's entry
 */
static inline unsigned long oomsnap_first_arg(struct pt_regs *regs)
{
	return regs_get_kernel_argument(regs, 0);
}

/**
 * oomsnap_trylock_task() - take task_lock() from the OOM path
 * @t: the task
 *
 * Our hooks run with preemption disabled.  task_lock() is a spinning lock
 * there, except on PREEMPT_RT where it is a sleeping lock: only a trylock
 * is allowed, and the caller skips a task whose lock is held.
 *
 * Return: true with the lock held.
 */
static inline bool oomsnap_trylock_task(struct task_struct *t)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		return spin_trylock(&t->alloc_lock);
	task_lock(t);
	return true;
}

/**
 * oomsnap_task_rtlock_waiting() - is @t blocked on an RT sleeping spinlock?
 * @t: the task
 *
 * On PREEMPT_RT a task blocked on a spinlock_t (e.g. a page-table lock in
 * the middle of a page fault) is off the runqueue in TASK_RTLOCK_WAIT,
 * which task_state_index() shows as an ordinary uninterruptible sleep: it
 * is not asleep in our sense, it will finish what it was doing.  The state
 * (5.15 on) is never set on other kernels; before 5.15 it does not exist.
 *
 * Return: true while @t waits for an RT lock.
 */
static inline bool oomsnap_task_rtlock_waiting(struct task_struct *t)
{
#ifdef TASK_RTLOCK_WAIT
	return READ_ONCE(t->__state) & TASK_RTLOCK_WAIT;
#else
	return false;
#endif
}

/**
 * oomsnap_mm_flag() - test one MMF_* flag of an mm
 * @mm: the address space
 * @flag: the MMF_* bit number
 *
 * mm->flags was an unsigned long up to 6.17; since then it is an opaque
 * bitmap (mm_flags_t) read with mm_flags_test().
 */
static inline bool oomsnap_mm_flag(const struct mm_struct *mm, int flag)
{
#ifdef OOMSNAP_HAVE_MM_FLAGS_TEST
	return mm_flags_test(flag, mm);
#else
	return test_bit(flag, &mm->flags);
#endif
}

/**
 * oomsnap_mm_counter() - one rss counter of an mm, as the OOM killer reads it
 * @mm: the address space
 * @member: MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS or MM_SHMEMPAGES
 *
 * The counters are approximate atomics up to 6.1 and per-CPU counters
 * since 6.2.  The OOM killer (its "Killed process" line, the reaper's
 * report, oom_badness()) reads them with get_mm_counter() until 6.17 and
 * sums them exactly with get_mm_counter_sum() since (7.x): the same figures
 * as the kernel's own report, from either.  The sum takes only the counter's
 * raw spinlock: fine from any context, PREEMPT_RT included.
 */
static inline unsigned long oomsnap_mm_counter(struct mm_struct *mm,
					       int member)
{
#ifdef OOMSNAP_HAVE_MM_RSS_SUM
	return get_mm_counter_sum(mm, member);
#else
	return get_mm_counter(mm, member);
#endif
}

/**
 * oomsnap_mm_rss() - resident pages of an mm, as oom_badness() counts them
 * @mm: the address space
 */
static inline unsigned long oomsnap_mm_rss(struct mm_struct *mm)
{
#ifdef OOMSNAP_HAVE_MM_RSS_SUM
	return get_mm_rss_sum(mm);
#else
	return get_mm_rss(mm);
#endif
}

/**
 * oomsnap_mm_oom_skip() - the OOM killer has already finished with @mm
 * @mm: the address space
 */
static inline bool oomsnap_mm_oom_skip(struct mm_struct *mm)
{
	return oomsnap_mm_flag(mm, MMF_OOM_SKIP);
}

/*
 * kernfs_node's parent and name: plain pointers up to 6.14, RCU pointers
 * (__parent, name) since 6.15.  Caller holds rcu_read_lock().  Only for
 * nodes that cannot be renamed or moved (cgroup v2 directories).
 */
static inline struct kernfs_node *oomsnap_kn_parent(struct kernfs_node *kn)
{
#ifdef OOMSNAP_HAVE_KERNFS_RCU_PARENT
	return rcu_dereference(kn->__parent);
#else
	return kn->parent;
#endif
}

static inline const char *oomsnap_kn_name(struct kernfs_node *kn)
{
#ifdef OOMSNAP_HAVE_KERNFS_RCU_PARENT
	return rcu_dereference(kn->name);
#else
	return kn->name;
#endif
}

/**
 * oomsnap_task_memcg() - the memory cgroup of a task, or NULL
 * @t: the task; the caller holds rcu_read_lock()
 */
static inline struct mem_cgroup *oomsnap_task_memcg(struct task_struct *t)
{
#ifdef CONFIG_MEMCG
	return mem_cgroup_from_css(task_css(t, memory_cgrp_id));
#else
	return NULL;
#endif
}

/**
 * oomsnap_memcg_usage() - pages charged to a memory cgroup
 * @memcg: the cgroup
 */
static inline unsigned long oomsnap_memcg_usage(struct mem_cgroup *memcg)
{
#ifdef CONFIG_MEMCG
	return page_counter_read(&memcg->memory);
#else
	return 0;
#endif
}

/**
 * oomsnap_memcg_limit() - memory.max of a memory cgroup, in pages
 * @memcg: the cgroup
 */
static inline unsigned long oomsnap_memcg_limit(struct mem_cgroup *memcg)
{
#ifdef CONFIG_MEMCG
	return READ_ONCE(memcg->memory.max);
#else
	return 0;
#endif
}

/**
 * oomsnap_memcg_is_descendant() - @memcg is @root or below it
 * @memcg: the cgroup to test
 * @root: the subtree's root
 */
static inline bool oomsnap_memcg_is_descendant(struct mem_cgroup *memcg,
					       struct mem_cgroup *root)
{
#ifdef CONFIG_MEMCG
	return memcg && root &&
	       cgroup_is_descendant(memcg->css.cgroup, root->css.cgroup);
#else
	return false;
#endif
}

/**
 * oomsnap_memcg_path() - the cgroup path of a memory cgroup, from any context
 * @memcg: the cgroup, pinned by the caller (or under RCU)
 * @buf: where to write the path
 * @len: size of @buf
 *
 * cgroup_path() takes kernfs_rename_lock, a spinning rwlock that is fine
 * with preemption disabled, but a sleeping lock on PREEMPT_RT.  There the
 * path is built by walking the kernfs parents without a lock, which is safe
 * on the cgroup v2 hierarchy: its directories cannot be renamed, and a
 * cgroup pins its ancestors.  On RT with cgroup v1 the path is left empty.
 *
 * Return: true when @buf holds a path.
 */
static inline bool oomsnap_memcg_path(struct mem_cgroup *memcg, char *buf,
				      size_t len)
{
#ifdef CONFIG_MEMCG
	struct kernfs_node *kn, *parts[32];
	unsigned int n = 0;
	size_t pos = 0;
	bool ok = false;

	buf[0] = '\0';
	if (!memcg)
		return false;
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		return cgroup_path(memcg->css.cgroup, buf, len) > 0;
	if (!cgroup_subsys_on_dfl(memory_cgrp_subsys))
		return false;
	rcu_read_lock();
	for (kn = memcg->css.cgroup->kn; kn && oomsnap_kn_parent(kn);
	     kn = oomsnap_kn_parent(kn)) {
		if (n == ARRAY_SIZE(parts))
			goto out;
		parts[n++] = kn;
	}
	if (!n) {
		ok = strscpy(buf, "/", len) > 0;
		goto out;
	}
	while (n--) {
		ssize_t w;

		if (pos + 1 >= len)
			goto out;
		buf[pos++] = '/';
		w = strscpy(buf + pos, oomsnap_kn_name(parts[n]), len - pos);
		if (w < 0)
			goto out;
		pos += w;
	}
	ok = true;
out:
	rcu_read_unlock();
	if (!ok)
		buf[0] = '\0';
	return ok;
#else
	buf[0] = '\0';
	return false;
#endif
}

/**
 * oomsnap_oom_kill_count() - the kernel's oom_kill event counter
 *
 * __oom_kill_process() counts OOM_KILL just before it marks a victim that
 * it really kills; comparing this before and after tells a kill from a
 * victim that was only marked because it was already exiting.
 */
static inline unsigned long oomsnap_oom_kill_count(void)
{
#ifdef CONFIG_VM_EVENT_COUNTERS
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(vm_event_states, cpu).event[OOM_KILL];
	return sum;
#else
	return 0;
#endif
}

/**
 * oomsnap_mm_multiprocess() - @mm is shared by more than one process
 * @mm: the address space, pinned by the caller
 *
 * Set by clone(CLONE_VM) without CLONE_THREAD or CLONE_VFORK.
 */
static inline bool oomsnap_mm_multiprocess(const struct mm_struct *mm)
{
	return oomsnap_mm_flag(mm, MMF_MULTIPROCESS);
}

/*
 * Memory pressure (PSI).  A cgroup's group of pressure figures: a pointer
 * since 6.1, NULL when PSI is off for cgroups (psi=0 at boot, or
 * cgroup_disable=pressure), and linked to its parent's group up to the
 * system group psi_system (not exported), which has no parent; before,
 * a struct embedded in the cgroup, whose per-CPU part is not allocated
 * when PSI is off, and no link (the system group cannot be reached).
 * Since 6.1 a cgroup's "cgroup.pressure" file can turn its group off.
 */
#ifdef CONFIG_PSI
#include <linux/psi_types.h>
#endif

/**
 * oomsnap_cgroup_psi() - a cgroup's pressure group, or NULL
 * @cgrp: the cgroup, pinned by the caller
 *
 * Return: NULL when PSI is off for cgroups or the kernel has no PSI.
 */
static inline struct psi_group *oomsnap_cgroup_psi(struct cgroup *cgrp)
{
#if !defined(CONFIG_PSI)
	return NULL;
#elif defined(OOMSNAP_HAVE_PSI_PARENT)
	return READ_ONCE(cgrp->psi);
#else
	return READ_ONCE(cgrp->psi.pcpu) ? &cgrp->psi : NULL;
#endif
}

/**
 * oomsnap_psi_parent() - the group above @g, NULL at the system group
 * @g: a pressure group
 *
 * Also NULL on kernels without the link (5.x): oomsnap_psi_linked().
 */
static inline struct psi_group *oomsnap_psi_parent(struct psi_group *g)
{
#ifdef OOMSNAP_HAVE_PSI_PARENT
	return READ_ONCE(g->parent);
#else
	return NULL;
#endif
}

/* The groups are linked up to the system group (6.1 on). */
static inline bool oomsnap_psi_linked(void)
{
#ifdef OOMSNAP_HAVE_PSI_PARENT
	return true;
#else
	return false;
#endif
}

/**
 * oomsnap_psi_on() - @g is updated (cgroup.pressure is not 0)
 * @g: a pressure group
 */
static inline bool oomsnap_psi_on(struct psi_group *g)
{
#ifdef OOMSNAP_HAVE_PSI_PARENT
	return READ_ONCE(g->enabled);
#else
	return true;
#endif
}

/**
 * oomsnap_psi_mem() - a group's memory pressure, as psi_show() prints it
 * @g: a pressure group
 * @avg: [some, full][avg10, avg60, avg300] in the kernel's fixed point
 *	(FSHIFT bits: LOAD_INT() and LOAD_FRAC() give the printed percent)
 * @total_us: [some, full] stall time in microseconds
 *
 * The averages are those last computed by the group's averaging work
 * (every 2 s while the group is busy) or by a reader of the pressure
 * file, read without its mutex: each is one aligned word.
 */
static inline void oomsnap_psi_mem(struct psi_group *g, u32 avg[2][3],
				   u64 total_us[2])
{
#ifdef CONFIG_PSI
	int f, w;

	for (f = 0; f < 2; f++) {
		for (w = 0; w < 3; w++)
			avg[f][w] = READ_ONCE(g->avg[PSI_MEM_SOME + f][w]);
		total_us[f] = div_u64(READ_ONCE(g->total[PSI_AVGS][PSI_MEM_SOME + f]),
				      NSEC_PER_USEC);
	}
#endif
}

/**
 * oomsnap_vm_event() - a vm event counter summed over all CPUs
 * @item: the event
 *
 * all_vm_events() takes cpus_read_lock(), which sleeps: not for a timer.
 * Offline CPUs' counts are folded into a live CPU's and zeroed, so the
 * sum over possible CPUs is the total.
 */
static inline unsigned long oomsnap_vm_event(enum vm_event_item item)
{
#ifdef CONFIG_VM_EVENT_COUNTERS
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(vm_event_states, cpu).event[item];
	return sum;
#else
	return 0;
#endif
}

/**
 * oomsnap_pgscan() - pages scanned by reclaim, all kinds, since boot
 *
 * vm events PGSCAN_ANON + PGSCAN_FILE up to 6.x, node counters in 7.x.
 */
static inline unsigned long oomsnap_pgscan(void)
{
#ifdef OOMSNAP_HAVE_PGSCAN_NODE_STAT
	return global_node_page_state(PGSCAN_ANON) +
	       global_node_page_state(PGSCAN_FILE);
#else
	return oomsnap_vm_event(PGSCAN_ANON) + oomsnap_vm_event(PGSCAN_FILE);
#endif
}

/** oomsnap_pgsteal() - pages reclaimed, all kinds, since boot */
static inline unsigned long oomsnap_pgsteal(void)
{
#ifdef OOMSNAP_HAVE_PGSCAN_NODE_STAT
	return global_node_page_state(PGSTEAL_ANON) +
	       global_node_page_state(PGSTEAL_FILE);
#else
	return oomsnap_vm_event(PGSTEAL_ANON) + oomsnap_vm_event(PGSTEAL_FILE);
#endif
}

/** oomsnap_allocstall() - direct reclaim entries, all zones, since boot */
static inline unsigned long oomsnap_allocstall(void)
{
	unsigned long sum = 0;
	int z;

	/* one event per zone up to ZONE_MOVABLE, as __count_zid_vm_events() */
	for (z = 0; z <= ZONE_MOVABLE; z++)
		sum += oomsnap_vm_event(ALLOCSTALL_NORMAL - ZONE_NORMAL + z);
	return sum;
}

/**
 * oomsnap_refaults() - workingset refaults, anon and file, since boot
 *
 * WORKINGSET_REFAULT_ANON and _FILE on every kernel of the matrix (5.9 on;
 * Debian's 5.10 included).
 */
static inline unsigned long oomsnap_refaults(void)
{
	return global_node_page_state(WORKINGSET_REFAULT_ANON) +
	       global_node_page_state(WORKINGSET_REFAULT_FILE);
}

/**
 * oomsnap_timer_stop() - stop a timer that re-arms itself, for good
 * @t: the timer
 *
 * timer_shutdown_sync() refuses later re-arming; before it existed,
 * del_timer_sync() also removes what a running callback re-armed, and the
 * caller makes the callback stop re-arming first.
 */
static inline void oomsnap_timer_stop(struct timer_list *t)
{
#ifdef OOMSNAP_HAVE_TIMER_SHUTDOWN
	timer_shutdown_sync(t);
#else
	del_timer_sync(t);
#endif
}

#endif /* _OOMSNAP_COMPAT_H */
