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
#include <linux/module.h>

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
 * Functions exported only to the KUnit test module (module/kunit/), in
 * the kernel's own words.  kunit/visibility.h came with 6.2 and was
 * backported to 6.1.y; where it is missing (5.10), the same definitions
 * (EXPORT_SYMBOL_IF_KUNIT through a helper: checkpatch takes any line
 * "EXPORT_SYMBOL...(x)" for an export that must follow its function).
 * MODULE_IMPORT_NS() takes the namespace as a string since 6.13; before,
 * it takes it as the string too, as in mainline.  Both are probed only
 * where the kernel has KUnit (module/Kbuild).
 */
#ifdef OOMSNAP_HAVE_KUNIT_VISIBILITY
#include <kunit/visibility.h>
#else
#if IS_ENABLED(CONFIG_KUNIT)
#define VISIBLE_IF_KUNIT
#define oomsnap_export_if_kunit(sym) \
	EXPORT_SYMBOL_NS(sym, EXPORTED_FOR_KUNIT_TESTING)
#else
#define VISIBLE_IF_KUNIT static
#define oomsnap_export_if_kunit(sym)
#endif
#define EXPORT_SYMBOL_IF_KUNIT oomsnap_export_if_kunit
#endif
#ifdef OOMSNAP_HAVE_IMPORT_NS_IDENT
#undef MODULE_IMPORT_NS
#define MODULE_IMPORT_NS(ns)	MODULE_INFO(import_ns, ns)
#endif

#endif /* _OOMSNAP_COMPAT_H */
