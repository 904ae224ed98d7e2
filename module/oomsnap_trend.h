/* SPDX-License-Identifier: GPL-2.0 */
/*
 * oomsnap: what came before and after the kill: memory pressure at the
 * OOM (oomsnap_psi.c), the trend sampler and the victim's time to free
 * (oomsnap_trend.c).  Interface section 3.3.
 */
#ifndef _OOMSNAP_TREND_H
#define _OOMSNAP_TREND_H

#include <linux/types.h>

struct seq_file;
struct mem_cgroup;
struct task_struct;
struct oomsnap_event;

#define OOMSNAP_TREND_MAX	600	/* trend_seconds at most */

/* Why pressure figures are null (interface section 3.3). */
enum oomsnap_psi_state {
	OOMSNAP_PSI_OK,
	OOMSNAP_PSI_OFF,		/* no group: psi=0, cgroup_disable=pressure */
	OOMSNAP_PSI_CGROUP_OFF,		/* the memcg's cgroup.pressure is 0 */
	OOMSNAP_PSI_CGROUP_V1,		/* memcg on cgroup v1: no pressure */
	OOMSNAP_PSI_UNREACHABLE,	/* global OOM, system group out of reach */
	OOMSNAP_PSI_NR
};

/**
 * struct oomsnap_psi_figs - one group's memory pressure, as psi_show() has it
 * @avg: [some, full][avg10, avg60, avg300], fixed point of FSHIFT bits
 * @total_us: [some, full] total stall time, microseconds
 */
struct oomsnap_psi_figs {
	u32 avg[2][3];
	u64 total_us[2];
};

/**
 * struct oomsnap_pressure - memory pressure when the OOM started
 * @state: enum oomsnap_psi_state
 * @has_memcg: @memcg holds the OOMing memcg's figures
 * @has_system: @system holds the system's figures
 * @memcg: the memcg's group
 * @system: the system group (/proc/pressure/memory)
 */
struct oomsnap_pressure {
	u8 state;
	bool has_memcg, has_system;
	struct oomsnap_psi_figs memcg, system;
};

/**
 * struct oomsnap_freed - from the kill to the victim's exit and the reaper
 * @kill_ns: monotonic clock when the victim was marked (0: no victim)
 * @tid: the marked thread's pid, as exit_oom_victim() and the reaper see it
 * @exit_us: kill to exit_oom_victim() of the marked thread
 * @reap_us: kill to the oom reaper's report
 * @exited: @exit_us is set
 * @reaped: @reap_us is set
 */
struct oomsnap_freed {
	u64 kill_ns;
	pid_t tid;
	u32 exit_us, reap_us;
	bool exited, reaped;
};

/**
 * struct oomsnap_sample - one trend sample (40 bytes)
 * @ms: in the sampler's ring, the monotonic clock in ms (wraps); in an
 *	event, ms from the sample to the start of the OOM
 * @avail: si_mem_available(), pages
 * @freeswap: free swap, pages
 * @file: page cache (NR_FILE_PAGES), pages
 * @anon: anon on the LRU lists (active + inactive), pages
 * @refaults: workingset refaults (anon + file) since the sample before
 * @scan: pages scanned by reclaim since the sample before
 * @steal: pages reclaimed since the sample before
 * @allocstall: direct reclaim entries since the sample before
 * @some10: system memory pressure "some" avg10, hundredths of a percent
 * @full10: the same for "full"; both U16_MAX when not reachable
 *
 * Pages and counts are saturated at U32_MAX (16 TiB of 4 kB pages).
 */
struct oomsnap_sample {
	u32 ms;
	u32 avail, freeswap, file, anon;
	u32 refaults, scan, steal, allocstall;
	u16 some10, full10;
};

/* oomsnap_psi.c */
int oomsnap_psi_init(void);
void oomsnap_psi_capture(struct oomsnap_event *ev, struct mem_cgroup *memcg,
			 struct task_struct *trigger);
bool oomsnap_psi_system_avg10(u16 *some, u16 *full);
const char *oomsnap_psi_state_name(unsigned int state);

/* oomsnap_trend.c */
extern unsigned int oomsnap_trend_seconds;
size_t oomsnap_trend_bytes(void);
struct oomsnap_sample *oomsnap_event_trend(const struct oomsnap_event *ev);
int oomsnap_trend_init(void);
void oomsnap_trend_exit(void);
void oomsnap_trend_capture(struct oomsnap_event *ev);
void oomsnap_freed_start(struct oomsnap_event *ev, struct task_struct *t);
void oomsnap_freed_reaped(pid_t pid);
void oomsnap_freed_commit(struct oomsnap_event *ev);
void oomsnap_freed_note(struct oomsnap_freed *f, bool exit, u64 now_ns);
u64 oomsnap_trend_samples_taken(void);
const char *oomsnap_exit_hook_missing(void);

#endif /* _OOMSNAP_TREND_H */
