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

#define OOMSNAP_MAX_ZONES	32	/* zones kept per event */
#define OOMSNAP_MAX_KILLED	16	/* killed pids kept per event */
#define OOMSNAP_PATH_LEN	128	/* cgroup path bytes kept */
#define OOMSNAP_CAPACITY_MAX	65536
#define OOMSNAP_MAX_TASKS_MAX	1024
#define OOMSNAP_PROTECT_MAX_MAX	65536
#define OOMSNAP_STACK_MAX	32	/* stack frames saved per event */

enum oomsnap_kind { OOMSNAP_KIND_GLOBAL, OOMSNAP_KIND_MEMCG };

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
};

/* Which optional parts of an event hold data; the rest render as null. */
#define OOMSNAP_HAS_NODEMASK	BIT(0)
#define OOMSNAP_HAS_MEMCG	BIT(1)
#define OOMSNAP_HAS_VICTIM	BIT(2)
#define OOMSNAP_HAS_VICTIM_MM	BIT(3)	/* victim memory figures */
#define OOMSNAP_HAS_POINTS	BIT(4)	/* victim badness points */
#define OOMSNAP_HAS_REAPED	BIT(5)
#define OOMSNAP_HAS_OOM_NS	BIT(6)
#define OOMSNAP_HAS_TRIGGER_MEMCG BIT(7)
#define OOMSNAP_HAS_VICTIM_MEMCG BIT(8)
#define OOMSNAP_HAS_COMMITTED	BIT(9)
#define OOMSNAP_HAS_SWAP	BIT(10)
#define OOMSNAP_HAS_STACK	BIT(11)	/* the allocating task's stack */

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
 */
struct oomsnap_cand {
	pid_t pid;
	short adj;
	char comm[TASK_COMM_LEN];
	long points;
	unsigned long rss, swapents, pgtables;
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
		char memcg[OOMSNAP_PATH_LEN];
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
		char path[OOMSNAP_PATH_LEN];
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
		char memcg[OOMSNAP_PATH_LEN];
		long points;
		unsigned long total_vm, anon, file, shmem, swapents;
		unsigned long pgtables_kb;
		void *mm;	/* identity only, to match the reaper's report */
	} victim;

	struct {
		unsigned long anon, file, shmem;	/* pages */
	} reaped;

	/* before and after the kill: interface section 3.3 */
	struct oomsnap_pressure pressure;
	struct oomsnap_freed freed;
	u16 nr_trend;	/* samples after the candidates: oomsnap_event_trend() */

	u16 nr_zones;
	u16 nr_killed;
	u16 nr_cands;
	struct oomsnap_zone zones[OOMSNAP_MAX_ZONES];
	pid_t killed[OOMSNAP_MAX_KILLED];
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
	atomic64_t capture_busy;	/* nested capture refused */
	atomic64_t badness_calls;	/* oom_badness() returns hooked */
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

/* oomsnap_ring.c */
size_t oomsnap_event_size(void);
int oomsnap_ring_init(void);
void oomsnap_ring_exit(void);
void oomsnap_ring_commit(const struct oomsnap_event *ev);
bool oomsnap_ring_read(u64 seq, struct oomsnap_event *out);
void oomsnap_ring_bounds(u64 *oldest, u64 *next);
void oomsnap_ring_clear(void);
void oomsnap_ring_cursor_open(struct oomsnap_cursor *c);
void oomsnap_ring_cursor_close(struct oomsnap_cursor *c);
int oomsnap_ring_cursor_next(struct oomsnap_cursor *c,
			     struct oomsnap_event *out, u64 *lost, u64 *cleared);
bool oomsnap_ring_cursor_ready(struct oomsnap_cursor *c);
u64 oomsnap_ring_overwritten(void);
void oomsnap_ring_show_counts(struct seq_file *m);
size_t oomsnap_ring_bytes(void);
void oomsnap_ring_set_reaped(pid_t pid, const void *mm,
			     unsigned long anon, unsigned long file,
			     unsigned long shmem);
wait_queue_head_t *oomsnap_ring_waitq(void);
void oomsnap_ring_set_freed(pid_t tid, bool exit, u64 now_ns);

/* oomsnap_capture.c */
int oomsnap_capture_init(void);
void oomsnap_capture_exit(void);
void oomsnap_capture_show_hooks(struct seq_file *m);

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

/* oomsnap_render.c */
void oomsnap_render_json(struct seq_file *m, const struct oomsnap_event *ev);
void oomsnap_render_text(struct seq_file *m, const struct oomsnap_event *ev);
void oomsnap_json_str(struct seq_file *m, const char *s, size_t len);
const char *oomsnap_kind_name(unsigned int kind);
const char *oomsnap_constraint_name(unsigned int c);
const char *oomsnap_cause_name(unsigned int cause);
const char *oomsnap_outcome_name(unsigned int outcome);

/* oomsnap_fs.c */
int oomsnap_fs_init(int procfs_mode);
int oomsnap_fs_may_read(const struct file *file);
void oomsnap_fs_exit(void);

/* oomsnap_stream.c */
extern const struct file_operations oomsnap_stream_fops;

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
unsigned int oomsnap_protect_entries(void);
u64 oomsnap_protect_refused(void);

#endif /* _OOMSNAP_H */
