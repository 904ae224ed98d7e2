/* SPDX-License-Identifier: GPL-2.0 */
/*
 * oomsnap: shared definitions.
 *
 * The event record, the ring, the statistics and the interfaces between
 * the files of the module.  Everything here that the OOM path touches is
 * preallocated at load time: the OOM path allocates nothing.
 */
#ifndef _OOMSNAP_H
#define _OOMSNAP_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/atomic.h>
#include <linux/sched.h>
#include <linux/nodemask.h>
#include <linux/seq_file.h>
#include "oomsnap_compat.h"
#include "oomsnap_trend.h"
#include "oomsnap_cmdline.h"

#define OOMSNAP_MAX_ZONES	32	/* zones kept per event */
#define OOMSNAP_MAX_KILLED	16	/* killed tasks described per event */
#define OOMSNAP_PATH_MAX	1024	/* longest cgroup path kept whole, bytes */
#define OOMSNAP_PATH_POOL	4096	/* an event's cgroup path bytes */
#define OOMSNAP_CAND_PATHS	32	/* distinct candidate memcgs kept per event */
/*
 * distinct paths per event: memcg, trigger, victim (twice), group, killed,
 * then the candidates' (a parent memcg's OOM ranges over its children)
 */
#define OOMSNAP_PATHS		(5 + OOMSNAP_MAX_KILLED + OOMSNAP_CAND_PATHS)
#define OOMSNAP_CAPACITY_MAX	65536
#define OOMSNAP_MAX_TASKS_MAX	1024
#define OOMSNAP_PROTECT_MAX_MAX	65536
#define OOMSNAP_STACK_MAX	32	/* stack frames saved per event */
#define OOMSNAP_MAX_SPARED	8	/* protected tasks kept per event */

enum oomsnap_kind { OOMSNAP_KIND_GLOBAL, OOMSNAP_KIND_MEMCG, OOMSNAP_KIND_NR };

enum oomsnap_constraint {
	OOMSNAP_CONSTRAINT_NONE,
	OOMSNAP_CONSTRAINT_CPUSET,
	OOMSNAP_CONSTRAINT_MEMORY_POLICY,
	OOMSNAP_CONSTRAINT_MEMCG,
	OOMSNAP_CONSTRAINT_UNKNOWN,	/* the OOM ended before it was computed */
};

enum oomsnap_cause {
	OOMSNAP_CAUSE_MEMCG_LIMIT,
	OOMSNAP_CAUSE_ANCESTOR_MEMCG_LIMIT,
	OOMSNAP_CAUSE_NODE_MEMORY,
	OOMSNAP_CAUSE_FRAGMENTATION,
	OOMSNAP_CAUSE_SYSRQ,
	OOMSNAP_CAUSE_SYSTEM_MEMORY,
	OOMSNAP_CAUSE_MEMCG_LIMIT_EXTERNAL,
	OOMSNAP_CAUSE_NR
};

enum oomsnap_outcome {
	OOMSNAP_OUTCOME_KILLED,
	OOMSNAP_OUTCOME_CURRENT_EXITING,
	OOMSNAP_OUTCOME_NO_VICTIM,
	OOMSNAP_OUTCOME_NR
};

/* Which optional parts of an event hold data; the rest render as null. */
#define OOMSNAP_HAS_NODEMASK	BIT(0)
#define OOMSNAP_HAS_MEMCG	BIT(1)
#define OOMSNAP_HAS_VICTIM	BIT(2)
#define OOMSNAP_HAS_VICTIM_MM	BIT(3)	/* victim memory figures */
#define OOMSNAP_HAS_POINTS	BIT(4)	/* victim badness points */
#define OOMSNAP_HAS_REAPED	BIT(5)
#define OOMSNAP_HAS_OOM_NS	BIT(6)
#define OOMSNAP_HAS_COMMITTED	BIT(9)
#define OOMSNAP_HAS_SWAP	BIT(10)
#define OOMSNAP_HAS_STACK	BIT(11)	/* the allocating task's stack */
#define OOMSNAP_HAS_GROUP	BIT(12)	/* a memory.oom.group kill */

/*
 * The memory breakdown (interface section 3.3): system-wide figures from
 * the kernel's own counters, each kept in kB.  The order is the record's.
 */
enum oomsnap_mem_item {
	OOMSNAP_MEM_FREE,
	OOMSNAP_MEM_PCP_FREE,
	OOMSNAP_MEM_ACTIVE_ANON,
	OOMSNAP_MEM_INACTIVE_ANON,
	OOMSNAP_MEM_ACTIVE_FILE,
	OOMSNAP_MEM_INACTIVE_FILE,
	OOMSNAP_MEM_UNEVICTABLE,
	OOMSNAP_MEM_MLOCKED,
	OOMSNAP_MEM_SHMEM,
	OOMSNAP_MEM_SLAB_RECLAIMABLE,
	OOMSNAP_MEM_SLAB_UNRECLAIMABLE,
	OOMSNAP_MEM_KERNEL_STACK,
	OOMSNAP_MEM_PAGETABLES,
	OOMSNAP_MEM_SEC_PAGETABLES,
	OOMSNAP_MEM_SWAPCACHE,
	OOMSNAP_MEM_DIRTY,
	OOMSNAP_MEM_WRITEBACK,
	OOMSNAP_MEM_ISOLATED_ANON,
	OOMSNAP_MEM_ISOLATED_FILE,
	OOMSNAP_MEM_ZSPAGES,
	OOMSNAP_MEM_KERNEL_MISC_RECLAIMABLE,
	OOMSNAP_MEM_HUGETLB,
	OOMSNAP_MEM_VMALLOC,
	OOMSNAP_MEM_UNACCOUNTED,
	OOMSNAP_MEM_NR
};

/* The memcg's own figures, kB (interface section 3.3). */
enum oomsnap_memcg_item {
	OOMSNAP_MEMCG_ANON,
	OOMSNAP_MEMCG_FILE,
	OOMSNAP_MEMCG_SHMEM,
	OOMSNAP_MEMCG_SLAB,
	OOMSNAP_MEMCG_KERNEL_STACK,
	OOMSNAP_MEMCG_SWAP,
	OOMSNAP_MEMCG_SWAP_MAX,
	OOMSNAP_MEMCG_MIN,
	OOMSNAP_MEMCG_LOW,
	OOMSNAP_MEMCG_NR
};

/* Why swap did not help (interface section 4.1): bits of mem.reasons. */
enum oomsnap_reason {
	OOMSNAP_REASON_KERNEL_MEMORY,
	OOMSNAP_REASON_UNEVICTABLE,
	OOMSNAP_REASON_UNACCOUNTED,
	OOMSNAP_REASON_MEMCG_SWAP_LIMIT,
	OOMSNAP_REASON_GFP_NO_IO,
	OOMSNAP_REASON_GFP_LOW_ZONES,
	OOMSNAP_REASON_NR
};

#define OOMSNAP_MEM_NODES	8	/* nodes kept per event */

/**
 * struct oomsnap_mem - where the memory was at the OOM
 * @has: bit per enum oomsnap_mem_item that holds a figure
 * @kb: the figures, kB
 * @memcg_has: bit per enum oomsnap_memcg_item that holds a figure
 * @memcg: the OOMing memcg's figures, kB (memcg OOMs)
 * @reasons: bit per enum oomsnap_reason that applies
 * @nr_nodes: entries in @nodes
 * @nodes: online nodes, their reclaim failures and whether reclaim gave up
 */
struct oomsnap_mem {
	u32 has;
	u16 memcg_has;
	u16 reasons;
	unsigned long kb[OOMSNAP_MEM_NR];
	unsigned long memcg[OOMSNAP_MEMCG_NR];
	u16 nr_nodes;
	struct {
		u16 node;
		u16 failures;
		bool all_unreclaimable;
	} nodes[OOMSNAP_MEM_NODES];
};

/**
 * struct oomsnap_zone - one zone's free memory at the time of the OOM
 * @name: the zone's name, a string of the kernel's that lives forever
 * @node: NUMA node id
 * @zone: zone index into the node (ZONE_DMA, ...)
 * @free: free pages
 * @min: min watermark, pages
 * @low: low watermark, pages
 * @high: high watermark, pages
 * @managed: pages managed by the buddy allocator
 * @blocks: free blocks per order
 */
struct oomsnap_zone {
	const char *name;
	u16 node;
	u8 zone;
	u32 free, min, low, high, managed;
	u32 blocks[OOMSNAP_NR_ORDERS];
};

/**
 * struct oomsnap_cand - one OOM candidate as the kernel's badness sees it
 * @pid: thread group id
 * @adj: oom_score_adj
 * @comm: command name
 * @points: badness points by the kernel's formula
 * @rss: resident pages
 * @swapents: swap entries
 * @pgtables: page table pages
 * @memcg_id: the memcg it was in when read, identity only (never
 *	dereferenced): its path is looked up once, when the event is done
 * @memcg: its memcg's entry in the event's paths + 1, 0: none
 */
struct oomsnap_cand {
	pid_t pid;
	short adj;
	u8 memcg;
	char comm[TASK_COMM_LEN];
	long points;
	unsigned long rss, swapents, pgtables;
	const void *memcg_id;
};

/**
 * struct oomsnap_spared - a task the OOM passed over because oomsnap
 *	protected it, scored with its own oom_score_adj
 * @pid: thread group id
 * @adj: oom_score_adj oomsnap gave it, the one the kernel used
 * @own_adj: the oom_score_adj it had of its own
 * @comm: command name
 * @points: badness points by the kernel's formula with @own_adj
 * @chosen: with its own value it would have been the victim
 */
struct oomsnap_spared {
	pid_t pid;
	short adj, own_adj;
	char comm[TASK_COMM_LEN];
	long points;
	bool chosen;
};

/**
 * struct oomsnap_figs - a killed task's memory, as the kernel's "Killed
 *	process" line shows it
 * @total_vm: pages mapped
 * @anon: anonymous resident pages
 * @file: file resident pages
 * @shmem: shared memory resident pages
 * @swapents: swap entries
 * @pgtables_kb: page tables, kB
 * @settled: the figures are the line's (interface section 3.1)
 */
struct oomsnap_figs {
	unsigned long total_vm, anon, file, shmem, swapents, pgtables_kb;
	bool settled;
};

/* Why a task was killed (interface section 3.1, killed_tasks[].why). */
enum oomsnap_kill_why {
	OOMSNAP_KILL_VICTIM,		/* the task the kernel chose */
	OOMSNAP_KILL_GROUP,		/* in the memory.oom.group memcg */
	OOMSNAP_KILL_SHARED_MM,		/* shared a killed task's memory */
};

/**
 * struct oomsnap_killed - a task the OOM killed, as the kernel's "Killed
 *	process" line describes it
 * @pid: thread id of the task the kernel named
 * @tgid: its thread group id
 * @uid: its owner, in the initial user namespace
 * @adj: oom_score_adj
 * @memcg: its memcg's entry in the event's paths + 1, 0: none
 * @why: enum oomsnap_kill_why
 * @has_mm: @fig holds data
 * @protected: a protection entry covered it
 * @comm: command name
 * @fig: its memory
 */
struct oomsnap_killed {
	pid_t pid, tgid;
	uid_t uid;
	short adj;
	u8 memcg, why;
	bool has_mm, protected;
	char comm[TASK_COMM_LEN];
	struct oomsnap_figs fig;
};

/**
 * struct oomsnap_paths - an event's cgroup paths, each stored once
 * @nr: entries in @ent
 * @used: bytes of @buf in use
 * @ent: one per distinct memcg: @memcg is its identity only (never
 *	dereferenced), the path is @len bytes at @buf + @off (no NUL), and
 *	@truncated says the path went on beyond them
 * @buf: the paths, one after the other; two spare bytes let kernfs_path()
 *	write a NUL and one byte more, which tells a cut path from one that
 *	fits exactly
 *
 * The memcg at its limit, the trigger, the victim, the memory.oom.group
 * memcg, the killed tasks and the candidates usually share one or two
 * memcgs: a field refers to its entry by index + 1 (0: no path).  Paths
 * are added in that order, so the first three, at most 3 *
 * OOMSNAP_PATH_MAX bytes, always fit whole up to OOMSNAP_PATH_MAX, and
 * candidates never crowd out the killed.
 */
struct oomsnap_paths {
	u8 nr;
	u16 used;
	struct {
		const void *memcg;
		u16 off, len;
		bool truncated;
	} ent[OOMSNAP_PATHS];
	char buf[OOMSNAP_PATH_POOL + 2];
};

/**
 * struct oomsnap_event - one OOM event, as stored in the ring
 *
 * Fixed size but for @cands, which holds @max_tasks entries, and after
 * them trend_seconds samples (oomsnap_event_trend()).  Page counts
 * are kept in pages and shown in kB; byte counts (pgtables) in kB.
 */
struct oomsnap_event {
	u64 seq;
	u64 boot_ns;
	u64 real_ns;
	u64 capture_ns;
	u64 oom_ns;
	u32 has;			/* OOMSNAP_HAS_* */
	u8 kind, constraint, cause, outcome;
	gfp_t gfp_mask;
	int order;
	unsigned long totalpages;
	nodemask_t nodemask;

	struct {
		pid_t pid, tgid;
		short adj;
		char comm[TASK_COMM_LEN];
		u8 memcg;	/* @paths entry + 1, 0: none */
	} trigger;

	/*
	 * The allocating task's kernel stack from out_of_memory()'s caller
	 * outwards, return addresses symbolized only when read.
	 */
	struct {
		u16 nr;
		bool truncated;	/* deeper than OOMSNAP_STACK_MAX frames */
		unsigned long ip[OOMSNAP_STACK_MAX];
	} stack;

	struct {
		u8 path;	/* @paths entry + 1, 0: none */
		unsigned long usage, limit;	/* pages */
	} memcg;

	struct {
		unsigned long totalram, freeram, totalswap, freeswap, committed;
	} system;

	struct {
		pid_t pid, tgid;
		uid_t uid;
		short adj;
		bool protected;
		bool settled;	/* figures as the kernel's line, section 3.1 */
		char comm[TASK_COMM_LEN];
		u8 memcg;	/* @paths entry + 1, 0: none */
		long points;
		unsigned long total_vm, anon, file, shmem, swapents;
		unsigned long pgtables_kb;
		void *mm;	/* identity only, to match the reaper's report */
	} victim;

	struct {
		unsigned long anon, file, shmem;	/* pages */
	} reaped;

	struct oomsnap_mem mem;
	/* before and after the kill: interface section 3.4 */
	struct oomsnap_pressure pressure;
	struct oomsnap_freed freed;
	struct oomsnap_cmdlines cmd;	/* argv and exe (oomsnap_cmdline.c) */
	u16 nr_trend;	/* samples after the candidates: oomsnap_event_trend() */

	u16 nr_zones;
	u16 nr_killed;		/* described in @killed */
	u32 nr_killed_seen;	/* killed, described or not */
	u8 group;		/* memory.oom.group memcg: @paths entry + 1 */
	u16 nr_cands;
	u16 nr_spared;		/* kept in @spared */
	u16 nr_spared_seen;	/* passed over, kept or not */
	struct oomsnap_spared spared[OOMSNAP_MAX_SPARED];
	struct oomsnap_zone zones[OOMSNAP_MAX_ZONES];
	struct oomsnap_killed killed[OOMSNAP_MAX_KILLED];
	struct oomsnap_paths paths;
	struct oomsnap_cand cands[];
};

/**
 * struct oomsnap_stats - counters shown in the stats file
 *
 * Updated locklessly from any context.
 */
struct oomsnap_stats {
	atomic64_t notifier_calls;
	atomic64_t capture_ns_last;
	atomic64_t capture_ns_max;
	atomic64_t oom_calls;		/* out_of_memory() entries seen */
	atomic64_t oom_skipped;		/* ended without a decision (waiting) */
	atomic64_t badness_calls;	/* oom_badness() calls hooked */
	atomic64_t badness_mismatch;	/* victim's points: ours != kernel's */
	atomic64_t protect_applied;
	atomic64_t protect_reasserted;
};

extern struct oomsnap_stats oomsnap_stats;

/* Module parameters, fixed after load. */
extern unsigned int oomsnap_capacity;
extern unsigned int oomsnap_max_tasks;
extern unsigned int oomsnap_protect_max;
extern unsigned int oomsnap_scan_max;
extern bool oomsnap_cand_scan;
extern bool oomsnap_cand_kretprobe;

/**
 * struct oomsnap_cursor - a stream reader's place in the ring
 * @node: in the ring's list of readers
 * @next: seq of the next event to deliver
 * @cleared: events this reader had not read that a clear dropped
 *
 * Owned by the ring's lock once opened; see oomsnap_ring_cursor_next().
 */
struct oomsnap_cursor {
	struct list_head node;
	u64 next;
	u64 cleared;
};

enum { OOMSNAP_CUR_NONE, OOMSNAP_CUR_EVENT, OOMSNAP_CUR_GAP };

/**
 * struct oomsnap_counts - events committed since load, by value
 * @kind: by enum oomsnap_kind
 * @constraint: by enum oomsnap_constraint; an unknown one is not counted
 * @cause: by enum oomsnap_cause
 * @outcome: by enum oomsnap_outcome
 */
struct oomsnap_counts {
	u64 kind[OOMSNAP_KIND_NR];
	u64 constraint[OOMSNAP_CONSTRAINT_UNKNOWN];
	u64 cause[OOMSNAP_CAUSE_NR];
	u64 outcome[OOMSNAP_OUTCOME_NR];
};

/* The hooks on the OOM path (oomsnap_capture.c). */
enum oomsnap_hook {
	OOMSNAP_HOOK_OUT_OF_MEMORY,
	OOMSNAP_HOOK_OOM_KILL_PROCESS,
	OOMSNAP_HOOK_MARK_VICTIM,
	OOMSNAP_HOOK_FINISH_REAPING,
	OOMSNAP_HOOK_OOM_NOTIFIER,
	OOMSNAP_HOOK_OOM_BADNESS,
	OOMSNAP_HOOK_NR
};

/**
 * struct oomsnap_capture_state - the hooks, as the stats file shows them
 * @nr_hooks: entries in @hooks
 * @hooks: each hook's name, and why it is missing (NULL: attached)
 * @kill_symbol: the symbol hooked for oom_kill_process(), or NULL
 * @cand_source: where the candidates come from: "none", "oom_badness" or
 *	"scan"
 * @badness_hook: how oom_badness() is hooked: "ftrace", "kretprobe" or
 *	"none" (candidates by scan, or none)
 * @badness_followed: the oom_badness() hook follows the evaluations
 * @badness_missed: with @badness_followed, the evaluations it could not
 *	follow (its instance pool was empty)
 */
struct oomsnap_capture_state {
	unsigned int nr_hooks;
	struct {
		const char *name;
		const char *missing;
	} hooks[OOMSNAP_HOOK_NR];
	const char *kill_symbol;
	const char *cand_source;
	const char *badness_hook;
	bool badness_followed;
	int badness_missed;
};

/* oomsnap_ring.c */
struct oomsnap_ring;
/* The module's ring, from load to unload (oomsnap_main.c). */
extern struct oomsnap_ring *oomsnap_ring;
size_t oomsnap_event_size(void);
struct oomsnap_ring *oomsnap_ring_create(unsigned int capacity,
					 unsigned int max_tasks);
void oomsnap_ring_destroy(struct oomsnap_ring *r);
void oomsnap_ring_commit(struct oomsnap_ring *r,
			 const struct oomsnap_event *ev);
bool oomsnap_ring_read(struct oomsnap_ring *r, u64 seq,
		       struct oomsnap_event *out);
void oomsnap_ring_bounds(struct oomsnap_ring *r, u64 *oldest, u64 *next);
void oomsnap_ring_clear(struct oomsnap_ring *r);
void oomsnap_ring_cursor_open(struct oomsnap_ring *r,
			      struct oomsnap_cursor *c);
void oomsnap_ring_cursor_close(struct oomsnap_ring *r,
			       struct oomsnap_cursor *c);
int oomsnap_ring_cursor_next(struct oomsnap_ring *r, struct oomsnap_cursor *c,
			     struct oomsnap_event *out, u64 *lost, u64 *cleared);
bool oomsnap_ring_cursor_ready(struct oomsnap_ring *r,
			       struct oomsnap_cursor *c);
u64 oomsnap_ring_overwritten(struct oomsnap_ring *r);
void oomsnap_ring_counts(struct oomsnap_ring *r, struct oomsnap_counts *c);
size_t oomsnap_ring_bytes(struct oomsnap_ring *r);
size_t oomsnap_ring_record_size(struct oomsnap_ring *r);
void oomsnap_ring_set_reaped(struct oomsnap_ring *r, pid_t pid,
			     const void *mm, unsigned long anon,
			     unsigned long file, unsigned long shmem);
wait_queue_head_t *oomsnap_ring_waitq(struct oomsnap_ring *r);
int oomsnap_ring_try_recent(struct oomsnap_ring *r, unsigned int back,
			    struct oomsnap_event *out, u64 *next);
void oomsnap_ring_set_freed(struct oomsnap_ring *r, pid_t tid, bool exit,
			    u64 now_ns);
bool oomsnap_ring_set_victim_argv(struct oomsnap_ring *r, pid_t pid,
				  const void *mm,
				  const struct oomsnap_cmdline *c);

/* oomsnap_capture.c */
int oomsnap_capture_init(void);
void oomsnap_capture_exit(void);
void oomsnap_capture_state(struct oomsnap_capture_state *st);
struct oomsnap_event *oomsnap_capture_panic(void);

/* oomsnap_cause.c */
/**
 * struct oomsnap_cause_in - what the classifier looks at
 * @kind: OOMSNAP_KIND_*
 * @constraint: OOMSNAP_CONSTRAINT_*
 * @order: allocation order, -1 for sysrq
 * @trigger_memcg_is_limit: the memcg at its limit is the trigger's own
 * @limit_is_ancestor: the memcg at its limit is an ancestor of the trigger's
 *	(neither: the OOM came from outside that memcg)
 * @highest_zone: the highest zone index the allocation may use
 * @zones: zones of the allowed nodes
 * @nr_zones: entries in @zones
 */
struct oomsnap_cause_in {
	u8 kind, constraint, highest_zone;
	int order;
	bool trigger_memcg_is_limit, limit_is_ancestor;
	const struct oomsnap_zone *zones;
	unsigned int nr_zones;
};

enum oomsnap_cause oomsnap_classify(const struct oomsnap_cause_in *in);
bool oomsnap_zone_fragmented(const struct oomsnap_zone *z, int order);
bool oomsnap_zone_fragmented_for(const struct oomsnap_zone *z, int order,
				 unsigned int highest_zone);

/* oomsnap_mem.c */
struct oom_control;
void oomsnap_mem_capture(struct oomsnap_event *ev,
			 const struct oom_control *oc);
void oomsnap_mem_finish(struct oomsnap_event *ev);
u16 oomsnap_mem_reasons(const struct oomsnap_event *ev);

/* oomsnap_render.c */
/* What a reader may see beyond the rest of a record (interface 2.1). */
#define OOMSNAP_SHOW_ARGV	BIT(0)	/* argv and exe: CAP_SYS_PTRACE */
void oomsnap_render_json(struct seq_file *m, const struct oomsnap_event *ev,
			 unsigned int show);
void oomsnap_render_text(struct seq_file *m, const struct oomsnap_event *ev,
			 unsigned int show);
void oomsnap_json_str(struct seq_file *m, const char *s, size_t len);
const char *oomsnap_kind_name(unsigned int kind);
const char *oomsnap_constraint_name(unsigned int c);
const char *oomsnap_cause_name(unsigned int cause);
const char *oomsnap_outcome_name(unsigned int outcome);
const char *oomsnap_reason_name(unsigned int reason);
const char *oomsnap_mem_name(unsigned int item);

/* oomsnap_fs.c */
int oomsnap_fs_init(int procfs_mode);
int oomsnap_fs_may_read(const struct file *file);
unsigned int oomsnap_fs_show(const struct file *file);
void oomsnap_fs_exit(void);

/**
 * OOMSNAP_FOPS() - one file's operations, for debugfs and procfs alike
 * @_open: open; a file that cannot seek calls nonseekable_open() there
 * @_read: read, or NULL
 * @_write: write, or NULL
 * @_llseek: llseek, or NULL for a file that cannot seek
 * @_poll: poll, or NULL
 * @_release: release, or NULL
 *
 * debugfs serves them as they are and pins the module through .owner
 * while the file is open; procfs reaches them through oomsnap_fs.c's
 * forwarding proc_ops, which pins it from open to release.
 */
#define OOMSNAP_FOPS(_open, _read, _write, _llseek, _poll, _release) { \
	.owner = THIS_MODULE,						\
	.open = _open,							\
	.read = _read,							\
	.write = _write,						\
	.llseek = _llseek,						\
	.poll = _poll,							\
	.release = _release,						\
}

/* oomsnap_stream.c */
extern const struct file_operations oomsnap_stream_fops;

/* oomsnap_panic.c */
int oomsnap_panic_init(void);
void oomsnap_panic_exit(void);

/* oomsnap_tp.c */
struct tracepoint *oomsnap_tp_find(const char *name);

/* oomsnap_protect.c */
int oomsnap_protect_init(const char *boot_list);
void oomsnap_protect_exit(void);
ssize_t oomsnap_protect_write(const struct file *file,
			      const char __user *ubuf, size_t len);
int oomsnap_protect_show(struct seq_file *m, void *unused);
void oomsnap_protect_reassert(void);
bool oomsnap_protect_covers(struct task_struct *task);
bool oomsnap_protect_own_adj(struct task_struct *p, short *own);
unsigned int oomsnap_protect_entries(void);
u64 oomsnap_protect_refused(void);

#endif /* _OOMSNAP_H */
