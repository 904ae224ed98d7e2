// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap: memory pressure (PSI) when the OOM started.
 *
 * The OOMing memcg's group is its cgroup's; the system group (what
 * /proc/pressure/memory shows), psi_system, is not exported, and
 * cgroup_psi(), inline, names it: a module calling it fails modpost.  Since
 * 6.1 every cgroup's group links to its parent's, and the top of that
 * chain, the one group without a parent, is psi_system.  So the system
 * group is the top of the OOMing memcg's chain (a walk bounded by the
 * cgroup's depth), and for a global OOM, of the trigger's cgroup's, or of
 * the first non-root cgroup found at load (kept: psi_system never goes
 * away).  Before 6.1 there is no link and the system figures stay null.
 *
 * Nothing here allocates or sleeps: plain reads of words the averaging
 * work writes (interface section 3.4).
 */
#include <linux/cgroup.h>
#include <linux/memcontrol.h>
#include <linux/sched/signal.h>
#include <linux/sched/loadavg.h>
#include "oomsnap.h"

#define OOMSNAP_CGROUP_DEPTH_MAX	1024	/* more than any real hierarchy */

/* The system group once seen, else NULL; psi_system lives forever. */
static struct psi_group *oomsnap_psi_system;

static const char * const psi_state_names[OOMSNAP_PSI_NR] = {
	"ok", "psi_off", "cgroup_off", "cgroup_v1", "unreachable",
};

/** oomsnap_psi_state_name() - interface name @state: enum oomsnap_psi_state */
const char *oomsnap_psi_state_name(unsigned int state)
{
	return state < OOMSNAP_PSI_NR ? psi_state_names[state] : "?";
}

/* The top of @g's chain: the system group, or NULL without the link. */
static struct psi_group *oomsnap_psi_top(struct psi_group *g)
{
	struct psi_group *p;
	unsigned int depth = 0;

	if (!oomsnap_psi_linked() || !g)
		return NULL;
	while ((p = oomsnap_psi_parent(g)) && depth++ < OOMSNAP_CGROUP_DEPTH_MAX)
		g = p;
	if (p)
		return NULL;
	WRITE_ONCE(oomsnap_psi_system, g);
	return g;
}

/* The pressure group of @t's cgroup v2 cgroup unless it is the root. */
static struct psi_group *oomsnap_task_psi(struct task_struct *t)
{
	struct cgroup *cgrp;

	/* the root cgroup's own group is not the system's on every kernel */
	cgrp = task_dfl_cgroup(t);
	if (!cgroup_parent(cgrp))
		return NULL;
	return oomsnap_cgroup_psi(cgrp);
}

/**
 * oomsnap_psi_init() - find the system group: the top of a cgroup's chain
 *
 * Looks at most scan_max processes for one in a cgroup other than the
 * root; none is fine (a memcg OOM finds it, the sampler retries).
 *
 * Return: 0.
 */
int oomsnap_psi_init(void)
{
	struct task_struct *p;
	unsigned int seen = 0;

	WRITE_ONCE(oomsnap_psi_system, NULL);
	if (!oomsnap_psi_linked())
		return 0;
	rcu_read_lock();
	for_each_process(p) {
		if (++seen > oomsnap_scan_max ||
		    oomsnap_psi_top(oomsnap_task_psi(p)))
			break;
	}
	rcu_read_unlock();
	return 0;
}

static struct psi_group *oomsnap_psi_find_system(struct task_struct *t)
{
	struct psi_group *sys = READ_ONCE(oomsnap_psi_system);

	if (!sys && oomsnap_psi_linked()) {
		rcu_read_lock();
		sys = oomsnap_psi_top(oomsnap_task_psi(t));
		rcu_read_unlock();
	}
	return sys;
}

/**
 * oomsnap_psi_system_avg10() - the system's memory pressure, avg10
 * @some: "some" in hundredths of a percent
 * @full: "full" in hundredths of a percent
 *
 * For the sampler (softirq): tries current's cgroup until the system
 * group is known.
 *
 * Return: false when the system group cannot be reached.
 */
bool oomsnap_psi_system_avg10(u16 *some, u16 *full)
{
	struct psi_group *sys = oomsnap_psi_find_system(current);
	u32 avg[2][3];
	u64 total[2];

	if (!sys)
		return false;
	oomsnap_psi_mem(sys, avg, total);
	*some = LOAD_INT(avg[0][0]) * 100 + LOAD_FRAC(avg[0][0]);
	*full = LOAD_INT(avg[1][0]) * 100 + LOAD_FRAC(avg[1][0]);
	return true;
}

/**
 * oomsnap_psi_capture() - the pressure figures into the in-flight event
 * @ev: the event
 * @memcg: the memcg at its limit (oc->memcg, referenced by the OOM
 *	path), or NULL for a global OOM
 * @trigger: the task in out_of_memory()
 *
 * Context: the OOM path; no allocation, no lock.
 */
void oomsnap_psi_capture(struct oomsnap_event *ev, struct mem_cgroup *memcg,
			 struct task_struct *trigger)
{
	struct oomsnap_pressure *pr = &ev->pressure;
	struct psi_group *g = NULL, *sys;

	pr->state = OOMSNAP_PSI_OK;
#ifdef CONFIG_MEMCG
	if (memcg) {
		if (!cgroup_subsys_on_dfl(memory_cgrp_subsys)) {
			pr->state = OOMSNAP_PSI_CGROUP_V1;
		} else {
			/* a memcg at its limit is never the root */
			g = oomsnap_cgroup_psi(memcg->css.cgroup);
			if (!g) {
				pr->state = OOMSNAP_PSI_OFF;
			} else if (!oomsnap_psi_on(g)) {
				pr->state = OOMSNAP_PSI_CGROUP_OFF;
			} else {
				oomsnap_psi_mem(g, pr->memcg.avg,
						pr->memcg.total_us);
				pr->has_memcg = true;
			}
		}
	}
#endif
	sys = g ? oomsnap_psi_top(g) : NULL;
	if (!sys)
		sys = oomsnap_psi_find_system(trigger);
	if (sys) {
		oomsnap_psi_mem(sys, pr->system.avg, pr->system.total_us);
		pr->has_system = true;
	} else if (!memcg) {
		struct cgroup *cgrp;

		/* a global OOM: PSI off shows in a cgroup without a group */
		rcu_read_lock();
		cgrp = task_dfl_cgroup(trigger);
		pr->state = cgroup_parent(cgrp) && !oomsnap_cgroup_psi(cgrp) ?
			    OOMSNAP_PSI_OFF : OOMSNAP_PSI_UNREACHABLE;
		rcu_read_unlock();
	}
}
