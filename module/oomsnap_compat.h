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
#include <linux/ftrace.h>
#include <linux/kernfs.h>
#include <linux/string.h>
#include <linux/fs.h>
#include <linux/dcache.h>
/* panic_notifier_list: in kernel.h up to 5.13, a header of its own since */
#ifdef OOMSNAP_HAVE_PANIC_NOTIFIER_H
#include <linux/panic_notifier.h>
#endif
#include <linux/proc_fs.h>
#include <linux/rcupdate.h>
#include <linux/timer.h>
#include <linux/math64.h>
#include <trace/events/oom.h>
#include <trace/events/sched.h>
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
 * procfs's private data: PDE_DATA() until 5.16, renamed pde_data() in 5.17.
 */
#ifndef OOMSNAP_HAVE_PDE_DATA
static inline void *pde_data(const struct inode *inode)
{
	return PDE_DATA(inode);
}
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
 * oomsnap_entry_link() - the return address the unwinder misses at entry
 * @regs: registers at a probe on a function's first instruction
 *
 * arm64 calls with the return address in the link register, which the
 * callee stores in its frame record only in its prologue: from a probe at
 * the entry, the frame-pointer unwinder goes from the probed pc to the
 * caller's caller and the caller never appears (seen on 6.1: the record
 * began at try_charge_memcg, the kernel's own trace at
 * mem_cgroup_out_of_memory).  x86 pushes it at the call, where the unwinder
 * finds it.  Return: that frame, or 0 where the unwinder sees it.
 */
static inline unsigned long oomsnap_entry_link(struct pt_regs *regs)
{
#ifdef CONFIG_ARM64
	return procedure_link_pointer(regs);
#else
	return 0;
#endif
}

/*
 * mark_victim's arguments changed: (int pid) up to 6.8 and on older
 * stable kernels, (struct task_struct *, uid_t) since (the newer builds of
 * Debian's 5.10 and 6.1 have the backport).  Both probes are built; the one whose type
 * matches this kernel's trace_mark_victim() is registered.  A wrong one
 * would read a pid as a pointer.
 */
#define OOMSNAP_MARK_VICTIM_TASK \
	__builtin_types_compatible_p(typeof(trace_mark_victim), \
				     void (struct task_struct *, uid_t))

/*
 * sched_process_exit gained a group_dead argument after 6.12 (7.x of the
 * matrix has it): (struct task_struct *) before, (struct task_struct *,
 * bool) since.
 */
#define OOMSNAP_EXIT_GROUP_DEAD \
	__builtin_types_compatible_p(typeof(trace_sched_process_exit), \
				     void (struct task_struct *, bool))

/*
 * oom_kill_process() is static: depending on the compiler and the
 * configuration, the build may keep a specialised copy under a clone's name
 * instead.  Each name is tried in turn (oomsnap_capture.c checks that the
 * first argument is the OOM's oom_control, so a clone with other arguments
 * only loses data, never misreads it).
 */
#define OOMSNAP_KILL_PROCESS_SYMBOLS \
	"oom_kill_process", "oom_kill_process.constprop.0", \
	"oom_kill_process.isra.0", "oom_kill_process.part.0"

/**
 * oomsnap_trylock_task() - take task_lock() from the OOM path
 * @t: the task
 *
 * Our hooks run with preemption disabled (kprobes) or inside the kernel's
 * walk of the tasks, under its RCU read lock (the ftrace callback).
 * task_lock() is a spinning lock there, except on PREEMPT_RT where it is a
 * sleeping lock: only a trylock, and the caller skips a task whose lock is
 * held.
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

/*
 * mm->flags was an unsigned long up to 6.17; since then it is an opaque
 * bitmap (mm_flags_t) read with mm_flags_test(), back-filled here.
 */
#ifndef OOMSNAP_HAVE_MM_FLAGS_TEST
static inline bool mm_flags_test(int flag, const struct mm_struct *mm)
{
	return test_bit(flag, &mm->flags);
}
#endif

/*
 * oomsnap_mm_counter(mm, member) - one rss counter of an mm
 * oomsnap_mm_rss(mm) - resident pages of an mm
 *
 * Both as the OOM killer reads them.  The counters are approximate atomics
 * up to 6.1 and per-CPU counters since 6.2.  The OOM killer (its "Killed
 * process" line, the reaper's report, oom_badness()) reads them with
 * get_mm_counter()/get_mm_rss() until 6.17 and sums them exactly with
 * get_mm_counter_sum()/get_mm_rss_sum() since (7.x): the same figures as
 * the kernel's own report, from either.  Not a rename: 6.12 has
 * get_mm_counter_sum() too, but its OOM killer does not use it.  The sum
 * takes only the counter's raw spinlock: fine from any context, PREEMPT_RT
 * included.
 */
#ifdef OOMSNAP_HAVE_MM_RSS_SUM
#define oomsnap_mm_counter	get_mm_counter_sum
#define oomsnap_mm_rss		get_mm_rss_sum
#else
#define oomsnap_mm_counter	get_mm_counter
#define oomsnap_mm_rss		get_mm_rss
#endif

/*
 * The candidates' hook on oom_badness() as an ftrace callback at its entry
 * (one call from the ftrace trampoline, no int3, no return trampoline):
 * with struct ftrace_regs (5.11) and an ip filter (DYNAMIC_FTRACE).  The
 * first argument: ftrace_regs_get_argument() from 6.2 (on x86; opaque
 * ftrace_regs from 6.13); before, the argument registers are in
 * fregs->regs where the architecture saves them without FL_SAVE_REGS
 * (WITH_ARGS: x86 6.1), else a full pt_regs is asked for.  Without all
 * this (5.10), the kretprobe is used.
 */
#if defined(OOMSNAP_HAVE_FTRACE_REGS) && defined(CONFIG_DYNAMIC_FTRACE)
#define OOMSNAP_HAVE_BADNESS_FTRACE 1
/*
 * No FTRACE_OPS_FL_RECURSION: the callback cannot recurse (see it), and
 * with the flag ftrace's assist function would add a call to every one.
 */
#if defined(OOMSNAP_HAVE_FTRACE_REGS_ARG) || \
	defined(CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS)
#define OOMSNAP_FTRACE_OPS_FLAGS	0
#else
#define OOMSNAP_FTRACE_OPS_FLAGS	FTRACE_OPS_FL_SAVE_REGS
#endif

/**
 * oomsnap_ftrace_first_arg() - the first argument of a traced function
 * @fregs: the registers an ftrace callback receives at the function's entry
 */
static inline unsigned long oomsnap_ftrace_first_arg(struct ftrace_regs *fregs)
{
#if defined(OOMSNAP_HAVE_FTRACE_REGS_ARG)
	return ftrace_regs_get_argument(fregs, 0);
#elif defined(CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS)
	return regs_get_kernel_argument(&fregs->regs, 0);
#else
	return regs_get_kernel_argument(ftrace_get_regs(fregs), 0);
#endif
}
#endif

/**
 * oomsnap_mm_counter_dying() - an rss counter of @mm, in a dying kernel
 * @mm: the mm
 * @member: MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS or MM_SHMEMPAGES
 *
 * panic() has stopped the other CPUs: their per-CPU deltas (6.2 on) no
 * longer change, so the exact sum is read without the counter's lock,
 * which percpu_counter_sum() takes and a stopped CPU may hold.  Before
 * 6.2 the counter is one atomic.
 */
#ifdef OOMSNAP_HAVE_RSS_PERCPU
static inline unsigned long oomsnap_mm_counter_dying(struct mm_struct *mm,
						     int member)
{
	struct percpu_counter *fbc = &mm->rss_stat[member];
	s64 v = READ_ONCE(fbc->count);
	int cpu;

	for_each_possible_cpu(cpu)
		v += READ_ONCE(*per_cpu_ptr(fbc->counters, cpu));
	return v > 0 ? v : 0;
}
#else
#define oomsnap_mm_counter_dying	get_mm_counter
#endif

/*
 * oomsnap_kn_parent(kn), oomsnap_kn_name(kn) - a kernfs_node's parent and
 * name: plain pointers up to 6.14, RCU pointers (__parent, name) since 6.15
 * (the kernel's own accessors, kernfs_parent() and kernfs_rcu_name(), are
 * internal to fs/kernfs).  Caller holds rcu_read_lock().  Only for nodes
 * that cannot be renamed or moved (cgroup v2 directories).
 */
#ifdef OOMSNAP_HAVE_KERNFS_RCU_PARENT
#define oomsnap_kn_parent(kn)	rcu_dereference((kn)->__parent)
#define oomsnap_kn_name(kn)	rcu_dereference((kn)->name)
#else
#define oomsnap_kn_parent(kn)	((kn)->parent)
#define oomsnap_kn_name(kn)	((kn)->name)
#endif

/*
 * Memory cgroups (CONFIG_MEMCG): without them no OOM is a memcg OOM and
 * every task's memcg is NULL.
 *
 * oomsnap_task_memcg() - the memory cgroup of @t (caller holds
 *	rcu_read_lock()), or NULL
 * oomsnap_memcg_usage() - pages charged to @memcg
 * oomsnap_memcg_limit() - memory.max of @memcg, in pages
 * oomsnap_memcg_is_descendant() - @memcg is @root or below it
 * oomsnap_memcg_kn() - the kernfs directory of @memcg (pinned by the
 *	caller, or under RCU), or NULL
 * oomsnap_memcg_on_dfl() - the memory controller is on the cgroup v2
 *	hierarchy
 * oomsnap_memcg_oom_group() - the memcg whose tasks the kernel kills all
 *	together after a victim in @memcg (memory.oom.group), as its
 *	mem_cgroup_get_oom_group() (not exported) finds it: the highest one
 *	with oom.group set from @memcg up to @domain (the OOMing memcg; NULL:
 *	the root), on cgroup v2 only; NULL for none.  Caller holds
 *	rcu_read_lock().
 */
#ifdef CONFIG_MEMCG
static inline struct mem_cgroup *oomsnap_task_memcg(struct task_struct *t)
{
	return mem_cgroup_from_css(task_css(t, memory_cgrp_id));
}

static inline unsigned long oomsnap_memcg_usage(struct mem_cgroup *memcg)
{
	return page_counter_read(&memcg->memory);
}

static inline unsigned long oomsnap_memcg_limit(struct mem_cgroup *memcg)
{
	return READ_ONCE(memcg->memory.max);
}

static inline bool oomsnap_memcg_is_descendant(struct mem_cgroup *memcg,
					       struct mem_cgroup *root)
{
	return memcg && root &&
	       cgroup_is_descendant(memcg->css.cgroup, root->css.cgroup);
}

static inline struct kernfs_node *oomsnap_memcg_kn(struct mem_cgroup *memcg)
{
	return memcg ? memcg->css.cgroup->kn : NULL;
}

static inline bool oomsnap_memcg_on_dfl(void)
{
	return cgroup_subsys_on_dfl(memory_cgrp_subsys);
}

static inline struct mem_cgroup *
oomsnap_memcg_oom_group(struct mem_cgroup *memcg, struct mem_cgroup *domain)
{
	struct mem_cgroup *group = NULL;

	if (!memcg || !oomsnap_memcg_on_dfl() || !parent_mem_cgroup(memcg))
		return NULL;
	if (domain && !oomsnap_memcg_is_descendant(memcg, domain))
		return NULL;
	for (; memcg; memcg = parent_mem_cgroup(memcg)) {
		if (READ_ONCE(memcg->oom_group))
			group = memcg;
		if (memcg == domain)
			break;
	}
	return group;
}
#else
static inline struct mem_cgroup *oomsnap_task_memcg(struct task_struct *t)
{
	return NULL;
}

static inline unsigned long oomsnap_memcg_usage(struct mem_cgroup *memcg)
{
	return 0;
}

static inline unsigned long oomsnap_memcg_limit(struct mem_cgroup *memcg)
{
	return 0;
}

static inline bool oomsnap_memcg_is_descendant(struct mem_cgroup *memcg,
					       struct mem_cgroup *root)
{
	return false;
}

static inline struct kernfs_node *oomsnap_memcg_kn(struct mem_cgroup *memcg)
{
	return NULL;
}

static inline bool oomsnap_memcg_on_dfl(void)
{
	return false;
}

static inline struct mem_cgroup *
oomsnap_memcg_oom_group(struct mem_cgroup *memcg, struct mem_cgroup *domain)
{
	return NULL;
}
#endif /* CONFIG_MEMCG */

/*
 * oomsnap_kn_walkable() - whether the memory cgroups' kernfs parents and
 * names can be walked under RCU alone: since 6.15 they are RCU pointers on
 * every hierarchy (a rename frees the old name after a grace period, and a
 * cgroup never changes parent); before, only cgroup v2's, whose directories
 * cannot be renamed, stay put.
 */
#ifdef OOMSNAP_HAVE_KERNFS_RCU_PARENT
static inline bool oomsnap_kn_walkable(void)
{
	return true;
}
#else
static inline bool oomsnap_kn_walkable(void)
{
	return oomsnap_memcg_on_dfl();
}
#endif

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
 * oomsnap_oom_kill_count() - the kernel's oom_kill event counter
 *
 * __oom_kill_process() counts OOM_KILL just before it marks a victim that
 * it really kills; comparing this before and after tells a kill from a
 * victim that was only marked because it was already exiting.
 */
static inline unsigned long oomsnap_oom_kill_count(void)
{
	return oomsnap_vm_event(OOM_KILL);
}

/*
 * Memory counters for the breakdown (oomsnap_mem.c).  Each reader returns
 * false where the running kernel has no such counter, or does not let a
 * module read it; the record then shows null.
 */

/*
 * The kernel's reclaim gives a node up (pgdat_balanced() skips it, the
 * OOM report prints "all_unreclaimable? yes") after this many kswapd runs
 * that reclaimed nothing.  The macro is in mm/internal.h, not in the
 * headers a module sees; 16 in every kernel since 4.8.
 */
#define OOMSNAP_MAX_RECLAIM_RETRIES	16

/** oomsnap_kswapd_failures() - kswapd runs on @pgdat that reclaimed nothing */
static inline int oomsnap_kswapd_failures(pg_data_t *pgdat)
{
#ifdef OOMSNAP_HAVE_KSWAPD_FAILURES_ATOMIC
	return atomic_read(&pgdat->kswapd_failures);
#else
	return READ_ONCE(pgdat->kswapd_failures);
#endif
}

/**
 * oomsnap_pcp_free() - pages on @zone's per-CPU free list of @cpu
 * @zone: the zone
 * @cpu: the CPU
 *
 * Read without the list's lock, as the kernel's own show_free_areas()
 * does: a racy snapshot.
 */
static inline unsigned long oomsnap_pcp_free(struct zone *zone, int cpu)
{
#ifdef OOMSNAP_HAVE_PER_CPU_PAGESET
	return READ_ONCE(per_cpu_ptr(zone->per_cpu_pageset, cpu)->count);
#else
	return READ_ONCE(per_cpu_ptr(zone->pageset, cpu)->pcp.count);
#endif
}

/** oomsnap_pagetables() - page table pages, system-wide (zone counter up to 5.10) */
static inline unsigned long oomsnap_pagetables(void)
{
#ifdef OOMSNAP_HAVE_NODE_PAGETABLE
	return global_node_page_state(NR_PAGETABLE);
#else
	return global_zone_page_state(NR_PAGETABLE);
#endif
}

/** oomsnap_sec_pagetables() - secondary (KVM, IOMMU) page table pages, 6.0 on */
static inline bool oomsnap_sec_pagetables(unsigned long *pages)
{
#ifdef OOMSNAP_HAVE_NR_SECONDARY_PAGETABLE
	*pages = global_node_page_state(NR_SECONDARY_PAGETABLE);
	return true;
#else
	return false;
#endif
}

/*
 * Swap cache pages: NR_SWAPCACHE since 5.13; before, only the unexported
 * total_swapcache_pages() counts them.
 */
static inline bool oomsnap_swapcache(unsigned long *pages)
{
#ifdef OOMSNAP_HAVE_NR_SWAPCACHE
	*pages = global_node_page_state(NR_SWAPCACHE);
	return true;
#else
	return false;
#endif
}

/*
 * Pages in hugetlb pools: NR_HUGETLB (7.x).  Before, only the unexported
 * hstates[] know them.
 */
static inline bool oomsnap_hugetlb(unsigned long *pages)
{
#ifdef OOMSNAP_HAVE_NR_HUGETLB
	*pages = global_node_page_state(NR_HUGETLB);
	return true;
#else
	return false;
#endif
}

/* Pages allocated by vmalloc(): NR_VMALLOC (7.x); vmalloc_nr_pages() is not exported. */
static inline bool oomsnap_vmalloc(unsigned long *pages)
{
#ifdef OOMSNAP_HAVE_NR_VMALLOC
	*pages = global_node_page_state(NR_VMALLOC);
	return true;
#else
	return false;
#endif
}

/* zsmalloc's pages (zram's compressed store, zswap): a zone counter. */
static inline bool oomsnap_zspages(unsigned long *pages)
{
#if IS_ENABLED(CONFIG_ZSMALLOC)
	*pages = global_zone_page_state(NR_ZSPAGES);
	return true;
#else
	return false;
#endif
}

/**
 * oomsnap_memcg_stat() - a memcg's hierarchical statistics, in kB
 * @memcg: the cgroup, pinned by the caller
 * @anon: anonymous memory (memory.stat "anon")
 * @file: page cache ("file")
 * @shmem: shmem and tmpfs ("shmem")
 * @slab: slab, both kinds ("slab")
 * @kernel_stack: kernel stacks ("kernel_stack")
 *
 * memcg_page_state() is an inline reading the memcg's own fields up to
 * 5.x; since 6.0 it is a function in memcontrol.c that is not exported,
 * and the fields it reads are private to that file.
 *
 * Return: false where a module cannot read them.
 */
static inline bool oomsnap_memcg_stat(struct mem_cgroup *memcg,
				      unsigned long *anon, unsigned long *file,
				      unsigned long *shmem, unsigned long *slab,
				      unsigned long *kernel_stack)
{
#if defined(CONFIG_MEMCG) && defined(OOMSNAP_HAVE_MEMCG_PAGE_STATE_INLINE)
	const unsigned int k = PAGE_SHIFT - 10;

	*anon = memcg_page_state(memcg, NR_ANON_MAPPED) << k;
	*file = memcg_page_state(memcg, NR_FILE_PAGES) << k;
	*shmem = memcg_page_state(memcg, NR_SHMEM) << k;
	/* the slab counters are kept in bytes */
	*slab = (memcg_page_state(memcg, NR_SLAB_RECLAIMABLE_B) +
		 memcg_page_state(memcg, NR_SLAB_UNRECLAIMABLE_B)) >> 10;
	*kernel_stack = memcg_page_state(memcg, NR_KERNEL_STACK_KB);
	return true;
#else
	return false;
#endif
}

/**
 * oomsnap_memcg_swap() - a memcg's swap use, limit and protection, in pages
 * @memcg: the cgroup, pinned by the caller
 * @swap: swap charged (memory.swap.current)
 * @swap_max: memory.swap.max
 * @min: memory.min
 * @low: memory.low
 *
 * The page counters are fields of struct mem_cgroup in every version.
 * Only cgroup v2 has them with these meanings (v1 keeps memory+swap in
 * the same union member).
 *
 * Return: false on cgroup v1 or without memcg.
 */
static inline bool oomsnap_memcg_swap(struct mem_cgroup *memcg,
				      unsigned long *swap,
				      unsigned long *swap_max,
				      unsigned long *min, unsigned long *low)
{
#ifdef CONFIG_MEMCG
	if (!cgroup_subsys_on_dfl(memory_cgrp_subsys))
		return false;
	*swap = page_counter_read(&memcg->swap);
	*swap_max = READ_ONCE(memcg->swap.max);
	*min = READ_ONCE(memcg->memory.min);
	*low = READ_ONCE(memcg->memory.low);
	return true;
#else
	return false;
#endif
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

/**
 * oomsnap_exe_name() - the name %pd4 prints for @mm's executable, read
 *	without a reference to the file
 * @mm: an mm kept by the caller
 * @buf: where to write it
 * @len: its size
 *
 * mm->exe_file can be replaced at any time (prctl(PR_SET_MM_MAP) with
 * exe_fd, open to a user with a user namespace of its own) and the old
 * file put.  Up to 6.6 a struct file is freed after an RCU grace period;
 * since 6.7 its cache is SLAB_TYPESAFE_BY_RCU: freed at once and reused
 * (the kernel's get_mm_exe_file() takes it with get_file_rcu()).  A
 * reference cannot be taken here: the last fput() of it would queue work
 * from the OOM path.  So the dentry is read from the file, and kept only
 * if the file is still @mm's before and after it is printed; a dentry
 * is freed after a grace period, so printing it under RCU is safe even
 * if it was left meanwhile.  Except a DCACHE_NORCU one (d_alloc_pseudo():
 * a memfd_create() file), freed at once when its file goes: not printed.
 * The same code serves every kernel, the worst case being 6.7's.
 *
 * Context: any, no lock taken.
 * Return: true when @buf holds the name.
 */
static inline bool oomsnap_exe_name(struct mm_struct *mm, char *buf,
				    size_t len)
{
	struct dentry *d;
	struct file *exe;
	bool ok = false;
	unsigned int flags;

	rcu_read_lock();
	exe = rcu_dereference(mm->exe_file);
	if (!exe)
		goto out;
	d = READ_ONCE(exe->f_path.dentry);
	if (!d)
		goto out;
	flags = READ_ONCE(d->d_flags);
	/* the file still @mm's: @d was its dentry, referenced, and @flags its */
	smp_rmb();
	if (rcu_access_pointer(mm->exe_file) != exe ||
	    READ_ONCE(exe->f_path.dentry) != d || (flags & DCACHE_NORCU))
		goto out;
	snprintf(buf, len, "%pd4", d);
	/* and still after: else the name may be that of a reused file's */
	smp_rmb();
	ok = rcu_access_pointer(mm->exe_file) == exe &&
	     READ_ONCE(exe->f_path.dentry) == d;
out:
	rcu_read_unlock();
	return ok;
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
